-- expect: LR_LIMIT byte_range_loop.lua:4: instruction limit exceeded
-- each call pushes 100,000 values: charged one instruction each.
local s = ("a"):rep(1e5)
while true do select("#", s:byte(1, -1)) end
