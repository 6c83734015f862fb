-- tests/reliability/policy.lua -- the policy the crash, concurrency and
-- signal tests run over data from scripts/gen: it writes every kind of row
-- a run can write (scores and parts, groups and grades, stage moves,
-- SQL and Lua segment members, handoffs with routing state).
stages { "subscriber", "lead", "mql", "sql", "opportunity", "customer" }
stage "nurture"

segment "enterprise" { where = "company_size >= 1000" }
segment "engaged" { when = function(lead)
  return lead:count("page_view", { within = "30d" }) >= 3 end }

local SENIOR = { "VP", "Director", "Head of", "Chief", "vp" }
rule "senior title" { group = "fit", points = 20, when = function(lead)
  local title = lead.title or ""
  for _, word in ipairs(SENIOR) do
    if title:find(word, 1, true) then return true end
  end
  return false
end }
rule "enterprise" { group = "fit", points = 15, segment = "enterprise" }
rule "email engagement" { group = "engagement", max = 20, score = function(lead)
  return 2 * lead:count("email_open", { within = "30d" }) end }
rule "clicks" { group = "engagement", max = 15, score = function(lead)
  return 5 * lead:count("email_click", { within = "30d" }) end }
rule "web" { group = "engagement", points = 10, segment = "engaged" }
rule "form fill" { group = "engagement", points = 25, when = function(lead)
  return lead:did("form_submit", { within = "30d" }) end }
rule "demo request" { group = "engagement", points = 50, when = function(lead)
  return lead:did("demo_request", { within = "14d" }) end }
rule "gone quiet" { points = -20, when = function(lead)
  return not lead:did("page_view", { within = "60d" }) end }

grade "fit" { A = 30, B = 15, C = 0 }

transition { from = "subscriber", to = "lead", when = function(l) return l.score >= 10 end }
transition { from = "lead", to = "mql", when = function(l) return l.score >= 40 end }
transition { from = "mql", to = "sql", when = function(l)
  return l.score >= 60 and l:in_segment("enterprise") end }
transition { from = { "lead", "mql", "sql" }, to = "nurture", reason = "went cold",
             when = function(l) return l.score < 0 end }

handoff { stage = "sql", due = "2d",
          assign = round_robin { "ana@corp.example", { "ben@corp.example", weight = 2 } } }
