-- expect: LR_LIMIT instruction limit exceeded
local co = coroutine.create(function() while true do end end)
local ok, err = coroutine.resume(co)
return "swallowed", err
