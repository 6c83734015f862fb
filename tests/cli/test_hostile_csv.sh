# Hostile CSV files through `leadrules import contacts`: each either fails
# with a clear message (file:line, the column) and leaves the database
# exactly as it was, or has a documented behaviour checked here.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"

printf 'email,title\na@x.example,VP\n' > base.csv
expect_ok lr import contacts base.csv
rel_checkpoint test.db

# rejected FILE TEXT...: exit 1, the message has every TEXT, db unchanged.
rejected() {
  local f=$1 d; shift
  d=$(digest_all test.db)
  expect_fail 1 lr import contacts "$f"
  for t in "$@"; do contains "$t"; done
  lacks "sqlite"                        # no internal names in messages
  same "$(digest_all test.db)" "$d" "$f: database changed"
}
# gen FILE PY: FILE holds the bytes of the Python expression PY (one line),
# written by one python for the whole test (a python3 a file took seconds
# on a loaded machine); a failed expression fails the test.
coproc GENPY { python3 -u -c 'import sys
for line in sys.stdin:
    f, e = line.rstrip("\n").split("\t", 1)
    try:
        with open(f, "wb") as o: o.write(eval(e))
        print("ok")
    except Exception as x: print("error: %r" % x)'; }
gen() {
  local said
  printf '%s\t%s\n' "$1" "$2" >&"${GENPY[1]}" && read -r said <&"${GENPY[0]}"
  [ "${said-}" = ok ] || fail "gen $1: ${said:-no answer from python}"
}
# watched SECS CMD...: like expect_ok, but CMD is killed after SECS seconds.
# A hang watchdog, far above any normal time (a loaded machine, a sanitizer
# build), not a speed check: nothing here depends on the machine's speed.
watched() {
  local s=$1 rc; shift
  OUT=$(timeout -k 5 "$s" "$@" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then pass
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    fail "hang watchdog: still running after ${s} s (a hang, not a slow machine): $*"
  else fail "exit $rc: $*"$'\n'"$OUT"; fi
}

# A header that tries SQL injection is only a name: folded to a column,
# the original kept as its header; nothing else happens.
gen inject.csv "b'email,\"x\"\"); DROP TABLE contacts; --\"\nb@x.example,1\n'"
tables=$(sql "SELECT group_concat(name) FROM sqlite_schema WHERE type='table'")
expect_ok lr import contacts inject.csv
same "$(sql "SELECT header FROM fields WHERE name='x_drop_table_contacts'")" 'x"); DROP TABLE contacts; --'
same "$(sql "SELECT x_drop_table_contacts FROM contacts WHERE key='b@x.example'")" 1
same "$(sql "SELECT group_concat(name) FROM sqlite_schema WHERE type='table'")" "$tables"
same "$(integrity test.db)" ok

# 5,000 columns: more than a table can hold; refused before any change.
gen cols5000.csv "(','.join(['email']+['c%d'%i for i in range(1,5000)])+'\n'+','.join(['c@x.example']+[str(i) for i in range(1,5000)])+'\n').encode()"
rejected cols5000.csv "cols5000.csv:1: 4999 new columns, but the contacts table has room for" \
  "skip some with --map 'Header='"
# 1,100 columns fit; importing the file again goes through the upsert
# (whose change test once exceeded SQLite's expression depth).  No clock is
# read (a time limit fails on a loaded machine): the program exposes no
# count of its work, so each import runs under a hang watchdog far above
# its normal second or two -- a blow-up with the width would trip it, a
# busy machine would not -- and what is checked is that it did exactly its
# job: 40 rows of 1,100 columns, 1,099 fields created, then the same 40
# rows updated, and every one of the 43,960 cells right.
gen cols1100.csv "(','.join(['email']+['w%d'%i for i in range(1,1100)])+'\n'+''.join(','.join(['w%d@x.example'%r]+[str(i*r) for i in range(1,1100)])+'\n' for r in range(40))).encode()"
watched 300 "$LEADRULES" import contacts cols1100.csv
contains "rows read               40"
contains "fields created        1099"
watched 300 "$LEADRULES" import contacts cols1100.csv --json
contains '"rows_read":40,"inserted":0,"updated":40,'
contains '"fields_created":0,"columns":1100,'
same "$(sql "SELECT w1099 FROM contacts WHERE key='w39@x.example'")" $((1099 * 39))
# Every cell: cell (r, i) holds i*r, so the 40 rows sum to
# (1+...+1099)*(0+...+39) = 604450*780, with 1,099 non-NULL cells a row.
# (Summed outside SQL: one sum over 1,099 columns is deeper than SQLite's
# expression limit.)
cols=$(printf 'w%d,' {1..1099}); cols=${cols%,}
same "$(sql -separator ' ' "SELECT $cols FROM contacts WHERE key LIKE 'w%@x.example'" |
  awk '{ for (i = 1; i <= NF; i++) { n++; s += $i } } END { printf "%d %d %d", NR, n, s }')" \
  "40 43960 $((604450 * 780))" "cells of the 1,100-column import"
rel_checkpoint test.db

# A 10 MB field is data; a 20 MB one is refused (cells are capped at 16 MiB
# so that a quote left open cannot swallow the whole file into memory).
gen field10mb.csv "b'email,notes\nd@x.example,\"' + b'y'*(10<<20) + b'\"\n'"
expect_ok lr import contacts field10mb.csv
same "$(sql "SELECT length(notes) FROM contacts WHERE key='d@x.example'")" $((10 << 20))
sql "UPDATE contacts SET notes=NULL WHERE key='d@x.example'; VACUUM" # keep digests cheap
gen field20mb.csv "b'email,notes\ne@x.example,\"' + b'y'*(20<<20) + b'\"\n'"
rejected field20mb.csv "field20mb.csv:2: cell longer than 16 MiB"

# NUL bytes: refused, in a cell and in the header.
gen nul.csv "b'email,notes\ne@x.example,ab\x00cd\n'"
rejected nul.csv "nul.csv:2: column 'notes': NUL byte in cell"
gen nul_header.csv "b'email,no\x00tes\ne@x.example,abcd\n'"
rejected nul_header.csv "nul_header.csv:1: header, column 2: NUL byte"

# Wide encodings, made by iconv: named from the byte-order mark or from the
# zero bytes of the first character (UTF-32 is not UTF-16), and each one
# imports once it is given.
printf 'email,title\nw@x.example,Früh\n' > wide8.csv
for e in UTF-16 UTF-16LE UTF-16BE UTF-32 UTF-32LE UTF-32BE; do
  iconv -f UTF-8 -t $e wide8.csv > "w_$e.csv" || { fail "iconv $e"; continue; }
done
{ printf '\000\000\376\377'; cat w_UTF-32BE.csv; } > w_UTF-32BE-BOM.csv
rejected w_UTF-16.csv "w_UTF-16.csv: starts with a UTF-16 byte-order mark; give the encoding: --encoding UTF-16"
rejected w_UTF-32.csv "w_UTF-32.csv: starts with a UTF-32 byte-order mark; give the encoding: --encoding UTF-32"
rejected w_UTF-32BE-BOM.csv "w_UTF-32BE-BOM.csv: starts with a UTF-32 byte-order mark; give the encoding: --encoding UTF-32"
for e in UTF-16LE UTF-16BE UTF-32LE UTF-32BE; do
  rejected "w_$e.csv" "w_$e.csv: looks like $e (zero bytes between the characters); give the encoding: --encoding $e"
done
for e in UTF-16 UTF-16LE UTF-16BE UTF-32 UTF-32LE UTF-32BE; do
  expect_ok lr import contacts "w_$e.csv" --encoding "$e"
  same "$(sql "SELECT title FROM contacts WHERE key='w@x.example'")" "Früh" "--encoding $e"
done
expect_ok lr import contacts w_UTF-32BE-BOM.csv --encoding UTF-32
same "$(sql "SELECT title FROM contacts WHERE key='w@x.example'")" "Früh" "UTF-32BE with a mark"

# Headers that are engine-owned columns: refused with the way out; a
# --map renames them.  (stage and owner are importable: they set a
# contact's starting stage and owner, see docs/import-export.md.)
for col in score id key updated_at grade; do
  gen "eng_$col.csv" "b'email,$col\nf@x.example,7\n'"
  rejected "eng_$col.csv" "eng_$col.csv:1: column '$col': '$col' is a leadrules column and cannot be imported" \
    "--map '$col=crm_$col'"
done
gen score_map.csv "b'email,score\nf@x.example,99\n'"
expect_ok lr import contacts score_map.csv --map 'score=crm_score'
same "$(sql "SELECT crm_score || '/' || score FROM contacts WHERE key='f@x.example'")" "99/0.0"
gen stage.csv "b'email,stage\ng@x.example,sql\n'"
expect_ok lr import contacts stage.csv
same "$(sql "SELECT stage FROM contacts WHERE key='g@x.example'")" sql

# Two headers folding to the same field name: refused, both named.
gen fold_dup.csv "b'email,Job Title,job_title\nh@x.example,a,b\n'"
rejected fold_dup.csv "fold_dup.csv:1: column 'job_title': becomes field 'job_title', like column 'Job Title'"
gen fold_dup2.csv "b'email,Total Visits,total-visits\nh@x.example,1,2\n'"
rejected fold_dup2.csv "column 'total-visits': becomes field 'total_visits', like column 'Total Visits'"

# An empty file: refused.  A header-only file: imports nothing.
: > empty.csv
rejected empty.csv "empty.csv: empty file (a header line is needed)"
printf 'email,title\n' > header_only.csv
before_contacts=$(sql "SELECT * FROM contacts ORDER BY id" | sha256sum)
expect_ok lr import contacts header_only.csv
contains "rows read                0"
same "$(sql "SELECT * FROM contacts ORDER BY id" | sha256sum)" "$before_contacts"

# CRLF and CR-only line endings: rows split, no CR left in values.
printf 'email,title\r\ni@x.example,CTO\r\nj@x.example,CFO\r\n' > crlf.csv
expect_ok lr import contacts crlf.csv
printf 'email,title\rk@x.example,CTO\rl@x.example,CFO\r' > cr.csv
expect_ok lr import contacts cr.csv
same "$(sql "SELECT group_concat(title, '|') FROM contacts WHERE key IN ('i@x.example','j@x.example','k@x.example','l@x.example')")" "CTO|CFO|CTO|CFO"
same "$(sql "SELECT count(*) FROM contacts WHERE title LIKE '%'||char(13)||'%'")" 0

# A BOM at the start is dropped; one in the middle of a cell is data (a
# zero-width no-break space), kept byte for byte.
gen bom.csv "b'\xef\xbb\xbfemail,title\nm@x.example,VP\n'"
expect_ok lr import contacts bom.csv
same "$(sql "SELECT title FROM contacts WHERE key='m@x.example'")" VP
gen bom_mid.csv "b'email,title\nn@x.example,V\xef\xbb\xbfP\n'"
expect_ok lr import contacts bom_mid.csv
same "$(sql "SELECT hex(title) FROM contacts WHERE key='n@x.example'")" 56EFBBBF50

# Invalid UTF-8: refused with the way out; with --encoding it imports.
gen latin.csv "b'email,title\no@x.example,Gr\xf6\xdfe\n'"
rejected latin.csv "latin.csv:2: column 'title': invalid UTF-8" "--encoding"
expect_ok lr import contacts latin.csv --encoding latin1
same "$(sql "SELECT title FROM contacts WHERE key='o@x.example'")" "Größe"

# A quoted field that never closes at EOF.
gen open_quote.csv "b'email,title\np@x.example,\"VP\nq@x.example,CEO\n'"
rejected open_quote.csv "open_quote.csv:2: column 'title': quoted cell is never closed"

# 100,000 good rows and one bad row at the end: nothing is imported, the
# line is right; with --rejects the bad row goes there and the rest commits.
python3 -c "
import sys
w = sys.stdout.write
w('email,title,n\n')
for i in range(100000): w('r%d@x.example,T%d,%d\n' % (i, i, i))
w('bad@x.example,oops\n')" > bad_last.csv
t0=$(now_ms)                            # for the log only, not checked
rejected bad_last.csv "bad_last.csv:100002: row has 2 cells, the header has 3"
expect_ok lr import contacts bad_last.csv --rejects rej.csv
contains "rows read           100001"
contains "inserted            100000"
contains "rejected                 1"
same "$(sql "SELECT count(*) FROM contacts WHERE key LIKE 'r%@x.example'")" 100000
same "$(tail -1 rej.csv | cut -d, -f1)" "bad@x.example"
echo "100k-row imports: $(( $(now_ms) - t0 )) ms (information, not checked)"

same "$(integrity test.db)" ok
finish
