# The HTML pages as a browser shows them: `report --html` (the dashboard)
# and `backtest --html`.  Each page is rendered by headless Chromium at
# 1400 and 800 px wide (the screenshot must not be blank and must show the
# charts' colours), the browser's DOM must hold the expected number of
# charts, the page must be well-formed HTML5 (tests/report/pagecheck.py:
# a parser and a tag-balance check), and the numbers each chart carries
# (data-values) must be those `--json` of the same command gives.
# Skipped (exit 77) only when Chromium is not installed.
. "$LR_SRC/tests/cli/lib.sh"
R="$LR_SRC/tests/report" B="$LR_SRC/tests/backtest"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "skipped: chromium is not installed (scripts/setup --browser)"
  exit 77
fi
NOW=2026-11-01
# later NAME SCRIPT ARGS...: the check `python3 SCRIPT ARGS...` exits 0,
# made by checks_now with the others queued, all in one python
# (tests/cli/pybatch.py); the files it reads must not change until then.
LATER=()
later() { LATER+=("$1"); (IFS=$'\t'; echo "$*") >> later.tsv; }
checks_now() { py_results later.tsv "$LR_SRC/tests/cli/pybatch.py" "${LATER[@]}"; LATER=(); }
browse() {    # browse WIDTH ARGS...: headless Chromium, no network
  local w=$1; shift
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$(mktemp -d "$LR_TMP/chrome.XXXXXX")" \
    --window-size="$w,1600" "$@" 2>>chromium.log
}
# page KIND NAME CHARTS COLOURS -- CMD...: write NAME.html and NAME.json
# with CMD, then check both, the DOM and, with COLOURS, screenshots at
# 1400 and 800 px (each page kind gets them once: Chromium is slow).
page() {
  local kind=$1 name=$2 charts=$3 colours=$4; shift 5
  "$@" --html "$name.html" >/dev/null 2>&1 || fail "$name: $* --html"
  "$@" --json > "$name.json" || fail "$name: $* --json"
  later "pagecheck $name" "$R/pagecheck.py" "$kind" "$name.html" "$name.json" "$charts"
  browse 1400 --dump-dom "file://$LR_TMP/$name.html" > "$name.dom.html"
  same "$(grep -o '<svg [^>]*data-chart=' "$name.dom.html" | wc -l)" "$charts" \
    "charts in the DOM of $name"
  [ -n "$colours" ] && for w in 1400 800; do
    browse "$w" --screenshot="$LR_TMP/$name-$w.png" "file://$LR_TMP/$name.html" >/dev/null
    # shellcheck disable=SC2086
    later "pngcheck $name-$w" "$B/pngcheck.py" "$name-$w.png" $colours
  done
}

# The report's fixture: contacts, weeks of stage history, handoffs with
# SLAs, outcomes with amounts; 30 cities, so that --by city folds.
printf 'email\n' | lr import contacts - >/dev/null
cp test.db empty.db
python3 "$R/fixture.py" | sql || fail "loading the fixture"
P="$R/funnel.lua"
page report by_source 8 "2b6cb0:2000 a3bfdf:500" -- \
  lr report --now $NOW --by source --policy "$P" --currency EUR
grep -q '12,000.00 EUR' by_source.html && pass || fail "amounts with separators and currency"
grep -q 'sha256 <code class="hash">[0-9a-f]\{64\}</code>' by_source.html && pass || fail "the policy's hash"
grep -q '<dt>Small samples</dt><dd class="warn">(all): 21 deals' by_source.html && pass || fail "small samples flagged"
grep -q '<table>' by_source.html && fail "tables without --tables" || pass
page report by_city 8 "" -- lr report --now $NOW --by city --policy "$P" --tables
grep -q '>(other)<' by_city.html && pass || fail "cities beyond the top 10 folded into (other)"
same "$(grep -c '<table>' by_city.html)" 6 "the tables with --tables"
page report overall 5 "" -- lr report --now $NOW
# An empty database still makes a valid page with every chart (empty).
lr --db empty.db report --now $NOW --html empty.html >/dev/null || fail "empty report"
lr --db empty.db report --now $NOW --json > empty.json
later "pagecheck empty" "$R/pagecheck.py" report empty.html empty.json 5

# The backtest: ROC, precision/recall and lift, the capacity marked.
rm -f test.db*
printf 'email\n' | lr import contacts - >/dev/null
python3 "$B/dataset.py" sql "$B/contacts.csv" | sql || fail "loading the data set"
page backtest backtest 3 "2b6cb0:300 2f855a:1500 6b46c1:100" -- \
  lr backtest "$B/policy.lua" --outcome converted --now $NOW --capacity 30
grep -q 'class="capacity"' backtest.html && pass || fail "the capacity is marked"
# Warnings: a rule that reads the outcome separates it perfectly ...
cat > leaky.lua <<'EOF'
stages { "lead", "mql" }
rule "peek" { points = 50, when = function(l)
  local v = tostring(l.converted or ""):lower()
  return v == "1" or v == "yes" or v == "true" or v == "won" end }
EOF
page backtest leaky 3 "" -- lr backtest leaky.lua --outcome converted --now $NOW
expect_ok lr backtest leaky.lua --outcome converted --now $NOW
contains "WARNING    rule 'peek' alone separates the outcome almost perfectly: 100.0% of the contacts it fires on converted"
# ... and fewer than 30 of either outcome is too few to measure.
sql "DELETE FROM contacts WHERE id > 40"
page backtest small 3 "" -- lr backtest "$B/policy.lua" --outcome converted --now $NOW
expect_ok lr backtest "$B/policy.lua" --outcome converted --now $NOW
contains "WARNING    only 11 contacts converted (fewer than 30)"
contains "WARNING    only 22 contacts did not convert (fewer than 30)"
checks_now
finish
