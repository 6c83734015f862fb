# Concurrency: while a long `leadrules run` holds the write lock, readers
# (`leadrules export`, `report`, `explain`, `info`, a second process running
# sqlite3 SELECTs, a read transaction held across the commit) see the old state
# and never fail; a second writer waits for --busy-timeout and then fails
# with a message naming the lock and the wait (exit 1), or, given a longer
# timeout, waits and then succeeds after the first writer; nothing is
# corrupted.
#
# No wall-clock limit is checked: CI machines are slow or fully loaded at
# times.  The parts that need the first writer to hold the lock for a while
# (a reader round, the second writers) run while it is paused (SIGSTOP)
# holding it, so they cannot race with its commit; a wait is checked from
# below only (a slow machine cannot make a wait shorter); a process that
# could hang runs under a hang watchdog far above any normal time.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"
# The run should outlast four rounds of readers, so that they overlap a
# writer at work (under a sanitizer on a busy machine spin.lua's 1 ms per
# contact was not enough: 3 ms here).  Nothing fails if it does not: the
# checks that need the lock held are made while the run is paused.
SPIN=spin3.lua
sed 's/os.clock() + 0.001/os.clock() + 0.003/' "$REL/spin.lua" > "$SPIN"
grep -q '0.003' "$SPIN" || fail "spin3.lua was not made"
NOW=2026-11-01
# Hang watchdog (seconds) for the waits below: far above any normal time,
# loaded or not; reaching it means a hang, not a slow machine.
WATCHDOG_S=120

rel_data data 2500 2 || { fail "scripts/gen"; finish; }
rel_db test.db data || { fail "import"; finish; }
# A small activities file for the second writer.
head -200 data/activities.csv > act_small.csv

# locked DB: another connection holds the write lock right now.
locked() { ! sqlite3 "$1" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; }
# elapsed_ms START: milliseconds since START (from now_ms).
elapsed_ms() { echo $(( $(now_ms) - $1 )); }
# wait_until PID CMD...: poll until CMD succeeds (0), or process PID has
# ended without it (1), or the hang watchdog is reached (2).
wait_until() {
  local pid=$1 end=$(( $(now_ms) + WATCHDOG_S * 1000 )); shift
  until "$@"; do
    kill -0 "$pid" 2>/dev/null || { "$@"; return; }
    [ "$(now_ms)" -lt $end ] || return 2
    sleep 0.01
  done
}
# waited WHAT RC: the message for a wait_until that did not succeed.
waited() {
  if [ "$2" = 2 ]; then echo "$1 (hang watchdog: nothing after ${WATCHDOG_S} s)"
  else echo "$1 (the process ended)"; fi
}
# watched_fail CODE CMD...: expect_fail CODE, with CMD killed after the
# hang watchdog.
watched_fail() {
  local want=$1 rc; shift
  OUT=$(timeout -k 5 "$WATCHDOG_S" "$@" 2>&1); rc=$?
  if [ $rc -eq "$want" ]; then pass
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    fail "hang watchdog: still running after ${WATCHDOG_S} s (a hang, not a slow machine): $*"$'\n'"$OUT"
  else fail "exit $rc (want $want): $*"$'\n'"$OUT"; fi
}

old_run=$(digest_run test.db)
old_export=$(lr export | sha256sum)
old_sum=$(sql "SELECT count(*), total(score) FROM contacts")
old_report=$(lr report --now $NOW --json 2>&1)
KEY=$(sql "SELECT key FROM contacts WHERE id=7")
old_explain=$(lr explain "$KEY" "$SPIN" --now $NOW 2>&1)

lr run "$SPIN" --jobs 1 --now $NOW > run1.out 2>&1 &
run_pid=$!
trap 'kill -CONT $run_pid 2>/dev/null' EXIT   # never leave it paused
wait_until $run_pid locked test.db; w=$?
[ $w = 0 ] && pass || fail "$(waited "the run never took the write lock" $w): $(cat run1.out)"
# Pause the run while it holds the write lock (it takes the lock before
# evaluating anything, and a paused process keeps its locks): until it is
# resumed below, the lock is held whatever the speed of the machine.
kill -STOP $run_pid
locked test.db && pass || fail "the paused run does not hold the write lock"

# A read transaction opened during the run and held across its commit: its
# snapshot stays the old state.  (Third-party readers need a busy timeout,
# as with any SQLite file: opening races with WAL recovery and the final
# checkpoint of other connections.  60 s is a hang bound, not a speed
# check.)
mkfifo held.in
sqlite3 test.db < held.in > held.out 2>&1 &
held_pid=$!
exec 3> held.in
echo ".timeout 60000" >&3
echo "BEGIN; SELECT 'first', count(*) FROM contacts;" >&3
wait_until $held_pid grep -q '^first' held.out; w=$?
[ $w = 0 ] && pass || fail "$(waited "the held read did not start" $w): $(cat held.out)"
locked test.db && pass || fail "the held read did not start during the run"

# A second writer with a long timeout waits for the first, then succeeds.
# It starts while the first is paused with the lock, so it has to wait (it
# is checked to be still there when the run resumes); its 300 s busy
# timeout is a hang bound, not a speed check.
lr --busy-timeout 300000 import activities act_small.csv > imp.out 2>&1 &
imp_pid=$!

# Readers during the run: the old state, no error.  The first round runs
# while the run is paused, the others while it works.
reads=0 old_seen=0
reader_round() {
  reads=$((reads + 1))
  exp=$(lr export 2>&1 | sha256sum); exp_rc=${PIPESTATUS[0]}
  dig=$(digest_run test.db)
  sums=$(sq test.db "SELECT count(*), total(score) FROM contacts" 2>&1)
  rep=$(lr report --now $NOW --json 2>&1); rep_rc=$?
  expl=$(lr explain "$KEY" "$SPIN" --now $NOW 2>&1); expl_rc=$?
  expect_ok lr info
  contains "contacts:   2500"
  if locked test.db; then                # still uncommitted: must be old
    old_seen=$((old_seen + 1))
    same "$exp_rc" 0 "export during the run"
    same "$exp" "$old_export" "export during the run"
    same "$dig" "$old_run" "sqlite3 digest during the run"
    same "$sums" "$old_sum" "sqlite3 SELECT during the run"
    same "$rep_rc/$rep" "0/$old_report" "report during the run"
    same "$expl_rc/$expl" "0/$old_explain" "explain during the run"
  fi
}
reader_round

# A second writer with a short timeout: waits that long, then fails.  The
# first writer is paused with the lock, so a second writer that ends has
# given up, not waited for the commit (no upper bound on the time is
# needed, and a busy timeout not honoured shows as a hang); "gave up after
# 400 ms" says the timeout given is the one used; and the time is checked
# from below only, as a slow machine cannot make a wait shorter.
t0=$(now_ms)
watched_fail 1 "$LEADRULES" --busy-timeout 400 run "$SPIN" --now $NOW
ms=$(elapsed_ms "$t0")
contains "database is locked by another writer"
contains "gave up after 400 ms"
[ "$ms" -ge 400 ] && pass || fail "second run gave up after $ms ms, before its 400 ms busy timeout"
t0=$(now_ms)
watched_fail 1 "$LEADRULES" --busy-timeout 300 import activities act_small.csv
ms=$(elapsed_ms "$t0")
contains "locked by another writer (gave up after 300 ms"
[ "$ms" -ge 300 ] && pass || fail "second import gave up after $ms ms, before its 300 ms busy timeout"
locked test.db && pass || fail "the paused run lost the write lock"

# (The writer with a long timeout, started above, is still waiting.)
kill -0 $imp_pid 2>/dev/null && pass || fail "the import ended while the lock was held: $(cat imp.out)"

kill -CONT $run_pid                      # the run goes on
while kill -0 $run_pid 2>/dev/null && [ $reads -lt 4 ]; do reader_round; done
echo "$reads reader rounds during the run, $old_seen while it held the lock"
[ $old_seen -gt 0 ] && pass || fail "no reader ran while the run held the lock"

wait $run_pid; same $? 0 "the long run"
wait $imp_pid; same $? 0 "the import that waited: $(cat imp.out)"
echo "SELECT 'held', count(*), total(score) FROM contacts; COMMIT;" >&3
exec 3>&-
wait $held_pid
same "$(grep '^held' held.out)" "held|${old_sum}" "a read transaction held across the commit"

# Everything committed, nothing corrupted.
same "$(integrity test.db)" ok
same "$(sql 'PRAGMA foreign_key_check' | wc -l)" 0
same "$(sql "SELECT count(*), total(score) FROM contacts")" "2500|2500.0"
same "$(sql "SELECT count(*) FROM runs")" 1
same "$(sql "SELECT count(*) FROM imports WHERE kind='activities'")" 2
finish
