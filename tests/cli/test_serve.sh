# leadrules serve: a real server on loopback, driven with curl.  Every
# endpoint and error (401, 413, 400, 404, 422: the database unchanged
# after each), decisions equal to what `run` makes, group commit under
# concurrent clients, notification delivery (exec, and a receiver on
# loopback across restarts: at least once, in order, resumed from the last
# acknowledged id), SIGHUP reload (the old policy kept when the new one
# fails), SIGTERM exit 0.  Waits are polls with a watchdog far above
# normal, never timed assertions.
. "$LR_SRC/tests/cli/lib.sh"
command -v curl >/dev/null || { echo "curl missing"; exit 77; }
FIX="$LR_SRC/tests/fixtures/realtime"
NOW=2026-11-01T00:00:00Z
cp "$FIX/policy.lua" policy.lua
echo "test-token-0123456789abcdef" > token
AUTH="Authorization: Bearer test-token-0123456789abcdef"
lr import contacts "$FIX/contacts.csv" >/dev/null || fail "import"
lr run policy.lua --now $NOW >/dev/null || fail "run"

# start NAME [options]: start a server, wait for its port (watchdog 20 s).
start() {
  local name=$1; shift
  "$LEADRULES" serve --policy policy.lua --token-file token --busy-timeout 1000 \
    --listen "${LISTEN:-127.0.0.1:0}" --now $NOW "$@" > "$name.out" 2> "$name.err" &
  SPID=$!
  for ((i = 0; i < 2000; i++)); do
    PORT=$(sed -n 's/^listening on port //p' "$name.out")
    [ -n "$PORT" ] && return 0
    kill -0 $SPID 2>/dev/null || break
    sleep 0.01
  done
  fail "server $name did not start: $(cat "$name.err")"
  return 1
}
# stop: SIGTERM, and the exit status must be 0.
stop() {
  kill -TERM $SPID
  wait $SPID
  same "$?" 0 "serve exit status after SIGTERM"
}
# req METHOD PATH [BODY] [curl options...]: $CODE and $OUT.
req() {
  local m=$1 p=$2 body=${3-}; shift 3 2>/dev/null || shift $#
  if [ -n "$body" ]; then
    OUT=$(curl -s -o body.json -w '%{http_code}' -X "$m" -H "$AUTH" \
          --data-binary "$body" "$@" "http://127.0.0.1:$PORT$p")
  else
    OUT=$(curl -s -o body.json -w '%{http_code}' -X "$m" -H "$AUTH" "$@" \
          "http://127.0.0.1:$PORT$p")
  fi
  CODE=$OUT
  OUT=$(cat body.json)
}
digest() { db_dump | sha256sum | cut -c1-16; }
# unchanged WHAT: the database is as it was at the last `base`.
base() { BASE=$(digest); }
unchanged() { same "$(digest)" "$BASE" "database changed by $1"; }

start s1 || finish

# /healthz needs no token; everything else does.
OUT=$(curl -s "http://127.0.0.1:$PORT/healthz"); contains '"ok":true'
base
for path in /v1/contacts/ann@example.com /v1/handoffs /v1/outbox \
            /v1/contacts/ann@example.com/explain; do
  CODE=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$path")
  same "$CODE" 401 "GET $path without a token"
done
CODE=$(curl -s -o body.json -w '%{http_code}' -H "Authorization: Bearer wrong" \
       -d '{"contact":"ann@example.com","type":"demo_request"}' \
       "http://127.0.0.1:$PORT/v1/events")
same "$CODE" 401 "POST with a wrong token"
OUT=$(cat body.json); contains "bearer token"; lacks "test-token"
unchanged "401"

# 413: a body over the cap (1 MiB by default).
head -c 1100000 /dev/zero | tr '\0' ' ' > big.json
CODE=$(curl -s -o body.json -w '%{http_code}' -H "$AUTH" \
       --data-binary @big.json "http://127.0.0.1:$PORT/v1/events")
same "$CODE" 413 "body over the cap"
OUT=$(cat body.json); contains "over 1048576 bytes"
# ... also when the length is not declared (a chunked body).
CODE=$(curl -s -o body.json -w '%{http_code}' -H "$AUTH" -H "Transfer-Encoding: chunked" \
       --data-binary @big.json "http://127.0.0.1:$PORT/v1/events")
same "$CODE" 413 "chunked body over the cap"
unchanged "413"

# 400: malformed JSON names the problem; bad events name the field.
req POST /v1/events '{"contact": "ann@example.com", "type": '
same "$CODE" 400 "malformed JSON"; contains "malformed JSON at line 1, column"
req POST /v1/events '{"contact": "ann@example.com", "typo": "x"}'
same "$CODE" 400 "unknown member"; contains "unknown field 'typo'"
req POST /v1/events '[{"contact": "ann@example.com", "type": "x"}, {"type": "y"}]'
same "$CODE" 400 "event without a contact"; contains "event 1: field 'contact'"
req POST /v1/events '{"contact": "ann@example.com", "type": "x", "at": "yesterday"}'
same "$CODE" 400 "bad time"; contains "field 'at': cannot read \\\"yesterday\\\""
req POST /v1/contacts '{"contact": "ann@example.com", "fields": {"score": 5}}'
same "$CODE" 400 "engine field"; contains "field 'score': 'score' is owned by the engine"
req POST /v1/events '[]'
same "$CODE" 400 "empty array"
req PUT /v1/events '{}'
same "$CODE" 405 "PUT"
unchanged "400"

# 404: unknown contacts, unknown endpoints.
req POST /v1/events '[{"contact": "ann@example.com", "type": "email_open"}, {"contact": "zoe@example.com", "type": "demo_request"}]'
same "$CODE" 404 "unknown contact"; contains "event 1: no contact with key 'zoe@example.com'"
req GET /v1/contacts/zoe@example.com
same "$CODE" 404 "GET unknown contact"
req GET /v1/contacts/zoe@example.com/explain
same "$CODE" 404 "explain unknown contact"
req GET /v1/nothing
same "$CODE" 404 "unknown endpoint"
unchanged "404"

# 422: a policy error names policy.lua:LINE.
req POST /v1/events '[{"contact": "bob@example.com", "type": "demo_request"}, {"contact": "dan@example.com", "type": "boom"}]'
same "$CODE" 422 "policy error"; contains "policy.lua:17:"; contains "boom activity"
unchanged "422"

# 503: another writer holds the database past the busy timeout (1 s).
# (SQLite's lock, taken by the sqlite3 module; test_pg_serve holds PostgreSQL's)
# The lock is held until the answer came (the file 'release'; watchdog
# 60 s), not for a fixed 4 s.
if sqlite_only; then
  python3 -c "import os, sqlite3, time
c = sqlite3.connect('test.db', isolation_level=None)
c.execute('BEGIN IMMEDIATE'); open('locked', 'w').close()
for i in range(6000):
    if os.path.exists('release'): break
    time.sleep(0.01)
c.execute('ROLLBACK')" & LOCKER=$!
  for ((i = 0; i < 2000; i++)); do [ -e locked ] && break; sleep 0.01; done
  req POST /v1/events '[{"contact": "bob@example.com", "type": "x"}, {"contact": "ann@example.com", "type": "y"}]'
  : > release
  same "$CODE" 503 "locked by another writer"; contains "locked by another writer (gave up after 1000 ms"
  wait $LOCKER
  unchanged "503"
fi

# 200: an event, its contact's scores, stage, moves and handoff.
req POST /v1/events '{"contact": "Ann@Example.com", "type": "demo_request", "at": "2026-10-31T12:00:00Z"}'
same "$CODE" 200 "POST /v1/events: $OUT"
contains '"key":"ann@example.com"'; contains '"stage":"sql"'
contains '"to":"sql"'; contains '"owner":"ana@corp.example"'
contains '"scores":{"fit":35'; contains '"grades":{"fit":"A"}'
same "$(sql "SELECT count(*) FROM activities WHERE type='demo_request'")" 1
same "$(sql "SELECT stage || ' ' || owner FROM contacts WHERE key='ann@example.com'")" "sql ana@corp.example"

# An array touching two contacts; one is created with fields.
req POST /v1/events '[{"contact": "bob@example.com", "type": "email_open"}, {"contact": "eve@example.com", "type": "demo_request", "create": {"title": "VP Ops", "company_size": 2000}}]'
same "$CODE" 200 "array: $OUT"
contains '"key":"bob@example.com"'; contains '"key":"eve@example.com"'
contains '"created":true'
same "$(sql "SELECT title FROM contacts WHERE key='eve@example.com'")" "VP Ops"

# POST /v1/contacts upserts fields, then re-evaluates.
req POST /v1/contacts '{"contact": "dan@example.com", "fields": {"title": "VP Engineering"}}'
same "$CODE" 200 "contacts upsert: $OUT"; contains '"grade":"B"'
req POST /v1/contacts '{"contact": "fay@example.com", "fields": {"first_name": "Fay"}}'
same "$CODE" 200 "contacts create"; contains '"created":true'
same "$(sql "SELECT by FROM audit WHERE field='title' AND ifnull(new_value, '') = 'VP Engineering'")" serve

# GET a contact, its explanation, the handoffs feed and the outbox.
req GET /v1/contacts/ann@example.com
same "$CODE" 200; contains '"stage":"sql"'; contains '"owner":"ana@corp.example"'
# Group scores as POST /v1/events gives them and the store keeps them
# (35, not 35.0).
contains "\"scores\":$(sql "SELECT scores FROM contacts WHERE key='ann@example.com'")"
req GET /v1/contacts/ann@example.com/explain
same "$CODE" 200; contains '"kind":"rule","name":"demo"'; contains '"where":"policy.lua:14"'
req GET "/v1/handoffs?after=0"
same "$CODE" 200; contains '"key": "ann@example.com"'
cursor=$(echo "$OUT" | sed -n 's/.*"cursor": \([0-9]*\).*/\1/p' | tail -1)
req GET "/v1/handoffs?after=$cursor"
contains '"count": 0'
req GET "/v1/handoffs?after=x"
same "$CODE" 400 "bad cursor"
req GET "/v1/outbox?after=0"
same "$CODE" 200; contains '"kind":"handoff"'; contains '"id":1,'
same "$(sql "SELECT count(*) FROM outbox WHERE kind='move'")" \
     "$(sql "SELECT count(*) FROM stage_history")" "a move not in the outbox"
same "$(sql "SELECT count(*) FROM outbox WHERE kind='handoff'")" \
     "$(sql "SELECT count(*) FROM assignments")" "a handoff not in the outbox"
stop

# Decisions equal to what `run` makes: the same events imported as
# activities, then one run at the same clock.
rm -f twin.db*
"$LEADRULES" --db twin.db import contacts "$FIX/contacts.csv" >/dev/null
"$LEADRULES" --db twin.db run policy.lua --now $NOW >/dev/null
cat > acts.csv <<'EOF'
email,type,occurred_at
ann@example.com,demo_request,2026-10-31T12:00:00Z
bob@example.com,email_open,2026-11-01T00:00:00Z
EOF
"$LEADRULES" --db twin.db import activities acts.csv >/dev/null
"$LEADRULES" --db twin.db run policy.lua --now $NOW >/dev/null
cmp_sql="SELECT key, stage, score, grade, grades, scores, owner, due_at FROM contacts WHERE key IN ('ann@example.com','bob@example.com','carol@example.com') ORDER BY key"
same "$(sqlite3 twin.db "$cmp_sql")" "$(sql "$cmp_sql")" "serve and run disagree"
hist="SELECT c.key, h.from_stage, h.to_stage, h.transition FROM stage_history h JOIN contacts c ON c.id=h.contact_id WHERE c.key IN ('ann@example.com','bob@example.com') ORDER BY h.id"
same "$(sqlite3 twin.db "$hist")" "$(sql "$hist")" "history differs from run's"

# Group commit: 8 clients at once, 20 requests each; every request
# answered 200, every event stored, fewer transactions than requests is
# allowed but each request is applied exactly once.
start s2 || finish
before=$(sql "SELECT count(*) FROM activities")
clients=()
for c in 1 2 3 4 5 6 7 8; do
  ( for i in $(seq 1 20); do
      curl -s -o /dev/null -w '%{http_code}\n' -H "$AUTH" \
        -d "{\"contact\": \"carol@example.com\", \"type\": \"email_open\"}" \
        "http://127.0.0.1:$PORT/v1/events"
    done > "client$c.codes" ) &
  clients+=($!)
done
wait "${clients[@]}"
same "$(cat client*.codes | sort | uniq -c | tr -s ' ')" " 160 200" "codes under load"
same "$(sql "SELECT count(*) FROM activities")" "$((before + 160))"

# SIGHUP: a broken policy is refused and the old one stays; a good one
# is taken.
echo 'rule "broken" {' >> policy.lua
kill -HUP $SPID
for ((i = 0; i < 2000; i++)); do grep -q "not (re)loaded" s2.err && break; sleep 0.01; done
OUT=$(cat s2.err); contains "the loaded one stays"; contains "policy.lua:"
req POST /v1/events '{"contact": "bob@example.com", "type": "email_open"}'
same "$CODE" 200 "after a failed reload"
cp "$FIX/policy.lua" policy.lua
echo 'rule "reloaded" { points = 7, when = function() return true end }' >> policy.lua
kill -HUP $SPID
for ((i = 0; i < 2000; i++)); do [ "$(grep -c 'loaded (sha256' s2.err)" -ge 2 ] && break; sleep 0.01; done
req POST /v1/events '{"contact": "dan@example.com", "type": "email_open"}'
contains '"score":'
same "$(sql "SELECT count(*) FROM score_parts p JOIN contacts c ON c.id=p.contact_id WHERE p.rule='reloaded' AND c.key='dan@example.com'")" 1
stop
cp "$FIX/policy.lua" policy.lua

# A batch run's decisions go to the outbox too, in its transaction and in
# run --json's order: gil, new, asks for a demo; `run` places him, moves
# him up to sql and hands him off (tests/cli/outbox_vs_run.py).
printf 'email,title,company_size\ngil@example.com,VP Ops,3000\n' > gil.csv
printf 'email,type,occurred_at\ngil@example.com,demo_request,2026-10-31\n' > gil_acts.csv
lr import contacts gil.csv >/dev/null && lr import activities gil_acts.csv >/dev/null || fail "import gil"
expect_ok sh -c "'$LEADRULES' run policy.lua --now $NOW --json --limit 0 > run2.json"
sqlite_only && expect_ok python3 "$LR_SRC/tests/cli/outbox_vs_run.py" test.db run2.json
same "$(sql "SELECT group_concat(kind, ' ') FROM outbox WHERE key = 'gil@example.com'")" \
     "move move move move handoff"

# Notifications with --notify-exec: every outbox row, the run's too, in
# order, each as stored with its id.
start s3 --notify-exec "cat >> exec.jsonl" || finish
last=$(sql "SELECT max(id) FROM outbox")
for ((i = 0; i < 2000; i++)); do
  [ "$(sql "SELECT last_id FROM outbox_acks WHERE consumer='notify-exec'")" = "$last" ] && break
  sleep 0.01
done
stop
same "$(sed -n 's/^{"id":\([0-9]*\),.*/\1/p' exec.jsonl | tr '\n' ' ')" \
     "$(sql "SELECT id FROM outbox ORDER BY id" | tr '\n' ' ')" "exec deliveries"
same "$(cat exec.jsonl)" \
     "$(sql "SELECT '{\"id\":' || id || ',' || substr(payload, 2) FROM outbox ORDER BY id")" \
     "exec deliveries as stored"
OUT=$(cat exec.jsonl)
contains '"kind":"handoff","at":"2026-11-01T00:00:00Z","key":"gil@example.com","stage":"sql","owner":'


# --notify-url across restarts: a receiver on loopback that fails its
# first 2 requests; then the server stops with rows undelivered (no
# receiver); a restart resumes after the last acknowledged id.
python3 "$FIX/receiver.py" r1.port got.jsonl 2 & RPID=$!
for ((i = 0; i < 2000; i++)); do [ -s r1.port ] && break; sleep 0.01; done
URL="http://127.0.0.1:$(cat r1.port)/hook"
start s4 --notify-url "$URL" || finish
last=$(sql "SELECT max(id) FROM outbox")
for ((i = 0; i < 3000; i++)); do
  [ "$(sql "SELECT last_id FROM outbox_acks WHERE consumer='notify-url'")" = "$last" ] && break
  sleep 0.01
done
same "$(sql "SELECT last_id FROM outbox_acks WHERE consumer='notify-url'")" "$last" "all delivered"
OUT=$(cat s4.err); contains "not delivered (HTTP 500)"; lacks "$URL"
stop
kill $RPID; wait $RPID 2>/dev/null
acked=$last
start s5 --notify-url "$URL" || finish     # nobody listens there now
req POST /v1/events '{"contact": "eve@example.com", "type": "email_open", "at": "2026-11-01T00:00:00Z"}'
req POST /v1/events '{"contact": "fay@example.com", "type": "demo_request"}'
same "$CODE" 200 "event while the receiver is down"
stop
same "$(sql "SELECT last_id FROM outbox_acks WHERE consumer='notify-url'")" "$acked" "ack moved without delivery"
newest=$(sql "SELECT max(id) FROM outbox")
[ "$newest" -gt "$acked" ] && pass || fail "no new outbox rows"
python3 "$FIX/receiver.py" r2.port got.jsonl 0 & RPID=$!
for ((i = 0; i < 2000; i++)); do [ -s r2.port ] && break; sleep 0.01; done
start s6 --notify-url "http://127.0.0.1:$(cat r2.port)/hook" || finish
for ((i = 0; i < 3000; i++)); do
  [ "$(sql "SELECT last_id FROM outbox_acks WHERE consumer='notify-url'")" = "$newest" ] && break
  sleep 0.01
done
stop
kill $RPID; wait $RPID 2>/dev/null
ids=$(sed -n 's/^{"id":\([0-9]*\),.*/\1/p' got.jsonl | tr '\n' ' ')
same "$ids" "$(sql "SELECT id FROM outbox ORDER BY id" | tr '\n' ' ')" "url deliveries in order, each once"

# [IPV6]:PORT, where this machine has an IPv6 loopback.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
  LISTEN='[::1]:0' start s7 || finish
  OUT=$(curl -s -g "http://[::1]:$PORT/healthz"); contains '"ok":true'
  OUT=$(curl -s -g -o /dev/null -w '%{http_code}' -H "$AUTH" "http://[::1]:$PORT/v1/handoffs?after=0")
  same "$OUT" 200 "GET /v1/handoffs over IPv6"
  OUT=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
  same "$OUT" 000 "a server on [::1] does not answer on 127.0.0.1"
  stop
  OUT=$(cat s7.err); contains "listening on [::1]:$PORT"
fi

# Usage errors.
expect_fail 2 lr serve --token-file token
contains "which policy?"
expect_fail 2 lr serve --policy policy.lua
contains "--token-file FILE is required"
echo short > short.token
expect_fail 2 lr serve --policy policy.lua --token-file short.token --listen 127.0.0.1:0
contains "16 to 511 characters"
contains "make one: head -c 18 /dev/urandom | base64 > short.token"
lacks "serve: bad input"                 # the line above says it all
expect_fail 1 lr serve --policy policy.lua --token-file no.token --listen 127.0.0.1:0
same "$OUT" "leadrules serve: --token-file no.token: no such file (make one: head -c 18 /dev/urandom | base64 > no.token)"
# A port in use: the reason once, and how to choose another.
if start s9; then
  expect_fail 1 lr serve --policy policy.lua --token-file token --listen 127.0.0.1:$PORT
  contains "cannot listen on 127.0.0.1:$PORT (in use, or not an address of this machine; --listen ADDRESS:PORT names another, port 0 any free one)"
  lacks "serve: I/O error"
  stop
fi
expect_fail 2 lr serve --policy policy.lua --token-file token --listen nowhere
contains "expected IPV4:PORT"
expect_fail 2 lr serve --policy policy.lua --token-file token --listen '[::1:8787'
contains "[IPV6]:PORT such as [::1]:8787"

finish
