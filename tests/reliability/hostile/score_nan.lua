-- expect: 1 rule 'nan' returned nan (scores must be finite numbers)
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "nan" { score = function(lead) return 0/0 end }
