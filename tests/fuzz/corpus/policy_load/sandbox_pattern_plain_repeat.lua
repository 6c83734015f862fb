-- expect: LR_LIMIT instruction limit exceeded
local s = ("x"):rep(1e7)
while true do s:find("y", 1, true) end
