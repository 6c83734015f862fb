-- expect: 1 rule 'str' returned string (a score function must return a number)
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "str" { score = function(lead) return "12" end }
