-- strings: nil-safe helpers.
local strings = require "strings"

assert(strings.contains("Senior VP of Sales", "vp"))
assert(strings.contains("Senior VP of Sales", "VP OF"))
assert(not strings.contains("Director", "vp"))
assert(not strings.contains(nil, "vp"))
assert(not strings.contains("vp", nil))
assert(strings.contains("a.b", "."))          -- plain, not a pattern
assert(not strings.contains("ab", "."))
assert(strings.contains(12345, 234))

assert(strings.starts_with("info@corp.example", "info@"))
assert(not strings.starts_with("INFO@corp.example", "info@"))
assert(strings.starts_with("INFO@corp.example", "info@", true))
assert(not strings.starts_with(nil, "x"))
assert(strings.starts_with("x", ""))

assert(strings.ends_with("ana@rival.com", "@rival.com"))
assert(not strings.ends_with("ana@RIVAL.com", "@rival.com"))
assert(strings.ends_with("ana@RIVAL.com", "@rival.com", true))
assert(not strings.ends_with("com", "rival.com"))
assert(strings.ends_with("x", ""))
assert(not strings.ends_with(nil, ""))

assert(strings.lower(nil) == nil)
assert(strings.lower("AbC") == "abc")
assert(strings.trim("  a b  ") == "a b")
assert(strings.trim(nil) == nil)
assert(strings.is_blank(nil) and strings.is_blank("") and strings.is_blank(" \t"))
assert(not strings.is_blank(" x "))

local ok, err = pcall(strings.contains, {}, "x")
assert(not ok and err:find("contains: string expected, got table"), err)
