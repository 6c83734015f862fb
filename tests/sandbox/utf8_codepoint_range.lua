-- expect: LR_LIMIT utf8_codepoint_range.lua:4: instruction limit exceeded
-- each call pushes 100,000 values: charged one instruction each.
local s = ("a"):rep(1e5)
while true do select("#", utf8.codepoint(s, 1, -1)) end
