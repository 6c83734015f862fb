#!/usr/bin/env leadrules
-- tag-webinar-attendees.lua -- mark everyone who attended a webinar, for
-- a follow-up campaign or a segment of the policy.
--
--   leadrules scripts/tag-webinar-attendees.lua CAMPAIGN [FIELD] [VALUE] [--dry-run]
--
-- Sets FIELD (default: last_webinar, created when missing) to VALUE
-- (default: the campaign) on every contact with a webinar_attended
-- activity of that campaign.  Each change is recorded in the audit table.

local campaign, name = arg[1], arg[2] or "last_webinar"
local value = arg[3] or campaign
if not campaign then
  error("usage: leadrules scripts/tag-webinar-attendees.lua CAMPAIGN [FIELD] [VALUE]", 0)
end

local function quote(s) return "'" .. s:gsub("'", "''") .. "'" end

if field(name) then print(("new field %s"):format(name)) end

local tagged, seen = 0, 0
for lead in leads{ where = ([[id IN (SELECT contact_id FROM activities
                    WHERE type = 'webinar_attended' AND campaign = %s)]]):format(quote(campaign)) } do
  seen = seen + 1
  if lead:set(name, value, "attended webinar " .. campaign) then tagged = tagged + 1 end
end
print(("%d attendee(s) of %s, %d newly tagged %s = %s"):format(seen, campaign, tagged, name, value))
