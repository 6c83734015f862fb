-- expect: LR_POLICY undefined global 'x'
local f = assert(load("x = 1", "chunk", "t", {}))
f()
return x
