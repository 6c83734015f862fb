-- expect: LR_LIMIT instruction limit exceeded
local obj = setmetatable({}, { __concat = function() while true do end end })
return "x" .. obj
