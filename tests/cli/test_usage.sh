# test_usage.sh -- the conventions of a shell tool (issue 15): every
# command answers --help, -h and `help COMMAND` with its usage (exit 0);
# an unknown command or option suggests the nearest name; the man page
# documents each command's options exactly as its --help lists them, both
# ways, so that neither can drift; commands that only read refuse a
# database that does not exist and create nothing; a failing command
# leaves no new database behind.
. "$LR_SRC/tests/cli/lib.sh"
man=$LR_SRC/docs/leadrules.1
FX=$LR_SRC/tests/fixtures/csv

# help --help (and help -h) is the general help, not "unknown command"
expect_ok lr help --help
contains "usage: leadrules [--db PATH] COMMAND"
lacks "unknown command"
expect_ok lr help -h
contains "usage: leadrules [--db PATH] COMMAND"
expect_ok lr help
cmds=$(sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' <<<"$OUT")
[ "$(wc -w <<<"$cmds")" -ge 14 ] && pass || fail "help lists too few commands: $cmds"
for w in import export run explain move set info check test shell backtest \
         report diff script; do
  grep -qx "$w" <<<"$cmds" && pass || fail "help does not list $w"
done

# The options of command $1, as its --help lists them (without -h, --help).
help_opts() {
  lr "$1" --help | sed -n '/^options:/,$p' |
    grep -o -- '^ *-[-a-z]*\(, --[a-z-]*\)\?' | tr ',' '\n' | tr -d ' ' |
    grep -v -- '^-h$\|^--help$\|^--$' | sort -u
}
# The man page's section of command $1: from `.SS "CMD` to the next .SS/.SH.
man_section() {
  awk -v c="$1" '/^\.S[SH] /{ins = ($0 ~ "^\\.SS \"" c "[ \"]")} ins' "$man"
}
# The options the section defines: the first line of each .TP item.
man_defs() {
  man_section "$1" | awk 'p {print; p=0} /^\.TP/ {p=1}' |
    grep -o -- '^\.B[IR]\? \\-\(\\-\)\?[a-z][a-z\\-]*' | sed 's/^\.B[IR]* //; s/\\//g' |
    sort -u
}

n=0
for c in $cmds; do
  expect_ok lr "$c" --help
  long=$OUT
  case "$long" in "usage: leadrules $c "*) pass ;; *) fail "$c --help: $long" ;; esac
  expect_ok lr "$c" -h
  same "$OUT" "$long" "($c -h)"
  expect_ok lr help "$c"
  same "$OUT" "$long" "(help $c)"
  expect_ok lr --help "$c"
  same "$OUT" "$long" "(--help $c)"
  # -h anywhere among the arguments, even after bad ones (a script's
  # arguments after its path are its own: see below)
  if [ "$c" != script ]; then
    expect_ok lr "$c" x y --help
    same "$OUT" "$long" "($c x y --help)"
  fi
  grep -q "^\.SS \"$c " "$man" && pass || fail "man page lacks .SS \"$c ...\""
  h=$(help_opts "$c")
  d=$(man_defs "$c")
  # each option of --help is in the command's man section, and each option
  # the man section defines is in --help
  for o in $h; do
    man_section "$c" | grep -q -- "$(sed 's/-/\\\\-/g' <<<"$o")" && pass ||
      fail "man page section $c lacks option $o (its --help lists it)"
    n=$((n + 1))
  done
  for o in $d; do
    grep -qx -- "$o" <<<"$h" && pass ||
      fail "man page section $c defines $o, which '$c --help' does not list"
  done
  # a typo of each option suggests it (names of 4 or more characters)
  for o in $h; do
    [ ${#o} -ge 4 ] || continue
    expect_fail 2 lr "$c" "${o%?}"
    contains "leadrules: $c: unknown option '${o%?}'; did you mean '$o'?"
  done
done
[ $n -ge 40 ] && pass || fail "only $n options checked"

# Nothing to suggest for a word far from every name.
expect_fail 2 lr export --zzzzzz
same "$OUT" "leadrules: export: unknown option '--zzzzzz' (see leadrules export --help)"
expect_fail 2 lr run p.lua --dry-rn
same "$OUT" "leadrules: run: unknown option '--dry-rn'; did you mean '--dry-run'? (see leadrules run --help)"
expect_fail 2 lr export --jsno=1
contains "did you mean '--json'?"

# Each option's default is in --help as in the man page.
for c in run backtest diff; do
  expect_ok lr $c --help
  contains "1 to 1024 (default: the"
done
expect_ok lr diff --help; contains "(default 10)"
expect_ok lr report --help; contains "(default: the latest run's now,"
expect_ok lr backtest --help; contains "(default:"$'\n'"                    the outcomes table"

# Unknown commands.
expect_fail 2 lr improt contacts x.csv
same "$OUT" "leadrules: unknown command 'improt'; did you mean 'import'? (see leadrules --help)"
expect_fail 2 lr EXPORT
contains "did you mean 'export'?"
expect_fail 2 lr hlep
contains "did you mean 'help'?"
expect_fail 2 lr frobnicate
same "$OUT" "leadrules: unknown command 'frobnicate' (see leadrules --help)"
expect_fail 2 lr help frobnicate
same "$OUT" "leadrules: unknown command 'frobnicate' (see leadrules --help)"
expect_fail 2 lr help improt
contains "did you mean 'import'?"
expect_fail 2 lr
contains "usage: leadrules"
# The import's words in the wrong order, or the kind mistyped: what to type.
expect_fail 2 lr contacts import x.csv
same "$OUT" "leadrules: unknown command 'contacts'; the command comes first: leadrules import contacts FILE (see leadrules import --help)"
expect_fail 2 lr import x.csv contacts
same "$OUT" "leadrules: import: what to import comes first: leadrules import contacts x.csv (see leadrules import --help)"
expect_fail 2 lr import contact x.csv
same "$OUT" "leadrules: import: cannot import 'contact'; did you mean 'contacts'? (see leadrules import --help)"
expect_fail 2 lr import activities
contains "no FILE given (leadrules import activities FILE; - reads stdin)"

# A script's own arguments are its own: --help after its path goes to it.
printf 'print(arg[1])\n' >s.lua
expect_ok lr import contacts "$FX/contacts_basic.csv"
expect_ok lr s.lua --help
same "$OUT" "--help"
expect_ok lr script s.lua -h
same "$OUT" "-h"
rm -f test.db*

# ---- a database that does not exist ---------------------------------------
cat >p.lua <<'EOF2'
stages { "lead", "mql" }
rule "r" { points = 1, when = function(lead) return true end }
EOF2
nodb() {  # nodb CMD...: refused (exit 1), naming the file; nothing created
  expect_fail 1 lr --db none.db "$@"
  contains "leadrules: none.db: no such database (nothing was created; only import makes one"
  [ ! -e none.db ] && [ ! -e none.db-wal ] && [ ! -e none.db-shm ] && pass ||
    fail "$* created none.db"
}
nodb export
nodb export --stage lead --json
nodb report
nodb info
nodb info --json
nodb explain k@x.example p.lua
nodb backtest p.lua
nodb diff p.lua p.lua
nodb check p.lua
nodb shell </dev/null
# commands that write refuse it too: only import creates a database
nodb run p.lua
nodb run p.lua --dry-run
nodb move k@x.example mql --reason typo
nodb set k@x.example name=Ann --reason typo
echo 'print(1)' >s1.lua
nodb script s1.lua
nodb s1.lua
# test needs no database at all
cat >p_test.lua <<'EOF2'
local p = load_policy("p.lua")
test("scores", function() expect(p:evaluate{ email = "a@x" }.score).to_be(1) end)
EOF2
expect_ok lr --db none.db test p_test.lua
[ ! -e none.db ] && pass || fail "test created none.db"
echo 'return 1' | { expect_fail 1 lr --db none.db shell -q; }
[ ! -e none.db ] && pass || fail "shell created none.db"
# $LEADRULES_DB and ./leadrules.db alike
LEADRULES_DB=$LR_TMP/env.db expect_fail 1 lr export
contains "env.db: no such database"
[ ! -e env.db ] && pass || fail "export created env.db"
( unset LEADRULES_DB; expect_fail 1 lr report; echo "$OUT" >out.txt )
grep -q "leadrules: leadrules.db: no such database" out.txt && pass || fail "$(cat out.txt)"
[ ! -e leadrules.db ] && pass || fail "report created ./leadrules.db"

# ---- a failing command leaves no new database -----------------------------
gone() {  # gone CODE CMD...: fails with CODE; new.db is not left behind
  local code=$1
  shift
  expect_fail "$code" lr --db new.db "$@"
  [ ! -e new.db ] && [ ! -e new.db-wal ] && [ ! -e new.db-shm ] && pass ||
    fail "'$*' left new.db behind"
}
printf 'this is not lua (\n' >bad.lua
printf 'email,name\nann@x.example\n' >short.csv
gone 1 import contacts missing.csv
gone 2 import leads "$FX/contacts_basic.csv"
gone 2 import contacts
gone 2 import "$FX/contacts_basic.csv" contacts
gone 1 import contacts short.csv
gone 1 import activities "$FX/activities.csv"
gone 1 run missing.lua
gone 1 run bad.lua
gone 2 run p.lua --jobs 0
gone 1 move ann@example.com mql --reason "test"
gone 2 move ann@example.com mql
gone 1 set ann@example.com title=CEO --reason "test"
gone 2 s.lua --now never

printf 'error("no")\n' >fail.lua
gone 1 fail.lua
gone 1 script missing.lua
gone 2 improt contacts x.csv
gone 2 export --bogus
# ... while an import that succeeds keeps the database it made,
printf 'email\nann@x.example\n' >one.csv
expect_ok lr --db new.db import contacts one.csv
[ -e new.db ] && pass || fail "a successful import left no database"
# and one that fails on an existing database leaves it as it was.
expect_fail 1 lr --db new.db import contacts missing.csv
[ -e new.db ] && pass || fail "a failing import removed an existing database"
finish
