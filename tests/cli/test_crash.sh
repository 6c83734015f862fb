# Crash safety: `leadrules run` and `leadrules import` killed with SIGKILL
# at deterministic pseudo-random moments spread over their duration leave a
# database that passes PRAGMA integrity_check and holds either the complete
# old state or the complete new state; the next run (or import) works and
# yields the same state as a clean one.
#
# LR_CRASH_TRIALS (default 50) kills per run, LR_CRASH_IMPORT_TRIALS
# (default 20) kills per import kind, LR_CRASH_SEED the seed,
# LR_CRASH_CONTACTS the data set (default 6,000 contacts with ~30,000
# activities; 3,000 in a sanitizer build, where leadrules is ~3x slower,
# so that the whole test stays within about a minute).
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"
SEED=${LR_CRASH_SEED:-20261101}
TRIALS=${LR_CRASH_TRIALS:-50}
IMPORT_TRIALS=${LR_CRASH_IMPORT_TRIALS:-20}
RANDOM=$SEED
start=$SECONDS

CONTACTS=${LR_CRASH_CONTACTS:-6000}
if [ -z "${LR_CRASH_CONTACTS:-}" ] &&
   grep -qs 'LR_SANITIZE:BOOL=ON' "${LR_BUILD:-}/CMakeCache.txt"; then
  CONTACTS=3000
fi
rel_data data "$CONTACTS" 5 || { fail "scripts/gen"; finish; }

# crash NAME N BEFORE_DB DIGEST_FN CMD...: N trials of CMD on t.db, a copy
# of BEFORE_DB.  A clean pass is measured first: its duration D, and W, when
# the WAL first holds data or a rollback journal exists (the write and
# commit window), and it gives the "after" digest (a second pass gives
# "after2").  Half the trials are
# killed after a delay drawn from the i-th of equal slices of [0, 1.2 D];
# the other half once that is so (polled), after a delay drawn from
# equal slices of [0, D - W]: inside the write and commit.  Every 8th
# trial (and the first ending in each state) runs CMD again on the crashed
# file: it must succeed and give "after" (from the old state) or "after2"
# (from the new state).
crash() {
  local name=$1 n=$2 base=$3 dfn=$4; shift 4
  local before after after2 t0 d w i k h m span delay_us rc d_now wal pid
  local nb=0 na=0 nmid=0 nlate=0 rerun_b=0 rerun_a=0 nrerun=0 ic state want
  before=$($dfn "$base")
  rel_copy "$base" t.db
  t0=$(now_ms)
  w=
  "$@" >/dev/null 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ -z "$w" ] && rel_writing t.db; then w=$(( $(now_ms) - t0 )); fi
  done
  wait "$pid" || { fail "$name: clean pass failed: $*"; return; }
  d=$(( $(now_ms) - t0 ))
  [ -n "$w" ] || w=$(( d * 8 / 10 ))
  after=$($dfn t.db)
  "$@" >/dev/null 2>&1 || { fail "$name: second clean pass failed"; return; }
  after2=$($dfn t.db)
  if [ "$before" = "$after" ] || [ "$after" = "$after2" ]; then
    fail "$name: the command changes nothing, the test proves nothing"
    return
  fi
  h=$(( n / 2 ))
  for ((i = 0; i < n; i++)); do
    if (( i < h )); then
      k=$i span=$(( d * 1200 )) m=$h
    else
      k=$(( i - h )) span=$(( (d - w) * 1000 )) m=$(( n - h ))
    fi
    delay_us=$(( (span * k + span * RANDOM / 32768) / m ))
    rel_copy "$base" t.db
    "$@" >/dev/null 2>&1 &
    pid=$!
    if (( i >= h )); then     # wait for the first write
      while ! rel_writing t.db && kill -0 "$pid" 2>/dev/null; do :; done
    fi
    sleep "$(printf '%d.%06d' $((delay_us / 1000000)) $((delay_us % 1000000)))"
    kill -KILL "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 137 ]; then
      fail "$name trial $i: exit $rc before the kill"
    fi
    wal=0
    rel_writing t.db && wal=1
    rel_copy t.db c.db
    ic=$(integrity c.db)
    [ "$ic" = ok ] && pass || fail "$name trial $i (delay ${delay_us}us): integrity_check: $ic"
    d_now=$($dfn c.db)
    if [ "$d_now" = "$before" ]; then
      state=before; nb=$((nb + 1))
      [ $rc -eq 137 ] && [ $wal -eq 1 ] && nmid=$((nmid + 1))
    elif [ "$d_now" = "$after" ]; then
      state=after; na=$((na + 1))
      [ $rc -eq 137 ] && nlate=$((nlate + 1))
    else
      fail "$name trial $i (delay ${delay_us}us, exit $rc): neither the old nor the new state"
      continue
    fi
    pass
    if (( i % 8 == 0 )) || { [ $state = before ] && [ $rerun_b = 0 ]; } ||
       { [ $state = after ] && [ $rerun_a = 0 ]; }; then
      if [ $state = before ]; then rerun_b=1; want=$after; else rerun_a=1; want=$after2; fi
      nrerun=$((nrerun + 1))
      # On the crashed file itself: leadrules recovers it (WAL or journal).
      if "$@" >/dev/null 2>&1; then pass; else fail "$name trial $i: next pass failed"; fi
      same "$($dfn t.db)" "$want" "$name trial $i: next pass after a crash in the $state state"
      same "$(sq t.db 'PRAGMA journal_mode')" wal "$name trial $i: journal mode after the next pass"
      ic=$(integrity t.db)
      [ "$ic" = ok ] && pass || fail "$name trial $i: integrity after the next pass: $ic"
    fi
  done
  echo "$name: $n kills (D = $d ms, writing from $w ms): old state $nb" \
       "($nmid with uncommitted data written), new state $na ($nlate" \
       "killed after the commit); $nrerun re-runs"
  # Kills must have landed inside the write, or the test proves little.
  [ $((nmid + nlate)) -gt 0 ] && pass ||
    fail "$name: no kill landed while the command was writing"
}

# run: the old state is a db after a first run, the new one after a second
# run with a later clock (thousands of score changes, moves, handoffs).
rel_db base.db data || { fail "import"; finish; }
lr --db base.db run "$RPOLICY" --now 2026-10-01 >/dev/null || fail "first run"
rel_checkpoint base.db
crash run "$TRIALS" base.db digest_run \
  "$LEADRULES" --db t.db run "$RPOLICY" --now 2026-11-01

# import contacts into an empty database (the bulk path: drops and
# rebuilds the key index, adds columns).
printf 'email\n' | lr --db empty.db import contacts - >/dev/null && rel_checkpoint empty.db
crash "import contacts" "$IMPORT_TRIALS" empty.db digest_import \
  "$LEADRULES" --db t.db import contacts data/contacts.csv --map 'Job Title=title'

# import activities into a database with contacts.
lr --db contacts.db import contacts data/contacts.csv --map 'Job Title=title' >/dev/null
rel_checkpoint contacts.db
crash "import activities" "$IMPORT_TRIALS" contacts.db digest_import \
  "$LEADRULES" --db t.db import activities data/activities.csv

echo "total $((SECONDS - start)) s"
finish
