# CLI tests of the PostgreSQL store (docs/postgresql.md): the same files
# imported into SQLite and into PostgreSQL give the same reports and the
# same exports byte for byte; errors are clear and never show a password.
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
FX="$LR_SRC/tests/fixtures/csv"
if [ -z "${LEADRULES_TEST_PG:-}" ]; then
  echo "skipped: LEADRULES_TEST_PG is not set (scripts/pg-up starts a server)"
  exit 77
fi
command -v psql >/dev/null || { echo "skipped: no psql"; exit 77; }

# A database of its own (tests run in parallel on one server).
name="lr_t_$$_$RANDOM"
base=${LEADRULES_TEST_PG%/*}
psql -qX "$LEADRULES_TEST_PG" -c "CREATE DATABASE $name" || exit 2
trap 'psql -qX "$LEADRULES_TEST_PG" -c "DROP DATABASE IF EXISTS $name" 2>/dev/null' EXIT
PG="$base/$name"
SQ="$LR_TMP/same.db"
# both CMD...: run on SQLite and on PostgreSQL; both outputs must be equal
# (stdout and stderr, exit status), the PostgreSQL URI and the SQLite path
# aside.  $OUT keeps PostgreSQL's.
both() {
  local a b ra rb
  a=$("$LEADRULES" --db "$SQ" "$@" 2>&1); ra=$?
  b=$("$LEADRULES" --db "$PG" "$@" 2>&1); rb=$?
  OUT=$b
  same "$ra" "$rb" "exit status of $*"
  same "$a" "$b" "output of $* (sqlite, then postgresql)"
}

# First import: an empty table on both (SQLite's bulk path).
printf 'email,Name,Score In,Zip,Size,stage,owner,Ratio\n' > one.csv
printf 'a@x.example,Ann,5,02134,10,lead,ann,1.5\n' >> one.csv
printf 'b@x.example,"Bo, B",n/a,000123,,mql,,2.0\n' >> one.csv
printf 'a@x.example,Ann B,7,02134,12,,bob,0.1\n' >> one.csv
printf 'c@x.example,Cy,=1+1,,3,lead,,-4e-3\n' >> one.csv
both import contacts one.csv --now 2024-05-01T00:00:00Z
contains "merged                   1"
both import contacts "$FX/contacts_basic.csv" --now 2024-05-02T00:00:00Z
both export
both export --json
both export --raw --sort score_in --desc
both export --sort name,zip --fields email,name,zip
both export --stage lead --fields email,stage,owner
both export --stage Lead --fields email
contains "no contact is in stage 'Lead' (the stages with contacts: lead 1, mql 1; names are case-sensitive: did you mean 'lead'?)"
both export --segment vip
contains "no contact is in segment 'vip' as of the last run (no contact is in any segment yet: run a policy first)"
# Upserts: changed, unchanged, repeated keys; stage and owner only start
# a contact unless the file repeats its key.
printf 'email,Name,Score In,stage,owner,Extra\n' > two.csv
printf 'a@x.example,Ann B,7,sql,zed,x\n' >> two.csv
printf 'd@x.example,Di,1,lead,,\n' >> two.csv
printf 'b@x.example,Bo,n/a,,carl,1\n' >> two.csv
printf 'd@x.example,Di D,2,mql,dan,2\n' >> two.csv
printf 'c@x.example,Cy,=1+1,sql,,\n' >> two.csv
printf 'c@x.example,Cy,=1+1,,,\n' >> two.csv
both import contacts two.csv --now 2024-05-03T00:00:00Z
contains "inserted                 1"
contains "updated                  3"
contains "merged                   2"
both export --raw
both export --json --fields email,stage,owner,extra,data_at
both import contacts two.csv --key email --now 2024-05-04T00:00:00Z
both info --bogus                    # a usage error on both
a=$("$LEADRULES" --db "$SQ" info --json | sed 's/"database":"[^"]*"//; s/,"user_sql_role":\("[^"]*"\|null\)//; s/"at":"[^"]*"//g')
b=$("$LEADRULES" --db "$PG" info --json | sed 's/"database":"[^"]*"//; s/,"user_sql_role":\("[^"]*"\|null\)//; s/"at":"[^"]*"//g')
same "$a" "$b" "info --json"
LEADRULES_DB=$PG expect_ok "$LEADRULES" info
contains "database:   $PG (schema version 4)"

# Activities and outcomes: unknown keys rejected on their line; outcomes
# upserted on (contact, closed_at); the contacts they touch marked.
printf 'email,type,occurred_at,value,campaign\n' > acts.csv
printf 'a@x.example,visit,2024-04-01,3,spring\nnobody@x.example,visit,2024-04-01,,\n' >> acts.csv
printf 'd@x.example,email_open,1712000000,,\nA@X.example,demo,2024-04-02,2.5,fall\n' >> acts.csv
both import activities acts.csv --now 2024-05-05T00:00:00Z --rejects rej.csv
contains "rejected                 1"
both import activities "$FX/activities.csv" --now 2024-05-06T00:00:00Z
printf 'email,result,amount,closed_at\n' > outs.csv
printf 'a@x.example,won,100,2024-04-10\nb@x.example,lost,,2024-04-11\n' >> outs.csv
printf 'a@x.example,lost,5,2024-04-10\nzz@x.example,won,1,2024-04-12\n' >> outs.csv
both import outcomes outs.csv --now 2024-05-07T00:00:00Z --rejects rej2.csv
contains "merged                   1"
printf 'email,result,amount,closed_at\nb@x.example,won,7,2024-04-11\nc@x.example,won,7,2024-04-11\n' > outs2.csv
both import outcomes outs2.csv --now 2024-05-08T00:00:00Z
contains "updated                  1"
both import outcomes "$FX/outcomes.csv" --now 2024-05-09T00:00:00Z
both export --raw --fields email,data_at,change_mark
# A file small beside the table: each row's key looked up, not piped.
printf 'email\ne1@x.example\ne2@x.example\ne3@x.example\ne4@x.example\n' > more.csv
both import contacts more.csv --now 2024-05-10T00:00:00Z
printf 'email,type,occurred_at\ne2@x.example,call,2024-04-20\nno@x.example,call,2024-04-20\n' > few.csv
both import activities few.csv --now 2024-05-11T00:00:00Z --rejects rej3.csv
contains "rejected                 1"
both export --raw --fields email,data_at
a=$("$LEADRULES" --db "$SQ" info --json | sed 's/"database":"[^"]*"//; s/,"user_sql_role":\("[^"]*"\|null\)//; s/"at":"[^"]*"//g')
b=$("$LEADRULES" --db "$PG" info --json | sed 's/"database":"[^"]*"//; s/,"user_sql_role":\("[^"]*"\|null\)//; s/"at":"[^"]*"//g')
same "$a" "$b" "info --json after activities and outcomes"
q="SELECT k.key, a.type, a.occurred_at, CAST(round(a.value * 1000) AS INTEGER), a.campaign FROM activities a JOIN contacts k ON k.id = a.contact_id ORDER BY a.id"
same "$(sqlite3 -csv "$SQ" "$q")" "$(psql -qXtA -F, "$PG" -c "$q")" "activities rows"
q="SELECT k.key, o.result, CAST(round(o.amount * 1000) AS INTEGER), o.closed_at FROM outcomes o JOIN contacts k ON k.id = o.contact_id ORDER BY o.id"
same "$(sqlite3 -csv "$SQ" "$q")" "$(psql -qXtA -F, "$PG" -c "$q")" "outcomes rows"
# The first activities import built the indexes of the empty table after
# the load: all are back.
q="SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename IN ('contacts', 'contact_state', 'activities')"
same "$(psql -qXtA "$PG" -c "$q")" "activities_by_contact,activities_pkey,contact_state_by_stable_until,contact_state_by_stage,contact_state_pkey,contacts_by_account,contacts_by_change_mark,contacts_by_key,contacts_pkey" "indexes after the first imports"

# PostgreSQL's 1,600 columns: a file with more new fields than fit is
# refused before anything is written.
python3 -c 'print(",".join(["email"] + ["f%d" % i for i in range(1580)])); print(",".join(["w@x.example"] + ["1"] * 1580))' > wide.csv
expect_fail 1 lr --db "$PG" import contacts wide.csv
contains "1580 new columns, but the contacts table has room for"
contains "at most 1600 columns in all"

# Errors: a bad import rolls back on both.
printf 'email,company_size\nz@x.example,many\n' > bad.csv
both import contacts bad.csv
both import contacts missing.csv
both export --fields nope

# Not yet on PostgreSQL: a clear message, never a crash.
printf 'return {}\n' > p.lua
both run p.lua                       # a policy error, the same on both
contains "p.lua: the policy declares no funnel"
printf 'domain,name\nx.example,X\n' > acc.csv
both import accounts acc.csv         # test_pg_accounts.sh has the rest
both report --now 2026-10-01 --json  # works (tests/cli/test_pg_report.sh)
printf 'a-token-of-sixteen-characters-or-more\n' > token
OUT=$(timeout 20 "$LEADRULES" --db "$PG" serve --policy p.lua --token-file token --listen 127.0.0.1:0 2>&1)
same "$?" 1 "serve on PostgreSQL exits on a bad policy"
contains "p.lua: the policy declares no funnel"
OUT=$(printf '' | timeout 20 "$LEADRULES" --db "$PG" ingest p.lua - 2>&1)
same "$?" 1 "ingest on PostgreSQL exits on a bad policy"
contains "p.lua: the policy declares no funnel"

# Passwords never show: not in errors, not in info.
port=${base##*:}
expect_fail 1 lr --db "postgresql://leadrules:s3cr3t-pw@127.0.0.1:1/x" info
contains "cannot connect to PostgreSQL"
contains "postgresql://leadrules@127.0.0.1:1/x"
lacks "s3cr3t-pw"
expect_fail 1 lr --db "postgres://127.0.0.1:1/x?password=s3cr3t-pw&sslmode=disable" info
contains "postgres://127.0.0.1:1/x?sslmode=disable"
lacks "s3cr3t-pw"
withpw=$(sed 's|://leadrules@|://leadrules:s3cr3t-pw@|' <<<"$PG")
expect_ok lr --db "$withpw" info --json       # the test server trusts
lacks "s3cr3t-pw"
expect_fail 1 lr --db "$withpw" run p.lua
lacks "s3cr3t-pw"
# libpq fills in what the URI leaves out.
PGDATABASE=$name expect_ok lr --db "${base}/" info
contains "contacts:   11"
expect_fail 1 lr --db "$base/no_such_db_$$" info
contains "cannot connect to PostgreSQL"

# A database that is not ours is left alone; an empty one is not created
# by a command that only reads.
other="lr_o_$$_$RANDOM"
psql -qX "$LEADRULES_TEST_PG" -c "CREATE DATABASE $other" || exit 2
psql -qX "$base/$other" -c "CREATE TABLE mine(x int)"
expect_fail 1 lr --db "$base/$other" import contacts one.csv
contains "not a leadrules database"
psql -qX "$base/$other" -c "DROP TABLE mine"
expect_fail 1 lr --db "$base/$other" export
contains "no such database"
same "$(psql -qXtA "$base/$other" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
psql -qX "$LEADRULES_TEST_PG" -c "DROP DATABASE $other"

# A database of the first layout (the run's state in contacts, before
# contact_state): the next open moves the state to contact_state, and
# the database reads as before.
EX="$LR_SRC/examples"
old="lr_m_$$_$RANDOM"
psql -qX "$LEADRULES_TEST_PG" -c "CREATE DATABASE $old" || exit 2
trap 'psql -qX "$LEADRULES_TEST_PG" -c "DROP DATABASE IF EXISTS $name" -c "DROP DATABASE IF EXISTS $old" 2>/dev/null' EXIT
M="$base/$old"
expect_ok lr --db "$M" import contacts "$EX/data/b2b/contacts.csv" --map 'Job Title=title' --now 2026-10-01
expect_ok lr --db "$M" import activities "$EX/data/b2b/activities.csv" --now 2026-10-01
expect_ok lr --db "$M" run "$EX/b2b_saas.lua" --now 2026-11-01
want=$(lr --db "$M" export --json)
cols="score double precision NOT NULL DEFAULT 0, stage text, owner text, updated_at bigint, grade text, scores text, due_at bigint, assigned_at bigint, stage_since bigint, grades text, stable_until bigint"
psql -qX "$M" -c "ALTER TABLE contacts $(sed 's/^/ADD COLUMN /; s/, \([a-z_]* [a-z]\)/, ADD COLUMN \1/g' <<<"$cols")" \
  -c "UPDATE contacts c SET score = s.score, stage = s.stage, owner = s.owner, updated_at = s.updated_at, grade = s.grade, scores = s.scores, due_at = s.due_at, assigned_at = s.assigned_at, stage_since = s.stage_since, grades = s.grades, stable_until = s.stable_until FROM contact_state s WHERE s.contact_id = c.id" \
  -c "DROP TABLE contact_state" >/dev/null || exit 2
expect_ok lr --db "$M" info
same "$(lr --db "$M" export --json)" "$want" "the export after the migration"
same "$(psql -qXtA "$M" -c "SELECT count(*) FROM contact_state")" "$(psql -qXtA "$M" -c "SELECT count(*) FROM contacts")" "a state row per contact"
finish
