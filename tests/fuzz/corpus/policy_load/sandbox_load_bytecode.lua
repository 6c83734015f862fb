-- expect: LR_POLICY attempt to load a binary chunk (mode is 't')
local f, err = load("\27Lua\84\0\25\147\13\10\26\10\4\8\8")
assert(f, err)
