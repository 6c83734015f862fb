#!/usr/bin/env leadrules
-- recycle-stale-sql.lua -- send SQLs that sales has not touched for a
-- while back to marketing (stage nurture).
--
--   leadrules scripts/recycle-stale-sql.lua [DAYS] [--dry-run]     (DAYS: 30)
--
-- Untouched: handed to sales (or last changed) more than DAYS ago and no
-- activity of any kind in the last DAYS days.  The move is recorded in
-- the stage history with the reason; like any manual move, the policy
-- keeps the lead in nurture until its data changes.

stage "nurture"                    -- the one stage this script moves into

local days = tonumber(arg[1] or "30")
if not days or days <= 0 then
  error("usage: leadrules scripts/recycle-stale-sql.lua [DAYS] [--dry-run]", 0)
end
local cutoff = now - days * 86400
local reason = ("untouched in sql for %d days: recycled to nurture"):format(days)

local recycled = 0
for lead in leads{ stage = "sql",
                   where = ("coalesce(assigned_at, updated_at, 0) <= %d"):format(cutoff) } do
  if lead:count("*", { within = days .. "d" }) == 0 then
    lead:move_to("nurture", reason)
    recycled = recycled + 1
    print(lead.key, lead.owner or "-")
  end
end
print(("%d stale SQL(s) recycled to nurture"):format(recycled))
