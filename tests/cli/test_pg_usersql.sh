# A segment's SQL on PostgreSQL (docs/postgresql.md, "It runs as a role
# that may only read contacts"): `check` runs the guard's EXPLAIN as the
# reader role, as a run runs the SQL, so both refuse the same clause with
# the policy's line.
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/cli/pg_lib.sh"     # skips without a server; fresh, rows
fresh usersql
lr --db "$PG" import contacts "$LR_SRC/tests/fixtures/csv/contacts_basic.csv" >/dev/null || fail "import"
seg() { printf 'stages { "subscriber", "lead", "mql" }\nsegment "s" { where = [[%s]] }\nrule "r" { points = 1, segment = "s" }\n' "$1" > seg.lua; }

# What the plan does not show, the role still may not read: a subquery
# the planner folds away, another schema's table named contacts.
psql -qX "$PG" -c "CREATE SCHEMA secret; CREATE TABLE secret.contacts(salary int)" || fail "schema"
for w in "EXISTS (SELECT 1 FROM runs WHERE false)" "EXISTS (SELECT 1 FROM secret.contacts)"; do
  seg "$w"
  expect_fail 1 lr --db "$PG" check seg.lua
  contains "seg.lua:2: error: segment 's': SQL failed on PostgreSQL: ERROR:  permission denied for"
  contains "the data checks did not run (fix the segment SQL first)"
  expect_fail 1 lr --db "$PG" run seg.lua --dry-run
  contains "seg.lua:2: SQL failed on PostgreSQL: ERROR:  permission denied for"
done
seg "company_size > 5 OR email LIKE '%example%'"
expect_ok lr --db "$PG" check seg.lua
contains "0 errors"
finish
