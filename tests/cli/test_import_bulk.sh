#!/usr/bin/env bash
# The paths of an activities import give the same result, errors and
# rejects on the same file: piped with a key map and the index set aside
# (a large file, an empty table), one thread with a lookup per key (a file
# small next to the contacts table), and piped with the index kept (a
# table already large).  A bulk import that fails after setting the index
# aside rolls back to the old state, index included; a committed one has
# its index rebuilt.  (test_crash.sh kills the bulk path.)
. "$LR_SRC/tests/cli/lib.sh"

expect_ok "$LR_SRC/scripts/gen" --contacts 800 --seed 5 --order time --out d -q
rows=$(($(wc -l <d/activities.csv) - 1))
[ "$rows" -gt 5000 ] && pass || fail "want more than 5000 activities (the bulk path starts at 4096), got $rows"

# bad.csv: the log with bad rows spread through it; late.csv: good up to
# row 5000 (past the switch to bulk), then one bad row.
key=$(sed -n 2p d/activities.csv | cut -d, -f1)
python3 - "$key" <<'PY'
import sys
key = sys.argv[1]
lines = open("d/activities.csv", encoding="utf-8").read().split("\n")[:-1]
head, body = lines[0], lines[1:]
bad = {
    100: "nobody@x.example,email_open,2026-10-01T00:00:00Z,,",
    3000: ",page_view,2026-10-01T00:00:00Z,,",
    4500: key + ", ,2026-10-01T00:00:00Z,,",
    5000: key + ",email_open,yesterday,,",
    5300: key + ",page_view,2026-10-01T00:00:00Z,lots,",
    5600: "ghost@x.example,email_open,never,,",
    5900: key + ",page_view",
}
out = [head]
for i, line in enumerate(body):
    if i in bad:
        out.append(bad[i])
    out.append(line)
open("bad.csv", "w", encoding="utf-8").write("\n".join(out) + "\n")
late = [head] + body[:5000] + [key + ",,2026-10-01T00:00:00Z,,"] + body[5000:]
open("late.csv", "w", encoding="utf-8").write("\n".join(late) + "\n")
PY

# a.db: the contacts (a large file next to them: piped, key map, bulk).
# b.db: the same contacts first, then 70,000 more, so that the file is
# small next to the table (one thread, a lookup per key; still bulk: the
# table is empty).  c.db: a.db with the clean log imported six times, so
# that the file is less than a quarter of the table (piped, index kept).
expect_ok lr --db a.db import contacts d/contacts.csv
cp a.db b.db
{ echo email; seq 1 70000 | sed 's/.*/extra&@more.example/'; } > more.csv
expect_ok lr --db b.db import contacts more.csv
cp a.db c.db
for i in 1 2 3 4 5 6; do lr --db c.db import activities d/activities.csv >/dev/null || fail "c.db import $i"; done
for db in a b c; do sqlite3 $db.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; done

index_sql() { sqlite3 "$1" "SELECT sql FROM sqlite_schema WHERE tbl_name='activities' AND type='index' ORDER BY name"; }
state() { sqlite3 "$1" "SELECT type, name, sql FROM sqlite_schema ORDER BY name;
  SELECT * FROM activities ORDER BY id; SELECT id, data_at FROM contacts ORDER BY id;
  SELECT count(*) FROM imports" | md5sum; }
want_index=$(index_sql a.db)
[ -n "$want_index" ] && pass || fail "no activities index to start with"

# Which path each database takes, from the threads it starts (strace), and
# whether the index was rebuilt, from how full its leaf pages are (sorted
# and packed: above 95%; split by inserts in time order: less).
threads() {
  if ! command -v strace >/dev/null; then echo "skip"; return; fi
  strace -f -qq -e trace=clone,clone3 -o trace.txt "$LEADRULES" --db "$1" \
    import activities "$2" --rejects "rej-$1.csv" >/dev/null 2>&1
  grep -c 'CLONE_THREAD' trace.txt   # threads (not a sanitizer's helper)
}
fill() {
  sqlite3 "$1" "SELECT sum(pgsize - unused) * 100 / sum(pgsize) FROM dbstat
                WHERE name = 'activities_by_contact' AND pagetype = 'leaf'"
}

# 1. A failure past the switch to bulk rolls everything back, index too;
# each path says the same.
for db in a b c; do
  before=$(state $db.db)
  expect_fail 1 lr --db $db.db import activities late.csv
  same "$OUT" "leadrules: late.csv:5002: column 'type': empty activity type" "($db.db)"
  same "$(state $db.db)" "$before" "($db.db: unchanged after the failed import)"
  same "$(index_sql $db.db)" "$want_index" "($db.db: index as it was)"
  same "$(sqlite3 $db.db 'PRAGMA integrity_check')" "ok" "($db.db)"
done

# 2. The same bad file with --rejects, on each path.
cp a.db a2.db
for db in a b c; do
  OUT=$(lr --db $db.db import activities bad.csv --rejects "rej-$db.csv" 2>&1)
  same "$?" "0" "($db.db: import with --rejects: $OUT)"
  eval "out_$db=\${OUT//rej-$db.csv/rej.csv}"
  same "$(index_sql $db.db)" "$want_index" "($db.db: index rebuilt)"
  same "$(sqlite3 $db.db 'PRAGMA integrity_check')" "ok" "($db.db)"
done
same "$out_b" "$out_a" "(report, one thread vs piped)"
same "$out_c" "$out_a" "(report, index kept vs bulk)"
case "$out_a" in *"rejected                 7"*) pass ;; *) fail "want 7 rejected: $out_a" ;; esac
same "$(md5sum <rej-b.csv)" "$(md5sum <rej-a.csv)" "(rejects, one thread vs piped)"
same "$(md5sum <rej-c.csv)" "$(md5sum <rej-a.csv)" "(rejects, index kept vs bulk)"
# the row with an unknown key and a bad time is rejected for its time,
# as the checks come before the lookup on every path
grep -q '^ghost@x.example,email_open,never,,,"line 5607: column .occurred_at.: cannot read' rej-a.csv &&
  pass || fail "ghost row: $(grep ghost rej-a.csv)"
same "$(grep -c 'no contact with key' rej-a.csv)" "1" "(one unknown key)"

# The rows written, by key, in file order: the same on every path (c.db:
# the rows after the six clean imports).
rows_of() {
  sqlite3 "$1" "SELECT c.key, a.type, a.occurred_at, a.value, a.campaign
    FROM activities a JOIN contacts c ON c.id = a.contact_id
    WHERE a.id > $2 ORDER BY a.id" | md5sum
}
same "$(rows_of b.db 0)" "$(rows_of a.db 0)" "(rows, one thread vs piped)"
same "$(rows_of c.db $((6 * rows)))" "$(rows_of a.db 0)" "(rows, index kept vs bulk)"
same "$(sqlite3 a.db "SELECT count(*) FROM activities")" "$rows"
# data_at: every contact with an activity, and none without, got the import's time
same "$(sqlite3 a.db "SELECT count(*) FROM contacts WHERE data_at = (SELECT max(data_at) FROM contacts)")" \
     "$(sqlite3 a.db "SELECT count(DISTINCT contact_id) FROM activities")" "(data_at of the contacts with activities)"

# 2b. Rows the reading thread holds back for their lookup come out in file
# order: an unknown key before a bad row a few lines later, at the end of
# the file, and before damage to the CSV itself.  Each small file is piped
# into a.db (800 contacts) and read on one thread into b.db (70,800).
head -101 d/activities.csv > good.csv
{ cat good.csv; echo "first@x.example,page_view,2026-10-01T00:00:00Z,,"
  sed -n 2,3p d/activities.csv; echo "$key,page_view,soon,,"
  sed -n 4,60p d/activities.csv; } > near.csv
{ cat good.csv; echo "last@x.example,page_view,2026-10-01T00:00:00Z,,"; } > tail.csv
{ cat good.csv; echo "first@x.example,page_view,2026-10-01T00:00:00Z,,"
  sed -n 2p d/activities.csv; printf '%s,page_view,2026-10-01T00:00:00Z,,"open\n' "$key"; } > quote.csv
for f in near tail quote; do
  for db in a b; do
    cp $db.db h$db.db
    before=$(state h$db.db)
    OUT=$(lr --db h$db.db import activities $f.csv 2>&1)
    eval "err_$db=\$OUT"
    same "$(state h$db.db)" "$before" "($f.csv into $db.db: unchanged)"
    rm -f rej.csv
    OUT=$(lr --db h$db.db import activities $f.csv --rejects rej.csv 2>&1)
    eval "rej_$db=\$OUT\$(cat rej.csv 2>/dev/null)"
  done
  same "$err_b" "$err_a" "($f.csv: the error, one thread vs piped)"
  same "$rej_b" "$rej_a" "($f.csv: with --rejects, one thread vs piped)"
  case "$err_a" in *"$f.csv:102: column 'email': no contact with key"*) pass ;;
    *) fail "$f.csv: want the unknown key of line 102 first: $err_a" ;; esac
  if [ $f = near ]; then
    case "$rej_a" in *"no contact with key 'first@x.example'"*"cannot read 'soon'"*) pass ;;
      *) fail "near.csv: rejects not in file order: $rej_a" ;; esac
  fi
done

# 3. The paths are the ones described: the one-thread import starts no
# thread; the bulk builds pack the index, the index kept is split.
n=$(threads a2.db bad.csv)
if [ "$n" = skip ]; then echo "skip: no strace"; else [ "$n" -ge 1 ] && pass || fail "a2.db: no reading thread"; fi
cp b.db b2.db
sqlite3 b2.db "DELETE FROM activities" && sqlite3 b2.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
n=$(threads b2.db d/activities.csv)
if [ "$n" = skip ]; then :; else same "$n" "0" "(b2.db: one thread)"; fi
[ "$(fill a.db)" -ge 95 ] && pass || fail "a.db: index leaves $(fill a.db)% full, not rebuilt"
[ "$(fill b.db)" -ge 95 ] && pass || fail "b.db: index leaves $(fill b.db)% full, not rebuilt"
[ "$(fill c.db)" -lt 95 ] && pass || fail "c.db: index leaves $(fill c.db)% full: rebuilt, not kept"

finish
