-- expect: LR_LIMIT utf8_offset_loop.lua:4: instruction limit exceeded
-- utf8.offset skips a run of continuation bytes in one step.
local s = "a" .. ("\x80"):rep(8e6) .. "b"
while true do utf8.offset(s, 2) end
