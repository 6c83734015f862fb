--[==[
durations -- duration strings ("30d", "2w", "12h", "90m", "1d12h") to
seconds, and back.

  local durations = require "durations"
  durations.parse("1d12h")    --> 129600
  durations.parse(3600)       --> 3600 (a number is seconds already)
  durations.try("soon")       --> nil, "invalid duration 'soon'"
  durations.format(129600)    --> "1d12h"

Grammar (the same as the engine's C parser, lr_parse_duration): one or
more parts written together, each made of digits and a unit: s (second),
m (minute), h (hour), d (day = 86400 s), w (week = 7 d), y (year =
365 d).  Spaces around the whole are ignored.  A bare number, a sign, a
fraction, a space between parts, an unknown unit or more than 10000
years (LR_DURATION_MAX, 315360000000 s) is an error.  When the host provides its C parser it is used; the pure-Lua
parser below implements the same grammar (tests compare the two).
]==]
local _, host = ...

local M = {}

local UNITS = { s = 1, m = 60, h = 3600, d = 86400, w = 604800,
                y = 31536000 }
local MAX = math.maxinteger
local LIMIT = 315360000000          -- LR_DURATION_MAX: 10000 years

-- The grammar in pure Lua; nil when the text does not follow it.
local function parse_lua(text)
  local s = text:match("^%s*(.-)%s*$")
  if s == "" then return nil end
  local total, pos = 0, 1
  while pos <= #s do
    local digits, unit, nxt = s:match("^(%d+)([smhdwy])()", pos)
    if not digits then return nil end
    local n = 0
    for i = 1, #digits do
      if n > (MAX - 9) // 10 then return nil end
      n = n * 10 + (digits:byte(i) - 48)
    end
    local u = UNITS[unit]
    if n > (LIMIT - total) // u then return nil end
    total = total + n * u
    pos = nxt
  end
  return total
end

local parse_host = host and host.parse_duration

-- Seconds for `d` (a duration string or a number of seconds), or nil and
-- a message.
function M.try(d)
  if math.type(d) == "integer" then
    if d < 0 then return nil, "negative duration " .. d end
    return d
  elseif type(d) == "number" then
    if d ~= d or d < 0 or d == math.huge then
      return nil, "invalid duration " .. tostring(d)
    end
    return d
  elseif type(d) ~= "string" then
    return nil, "duration expected, got " .. type(d)
  end
  local v
  if parse_host then v = parse_host(d) else v = parse_lua(d) end
  if v == nil then return nil, "invalid duration '" .. d .. "'" end
  return v
end

-- Seconds for `d`; an error at the caller's line when it is invalid.
function M.parse(d)
  local v, err = M.try(d)
  if v == nil then error(err, 2) end
  return v
end

-- "1d12h" for 129600; "0s" for 0.  Whole seconds only.
function M.format(seconds)
  local v, err = M.try(seconds)
  if v == nil then error(err, 2) end
  v = math.floor(v)
  if v == 0 then return "0s" end
  local out = {}
  for _, u in ipairs({ "y", "w", "d", "h", "m", "s" }) do
    local n = v // UNITS[u]
    if n > 0 then
      out[#out + 1] = n .. u
      v = v - n * UNITS[u]
    end
  end
  return table.concat(out)
end

M._parse_lua = parse_lua   -- for tests: the pure-Lua parser alone

return M
