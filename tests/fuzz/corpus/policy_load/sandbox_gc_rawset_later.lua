-- expect: LR_OK
local mt = {}
keep = setmetatable({}, mt)
rawset(mt, "__gc", function() while true do end end)
