-- The policy of the backtest reference test (tests/backtest/dataset.py
-- mirrors these rules in Python).  Halves and clamps make many ties.
stages { "lead", "mql", "sql" }
stage "nurture"

segment "big" { where = "company_size >= 1000" }

rule "a" { group = "fit", points = 10, when = function(l) return l.a == 1 end }
rule "b" { group = "fit", points = 5, when = function(l) return l.b == 1 end }
rule "c" { group = "fit", points = -5, when = function(l) return l.c == 1 end }
rule "visits" { group = "engagement", max = 8, score = function(l)
  return l.visits or 0 end }
rule "half visits" { group = "engagement", score = function(l)
  return (l.visits or 0) / 2 end }
rule "big" { points = 7, segment = "big" }
rule "never" { points = 100, when = function(l) return l.a == 7 end }

grade "fit" { A = 15, B = 5, C = -100 }

transition { from = "lead", to = "mql", when = function(l) return l.score >= 15 end }
transition { from = "mql", to = "sql", when = function(l) return l.score >= 25 end }
transition { from = { "lead", "mql" }, to = "nurture", when = function(l)
  return l.score < 0 end }
