-- expect: LR_POLICY (error object is a table value)
error(setmetatable({}, { __tostring = function() error("boom") end }))
