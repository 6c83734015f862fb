-- expect: 1 stack overflow
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
local function f() return coroutine.wrap(f)() end
rule "deep" { points = 1, when = function(lead) return f() end }
