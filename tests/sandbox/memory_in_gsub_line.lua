-- expect: LR_LIMIT memory_in_gsub_line.lua:4: memory limit of 32 MiB exceeded
local big = ("x"):rep(4e6)
local n = 0
local r = big:gsub("x", "yyyyyyyy")
