# Signals: SIGINT and SIGTERM during `leadrules run` and `leadrules import`
# roll back and exit 130 / 143 with a message saying so; the database is
# unchanged.  The run is stopped inside a long chunk (2,048 contacts of a
# slow policy), so it is the Lua hook, not the check between chunks, that
# stops it, in the main thread (--jobs 1) and in worker threads (--jobs 2).
# A second signal while the first is still pending (an import blocked on a
# stalled pipe) terminates at once, and the database is still unchanged.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"
SPIN="$REL/spin.lua"
# The interrupted runs spin 20 ms a contact: a chunk of 2,048 contacts is
# ~40 s of CPU, so a stop within the 15 s watchdog below can only be the
# hook's (no upper bound near normal times: CI machines are shared).
SLOW=spin20.lua
sed 's/os.clock() + 0.001/os.clock() + 0.020/' "$SPIN" > "$SLOW"
NOW=2026-11-01

rel_data data 3000 10 || { fail "scripts/gen"; finish; }
lr import contacts data/contacts.csv >/dev/null || fail "import contacts"
rel_checkpoint test.db
before=$(digest_all test.db)

locked() { ! sqlite3 "$1" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; }
wait_locked() {
  for ((i = 0; i < 500; i++)); do locked "$1" && return 0; sleep 0.01; done
  return 1
}

# interrupt_run SIG STATUS JOBS: signal a run 0.3 s into its first chunk.
interrupt_run() {
  local sig=$1 want=$2 jobs=$3 pid rc t0 ms
  "$LEADRULES" run "$SLOW" --jobs "$jobs" --now $NOW > run.out 2>&1 &
  pid=$!
  wait_locked test.db || fail "run --jobs $jobs never took the write lock"
  sleep 0.3
  t0=$(now_ms)
  kill -"$sig" $pid
  wait $pid
  rc=$?
  ms=$(( $(now_ms) - t0 ))
  OUT=$(cat run.out)
  same "$rc" "$want" "run --jobs $jobs: exit status after SIG$sig: $OUT"
  contains "interrupted by SIG$sig; nothing was changed (rolled back)"
  lacks "ran "
  # Evaluating the first chunk takes ~40 s: only the hook stops it sooner.
  [ "$ms" -lt 15000 ] && pass || fail "run --jobs $jobs took $ms ms to stop after SIG$sig"
  same "$(integrity test.db)" ok
  same "$(digest_all test.db)" "$before" "run --jobs $jobs: database changed after SIG$sig"
}

interrupt_run INT 130 1
interrupt_run TERM 143 1
interrupt_run INT 130 2
interrupt_run TERM 143 2

# The same run completes when left alone (the test policy is sound).
expect_ok lr run "$SPIN" --jobs 2 --now $NOW
contains "3000 evaluated"
rel_copy test.db after_run.db
sql "DELETE FROM stage_history; DELETE FROM runs; UPDATE contacts SET score=0, stage=NULL, updated_at=NULL" >/dev/null
rel_checkpoint test.db
before=$(digest_all test.db)

# ($LEADRULES, not the lr function: $! must be the leadrules process.)

# import: activities through a FIFO the test writes.  The signal arrives
# while the importer waits for input; it is seen with the next rows, or at
# EOF, and the import rolls back.
# feed_start: start an import reading in.fifo, give it the first 15,000
# lines and let it take them.
feed_start() {
  rm -f in.fifo && mkfifo in.fifo
  "$LEADRULES" import activities in.fifo > imp.out 2>&1 &
  pid=$!
  exec 4> in.fifo
  head -n 15000 data/activities.csv >&4
  sleep 0.5
}
# feed_end [REST]: write the rest of the file (or not), close the FIFO, and
# check the import was cancelled and changed nothing.
feed_end() {
  local want=$1 sig=$2 rest=$3 rc
  [ "$rest" = rest ] && tail -n +15001 data/activities.csv >&4 2>/dev/null
  exec 4>&-
  wait $pid
  rc=$?
  OUT=$(cat imp.out)
  same "$rc" "$want" "import: exit status after SIG$sig ($rest): $OUT"
  contains "interrupted by SIG$sig; nothing was changed (rolled back)"
  same "$(integrity test.db)" ok
  same "$(digest_all test.db)" "$before" "import: database changed after SIG$sig ($rest)"
}
feed_start; kill -INT $pid; feed_end 130 INT rest
feed_start; kill -TERM $pid; feed_end 143 TERM rest
# The signal comes while the importer waits and no row follows: the cancel
# is seen at EOF, before the commit.
feed_start; kill -INT $pid; feed_end 130 INT eof

# A contacts import parses on a second thread: the same, through it.
rm -f in.fifo && mkfifo in.fifo
"$LEADRULES" import contacts in.fifo > imp.out 2>&1 &
pid=$!
exec 4> in.fifo
sed 's/@/.again@/' data/contacts.csv | head -n 2000 >&4
sleep 0.5
kill -INT $pid
feed_end 130 INT "eof (contacts)"

# A second SIGINT while the first is pending (the import is blocked on a
# stalled FIFO): the process ends at once, the database unchanged.
feed_start
kill -INT $pid
sleep 0.2
kill -INT $pid
# The pipe stays open until the process has ended (watchdog: 30 s): an
# import that ignored the second signal would wait on it for good.
for ((i = 0; i < 3000; i++)); do kill -0 $pid 2>/dev/null || break; sleep 0.01; done
ended=1; kill -0 $pid 2>/dev/null && ended=0
exec 4>&-
wait $pid
same "$?" 130 "second SIGINT: exit status"
[ "$ended" = 1 ] && pass || fail "second SIGINT: still running 30 s later, on the open pipe"
same "$(integrity test.db)" ok
same "$(digest_all test.db)" "$before" "import: database changed after two SIGINTs"

# Left alone, the import completes.
expect_ok lr import activities data/activities.csv
same "$(sql 'SELECT count(*) FROM activities')" "$(( $(wc -l < data/activities.csv) - 1 ))"
finish
