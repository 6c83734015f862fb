-- expect: 0 ran
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- Finite but huge scores in score groups (written as JSON per contact).
rule "big" { group = "fit", score = function(lead) return 1e300 end }
rule "small" { group = "eng", score = function(lead) return -1e300 end }
rule "tiny" { group = "eng", score = function(lead) return 5e-324 end }
grade "fit" { A = 1e299, B = 0 }
