# `serve --notify-url` on the PostgreSQL store (docs/realtime.md): the
# same story on SQLite and on PostgreSQL, then their deliveries compared
# byte for byte.  A receiver on loopback (tests/fixtures/realtime/
# receiver.py) fails its first 2 requests; every outbox row is delivered
# in order and acknowledged; the server stops, events arrive while
# nobody listens (the acknowledgement stays), and a restart resumes after
# the last acknowledged id.  Waits are polls with a watchdog.
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
FIX="$LR_SRC/tests/fixtures/realtime"
NOW=2026-11-01T00:00:00Z
command -v curl >/dev/null || { echo "skipped: no curl"; exit 77; }
. "$LR_SRC/tests/cli/pg_lib.sh"
serve_fixture notify

# q DB SQL: one value from either store.
q() {
  case $1 in
    postgresql://*) psql -qXtA "$1" -c "$2" ;;
    *) sqlite3 "$1" "$2" ;;
  esac
}
acked() { q "$1" "SELECT last_id FROM outbox_acks WHERE consumer = 'notify-url'"; }
# until_acked DB ID: poll until the acknowledgement reaches ID (60 s).
until_acked() {
  for ((i = 0; i < 600; i++)); do [ "$(acked "$1")" = "$2" ] && return; sleep 0.1; done
}
# receiver NAME FAILS: a receiver appending to got-$DBN.jsonl; its URL.
receiver() {
  rm -f "$1.port"
  python3 "$FIX/receiver.py" "$1.port" "got-$DBN.jsonl" "$2" & RPID=$!
  PIDS+=($RPID)
  for ((i = 0; i < 2000; i++)); do [ -s "$1.port" ] && break; sleep 0.01; done
  URL="http://127.0.0.1:$(cat "$1.port")/hook"
}
# start NAME DB URL: serve with --notify-url; its port in $PORT.
start() {
  "$LEADRULES" --db "$2" serve --policy policy.lua --token-file token \
    --busy-timeout 1000 --listen 127.0.0.1:0 --now $NOW --notify-url "$3" \
    > "$1.out" 2> "$1.err" &
  SPID=$!
  PIDS+=($SPID)
  PORT=
  for ((i = 0; i < 2000; i++)); do
    PORT=$(sed -n 's/^listening on port //p' "$1.out")
    [ -n "$PORT" ] && return
    kill -0 $SPID 2>/dev/null || break
    sleep 0.01
  done
  fail "server $1 did not start: $(cat "$1.err")"
  finish
}
stop() {
  kill -TERM $SPID; wait $SPID
  same "$?" 0 "serve ($DBN) exit status after SIGTERM"
}
post() {
  CODE=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" --data-binary "$1" \
         "http://127.0.0.1:$PORT/v1/events")
  same "$CODE" 200 "POST $1 ($DBN)"
}

for DBN in sq pg; do
  if [ $DBN = sq ]; then DB=$SQ; else DB=$PG; fi
  rm -f "got-$DBN.jsonl"
  # The run's rows, delivered through two failures.
  receiver r1-$DBN 2
  start s1-$DBN "$DB" "$URL"
  last=$(q "$DB" "SELECT max(id) FROM outbox")
  until_acked "$DB" "$last"
  same "$(acked "$DB")" "$last" "all delivered ($DBN)"
  OUT=$(cat s1-$DBN.err); contains "not delivered (HTTP 500)"; lacks "$URL"
  stop
  kill $RPID; wait $RPID 2>/dev/null
  # Nobody listens: events are answered, nothing is acknowledged.
  start s2-$DBN "$DB" "$URL"
  post '{"contact": "dan@example.com", "type": "demo_request", "at": "2026-10-31T12:00:00Z"}'
  post '{"contact": "eve@example.com", "type": "demo_request", "create": {"title": "VP Ops"}}'
  stop
  same "$(acked "$DB")" "$last" "ack moved without delivery ($DBN)"
  newest=$(q "$DB" "SELECT max(id) FROM outbox")
  [ "$newest" -gt "$last" ] && pass || fail "no new outbox rows ($DBN)"
  # A restart resumes after the last acknowledged id.
  receiver r2-$DBN 0
  start s3-$DBN "$DB" "$URL"
  until_acked "$DB" "$newest"
  stop
  kill $RPID; wait $RPID 2>/dev/null
  same "$(acked "$DB")" "$newest" "resumed and delivered ($DBN)"
  same "$(sed -n 's/^{"id":\([0-9]*\),.*/\1/p' "got-$DBN.jsonl" | tr '\n' ' ')" \
       "$(q "$DB" "SELECT id FROM outbox ORDER BY id" | tr '\n' ' ')" \
       "deliveries in order, each once ($DBN)"
done
PIDS=()
# The same deliveries, byte for byte, from both stores.
cmp -s got-sq.jsonl got-pg.jsonl && pass ||
  fail "deliveries (sqlite <, postgresql >):"$'\n'"$(diff got-sq.jsonl got-pg.jsonl | head -20)"
[ -s got-pg.jsonl ] && pass || fail "nothing delivered"
finish
