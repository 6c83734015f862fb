-- decay: exact weights and sums.
local decay = require "decay"
local DAY = 86400
local now = 1700000000

local lin = decay.linear("30d")
assert(lin.kind == "linear" and lin.seconds == 30 * DAY)
assert(lin:weight(0) == 1)
assert(lin:weight(15 * DAY) == 0.5)
assert(lin:weight(3 * DAY) == 0.9)
assert(lin:weight(30 * DAY) == 0)
assert(lin:weight(45 * DAY) == 0)
assert(lin:weight(-5 * DAY) == 1)            -- future items: age 0

local hl = decay.half_life("14d")
assert(hl:weight(0) == 1)
assert(hl:weight(14 * DAY) == 0.5)
assert(hl:weight(28 * DAY) == 0.25)
assert(hl:weight(7 * DAY) == 0.5 ^ 0.5)
assert(hl:weight(-DAY) == 1)
assert(decay.half_life(3600):weight(7200) == 0.25)

local items = {
  { at = now, value = 10 },                  -- weight 1
  { at = now - 15 * DAY },                   -- value 1, weight 0.5
  { at = now - 40 * DAY, value = 100 },      -- weight 0
  { at = now + DAY, value = 2 },             -- future: weight 1
}
assert(lin:sum(items, now) == 10 + 0.5 + 0 + 2)
assert(hl:sum({ { at = now - 14 * DAY, value = 8 },
                { at = now - 28 * DAY, value = 8 } }, now) == 4 + 2)
assert(lin:sum({}, now) == 0)

-- an iterator works like a list
local i = 0
local function iter()
  i = i + 1
  return items[i]
end
assert(lin:sum(iter, now) == 12.5)

local function fails(f, pattern)
  local ok, err = pcall(f)
  assert(not ok and err:find(pattern), tostring(err))
end
fails(function() decay.linear("soon") end, "decay.linear: invalid duration 'soon'")
fails(function() decay.half_life(0) end, "the duration must be positive")
fails(function() lin:sum(items) end, "'now' %(unix seconds%) expected")
fails(function() lin:sum({ { value = 1 } }, now) end, "numeric field 'at'")
fails(function() lin:sum({ { at = now, value = "x" } }, now) end,
      "item 'value' must be a number")
fails(function() lin:sum(5, now) end, "a list or an iterator expected")
fails(function() lin:weight("x") end, "age in seconds expected")
