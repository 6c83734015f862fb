# leadrules diff: every figure checked against what real runs of the two
# policies write (tests/diff/reference.py reads them back with SQL);
# golden text; nothing written; errors.
. "$LR_SRC/tests/cli/lib.sh"
B="$LR_SRC/tests/backtest"
D="$LR_SRC/tests/diff"
G="$LR_SRC/tests/cli/golden"
golden() { same "$OUT" "$(cat "$G/$1")" "(golden $1)"; diff <(echo "$OUT") "$G/$1" >&2; }
NOW=2026-11-01
cp "$D/old.lua" "$D/new.lua" .

# No contacts: an empty diff that still compares the rules.
printf 'email\n' | lr import contacts - >/dev/null
expect_ok lr diff old.lua new.lua --now $NOW
contains "0 evaluated: 0 score changes"
contains "fresh        added            -          0"

python3 "$B/dataset.py" sql "$B/contacts.csv" | sql || fail "loading the data set"

# Against real runs, from unstaged contacts and again from staged ones.
check_against_runs() {
  sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
  before=$(db_digest)
  expect_ok lr diff old.lua new.lua --now "$1" --top 7 --stage-changes all --json
  echo "$OUT" > diff.json
  same "$(db_digest)" "$before" "diff changed the database"
  cp test.db a.db; cp test.db b.db
  lr --db a.db run old.lua --now "$1" >/dev/null || fail "run old"
  lr --db b.db run new.lua --now "$1" >/dev/null || fail "run new"
  expect_ok python3 "$D/reference.py" a.db b.db diff.json 7
  echo "$OUT"
}
check_against_runs $NOW
lr run old.lua --now $NOW >/dev/null
sql "UPDATE contacts SET visits = visits + 3 WHERE id % 3 = 0"
check_against_runs 2026-11-08

# Text for people (unstaged contacts).
sql "UPDATE contacts SET stage = NULL, score = 0, owner = NULL, grade = NULL, scores = NULL; DELETE FROM score_parts; DELETE FROM segment_members"
sql "UPDATE contacts SET visits = visits - 3 WHERE id % 3 = 0"
expect_ok lr diff old.lua new.lua --now $NOW --top 5
golden diff.txt

# The list of stage changes: capped in id order, and says so.
expect_ok lr diff old.lua new.lua --now $NOW --stage-changes 2
contains "Contacts that change stage (27; the first 2 by id;"
contains "c001     mql        sql               19         24  old: lead->mql; new: mql->sql; rules: b 5 -> 8, half visits 6 -> 3, fresh 0 -> 3"
expect_ok lr diff old.lua new.lua --now $NOW --stage-changes 2 --json
same "$(echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["stage_changes"], j["stage_changes_listed"], [c["key"] for c in j["stage_change_list"]])')" "27 2 ['c001', 'c004']"
expect_fail 2 lr diff old.lua new.lua --stage-changes 0
contains "--stage-changes needs a number of contacts, or all"

# Threads: ids spread over many chunks give the same report with 1 or 3.
cp test.db spread.db
sqlite3 spread.db "UPDATE contacts SET id = id * 997 + 3"
one=$(lr --db spread.db diff old.lua new.lua --now $NOW --jobs 1 --json)
three=$(lr --db spread.db diff old.lua new.lua --now $NOW --jobs 3 --json)
same "$one" "$three" "--jobs 3 differs from --jobs 1"
same "$(lr --db spread.db diff old.lua new.lua --now $NOW --top 5 --jobs 3)" "$(cat "$G/diff.txt")" "spread ids, 3 jobs"

# A policy against itself: nothing changes.
expect_ok lr diff old.lua old.lua --now $NOW
contains "120 evaluated: 0 score changes (0 up, 0 down), 0 stage changes"
contains "(no score changes)"
lacks "changed "

# Errors.
expect_fail 2 lr diff old.lua
contains "give two policies: OLD.lua NEW.lua"
expect_fail 2 lr diff old.lua new.lua --top 0
contains "--top needs a number of contacts"
expect_fail 1 lr diff old.lua missing.lua
contains "missing.lua: cannot open policy"
cat > broken.lua <<'LUA'
stages { "lead", "mql" }
rule "typo" { points = 1, when = function(l) return l.nosuch == 1 end }
LUA
expect_fail 1 lr diff old.lua broken.lua --now $NOW
contains "broken.lua:2: contact c001: unknown field 'lead.nosuch'"
finish
