# A segment's SQL on PostgreSQL (docs/postgresql.md, "It runs as a role
# that may only read contacts"): `check` runs the guard's EXPLAIN as the
# reader role, as a run runs the SQL, so both refuse the same clause with
# the policy's line; a server's error is one line (pg_errmsg.c); `info`
# says whether the SQL runs as the reader role or as the login user.
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
  contains "seg.lua:2: segment SQL failed on PostgreSQL: ERROR:  permission denied for"
done
seg "company_size > 5 OR email LIKE '%example%'"
expect_ok lr --db "$PG" check seg.lua
contains "0 errors"
# A server error that libpq prints over several lines (LINE, a caret,
# DETAIL, HINT) is one line naming the policy's line, on check and run;
# the URI's password never shows, not even where the server echoes it.
PGPW="${PG/leadrules@/leadrules:s3cr3t-pw@}"
one_line() {   # the line naming seg.lua:2, and nothing of libpq's after it
  same "$(printf '%s\n' "$OUT" | grep -c 'seg.lua:2')" 1 "one line names seg.lua:2"
  lacks $'\nLINE '; lacks $'\nHINT'; lacks $'\nDETAIL'; lacks "^"; lacks "s3cr3t-pw"
}
for w in "email = 'x' AND
 (email ==== 3)|text ==== integer; HINT: No operator matches" \
         "email = 'x' OR
 3 = ANY('{1'::int[])|malformed array literal: \"{1\"; DETAIL: Unexpected end of input." \
         "email = 'x' OR
 1 's3cr3t-pw'|syntax error at or near \"'***'\""; do
  seg "${w%|*}"
  expect_fail 1 lr --db "$PGPW" check seg.lua
  contains "seg.lua:2: error: segment 's': SQL failed on PostgreSQL: ERROR:  "
  contains "${w#*|}"; one_line
  expect_fail 1 lr --db "$PGPW" run seg.lua --dry-run
  contains "seg.lua:2: segment SQL failed on PostgreSQL: ERROR:  "
  contains "${w#*|}"; one_line
done
# libpq's own message over two lines ("... Connection refused" and "Is
# the server running ..."): one line too.
expect_fail 1 lr --db "postgresql://leadrules:s3cr3t-pw@127.0.0.1:1/x" info
same "$(printf '%s\n' "$OUT" | wc -l)" 1 "a refused connection on one line"
contains "cannot connect to PostgreSQL: "; lacks "s3cr3t-pw"
# `info` says whom the SQL runs as: the reader role (the suite's server
# user may create roles), or, for a user without CREATEROLE, the login
# user; as that user the clause runs as itself.
role=$(psql -qXtA "$PG" -c "SELECT rolname FROM pg_roles WHERE rolname = 'leadrules_read_' || substr(md5(current_database() || '.' || current_schema()), 1, 16)")
[ -n "$role" ] && pass || fail "no reader role"
expect_ok lr --db "$PG" info
contains $'\nuser sql:   as role '"$role"$' (reads contacts, activities and outcomes only)\n'
expect_ok lr --db "$PG" info --json
contains '"key_field":"email","user_sql_role":"'"$role"'",'
plain="lr_plain_${RANDOM}_$$"
psql -qX "$LEADRULES_TEST_PG" -c "CREATE ROLE $plain LOGIN NOCREATEROLE" || fail "role"
trap 'pg_drop_all; psql -qX "$LEADRULES_TEST_PG" -c "DROP ROLE IF EXISTS $plain" 2>/dev/null' EXIT
fresh plain
psql -qX "$PG" -c "ALTER DATABASE ${PG##*/} OWNER TO $plain" || fail "owner"
PLAIN="${PG/:\/\/*@/://$plain@}"
lr --db "$PLAIN" import contacts "$LR_SRC/tests/fixtures/csv/contacts_basic.csv" >/dev/null || fail "import as $plain"
expect_ok lr --db "$PLAIN" info
contains $'\nuser sql:   as the login user '"$plain"' (no reader role: creating one needs CREATEROLE or superuser)'$'\n'
expect_ok lr --db "$PLAIN" info --json
contains '"user_sql_role":null,'
seg "current_user = '$plain'"
expect_ok lr --db "$PLAIN" run seg.lua --now 2026-11-01
same "$(psql -qXtA "$PG" -c "SELECT count(*) FROM segment_members WHERE segment = 's'")" 3 "the where ran as the login user"
finish
