-- durations: pinned values, errors, and the pure-Lua parser against the
-- engine's C parser (the module uses the C one when the host gives it).
local durations = require "durations"
local lua_parse = durations._parse_lua

assert(durations.parse("30d") == 30 * 86400)
assert(durations.parse("2w") == 14 * 86400)
assert(durations.parse("12h") == 43200)
assert(durations.parse("90m") == 5400)
assert(durations.parse("45s") == 45)
assert(durations.parse("1y") == 365 * 86400)
assert(durations.parse("1d12h") == 129600)
assert(durations.parse(" 1h30m ") == 5400)
assert(durations.parse(3600) == 3600)
assert(durations.parse(1.5) == 1.5)
assert(durations.format(129600) == "1d12h")
assert(durations.format(0) == "0s")
assert(durations.format("1y2w3d4h5m6s") == "1y2w3d4h5m6s")
assert(durations.format(59) == "59s")

local ok, err = pcall(durations.parse, "soon")
assert(not ok and err:find("invalid duration 'soon'"), err)
assert(durations.try("10") == nil)
assert(select(2, durations.try({})) == "duration expected, got table")
assert(durations.try(-1) == nil)
assert(durations.try(0 / 0) == nil)
-- bounded: at most 10000 years (LR_DURATION_MAX), never an overflow
assert(durations.parse("10000y") == 315360000000)
assert(durations.try("10000y1s") == nil)

local cases = {
  "1s", "0s", "10m", "3h", "7d", "2w", "1y", "1d12h", "1h30m15s", "  5m  ",
  "\t2h\n", "", " ", "10", "d", "1x", "1d 12h", "-1d", "+1d", "1.5h",
  "1D", "1dd", "01d", "007s", "1d1d", "9223372036854775807s",
  "9223372036854775808s", "106751991167300d", "106751991167301d",
  "15250284452w", "15250284453w", "99999999999999999999s", "1y1y1y",
  "1s ", " 1s", "1 s", "s1", "1\0s", "1m1s1h", "0d0h",
  "10000y", "10001y", "315360000000s", "315360000001s", "9999y364d23h59m60s",
  "9999y365d",
}
for _, c in ipairs(cases) do
  local host = durations.try(c)
  local pure = lua_parse(c)
  assert(host == pure, ("'%s': host %s, pure Lua %s"):format(
    c, tostring(host), tostring(pure)))
end
