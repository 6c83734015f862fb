-- tests/backtest/policy.lua changed: b worth more, visits capped higher,
-- "never" gone, "fresh" added, an easier SQL stage, "c" and "half visits" rewritten.
stages { "lead", "mql", "sql" }
stage "nurture"

segment "big" { where = "company_size >= 1000" }

rule "a" { group = "fit", points = 10, when = function(l) return l.a == 1 end }
rule "b" { group = "fit", points = 8, when = function(l) return l.b == 1 end }
rule "c" { group = "fit", points = -5, when = function(l) return l.c == 1 and l.a ~= 7 end }
rule "visits" { group = "engagement", max = 10, score = function(l)
  return l.visits or 0 end }
rule "half visits" { group = "engagement", score = function(l)
  return (l.visits or 0) / 4 end }
rule "big" { points = 7, segment = "big" }

grade "fit" { A = 15, B = 5, C = -100 }

transition { from = "lead", to = "mql", when = function(l) return l.score >= 15 end }
transition { from = "mql", to = "sql", when = function(l) return l.score >= 22 end }
transition { from = { "lead", "mql" }, to = "nurture", when = function(l)
  return l.score < 0 end }
rule "fresh" { group = "fit", points = 3, when = function(l)
  return l.b == 1 and l.a == 0 end }
stage "customer"
