# leadrules ingest: NDJSON and CSV events applied in batches, decisions as
# JSON lines equal to what `run` makes, bad lines named FILE:LINE (the
# batch rolled back, earlier batches kept and said so), --rejects setting
# bad lines aside with the rest applied, a policy error rolling its batch
# back, usage errors.
. "$LR_SRC/tests/cli/lib.sh"
FIX="$LR_SRC/tests/fixtures/realtime"
NOW=2026-11-01T00:00:00Z
cp "$FIX/policy.lua" policy.lua
lr import contacts "$FIX/contacts.csv" >/dev/null || fail "import"
lr run policy.lua --now $NOW >/dev/null || fail "run"
digest() { sqlite3 "${1:-test.db}" .dump | sha256sum | cut -c1-16; }

cat > events.ndjson <<'EOF'
{"contact": "Ann@Example.com", "type": "demo_request", "at": "2026-10-31T12:00:00Z"}

{"contact": "bob@example.com", "type": "email_open", "at": 1793404800, "campaign": "fall"}
{"contact": "eve@example.com", "type": "demo_request", "create": {"title": "VP Ops", "company_size": 2000}}
{"contact": "carol@example.com", "type": "page_view", "value": 3}
EOF
cp test.db before.db
expect_ok lr ingest policy.lua events.ndjson --json --now $NOW --batch 2
contains '{"kind":"move","key":"ann@example.com","from":"mql","to":"sql"'
contains '"kind":"handoff","key":"ann@example.com","stage":"sql","owner":"ana@corp.example"'
contains '"key":"eve@example.com"'
contains "ingested 4 events in 2 batches"
same "$(sql "SELECT count(*) FROM activities")" 4
same "$(sql "SELECT campaign FROM activities WHERE type='email_open'")" fall
same "$(sql "SELECT value FROM activities WHERE type='page_view'")" 3.0
same "$(sql "SELECT count(*) FROM outbox")" \
     "$(sql "SELECT (SELECT count(*) FROM stage_history) + (SELECT count(*) FROM assignments)")"

# The same events as an activities import and one run: the same state.
cp before.db twin.db
cat > acts.csv <<'EOF'
email,type,occurred_at,value,campaign
ann@example.com,demo_request,2026-10-31T12:00:00Z,,
bob@example.com,email_open,1793404800,,fall
carol@example.com,page_view,2026-11-01T00:00:00Z,3,
EOF
"$LEADRULES" --db twin.db import activities acts.csv >/dev/null
"$LEADRULES" --db twin.db run policy.lua --now $NOW >/dev/null
q="SELECT key, stage, score, grade, grades, scores, owner, due_at, stage_since FROM contacts WHERE key <> 'eve@example.com' ORDER BY key"
same "$(sqlite3 twin.db "$q")" "$(sql "$q")" "ingest and run disagree"
h="SELECT c.key, h.from_stage, h.to_stage, h.transition, h.at FROM stage_history h JOIN contacts c ON c.id = h.contact_id WHERE c.key <> 'eve@example.com' ORDER BY c.key, h.id"
same "$(sqlite3 twin.db "$h")" "$(sql "$h")" "history differs from run's"
# ... and the same outbox rows: a batch run's payloads are an event's
o="SELECT kind, key, json_remove(payload, '\$.run') FROM outbox WHERE run_id > 1 AND key <> 'eve@example.com' ORDER BY key, id"
same "$(sqlite3 twin.db "$o")" "$(sql "$o")" "outbox differs from run's"
[ -n "$(sql "$o")" ] && pass || fail "no outbox rows from the events"

# CSV: a header, then one event a line.
printf 'contact,type,at,value\nbob@example.com,webinar,2026-10-30,\ndan@example.com,email_open,,2\n' > events.csv
expect_ok lr ingest policy.lua events.csv --format csv --now $NOW
contains "ingested 2 events in 1 batch:"
same "$(sql "SELECT count(*) FROM activities WHERE type IN ('webinar','email_open')")" 3
printf 'contact,kind\nbob@example.com,x\n' > badhead.csv
expect_fail 1 lr ingest policy.lua badhead.csv --format csv
contains "badhead.csv:1: column 'kind': not a column of events"
# A column named twice is refused (the first would have been dropped, and
# a bad byte in it reported under no name).
printf 'contact,type,contact\nx\xff,email_open,bob@example.com\n' > twice.csv
expect_fail 1 lr ingest policy.lua twice.csv --format csv
contains "twice.csv:1: column 'contact' appears twice"
# A quoted cell may hold newlines ("" is a quote): one event, named by
# its first line; one never closed is an error naming where it opened.
printf 'contact,campaign,type\nbob@example.com,"spring\r\nlaunch ""big""",quoted_nl\ndan@example.com,plain,quoted_nl\n' > nl.csv
expect_ok lr ingest policy.lua nl.csv --format csv --now $NOW
contains "ingested 2 events in 1 batch:"
same "$(sql "SELECT campaign FROM activities WHERE type = 'quoted_nl' ORDER BY id")" 'spring
launch "big"
plain' "campaigns with a newline and quotes"
printf 'contact,type,campaign\nbob@example.com,quoted_nl,"open\ndan@example.com,quoted_nl,x\n' > open.csv
expect_fail 1 lr ingest policy.lua open.csv --format csv --now $NOW
contains "open.csv:2: a quoted cell is not closed before the end of the file"
same "$(sql "SELECT count(*) FROM activities WHERE type = 'quoted_nl'")" 2 "nothing of open.csv applied"
printf 'contact,type,campaign\nnobody@example.com,quoted_nl,"two\nlines"\ndan@example.com,quoted_nl,after\n' > rej.csv
expect_ok lr ingest policy.lua rej.csv --format csv --now $NOW --rejects nl-rejects.jsonl
OUT=$(cat nl-rejects.jsonl)
contains '{"line":2,'
contains '"text":"nobody@example.com,quoted_nl,\"two\nlines\""'
same "$(sql "SELECT count(*) FROM activities WHERE type = 'quoted_nl'")" 3 "the line after a set-aside quoted record"

# Bad lines: the first stops the ingest; its batch is rolled back; the
# message names FILE:LINE, and what was committed before.
cp test.db good.db
base=$(digest)
printf '%s\n' '{"contact": "bob@example.com", "type": "email_open"}' \
  '{"contact": "bob@example.com", "type": ' > bad1.ndjson
expect_fail 1 lr ingest policy.lua bad1.ndjson --now $NOW
contains "bad1.ndjson:2: malformed JSON at column"
same "$(digest)" "$base" "a bad line changed the database"
printf '%s\n' '{"contact": "bob@example.com", "type": "email_open"}' \
  '{"contact": "nobody@example.com", "type": "email_open"}' > bad2.ndjson
expect_fail 1 lr ingest policy.lua bad2.ndjson --now $NOW
contains "bad2.ndjson:2: no contact with key 'nobody@example.com'"
same "$(digest)" "$base" "an unknown contact changed the database"
printf '%s\n' '{"contact": "bob@example.com", "type": "x", "at": "soon"}' > bad3.ndjson
expect_fail 1 lr ingest policy.lua bad3.ndjson
contains "bad3.ndjson:1: field 'at': cannot read \"soon\" as a time"
printf '%s\n' '{"contact": "bob@example.com", "type": "x", "colour": 1}' > bad4.ndjson
expect_fail 1 lr ingest policy.lua bad4.ndjson
contains "bad4.ndjson:1: unknown field 'colour'"
same "$(digest)" "$base"
# A policy error rolls its batch back and names policy.lua:LINE.
printf '%s\n' '{"contact": "bob@example.com", "type": "email_open"}' \
  '{"contact": "dan@example.com", "type": "boom"}' > boom.ndjson
expect_fail 1 lr ingest policy.lua boom.ndjson --now $NOW
contains "policy.lua:17:"; contains "boom activity"
same "$(digest)" "$base" "a policy error changed the database"
# With --batch 1 the lines before the bad one are committed, and said so.
expect_fail 1 lr ingest policy.lua bad2.ndjson --now $NOW --batch 1
contains "bad2.ndjson:2: no contact"; contains "nothing from line 2 on was applied"
contains "the 1 events before it are committed"
same "$(sql "SELECT count(*) FROM activities")" "$(( $(sqlite3 good.db "SELECT count(*) FROM activities") + 1 ))"

# --rejects: bad lines set aside with their line and reason; the rest in.
cp good.db test.db; rm -f test.db-wal test.db-shm
cat > mixed.ndjson <<'EOF'
{"contact": "bob@example.com", "type": "email_open"}
{"contact": "nobody@example.com", "type": "email_open"}
not json
{"contact": "carol@example.com", "type": "email_open"}
EOF
expect_ok lr ingest policy.lua mixed.ndjson --rejects rejects.jsonl --now $NOW
contains "2 set aside in rejects.jsonl"
same "$(wc -l < rejects.jsonl | tr -d ' ')" 2
OUT=$(cat rejects.jsonl)
contains '"line":2'; contains "mixed.ndjson:2: no contact with key"
contains '"line":3'; contains '"text":"not json"'
same "$(sed -n 's/^{"line":\([0-9]*\),.*/\1/p' rejects.jsonl | tr '\n' ' ')" "2 3 " "rejects in line order"
same "$(sql "SELECT count(*) FROM activities")" "$(( $(sqlite3 good.db "SELECT count(*) FROM activities") + 2 ))"
# --rejects never overwrites an input or the database.
expect_fail 2 lr ingest policy.lua mixed.ndjson --rejects mixed.ndjson
expect_fail 2 lr ingest policy.lua mixed.ndjson --rejects test.db

# notify { when = function(lead, change) }: the policy picks the changes
# that become "notify" rows in the outbox (a score crossing 80 here).
rm -f n.db*
"$LEADRULES" --db n.db import contacts "$FIX/contacts.csv" >/dev/null
cp policy.lua notify.lua
cat >> notify.lua <<'EOF'
notify { when = function(lead, change)
  return change.old_score < 80 and change.score >= 80 and lead.company ~= nil end }
EOF
"$LEADRULES" --db n.db run notify.lua --now $NOW >/dev/null
printf '%s\n' '{"contact": "ann@example.com", "type": "demo_request"}' \
  '{"contact": "bob@example.com", "type": "demo_request"}' > n.ndjson
expect_ok lr --db n.db ingest notify.lua n.ndjson --now $NOW
same "$(sqlite3 n.db "SELECT key FROM outbox WHERE kind='notify'")" ann@example.com
OUT=$(sqlite3 n.db "SELECT payload FROM outbox WHERE kind='notify'")
contains '"old_score":35,"score":85'; contains '"when":"notify.lua:28"'
# An error in `when` is a policy error at its line, and rolls back.
cp policy.lua notify_bad.lua
echo 'notify { when = function(lead, change) return change.nope.x end }' >> notify_bad.lua
n0=$(sqlite3 n.db "SELECT count(*) FROM activities")
echo '{"contact": "carol@example.com", "type": "demo_request"}' > n2.ndjson
expect_fail 1 lr --db n.db ingest notify_bad.lua n2.ndjson --now $NOW
contains "notify_bad.lua:28:"
same "$(sqlite3 n.db "SELECT count(*) FROM activities")" "$n0"
# A batch run writes its notify rows too, after its moves and handoffs:
# carol's demo request arrives by import, and `run` sees her cross 80.
printf 'email,type,occurred_at\ncarol@example.com,demo_request,2026-10-31\n' > n3.csv
"$LEADRULES" --db n.db import activities n3.csv >/dev/null
expect_ok lr --db n.db run notify.lua --now $NOW
same "$(sqlite3 n.db "SELECT group_concat(kind || ':' || key, ' ') FROM outbox WHERE run_id = (SELECT max(id) FROM runs)")" \
     "move:carol@example.com move:carol@example.com handoff:carol@example.com notify:carol@example.com"
OUT=$(sqlite3 n.db "SELECT payload FROM outbox WHERE kind='notify' AND key='carol@example.com'")
contains '"old_score":35,"score":85,"old_stage":"lead","stage":"sql"'
echo 'notify { }' > notify_none.lua
expect_fail 1 lr --db n.db run notify_none.lua
contains "notify_none.lua:1: notify needs 'when'"

# stdin, and usage errors.
echo '{"contact": "dan@example.com", "type": "email_open"}' > one.ndjson
expect_ok sh -c '"$0" ingest policy.lua - --now "$1" < one.ndjson' "$LEADRULES" $NOW
contains "ingested 1 event in 1 batch: 1 contact re-evaluated, "
expect_fail 2 lr ingest
contains "which policy?"
expect_fail 2 lr ingest policy.lua events.ndjson --format xml
contains "--format needs ndjson or csv"
expect_fail 2 lr ingest policy.lua events.ndjson --batch 0
expect_fail 1 lr ingest policy.lua missing.ndjson
contains "missing.ndjson: cannot open"

# The help and the man page give the batch size the code uses (10000).
expect_ok lr ingest --help
contains "events per transaction (default 10000)"
same "$(grep -A1 'batch " N"' "$LR_SRC/docs/leadrules.1" | tail -1)" "Events per transaction (default 10000)." "(man page)"

finish
