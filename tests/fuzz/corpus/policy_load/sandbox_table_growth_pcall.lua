-- expect: LR_LIMIT memory limit of 32 MiB exceeded
local t = {}
pcall(function() for i = 1, 1e9 do t[i] = ("y"):rep(100) .. i end end)
return "swallowed"
