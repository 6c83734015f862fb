-- expect: LR_LIMIT unpack_format_loop.lua:5: instruction limit exceeded
-- "x" skips a byte: an 8 MB format reads 8 MB and allocates nothing.
local fmt = ("x"):rep(8e6)
local s = ("a"):rep(8e6)
while true do string.unpack(fmt, s) end
