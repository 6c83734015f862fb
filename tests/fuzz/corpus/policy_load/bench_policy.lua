-- bench/policy.lua -- the 12-rule behavioural benchmark policy.
--
-- Written for data from scripts/gen (imported with --map 'Job Title=title').
-- The same logic is written as set-based SQL in bench/baseline.sql and as a
-- per-row Python script in bench/baseline.py; scripts/bench checks that all
-- three give the same scores and stages.
--
-- Semantics the three share:
--   lead:count(type, {within = "30d"})  activities of that type with
--                                        now - 30d <= occurred_at <= now
--   lead:did(type, opts)                 count > 0
--   rule { points = P, when = f }        adds P when f(lead) is truthy
--   rule { score = f, max = M }          adds min(M, f(lead))
--   transitions are tried once each, in this order, against the current
--   stage; a contact with no stage yet is a "subscriber".

stages { "subscriber", "lead", "mql", "sql", "opportunity", "customer" }
stage "nurture"

local SENIOR = { "VP", "Director", "Head of", "Chief" }
local TARGET_COUNTRY = { US = true, GB = true, DE = true, FR = true, CA = true }
local TARGET_INDUSTRY = { ["Software"] = true, ["Financial Services"] = true,
                          ["Healthcare"] = true }

local function size(lead) return tonumber(lead.company_size) or 0 end

-- Fit: who the contact is.
rule "senior title" { points = 20, when = function(lead)
  local title = lead.title or ""
  for _, word in ipairs(SENIOR) do
    if title:find(word, 1, true) then return true end
  end
  return false
end }

rule "enterprise" { points = 15, when = function(lead)
  return size(lead) >= 1000
end }

rule "target country" { points = 10, when = function(lead)
  return TARGET_COUNTRY[lead.country or ""] ~= nil
end }

rule "target industry" { points = 10, when = function(lead)
  return TARGET_INDUSTRY[lead.industry or ""] ~= nil
end }

-- Engagement: what the contact did.
rule "email engagement" { max = 20, score = function(lead)
  return 2 * lead:count("email_open", { within = "30d" })
end }

rule "clicks" { max = 15, score = function(lead)
  return 5 * lead:count("email_click", { within = "30d" })
end }

rule "web visits" { max = 15, score = function(lead)
  return lead:count("page_view", { within = "14d" })
end }

rule "form fill" { points = 25, when = function(lead)
  return lead:did("form_submit", { within = "30d" })
end }

rule "webinar" { points = 15, when = function(lead)
  return lead:did("webinar_attended", { within = "60d" })
end }

rule "demo request" { points = 50, when = function(lead)
  return lead:did("demo_request", { within = "14d" })
end }

-- Negative signals.
rule "competitor" { points = -100, when = function(lead)
  return (lead.email or ""):lower():sub(-14) == "@rival.example"
end }

rule "gone quiet" { points = -20, when = function(lead)
  return not lead:did("page_view", { within = "90d" })
end }

-- The funnel.
transition { from = "subscriber", to = "lead", when = function(lead)
  return lead.score >= 10
end }

transition { from = "lead", to = "mql", when = function(lead)
  return lead.score >= 50
end }

transition { from = "mql", to = "sql", when = function(lead)
  return lead.score >= 100 and size(lead) >= 1000
end }

transition { from = { "mql", "sql" }, to = "nurture", when = function(lead)
  return lead.score < 20
end }
