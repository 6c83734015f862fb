#!/usr/bin/env leadrules
-- recycle-stale-sql.lua -- send SQLs that sales has not touched for a
-- while back to marketing (stage nurture).
--
--   leadrules scripts/recycle-stale-sql.lua [DAYS] [REST] [--dry-run]
--                                      (DAYS: 30; REST: as DAYS)
--
-- Untouched: handed to sales (or last changed) more than DAYS ago and no
-- activity of any kind in the last DAYS days.  The move is recorded in
-- the stage history with the reason, and the sales owner is cleared (a
-- recycled lead is no longer on a rep's list).  Like any manual move it
-- locks the stage: the policy leaves the lead in nurture for REST days
-- (the lock's expiry), after which its transitions may bring it back.

stage "nurture"                    -- the one stage this script moves into

local days = tonumber(arg[1] or "30")
local rest = tonumber(arg[2] or arg[1] or "30")
if not days or days <= 0 or not rest or rest <= 0 then
  error("usage: leadrules scripts/recycle-stale-sql.lua [DAYS] [REST] "
        .. "[--dry-run]", 0)
end
local cutoff = now - days * 86400
local reason = ("untouched in sql for %d days: recycled to nurture"):format(days)

local recycled = 0
for lead in leads{ stage = "sql",
                   where = ("coalesce(assigned_at, updated_at, 0) <= %d"):format(cutoff) } do
  if lead:count("*", { within = days .. "d" }) == 0 then
    local owner = lead.owner
    lead:move_to("nurture", reason, { hold_for = rest .. "d" })
    lead:set("owner", nil, reason)
    recycled = recycled + 1
    print(lead.key, owner or "-")
  end
end
print(("%d stale SQL(s) recycled to nurture"):format(recycled))
