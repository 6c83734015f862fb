# Nothing a rule does is seen by another contact, and every error names
# the policy line.
#
# 1. Isolation: a rule tries to change everything the engine and the
#    sandbox put in a policy's reach (now, the library tables, the string
#    metatable, the shared stdlib metatables, the stage and segment
#    namespaces, module tables); every try must be refused, and a score
#    built from those values is the same for every contact and the same
#    with --jobs 1 and --jobs 2 (over 2,048 contacts, so two workers each
#    get a chunk).  A bare `now = 0` fails the run naming its line, and
#    the database is unchanged.
# 2. Positions: error(42), error("msg", 0), error({}), error("msg", 2),
#    a refused write inside table.insert, a stack overflow through nested
#    coroutine.wrap: every message of `run --keep-going` (run_errors),
#    `explain`, `check` and `test` starts with `pos.lua:LINE:` of the
#    rule's code, and none is longer than 1 KiB.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"
NOW=2026-11-01

python3 "$LR_SRC/scripts/gen" --contacts 5000 --activities-per-contact 1 \
  --seed 9 --now $NOW --out data >/dev/null 2>&1 || fail "scripts/gen"
lr import contacts data/contacts.csv >/dev/null || fail "import contacts"
rel_checkpoint test.db
cp test.db pristine.db
before=$(digest_all test.db)

cat > iso.lua <<'EOF'
stages { "subscriber", "lead" }
segment "all" { where = "1 = 1" }
local decay = require "decay"
local dates = require "dates"
local tries = {
  { "now", function() now = 0 end },
  { "rawset now", function() rawset(_G, "now", 0) end },
  { "math.pi", function() math.pi = 3 end },
  { "string.upper", function() string.upper = string.lower end },
  { "string.x", function() string.x = 1 end },
  { "string mt", function() getmetatable("").__index = {} end },
  { "utf8", function() utf8.charpattern = "" end },
  { "os.time", function() os.time = function() return 0 end end },
  { "table.insert", function() table.insert = nil end },
  { "coroutine", function() coroutine.wrap = nil end },
  { "decay mt", function()
      getmetatable(decay.linear("1d")).weight = function() return 9 end end },
  { "decay", function() decay.linear = nil end },
  { "dates", function() dates.x = 1 end },
  { "stage", function() stage.x = 1 end },
  { "segment", function() segment.all = 1 end },
  { "rule", function() rule = nil end },
  { "_G", function() _G._G = {} end },
}
rule "tries" { points = 1, when = function(lead)
  if lead.id % 2 == 1 then return true end
  for _, t in ipairs(tries) do
    local ok, err = pcall(t[2])
    if ok then error("assignment to " .. t[1] .. " was not refused") end
    if not err:find("^iso%.lua:%d+: ") then error("no position: " .. err) end
  end
  return true
end }
rule "seen" { score = function(lead)
  return now % 1000 + math.floor(math.pi * 100) + #string.upper("ab")
    + #utf8.charpattern + decay.linear("10d"):weight(86400) * 10
    + os.time { year = 2020, month = 1, day = 1, hour = 0 } % 7
    + (lead:in_segment("all") and 1 or 0)
end }
EOF
expect_ok lr run iso.lua --jobs 1 --now $NOW
contains "5000 evaluated"
same "$(sql "SELECT count(DISTINCT score) FROM contacts")" 1 "scores differ between contacts"
one=$(digest_run test.db)
rel_copy pristine.db test.db
expect_ok lr run iso.lua --jobs 2 --now $NOW
same "$(sql "SELECT count(DISTINCT score) FROM contacts")" 1 "scores differ between contacts (--jobs 2)"
same "$(digest_run test.db)" "$one" "--jobs 1 and --jobs 2 differ"
rel_copy pristine.db test.db

# A bare assignment to `now` fails the run at its line; nothing changes.
cat > now.lua <<'EOF'
stages { "subscriber", "lead" }
rule "r" { points = 1, when = function(lead)
  now = 0
  return true
end }
EOF
expect_fail 1 lr run now.lua --now $NOW
contains "leadrules: now.lua:3: contact "
contains ": cannot assign global 'now' (globals are frozen)"
same "$(digest_all test.db)" "$before" "database changed by a failed run"

# 2. Positions.
cat > pos.lua <<'EOF'
stages { "subscriber", "lead" }
local function overflow() return coroutine.wrap(overflow)() end
rule "errors" { points = 1, when = function(lead)
  local k = lead.id % 7
  if k == 1 then error(42) end
  if k == 2 then error("level zero", 0) end
  if k == 3 then error({}) end
  if k == 4 then error("level two", 2) end
  if k == 5 then table.insert(string, 1) end
  if k == 6 and lead.id < 20 then overflow() end
  return true
end }
EOF
expect_ok lr run pos.lua --keep-going --now $NOW
errs=$(sql "SELECT count(*) FROM run_errors")
[ "$errs" -gt 3000 ] && pass || fail "only $errs errors recorded"
same "$(sql "SELECT count(*) FROM run_errors WHERE message NOT GLOB
  'pos.lua:[0-9]*: contact *' OR length(message) > 1024")" 0 \
  "a message without its position, or too long: $(sql "SELECT message FROM
  run_errors WHERE message NOT GLOB 'pos.lua:[0-9]*: contact *' LIMIT 1")"
msg() { sql "SELECT message FROM run_errors WHERE contact_id = $1"; }
key() { sql "SELECT key FROM contacts WHERE id = $1"; }
same "$(msg 1)" "pos.lua:5: contact $(key 1): 42"
same "$(msg 2)" "pos.lua:6: contact $(key 2): level zero"
same "$(msg 3)" "pos.lua:7: contact $(key 3): (error object is a table value)"
same "$(msg 4)" "pos.lua:8: contact $(key 4): level two"
same "$(msg 5)" "pos.lua:9: contact $(key 5): cannot modify read-only table 'string'"
same "$(msg 6)" "pos.lua:2: contact $(key 6): C stack overflow"
rel_copy pristine.db test.db

expect_fail 1 lr explain "$(key 2)" pos.lua --now $NOW
same "${OUT%%$'\n'*}" "leadrules: pos.lua:6: contact $(key 2): level zero"
expect_fail 1 lr check pos.lua --now $NOW --all
contains "pos.lua:5: error: 42 ("
contains "pos.lua:6: error: level zero ("
contains "pos.lua:9: error: cannot modify read-only table 'string' ("
contains "pos.lua:2: error: C stack overflow ("

cat > pos_test.lua <<'EOF'
local policy = load_policy("pos.lua", { now = "2026-11-01", fields = { "n" } })
test("error(42)", function()
  local ok, err = pcall(policy.evaluate, policy, { id = 1 })
  expect(err).to_be("pos_test.lua:3: evaluate: ./pos.lua:5: contact fixture: 42")
end)
test("error at level 0", function()
  local ok, err = pcall(policy.evaluate, policy, { id = 2 })
  expect(err).to_be("pos_test.lua:7: evaluate: ./pos.lua:6: contact fixture: level zero")
end)
EOF
expect_ok lr test pos_test.lua
contains "2 passed, 0 failed"
same "$(digest_all test.db)" "$before" "database changed"
finish
