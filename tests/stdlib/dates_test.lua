-- dates: pinned values and the pure-Lua parser against the C parser.
local dates = require "dates"
local lua_parse = dates._parse_lua

assert(dates.parse("2024-03-01") == 1709251200)
assert(dates.parse("2024-03-01T12:30:00Z") == 1709296200)
assert(dates.parse("20240301") == 1709251200)
assert(dates.parse("2024-03-01T14:30:00+02:00") == 1709296200)
assert(dates.parse(1709296200) == 1709296200)
assert(dates.iso(1709296200) == "2024-03-01T12:30:00Z")
assert(dates.iso(0) == "1970-01-01T00:00:00Z")
assert(dates.iso(-1) == "1969-12-31T23:59:59Z")
assert(dates.iso("2000-02-29T23:59:59Z") == "2000-02-29T23:59:59Z")
assert(dates.iso(951782400) == "2000-02-29T00:00:00Z")
assert(dates.iso(4102444800) == "2100-01-01T00:00:00Z")
assert(dates.day(1709296200) == "2024-03-01")
assert(dates.start_of_day(1709296200) == 1709251200)
assert(dates.start_of_day(-1) == -86400)
assert(dates.days_between("2024-02-28", "2024-03-01") == 2)
assert(dates.days_between("2024-03-01T23:59:59Z", "2024-03-02T00:00:01Z") == 1)
assert(dates.days_between("2024-03-02", "2024-03-01") == -1)
assert(dates.days_between(1709296200, 1709296200 + 3600) == 0)

-- bounded to the years an ISO date can write (LR_TIME_MIN..LR_TIME_MAX)
assert(dates.parse("9999-12-31T23:59:59Z") == 253402300799)
assert(dates.try("253402300800") == nil)
assert(dates.parse("0000-01-01") == -62167219200)
assert(dates.try("-62167219201") == nil)

local ok, err = pcall(dates.parse, "2024-13-01")
assert(not ok and err:find("invalid date '2024%-13%-01'"), err)
ok, err = pcall(dates.iso, {})
assert(not ok and err:find("date expected, got table"), err)

-- round trip over many days, including leap years and negative times
for t = -2 * 365 * 86400, 60 * 365 * 86400, 86400 * 37 + 3671 do
  assert(dates.parse(dates.iso(t)) == t, t)
end

local cases = {
  "2024-03-01", "20240301", "2024-02-29", "2023-02-29", "2024-04-31",
  "2024-00-10", "2024-1-01", "2024-03-01T12:30", "2024-03-01T1230",
  "2024-03-01 12:30:45", "2024-03-01T12:30:45.123Z", "2024-03-01T12:30:45,5",
  "2024-03-01T12:30:45.", "2024-03-01T24:00", "2024-03-01T24:01",
  "2024-03-01T23:60", "2024-03-01T23:59:60", "2024-03-01T23:59:61",
  "2024-03-01T12:30Z", "2024-03-01T12:30z", "2024-03-01T12:30+05",
  "2024-03-01T12:30+0530", "2024-03-01T12:30-05:30", "2024-03-01T12:30+05:",
  "2024-03-01T12:30+15", "2024-03-01T12:30+05:60", "2024-03-01T12:30+5",
  "2024-03-01T12:30:", "2024-03-01X12:30", "2024-03-01T", "1709296200",
  "-86400", "0", "12345678", "1234567890123456", "123456789012345",
  " 2024-03-01 ", "2024-03-01Z", "", "  ", "abc", "2024-03-01T12",
  "1999-12-31T23:59:59-14:00", "2024-03-01T12:30:4",
  "253402300799", "253402300800", "-62167219200", "-62167219201",
  "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-00:01",
  "0000-01-01T00:00:00Z", "0000-01-01T00:00:00+00:01",
}
for _, c in ipairs(cases) do
  local host = dates.try(c)
  local pure = lua_parse(c)
  assert(host == pure, ("'%s': host %s, pure Lua %s"):format(
    c, tostring(host), tostring(pure)))
end
