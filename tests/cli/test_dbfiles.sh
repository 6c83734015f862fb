# Database files: corrupt files (truncated, a damaged header, a damaged
# page), files that are not ours, a path that is a directory, a read-only
# file, a read-only directory, a full disk (a small tmpfs when this user
# may mount one) and a file-size limit (ulimit -f).  Each: a clear message,
# exit 1, and the original file byte-for-byte unchanged; reads still work
# where they can.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"
NOW=2026-11-01

rel_data data 4000 6 || { fail "scripts/gen"; finish; }
lr --db good.db import contacts data/contacts.csv --map 'Job Title=title' >/dev/null
rel_checkpoint good.db
cp "$RPOLICY" p.lua

# refuse DB TEXT CMD...: exit 1 with TEXT, DB's bytes unchanged.
refuse() {
  local db=$1 text=$2 sum; shift 2
  sum=$(sha256sum < "$db")
  expect_fail 1 lr --db "$db" "$@"
  contains "$text"
  same "$(sha256sum < "$db")" "$sum" "$db: changed by $*"
}

# dbsum DB: the file's sha256 but for the header's change counter and
# version-valid-for number (bytes 24-27 and 92-95): a first import switches
# the file to the rollback journal and back to WAL, which bumps them even
# when its transaction rolls back; every other byte must be as before.
dbsum() {
  python3 -c 'import hashlib,sys
b=bytearray(open(sys.argv[1],"rb").read())
b[24:28]=b[92:96]=bytes(4)
print(hashlib.sha256(b).hexdigest())' "$1"
}

# refuse_rb DB TEXT CMD...: as refuse, for a write that fails and rolls back.
refuse_rb() {
  local db=$1 text=$2 sum; shift 2
  sum=$(dbsum "$db")
  expect_fail 1 lr --db "$db" "$@"
  contains "$text"
  same "$(dbsum "$db")" "$sum" "$db: changed by $*"
}

# Truncated to half: not a database any more, for every command.
cp good.db half.db
truncate -s $(( $(stat -c %s good.db) / 2 )) half.db
for cmd in info export "run p.lua --now $NOW" "import activities data/activities.csv"; do
  # shellcheck disable=SC2086
  refuse half.db "half.db: not a leadrules database (file is not an SQLite database or is corrupt)" $cmd
done
# A damaged header (magic string, page size).
cp good.db magic.db
printf 'XQLite format 3\0' | dd of=magic.db conv=notrunc status=none
refuse magic.db "magic.db: not a leadrules database" info
cp good.db pagesize.db
printf '\377\377' | dd of=pagesize.db bs=1 seek=16 conv=notrunc status=none
refuse pagesize.db "pagesize.db: not a leadrules database" run p.lua --now $NOW
# A damaged page in the middle: reads and the run fail, nothing is written.
cp good.db page.db
leaf=$(sqlite3 good.db "SELECT pageno FROM dbstat WHERE name='contacts' AND pagetype='leaf' LIMIT 1 OFFSET 20")
head -c 8192 /dev/zero | tr '\0' '\377' | dd of=page.db bs=8192 seek=$((leaf - 1)) conv=notrunc status=none
refuse page.db "database disk image is malformed" export
refuse page.db "database disk image is malformed" run p.lua --now $NOW
# Not ours: a text file, another application's SQLite file; a directory.
echo "hello" > text.db
refuse text.db "text.db: not a leadrules database" info
sqlite3 other.db "CREATE TABLE t(x); INSERT INTO t VALUES (1)"
refuse other.db "other.db: not a leadrules database (it holds other data; refusing to change it)" run p.lua
mkdir dir.db
expect_fail 1 lr --db dir.db info
contains "dir.db: is a directory, not a database file (name a file in it: --db dir.db/leadrules.db)"

# A file-size limit: SIGXFSZ is ignored, so the write fails cleanly with
# SQLITE_FULL and everything rolls back (exit 1, not a silent death).
fsize() {   # fsize KB DB TEXT CMD...
  local kb=$1 db=$2 text=$3 sum rc; shift 3
  sum=$(dbsum "$db")
  OUT=$( (ulimit -f "$kb"; exec "$LEADRULES" --db "$db" "$@") 2>&1 )
  rc=$?
  same "$rc" 1 "ulimit -f $kb: $*: exit status (153 = killed by SIGXFSZ): $OUT"
  contains "$text"
  same "$(integrity "$db")" ok
  same "$(dbsum "$db")" "$sum" "ulimit -f: $db changed"
}
kb=$(( $(stat -c %s good.db) / 1024 ))
cp good.db fs.db
fsize $((kb + 200)) fs.db "disk full or file too large writing fs.db" \
  import activities data/activities.csv
fsize $((kb + 100)) fs.db "disk full or file too large writing fs.db" run p.lua --now $NOW
# ...and once the limit is gone, both work.
expect_ok lr --db fs.db import activities data/activities.csv
expect_ok lr --db fs.db run p.lua --now $NOW

# A full disk: a tmpfs just larger than the database, when we may mount.
mnt=$LR_TMP/mnt
mkdir -p "$mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=$(( kb + 600 ))k tmpfs "$mnt" 2>/dev/null; then
  trap 'umount "$mnt" 2>/dev/null' EXIT
  cp good.db "$mnt/full.db"
  refuse_rb "$mnt/full.db" "disk full or file too large writing $mnt/full.db" \
    import activities data/activities.csv
  same "$(integrity "$mnt/full.db")" ok
  refuse "$mnt/full.db" "disk full or file too large" run p.lua --now $NOW
  same "$(integrity "$mnt/full.db")" ok
  expect_ok lr --db "$mnt/full.db" export --fields email   # reads still work
  umount "$mnt" && trap - EXIT
else
  echo "note: cannot mount a tmpfs here; full-disk test done with ulimit -f only"
fi

# Read-only: a file we may not write, and a directory we may not write.
# As root, permissions do not apply: drop to nobody with setpriv.
as_user=()
if [ "$(id -u)" = 0 ]; then
  if command -v setpriv >/dev/null; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  else
    echo "note: root without setpriv: read-only tests skipped"
    finish
  fi
fi
ro() {   # ro DB TEXT STATUS CMD...: run as the unprivileged user
  local db=$1 text=$2 want=$3 sum; shift 3
  sum=$(sha256sum < "$db")
  OUT=$(cd "$(dirname "$db")" && "${as_user[@]}" "$LEADRULES" --db "$(basename "$db")" "$@" 2>&1)
  same "$?" "$want" "read-only $db: $*: $OUT"
  contains "$text"
  same "$(sha256sum < "$db")" "$sum" "read-only: $db changed"
}
mkdir -m 777 rofile
cp good.db rofile/a.db && cp p.lua data/activities.csv rofile/ && chmod 444 rofile/a.db
chmod 755 "$LR_TMP"
# Writers fail clearly; readers work (the directory takes the -wal/-shm).
ro rofile/a.db "record run: database a.db is read-only" 1 run p.lua --now $NOW
ro rofile/a.db "import log: database a.db is read-only" 1 import activities activities.csv
ro rofile/a.db "dry run of" 0 run p.lua --now $NOW --dry-run
ro rofile/a.db "contacts:   4000" 0 info
ro rofile/a.db "@" 0 export --fields email
mkdir rodir
cp good.db rodir/a.db && cp p.lua rodir/ && chmod 666 rodir/a.db && chmod 555 rodir
# WAL needs its -wal and -shm files beside the database: nothing works,
# reads included, and the message says why.
ro rodir/a.db "database a.db: cannot create or open its -wal and -shm files beside it (is the directory read-only?)" 1 info
ro rodir/a.db "(is the directory read-only?)" 1 run p.lua --now $NOW
ro rodir/a.db "(is the directory read-only?)" 1 move a@x.example mql --reason test
# A new database in that directory: said so, and nothing is created.
OUT=$(cd rodir && "${as_user[@]}" "$LEADRULES" --db new.db import contacts p.lua 2>&1)
same "$?" 1 "new database in a read-only directory: $OUT"
same "$OUT" "leadrules: open: database new.db: cannot create it (is the directory read-only?)"
[ ! -e rodir/new.db ] && pass || fail "rodir/new.db was created"
chmod 755 rodir
# A file this user may not read, and a directory that does not exist.
mkdir -m 777 noread && cp good.db noread/a.db && chmod 600 noread/a.db
OUT=$(cd noread && "${as_user[@]}" "$LEADRULES" --db a.db info 2>&1)
same "$?" 1 "unreadable database: $OUT"
same "$OUT" "leadrules: open: database a.db: permission denied (this user may not read it)"
OUT=$("$LEADRULES" --db nodir/a.db import contacts p.lua 2>&1)
same "$?" 1 "database in a missing directory: $OUT"
same "$OUT" "leadrules: open: database nodir/a.db: no such directory nodir (make it first: mkdir -p nodir)"
finish
