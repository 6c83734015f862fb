-- expect: LR_LIMIT upper_loop.lua:4: instruction limit exceeded
-- case mapping reads every byte; charged before it runs.
local s = ("a"):rep(8e6)
while true do local u = s:upper() end
