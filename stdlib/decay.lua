--[==[
decay -- time-decayed weights and sums, for engagement that fades.

  local decay = require "decay"
  local lin = decay.linear("30d")      -- weight 1 now, 0 after 30 days
  local hl  = decay.half_life("14d")   -- weight halves every 14 days
  lin:weight(15 * 86400)               --> 0.5
  hl:weight(14 * 86400)                --> 0.5
  hl:sum({ { at = now - 86400, value = 10 }, { at = now } }, now)

weight(age_seconds):
  linear     max(0, 1 - age / d)
  half_life  0.5 ^ (age / d)
An age below 0 (an item in the future) counts as 0, so its weight is 1.

sum(items, now) adds value * weight(now - at) over the items: a list of
tables, or an iterator function returning one table per call (nil ends).
Each item has `at` (unix seconds) and an optional numeric `value`
(default 1).  Durations are strings such as "30d", or seconds.
]==]
local durations = require "durations"

local M = {}

local function check_age(age)
  if type(age) ~= "number" or age ~= age then
    error("weight: age in seconds expected, got " .. tostring(age), 3)
  end
  return age < 0 and 0 or age
end

local function sum(self, items, now)
  if type(now) ~= "number" then
    error("sum: 'now' (unix seconds) expected, got " .. type(now), 2)
  end
  local total = 0
  local function add(item)
    if type(item) ~= "table" or type(item.at) ~= "number" then
      error("sum: each item needs a numeric field 'at'", 4)
    end
    local v = item.value
    if v == nil then v = 1 end
    if type(v) ~= "number" then
      error("sum: item 'value' must be a number, got " .. type(v), 4)
    end
    total = total + v * self:weight(now - item.at)
  end
  if type(items) == "function" then
    for item in items do add(item) end
  elseif type(items) == "table" then
    for _, item in ipairs(items) do add(item) end
  else
    error("sum: a list or an iterator expected, got " .. type(items), 2)
  end
  return total
end

-- The metatables are shared by every contact: getmetatable() must not
-- hand them to a rule, which could change them for the contacts after it.
local Linear = { sum = sum, __metatable = "decay.linear" }
Linear.__index = Linear

function Linear:weight(age)
  local w = 1 - check_age(age) / self.seconds
  return w < 0 and 0 or w
end

local HalfLife = { sum = sum, __metatable = "decay.half_life" }
HalfLife.__index = HalfLife

function HalfLife:weight(age)
  return 0.5 ^ (check_age(age) / self.seconds)
end

local function span(d, what)
  local secs, err = durations.try(d)
  if not secs then error(what .. ": " .. err, 3) end
  if secs <= 0 then error(what .. ": the duration must be positive", 3) end
  return secs
end

function M.linear(d)
  return setmetatable({ kind = "linear", seconds = span(d, "decay.linear") },
                      Linear)
end

function M.half_life(d)
  return setmetatable({ kind = "half_life",
                        seconds = span(d, "decay.half_life") }, HalfLife)
end

return M
