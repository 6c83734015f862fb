-- One of each static mistake `leadrules check` finds (run against
-- x_education_sample.sql).
stages { "lead", "mql", "sql", "customer" }
stage "nurture"
stage "archived"                     -- nothing moves contacts here

segment "referred" { where = "lead_source IN ('Reference', 'Welingak Website')" }
segment "india" { where = "country = 'India'" }                 -- unused

rule "referred" { points = 20, segment = "referred" }
rule "source" { points = 10, when = function(lead)
  return lead.lead_sorce == "Google" end }                      -- typo
rule "tagged" { points = 5, when = function(lead) return lead["tagz"] ~= nil end }
-- rule "old" { points = 5, when = function(lead) return lead.no_such end }

transition { from = "lead", to = "mql", when = function(lead) return lead.score >= 10 end }
transition { from = "mql", to = "sql", when = function(lead) return lead.score >= 30 end }
transition { from = "archived", to = "nurture", when = function(lead) return true end }

handoff { stage = "sql", assign = "ben@x.example" }
handoff { stage = "customer", assign = "ana@x.example" }
