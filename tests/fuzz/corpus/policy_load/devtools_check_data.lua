-- Mistakes only the data shows (run against x_education_sample.sql).
stages { "lead", "mql" }

segment "martians" { when = function(lead) return lead.country == "Mars" end }

rule "martian" { points = 5, segment = "martians" }             -- never fires
rule "everyone" { points = 1, when = function(lead) return true end }
rule "quality" { points = 15, when = function(lead)
  return lead.lead_quality:lower():find("high") end }           -- nil on some
rule "visits" { max = 10, score = function(lead) return lead.totalvisits end }

transition { from = "lead", to = "mql", when = function(lead) return lead.score >= 10 end }
