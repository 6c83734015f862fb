-- expect: LR_POLICY error_tostring_loop.lua:4: (error object is a table value)
local obj = setmetatable({}, { __tostring = function() while true do end end,
                               __name = "Evil" })
error(obj)
