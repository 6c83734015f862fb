-- expect: LR_LIMIT reverse_loop.lua:3: instruction limit exceeded
local s = ("a"):rep(8e6)
while true do local u = s:reverse() end
