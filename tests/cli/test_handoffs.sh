# CLI tests of `leadrules handoffs`, `run --json`'s lists and export's
# --sort/--desc/--epoch and grade columns, on a real database file.
. "$LR_SRC/tests/cli/lib.sh"

cat > contacts.csv <<'EOF'
email,First Name,Last Name,Company,Title,Company Size,Created
ann@x.example,Ann,Lee,"=HYPERLINK(""http://evil"")",VP Sales,500,2026-01-05
bo@x.example,Bo,Ng,Bolt,Engineer,20,2026-02-01
cy@x.example,Cy,Oh,Cyan,VP Marketing,30,2026-03-10
dee@x.example,Dee,Park,Deli,Intern,5,2026-04-20
EOF
cat > policy.lua <<'EOF'
stages { "lead", "mql", "sql" }
rule "vp" { group = "fit", points = 50, when = function(lead)
  return (lead.title or ""):find("VP") ~= nil end }
rule "big" { group = "size", points = 10, when = function(lead)
  return (lead.company_size or 0) >= 100 end }
grade "fit" { A = 50, B = 10, C = 0 }
grade "size" { large = 10, small = 0 }
transition { from = "lead", to = "mql", when = function(lead)
  return lead.score >= 50 end }
transition { from = "mql", to = "sql", reason = "VP: call today",
  when = function(lead) return lead.score >= 50 end }
handoff { stage = "sql", due = "1d",
  assign = round_robin { "ana@corp.example", "ben@corp.example" } }
EOF
lr import contacts contacts.csv --map Created=created_at >/dev/null

# run --json lists the moves and handoffs, bounded by --limit
expect_ok lr run policy.lua --now 2026-11-01 --json --limit 2
contains '"moves": 8,'
contains '"moves_listed": 2,'
contains '"handoffs": 2,'
contains '"handoffs_listed": 2,'
contains '{"key": "ann@x.example", "from": null, "to": "lead", "transition": null, "reason": "initial stage"}'
contains '{"key": "ann@x.example", "stage": "sql", "owner": "ana@corp.example", "assigned_at": "2026-11-01T00:00:00Z", "due_at": "2026-11-02T00:00:00Z"}'
contains '{"key": "cy@x.example", "stage": "sql", "owner": "ben@corp.example"'

# every grade stored, exported as grade_NAME; times as ISO-8601
same "$(sql "SELECT grades FROM contacts WHERE key='ann@x.example'")" '{"fit":"A","size":"large"}'
expect_ok lr export --fields email,score,grade,grade_fit,grade_size,created_at,due_at --sort score --desc
same "$OUT" "$(printf 'email,score,grade,grade_fit,grade_size,Created,due_at\r\nann@x.example,60,A,A,large,2026-01-05T00:00:00Z,2026-11-02T00:00:00Z\r\ncy@x.example,50,A,A,small,2026-03-10T00:00:00Z,2026-11-02T00:00:00Z\r\nbo@x.example,0,C,C,small,2026-02-01T00:00:00Z,\r\ndee@x.example,0,C,C,small,2026-04-20T00:00:00Z,\r')"
expect_ok lr export --fields email,created_at --sort Created --epoch --json --field-names
same "$OUT" "$(printf '[\n{"email":"ann@x.example","created_at":1767571200},\n{"email":"bo@x.example","created_at":1769904000},\n{"email":"cy@x.example","created_at":1773100800},\n{"email":"dee@x.example","created_at":1776643200}\n]')"
expect_ok lr export
contains 'stage,owner,score,grade,grade_fit,grade_size'
# scripts read every stored grade
printf 'for lead in leads{ stage = "sql" } do\n  print(lead.key, lead.grade, lead.grades.fit, lead.grades.size, lead.grades.nope)\nend\n' > grades.lua
expect_ok lr grades.lua
same "$OUT" "$(printf 'ann@x.example\tA\tA\tlarge\tnil\ncy@x.example\tA\tA\tsmall\tnil')"
expect_fail 2 lr export --desc
contains "--desc needs --sort"
expect_fail 1 lr export --sort scroe
contains "--sort: no field 'scroe'"

# the list sales works from: newest first, with the reason and a cursor
expect_ok lr handoffs
contains "2026-11-01T00:00:00Z ben@corp.example sql cy@x.example (Cy Oh, Cyan) score 50 grade A due 2026-11-02T00:00:00Z: VP: call today [cursor 2]"
contains "2 handoffs; cursor 2 (next time: --after 2)"
first=$(lr handoffs | head -1)
case "$first" in *cy@x.example*) pass ;; *) fail "newest first: $first" ;; esac

# a lead that has moved on since its handoff shows where it is now
moved=$(db_copy moved)
expect_ok lr --db "$moved" move cy@x.example mql --reason "not now" --now 2026-11-01T01:00:00Z
expect_ok lr --db "$moved" handoffs
contains "ben@corp.example sql (now mql) cy@x.example (Cy Oh, Cyan)"
contains "ana@corp.example sql ann@x.example (Ann Lee,"

# CSV for spreadsheets: formula-like cells neutralised; JSON never altered
expect_ok lr handoffs --csv --owner ana@corp.example
same "$OUT" "$(printf 'cursor,key,name,company,stage,current_stage,score,grade,owner,assigned_at,due_at,reason,run\r\n1,ann@x.example,Ann Lee,"'"'"'=HYPERLINK(""http://evil"")",sql,sql,60,A,ana@corp.example,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,VP: call today,1\r')"
expect_ok lr handoffs --csv --raw --owner ana@corp.example
contains ',"=HYPERLINK(""http://evil"")",'
expect_ok lr handoffs --json --stage sql
contains '"company": "=HYPERLINK(\"http://evil\")"'
contains '"count": 2,'
contains '"cursor": 2'
expect_ok lr handoffs --json --epoch --owner ben@corp.example
contains '"assigned_at": 1793491200, "due_at": 1793577600'

# a sync: --after the cursor takes only what is new, each handoff once
expect_ok lr handoffs --json --after 2
contains '"count": 0,'
contains '"cursor": 2'
printf 'email,Title\neve@x.example,VP Ops\n' > more.csv
lr import contacts more.csv >/dev/null
expect_ok lr run policy.lua --now 2026-11-02
expect_ok lr handoffs --json --after 2
contains '"key": "eve@x.example"'
contains '"count": 1,'
contains '"cursor": 3'
lacks 'ann@x.example'
expect_ok lr handoffs --since 2
contains "eve@x.example"
lacks "ann@x.example"
expect_ok lr handoffs --since 2026-11-01T12:00:00Z
contains "1 handoff; cursor 3"
expect_ok lr handoffs --since 2026-11-01
contains "3 handoffs; cursor 3"

# bad filters are refused, naming what exists
expect_fail 1 lr handoffs --owner bob@corp.example
contains "--owner 'bob@corp.example': no handoff or contact has that owner (owners with handoffs: ana@corp.example, ben@corp.example)"
expect_fail 1 lr handoffs --stage SQL
contains "stages with handoffs: sql"
expect_fail 1 lr handoffs --since 9
contains "no run #9 (runs are #1 to #3"
expect_fail 2 lr handoffs --since yesterday
contains "--since needs a run number or a time"
expect_fail 1 lr handoffs --after 99
contains "--after 99: no handoff has that cursor (the highest is 3)"
expect_fail 2 lr handoffs --after -1
expect_fail 2 lr handoffs --json --csv
expect_fail 2 lr handoffs --raw
expect_fail 2 lr handoffs extra
expect_ok lr handoffs --help
contains "usage: leadrules handoffs"
# it only reads
before=$(sql "SELECT count(*) FROM runs")
lr handoffs >/dev/null
same "$(sql "SELECT count(*) FROM runs")" "$before"
# The embedding example of docs/embedding.md compiles as pasted and reads
# this database: the contact's grades and scores, the handoffs after a
# cursor, and the cursor to store.
awk '/compiled and run by tests\/cli\/test_handoffs.sh/ { on = 1; next }
     on && /^```c/ { body = 1; next }
     body && /^```/ { exit }
     body { print }' "$LR_SRC/docs/embedding.md" > sync.c
[ -s sync.c ] && pass || fail "no example in docs/embedding.md"
san=""
if nm -D "$LR_BUILD/libleadrules.so" 2>/dev/null | grep -q __asan_init; then
  san="-fsanitize=address,undefined"
fi
if cc -Wall -Wextra -Werror $san -I"$LR_SRC/src" sync.c -o sync \
     -L"$LR_BUILD" -lleadrules -Wl,-rpath,"$LR_BUILD" 2>cc.err; then
  pass
  expect_ok ./sync "$LEADRULES_DB" ann@x.example 1
  contains "ann@x.example: sql, score 60, owner ana@corp.example"
  contains "  grade fit = A"
  contains "  grade size = large"
  contains "  score size = 10"
  contains "3 eve@x.example -> ana@corp.example (sql), due 1793664000"
  contains "2 cy@x.example -> ben@corp.example (sql), due 1793577600"
  lacks "1 ann@x.example ->"
  contains "store cursor 3 for the next sync"
  expect_fail 1 ./sync "$LEADRULES_DB" nobody@x.example 0
  contains "no contact with key 'nobody@x.example'"
else
  fail "docs/embedding.md example does not compile: $(cat cc.err)"
fi
finish
