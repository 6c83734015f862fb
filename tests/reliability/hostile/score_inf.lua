-- expect: 1 rule 'inf' returned inf (scores must be finite numbers)
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "inf" { score = function(lead) return math.huge end }
