-- expect: LR_LIMIT tonumber_spaces_loop.lua:4: instruction limit exceeded
-- tonumber skips 8 MB of spaces before it finds no number.
local s = (" "):rep(8e6)
while true do tonumber(s) end
