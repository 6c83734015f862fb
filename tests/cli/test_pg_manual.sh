# move, set, handoffs, scripts, reading a contact and the outbox's reads
# on the PostgreSQL store (docs/postgresql.md): after the same import and
# run of examples/b2b_saas.lua, the same commands on SQLite and on
# PostgreSQL give the same output and exit status, and leave the same
# export, stage history, runs, audit trail, fields and outbox, compared
# with cmp; errors are the same; a script's leads{where=} stays read-only
# and limited to contact data on PostgreSQL, refused naming the line.
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
EX="$LR_SRC/examples"
. "$LR_SRC/tests/cli/pg_lib.sh"     # skips without a server; fresh, hold_lock
fresh m
d=${PG##*/}

n=0
# both CMD...: the output (stdout and stderr) and exit status of CMD on
# SQLite and on PostgreSQL, compared with cmp.  $OUT keeps PostgreSQL's.
both() {
  n=$((n + 1))
  "$LEADRULES" --db "$SQ" "$@" 2>&1 | grep -v '^time  \|"seconds": ' > "sq.$n"
  local ra=${PIPESTATUS[0]}
  "$LEADRULES" --db "$PG" "$@" 2>&1 | grep -v '^time  \|"seconds": ' > "pg.$n"
  local rb=${PIPESTATUS[0]}
  OUT=$(cat "pg.$n")
  same "$ra" "$rb" "exit status of $*"
  if cmp -s "sq.$n" "pg.$n"; then pass; else
    fail "output of $* differs (sqlite, then postgresql):"$'\n'"$(diff "sq.$n" "pg.$n")"
  fi
}
# rows SQLITE_SQL [PG_SQL]: the same rows on both, sorted as bytes.
rows() {
  n=$((n + 1))
  sqlite3 -separator '|' "$SQ" "$1" | LC_ALL=C sort > "sq.$n"
  psql -qXtA -F'|' "$PG" -c "${2:-$1}" | LC_ALL=C sort > "pg.$n"
  [ -s "sq.$n" ] || fail "no rows: $1"
  if cmp -s "sq.$n" "pg.$n"; then pass; else
    fail "rows of $1 differ:"$'\n'"$(diff "sq.$n" "pg.$n")"
  fi
}
K="JOIN contacts k ON k.id = t.contact_id"
# tables: what the commands leave, the same on both.
tables() {
  both export
  both export --json
  rows "SELECT t.id, k.key, t.from_stage, t.to_stage, t.at, t.run_id, t.reason, t.transition, t.by FROM stage_history t $K"
  rows "SELECT id, kind, policy, policy_hash, now, evaluated, score_changes, moves, handoffs, errors, held_by_manual, stages, scope, reads_others, full_reason FROM runs"
  rows "SELECT k.key, t.manual_at, t.manual_until, t.stage_since, t.due_at, t.data_at, t.change_mark FROM contacts t JOIN contacts k ON k.id = t.id" \
       "SELECT k.key, t.manual_at, t.manual_until, s.stage_since, s.due_at, t.data_at, t.change_mark FROM contacts t JOIN contact_state s ON s.contact_id = t.id JOIN contacts k ON k.id = t.id"
  rows "SELECT t.id, k.key, t.field, CAST(t.old_value AS TEXT), CAST(t.new_value AS TEXT), t.at, t.by, t.reason, t.run_id FROM audit t $K" \
       "SELECT t.id, k.key, t.field, t.old_value #>> '{}', t.new_value #>> '{}', t.at, t.by, t.reason, t.run_id FROM audit t $K"
  rows "SELECT name, type, header, builtin FROM fields"
  rows "SELECT id, at, kind, contact_id, key, run_id, payload FROM outbox"
}

both import contacts "$EX/data/b2b/contacts.csv" --map 'Job Title=title' --now 2026-10-01
both import activities "$EX/data/b2b/activities.csv" --now 2026-10-01
both import outcomes "$EX/data/b2b/outcomes.csv" --now 2026-10-01
both run "$EX/b2b_saas.lua" --now 2026-11-01
key() { sqlite3 "$SQ" "SELECT key FROM contacts WHERE id = $1"; }
k5=$(key 5); k9=$(key 9); k42=$(key 42)

# move: a new stage, the same one again (a renewed lock, in another
# case), an expiry; by key or by #id; the errors.
both move "$k5" sql --reason "called us" --by ann --now 2026-11-02
contains "moved $k5 to sql (by ann: called us)"
both move "$k5" SQL --reason "still hot" --by ann --now 2026-11-03 --for 30d
contains "its lock is renewed"
both move "$k9" Nurture --reason "asked to wait" --now 2026-11-03 --until 2026-12-24
both move '#42' disqualified --reason "competitor" --by bob --now 2026-11-04
both move "$k9" nosuch --reason x --now 2026-11-04
contains "unknown stage 'nosuch'"
both move nobody@nowhere.example sql --reason x --now 2026-11-04
contains "no contact with key 'nobody@nowhere.example'"
both move "$k9" sql --now 2026-11-04

# set: a text field, cleared, a number field, an imported field, a value
# that widens the field's type; the stage through set is a move; errors.
both set "$k5" title=CTO --reason "linkedin" --by bob --now 2026-11-05
both set "$k5" title=CTO --reason "again" --by bob --now 2026-11-05
both set "$k5" title= --reason "left" --by bob --now 2026-11-06
both set "$k5" company_size=77 --reason "count" --now 2026-11-06
both set "$k5" company_size=77.5 --reason "count" --now 2026-11-06
both set "$k9" website_visits=12 --reason "crm" --now 2026-11-06
both set "$k9" 'Website Visits' lots --reason "crm" --now 2026-11-06
both set "$k42" postal_code=02134 --reason "moved" --now 2026-11-06
both set "$k42" stage=lead --reason "by set" --now 2026-11-07
both set "$k5" company_size=abc --reason x --now 2026-11-07
contains "'abc' is not a number"
both set "$k5" nosuch=1 --reason x --now 2026-11-07
contains "unknown field 'nosuch'"
both set "$k5" score=1 --reason x --now 2026-11-07
both set "$k5" email=x@y.example --reason x --now 2026-11-07
both set nobody@nowhere.example title=x --reason x --now 2026-11-07
tables

# explain shows the moves and edits; a run leaves the locked alone.
both explain "$k5" "$EX/b2b_saas.lua" --now 2026-11-08
both explain "$k9" "$EX/b2b_saas.lua" --now 2026-11-08 --json
both run "$EX/b2b_saas.lua" --now 2026-11-20
both run "$EX/b2b_saas.lua" --now 2026-11-21 --override-manual --json
tables

# handoffs: every format and filter, the same rows and cursors.
both handoffs
both handoffs --json
both handoffs --csv
both handoffs --epoch --since 1
both handoffs --since 2026-11-01 --stage sql
both handoffs --after 3
owner=$(sqlite3 "$SQ" "SELECT owner FROM assignments ORDER BY id LIMIT 1")
both handoffs --owner "$owner" --json
both handoffs --owner nobody
contains "--owner 'nobody': no handoff or contact has that owner"
both handoffs --stage nosuch
both handoffs --since 99
both handoffs --after 99999

# A script: leads{} by stage, by segment, by a `where` over imported
# fields (not website_visits: `set` made it a text field above, and
# PostgreSQL refuses to compare text with a number where SQLite compares
# by type); lead:set, lead:move_to with a hold; a dry run writes nothing.
cat > s.lua <<'LUA'
local n = 0
for lead in leads{ stage = "lead", where = [[company_size >= 50 AND lower(email) LIKE '%.example%']] } do
  n = n + 1
  if n <= 3 then lead:set("title", "Head of " .. (lead.title or "x"), "retitled") end
  if n == 4 then lead:move_to("mql", "promoted by script", { hold_for = "30d" }) end
  if n == 5 then lead:set("annual_revenue", 12.5) end
end
print("leads", n)
for lead in leads{ segment = "enterprise", limit = 3 } do print(lead.email, lead.stage, lead.score) end
for lead in leads{ stage = "SQL" } do print(lead.email, lead.website_visits) end
for lead in leads{ where = "company_size > 20 AND annual_revenue BETWEEN 1000 AND 5000000" } do n = n + 1 end
print(n)
LUA
both s.lua --now 2026-11-22 --dry-run
contains "nothing was written"
both script s.lua --now 2026-11-22
tables

# The outbox read and acknowledged through the library: the same rows.
for db in "$SQ" "$PG"; do
  LR_OUTBOX_DB=$db "$LR_BUILD/tests/test_pg_outbox" > "outbox.${db##*/}" 2>&1 || fail "test_pg_outbox on ${db%%:*}"
done
if cmp -s "outbox.m.db" "outbox.$d"; then pass; else
  fail "outbox differs:"$'\n'"$(diff "outbox.m.db" "outbox.$d")"
fi
rows "SELECT consumer, last_id FROM outbox_acks"

# query() (the shell's read-only SQL, src/store/query.c) and a contact's
# row and activities: the same rows on both; on PostgreSQL the same
# guard as a segment's SQL, and a READ ONLY transaction.
cat > q.sql <<'SQL'
SELECT email, company_size, annual_revenue, industry FROM contacts WHERE company_size > 10000 ORDER BY id LIMIT 3
SELECT stage, count(*) AS n FROM contacts GROUP BY stage ORDER BY stage
SELECT type, count(*) AS n, sum(value) AS v FROM activities GROUP BY type ORDER BY type
SELECT c.email, o.result, o.amount FROM outcomes o JOIN contacts c ON c.id = o.contact_id ORDER BY o.id LIMIT 3
SELECT email, stage FROM contacts WHERE id = ?1
SELECT count(*) AS n FROM contacts WHERE lower(email) LIKE '%acme%';
SQL
for db in "$SQ" "$PG"; do
  LR_QUERY_DB=$db LR_QUERY_SQL=q.sql LR_QUERY_ID=5 "$LR_BUILD/tests/test_pg_query" > "query.${db##*/}" 2>&1 || fail "test_pg_query on ${db%%:*}"
done
if cmp -s "query.m.db" "query.$d"; then pass; else
  fail "query() differs:"$'\n'"$(diff "query.m.db" "query.$d")"
fi
cat > qh.sql <<'SQL'
SELECT * FROM runs
SELECT count(*) FROM contacts WHERE id IN (SELECT contact_id FROM audit)
SELECT email FROM contacts; DELETE FROM contacts
DELETE FROM contacts RETURNING id
WITH d AS (DELETE FROM contacts RETURNING id) SELECT * FROM d
SELECT pg_read_file('/etc/hostname')
SELECT "pg_read_file" ('/etc/hostname')
SELECT set_config('transaction_read_only', 'off', true)
SELECT pg_advisory_lock(1)
SELECT * FROM meta WHERE ?1 = 'never'
SQL
OUT=$(LR_QUERY_DB=$PG LR_QUERY_SQL=qh.sql "$LR_BUILD/tests/test_pg_query" 2>&1)
contains "error: query: it reads the table runs (query() reads contacts, activities and outcomes only)"
contains "error: query: it reads the table audit"
contains "error: query: it reads the table meta"
contains "error: query: pg_read_file() may not be called here"
contains "error: query: \"pg_read_file\"() may not be called here"
contains "error: query: set_config() may not be called here"
contains "error: query: pg_advisory_lock() may not be called here"
contains "error: query: DELETE is not a read: give one SELECT statement"
same "$(grep -c '^error: query: SQL failed on PostgreSQL' <<< "$OUT")" 2 "(a second statement and a write in WITH refused)"
same "$(grep -c '^error' <<< "$OUT")" 10 "(every hostile query refused)"
# The shell's query() on a table it may not read: the same error, in the
# same words, and the same exit status on both stores.
cat > qr.txt <<'LUA'
query("SELECT * FROM runs")
query("SELECT count(*) FROM audit")
query("SELECT email FROM contacts WHERE id IN (SELECT contact_id FROM stage_history)")
print(count())
LUA
for db in "$SQ" "$PG"; do
  "$LEADRULES" --db "$db" shell < qr.txt > "qr.${db##*/}" 2>&1
  echo "exit $?" >> "qr.${db##*/}"
done
if cmp -s "qr.m.db" "qr.$d"; then pass; else
  fail "query() refusals differ:"$'\n'"$(diff "qr.m.db" "qr.$d")"
fi
OUT=$(cat "qr.$d")
contains "stdin:1: query: it reads the table runs (query() reads contacts, activities and outcomes only)"
contains "stdin:1: query: it reads the table audit (query()"
contains "stdin:1: query: it reads the table stage_history (query()"
contains "exit 1"

# Hostile SQL in leads{where=}: no writes, no second statement, no table
# but contacts, no function that escapes; each refused naming its line.
before=$(lr --db "$PG" export --json | sha256sum)
hostile() {
  printf 'local n = 0\n\nfor lead in leads{ where = [[%s]] } do n = n + 1 end\nprint(n)\n' "$1" > h.lua
  expect_fail 1 lr --db "$PG" h.lua
  contains "h.lua:3: leads{}: 'where' $2"
}
hostile "1=1; DELETE FROM contacts" "SQL failed on PostgreSQL"
hostile "id IN (WITH d AS (DELETE FROM contacts RETURNING id) SELECT id FROM d)" "SQL failed on PostgreSQL"
hostile "(SELECT count(*) FROM runs) > 0" "SQL: it reads the table runs (a segment's SQL reads contacts, activities and outcomes only)"
hostile "EXISTS (SELECT 1 FROM audit)" "SQL: it reads the table audit (a segment's SQL reads contacts, activities and outcomes only)"
hostile "pg_read_file('/etc/hostname') IS NOT NULL" "pg_read_file() may not be called here"
hostile "\"pg_read_file\" ('/etc/hostname') IS NOT NULL" "\"pg_read_file\"() may not be called here"
hostile "pg_catalog.set_config('statement_timeout', '0', false) IS NOT NULL" "pg_catalog.set_config() may not be called here"
hostile "set_config('transaction_read_only', 'off', true) IS NOT NULL" "set_config() may not be called here"
hostile "pg_advisory_lock(478186697070) IS NULL" "pg_advisory_lock() may not be called here"
hostile "pg_sleep (100) IS NULL" "pg_sleep() may not be called here"
hostile "email IS NOT 1" "SQL failed on PostgreSQL"
# Comments and literals read as PostgreSQL's lexer reads them: a comment
# between a name and '(', a quote inside a comment, a dollar-quoted or
# E'' string hide no call.
hostile "pg_sleep/**/(0) IS NULL" "pg_sleep() may not be called here"
hostile "pg_sleep--"$'\n'"(0) IS NULL" "pg_sleep() may not be called here"
hostile "/* ' */ pg_sleep(0) IS NULL -- '" "pg_sleep() may not be called here"
hostile "\$a\$ ' \$a\$ IS NOT NULL AND pg_sleep(0) IS NULL -- '" "pg_sleep() may not be called here"
hostile "E'\\'' IS NOT NULL AND pg_sleep(0) IS NULL -- '" "pg_sleep() may not be called here"
# A database set to standard_conforming_strings = off reads '\'' as a
# quote: leadrules' connections read strings as the guard does.
psql -qX "$PG" -c "ALTER DATABASE $d SET standard_conforming_strings = off" || fail "scs off"
hostile "'\\'' IS NOT NULL AND pg_sleep(0) IS NULL -- '" "SQL failed on PostgreSQL"
psql -qX "$PG" -c "ALTER DATABASE $d RESET standard_conforming_strings" || fail "scs reset"
same "$(lr --db "$PG" export --json | sha256sum)" "$before" "(hostile where wrote nothing)"
# One writer at a time: a move, a set and a script wait for the write
# lock, then give up in the same words on both stores, having written
# nothing.
hold_lock
busy="leadrules: DB: database is locked by another writer (gave up after 300 ms; see --busy-timeout)"
busy_both --busy-timeout 300 move "$k5" lead --reason x
same "$OUT" "$busy"
busy_both --busy-timeout 300 set "$k5" title=x --reason x
same "$OUT" "$busy"
busy_both --busy-timeout 300 s.lua
same "$OUT" "$busy"
release_lock
same "$(lr --db "$PG" export --json | sha256sum)" "$before" "(a writer that gave up wrote nothing)"

# A script that fails rolls back whole, on both.
printf 'for lead in leads{ limit = 5 } do lead:set("title", "x") end\nerror("stop")\n' > bad.lua
both bad.lua --now 2026-11-23
contains "bad.lua:2: stop"
tables
finish
