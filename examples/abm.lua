-- Account-based marketing: score the companies, not only the people, and
-- route every lead to its account's owner.
--
-- Data: the B2B example (examples/data/b2b/), its contacts matched to the
-- companies of accounts.csv by their email's domain:
--   leadrules import contacts examples/data/b2b/contacts.csv --map 'Job Title=title'
--   leadrules import activities examples/data/b2b/activities.csv
--   leadrules import outcomes examples/data/b2b/outcomes.csv
--   leadrules import accounts examples/data/b2b/accounts.csv
--   leadrules run examples/abm.lua --now 2026-11-01
--
-- Order of a run: every contact first (rules, transitions, handoffs), then
-- every account in key order, reading its contacts' results of this run
-- (account:contacts), then the contact handoffs that go to the account's
-- owner.  lead.account is the account as the last run left it.

-- Contacts: a small fit + engagement score --------------------------------
stages { "subscriber", "lead", "mql", "sql" }

local SENIOR = { "vp", "vice president", "director", "head of", "chief",
                 "ceo", "cto", "founder" }
local function senior(title)
  local t = (title or ""):lower()
  for _, w in ipairs(SENIOR) do
    if t:find(w, 1, true) then return true end
  end
  return false
end

rule "senior title" { group = "fit", points = 25, when = function(lead)
  return senior(lead.title) end }
rule "target account" { group = "fit", points = 15, when = function(lead)
  return lead.account ~= nil and lead.account.tier == 1 end }
rule "recent activity" { group = "engagement", max = 30, score = function(lead)
  return 3 * lead:count("*", { within = "30d" }) end }
rule "demo request" { group = "engagement", points = 40, when = function(lead)
  return lead:did("demo_request", { within = "14d" }) end }

transition { from = "subscriber", to = "lead", when = function(lead)
  return lead.score > 0 end }
transition { from = "lead", to = "mql", when = function(lead)
  return lead.score >= 40 end }
transition { from = "mql", to = "sql", when = function(lead)
  return lead.scores.fit >= 25 and lead:did("demo_request", { within = "14d" }) end }

-- A lead goes to its account's owner; a lead without one (no account, or
-- an account nobody owns yet) goes to the inbound team.
handoff { stage = "sql", due = "2d", assign = account_owner {
  fallback = by_field("country", { US = "una@corp.example",
                                   ["*"] = round_robin { "ibo@corp.example",
                                                         "ines@corp.example" } }) } }

-- Accounts -------------------------------------------------------------------
account_stages { "target", "engaged", "qualified" }
account_stage "dormant"

-- Buying-group coverage: how many people, how senior, how recently.
account_rule "contacts engaged" { group = "engagement", max = 40, score = function(account)
  return 10 * account:count { within = "30d" } end }
account_rule "seniors engaged" { group = "coverage", points = 30, when = function(account)
  return account:count { within = "30d", where = function(c)
    return senior(c.title) end } >= 2 end }
account_rule "an mql or better" { group = "coverage", points = 20, when = function(account)
  return account:count { min_stage = "mql" } >= 1 end }
account_rule "people's score" { group = "engagement", max = 50, score = function(account)
  return math.floor(account:sum("score") / 10) end }
account_rule "enterprise" { group = "fit", points = 20, when = function(account)
  return (account.employees or 0) >= 1000 end }

grade "coverage" { A = 50, B = 20, C = 0 }

account_transition { from = "target", to = "engaged", when = function(account)
  return account.scores.engagement >= 20 end }
account_transition { from = "engaged", to = "qualified", reason = "buying group engaged",
  when = function(account) return account.score >= 80 and account.grade ~= "C" end }
account_transition { from = { "engaged", "qualified" }, to = "dormant",
  reason = "nobody active for 90 days", when = function(account)
    return account:count { within = "90d" } == 0 end }

account_handoff { stage = "qualified", due = "5d",
  assign = round_robin { "ana@corp.example", "ben@corp.example" } }
