-- X Education, before the first call: which new leads should sales call first?
--
-- Data and import as for examples/x_education.lua:
--   leadrules import contacts examples/data/x-education-leads.csv \
--     --key 'Prospect ID' --null Select
--
-- examples/x_education.lua also scores `Tags` and `Lead Quality`, which
-- sales fills in after talking to a lead: it ranks leads well partly because
-- it reads what sales already learnt.  This policy reads only what is known
-- when a lead arrives, before anyone calls: where it came from, what it
-- filled in on the form, and what it did on the site and with our emails.
-- Left out as filled in or caused by sales: Tags, Lead Quality, Lead
-- Profile, the Asymmetrique indices and scores, and the activities that are
-- sales' own touches ("SMS Sent", "Had a Phone Conversation",
-- "Unreachable"; Last Notable Activity repeats Last Activity).

stages { "lead", "mql", "sql", "customer" }
stage "nurture"
stage "disqualified"

local function one_of(value, list)
  if value == nil then return false end
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

segment "referred" { where = "source IN ('Reference', 'Welingak Website')" }

-- Fit: who the lead is and how it came.
rule "working professional" { group = "fit", points = 30, when = function(lead)
  return lead.what_is_your_current_occupation == "Working Professional" end }
rule "add form" { group = "fit", points = 25, when = function(lead)
  return lead.lead_origin == "Lead Add Form" end }
rule "referred" { group = "fit", points = 20, segment = "referred" }
rule "career goal given" { group = "fit", points = 10, when = function(lead)
  return lead.what_matters_most_to_you_in_choosing_a_course ~= nil end }
rule "occupation not given" { group = "fit", points = -10, when = function(lead)
  return lead.what_is_your_current_occupation == nil end }

-- Engagement: what the lead did on its own (Last Activity, when it is not
-- one of sales' own touches).
rule "time on site" { group = "engagement", max = 40, min = 0, score = function(lead)
  -- short visits convert no better than none; past ten minutes they do
  return 5 * (math.floor((lead.total_time_spent_on_website or 0) / 60) - 4) end }
rule "went quiet" { group = "engagement", points = -10, when = function(lead)
  return one_of(lead.last_activity, { "Converted to Lead", "Page Visited on Website" }) end }
rule "chat only" { group = "engagement", points = -10, when = function(lead)
  return lead.last_activity == "Olark Chat Conversation" end }
rule "opted out" { group = "engagement", points = -20, when = function(lead)
  return lead.do_not_email == "Yes"
      or one_of(lead.last_activity, { "Email Bounced", "Unsubscribed" }) end }

grade "fit" { A = 40, B = 20, C = 0, D = -1000 }

transition { from = "lead", to = "mql", when = function(lead)
  return lead.score >= 30 end }            -- the best F1 of the backtest
transition { from = "mql", to = "sql", when = function(lead)
  return lead.score >= 60 and (lead.grade == "A" or lead.grade == "B") end }
transition { from = { "mql", "sql" }, to = "nurture", when = function(lead)
  return lead.score < 15 end }

handoff { stage = "sql", due = "2d",
  assign = round_robin { "asha@xeducation.example", "ravi@xeducation.example",
                         { "meera@xeducation.example", weight = 2 } } }
