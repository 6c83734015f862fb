-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
local t = {}
for i = 1, 1e9 do t[#t + 1] = ("x"):rep(64) .. i end
