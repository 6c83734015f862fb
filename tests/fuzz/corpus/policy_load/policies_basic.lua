-- A small policy used by the CLI tests.
stages { "subscriber", "lead", "mql", "sql" }
stage "nurture"

segment "enterprise" { where = "company_size >= 1000" }

rule "senior" { group = "fit", points = 20, when = function(lead)
  local t = lead.title or ""
  return t:find("VP") or t:find("Director") end }
rule "enterprise" { group = "fit", points = 15, segment = "enterprise" }
rule "opens" { group = "engagement", max = 10, score = function(lead)
  return 2 * lead:count("email_open", { within = "30d" }) end }
rule "demo" { group = "engagement", points = 50, when = function(lead)
  return lead:did("demo_request", { within = "14d" }) end }

grade "fit" { A = 30, B = 15, C = 0 }

transition { from = "subscriber", to = "lead", when = function(l) return l.score > 0 end }
transition { from = "lead", to = "mql", when = function(l) return l.score >= 50 end }
transition { from = "mql", to = "sql", when = function(l)
  return l.score >= 80 and l:in_segment("enterprise") end }

handoff { stage = "sql", due = "2d", assign = round_robin { "ana@corp.example", "ben@corp.example" } }
