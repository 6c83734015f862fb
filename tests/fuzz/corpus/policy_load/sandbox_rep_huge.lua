-- expect: LR_LIMIT memory limit of 32 MiB exceeded
local s = string.rep("x", 2^40)
