#!/usr/bin/env leadrules
-- reassign-owner.lua -- hand an owner's open leads to another owner
-- (someone leaves, goes on leave, or changes territory).
--
--   leadrules scripts/reassign-owner.lua FROM TO ["REASON"] [--dry-run]
--
-- Open leads are those FROM owns in any stage but customer, disqualified
-- and nurture.  Each change is recorded in the audit table with who ran
-- the script (--by, else $USER) and the reason.

local from, to = arg[1], arg[2]
local reason = arg[3] or ("reassigned from %s to %s"):format(from or "?", to or "?")
if not from or not to or from == to then
  error("usage: leadrules scripts/reassign-owner.lua FROM TO [REASON] [--dry-run]", 0)
end

local function quote(s) return "'" .. s:gsub("'", "''") .. "'" end

local CLOSED = "('customer', 'disqualified', 'nurture')"
local moved = 0
for lead in leads{ where = ("owner = %s AND (stage IS NULL OR lower(stage) NOT IN %s)")
                          :format(quote(from), CLOSED) } do
  if lead:set("owner", to, reason) then
    moved = moved + 1
    print(lead.key, lead.stage or "-", from .. " -> " .. to)
  end
end
print(("%d open lead(s) of %s reassigned to %s"):format(moved, from, to))
