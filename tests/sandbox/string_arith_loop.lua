-- expect: LR_LIMIT string_arith_loop.lua:4: instruction limit exceeded
-- "   ...1" + 1 converts the string through the string metatable.
local s = (" "):rep(8e6) .. "1"
while true do local x = s + 1 end
