-- expect: 1 stack overflow
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
local function f(n) return 1 + f(n + 1) end
f(1)
