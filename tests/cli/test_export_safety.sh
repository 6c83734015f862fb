# Export safety: in CSV, no cell a spreadsheet would run as a formula
# (leading = + - @ TAB CR) in any column kind -- imported text, mixed
# columns, the header, engine columns (stage, owner, grade) -- while
# numbers stay numbers; --raw leaves cells alone.  In JSON (export --json,
# run --json) control characters and invalid UTF-8 are escaped: the output
# is strict JSON in valid UTF-8.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"

# Every kind of formula-looking cell, in text, number and mixed columns.
python3 - <<'PY' > cells.csv
rows = [
  ["email", "=HYPERLINK(\"http://x\")", "+Phone", "-Note", "@Tag", "Num", "Real", "Mixed"],
  ["a@x.example", "=1+2", "+1 555 0100", "-5 apples", "@SUM(A1)", "-5", "-2.5", "-7"],
  ["b@x.example", "\tTAB", "\rCR", "-", "@", "0", "1e300", "=cmd|' /C calc'!A0"],
  ["c@x.example", "plain", "12", "- dash", "x@y", "42", "-0.5", "-1.5e-3"],
]
def cell(s):
    if any(ch in s for ch in ',"\r\n') or s[:1] in ' \t':
        return '"' + s.replace('"', '""') + '"'
    return s
for r in rows:
    print(",".join(cell(c) for c in r), end="\r\n")
PY
expect_ok lr import contacts cells.csv
# Engine columns set by hand (a CRM could hold anything there).
sql "UPDATE contacts SET stage='=stage', owner='@owner', grade='+A', score=-12.5 WHERE key='a@x.example'"
sql "UPDATE contacts SET owner=char(9)||'tab', grade='-' WHERE key='b@x.example'"

# check_csv FILE: every cell safe; '-' only as a number.
check_csv() {
  python3 - "$1" <<'PY'
import csv, math, sys
bad = []
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for r, row in enumerate(csv.reader(f)):
        for c, v in enumerate(row):
            if v[:1] in ("=", "+", "@", "\t", "\r"):
                bad.append((r, c, v))
            elif v[:1] == "-":
                try:
                    ok = math.isfinite(float(v))
                except ValueError:
                    ok = False
                if not ok:
                    bad.append((r, c, v))
for b in bad:
    print("unsafe cell row %d col %d: %r" % b)
sys.exit(1 if bad else 0)
PY
}
lr export > out.csv && pass || fail "export"
OUT=$(check_csv out.csv 2>&1) && pass || fail "$OUT"
# The values themselves: a ' in front of text, numbers untouched.
python3 - out.csv <<'PY' > cells.txt
import csv, sys
for row in csv.reader(open(sys.argv[1], newline="", encoding="utf-8")):
    print("|".join(row))
PY
OUT=$(cat cells.txt)
contains "'=HYPERLINK(\"http://x\")|'+Phone|'-Note|'@Tag|Num|Real|Mixed|stage|owner|score|grade"
contains "a@x.example|'=1+2|'+1 555 0100|'-5 apples|'@SUM(A1)|-5|-2.5|-7|'=stage|'@owner|-12.5|'+A"
contains "b@x.example|'"$'\t'"TAB|'"$'\r'"CR|'-|'@|0|1e300|'=cmd|' /C calc'!A0||'"$'\t'"tab|0|'-"
contains "c@x.example|plain|12|'- dash|x@y|42|-0.5|'-1.5e-3|||0|"
# Types are per cell: -7 is stored as an integer (a number: untouched),
# -1.5e-3 does not print back the same as a number, so it stays text (and
# is neutralised); 1e300 likewise.
same "$(sql "SELECT group_concat(typeof(mixed)) FROM (SELECT mixed FROM contacts ORDER BY id LIMIT 3)")" "integer,text,text"
same "$(sql "SELECT typeof(real) FROM contacts WHERE key='b@x.example'")" text
# --raw: as stored.
expect_ok lr export --raw --fields Mixed,owner
contains "=cmd|' /C calc'!A0"
contains "@owner"

# JSON: control characters (incl. NUL inside SQLite text) and invalid
# UTF-8 of every kind, in a field, the key and an owner.
sql "INSERT INTO contacts(key, email, mixed, owner) VALUES
  ('ctl' || char(1) || char(31) || char(127) || '@x.example', 'ctl@x.example',
   'a' || char(0) || 'b' || char(10) || char(13) || char(9) || '\"\\', 'o' || char(8)),
  (CAST(X'6261647FFF40782E6578616D706C65' AS TEXT), 'bad@x.example',
   CAST(X'C0AF' || X'EDA080' || X'E282' || X'F4908080' || X'F8' AS TEXT), 'ok')"
lr export --json > out.json && pass || fail "export --json"
python3 - out.json <<'PY' && pass || fail "export --json is not strict JSON in UTF-8"
import json, sys
data = open(sys.argv[1], "rb").read()
text = data.decode("utf-8")                 # strict: valid UTF-8 only
rows = json.loads(text, strict=True)        # strict: no raw control chars
assert any(r["owner"] == "o\b" and r["Mixed"] == 'a\x00b\n\r\t"\\'
           for r in rows), rows
assert any(r["Mixed"] == "\ufffd" * 12 for r in rows), rows  # one per bad byte
PY
# The same contacts through `run --json` (keys in the change list).
sql "UPDATE contacts SET stage=NULL"
cat > p.lua <<'LUA'
stages { "subscriber", "lead" }
rule "any" { points = 1, when = function(lead) return true end }
LUA
OUT=$(lr run p.lua --dry-run --json --now 2026-11-01 2>&1)
python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode("utf-8"), strict=True)' <<<"$OUT" &&
  pass || fail "run --dry-run --json is not strict JSON: ${OUT:0:300}"
contains '"key": "ctl\u0001\u001f\u007f@x.example"'
contains '"key": "bad\u007f\ufffd@x.example"'
finish
