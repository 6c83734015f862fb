-- expect: LR_LIMIT memory limit of 32 MiB exceeded
local t = {}
for i = 1, 1e9 do t[i] = ("x"):rep(100) .. i end
