-- expect: LR_LIMIT memory limit of 32 MiB exceeded
local ok = pcall(string.rep, "x", 1e9)
return "swallowed"
