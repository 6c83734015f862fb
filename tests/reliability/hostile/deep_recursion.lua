-- expect: 1 stack overflow
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
local function f(n) return f(n + 1) + 1 end
rule "deep" { points = 1, when = function(lead) return f(1) > 0 end }
