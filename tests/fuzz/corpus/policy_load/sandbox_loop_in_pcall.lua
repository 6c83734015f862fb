-- expect: LR_LIMIT instruction limit exceeded
local ok = pcall(function() while true do end end)
return "swallowed"
