-- expect: LR_LIMIT utf8_len_loop.lua:4: instruction limit exceeded
-- utf8.len decodes in C, where the count hook never ticks: charged per byte.
local s = ("é"):rep(4e6)
while true do utf8.len(s) end
