# run --changed is exactly a full run: a generated data set goes through
# many clocks and data changes (new, future-dated and old activities,
# contact edits and new contacts, outcomes, moves by hand with and
# without an expiry, field sets); after each step database A gets a full
# run and database B a --changed run at the same clock, and every table
# (runs but for its counts of what was evaluated) is compared byte for
# byte.  Then: a re-run writes nothing, and the reasons a --changed run
# is full (no earlier run, another policy, a rule reading other contacts
# found mid-run, --override-manual, an SQL segment reading the clock).
source "$LR_SRC/tests/cli/lib.sh"
DAY=86400
T0=1793491200                                   # 2026-11-01T00:00:00Z
A=$LR_TMP/a.db
B=$LR_TMP/b.db
python3 "$LR_SRC/scripts/gen" --contacts 300 --seed 11 --now 2026-11-01 \
  --out gen >/dev/null || fail "scripts/gen"

cat > windows.lua <<'EOF'
stages { "subscriber", "lead", "mql", "sql" }
stage "nurture"
segment "enterprise" { where = "company_size >= 1000" }
segment "engaged" { when = function(lead)
  return lead:count("*", { within = "30d" }) >= 3 end }
local function senior(lead)
  local t = (lead.title or ""):lower()
  return t:find("vp", 1, true) or t:find("director", 1, true) or
         t:find("chief", 1, true) end
rule "senior"     { group = "fit", points = 20, when = senior }
rule "enterprise" { group = "fit", points = 15, segment = "enterprise" }
rule "engaged"    { group = "engagement", points = 5, segment = "engaged" }
rule "opens"      { group = "engagement", max = 12, score = function(lead)
  return 2 * lead:count("email_open", { within = "30d" }) end }
rule "visits"     { group = "engagement", max = 10, score = function(lead)
  return #lead:activities("page_view", { within = "14d" }) end }
rule "demo"       { group = "engagement", points = 40, when = function(lead)
  return lead:did("demo_request", { within = "14d" }) end }
rule "webinar"    { group = "engagement", points = 10, when = function(lead)
  return lead:did("webinar_attended", { since = "2026-10-15", campaign = "webinar-roi" }) end }
rule "last click" { points = 3, when = function(lead)
  local t = lead:last("email_click", { within = "21d" })
  return t ~= nil end }
rule "won"        { points = 30, when = function(lead)
  local o = lead:outcome()
  return o ~= nil and o.won end }
grade "fit" { A = 30, B = 15, C = 0 }
transition { from = "subscriber", to = "lead", when = function(l) return l.score >= 10 end }
transition { from = "lead", to = "mql", when = function(l) return l.score >= 35 end }
transition { from = "mql", to = "sql", when = function(l)
  return l.score >= 55 and l:in_segment("enterprise") end }
transition { from = "sql", to = "nurture", reason = "SLA breached",
  when = function(l) return l:sla_breached() end }
transition { from = "nurture", to = "lead", reason = "cool-down over",
  when = function(l) return (l:time_in_stage() or 0) >= 7 * 86400 end }
transition { from = { "lead", "mql" }, to = "nurture", reason = "gone quiet",
  when = function(l) return not l:did("*", { within = "45d" }) end }
handoff { stage = "sql", due = "2d", assign = round_robin {
  "ana@corp.example", "ben@corp.example", capacity = 4 } }
EOF

# on both databases
both() { LEADRULES_DB=$A "$@" >/dev/null 2>&1 || fail "A: $*";
         LEADRULES_DB=$B "$@" >/dev/null 2>&1 || fail "B: $*"; }
# every row of every table; runs without what only says how it ran (one
# sqlite3: the .dump, then the runs' rows, which no INSERT line begins)
dump() {
  sqlite3 "$1" .dump "SELECT id, kind, policy, policy_hash, now, score_changes,
    moves, handoffs, errors, dry_run, by, error_text, stages FROM runs ORDER BY id" |
    grep -v '^INSERT INTO runs '
}
STEPS=0 PARTIAL=0
# run_at T: a full run on A, --changed on B, then the databases must match
run_at() {
  LEADRULES_DB=$A lr run windows.lua --now "$1" >/dev/null 2>&1 || fail "A run at $1"
  OUT=$(LEADRULES_DB=$B lr run windows.lua --now "$1" --changed 2>&1) || fail "B run at $1: $OUT"
  if [ "$(dump "$A")" = "$(dump "$B")" ]; then pass; else
    fail "tables differ after --changed at $1"
    diff <(dump "$A") <(dump "$B") | head -20 >&2
  fi
  local ev all
  read -r ev all < <(sqlite3 -separator ' ' "$B" "SELECT (SELECT evaluated
    FROM runs ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM contacts)")
  STEPS=$((STEPS + 1))
  [ "$ev" -lt "$all" ] && PARTIAL=$((PARTIAL + 1))
}
key() { sqlite3 "$A" "SELECT key FROM contacts WHERE id = $1"; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# acts T TYPE IDS...: an activity of TYPE at T for each contact id (their
# keys in one sqlite3, in the order given)
acts() {
  local t=$(iso "$1") type=$2 ids=() i=0 id; shift 2
  for id in "$@"; do i=$((i + 1)); ids+=("($i, $id)"); done
  echo "email,type,occurred_at,value,campaign" > acts.csv
  sqlite3 "$A" "WITH ids(pos, id) AS (VALUES $(IFS=,; echo "${ids[*]}"))
    SELECT coalesce(c.key, '') || ',$type,$t,,webinar-roi' FROM ids
    LEFT JOIN contacts c ON c.id = ids.id ORDER BY ids.pos" >> acts.csv
}

both lr import contacts gen/contacts.csv --map 'Job Title=title' --now $T0
both lr import activities gen/activities.csv --now $T0
both lr import outcomes gen/outcomes.csv --now $T0
expect_ok env LEADRULES_DB=$B "$LEADRULES" run windows.lua --now $T0 --changed
contains "scope      every contact: no earlier run to start from"
LEADRULES_DB=$A lr run windows.lua --now $T0 >/dev/null
same "$(dump "$A")" "$(dump "$B")" "(first run)"

# -- a re-run at the same clock evaluates and writes nothing but its row
BEFORE=$(sqlite3 "$B" .dump | grep -v '^INSERT INTO runs ')
run_at $T0
same "$(sqlite3 "$B" .dump | grep -v '^INSERT INTO runs ')" "$BEFORE" "(re-run)"
contains "scope      changed"

# -- the clock moves; data changes between runs
run_at $((T0 + 3600))
acts $((T0 + 5400)) demo_request 3 17 29 41 55 70 88 101 150 220
acts2=$(cat acts.csv)
both lr import activities acts.csv --now $((T0 + 5400))
acts $((T0 + 2 * DAY + 600)) email_click 5 17 60      # future-dated: enters later
both lr import activities acts.csv --now $((T0 + 5400))
run_at $((T0 + 7200))
# explain says until when the result holds, and which read set it
expect_ok env LEADRULES_DB=$B "$LEADRULES" explain "$(key 88)" windows.lua --now $((T0 + 7200))
echo "$OUT" | sed -n '/stable until/,$p' > explain88.txt
contains "stable until"
contains "(stored: $(iso $((T0 + 7200))))"     # it moved: evaluated next run
WHEN88=$(sed -n 's/^  \([0-9TZ:-]*\): set by did(demo_request within 14d).*/\1/p' explain88.txt)
[ -n "$WHEN88" ] && pass || fail "explain does not name the read: $(cat explain88.txt)"
run_at $((T0 + 10800))                  # ... and the next run stores it
same "$(iso "$(sqlite3 "$B" "SELECT stable_until FROM contacts WHERE id = 88")")" "$WHEN88"
run_at $((T0 + DAY))
run_at $((T0 + 2 * DAY + 601))
acts $((T0 - 40 * DAY)) webinar_attended 8 9 10      # old: outside windows
both lr import activities acts.csv --now $((T0 + 3 * DAY))
# contacts: a new title for some, two new contacts
{ head -1 gen/contacts.csv
  sed -n '12p;40p;77p' gen/contacts.csv | sed 's/,Marketing Manager,/,VP Marketing,/; s/,Engineer,/,Director,/'
  echo "new1@x.example,New,One,X Inc,Chief Executive Officer,US,Software,5000,Website,2026-11-01,,,,,"
  echo "new2@x.example,New,Two,Y Inc,Intern,DE,Retail,10,Website,2026-11-01,,,,,"
} > contacts2.csv
both lr import contacts contacts2.csv --map 'Job Title=title' --now $((T0 + 3 * DAY))
run_at $((T0 + 3 * DAY))
# moves by hand (one held for 5 days), a field set
both lr move "$(key 12)" mql --reason "called" --for 5d --now $((T0 + 3 * DAY + 60))
both lr move "$(key 13)" nurture --reason "not now" --now $((T0 + 3 * DAY + 60))
both lr set "$(key 14)" company_size=20000 --reason "checked" --now $((T0 + 3 * DAY + 60))
run_at $((T0 + 4 * DAY))
echo "email,result,amount,closed_at" > won.csv
for id in 3 17 29; do echo "$(key $id),won,1000,$(iso $((T0 + 4 * DAY)))" >> won.csv; done
both lr import outcomes won.csv --now $((T0 + 4 * DAY + 10))
run_at $((T0 + 4 * DAY + 3600))
run_at $((T0 + 8 * DAY + 61))             # the lock ends; cool-downs end
run_at $((T0 + 11 * DAY))
run_at $((T0 + 15 * DAY + 5401))          # 14-day windows slide past
run_at $((T0 + 22 * DAY))
run_at $((T0 + 31 * DAY))
run_at $((T0 + 46 * DAY))                 # 45 days quiet
run_at $((T0 + 61 * DAY))
# the runs above did work: some were incremental, some contacts moved
[ "$PARTIAL" -ge $((STEPS / 2)) ] && pass || fail "only $PARTIAL of $STEPS runs were incremental"
[ "$(sqlite3 "$B" "SELECT count(*) FROM runs WHERE scope = 'changed'")" -eq "$STEPS" ] &&
  pass || fail "not every --changed run after the first was incremental"
[ "$(sqlite3 "$B" "SELECT sum(moves) FROM runs WHERE scope = 'changed'")" -gt 10 ] &&
  pass || fail "the --changed runs moved nobody"
[ "$(sqlite3 "$B" "SELECT count(*) FROM contacts WHERE stable_until > $T0")" -gt 0 ] &&
  pass || fail "no stable_until recorded"
# the score is the sum of the parts written rule by rule (no total())
same "$(sqlite3 "$B" "SELECT count(*) FROM contacts c WHERE score <> (SELECT
  ifnull(sum(points), 0) FROM score_parts p WHERE p.contact_id = c.id)")" 0

# -- why a --changed run is full
export LEADRULES_DB=$B
sed 's/points = 3, when/points = 4, when/' windows.lua > other.lua
expect_ok lr run other.lua --now $((T0 + 62 * DAY)) --changed
contains "scope      every contact: the policy changed since run"
expect_ok lr run windows.lua --now $((T0 + 62 * DAY)) --changed
contains "scope      every contact: the policy changed since run"
expect_ok lr run windows.lua --now $((T0 + 62 * DAY)) --changed --override-manual
contains "scope      every contact: --override-manual"
expect_ok lr run windows.lua --now $((T0 + 61 * DAY)) --changed
contains "scope      every contact: the clock"
# a rule that reads other contacts, met during an incremental run: no
# contact reads them until one is edited
{ cat windows.lua
  echo 'rule "crowded" { points = 1, when = function(lead)'
  echo '  return lead.company_size == 777 and stage.sql:count() > 3 end }'; } > counts.lua
expect_ok lr run counts.lua --now $((T0 + 63 * DAY))
expect_ok lr set "$(key 20)" company_size=777 --reason "test" --now $((T0 + 63 * DAY))
expect_ok lr run counts.lua --now $((T0 + 63 * DAY)) --changed
contains "scope      every contact: a rule read other contacts"
same "$(sql "SELECT scope, reads_others FROM runs ORDER BY id DESC LIMIT 1")" "full|1"
expect_ok lr run counts.lua --now $((T0 + 63 * DAY)) --changed
contains "read other contacts (segment or stage count())"
cat > clock.lua <<'EOF'
stages { "subscriber", "lead", "mql", "sql" }
stage "nurture"
segment "new" { where = "created_at > strftime('%s', 'now') - 86400" }
EOF
expect_ok lr run clock.lua --now $((T0 + 63 * DAY)) --changed
contains "segment 'new': its SQL may read other rows or the clock"
expect_ok lr run clock.lua --now $((T0 + 63 * DAY)) --changed --json
contains '"full_reason": 6'
# the wall clock in Lua is a read of the clock; a given time is not
cat > wall.lua <<'EOF'
stages { "subscriber", "lead", "mql", "sql" }
stage "nurture"
rule "wall" { points = 1, when = function(lead) return os.time() > 0 end }
EOF
expect_ok lr explain "$(key 5)" wall.lua --now $((T0 + 63 * DAY))
contains "the clock (now, os.time): its answer changes continuously"
sed 's/os.time()/os.time({ year = 2026, month = 1, day = 1 })/' wall.lua > fixed.lua
expect_ok lr explain "$(key 5)" fixed.lua --now $((T0 + 63 * DAY))
contains "no read depends on the clock"
finish
