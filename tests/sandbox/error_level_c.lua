-- expect: LR_POLICY error_level_c.lua:4: blame my caller
-- level 2 is gsub, a C function without a line: the innermost policy
-- line (the error call) is named instead.
string.gsub("x", "x", function() error("blame my caller", 2) end)
