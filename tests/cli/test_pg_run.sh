# `run` and `explain` on the PostgreSQL store (docs/postgresql.md): the
# example policies and the bench policy, run on the same files in SQLite and in
# PostgreSQL, give the same run output and leave the same contacts,
# stage history, assignments, score parts, segment members, routing state,
# runs and outbox rows, byte for byte; a dry run writes nothing; one run writes
# at a time; run --changed evaluates the same contacts (accounts:
# test_pg_accounts.sh).
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
EX="$LR_SRC/examples"
. "$LR_SRC/tests/cli/pg_lib.sh"     # skips without a server; fresh, rows
# both CMD...: the same output (the run's wall-clock time aside) and exit
# status on SQLite and on PostgreSQL.  $OUT keeps PostgreSQL's.
both() {
  local a b ra rb
  a=$("$LEADRULES" --db "$SQ" "$@" 2>&1 | grep -v '^time  \|"seconds": '); ra=${PIPESTATUS[0]}
  b=$("$LEADRULES" --db "$PG" "$@" 2>&1 | grep -v '^time  \|"seconds": '); rb=${PIPESTATUS[0]}
  OUT=$b
  same "$ra" "$rb" "exit status of $*"
  same "$a" "$b" "output of $* (sqlite, then postgresql)"
}
# tables [NONE]: every table a run writes, the same on both; NONE names
# the tables the policy writes nothing to (assignments, members, routing).
K="JOIN contacts k ON k.id = t.contact_id"
tables() {
  local none=${1:-}
  both export
  both export --json
  rows "SELECT t.id, k.key, t.from_stage, t.to_stage, t.at, t.run_id, t.reason, t.transition, t.by FROM stage_history t $K"
  rows "SELECT t.id, k.key, t.owner, t.stage, t.at, t.run_id, t.due FROM assignments t $K" "${none//*assignments*/empty}"
  rows "SELECT k.key, t.rule, t.grp, CAST(round(t.points * 1000) AS INTEGER) FROM score_parts t $K"
  rows "SELECT k.key, t.segment FROM segment_members t $K" "${none//*members*/empty}"
  rows "SELECT router, owner, total, day, today FROM routing_state" "${none//*routing*/empty}"
  rows "SELECT k.key, t.message, t.run_id FROM run_errors t $K" empty
  rows "SELECT id, kind, policy, policy_hash, now, evaluated, score_changes, moves, handoffs, errors, held_by_manual, stages, scope, reads_others, full_reason FROM runs"
  rows "SELECT id, at, kind, contact_id, key, run_id, payload FROM outbox"
}

# B2B SaaS: SQL segments (>=, BETWEEN, IN, lower() LIKE), groups, grades,
# handoffs with an SLA, moves over two runs.
fresh b2b
both import contacts "$EX/data/b2b/contacts.csv" --map 'Job Title=title' --now 2026-10-01
both import activities "$EX/data/b2b/activities.csv" --now 2026-10-01
both import outcomes "$EX/data/b2b/outcomes.csv" --now 2026-10-01
both run "$EX/b2b_saas.lua" --now 2026-11-01 --dry-run
contains "nothing was written"
same "$(psql -qXtA "$PG" -c 'SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM stage_history) + (SELECT count(*) FROM score_parts)')" 0 "a dry run writes nothing"
both run "$EX/b2b_saas.lua" --now 2026-11-01 --json
contains '"rows_written": '
both run "$EX/b2b_saas.lua" --now 2026-11-20 --jobs 2
tables
both run "$EX/b2b_saas.lua" --now 2026-11-20 --jobs 1     # nothing changes
contains "nothing changed"
# explain: the same evaluation path, the same answer.
for id in 1 42 300; do
  key=$(sqlite3 "$SQ" "SELECT key FROM contacts WHERE id = $id")
  both explain "$key" "$EX/b2b_saas.lua" --now 2026-11-21
  both explain "$key" "$EX/b2b_saas.lua" --now 2026-11-21 --json
done
both explain nobody@nowhere.example "$EX/b2b_saas.lua" --now 2026-11-21
# User SQL reads contacts with the run's state in a subquery too (a
# segment's where, its count, leads{where=}), as on SQLite.
sub='score >= (SELECT avg(c.score) FROM contacts c WHERE c.stage IS NOT NULL)'
printf '%s\nsegment "top" { where = [[%s]] }\nrule "t" { points = 1, segment = "top", when = function(lead) return segment.top:count() > 0 end }\n' \
  'stages { "subscriber", "lead", "mql", "sql", "opportunity", "customer", "nurture", "disqualified" }' "$sub" > sub.lua
both run sub.lua --now 2026-11-21 --dry-run
contains "dry run"
both explain "$(sqlite3 "$SQ" "SELECT key FROM contacts WHERE id = 42")" sub.lua --now 2026-11-21
contains "top"
both check sub.lua --now 2026-11-21
printf 'local n = 0\nfor lead in leads{ where = [[%s]] } do n = n + 1 end\nprint(n)\n' "$sub" > sub_q.lua
both sub_q.lua
# --keep-going: the contacts a rule fails on are recorded (a message with
# a tab, a newline and a backslash), the others written.
cat > kg.lua <<'LUA'
stages { "subscriber", "lead", "mql", "sql", "opportunity", "customer", "nurture", "disqualified" }
rule "boom" { points = 3, when = function(lead)
  if (lead.email or ""):find("^a") then error("no\ta-names\nhere \\ ok") end
  return true end }
segment "tab	seg" { when = function(lead) return (lead.country or "") == "DE" end }
LUA
both run kg.lua --keep-going --now 2026-11-22
contains "a-names"
rows "SELECT k.key, t.message, t.run_id FROM run_errors t $K"
rows "SELECT k.key, t.segment FROM segment_members t $K"

# X Education: 9,240 leads, imported fields in the jsonb document read by
# rules and by SQL segments (IN over a text field).
fresh xed
both import contacts "$EX/data/x-education-leads.csv" --key 'Prospect ID' --null Select --now 2026-10-01
both run "$EX/x_education.lua" --now 2026-11-01 --jobs 2
both run "$EX/x_education_pre_contact.lua" --now 2026-11-02
tables "assignments routing"

# The bench policy on scripts/gen data: several chunks of contacts, read
# by two workers.
fresh bench
"$LR_SRC/scripts/gen" --contacts 3000 --seed 3 --out gen -q
both import contacts gen/contacts.csv --map 'Job Title=title' --now 2026-10-01
both import activities gen/activities.csv --now 2026-10-01
both import outcomes gen/outcomes.csv --now 2026-10-01
both run "$LR_SRC/bench/policy.lua" --now 2026-11-01 --jobs 2
both run "$LR_SRC/bench/policy.lua" --now 2026-11-15 --jobs 3 --json
tables "assignments members routing"
# run --changed: the contacts changed since the last run, and those whose
# stable_until came; the same scope, output and tables on both.
both run "$LR_SRC/bench/policy.lua" --now 2026-11-15 --changed
contains "scope      changed"
head -1 gen/contacts.csv > some.csv
sed -n '2,40p' gen/contacts.csv | sed 's/Director,/Intern,/; s/Engineer,/VP Sales,/' >> some.csv
both import contacts some.csv --map 'Job Title=title' --now 2026-11-15
both run "$LR_SRC/bench/policy.lua" --now 2026-11-16 --changed --json
both run "$LR_SRC/bench/policy.lua" --now 2026-12-30 --changed
tables "assignments members routing"

# One writer at a time: with the write lock held, a run, a dry run and an
# import wait for it, then give up in the same words on both stores,
# having written nothing.
hold_lock
busy="DB: database is locked by another writer (gave up after 300 ms; see --busy-timeout)"
busy_both --busy-timeout 300 run "$LR_SRC/bench/policy.lua" --now 2026-11-16
same "$OUT" "leadrules: $busy"
busy_both --busy-timeout 300 run "$LR_SRC/bench/policy.lua" --now 2026-11-16 --dry-run
same "$OUT" "leadrules: $busy"
n=$(psql -qXtA "$PG" -c "SELECT count(*) FROM imports")
busy_both --busy-timeout 300 import contacts some.csv --map 'Job Title=title'
same "$OUT" "leadrules: some.csv: $busy"
busy_both --busy-timeout 300 import activities gen/activities.csv
same "$OUT" "leadrules: gen/activities.csv: $busy"
same "$(psql -qXtA "$PG" -c "SELECT count(*) FROM imports")" "$n" "a refused import writes nothing"
# --busy-timeout 0 gives up at once on both (PostgreSQL's lock_timeout 0
# would wait for ever).
busy_both --busy-timeout 0 import contacts some.csv --map 'Job Title=title'
same "$OUT" "leadrules: some.csv: ${busy/300 ms/0 ms}"
busy_both --busy-timeout 0 run "$LR_SRC/bench/policy.lua" --now 2026-11-16
same "$OUT" "leadrules: ${busy/300 ms/0 ms}"
release_lock
expect_ok lr --db "$PG" run "$LR_SRC/bench/policy.lua" --now 2026-11-16 --dry-run

# A segment's SQL reads contacts, activities and outcomes only, and calls
# only the functions of the common subset; SQL that does not run on
# PostgreSQL names its line.
seg() { printf 'stages { "subscriber", "lead", "mql", "sql", "opportunity", "customer", "nurture" }\nsegment "s" { where = [[%s]] }\nrule "r" { points = 1, segment = "s" }\n' "$1" > seg.lua; }
seg "(SELECT count(*) FROM runs) > 0"
expect_fail 1 lr --db "$PG" run seg.lua --dry-run
contains "seg.lua:2: segment SQL: it reads the table runs (a segment's SQL reads contacts, activities and outcomes only)"
seg "pg_sleep(1) IS NULL"
expect_fail 1 lr --db "$PG" run seg.lua --dry-run
contains "seg.lua:2: segment SQL: pg_sleep() may not be called here"
seg "email IS NOT 1"
expect_fail 1 lr --db "$PG" run seg.lua --dry-run
contains "seg.lua:2: segment SQL failed on PostgreSQL"
seg "lower(email) LIKE '%pg_sleep(1)%' OR company_size > 5000"
both run seg.lua --dry-run --now 2026-11-17
# It runs as a role of the database's own that may read contacts only
# (the suite's server user may create roles): every contact matches.
role=$(psql -qXtA "$PG" -c "SELECT rolname FROM pg_roles WHERE rolname = 'leadrules_read_' || substr(md5(current_database() || '.' || current_schema()), 1, 16)")
[ -n "$role" ] && pass || fail "no reader role"
same "$(psql -qXtA "$PG" -c "SELECT has_table_privilege('$role', 'contacts', 'SELECT'), has_table_privilege('$role', 'runs', 'SELECT'), has_table_privilege('$role', 'contacts', 'UPDATE')")" "t|f|f" "the reader role's privileges"
seg "current_user = '$role'"
for j in 1 2; do        # and the writer, after it, as the user again
  expect_ok lr --db "$PG" run seg.lua --now 2026-11-1$((7 + j)) --jobs $j
  same "$(psql -qXtA "$PG" -c "SELECT count(*) FROM segment_members WHERE segment = 's'")" \
    "$(psql -qXtA "$PG" -c "SELECT count(*) FROM contacts")" "the segment's SQL ran as the reader role (--jobs $j)"
done
# A script's leads{where=} runs as the reader role too.
printf 'local n = 0\nfor lead in leads{ where = [[current_user = '"'%s'"']] } do n = n + 1 end\nprint(n)\n' "$role" > role.lua
same "$(lr --db "$PG" role.lua 2>&1)" "$(psql -qXtA "$PG" -c "SELECT count(*) FROM contacts")" "leads{where=} ran as the reader role"

# A --changed run that meets a rule reading other contacts rolls back and
# starts over in full: it counts the rows it wrote as SQLite does (the
# attempt rolled back not subtracted from the run that commits).
fresh restart
printf '%s\n' 'stages { "subscriber", "lead", "mql", "sql", "opportunity", "customer", "nurture" }' \
  'rule "r" { points = 10, when = function(lead) if lead.title == "Boss" then return stage.lead:count() > 0 end return true end }' \
  'transition { from = "subscriber", to = "lead", when = function(lead) return lead.score >= 10 end }' > cnt.lua
printf 'email,title\n%s,Boss\n' "$(sed -n 2p "$EX/data/b2b/contacts.csv" | cut -d, -f1)" > boss.csv
both import contacts "$EX/data/b2b/contacts.csv" --map 'Job Title=title' --now 2026-10-01
both run cnt.lua --now 2026-11-01
both import contacts boss.csv --now 2026-11-02
both run cnt.lua --now 2026-11-03 --changed
contains "a rule read other contacts"
finish
