# Output options never overwrite the database or an input: import
# --rejects, report --html and backtest --html refuse (exit 2, one exact
# message, nothing created) a path that is the database, its -wal, -shm
# or -journal file, an input (the CSV, stdin, the policy), by name,
# through a symlink, a hard link or "..", or a directory; the database
# and the inputs are byte-identical afterwards.  A command that fails
# leaves an older output byte-identical and creates none; one that
# succeeds puts the file in place whole (no temporary file left, the
# umask's mode, a symlink followed and kept).
. "$LR_SRC/tests/cli/lib.sh"

cat > in.csv <<'CSV'
email,name,visits,converted
a@x.example,Ann,5,1
b@x.example,Bob,1,0
,NoKey,2,0
CSV
cat > policy.lua <<'LUA'
stages { "lead", "mql" }
rule "visits" { score = function(l) return l.visits or 0 end }
transition { from = "lead", to = "mql", when = function(l) return l.score >= 3 end }
LUA
printf 'stages { "lead" \n' > broken.lua
expect_ok lr import contacts in.csv --rejects first-rejects.csv
mkdir sub
ln -s test.db link.db
ln in.csv hard.csv
ln policy.lua hard.lua
ln -s "$LR_TMP/test.db-journal" journal-link

# state: what must not change -- the database's content, the inputs, and
# the directory's files but the database's own (SQLite makes and removes
# its -wal and -shm).  Two processes (a call of state took six, and a
# refusal two calls).
state() {
  local f names=()
  sha256sum <(sql .dump) in.csv policy.lua broken.lua
  for f in * .*; do
    case $f in .|..|test.db*) ;; *) [ -e "$f" ] || [ -L "$f" ] && names+=("$f") ;; esac
  done
  echo "${names[*]}"
}

# refuse PATH WHY CMD...: exit 2, "leadrules: OPT PATH: WHY", no change.
refuse() {
  local path=$1 why=$2 opt; shift 2
  case " $* " in *" --rejects "*) opt=--rejects ;; *) opt=--html ;; esac
  local before; before=$(state)
  expect_fail 2 "$@" "$path"
  same "$OUT" "leadrules: $opt $path: $why" "($*)"
  same "$(state)" "$before" "($* $path changed something)"
}

DB="that is the database; choose another file"
dbfile() { echo "that is the database's $1 file; choose another file"; }
input() { echo "that is an input of this command ($1); choose another file"; }
DIR="that is a directory; choose a file"

for cmd in "lr import contacts in.csv --rejects" \
           "lr report --policy policy.lua --html" \
           "lr backtest policy.lua --outcome converted --html"; do
  refuse test.db "$DB" $cmd
  refuse "$LR_TMP/test.db" "$DB" $cmd
  refuse link.db "$DB" $cmd
  refuse sub/../test.db "$DB" $cmd
  refuse test.db-wal "$(dbfile -wal)" $cmd
  refuse test.db-shm "$(dbfile -shm)" $cmd
  refuse test.db-journal "$(dbfile -journal)" $cmd
  refuse journal-link "$(dbfile -journal)" $cmd
  refuse sub "$DIR" $cmd
done
for cmd in "lr report --policy policy.lua --html" \
           "lr backtest policy.lua --html"; do
  refuse policy.lua "$(input policy.lua)" $cmd
  refuse hard.lua "$(input policy.lua)" $cmd
done
refuse in.csv "$(input in.csv)" lr import contacts in.csv --rejects
refuse hard.csv "$(input in.csv)" lr import contacts in.csv --rejects
refuse hard.csv "$(input hard.csv)" lr import outcomes hard.csv --rejects
refuse ./sub/../in.csv "$(input in.csv)" lr import activities in.csv --rejects
# stdin: the file it is, whatever its name.
before=$(state)
OUT=$(lr import contacts - --rejects hard.csv < in.csv 2>&1); rc=$?
same "$rc" 2 "(stdin)"
same "$OUT" "leadrules: --rejects hard.csv: $(input 'the standard input')"
same "$(state)" "$before" "(stdin changed something)"
# --db given by a relative path elsewhere: still the same file.
(cd sub && OUT=$("$LEADRULES" --db ../test.db report --html "$LR_TMP/test.db" 2>&1)
 [ $? -eq 2 ] && [ "$OUT" = "leadrules: --html $LR_TMP/test.db: $DB" ]) &&
  pass || fail "--db ../test.db: not refused"

# A failing command: an older output byte-identical, no new file.
printf 'email,name\n"open,quote\n' > bad.csv
echo "older" > old.out
fails_keeps() {
  local want=$1 before; shift
  before=$(state)
  expect_fail "$want" "$@" old.out
  same "$(cat old.out)" "older" "($* old.out: the older file changed)"
  same "$(state)" "$before" "($*: left something behind)"
  expect_fail "$want" "$@" new.out
  [ -e new.out ] && fail "($* new.out: created)" || pass
  same "$(state)" "$before" "($*: left something behind)"
}
fails_keeps 1 lr import contacts bad.csv --rejects
fails_keeps 1 lr import contacts missing.csv --rejects
fails_keeps 1 lr report --policy broken.lua --html
fails_keeps 1 lr report --by nosuchfield --html
fails_keeps 1 lr backtest broken.lua --html
cat > raises.lua <<'LUA'
stages { "lead" }
rule "typo" { points = 1, when = function(l) return l.nosuch == 1 end }
LUA
fails_keeps 1 lr backtest raises.lua --html
fails_keeps 2 lr backtest policy.lua --capacity 0 --html
# A rejects file that cannot be written rolls the import back.
if [ -w /dev/full ]; then
  before=$(state)
  expect_fail 1 lr import contacts in.csv --rejects /dev/full
  same "$OUT" "leadrules: --rejects /dev/full: cannot write: No space left on device"
  same "$(state)" "$before" "(--rejects /dev/full changed something)"
fi

# Success: the file whole and in place, nothing else left.
notmp() { ls -A | grep -q '\.tmp-' && fail "temporary file left: $(ls -A)" || pass; }
echo "older" > rj.csv
expect_ok lr import contacts in.csv --rejects rj.csv
contains "bad rows are in rj.csv"
same "$(head -1 rj.csv | tr -d '\r')" "email,name,visits,converted,reject_reason"
same "$(wc -l < rj.csv)" 2
notmp
(umask 027 && lr report --html r.html >/dev/null) && pass || fail "report --html"
head -c 15 r.html | grep -q '<!DOCTYPE html>' && pass || fail "r.html is not HTML"
same "$(stat -c %a r.html)" 640 "(mode under umask 027)"
notmp
echo "older" > real.html
ln -s real.html via.html
expect_ok lr backtest policy.lua --outcome converted --html via.html
contains "HTML report: via.html"
[ -L via.html ] && pass || fail "via.html is no longer a symlink"
head -c 15 real.html | grep -q '<!DOCTYPE html>' && pass || fail "real.html not written"
notmp
expect_ok lr report --html /dev/null
[ -c /dev/null ] && pass || fail "/dev/null replaced"
# A directory that cannot be written: said, nothing made (root may write).
if [ "$(id -u)" != 0 ]; then
  mkdir ro && chmod 555 ro
  expect_fail 1 lr report --html ro/r.html
  same "$OUT" "leadrules: --html ro/r.html: cannot write: Permission denied"
  [ -z "$(ls -A ro)" ] && pass || fail "ro/ holds $(ls -A ro)"
  chmod 755 ro
fi
expect_fail 1 lr report --html nosuchdir/r.html
same "$OUT" "leadrules: --html nosuchdir/r.html: cannot write: No such file or directory"
finish
