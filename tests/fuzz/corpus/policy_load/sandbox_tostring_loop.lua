-- expect: LR_LIMIT instruction limit exceeded
local obj = setmetatable({}, { __tostring = function() while true do end end })
return tostring(obj)
