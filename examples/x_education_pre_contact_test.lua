-- Unit tests for x_education_pre_contact.lua:
--   leadrules test examples/x_education_pre_contact_test.lua
-- Fixtures are leads as the CRM export has them (folded field names);
-- fields a fixture does not give are NULL.  No database is needed.

local policy = load_policy("x_education_pre_contact.lua", { now = "2026-11-01" })

local SALES = { "asha@xeducation.example", "ravi@xeducation.example",
                "meera@xeducation.example" }

test("a working professional from the add form who read for 15 minutes goes to sales", function()
  local r = policy:evaluate {
    what_is_your_current_occupation = "Working Professional",
    what_matters_most_to_you_in_choosing_a_course = "Better Career Prospects",
    lead_origin = "Lead Add Form",
    total_time_spent_on_website = 900,
  }
  expect(r.scores).to_equal { fit = 65, engagement = 40 }   -- 55 held at max 40
  expect(r.score).to_be(105)
  expect(r.grade).to_be("A")
  expect(r.path).to_equal { "lead", "mql", "sql" }
  expect(r.handoff.stage).to_be("sql")
  expect(r.handoff.due).to_be(parse_duration("2d"))
  expect(r.handoff.pool).to_equal(SALES)
end)

test("a lead that told us nothing stays a lead, grade D", function()
  local r = policy:evaluate {}
  expect(r.parts["occupation not given"]).to_be(-10)
  expect(r.parts["time on site"]).to_be(0)
  expect(r.score).to_be(-10)
  expect(r.grade).to_be("D")
  expect(r.stage).to_be("lead")
  expect(r.handoff).to_be_nil()
end)

test("time on site counts from the fifth minute, 5 points a minute, between 0 and 40", function()
  local function pts(seconds)
    return policy:evaluate{ total_time_spent_on_website = seconds }.parts["time on site"]
  end
  expect(pts(0)).to_be(0)            -- -20, held at min 0
  expect(pts(239)).to_be(0)          -- 3 minutes: -5, held at 0
  expect(pts(240)).to_be(0)          -- 4 minutes
  expect(pts(300)).to_be(5)          -- 5 minutes
  expect(pts(600)).to_be(30)         -- 10 minutes
  expect(pts(719)).to_be(35)         -- 11 minutes (whole minutes only)
  expect(pts(720)).to_be(40)         -- 12 minutes: the max
  expect(pts(7200)).to_be(40)
end)

test("referrals are a segment: Reference and Welingak, not referral sites", function()
  for _, source in ipairs { "Reference", "Welingak Website" } do
    local r = policy:evaluate { source = source }
    expect(r.segments.referred, source).to_be(true)
    expect(r.parts.referred, source).to_be(20)
  end
  for _, source in ipairs { "Referral Sites", "Google", "Olark Chat" } do
    expect(policy:evaluate{ source = source }.parts.referred, source).to_be(0)
  end
end)

test("what sales writes after a call changes nothing", function()
  local lead = { what_is_your_current_occupation = "Unemployed",
                 total_time_spent_on_website = 660 }
  local before = policy:evaluate(lead)
  lead.tags = "Will revert after reading the email"
  lead.lead_quality = "High in Relevance"
  lead.lead_profile = "Potential Lead"
  lead.last_notable_activity = "SMS Sent"
  local after = policy:evaluate(lead)
  expect(after.score).to_be(before.score)
  expect(after.parts).to_equal(before.parts)
  -- sales' own touches as Last Activity count for nothing either way
  for _, a in ipairs { "SMS Sent", "Had a Phone Conversation", "Unreachable" } do
    lead.last_activity = a
    expect(policy:evaluate(lead).score, a).to_be(before.score)
  end
end)

test("opting out, a bounce or an unsubscribe costs 20", function()
  expect(policy:evaluate{ do_not_email = "Yes" }.parts["opted out"]).to_be(-20)
  expect(policy:evaluate{ do_not_email = "No" }.parts["opted out"]).to_be(0)
  expect(policy:evaluate{ last_activity = "Email Bounced" }.parts["opted out"]).to_be(-20)
  expect(policy:evaluate{ last_activity = "Unsubscribed" }.parts["opted out"]).to_be(-20)
end)

test("a lead whose last act was a chat, or landing, converts less", function()
  expect(policy:evaluate{ last_activity = "Olark Chat Conversation" }.parts["chat only"]).to_be(-10)
  expect(policy:evaluate{ last_activity = "Converted to Lead" }.parts["went quiet"]).to_be(-10)
  expect(policy:evaluate{ last_activity = "Page Visited on Website" }.parts["went quiet"]).to_be(-10)
  expect(policy:evaluate{ last_activity = "Email Opened" }.score).to_be(-10)   -- nothing either way
end)

test("MQL at 30 points, SQL at 60 with fit grade A or B", function()
  local at30 = policy:evaluate { what_is_your_current_occupation = "Working Professional" }
  expect(at30.score).to_be(30)
  expect(at30.path).to_equal { "lead", "mql" }
  local at25 = policy:evaluate { what_is_your_current_occupation = "Unemployed",
                                 total_time_spent_on_website = 540 }       -- 9 minutes
  expect(at25.score).to_be(25)
  expect(at25.stage).to_be("lead")
  -- engagement gives at most 40, so time on site alone makes an MQL only
  local engaged = policy:evaluate { what_is_your_current_occupation = "Unemployed",
                                    source = "Google", total_time_spent_on_website = 3600 }
  expect(engaged.score).to_be(40)
  expect(engaged.grade).to_be("C")
  expect(engaged.stage).to_be("mql")
  -- a referral who read for an hour: fit 20 (grade B), 60 points
  local referred = policy:evaluate { what_is_your_current_occupation = "Unemployed",
                                     source = "Reference", total_time_spent_on_website = 3600 }
  expect(referred.score).to_be(60)
  expect(referred.grade).to_be("B")
  expect(referred.path).to_equal { "lead", "mql", "sql" }
end)

test("an MQL that falls below 15 goes back to nurture", function()
  local r = policy:evaluate { stage = "mql", last_activity = "Olark Chat Conversation" }
  expect(r.start_stage).to_be("mql")
  expect(r.score).to_be(-20)
  expect(r.stage).to_be("nurture")
  r = policy:evaluate { stage = "mql", what_is_your_current_occupation = "Unemployed",
                        total_time_spent_on_website = 480 }              -- 20 points
  expect(r.stage).to_be("mql")
end)
