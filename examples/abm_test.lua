-- Tests of examples/abm.lua's contact side: `leadrules test examples/abm_test.lua`.
-- Fixture leads have no account (lead.account is nil), so their sql
-- handoff goes to account_owner's fallback; the accounts themselves are
-- tested on real data by tests/cli/test_accounts.sh and docs/qualify.md.
local policy = load_policy("abm.lua")

test("a senior who asked for a demo is an sql, handed to the US desk", function()
  local r = policy:evaluate({ title = "VP Marketing", country = "US",
                              activities = { { type = "demo_request", at = "2026-10-28" } } },
                            { now = "2026-11-01" })
  expect(r.parts["senior title"]).to_be(25)
  expect(r.parts["demo request"]).to_be(40)
  expect(r.stage).to_be("sql")
  expect(r.handoff.account_owner).to_be(false)    -- no account: the fallback
  expect(r.handoff.owner).to_be("una@corp.example")
end)

test("outside the US the fallback is the inbound round robin", function()
  local r = policy:evaluate({ title = "Head of Sales", country = "DE",
                              activities = { { type = "demo_request", at = "2026-10-30" } } },
                            { now = "2026-11-01" })
  expect(r.stage).to_be("sql")
  expect(r.handoff.pool[1]).to_be("ibo@corp.example")
end)

test("without an account, 'target account' does not fire", function()
  local r = policy:evaluate({ title = "Analyst", country = "US" }, { now = "2026-11-01" })
  expect(r.fired["target account"]).to_be(false)
  expect(r.stage).to_be("subscriber")
end)

test("recent activity scores 3 points each, at most 30", function()
  local acts = {}
  for i = 1, 12 do acts[i] = { type = "page_view", at = "2026-10-2" .. (i % 9) } end
  local r = policy:evaluate({ title = "Analyst", activities = acts }, { now = "2026-11-01" })
  expect(r.parts["recent activity"]).to_be(30)
  expect(r.scores.engagement).to_be(30)
end)

test("40 points make an mql", function()
  local r = policy:evaluate({ title = "Director of IT", activities = {
    { type = "email_open", at = "2026-10-20" }, { type = "email_open", at = "2026-10-21" },
    { type = "page_view", at = "2026-10-22" }, { type = "page_view", at = "2026-10-23" },
    { type = "email_click", at = "2026-10-24" } } }, { now = "2026-11-01" })
  expect(r.score).to_be(40)
  expect(r.stage).to_be("mql")
end)

test("a demo request older than 14 days counts only as activity", function()
  local r = policy:evaluate({ title = "VP Sales", activities = {
    { type = "demo_request", at = "2026-10-12" } } }, { now = "2026-11-01" })
  expect(r.parts["demo request"]).to_be(0)
  expect(r.parts["recent activity"]).to_be(3)
  expect(r.stage).to_be("lead")
end)

test("a junior who asked for a demo stays an mql: sql needs fit", function()
  local r = policy:evaluate({ title = "Engineer", activities = {
    { type = "demo_request", at = "2026-10-30" } } }, { now = "2026-11-01" })
  expect(r.score).to_be(43)
  expect(r.scores.fit).to_be(0)
  expect(r.stage).to_be("mql")
end)

test("the funnel is the policy's", function()
  expect(policy.stages[1]).to_be("subscriber")
  expect(policy.stages[4]).to_be("sql")
end)
