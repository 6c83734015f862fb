-- expect: LR_OK
keep = setmetatable({}, { __gc = function() while true do end end })
