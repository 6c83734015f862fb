# `serve` on the PostgreSQL store (docs/postgresql.md): one server on
# SQLite and one on PostgreSQL, on loopback, get the same requests and
# give the same status and body for each (200 with decisions, 400, 404,
# 422; /healthz; GET .../explain), and leave the same tables; 503 while another writer
# holds the run lock; group commit under concurrent clients, every event
# applied once; SIGTERM exits 0; --notify-exec delivers every outbox
# row.  Waits are polls with a watchdog.
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
FIX="$LR_SRC/tests/fixtures/realtime"
NOW=2026-11-01T00:00:00Z
command -v curl >/dev/null || { echo "skipped: no curl"; exit 77; }
. "$LR_SRC/tests/cli/pg_lib.sh"
serve_fixture serve

# req PORT METHOD PATH [BODY]: "CODE BODY" in $OUT.
req() {
  local port=$1 m=$2 p=$3 body=${4-}
  if [ -n "$body" ]; then
    OUT=$(curl -s -o body.json -w '%{http_code}' -X "$m" -H "$AUTH" \
          --data-binary "$body" "http://127.0.0.1:$port$p")
  else
    OUT=$(curl -s -o body.json -w '%{http_code}' -X "$m" -H "$AUTH" \
          "http://127.0.0.1:$port$p")
  fi
  OUT="$OUT $(cat body.json)"
}
# both METHOD PATH [BODY]: the same status and body from both servers.
both() {
  local a
  req "$PORT_sq" "$@"; a=$OUT
  req "$PORT_pg" "$@"
  same "$a" "$OUT" "$1 $2 ${3-} (sqlite, then postgresql)"
}
serve_start sq "$SQ"
serve_start pg "$PG"
OUT=$(curl -s "http://127.0.0.1:$PORT_pg/healthz"); contains '"ok":true'
CODE=$(curl -s -o /dev/null -w '%{http_code}' -d '{"contact":"ann@example.com","type":"x"}' "http://127.0.0.1:$PORT_pg/v1/events")
same "$CODE" 401 "POST without a token"

# Errors: the same answer, nothing written (the tables are compared below).
both POST /v1/events '{"contact": "ann@example.com", "type": '
contains "400 "; contains "malformed JSON"
both POST /v1/events '{"contact": "ann@example.com", "typo": "x"}'
contains "unknown field 'typo'"
both POST /v1/contacts '{"contact": "ann@example.com", "fields": {"score": 5}}'
contains "400 "; contains "field 'score'"
both POST /v1/events '[{"contact": "ann@example.com", "type": "email_open"}, {"contact": "zoe@example.com", "type": "demo_request"}]'
contains "404 "; contains "event 1: no contact with key 'zoe@example.com'"
both POST /v1/events '[{"contact": "bob@example.com", "type": "demo_request"}, {"contact": "dan@example.com", "type": "boom"}]'
contains "422 "; contains "policy.lua:17:"

# 200: decisions, a handoff, a contact created by its event.
both POST /v1/events '{"contact": "Ann@Example.com", "type": "demo_request", "at": "2026-10-31T12:00:00Z"}'
contains '200 '; contains '"to":"sql"'; contains '"owner":"ana@corp.example"'
both POST /v1/events '[{"contact": "bob@example.com", "type": "email_open", "campaign": "fall"}, {"contact": "eve@example.com", "type": "demo_request", "create": {}}, {"contact": "carol@example.com", "type": "demo_request", "value": 2.5}]'
contains '"created":true'; contains '"handoff":{"stage":"sql","owner":"ben@corp.example"'
both POST /v1/events '{"contact": "bob@example.com", "type": "demo_request"}'
# GET explain: a reader of its own, the same answer.
both GET /v1/contacts/ann@example.com/explain
contains '200 '; contains '"kind":"rule","name":"demo"'
both GET /v1/contacts/zoe@example.com/explain
contains '404 '
# A contact, the handoffs and the outbox (the store's reads on
# PostgreSQL: pg_contact_get.c, pg_handoffs.c, pg_outbox.c).
both GET /v1/contacts/ann@example.com
contains '200 '
both GET /v1/contacts/nobody@example.com
both GET /v1/handoffs
contains '200 '
both GET '/v1/handoffs?after=1'
both GET /v1/outbox
contains '200 '
both GET '/v1/outbox?after=2'
# Events that create contacts and write fields, then the reads again.
both POST /v1/events '{"contact": "gus@example.com", "type": "demo_request", "create": {"title": "VP Ops", "company_size": 2000}}'
contains '"created":true'; contains '"to":"sql"'
both POST /v1/contacts '{"contact": "dan@example.com", "fields": {"title": "VP Engineering"}}'
contains '"grade":"B"'
both POST /v1/contacts '{"contact": "fay@example.com", "fields": {"first_name": "Fay", "company_size": 12}}'
contains '"created":true'
both GET /v1/contacts/ann@example.com
contains '200 '; contains '"owner":"ana@corp.example"'
both GET /v1/contacts/zoe@example.com
contains '404 '
both GET "/v1/handoffs?after=0"
contains '"key": "gus@example.com"'
both GET "/v1/handoffs?after=x"
contains '400 '
both GET "/v1/outbox?after=0"
contains '"kind":"handoff"'
rows "SELECT t.id, k.key, t.field, t.at, t.by, t.reason, t.run_id FROM audit t JOIN contacts k ON k.id = t.contact_id"
K="JOIN contacts k ON k.id = t.contact_id"
for q in "SELECT id, key, stage, CAST(round(score * 1000) AS INTEGER), grade, grades, scores, owner, data_at, change_mark, updated_at, stage_since, due_at FROM {contacts} t" \
         "SELECT t.id, k.key, t.type, t.occurred_at, t.value, t.campaign FROM activities t $K" \
         "SELECT t.id, k.key, t.from_stage, t.to_stage, t.at, t.run_id, t.reason, t.transition FROM stage_history t $K" \
         "SELECT t.id, k.key, t.owner, t.stage, t.at, t.run_id, t.due FROM assignments t $K" \
         "SELECT router, owner, total, day, today FROM routing_state" \
         "SELECT id, kind, policy, now, evaluated, score_changes, moves, handoffs, errors, scope FROM runs" \
         "SELECT id, at, kind, contact_id, key, run_id, payload FROM outbox"; do
  rows "$q"
done

# 503: another writer holds the write lock past the busy timeout (1 s):
# the same answer from both (each database's name read as DB).
hold_lock
req "$PORT_sq" POST /v1/events '{"contact": "bob@example.com", "type": "x"}'
a=${OUT//"$SQ"/DB}
req "$PORT_pg" POST /v1/events '{"contact": "bob@example.com", "type": "x"}'
OUT=${OUT//"$PG"/DB}
same "$a" "$OUT" "503 (sqlite, then postgresql)"
contains "503 "; contains "DB: database is locked by another writer (gave up after 1000 ms; see --busy-timeout)"
release_lock
req "$PORT_pg" POST /v1/events '{"contact": "bob@example.com", "type": "x"}'
contains "200 "

# Group commit: 8 clients at once, 10 requests each; every one answered
# 200 and applied once.
before=$(psql -qXtA "$PG" -c "SELECT count(*) FROM activities")
clients=()
for c in 1 2 3 4 5 6 7 8; do
  ( for i in $(seq 1 10); do
      curl -s -o /dev/null -w '%{http_code}\n' -H "$AUTH" \
        -d "{\"contact\": \"carol@example.com\", \"type\": \"email_open\"}" \
        "http://127.0.0.1:$PORT_pg/v1/events"
    done > "client$c.codes" ) &
  clients+=($!)
done
wait "${clients[@]}"
same "$(cat client*.codes | sort | uniq -c | tr -s ' ')" " 80 200" "codes under load"
same "$(psql -qXtA "$PG" -c "SELECT count(*) FROM activities")" "$((before + 80))"

# SIGTERM: the requests in flight finish, exit 0.
for s in sq pg; do
  eval "kill -TERM \$PID_$s; wait \$PID_$s"
  same "$?" 0 "serve ($s) exit status after SIGTERM"
done
PIDS=()

# --notify-exec on PostgreSQL: every outbox row, in order, each once, and
# the acknowledgement recorded.
"$LEADRULES" --db "$PG" serve --policy policy.lua --token-file token \
  --listen 127.0.0.1:0 --now $NOW --notify-exec "cat >> exec.jsonl" > n.out 2> n.err &
NPID=$!
PIDS=($NPID)
last=$(psql -qXtA "$PG" -c "SELECT max(id) FROM outbox")
acked() { psql -qXtA "$PG" -c "SELECT last_id FROM outbox_acks WHERE consumer = 'notify-exec'"; }
for ((i = 0; i < 600; i++)); do [ "$(acked)" = "$last" ] && break; sleep 0.1; done
kill -TERM $NPID; wait $NPID
same "$?" 0 "serve with --notify-exec: exit status after SIGTERM"
PIDS=()
same "$(acked)" "$last" "acknowledged up to the last outbox row"
same "$(sed -n 's/^{"id":\([0-9]*\),.*/\1/p' exec.jsonl | tr '\n' ' ')" \
     "$(psql -qXtA "$PG" -c "SELECT id FROM outbox ORDER BY id" | tr '\n' ' ')" "exec deliveries"
finish
