-- Unit tests for b2b_saas.lua:  leadrules test examples/b2b_saas_test.lua
--
-- Fixtures are contacts as `leadrules import` stores the generated data
-- (Job Title imported as title); activities are given by age at `now`.

local policy = load_policy("b2b_saas.lua", { now = "2026-11-01" })

test("a senior enterprise buyer who asked for a demo goes to sales", function()
  local r = policy:evaluate {
    title = "VP Marketing", company_size = 5000, industry = "Software",
    country = "US",
    activities = { { "demo_request", ago = "2d" }, { "email_open", ago = "1d" },
                   { "page_view", ago = "3d" } },
  }
  expect(r.scores.fit).to_be(65)                 -- 25 + 20 + 10 + 10
  expect(r.grade).to_be("A")
  expect(r.parts["demo request"]).to_be(40)
  expect(r.score).to_be_at_least(80)
  expect(r.path).to_equal { "subscriber", "lead", "mql", "sql" }
  expect(r.handoff.stage).to_be("sql")
  expect(r.handoff.due).to_be(parse_duration("2d"))
  expect(r.handoff.pool).to_equal { "ana@corp.example", "ben@corp.example",
                                    "cy@corp.example" }
end)

test("territories: Germany goes to dora, France to fabien", function()
  local hot = { title = "Head of Growth", company_size = 2000,
                industry = "Software", activities = { { "demo_request", ago = "1d" },
                { "form_submit", ago = "1d", campaign = "contact-us" },
                { "webinar_attended", ago = "5d" } } }
  hot.country = "DE"
  expect(policy:evaluate(hot).handoff.owner).to_be("dora@corp.example")
  hot.country = "Germany"
  expect(policy:evaluate(hot).handoff.owner).to_be("dora@corp.example")
  hot.country = "FR"
  expect(policy:evaluate(hot).handoff.owner).to_be("fabien@corp.example")
  hot.country = "GB"
  expect(policy:evaluate(hot).handoff.pool).to_equal { "gwen@corp.example",
                                                       "harry@corp.example" }
end)

test("email engagement halves every 14 days, at most 20", function()
  local function email(ages)
    local acts = {}
    for _, a in ipairs(ages) do acts[#acts + 1] = { "email_open", ago = a } end
    return policy:evaluate { activities = acts }.parts["email engagement"]
  end
  expect(email { "0d" }).to_be(3)                      -- 3 * 1
  expect(email { "0d", "14d", "28d" }).to_be(5)        -- 3 * 1.75 = 5.25
  expect(email { "14d" }).to_be(2)                     -- 3 * 0.5 = 1.5, rounded
  expect(email { "100d" }).to_be(0)                    -- outside 90 days
  local many = {}
  for i = 1, 20 do many[i] = "1d" end
  expect(email(many)).to_be(20)
end)

test("web visits fade to nothing in 30 days", function()
  local function visits(ages)
    local acts = {}
    for _, a in ipairs(ages) do acts[#acts + 1] = { "page_view", ago = a } end
    return policy:evaluate { activities = acts }.parts["web visits"]
  end
  expect(visits { "0d", "0d" }).to_be(4)
  expect(visits { "15d" }).to_be(1)                    -- 2 * 0.5
  expect(visits { "31d" }).to_be(0)
end)

test("engagement grades: hot, warm, cold", function()
  expect(policy:evaluate { activities = { { "demo_request", ago = "1d" } } }
         .grades.engagement).to_be("hot")
  expect(policy:evaluate { activities = { { "form_submit", ago = "1d" } } }
         .grades.engagement).to_be("warm")
  expect(policy:evaluate { activities = { { "email_open", ago = "1d" } } }
         .grades.engagement).to_be("cold")
end)

test("a fit without a conversation waits in mql", function()
  local r = policy:evaluate {
    title = "Chief Technology Officer", company_size = 3000,
    industry = "Healthcare", country = "CA",
    activities = { { "webinar_attended", ago = "3d" }, { "form_submit", ago = "2d",
                   campaign = "ebook-download" } },
  }
  expect(r.grade).to_be("A")
  expect(r.score).to_be_at_least(80)
  expect(r.stage).to_be("mql")
  expect(r.handoff).to_be_nil()
end)

test("competitors and students are disqualified", function()
  local r = policy:evaluate { email = "cy@rival.example", title = "VP Sales",
    company_size = 5000, activities = { { "demo_request", ago = "1d" } } }
  expect(r.segments.competitor).to_be(true)
  expect(r.stage).to_be("disqualified")
  expect(r.moves[#r.moves].reason).to_be("competitor or student: not a buyer")
  local s = policy:evaluate { title = "Graduate Student",
    activities = { { "demo_request", ago = "1d" } } }
  expect(s.parts["student or intern"]).to_be(-30)
  expect(s.stage).to_be("disqualified")
end)

test("won deals become customers and go to customer success", function()
  local r = policy:evaluate { stage = "opportunity", owner = "ana@corp.example",
    outcome = { result = "won", amount = 24000, closed_at = "2026-10-20" } }
  expect(r.stage).to_be("customer")
  expect(r.moves[1].reason).to_be("closed won")
  expect(r.handoff.owner).to_be("success@corp.example")
end)

test("recently lost deals go back to marketing with a reason", function()
  local r = policy:evaluate { stage = "sql", owner = "ben@corp.example",
    outcome = { result = "lost", closed_at = "2026-10-15" } }
  expect(r.stage).to_be("nurture")
  expect(r.moves[1].reason).to_be("closed lost: back to marketing")
  local old = policy:evaluate { stage = "lead",
    outcome = { result = "lost", closed_at = "2026-08-01" } }
  expect(old.stage).to_be("lead")
end)

test("an SQL sales did not act on within 2 days is recycled", function()
  local sql = { stage = "sql", owner = "ana@corp.example", title = "VP Sales",
                company_size = 5000, country = "US",
                activities = { { "demo_request", ago = "5d" } } }
  sql.due_at = "2026-10-31"                       -- due yesterday
  local r = policy:evaluate(sql)
  expect(r.stage).to_be("nurture")
  expect(r.moves[1].reason).to_be("SLA breached: sales did not act within 2 days")
  sql.due_at = "2026-11-02"                       -- still within the SLA
  expect(policy:evaluate(sql).stage).to_be("sql")
end)

test("a manual move holds through data changes, until its expiry", function()
  local lead = { stage = "nurture", manual_at = "2026-10-30", data_at = "2026-10-31",
                 activities = { { "demo_request", ago = "1d" },
                                { "webinar_attended", ago = "2d" },
                                { "form_submit", ago = "1d" } } }
  local r = policy:evaluate(lead)
  expect(r.manual_locked).to_be(true)
  expect(r.held_by_manual > 0).to_be(true)
  expect(r.stage).to_be("nurture")
  lead.manual_until = "2026-10-31"               -- `move --until`: expired by now
  r = policy:evaluate(lead)
  expect(r.manual_locked).to_be(false)
  expect(r.path[1]).to_be("nurture")
  expect(r.path[2]).to_be("lead")
  expect(policy:evaluate({ stage = "nurture", manual_at = "2026-10-30",
    data_at = "2026-10-29", activities = lead.activities },
    { override_manual = true }).stage).not_to_be("nurture")
end)
