-- expect: LR_LIMIT instruction limit exceeded
local t = {}
for i = 1, 1e5 do t[i] = i end
local function f() end
while true do f(table.unpack(t)) end
