# Shared helpers for tests that compare the SQLite and PostgreSQL stores
# (source it after lib.sh): skipped (77) without a server
# (LEADRULES_TEST_PG, scripts/pg-up) or psql; `fresh NAME` makes a new
# pair, SQLite file $SQ and PostgreSQL database $PG (dropped at exit);
# `rows QUERY [empty]` checks that the query gives the same rows on both;
# in QUERY, {contacts} (give it an alias) is SQLite's table of contacts,
# on PostgreSQL contacts with their run state (contact_state) beside.
if [ -z "${LEADRULES_TEST_PG:-}" ]; then
  echo "skipped: LEADRULES_TEST_PG is not set (scripts/pg-up starts a server)"
  exit 77
fi
command -v psql >/dev/null || { echo "skipped: no psql"; exit 77; }
PG_DBS=()
pg_drop_all() {
  for d in "${PG_DBS[@]}"; do
    psql -qX "$LEADRULES_TEST_PG" -c "DROP DATABASE IF EXISTS $d" 2>/dev/null
  done
}
trap pg_drop_all EXIT
fresh() {
  local d="lr_${RANDOM}_$$_$1"
  psql -qX "$LEADRULES_TEST_PG" -c "CREATE DATABASE $d" || exit 2
  PG_DBS+=("$d")
  PG="${LEADRULES_TEST_PG%/*}/$d"
  SQ="$LR_TMP/$1.db"
  rm -f "$SQ" "$SQ-wal" "$SQ-shm"
}
# Sorted as bytes: the query's ORDER BY need not say how text sorts.
PG_CONTACTS="(SELECT c.*, s.* FROM contacts c LEFT JOIN contact_state s ON s.contact_id = c.id)"
rows() {
  sqlite3 -separator '|' "$SQ" "${1//\{contacts\}/contacts}" | LC_ALL=C sort > rows-sq.txt
  psql -qXtA -F'|' "$PG" -c "${1//\{contacts\}/$PG_CONTACTS}" | LC_ALL=C sort > rows-pg.txt
  cmp -s rows-sq.txt rows-pg.txt && pass ||
    fail "rows of $1 (sqlite <, postgresql >):"$'\n'"$(diff rows-sq.txt rows-pg.txt | head -20)"
  [ -s rows-sq.txt ] || [ "${2:-}" = empty ] || fail "no rows: $1"
}
# The pid holding the write lock in this test's database (tests share one
# server), and holding it from a psql of its own until it is killed.
PG_HELD="SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 478186697070 % 4294967296 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
# hold_lock: the write lock of both stores held by a client of each
# (SQLite's: a transaction begun IMMEDIATE on $SQ; PostgreSQL's: the
# advisory lock on $PG) until release_lock.
hold_lock() {
  rm -f hold.fifo && mkfifo hold.fifo
  sqlite3 "$SQ" < hold.fifo >/dev/null 2>&1 &
  HOLD_SQ=$!
  exec 9> hold.fifo
  echo "BEGIN IMMEDIATE;" >&9
  psql -qX "$PG" -c "SELECT pg_advisory_lock(478186697070), pg_sleep(120)" >/dev/null 2>&1 &
  HOLD_PG=$!
  for _ in $(seq 200); do
    [ -n "$(psql -qXtA "$PG" -c "$PG_HELD")" ] &&
      ! sqlite3 "$SQ" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1 && return
    sleep 0.1
  done
  fail "hold_lock: the write locks were not taken"
}
release_lock() {
  echo "ROLLBACK;" >&9
  exec 9>&-
  psql -qX "$PG" -c "SELECT pg_terminate_backend(pid) FROM ($PG_HELD) h" >/dev/null
  wait "$HOLD_SQ" "$HOLD_PG"
}
# busy_both CMD...: with the lock held, the same exit status and the same
# message on both stores (each database's name read as DB); $OUT keeps
# PostgreSQL's.
busy_both() {
  local a b ra rb
  a=$("$LEADRULES" --db "$SQ" "$@" 2>&1 >/dev/null); ra=$?
  b=$("$LEADRULES" --db "$PG" "$@" 2>&1 >/dev/null); rb=$?
  OUT=${b//"$PG"/DB}
  same "$ra: ${a//"$SQ"/DB}" "$rb: $OUT" "exit status and message of $* (sqlite, then postgresql)"
}
# serve_fixture NAME: databases NAME on both stores with the real-time
# fixture ($FIX) imported and run at $NOW, a token file and $AUTH for
# curl; servers started into PIDS are killed at exit.
serve_fixture() {
  fresh "$1"
  PIDS=()
  trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; wait; pg_drop_all' EXIT
  cp "$FIX/policy.lua" policy.lua
  echo "test-token-0123456789abcdef" > token
  AUTH="Authorization: Bearer test-token-0123456789abcdef"
  local db
  for db in "$SQ" "$PG"; do
    "$LEADRULES" --db "$db" import contacts "$FIX/contacts.csv" --now $NOW >/dev/null || fail "import"
    "$LEADRULES" --db "$db" run policy.lua --now $NOW >/dev/null || fail "run"
  done
}
# serve_start NAME DB: `serve` of policy.lua on DB with the token file, its
# pid in PIDS and $PID_NAME, its port in $PORT_NAME (watchdog 20 s).
serve_start() {
  local name=$1 db=$2 port= i
  "$LEADRULES" --db "$db" serve --policy policy.lua --token-file token \
    --busy-timeout 1000 --listen 127.0.0.1:0 --now $NOW > "$name.out" 2> "$name.err" &
  PIDS+=($!)
  eval "PID_$name=$!"
  for ((i = 0; i < 2000; i++)); do
    port=$(sed -n 's/^listening on port //p' "$name.out")
    [ -n "$port" ] && break
    sleep 0.01
  done
  [ -n "$port" ] || { fail "server $name did not start: $(cat "$name.err")"; finish; }
  eval "PORT_$name=$port"
}
