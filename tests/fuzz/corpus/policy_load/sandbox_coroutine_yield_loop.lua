-- expect: LR_LIMIT instruction limit exceeded
local f = coroutine.wrap(function() while true do coroutine.yield() end end)
while true do f() end
