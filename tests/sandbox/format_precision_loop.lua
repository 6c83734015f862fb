-- expect: LR_LIMIT format_precision_loop.lua:4: instruction limit exceeded
-- "%.1s" measures all of s (strlen) but writes one byte: no allocation pays.
local s = ("a"):rep(8e6)
while true do string.format("%.1s", s) end
