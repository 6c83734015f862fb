-- expect: LR_LIMIT instruction limit exceeded
local t = {}
for i = 1, 1e5 do t[i] = -i end
while true do table.sort(t) end
