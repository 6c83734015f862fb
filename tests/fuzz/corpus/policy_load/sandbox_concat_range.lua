-- expect: LR_LIMIT instruction limit exceeded
local t = setmetatable({}, { __index = function() return "x" end })
return table.concat(t, "", 1, 1e15)
