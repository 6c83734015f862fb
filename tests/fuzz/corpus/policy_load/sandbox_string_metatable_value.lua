-- expect: LR_OK
assert(getmetatable("") == false)
assert(getmetatable("abc") == false)
assert(("abc"):upper() == "ABC")
