-- expect: LR_LIMIT packsize_loop.lua:4: instruction limit exceeded
-- packsize reads its format a byte at a time and allocates nothing.
local fmt = ("b"):rep(8e6)
while true do string.packsize(fmt) end
