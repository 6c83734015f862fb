-- expect: LR_LIMIT instruction limit exceeded
local mt = { __lt = function() while true do end end }
local a, b = setmetatable({}, mt), setmetatable({}, mt)
return a < b
