-- X Education: which of the 9,240 leads should the sales team call first?
--
-- Data: examples/data/x-education-leads.csv, imported with
--   leadrules import contacts examples/data/x-education-leads.csv \
--     --key 'Prospect ID' --null Select
-- The file has no activity log, so engagement comes from the columns the
-- CRM keeps per lead (visits, time on site, last activity) and from the
-- tags sales put on leads they already talked to.

stages { "lead", "mql", "sql", "customer" }
stage "nurture"          -- not now: recycle to marketing
stage "disqualified"     -- not a fit at all

local function one_of(value, list)
  if value == nil then return false end
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

-- Sales said "no" in one of these ways: stop spending calls on them.
segment "closed doors" { where = [[
  tags IN ('Interested in other courses', 'Already a student',
           'Not doing further education', 'Lost to EINS',
           'Interested  in full time MBA', 'Graduation in progress',
           'Diploma holder (Not Eligible)', 'Not Eligible', 'Lost to Others',
           'In confusion whether part time or DLP', 'Interested in Next batch',
           'University not recognized', 'Recognition issue (DEC approval)',
           'invalid number', 'wrong number given', 'number not provided')
]] }

segment "referred" { where = "source IN ('Reference', 'Welingak Website', 'Referral Sites')" }

-- Fit: who the lead is.
rule "working professional" { group = "fit", points = 30, when = function(lead)
  return lead.what_is_your_current_occupation == "Working Professional" end }
rule "add form" { group = "fit", points = 25, when = function(lead)
  return lead.lead_origin == "Lead Add Form" end }
rule "referred" { group = "fit", points = 15, segment = "referred" }
rule "relevance" { group = "fit", points = 15, when = function(lead)
  return one_of(lead.lead_quality, { "High in Relevance", "Might be" }) end }
rule "irrelevant" { group = "fit", points = -20, when = function(lead)
  return one_of(lead.lead_quality, { "Worst", "Low in Relevance" }) end }
rule "student" { group = "fit", points = -10, when = function(lead)
  return lead.what_is_your_current_occupation == "Student" end }

-- Engagement: what the lead did.
rule "time on site" { group = "engagement", max = 30, score = function(lead)
  return math.floor((lead.total_time_spent_on_website or 0) / 60) end }  -- a point a minute
rule "visits" { group = "engagement", max = 10, score = function(lead)
  return math.floor(lead.totalvisits or 0) end }
rule "talked to us" { group = "engagement", points = 20, when = function(lead)
  return one_of(lead.last_activity, { "SMS Sent", "Had a Phone Conversation" }) end }
rule "will revert" { group = "engagement", points = 40, when = function(lead)
  return lead.tags == "Will revert after reading the email" end }
rule "not reachable" { group = "engagement", points = -20, when = function(lead)
  return one_of(lead.tags, { "Ringing", "switched off", "Busy" }) end }
rule "opted out" { group = "engagement", points = -15, when = function(lead)
  return lead.do_not_email == "Yes"
      or one_of(lead.last_activity, { "Email Bounced", "Unsubscribed" }) end }

grade "fit" { A = 40, B = 25, C = 10, D = -1000 }

transition { from = "lead", to = "mql", when = function(lead)
  return lead.score >= 40 end }
transition { from = "mql", to = "sql", when = function(lead)
  return lead.score >= 70 and (lead.grade == "A" or lead.grade == "B") end }
transition { from = { "lead", "mql", "sql" }, to = "disqualified",
  reason = "sales closed the door (tags)", when = function(lead)
  return lead:in_segment("closed doors") end }
transition { from = { "mql", "sql" }, to = "nurture", when = function(lead)
  return lead.score < 20 end }

handoff { stage = "sql", due = "2d",
  assign = round_robin { "asha@xeducation.example", "ravi@xeducation.example",
                         { "meera@xeducation.example", weight = 2 } } }
