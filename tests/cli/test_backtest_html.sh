# The backtest's HTML report rendered in a real browser (headless
# Chromium): the ROC curve and the lift bars are in the DOM with their
# points, and the screenshot shows them (not a blank page).
# Chromium is required; LR_NO_BROWSER=1 skips this test on purpose.
. "$LR_SRC/tests/cli/lib.sh"
B="$LR_SRC/tests/backtest"
if [ "${LR_NO_BROWSER:-}" = 1 ]; then
  echo "skipped: LR_NO_BROWSER=1"
  finish
fi
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "FAIL: chromium is not installed; the HTML report must be checked in a" >&2
  echo "real browser (apt-get install chromium, or scripts/setup); set" >&2
  echo "LR_NO_BROWSER=1 to skip this test deliberately" >&2
  exit 1
fi
browse() {
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$LR_TMP/chrome.XXXXXX")" --window-size=1100,1500 "$@" \
    2>>chromium.log
}

cp "$B/policy.lua" policy.lua
printf 'email\n' | lr import contacts - >/dev/null   # an empty database
python3 "$B/dataset.py" sql "$B/contacts.csv" | sql || fail "loading the data set"
expect_ok lr backtest policy.lua --outcome converted --now 2026-11-01 --capacity 30 --html report.html
contains "HTML report: report.html"

# The DOM as the browser built it.
browse --dump-dom "file://$LR_TMP/report.html" > dom.html
python3 - dom.html <<'PY' && pass || fail "the charts are not in the DOM (see above)"
import re, sys
dom = open(sys.argv[1]).read()
ok = True
def check(cond, what):
    global ok
    print(("ok: " if cond else "FAIL: ") + what)
    ok &= bool(cond)
check("<title>Backtest of policy.lua</title>" in dom, "the page loaded")
roc = re.search(r'<svg class="chart" id="roc".*?</svg>', dom, re.S)
check(roc, "ROC svg")
line = roc and re.search(r'<polyline class="roc" points="([^"]+)"', roc.group(0))
pts = [tuple(map(float, p.split(","))) for p in line.group(1).split()] if line else []
check(len(pts) >= 20, f"ROC polyline with points ({len(pts)})")
check(pts and pts[0] == (50.0, 316.0) and pts[-1] == (350.0, 16.0),
      "ROC runs from (0,0) to (1,1)")
check(all(a[0] <= b[0] and a[1] >= b[1] for a, b in zip(pts, pts[1:])),
      "ROC is monotone")
check(roc and re.search(r'<path d="M[0-9., L]+Z"', roc.group(0)), "area under the ROC")
lift = re.search(r'<svg class="chart" id="lift".*?</svg>', dom, re.S)
bars = re.findall(r'<rect class="bar" [^>]*height="([0-9.]+)"', lift.group(0)) if lift else []
check(len(bars) == 10 and all(float(h) > 0 for h in bars), f"10 lift bars drawn ({len(bars)})")
check(dom.count("<table>") == 4, "decile, stage, rule and threshold tables")
sys.exit(0 if ok else 1)
PY

# What the browser painted: the ROC stroke and the green and red bars.
browse --screenshot="$LR_TMP/shot.png" "file://$LR_TMP/report.html" >/dev/null
[ -s shot.png ] && pass || fail "no screenshot"
expect_ok python3 "$B/pngcheck.py" shot.png 2b6cb0:300 2f855a:2000 c53030:2000
echo "$OUT"
finish
