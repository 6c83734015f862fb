# CLI tests of `leadrules export`.
. "$LR_SRC/tests/cli/lib.sh"
FX="$LR_SRC/tests/fixtures/csv"

printf 'email,Name,Formula,Amount\na@x.example,Ann,=SUM(A1),-5\nb@x.example,"Bo, B",@cmd,2.5\n' > in.csv
lr import contacts in.csv >/dev/null
expect_ok lr export
same "$OUT" "$(printf 'email,Name,Formula,Amount,stage,owner,score,grade\r\na@x.example,Ann,'"'"'=SUM(A1),-5,,,0,\r\nb@x.example,"Bo, B",'"'"'@cmd,2.5,,,0,\r')"
expect_ok lr export --raw --fields Formula
same "$OUT" "$(printf 'Formula\r\n=SUM(A1)\r\n@cmd\r')"
expect_ok lr export --json --fields name,amount --field-names
same "$OUT" "$(printf '[\n{"name":"Ann","amount":-5},\n{"name":"Bo, B","amount":2.5}\n]')"
# (PostgreSQL keeps the run's state in contact_state: docs/postgresql.md)
if sqlite_only; then sql "UPDATE contacts SET stage='sql' WHERE key='b@x.example'"
else sql "UPDATE contact_state SET stage='sql' WHERE contact_id=(SELECT id FROM contacts WHERE key='b@x.example')"; fi
expect_ok lr export --stage sql --fields email
same "$OUT" "$(printf 'email\r\nb@x.example\r')"
expect_ok lr export --segment nobody --fields email
same "$OUT" "leadrules: export: no contact is in segment 'nobody' as of the last run (no contact is in any segment yet: run a policy first)
$(printf 'email\r')"
expect_fail 1 lr export --fields nope
same "$OUT" "leadrules: --fields: no field 'nope' (see leadrules info for the fields)"
# A mistyped field or column names the nearest one.
expect_fail 1 lr export --fields emial
same "$OUT" "leadrules: --fields: no field 'emial'; did you mean 'email'? (see leadrules info for the fields)"
expect_fail 1 lr export --sort scroe
contains "--sort: no field 'scroe'; did you mean 'score'?"
expect_fail 2 lr export --bogus

# round trip through the command line
lr import contacts "$FX/contacts_basic.csv" >/dev/null
lr export --raw > all.csv
rm -f copy.db
expect_ok lr --db copy.db import contacts all.csv --map score= --map grade=
contains "  inserted                 5"
# (each value's SQLite type; on PostgreSQL the exports below compare)
if sqlite_only; then
  a=$(sql "SELECT key, quote(zip), quote(visits), quote(time_on_site), quote(notes), quote(created_at) FROM contacts ORDER BY key")
  b=$(sqlite3 copy.db "SELECT key, quote(zip), quote(visits), quote(time_on_site), quote(notes), quote(created_at) FROM contacts ORDER BY key")
  same "$b" "$a"
fi
expect_ok lr --db copy.db export --raw
same "$OUT" "$(lr export --raw)"
# a partial sync whose headers are field names keeps the original headers
B2B="$LR_SRC/examples/data/b2b/contacts.csv"
rm -f sync.db
lr --db sync.db import contacts "$B2B" --map 'Job Title=title' >/dev/null
first=$(lr --db sync.db export | head -1)
contains_first() { case "$first" in *"$1"*) pass ;; *) fail "header lacks '$1': $first" ;; esac; }
contains_first 'Email,First Name,'
contains_first ',Job Title,'
contains_first ',Company Size,'
printf 'email,company_size,job_title\nfnelson99@fapeal.example.com,2600,CFO\n' > sync.csv
expect_ok lr --db sync.db import contacts sync.csv
contains "  updated                  1"
same "$(lr --db sync.db export | head -1)" "$first"
expect_ok lr --db sync.db export --fields email,company_size,title
same "$OUT" "$(lr --db sync.db export --fields Email,'Company Size','Job Title')"
contains "$(printf 'fnelson99@fapeal.example.com,2600,CFO\r')"
# A CRM's own "Score" column, imported as crm_score: its header gives way
# to the field name beside leadrules' score, and `score` means leadrules'.
printf 'Email,Score\na@x.example,55\n' > crm.csv
expect_ok lr --db crm.db import contacts crm.csv --map Score=crm_score
expect_ok lr --db crm.db export
same "$(head -1 <<<"$OUT")" "$(printf 'Email,crm_score,stage,owner,score,grade\r')"
contains "$(printf 'a@x.example,55,,,0,\r')"
expect_ok lr --db crm.db export --fields score,Score
same "$OUT" "$(printf 'score,crm_score\r\n0,55\r')"
expect_ok lr --db crm.db export --json --fields Score
contains '{"Score":55}'
finish
