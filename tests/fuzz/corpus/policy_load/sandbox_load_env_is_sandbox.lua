-- expect: LR_POLICY undefined global 'io'
local f = assert(load("return io.open"))
return f()
