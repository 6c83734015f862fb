-- expect: LR_LIMIT sort_long_strings.lua:6: instruction limit exceeded
-- every comparison reads two 8 MB strings (strcoll): sort is charged by
-- the longest string, so it is refused before it starts.
local s = ("a"):rep(8e6)
local t = {} for i = 1, 100 do t[i] = s end
while true do table.sort(t) end
