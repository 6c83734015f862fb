# `ingest` on the PostgreSQL store (docs/postgresql.md): the same events
# fed to SQLite and to PostgreSQL give the same --json decisions, report,
# errors and rejects, and leave the same contacts, activities, stage
# history, assignments, score parts, segment members, routing state, runs
# and outbox rows, byte for byte; a bad line or a policy error rolls its
# batch back on both; one writer at a time (the run lock).
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
FIX="$LR_SRC/tests/fixtures/realtime"
NOW=2026-11-01T00:00:00Z
. "$LR_SRC/tests/cli/pg_lib.sh"
# both CMD...: the same output (the database's name aside) and exit status
# on SQLite and on PostgreSQL.  $OUT keeps PostgreSQL's.
both() {
  local a b ra rb
  a=$("$LEADRULES" --db "$SQ" "$@" 2>&1 | grep -v '^time  \|"seconds": '); ra=${PIPESTATUS[0]}
  b=$("$LEADRULES" --db "$PG" "$@" 2>&1 | grep -v '^time  \|"seconds": '); rb=${PIPESTATUS[0]}
  OUT=$b
  same "$ra" "$rb" "exit status of $*"
  same "$a" "$b" "output of $* (sqlite, then postgresql)"
}
K="JOIN contacts k ON k.id = t.contact_id"
tables() {
  both export
  both export --json
  rows "SELECT id, key, data_at, change_mark, updated_at, stage_since, stable_until, due_at, assigned_at FROM {contacts} t"
  rows "SELECT t.id, k.key, t.type, t.occurred_at, CAST(round(t.value * 1000) AS INTEGER), t.campaign FROM activities t $K"
  rows "SELECT t.id, k.key, t.from_stage, t.to_stage, t.at, t.run_id, t.reason, t.transition, t.by FROM stage_history t $K"
  rows "SELECT t.id, k.key, t.owner, t.stage, t.at, t.run_id, t.due FROM assignments t $K" "${1:-}"
  rows "SELECT k.key, t.rule, t.grp, CAST(round(t.points * 1000) AS INTEGER) FROM score_parts t $K"
  rows "SELECT k.key, t.segment FROM segment_members t $K" "${1:-}"
  rows "SELECT router, owner, total, day, today FROM routing_state" "${1:-}"
  rows "SELECT k.key, t.message, t.run_id FROM run_errors t $K" empty
  rows "SELECT id, kind, policy, policy_hash, now, evaluated, score_changes, moves, handoffs, errors, held_by_manual, stages, scope, reads_others, full_reason FROM runs"
  rows "SELECT id, at, kind, contact_id, key, run_id, payload FROM outbox"
}
pgcount() { psql -qXtA "$PG" -c "SELECT count(*) FROM $1"; }

# The real-time fixture: moves, a handoff with round robin, a contact
# created by its event, batches of two.
fresh rt
cp "$FIX/policy.lua" policy.lua
both import contacts "$FIX/contacts.csv" --now $NOW
both run policy.lua --now $NOW
cat > events.ndjson <<'EOF'
{"contact": "Ann@Example.com", "type": "demo_request", "at": "2026-10-31T12:00:00Z"}

{"contact": "bob@example.com", "type": "email_open", "at": 1793404800, "campaign": "fall"}
{"contact": "eve@example.com", "type": "demo_request", "create": {}}
{"contact": "carol@example.com", "type": "page_view", "value": 3}
{"contact": "carol@example.com", "type": "email_open", "value": 0.25, "campaign": "tab\tand \"quote\" \\"}
EOF
both ingest policy.lua events.ndjson --json --now $NOW --batch 2
contains '"kind":"handoff","key":"ann@example.com","stage":"sql"'
contains "ingested 5 events in 3 batches"
# CSV, with a quoted cell over two lines, and stdin.
printf 'contact,type,at,value,campaign\nbob@example.com,webinar,2026-10-30,,\ndan@example.com,email_open,,2,"spring\nlaunch"\n' > events.csv
both ingest policy.lua events.csv --format csv --now $NOW --json
contains "ingested 2 events in 1 batch:"
echo '{"contact": "dan@example.com", "type": "demo_request"}' > one.ndjson
a=$("$LEADRULES" --db "$SQ" ingest policy.lua - --now $NOW --json < one.ndjson 2>&1)
b=$("$LEADRULES" --db "$PG" ingest policy.lua - --now $NOW --json < one.ndjson 2>&1)
same "$a" "$b" "ingest from stdin"

# Bad lines: the first stops the ingest and its batch rolls back (the
# batches before stay, and the message says so); a policy error names its
# line; --rejects sets bad lines aside, the rest applied.
n0=$(pgcount activities)
printf '%s\n' '{"contact": "bob@example.com", "type": "email_open"}' \
  '{"contact": "nobody@example.com", "type": "email_open"}' > bad.ndjson
both ingest policy.lua bad.ndjson --now $NOW
contains "bad.ndjson:2: no contact with key 'nobody@example.com'"
same "$(pgcount activities)" "$n0" "a bad line's batch rolled back"
printf '%s\n' '{"contact": "bob@example.com", "type": ' > bad1.ndjson
both ingest policy.lua bad1.ndjson --now $NOW
contains "bad1.ndjson:1: malformed JSON at column"
printf '%s\n' '{"contact": "bob@example.com", "type": "email_open"}' \
  '{"contact": "dan@example.com", "type": "boom"}' > boom.ndjson
both ingest policy.lua boom.ndjson --now $NOW
contains "policy.lua:17:"; contains "boom activity"
same "$(pgcount activities)" "$n0" "a policy error rolled back"
both ingest policy.lua bad.ndjson --now $NOW --batch 1
contains "nothing from line 2 on was applied"
cat > mixed.ndjson <<'EOF'
{"contact": "bob@example.com", "type": "email_open"}
{"contact": "nobody@example.com", "type": "email_open"}
not json
{"contact": "carol@example.com", "type": "demo_request"}
{"contact": "new@example.com", "type": "email_open", "create": {}}
EOF
a=$("$LEADRULES" --db "$SQ" ingest policy.lua mixed.ndjson --rejects sq-rej.jsonl --now $NOW --json 2>&1)
b=$("$LEADRULES" --db "$PG" ingest policy.lua mixed.ndjson --rejects pg-rej.jsonl --now $NOW --json 2>&1)
same "${a//sq-rej/X}" "${b//pg-rej/X}" "ingest --rejects"
cmp sq-rej.jsonl pg-rej.jsonl && pass || fail "the rejects differ"
same "$(wc -l < pg-rej.jsonl | tr -d ' ')" 2
tables

# shell on PostgreSQL: count(), load_policy and p:evaluate give what they
# give on SQLite, each read on a reader of its own.
printf '%s\n' 'count("company_size >= 1000")' 'count()' 'now' \
  'lead("carol@example.com")' 'lead("#2")' \
  'p = load_policy("policy.lua")' 'p:evaluate("ann@example.com")' \
  'p:evaluate{ title = "VP Ops", company_size = 5000 }' 'count("nope > 1") or 0' \
  'lead("nobody@example.com")' '1 + 1' > session.lua
a=$("$LEADRULES" --db "$SQ" shell --now $NOW < session.lua 2>/dev/null)
b=$("$LEADRULES" --db "$PG" shell --now $NOW < session.lua 2>/dev/null)
same "$a" "$b" "shell (sqlite, then postgresql)"
OUT=$b; contains 'stage = "sql"'
OUT=$b; contains 'campaign = "tab\tand \"quote\" \\"'
# lead() and query() (src/store/pg_rows.c): the same rows as on SQLite.
printf '%s\n' 'lead("ann@example.com")' \
  'query("SELECT email, stage, score FROM contacts WHERE id <= ? ORDER BY id", 3)' > rows.lua
a=$("$LEADRULES" --db "$SQ" shell --now $NOW < rows.lua 2>&1)
b=$("$LEADRULES" --db "$PG" shell --now $NOW < rows.lua 2>&1)
same "$a" "$b" "lead() and query() (sqlite, then postgresql)"
OUT=$b; contains "ann@example.com"
OUT=$(echo 'query("SELECT * FROM runs")' | "$LEADRULES" --db "$PG" shell 2>&1); contains "it reads the table runs"
OUT=$(echo 'count("pg_sleep(1) IS NULL")' | "$LEADRULES" --db "$PG" shell 2>&1); contains "pg_sleep() may not be called here"

# The bench policy on scripts/gen data: a log ordered by time, the first
# part imported and run, the rest ingested as CSV events in batches that
# touch more contacts than a scan chunk (2,048) holds.
fresh bench
"$LR_SRC/scripts/gen" --contacts 3000 --seed 3 --order time --out gen -q
head -4001 gen/activities.csv > first.csv
{ echo contact,type,at,value,campaign; sed -n '4002,$p' gen/activities.csv; } > rest.csv
{ head -1 rest.csv; sed -n '2,2001p' rest.csv; } > rest1.csv
{ head -1 rest.csv; sed -n '2002,$p' rest.csv; } > rest2.csv
both import contacts gen/contacts.csv --map 'Job Title=title' --now 2026-10-01
both import activities first.csv --now 2026-10-01
both import outcomes gen/outcomes.csv --now 2026-10-01
both run "$LR_SRC/bench/policy.lua" --now 2026-11-01
both ingest "$LR_SRC/bench/policy.lua" rest1.csv --format csv --now 2026-11-02 --batch 500 --json
contains "ingested 2000 events in 4 batches"
both ingest "$LR_SRC/bench/policy.lua" rest2.csv --format csv --now 2026-11-03 --json
contains '"kind":"move"'
tables empty
# ... and then a full run finds nothing left to change on either.
both run "$LR_SRC/bench/policy.lua" --now 2026-11-03
contains "nothing changed"

# One writer at a time: with the write lock held, ingest waits, then
# gives up in the same words on both stores, having written nothing.
hold_lock
n0=$(pgcount activities)
busy_both --busy-timeout 300 ingest "$LR_SRC/bench/policy.lua" rest1.csv --format csv
same "$OUT" "leadrules: DB: database is locked by another writer (gave up after 300 ms; see --busy-timeout)"
same "$(pgcount activities)" "$n0" "nothing written without the lock"
release_lock
finish
