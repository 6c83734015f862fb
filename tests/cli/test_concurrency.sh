# Concurrency: while a long `leadrules run` holds the write lock, readers
# (`leadrules export`, `report`, `explain`, `info`, a second process running
# sqlite3 SELECTs, a read transaction held across the commit) see the old state
# and never fail; a second writer waits for --busy-timeout and then fails
# with a message naming the lock and the wait (exit 1), or, given a longer
# timeout, waits and then succeeds after the first writer; nothing is
# corrupted.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"
# The run must outlast four rounds of readers and the second writers, which
# under a sanitizer build on a busy machine took more than spin.lua's
# 1 ms per contact (2.5 s): 3 ms here.
SPIN=spin3.lua
sed 's/os.clock() + 0.001/os.clock() + 0.003/' "$REL/spin.lua" > "$SPIN"
grep -q '0.003' "$SPIN" || fail "spin3.lua was not made"
NOW=2026-11-01

rel_data data 2500 2 || { fail "scripts/gen"; finish; }
rel_db test.db data || { fail "import"; finish; }
# A small activities file for the second writer.
head -200 data/activities.csv > act_small.csv

# locked DB: another connection holds the write lock right now.
locked() { ! sqlite3 "$1" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; }
# elapsed_ms START: milliseconds since START (from now_ms).
elapsed_ms() { echo $(( $(now_ms) - $1 )); }

old_run=$(digest_run test.db)
old_export=$(lr export | sha256sum)
old_sum=$(sql "SELECT count(*), total(score) FROM contacts")
old_report=$(lr report --now $NOW --json 2>&1)
KEY=$(sql "SELECT key FROM contacts WHERE id=7")
old_explain=$(lr explain "$KEY" "$SPIN" --now $NOW 2>&1)

lr run "$SPIN" --jobs 1 --now $NOW > run1.out 2>&1 &
run_pid=$!
for ((i = 0; i < 500; i++)); do locked test.db && break; sleep 0.01; done
locked test.db && pass || fail "the run never took the write lock"

# A read transaction opened during the run and held across its commit: its
# snapshot stays the old state.  (Third-party readers need a busy timeout,
# as with any SQLite file: opening races with WAL recovery and the final
# checkpoint of other connections.)
mkfifo held.in
sqlite3 test.db < held.in > held.out 2>&1 &
held_pid=$!
exec 3> held.in
echo ".timeout 5000" >&3
echo "BEGIN; SELECT 'first', count(*) FROM contacts;" >&3
for ((i = 0; i < 500; i++)); do grep -q '^first' held.out && break; sleep 0.01; done
locked test.db && pass || fail "the held read did not start during the run"

# Readers during the run: the old state, no error.
reads=0 old_seen=0
while kill -0 $run_pid 2>/dev/null && [ $reads -lt 4 ]; do
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
done
echo "$reads reader rounds during the run, $old_seen while it held the lock"
[ $old_seen -gt 0 ] && pass || fail "no reader ran while the run held the lock"

# A second writer with a short timeout: waits that long, then fails.
if locked test.db; then
  t0=$(now_ms)
  expect_fail 1 lr --busy-timeout 400 run "$SPIN" --now $NOW
  ms=$(elapsed_ms "$t0")
  contains "database is locked by another writer"
  contains "gave up after 400 ms"
  [ "$ms" -ge 400 ] && [ "$ms" -lt 4000 ] && pass || fail "second run gave up after $ms ms, not ~400"
  t0=$(now_ms)
  expect_fail 1 lr --busy-timeout 300 import activities act_small.csv
  ms=$(elapsed_ms "$t0")
  contains "locked by another writer (gave up after 300 ms"
  [ "$ms" -ge 300 ] && [ "$ms" -lt 4000 ] && pass || fail "second import gave up after $ms ms, not ~300"
else
  fail "the run finished before the second writers were tried (machine too slow?)"
fi

# A second writer with a long timeout waits for the first, then succeeds.
lr --busy-timeout 30000 import activities act_small.csv > imp.out 2>&1 &
imp_pid=$!
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
