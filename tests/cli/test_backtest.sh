# leadrules backtest: figures checked against tests/backtest/reference.py,
# an independent computation on the same hand-made data; golden text;
# nothing written; threads give the same figures; errors.
. "$LR_SRC/tests/cli/lib.sh"
B="$LR_SRC/tests/backtest"
G="$LR_SRC/tests/cli/golden"
golden() { same "$OUT" "$(cat "$G/$1")" "(golden $1)"; diff <(echo "$OUT") "$G/$1" >&2; }
NOW=2026-11-01
cp "$B/policy.lua" policy.lua

# An empty database: nothing to measure, said plainly.
printf 'email\n' | lr import contacts - >/dev/null   # an empty database
expect_ok lr backtest policy.lua --now $NOW
contains "0 evaluated, 0 with an outcome, 0 without"
contains "ROC AUC    n/a"
contains "No contact has an outcome: nothing to measure."

python3 "$B/dataset.py" sql "$B/contacts.csv" | sql || fail "loading the data set"
python3 "$B/dataset.py" scored "$B/contacts.csv" column > scored_column.csv
python3 "$B/dataset.py" scored "$B/contacts.csv" table > scored_table.csv

# The outcome column (mixed 0/1, yes/no, TRUE, won/lost, junk, NULL).
python3 "$B/reference.py" scored_column.csv --capacity 30 > want.json
expect_ok lr backtest policy.lua --outcome Converted --now $NOW --capacity 30 --json
echo "$OUT" > got.json
expect_ok python3 "$B/compare.py" want.json got.json
same "$(python3 -c 'import json; print(json.load(open("got.json"))["auc"])')" 0.7494654312188168

# The outcomes table (latest outcome per contact; several contacts have two).
python3 "$B/reference.py" scored_table.csv --capacity 12 > want2.json
expect_ok lr backtest policy.lua --now $NOW --capacity 12 --json
echo "$OUT" > got2.json
expect_ok python3 "$B/compare.py" want2.json got2.json

# Text for people.
expect_ok lr backtest policy.lua --outcome converted --now $NOW --capacity 30
golden backtest_column.txt
expect_ok lr backtest policy.lua --now $NOW
golden backtest_outcomes.txt

# Nothing is written.
sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
before=$(db_digest)
expect_ok lr backtest policy.lua --now $NOW --html report.html
same "$(db_digest)" "$before" "backtest changed the database"
same "$(sql 'SELECT count(*) FROM runs')" 0
same "$(sql 'SELECT count(*) FROM contacts WHERE stage IS NOT NULL OR score != 0')" 0

# Threads: ids spread over many chunks, same figures with 1 or 4 jobs.
cp test.db spread.db
sqlite3 spread.db "UPDATE contacts SET id = id * 997 + 3; UPDATE outcomes SET contact_id = contact_id * 997 + 3"
one=$(lr --db spread.db backtest policy.lua --now $NOW --capacity 12 --json --jobs 1)
four=$(lr --db spread.db backtest policy.lua --now $NOW --capacity 12 --json --jobs 4)
same "$one" "$four" "--jobs 4 differs from --jobs 1"
same "$one" "$(cat got2.json)" "spread ids changed the figures"

# The HTML report: one file, nothing fetched, charts inline.
expect_ok lr backtest policy.lua --outcome converted --now $NOW --html out.html
contains "HTML report: out.html"
head -c 15 out.html | grep -q '<!DOCTYPE html>' && pass || fail "out.html is not HTML"
grep -q '<svg class="chart" id="roc"' out.html && pass || fail "no ROC chart"
grep -q '<svg class="chart" id="lift"' out.html && pass || fail "no lift chart"
grep -Eiq '<script|<link|<img|src=|href=|@import|url\(' out.html && fail "out.html refers to something outside it" || pass
# With --json the path goes to stderr, stdout stays JSON.
lr backtest policy.lua --now $NOW --json --html out2.html 2>err.txt | python3 -c 'import json,sys; json.load(sys.stdin)' && pass || fail "--json --html: stdout is not JSON"
grep -q "HTML report: out2.html" err.txt && pass || fail "--json --html: path not on stderr"

# A policy that reads the outcome it is measured against is called out.
cat > leak.lua <<'LUA'
stages { "lead" }
rule "cheat" { points = 5, when = function(l) return l.converted == 1 end }
LUA
expect_ok lr backtest leak.lua --outcome converted --now $NOW
contains "WARNING    the policy reads 'converted', the outcome being measured: these figures overstate it"
expect_ok lr backtest policy.lua --outcome converted --now $NOW --json
contains '"warning": null'
sed -i 's/l.converted == 1/l:outcome() == "won"/' leak.lua
expect_ok lr backtest leak.lua --now $NOW
contains "WARNING    the policy calls lead:outcome()"

# Errors.
expect_fail 1 lr backtest policy.lua --outcome nosuch
contains "backtest: no contact field 'nosuch' for the outcome"
expect_fail 2 lr backtest
contains "which policy?"
expect_fail 2 lr backtest policy.lua --capacity -3
contains "--capacity needs a number of calls"
expect_fail 2 lr backtest policy.lua --bogus
contains "unknown option '--bogus'"
cat > broken.lua <<'LUA'
stages { "lead", "mql" }
rule "typo" { points = 1, when = function(l) return l.nosuch == 1 end }
LUA
expect_fail 1 lr backtest broken.lua --now $NOW
contains "broken.lua:2: contact c001: unknown field 'lead.nosuch'"
expect_fail 1 lr backtest policy.lua --now $NOW --html /nonexistent/dir/x.html
contains "/nonexistent/dir/x.html: cannot write"
finish
