-- expect: LR_LIMIT memory limit of 32 MiB exceeded
local s = ("x"):rep(1e9)
