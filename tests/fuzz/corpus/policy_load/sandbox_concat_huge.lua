-- expect: LR_LIMIT memory limit of 32 MiB exceeded
local s = ("x"):rep(1e6)
local t = {}
for i = 1, 100 do t[i] = s end
return table.concat(t)
