-- examples/embed/policy.lua: a policy that calls enrich_domain(email), a
-- function the embedding program (embed.c) registers through
-- lr_policy_lua.  It returns the company's head count, or nil.
stages { "lead", "mql", "sql" }

local function employees(lead) return enrich_domain(lead.email) or 0 end

rule "large company" { points = 40, when = function(lead)
  return employees(lead) >= 1000 end }
rule "mid-size company" { points = 20, when = function(lead)
  local n = employees(lead)
  return n >= 200 and n < 1000 end }
rule "decision maker" { points = 30, when = function(lead)
  local title = lead.title or ""
  return title:find("VP") or title:find("Director") or title:find("Head") end }

transition { from = "lead", to = "mql", when = function(lead) return lead.score >= 30 end }
transition { from = "mql", to = "sql", when = function(lead) return lead.score >= 60 end }

handoff { stage = "sql", due = "2d",
          assign = round_robin { "asha@sales.example", "ravi@sales.example" } }
