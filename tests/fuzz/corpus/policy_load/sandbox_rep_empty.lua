-- expect: LR_OK
assert(string.rep("", 1e15) == "")
assert(string.rep("", 1e15, "") == "")
