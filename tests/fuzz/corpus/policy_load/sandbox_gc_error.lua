-- expect: LR_OK
ran = false
setmetatable({}, { __gc = function() ran = true; error("in __gc") end })
local n = 0
while not ran and n < 200000 do local t = { n }; n = n + 1 end
assert(ran, "the finalizer ran")
