# leadrules run: summary, JSON, dry run, errors, --keep-going, database path.
. "$LR_SRC/tests/cli/lib.sh"
P="$LR_SRC/tests/fixtures/policies/basic.lua"
NOW=2026-11-01    # 1793404800

# Only import creates a database: run refuses a missing one, and writes
# nothing (a mistyped --db in a cron job is an error, not "0 evaluated").
expect_fail 1 lr run "$P" --now $NOW
contains "no such database"
[ ! -e test.db ] && pass || fail "run created test.db"
expect_fail 1 lr run "$P" --now $NOW --dry-run
lacks "nothing was written"
[ ! -e test.db ] && pass || fail "run --dry-run created test.db"
# An empty database, then seeded.
printf 'email\n' | lr import contacts - >/dev/null
expect_ok lr run "$P" --now $NOW
contains "0 evaluated"
sql < "$LR_SRC/tests/fixtures/seed.sql"

# --dry-run leaves the file byte-for-byte unchanged.
sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
before=$(db_digest)
expect_ok lr run "$P" --now $NOW --dry-run
contains "dry run of"
contains "ann@a.example"
contains "stage (none) -> sql"
contains "nothing was written"
same "$(db_digest)" "$before" "dry run changed the database"
same "$(sql 'SELECT count(*) FROM runs')" 1

# A real run: summary and what it wrote.
expect_ok lr run "$P" --now $NOW
contains "4 evaluated, 3 score changes"
contains "mql->sql"
contains "ana@corp.example"
same "$(sql "SELECT score || ' ' || stage || ' ' || owner || ' ' || grade FROM contacts WHERE id=1")" "87.0 sql ana@corp.example A"
same "$(sql "SELECT stage FROM contacts WHERE id=2")" "lead"
same "$(sql "SELECT group_concat(to_stage) FROM (SELECT to_stage FROM stage_history WHERE contact_id=1 ORDER BY id) AS t")" "subscriber,lead,mql,sql"
same "$(sql "SELECT reason FROM stage_history WHERE contact_id=1 AND to_stage='sql'")" "transition mql->sql ($P:20)"

# Again with the same now: nothing changes.
expect_ok lr run "$P" --now $NOW --json
contains '"score_changes": 0'
contains '"moves": 0'
contains '"rows_written": 2'
python3 -c 'import json,sys; json.loads(sys.stdin.read())' <<<"$OUT" && pass || fail "run --json is not JSON"

# --db before or after the command, and $LEADRULES_DB.
printf 'email\nx@o.example\n' | lr --db "$LR_TMP/other.db" import contacts - >/dev/null
expect_ok lr --db "$LR_TMP/other.db" run "$P" --now $NOW
contains "1 evaluated"
printf 'email\ny@t.example\nz@t.example\n' | lr import contacts - --db "$LR_TMP/third.db" >/dev/null
expect_ok lr run "$P" --now $NOW --db "$LR_TMP/third.db"
contains "2 evaluated"

# A failing rule rolls back everything and names file:line and contact.
cat > bad.lua <<'LUA'
stages { "subscriber", "lead", "mql", "sql" }
rule "typo" { points = 1, when = function(lead)
  return lead.titel == "VP" end }
LUA
runs=$(sql 'SELECT count(*) FROM runs')
expect_fail 1 lr run bad.lua --now $NOW
contains "bad.lua:3: contact ann@a.example: unknown field 'lead.titel'; did you mean 'lead.title'?"
contains "nothing was changed; --keep-going runs the other contacts"
same "$(sql 'SELECT count(*) FROM runs')" "$runs" "failed run was recorded"
# An error that is not a contact's gets no --keep-going hint.
printf 'stages { "a" }\nrule "r" { points = 1, when = function(l) return true end }\n' > ok.lua
expect_fail 2 lr run ok.lua --now $NOW --jobs 0
lacks "keep-going runs"

# --keep-going records errors and goes on.
cat > partial.lua <<'LUA'
stages { "subscriber", "lead", "mql", "sql" }
rule "len" { score = function(lead) return #lead.title end }
LUA
expect_ok lr run partial.lua --now $NOW --keep-going
contains "errors     1"
contains "contact dee@d.example"
same "$(sql 'SELECT count(*) FROM run_errors')" 1

# Routing by field through many routers is the same for any --jobs: each
# worker thread loads the policy into a Lua state of its own, whose hash
# seed orders by_field's table differently, and the writer routes by the
# numbers the worker gave its routers (8,000 contacts: four chunks).
mkdir -p jobs && python3 "$LR_SRC/scripts/gen" --contacts 8000 --seed 1 \
  --now 2026-11-01 --out jobs >/dev/null 2>&1
for j in 1 3; do
  lr --db jobs/$j.db import contacts jobs/contacts.csv >/dev/null &&
    lr --db jobs/$j.db import activities jobs/activities.csv >/dev/null &&
    expect_ok lr --db jobs/$j.db run "$LR_SRC/examples/b2b_saas.lua" \
      --now 2026-11-01 --jobs $j
  sqlite3 jobs/$j.db "SELECT key, stage, score, owner, due_at FROM contacts
    ORDER BY id; SELECT * FROM routing_state ORDER BY 1, 2, 3" > jobs/$j.txt
done
same "$(grep -c '|dora@corp.example|' jobs/1.txt)" "$(grep -c '|dora@corp.example|' jobs/3.txt)" "dora's leads, --jobs 1 vs 3"
cmp -s jobs/1.txt jobs/3.txt && pass || fail "by_field routing differs between --jobs 1 and --jobs 3"

# Usage errors exit 2.
expect_fail 2 lr run
contains "which policy?"
expect_fail 2 lr run "$P" --frobnicate
contains "unknown option '--frobnicate'"
expect_fail 2 lr run "$P" --jobs 0
expect_fail 2 lr run "$P" --now yesterday
contains "--now: cannot read 'yesterday'"
expect_fail 1 lr run missing.lua
contains "missing.lua: cannot open policy"
finish
