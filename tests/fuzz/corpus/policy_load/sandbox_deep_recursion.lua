-- expect: LR_LIMIT memory limit of 32 MiB exceeded
local function f() return 1 + f() end
return f()
