-- B2B SaaS: who is a fit, who is engaged, and who sales should call now.
--
-- Data: examples/data/b2b/ (300 contacts from `scripts/gen --contacts 300
-- --seed 7 --now 2026-11-01`), imported with
--   leadrules import contacts examples/data/b2b/contacts.csv --map 'Job Title=title'
--   leadrules import activities examples/data/b2b/activities.csv
--   leadrules import outcomes examples/data/b2b/outcomes.csv
-- and run on a fixed clock, so that the result is reproducible:
--   leadrules run examples/b2b_saas.lua --now 2026-11-01
--
-- Two scores, as Pardot keeps a grade beside the score: `fit` (who the
-- contact is: title, company size, industry, market) and `engagement`
-- (what they did, fading with time).  The score is their sum.  Sales
-- takes a lead when it is a fit and has asked for a conversation; leads
-- sales does not act on within the SLA go back to marketing.

local decay = require "decay"

stages { "subscriber", "lead", "mql", "sql", "opportunity", "customer" }
stage "nurture"          -- back with marketing: not now
stage "disqualified"     -- not a buyer at all

-- Segments -------------------------------------------------------------------
segment "enterprise"      { where = "company_size >= 1000" }
segment "mid-market"      { where = "company_size BETWEEN 200 AND 999" }
segment "target industry" { where = "industry IN ('Software', 'Financial Services', 'Healthcare')" }
segment "competitor"      { where = "lower(email) LIKE '%@rival.example'" }
segment "students" { when = function(lead)
  local t = (lead.title or ""):lower()
  return t:find("student", 1, true) or t:find("intern", 1, true) end }

local function title_has(lead, words)
  local t = (lead.title or ""):lower()
  for _, w in ipairs(words) do
    if t:find(w, 1, true) then return true end
  end
  return false
end

local SENIOR = { "vp", "vice president", "director", "head of", "chief",
                 "ceo", "cto", "founder", "owner" }
local CORE_MARKET = { US = true, USA = true, ["United States"] = true,
                      GB = true, DE = true, Germany = true, FR = true, CA = true }

-- Fit: who the contact is ------------------------------------------------------
rule "senior title"    { group = "fit", points = 25, when = function(lead)
  return title_has(lead, SENIOR) end }
rule "manager"         { group = "fit", points = 10, when = function(lead)
  return title_has(lead, { "manager" }) and not title_has(lead, SENIOR) end }
rule "enterprise"      { group = "fit", points = 20, segment = "enterprise" }
rule "mid-market"      { group = "fit", points = 10, segment = "mid-market" }
rule "target industry" { group = "fit", points = 10, segment = "target industry" }
rule "core market"     { group = "fit", points = 10, when = function(lead)
  return CORE_MARKET[lead.country or ""] ~= nil end }
rule "student or intern" { group = "fit", points = -30, segment = "students" }
rule "competitor"      { group = "fit", points = -100, segment = "competitor" }

-- Engagement: what they did, weighted by how recently ---------------------------
local fortnight = decay.half_life("14d")   -- an open 14 days ago counts half
local month = decay.linear("30d")          -- a visit fades to nothing in 30 days

local function whole(x) return math.floor(x + 0.5) end   -- whole points

rule "email engagement" { group = "engagement", max = 20, score = function(lead)
  return whole(3 * fortnight:sum(lead:activities("email_open", { within = "90d" }), now)
             + 6 * fortnight:sum(lead:activities("email_click", { within = "90d" }), now)) end }
rule "web visits" { group = "engagement", max = 15, score = function(lead)
  local visits = 0
  for _, view in ipairs(lead:activities("page_view", { within = "30d" })) do
    visits = visits + month:weight(now - view.at)
  end
  return whole(2 * visits) end }
rule "form fill"    { group = "engagement", points = 15, when = function(lead)
  return lead:did("form_submit", { within = "30d" }) end }
rule "webinar"      { group = "engagement", points = 15, when = function(lead)
  return lead:did("webinar_attended", { within = "60d" }) end }
rule "demo request" { group = "engagement", points = 40, when = function(lead)
  return lead:did("demo_request", { within = "14d" }) end }
rule "gone quiet"   { group = "engagement", points = -15, when = function(lead)
  return not lead:did("*", { within = "60d" }) end }

grade "fit"        { A = 45, B = 25, C = 10, D = 0 }      -- lead.grade
grade "engagement" { hot = 40, warm = 15, cold = 0 }     -- lead.grades.engagement

-- Transitions, tried once each in this order ------------------------------------
-- Outcomes sales reported: won deals become customers, lost ones go back to
-- marketing (while the loss is recent; later the lead may qualify again).
transition { from = "*", to = "customer", reason = "closed won",
  when = function(lead)
    local o = lead:outcome()
    return o and o.won end }
transition { from = { "subscriber", "lead", "mql", "sql", "opportunity" },
  to = "nurture", reason = "closed lost: back to marketing",
  when = function(lead)
    local o = lead:outcome()
    return o and not o.won and now - o.closed_at < 30 * 86400 end }

-- Not buyers.
transition { from = { "subscriber", "lead", "mql", "sql" }, to = "disqualified",
  reason = "competitor or student: not a buyer",
  when = function(lead)
    return lead:in_segment("competitor") or lead:in_segment("students") end }

-- Recycled leads that are active again come back (before the SLA check, so a
-- lead recycled in this run waits for the next one).
transition { from = "nurture", to = "lead", reason = "active again",
  when = function(lead)
    return lead.grades.engagement == "hot" and not lead:outcome() end }

-- Sales did not act within the SLA of the handoff: back to marketing.
transition { from = "sql", to = "nurture",
  reason = "SLA breached: sales did not act within 2 days",
  when = function(lead) return lead:sla_breached() end }

-- Up the funnel.
transition { from = "subscriber", to = "lead", when = function(lead)
  return lead.score >= 15 end }
transition { from = "lead", to = "mql", when = function(lead)
  return lead.score >= 50 and lead.grade ~= "D" end }
transition { from = "mql", to = "sql", when = function(lead)
  -- a fit who asked for a conversation: the step sales recognises
  return lead.score >= 80 and (lead.grade == "A" or lead.grade == "B")
     and (lead:did("demo_request", { within = "14d" })
          or lead:did("form_submit", { within = "14d", campaign = "contact-us" })) end }
-- "opportunity" is set by sales: leadrules move KEY opportunity --reason ...

-- Handoffs ------------------------------------------------------------------------
-- Territories by country; the rest share a weighted round robin in which cy
-- takes at most 5 new leads a day (the overflow goes to the others).
handoff { stage = "sql", due = "2d", assign = by_field("country", {
  DE = "dora@corp.example", Germany = "dora@corp.example",
  FR = "fabien@corp.example",
  GB = round_robin { "gwen@corp.example", "harry@corp.example" },
  ["*"] = round_robin { "ana@corp.example", { "ben@corp.example", weight = 2 },
                        { "cy@corp.example", capacity = 5 } },
}) }
handoff { stage = "customer", assign = "success@corp.example" }
