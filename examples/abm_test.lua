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
