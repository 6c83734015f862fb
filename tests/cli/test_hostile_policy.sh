# Hostile policies through `leadrules run`: every tests/reliability/hostile/
# NAME.lua is one attack on the limits (recursion, memory, patterns,
# coroutines, metamethods on values handed back to the engine, errors in
# __gc and __close, runaway or forbidden segment SQL).  Its first line says
# what must happen:
#
#   -- expect: STATUS TEXT
#
# STATUS is the exit status; for 1 the message must name the policy line
# ("NAME.lua:N: ...") and contain TEXT, the run must end by itself within
# the address-space limit (ulimit -v, not under ASan, which reserves
# terabytes of address space), and the database must be unchanged.  A run
# stopped by a budget must say it was stopped by a count (instructions,
# SQL steps), not by a clock.  STATUS 0: the attack is harmless and the run
# succeeds.
#
# No time is checked.  The engine's limits are counts, not clocks, so a
# slow or loaded machine changes how long an attack takes, never how it
# ends.  Each run is under a hang watchdog (timeout), far above the
# seconds the slowest attack takes under a sanitizer on a loaded machine
# (about 40 s with ASan and both cores of a 2-core machine busy):
# it turns a limit that never fires into a failure instead of a stuck test.
# The per-attack time is printed for information only.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"
LIMIT_S=${LR_HOSTILE_TIMEOUT:-300}
VMEM_KB=$((1536 * 1024))
asan=0
grep -qs 'LR_SANITIZE:BOOL=ON' "${LR_BUILD:-}/CMakeCache.txt" && asan=1

# A small database: 300 contacts, activities, one earlier run.
rel_data data 300 3 || { fail "scripts/gen"; finish; }
rel_db test.db data || { fail "import"; finish; }
expect_ok lr run "$RPOLICY" --now 2026-10-01
rel_checkpoint test.db
before=$(digest_all test.db)
cp test.db pristine.db

n=0
for src in "$REL"/hostile/*.lua; do
  name=${src##*/}
  cp "$src" "$name"                   # a short path: the message shows it
  read -r _ _ want text < <(head -1 "$name")
  t0=$(now_ms)
  OUT=$( (if [ $asan = 0 ]; then ulimit -v $VMEM_KB; fi
          exec timeout -k 5 "$LIMIT_S" "$LEADRULES" run "$name" --now 2026-11-01) 2>&1)
  rc=$?
  ms=$(( $(now_ms) - t0 ))
  n=$((n + 1))
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    fail "$name: hang watchdog: still running after ${LIMIT_S} s (exit $rc); its limit never stopped it (a hang, not a slow machine)"
    continue
  fi
  same "$rc" "$want" "$name: exit status: ${OUT:0:300}"
  if [ "$want" = 0 ]; then
    contains "$text"
    same "$(integrity test.db)" ok
    rel_copy pristine.db test.db          # back to the state under test
    continue
  fi
  # file:line first, then the text; no internal paths or tracebacks.
  if [[ "$OUT" =~ ^leadrules:\ ${name//./\\.}:[0-9]+:\  ]]; then pass
  else fail "$name: message does not start with '$name:LINE:': ${OUT:0:300}"; fi
  contains "$text"
  # Stopped by a budget: the message gives the budget as a count.
  case $text in
    "instruction limit exceeded"*)
      [[ "$OUT" =~ instruction\ limit\ exceeded\ \([1-9][0-9]*\ instructions\) ]] && pass ||
        fail "$name: no instruction count in: ${OUT:0:300}" ;;
    *"ran over its budget"*)
      [[ "$OUT" =~ over\ its\ budget\ of\ [1-9][0-9]*\ steps ]] && pass ||
        fail "$name: no step count in: ${OUT:0:300}" ;;
  esac
  [ ${#OUT} -lt 4096 ] && pass || fail "$name: message of ${#OUT} bytes"
  same "$(digest_all test.db)" "$before" "$name: database changed"
  echo "$name: exit $rc in $ms ms (not checked): ${OUT:0:160}"
done
[ $n -ge 30 ] && pass || fail "only $n attacks found"

same "$(integrity test.db)" ok
finish
