# CLI tests of `leadrules import` and `leadrules info`.
. "$LR_SRC/tests/cli/lib.sh"
FX="$LR_SRC/tests/fixtures/csv"
digest() { db_dump | md5sum; }

# contacts: the summary
expect_ok lr import contacts "$FX/contacts_basic.csv"
contains "imported contacts from $FX/contacts_basic.csv (key: email)"
contains "  rows read                3"
contains "  inserted                 3"
contains "  fields created           5"
same "$(sql "SELECT zip FROM contacts WHERE key='ann@example.com'")" "02134"

# --json summary; a second import updates
expect_ok lr import contacts "$FX/contacts_basic.csv" --json
same "$OUT" '{"kind":"contacts","file":"'"$FX"'/contacts_basic.csv","rows_read":3,"inserted":0,"updated":3,"merged":0,"rejected":0,"fields_created":0,"columns":12,"key_field":"email"}'

# --db before or after the command
rm -f other.db
expect_ok lr import --db other.db contacts "$FX/semicolon.csv" --json
contains '"inserted":2'
same "$(sqlite3 other.db "SELECT name FROM contacts WHERE key='a@x.example'")" "Lee; Ann"

# stdin, --delimiter tab, --null, --map
printf 'email\tCity\tScore\nx@y.example\tSelect\t7\n' | lr import contacts - --delimiter tab --null Select --map 'Score=crm_score' >/dev/null
same "$(sql "SELECT coalesce(city,'NULL')||'/'||crm_score FROM contacts WHERE key='x@y.example'")" "NULL/7"

# --encoding
expect_ok lr import contacts "$FX/latin1.csv" --encoding latin1
same "$(sql "SELECT city FROM contacts WHERE key='jurgen@example.com'")" "Köln"

# bad input: exact message, exit 1, database unchanged
before=$(digest)
expect_fail 1 lr import contacts "$FX/latin1.csv"
same "$OUT" "leadrules: $FX/latin1.csv:2: column 'First Name': invalid UTF-8 (if the file is not UTF-8, give its encoding with --encoding, e.g. latin1 or windows-1252)"
printf 'email,Name\na@b.example,"open\n' > open.csv
expect_fail 1 lr import contacts open.csv
same "$OUT" "leadrules: open.csv:2: column 'Name': quoted cell is never closed (unterminated quote)"
printf 'email,Name\na@b.example,A\nb@b.example\n' > short.csv
expect_fail 1 lr import contacts short.csv
same "$OUT" "leadrules: short.csv:3: row has 1 cells, the header has 2"
printf 'email,Score\na@b.example,5\n' > score.csv
expect_fail 1 lr import contacts score.csv
same "$OUT" "leadrules: score.csv:1: column 'Score': 'score' is a leadrules column and cannot be imported; rename it (--map 'Score=crm_score') or skip it (--map 'Score=')"
printf 'email,type,at\nnobody@b.example,open,2024-01-01\n' > act.csv
expect_fail 1 lr import activities act.csv
same "$OUT" "leadrules: act.csv:2: column 'email': no contact with key 'nobody@b.example'"
same "$(digest)" "$before"

# --rejects: bad rows go there, the rest commits
printf 'email,Name\nr1@b.example,A\n,B\nr2@b.example,C,extra\nr3@b.example,D\n' > mixed.csv
expect_ok lr import contacts mixed.csv --rejects rej.csv
contains "  rejected                 2"
contains "bad rows are in rej.csv"
same "$(cat rej.csv)" "$(printf 'email,Name,reject_reason\r\n,B,line 3: column '"'"'email'"'"': empty key\r\nr2@b.example,C,extra,"line 4: row has 3 cells, the header has 2"\r')"
same "$(sql "SELECT count(*) FROM contacts WHERE key LIKE 'r%@b.example'")" "2"

# usage errors
expect_fail 2 lr import
contains "what to import"
expect_fail 2 lr import leads x.csv
contains "cannot import 'leads'"
expect_fail 2 lr import contacts x.csv --delimiter ab
expect_fail 2 lr import contacts x.csv --bogus
expect_fail 1 lr import contacts missing.csv
same "$OUT" "leadrules: missing.csv: cannot open: No such file or directory"
expect_ok lr import --help
contains "--rejects FILE"

# activities and outcomes
expect_ok lr import activities "$FX/activities.csv"
contains "  inserted                 3"
expect_ok lr import outcomes "$FX/outcomes.csv" --json
contains '"inserted":3'

# X Education: keyed by Prospect ID, "Select" means not answered
XE="$LR_SRC/examples/data/x-education-leads.csv"
[ -r "$XE" ] || XE=/work/shared/data/x-education-leads.csv
if [ -r "$XE" ]; then
  rm -f xe.db
  expect_ok lr --db xe.db import contacts "$XE" --key 'Prospect ID' --null Select
  contains "(key: prospect_id)"
  contains "  rows read             9240"
  contains "  fields created          36"
  same "$(sqlite3 xe.db "SELECT count(*) FROM contacts WHERE city IS NULL")" "3669"
  expect_fail 1 lr --db xe.db import contacts "$FX/contacts_basic.csv"
  same "$OUT" "leadrules: $FX/contacts_basic.csv: no 'prospect_id' column to key contacts on (name the key column with --key COLUMN)"
  expect_ok lr --db xe.db info
  contains "key field:  prospect_id"
  contains "contacts:   9240"
  contains "  total_time_spent_on_website      integer  Total Time Spent on Website"
  contains "  column_38                        text     (empty header)"
fi

# A first import of contacts (an empty table) writes in rollback-journal
# mode, pages once; afterwards the file is in WAL mode, with no journal.
# The import reads a FIFO here, so the test can look while it runs.
rm -f first.db* feed
mkfifo feed
lr --db first.db import contacts - < feed > first.out 2>&1 &
imp=$!
exec 7> feed
printf 'email,Name\na@first.example,A\n' >&7
# (a watchdog far above the usual fraction of a second: a sanitizer build
# on a loaded machine took over the 5 s this once allowed)
for _ in $(seq 1200); do [ -e first.db-journal ] && break; sleep 0.05; done
[ -e first.db-journal ] && pass || fail "no rollback journal during a first import"
printf 'b@first.example,B\n' >&7
exec 7>&-
wait $imp; same $? 0 "first import: $(cat first.out)"
same "$(sqlite3 first.db 'PRAGMA journal_mode; SELECT count(*) FROM contacts')" "wal
2" "journal mode and contacts after a first import"
[ ! -e first.db-journal ] && pass || fail "rollback journal left behind"
# With another connection open it stays in WAL and does not wait for it.
rm -f busy.db*
printf 'email\n' | lr --db busy.db import contacts - >/dev/null
# The reader stays until its input closes, the busy timeout is long: an
# import that waited for it would not end before it (no clock bound).
rm -f hold.fifo && mkfifo hold.fifo
sqlite3 busy.db < hold.fifo >/dev/null &
holder=$!
exec 8> hold.fifo
echo "SELECT count(*) FROM contacts;" >&8
sleep 0.3
expect_ok timeout 60 "$LEADRULES" --db busy.db --busy-timeout 90000 import contacts "$FX/contacts_basic.csv"
kill -0 $holder 2>/dev/null && pass || fail "first import waited for an idle reader"
[ -e busy.db-wal ] && pass || fail "first import beside a reader left WAL mode"
exec 8>&-
wait $holder
# A file left in rollback mode (a first import killed) is WAL again after
# the next read-write open.
sqlite3 first.db 'PRAGMA journal_mode=DELETE' >/dev/null
expect_ok lr --db first.db info
same "$(sqlite3 first.db 'PRAGMA journal_mode')" wal "journal mode after an open"
# An update import (contacts present) stays in WAL throughout.
expect_ok lr --db first.db import contacts "$FX/contacts_basic.csv"
same "$(sqlite3 first.db 'PRAGMA journal_mode')" wal

# info
expect_ok lr info
contains "contacts:   "
contains "activities: 3 (3 types)"
contains "outcomes:   3 (2 won, 1 lost)"
contains "  zip                              text     Zip"
contains "recent imports:"
expect_ok lr info --json
contains '"key_field":"email"'
contains '{"name":"visits","type":"integer","header":"Visits","builtin":false,"imported":true}'
# Times as exports write them (docs/import-export.md, "Times in a file"):
# a zone after a space, year-first slashes; day-first dates stay bad rows.
printf 'Email,Created Date\r\nz1@x.com,2024-03-05 14:22:10 UTC\r\nz2@x.com,2024/03/05\r\nz3@x.com,2024-03-05 15:22 +0100\r\n' > times.csv
expect_ok lr --db times.db import contacts times.csv
expect_ok lr --db times.db export --fields email,created_at
contains "z1@x.com,2024-03-05T14:22:10Z"
contains "z2@x.com,2024-03-05T00:00:00Z"
contains "z3@x.com,2024-03-05T14:22:00Z"
printf 'Email,Created Date\nz4@x.com,05.03.2024\n' > dayfirst.csv
expect_fail 1 lr --db times.db import contacts dayfirst.csv
contains "dayfirst.csv:2: column 'Created Date': cannot read '05.03.2024' as a date"
# Rows of empty cells after the data, as spreadsheets save them, are
# skipped like blank lines; a row with a space or a quoted "" is a row.
printf '\xef\xbb\xbfEmail,Name\r\ne1@x.com,Ann\r\n,\r\n,\r\ne2@x.com,"Bo\r\nB"\r\n,\r\n' > sheet.csv
expect_ok lr --db sheet.db import contacts sheet.csv
contains "  rows read                2"
contains "  inserted                 2"
printf 'Email,Name\ne3@x.com,C\n ,\n' > spaced.csv
expect_fail 1 lr --db sheet.db import contacts spaced.csv
contains "spaced.csv:3: column 'Email': empty key"
printf 'Email,Name\ne3@x.com,C\n"",""\n' > quoted.csv
expect_fail 1 lr --db sheet.db import contacts quoted.csv
contains "quoted.csv:3: column 'Email': empty key"
finish
