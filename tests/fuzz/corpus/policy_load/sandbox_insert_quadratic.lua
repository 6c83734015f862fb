-- expect: LR_LIMIT instruction limit exceeded
local t = {}
for i = 1, 1e6 do table.insert(t, 1, i) end
