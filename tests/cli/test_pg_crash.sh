# Crash safety on the PostgreSQL store (docs/postgresql.md), as
# test_crash.sh checks it on SQLite: `leadrules run` and `leadrules import`
# killed with SIGKILL at deterministic pseudo-random moments spread over
# their duration leave a database that holds either the complete old state
# or the complete new state (readers see the last commit); the next run or
# import works at once (the dead client's advisory lock and transaction go
# with its connection) and yields the same state as a clean one.
#
# Each trial runs on a fresh copy of the base database (CREATE DATABASE
# ... TEMPLATE).  LR_PG_CRASH_TRIALS (default 6; 4 in a sanitizer build) kills per command,
# LR_CRASH_SEED the seed, LR_PG_CRASH_CONTACTS the data set (default
# 3,000 contacts with ~15,000 activities).
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"
if [ -z "${LEADRULES_TEST_PG:-}" ]; then
  echo "skipped: LEADRULES_TEST_PG is not set (scripts/pg-up starts a server)"
  exit 77
fi
command -v psql >/dev/null || { echo "skipped: no psql"; exit 77; }
SEED=${LR_CRASH_SEED:-20261207}
TRIALS=${LR_PG_CRASH_TRIALS:-6}
if [ -z "${LR_PG_CRASH_TRIALS:-}" ] &&
   grep -qs 'LR_SANITIZE:BOOL=ON' "${LR_BUILD:-}/CMakeCache.txt"; then
  TRIALS=4                  # leadrules is ~3x slower there
fi
CONTACTS=${LR_PG_CRASH_CONTACTS:-3000}
RANDOM=$SEED
start=$SECONDS

base=${LEADRULES_TEST_PG%/*}
pfx="lr_c_$$"
dbs=()
trap 'for d in "${dbs[@]}"; do psql -qX "$LEADRULES_TEST_PG" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" 2>/dev/null; done' EXIT
admin() { psql -qXtA -v ON_ERROR_STOP=1 "$LEADRULES_TEST_PG" -c "$1"; }
# copy SRC DST: DST (dropped first) becomes a copy of database SRC.
copy() {
  admin "DROP DATABASE IF EXISTS $2 WITH (FORCE)" >/dev/null &&
    admin "CREATE DATABASE $2 TEMPLATE $1" >/dev/null || exit 2
  case " ${dbs[*]} " in *" $2 "*) ;; *) dbs+=("$2") ;; esac
}
pq() { psql -qXtA -v ON_ERROR_STOP=1 "$base/$1" -c "$2"; }

# The state a run writes, without wall-clock columns (runs.started_at,
# finished_at) and outbox ids (they only grow: a killed run took numbers;
# docs/postgresql.md): equal digests mean equal states.
digest_run() {
  pq "$1" "SELECT md5(concat_ws('/',
    (SELECT string_agg(t::text, E'\n' ORDER BY id) FROM contacts t),
    (SELECT string_agg(t::text, E'\n' ORDER BY id) FROM stage_history t),
    (SELECT string_agg(t::text, E'\n' ORDER BY id) FROM assignments t),
    (SELECT string_agg(concat_ws(',', id, kind, policy, policy_hash, now,
       evaluated, score_changes, moves, handoffs, errors, dry_run, by,
       error_text), E'\n' ORDER BY id) FROM runs),
    (SELECT string_agg(t::text, E'\n' ORDER BY contact_id, rule) FROM score_parts t),
    (SELECT string_agg(t::text, E'\n' ORDER BY contact_id, segment) FROM segment_members t),
    (SELECT string_agg(t::text, E'\n' ORDER BY router, owner) FROM routing_state t),
    (SELECT string_agg(t::text, E'\n' ORDER BY t::text) FROM run_errors t),
    (SELECT string_agg(concat_ws(',', kind, contact_id, key, run_id, payload),
       E'\n' ORDER BY id) FROM outbox),
    (SELECT string_agg(t::text, E'\n' ORDER BY id) FROM audit t)))"
}
# The state an import writes, without its wall clock (imports.at and
# contacts.data_at): every column of contacts but data_at.
digest_import() {
  pq "$1" "SELECT md5(concat_ws('/',
    (SELECT string_agg((to_jsonb(t) - 'data_at')::text, E'\n' ORDER BY id) FROM contacts t),
    (SELECT string_agg(t::text, E'\n' ORDER BY id) FROM activities t),
    (SELECT string_agg(t::text, E'\n' ORDER BY id) FROM outcomes t),
    (SELECT string_agg(t::text, E'\n' ORDER BY name) FROM fields t),
    (SELECT string_agg(concat_ws(',', id, kind, file, key_field, rows_read,
       inserted, updated, merged, rejected, fields_created), E'\n' ORDER BY id)
       FROM imports),
    (SELECT string_agg(t::text, E'\n' ORDER BY k) FROM meta t)))"
}
# wrote_run DB, wrote_import DB: the old state holds, yet a killed run
# (import) had begun to write: it took a number from the sequence of runs
# (imports), its first row (sequences do not roll back).
took() {
  [ "$(pq "$1" "SELECT coalesce(pg_sequence_last_value('${2}_id_seq'), 0) >
     (SELECT coalesce(max(id), 0) FROM $2)")" = t ]
}
wrote_run() { took "$1" runs; }
wrote_import() { took "$1" imports; }
# backends DB: connections to DB still open.
backends() { admin "SELECT count(*) FROM pg_stat_activity WHERE datname = '$1'"; }

now_ms() { date +%s%3N; }

# crash NAME N BASE DIGEST_FN WROTE_FN CMD...: N trials of CMD on database
# $T, a copy of BASE, as test_crash.sh does on a file: a clean pass gives
# the "after" digest, a second one "after2" and the duration D; half the
# kills land in slices of [0, 1.2 D], the other half in slices of
# [0.3 D, D], where the command writes (WROTE_FN tells whether a killed
# command in the old state had written).  Every 4th trial (and the first
# in each state) runs CMD again at once.

# trial I DELAY_US CMD...: one kill of CMD on a fresh copy of $src (the
# variables of crash(): the counters, before, after, after2, wfn).
trial() {
  local i=$1 delay_us=$2 rc d_now pid state want; shift 2
  copy "$src" "$T"
  "$@" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%06d' $((delay_us / 1000000)) $((delay_us % 1000000)))"
  kill -KILL "$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null
  rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 137 ]; then
    fail "$name trial $i: exit $rc before the kill"
  fi
  # Read at once: the server may not have noticed the dead client yet,
  # and a reader must still see the last commit.
  d_now=$($dfn "$T")
  if [ "$d_now" = "$before" ]; then
    state=before; nb=$((nb + 1))
    [ $rc -eq 137 ] && $wfn "$T" && nmid=$((nmid + 1))
  elif [ "$d_now" = "$after" ]; then
    state=after; na=$((na + 1))
    [ $rc -eq 137 ] && nlate=$((nlate + 1))
  else
    fail "$name trial $i (delay ${delay_us}us, exit $rc): neither the old nor the new state"
    return
  fi
  pass
  if (( i % 4 == 0 )) || { [ $state = before ] && [ $rerun_b = 0 ]; } ||
     { [ $state = after ] && [ $rerun_a = 0 ]; }; then
    if [ $state = before ]; then rerun_b=1; want=$after; else rerun_a=1; want=$after2; fi
    nrerun=$((nrerun + 1))
    if "$@" >/dev/null 2>&1; then pass; else fail "$name trial $i: next pass failed"; fi
    same "$($dfn "$T")" "$want" "$name trial $i: next pass after a crash in the $state state"
  fi
}

T="${pfx}_t"
crash() {
  local name=$1 n=$2 src=$3 dfn=$4 wfn=$5; shift 5
  local before after after2 t0 d i k h m span off
  local nb=0 na=0 nmid=0 nlate=0 rerun_b=0 rerun_a=0 nrerun=0
  before=$($dfn "$src")
  copy "$src" "$T"
  t0=$(now_ms)
  "$@" >/dev/null 2>&1 || { fail "$name: clean pass failed: $*"; return; }
  d=$(( $(now_ms) - t0 ))
  after=$($dfn "$T")
  "$@" >/dev/null 2>&1 || { fail "$name: second clean pass failed"; return; }
  after2=$($dfn "$T")
  if [ "$before" = "$after" ] || [ "$after" = "$after2" ]; then
    fail "$name: the command changes nothing, the test proves nothing"
    return
  fi
  h=$(( n / 2 ))
  for ((i = 0; i < n; i++)); do
    if (( i < h )); then
      k=$i span=$(( d * 1200 )) m=$h off=0
    else
      k=$(( i - h )) span=$(( d * 700 )) m=$(( n - h )) off=$(( d * 300 ))
    fi
    trial $i $(( off + (span * k + span * RANDOM / 32768) / m )) "$@"
  done
  # On a loaded machine the command's duration drifts: aim more kills at
  # the middle of the write until one lands there.
  for ((i = n; i < n + 6 && nmid + nlate == 0; i++)); do
    trial $i $(( d * (300 + 500 * RANDOM / 32768) )) "$@"
  done
  # The dead clients' connections are gone (the server ends them when it
  # next talks to the socket, which a statement in progress on a loaded
  # machine may delay by seconds: wait up to a minute).
  for ((k = 0; k < 600; k++)); do [ "$(backends "$T")" = 0 ] && break; sleep 0.1; done
  same "$(backends "$T")" 0 "$name: no connection of a killed client is left"
  echo "$name: $i kills (D = $d ms): old state $nb" \
       "($nmid killed after its first write), new state $na ($nlate killed after" \
       "the commit); $nrerun re-runs"
  [ $((nmid + nlate)) -gt 0 ] && pass ||
    fail "$name: no kill landed while the command was writing"
}

rel_data data "$CONTACTS" 5 || { fail "scripts/gen"; finish; }
B="${pfx}_base"
admin "CREATE DATABASE $B" >/dev/null || exit 2
dbs+=("$B")
lr --db "$base/$B" import contacts data/contacts.csv --map 'Job Title=title' >/dev/null &&
  lr --db "$base/$B" import activities data/activities.csv >/dev/null &&
  lr --db "$base/$B" import outcomes data/outcomes.csv >/dev/null || { fail "import"; finish; }

# run: the old state is a database after a first run, the new one after a
# second run with a later clock; with two workers reading one snapshot.
lr --db "$base/$B" run "$RPOLICY" --now 2026-10-01 >/dev/null || fail "first run"
R="${pfx}_run"
copy "$B" "$R"
crash run "$TRIALS" "$R" digest_run wrote_run \
  "$LEADRULES" --db "$base/$T" run "$RPOLICY" --now 2026-11-01 --jobs 2

# import contacts into a database that has its schema and no contacts.
E="${pfx}_empty"
admin "CREATE DATABASE $E" >/dev/null || exit 2
dbs+=("$E")
printf 'email\n' | lr --db "$base/$E" import contacts - >/dev/null || fail "empty import"
crash "import contacts" "$TRIALS" "$E" digest_import wrote_import \
  "$LEADRULES" --db "$base/$T" import contacts data/contacts.csv --map 'Job Title=title'

# import activities into a database with contacts.
C="${pfx}_contacts"
admin "CREATE DATABASE $C" >/dev/null || exit 2
dbs+=("$C")
lr --db "$base/$C" import contacts data/contacts.csv --map 'Job Title=title' >/dev/null ||
  fail "contacts import"
crash "import activities" "$TRIALS" "$C" digest_import wrote_import \
  "$LEADRULES" --db "$base/$T" import activities data/activities.csv

echo "total $((SECONDS - start)) s"
finish
