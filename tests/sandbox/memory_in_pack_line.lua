-- expect: LR_LIMIT memory_in_pack_line.lua:6: memory limit of 32 MiB exceeded
-- the cap refuses inside string.pack: the message names the pack line,
-- not the last line the hook saw.
local big = ("x"):rep(10e6)
local other = ("y"):rep(10e6)
local p = string.pack("s4", big)
