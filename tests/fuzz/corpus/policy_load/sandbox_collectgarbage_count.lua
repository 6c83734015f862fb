-- expect: LR_OK
local kb = collectgarbage("count")
assert(math.type(kb) == "float" and kb > 1, "count works")
