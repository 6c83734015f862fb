-- Unit tests for x_education.lua:  leadrules test examples/x_education_test.lua
--
-- Each fixture is one lead as the CRM export has it (field names folded
-- the way `leadrules import` folds the CSV headers).  Fields a fixture does
-- not give are NULL.  No database is needed; the SQL segments run as real
-- SQL against the fixture in a scratch in-memory database.

local policy = load_policy("x_education.lua", { now = "2026-11-01" })

local SALES = { "asha@xeducation.example", "ravi@xeducation.example",
                "meera@xeducation.example" }

test("a working professional from the add form goes straight to sales", function()
  local r = policy:evaluate {
    what_is_your_current_occupation = "Working Professional",
    lead_origin = "Lead Add Form",
    total_time_spent_on_website = 1200,          -- 20 minutes
  }
  expect(r.parts["working professional"]).to_be(30)
  expect(r.parts["add form"]).to_be(25)
  expect(r.parts["time on site"]).to_be(20)
  expect(r.scores).to_equal { fit = 55, engagement = 20 }
  expect(r.score).to_be(75)
  expect(r.grade).to_be("A")
  expect(r.path).to_equal { "lead", "mql", "sql" }
  expect(r.handoff.stage).to_be("sql")
  expect(r.handoff.due).to_be(parse_duration("2d"))
  expect(r.handoff.pool).to_equal(SALES)
end)

test("a student who only browsed stays a lead with grade D", function()
  local r = policy:evaluate {
    what_is_your_current_occupation = "Student",
    totalvisits = 2, total_time_spent_on_website = 300,
  }
  expect(r.parts.student).to_be(-10)
  expect(r.scores.engagement).to_be(7)          -- 5 minutes + 2 visits
  expect(r.score).to_be(-3)
  expect(r.grade).to_be("D")
  expect(r.stage).to_be("lead")
  expect(r.handoff).to_be_nil()
end)

test("time on site earns a point a minute, at most 30", function()
  expect(policy:evaluate{ total_time_spent_on_website = 125 }.parts["time on site"]).to_be(2)
  expect(policy:evaluate{ total_time_spent_on_website = 59 }.fired["time on site"]).to_be(false)
  expect(policy:evaluate{ total_time_spent_on_website = 7200 }.parts["time on site"]).to_be(30)
end)

test("visits are rounded down and count at most 10", function()
  expect(policy:evaluate{ totalvisits = 3.7 }.parts.visits).to_be(3)
  expect(policy:evaluate{ totalvisits = 251 }.parts.visits).to_be(10)
end)

test("referral sources are a segment, decided by its SQL", function()
  for _, source in ipairs { "Reference", "Welingak Website", "Referral Sites" } do
    local r = policy:evaluate { source = source }
    expect(r.segments.referred, source).to_be(true)
    expect(r.parts.referred, source).to_be(15)
  end
  local google = policy:evaluate { source = "Google" }
  expect(google.segments.referred).to_be(false)
  expect(google.parts.referred).to_be(0)
end)

test("sales closing the door disqualifies even a hot lead", function()
  local r = policy:evaluate {
    what_is_your_current_occupation = "Working Professional",
    lead_origin = "Lead Add Form", total_time_spent_on_website = 3000,
    tags = "Lost to EINS",
  }
  expect(r.score).to_be(85)
  expect(r.segments["closed doors"]).to_be(true)
  expect(r.path).to_equal { "lead", "mql", "sql", "disqualified" }
  expect(r.moves[#r.moves].reason).to_be("sales closed the door (tags)")
  expect(r.handoff).to_be_nil()                 -- it left sql in the same run
end)

test("a segment's membership can be stated instead of computed", function()
  local r = policy:evaluate { segments = { ["closed doors"] = true } }
  expect(r.stage).to_be("disqualified")
end)

test("an MQL whose score fell under 20 is recycled to nurture", function()
  local r = policy:evaluate { stage = "mql", last_activity = "SMS Sent" }
  expect(r.score).to_be(20)
  expect(r.stage).to_be("mql")                  -- 20 is not under 20
  r = policy:evaluate { stage = "mql", totalvisits = 4 }
  expect(r.start_stage).to_be("mql")
  expect(r.path).to_equal { "mql", "nurture" }
end)

test("engagement alone reaches MQL, but SQL needs fit grade A or B", function()
  local r = policy:evaluate {
    tags = "Will revert after reading the email",
    total_time_spent_on_website = 3600, totalvisits = 12,
  }
  expect(r.scores).to_equal { fit = 0, engagement = 80 }
  expect(r.grade).to_be("D")
  expect(r.stage).to_be("mql")
  r = policy:evaluate {
    tags = "Will revert after reading the email",
    total_time_spent_on_website = 3600, totalvisits = 12,
    what_is_your_current_occupation = "Working Professional",
  }
  expect(r.grade).to_be("B")
  expect(r.stage).to_be("sql")
end)

test("opting out or bouncing costs 15 points, once", function()
  expect(policy:evaluate{ do_not_email = "Yes" }.parts["opted out"]).to_be(-15)
  expect(policy:evaluate{ last_activity = "Unsubscribed" }.parts["opted out"]).to_be(-15)
  local both = policy:evaluate { do_not_email = "Yes", last_activity = "Email Bounced" }
  expect(both.score).to_be(-15)
end)

test("leads sales cannot reach lose 20 points", function()
  for _, tag in ipairs { "Ringing", "switched off", "Busy" } do
    expect(policy:evaluate{ tags = tag }.parts["not reachable"], tag).to_be(-20)
  end
end)

test("lead quality judged by sales moves fit both ways", function()
  expect(policy:evaluate{ lead_quality = "High in Relevance" }.scores.fit).to_be(15)
  expect(policy:evaluate{ lead_quality = "Worst" }.scores.fit).to_be(-20)
  expect(policy:evaluate{ lead_quality = "Not Sure" }.scores.fit).to_be(0)
end)

test("an SQL with an owner is not handed off again; one without is", function()
  local function sql_lead(owner)
    return policy:evaluate {
      stage = "sql", owner = owner,
      what_is_your_current_occupation = "Working Professional",
      lead_origin = "Lead Add Form",
    }
  end
  local owned = sql_lead("ravi@xeducation.example")
  expect(owned.stage).to_be("sql")
  expect(owned.handoff).to_be_nil()
  expect(sql_lead(nil).handoff.pool).to_contain("meera@xeducation.example")
end)

test("a typo in a rule name is an error, not a silent nil", function()
  local r = policy:evaluate {}
  expect(r.score).to_be(0)
  expect(function() return r.parts["add frm"] end).to_fail("no rule named 'add frm'")
end)
