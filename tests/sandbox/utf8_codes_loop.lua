-- expect: LR_LIMIT utf8_codes_loop.lua:4: instruction limit exceeded
-- 8 MB of continuation bytes: the first step of the iterator skips them all.
local s = ("\x80"):rep(8e6)
while true do for _ in utf8.codes(s) do end end
