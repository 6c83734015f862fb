# leadrules report: every figure checked against tests/report/reference.py
# (plain SELECTs and Python loops) on a generated fixture, for each way of
# splitting, with --since and with a policy's stage order; golden text;
# HTML; read-only; errors.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/report/lib.sh"         # want_ref, want_refs
R="$LR_SRC/tests/report"
G="$LR_SRC/tests/cli/golden"
golden() { same "$OUT" "$(cat "$G/$1")" "(golden $1)"; diff <(echo "$OUT") "$G/$1" >&2; }
NOW=2026-11-01 NOW_S=1793491200 SINCE=2026-10-05 SINCE_S=1791158400

# An empty database: every section says so.
printf 'email\n' | lr import contacts - >/dev/null
expect_ok lr report --now $NOW
contains "(all)      0"
contains "Outcomes"
lacks "Grade x engagement"

python3 "$R/fixture.py" | sql || fail "loading the fixture"
cp test.db report.db
sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
before=$(db_digest)

check() {    # check NAME [report options] -- [reference options]
  local name=$1; shift
  local mine=() ref=()
  while [ "$1" != -- ]; do mine+=("$1"); shift; done; shift
  ref=("$@")
  lr report --now $NOW --json "${mine[@]}" > "got_$name.json" || fail "report $name"
  want_ref "$name" test.db --now $NOW_S "${ref[@]}"
}
check all --
check source --by source -- --by source
check owner --by owner -- --by owner
check stage --by stage -- --by stage
check segment --by segment -- --by segment
check city --by city -- --by city           # 30 cities: 25 kept, (other)
check since --by source --since $SINCE -- --by source --since $SINCE_S
check since_days --since 27d -- --since $SINCE_S
check policy --by segment --policy "$R/funnel.lua" -- --by segment \
  --stages subscriber,lead,mql,sql,opportunity,nurture,customer 5
# A history over more than 26 weeks: the trends go by month.
cp test.db long.db
sqlite3 long.db "UPDATE stage_history SET at = at - 300 * 86400 WHERE id % 5 = 0; UPDATE assignments SET at = at - 200 * 86400 WHERE id % 3 = 0"
lr --db long.db report --now $NOW --json --by source > got_long.json || fail "report long"
want_ref long long.db --now $NOW_S --by source
want_refs
grep -q '"trend": {"bucket": "month"' got_long.json && pass || fail "no monthly trend"
grep -q '"(other)"' got_city.json && pass || fail "no (other) group for city"
same "$(python3 -c 'import json; print(len(json.load(open("got_city.json"))["groups"]))')" 27

# Text for people.
expect_ok lr --db test.db report --now $NOW --by source
golden report_source.txt
expect_ok lr --db test.db report --now $NOW --policy "$R/funnel.lua" --since $SINCE
golden report_policy.txt

# HTML: one file, the dashboard's charts (tests/cli/test_report_html.sh
# renders them), the tables with --tables; stdout keeps the text.
expect_ok lr report --now $NOW --by owner --html report.html
contains "HTML report: report.html"
contains "Funnel: contacts by current stage"
grep -q '<svg class="chart" id="funnel"' report.html && pass || fail "no funnel chart"
same "$(grep -o 'data-chart="[a-z]*"' report.html | tr '\n' ' ')" \
  'data-chart="funnel" data-chart="time" data-chart="owners" data-chart="close" data-chart="sale" data-chart="trend" data-chart="handoffs" '
same "$(grep -c '<table>' report.html)" 0
expect_ok lr report --now $NOW --by owner --html report.html --tables
same "$(grep -c '<table>' report.html)" 6
grep -Eiq '<script|<link|<img|src=|href=|@import|url\(' report.html && fail "report.html refers to something outside it" || pass

same "$(db_digest)" "$before" "report changed the database"

# Errors.
expect_fail 1 lr report --by nosuch
contains "report: no field 'nosuch' to split by (use segment or one of: "
contains "city"
expect_fail 2 lr report --since soon
contains "--since: cannot read 'soon'"
expect_fail 2 lr report extra
contains "unexpected argument 'extra'"
expect_fail 1 lr report --policy missing.lua
contains "missing.lua: cannot open policy"
finish
