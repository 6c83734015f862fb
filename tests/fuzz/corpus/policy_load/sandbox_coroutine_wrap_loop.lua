-- expect: LR_LIMIT instruction limit exceeded
local f = coroutine.wrap(function() while true do end end)
pcall(f)
return "swallowed"
