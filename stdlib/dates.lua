--[==[
dates -- UTC calendar helpers on unix seconds.

  local dates = require "dates"
  dates.parse("2024-03-01")            --> 1709251200
  dates.parse("2024-03-01T12:30:00Z")  --> 1709296200
  dates.iso(1709296200)                --> "2024-03-01T12:30:00Z"
  dates.day(1709296200)                --> "2024-03-01"
  dates.start_of_day(1709296200)       --> 1709251200
  dates.days_between(a, b)             --> whole UTC calendar days, a to b

Every function taking a time accepts unix seconds or a string that
dates.parse accepts.  parse follows the engine's C parser (lr_parse_time):
unix seconds (an optional '-' and digits, but not exactly 8 digits), or an
ISO-8601 date YYYY-MM-DD or YYYYMMDD, optionally followed by 'T' or a
space and HH:MM[:SS[.fraction]] (colons optional) and 'Z' or an offset
+HH[:MM] / -HH[:MM].  Times without an offset are UTC.  Times are
bounded to the years an ISO date can write, 0000-01-01T00:00:00Z to
9999-12-31T23:59:59Z (LR_TIME_MIN, LR_TIME_MAX).  Invalid text is an
error at the caller's line.  The C parser is used when the host provides
it; the pure-Lua one below follows the same grammar.
]==]
local _, host = ...

local M = {}
local DAY = 86400
local TIME_MIN, TIME_MAX = -62167219200, 253402300799
local function bounded(t)
  if t < TIME_MIN or t > TIME_MAX then return nil end
  return t
end

-- Days since 1970-01-01 of a proleptic Gregorian date.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

-- Year, month, day of a day number (inverse of days_from_civil).
local function civil_from_days(z)
  z = z + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local MDAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
local function leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end

local function parse_lua(text)
  local s = text:match("^%s*(.-)%s*$")
  if s == "" then return nil end
  local sign, digits = s:match("^(%-?)(%d+)$")
  if digits and #digits ~= 8 then
    if #digits > 15 then return nil end
    local v = math.tointeger(tonumber(digits))
    return bounded(sign == "-" and -v or v)
  end
  local y, mo, d, rest = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  if not y then y, mo, d, rest = s:match("^(%d%d%d%d)(%d%d)(%d%d)(.*)$") end
  if not y then return nil end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo < 1 or mo > 12 or d < 1 then return nil end
  if d > MDAYS[mo] + ((mo == 2 and leap(y)) and 1 or 0) then return nil end
  local h, mi, se, offset = 0, 0, 0, 0
  if rest ~= "" then
    local t = rest:match("^[T ](.*)$")
    if not t then return nil end
    local hh, mm, tail = t:match("^(%d%d):?(%d%d)(.*)$")
    if not hh then return nil end
    h, mi = tonumber(hh), tonumber(mm)
    local ss, tail2 = tail:match("^:?(%d%d)(.*)$")
    if ss then
      se, tail = tonumber(ss), tail2
      local frac = tail:match("^[.,](.*)$")
      if frac then
        local f = frac:match("^%d+")
        if not f then return nil end
        tail = frac:sub(#f + 1)
      end
    elseif tail:sub(1, 1) == ":" then
      return nil
    end
    if h > 24 or mi > 59 or se > 60 or (h == 24 and (mi > 0 or se > 0)) then
      return nil
    end
    if tail == "Z" or tail == "z" then
      tail = ""
    elseif tail ~= "" then
      local sg, oh, rest2 = tail:match("^([+-])(%d%d)(.*)$")
      if not sg then return nil end
      local om = 0
      if rest2 ~= "" and rest2 ~= ":" then
        local mm2 = rest2:match("^:?(%d%d)$")
        if not mm2 then return nil end
        om = tonumber(mm2)
      end
      oh = tonumber(oh)
      if oh > 14 or om > 59 then return nil end
      offset = (sg == "-" and -1 or 1) * (oh * 3600 + om * 60)
    end
  end
  return bounded(days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + se
                 - offset)
end

local parse_host = host and host.parse_time

-- Unix seconds for a date string (or a number, returned as is), or nil
-- and a message.
function M.try(t)
  if type(t) == "number" then return t end
  if type(t) ~= "string" then return nil, "date expected, got " .. type(t) end
  local v
  if parse_host then v = parse_host(t) else v = parse_lua(t) end
  if v == nil then return nil, "invalid date '" .. t .. "'" end
  return v
end

function M.parse(t)
  local v, err = M.try(t)
  if v == nil then error(err, 2) end
  return v
end

local function check(t)
  local v, err = M.try(t)
  if v == nil then error(err, 3) end
  return math.floor(v)
end

-- "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds).
function M.iso(t)
  t = check(t)
  local y, m, d = civil_from_days(t // DAY)
  local secs = t % DAY
  return string.format("%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
                       secs // 3600, secs % 3600 // 60, secs % 60)
end

-- "YYYY-MM-DD" (UTC).
function M.day(t)
  t = check(t)
  local y, m, d = civil_from_days(t // DAY)
  return string.format("%04d-%02d-%02d", y, m, d)
end

-- Midnight UTC of the day holding t.
function M.start_of_day(t)
  t = check(t)
  return t - t % DAY
end

-- Whole UTC calendar days from a to b (negative when b is earlier).
function M.days_between(a, b)
  a, b = check(a), check(b)
  return (b - b % DAY - (a - a % DAY)) // DAY
end

M._parse_lua = parse_lua   -- for tests: the pure-Lua parser alone

return M
