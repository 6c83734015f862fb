#!/usr/bin/env bash
# scripts/bench --growth end to end on tiny sizes: every step at each size,
# per-contact ratios to the smallest, bytes per contact by table; sizes
# outside 1..10,000,000 are refused.  Not a timed test: nothing is asserted
# about the times themselves.
. "$LR_SRC/tests/cli/lib.sh"

expect_ok "$LR_SRC/scripts/bench" --growth 2000,4000 --leadrules "$LEADRULES" \
  --work "$LR_TMP/bench" --json "$LR_TMP/growth.json" --keep
contains "## leadrules growth"
contains "Read from the disk (MiB"
contains "| import activities |"
contains "| run --changed a day later |"
contains "| report --by source |"
contains "| export --json |"
contains "time 4k/2k"
contains "Database bytes per contact"
contains "| activities |"
lacks "n/a steps"
expect_ok python3 -c "import json,sys; r=json.load(open(sys.argv[1])); \
  s=r['sizes']; assert [x['contacts'] for x in s]==[2000,4000], s; \
  assert all(st['ok'] for x in s for st in x['steps'].values()); \
  assert s[1]['time_ratio']['run'] is not None and s[0]['time_ratio']['run']==1.0; \
  assert s[1]['bytes']['contacts'] > 0; \
  assert all('disk_read_mib' in st and 'major_faults' in st \
             for x in s for st in x['steps'].values())" growth.json
# --keep keeps the largest size's database (a profile starts from it), only.
same "$(sqlite3 "$LR_TMP/bench/growth-4000/growth.db" "SELECT count(*) FROM contacts")" "4000" "(--keep)"
[ ! -e "$LR_TMP/bench/growth-2000" ] || fail "--keep kept the smaller size's directory"
# --from prints a saved result again, with CPU time per contact.
expect_ok "$LR_SRC/scripts/bench" --growth --from "$LR_TMP/growth.json"
contains "CPU 4k/2k"
contains "| export --json |"
# The time-ordered log too, and --contacts as a single size.
expect_ok "$LR_SRC/scripts/bench" --growth --contacts 1500 --order time \
  --leadrules "$LEADRULES" --work "$LR_TMP/bench" --json "$LR_TMP/growth1.json"
contains "activities in time order"
# --perf DIR records one profile per step, when perf may sample the machine.
if command -v perf >/dev/null && perf record -a -o "$LR_TMP/probe.data" true >/dev/null 2>&1; then
  expect_ok "$LR_SRC/scripts/bench" --growth 1000 --leadrules "$LEADRULES" \
    --work "$LR_TMP/bench" --json "$LR_TMP/growth2.json" --perf "$LR_TMP/perf"
  [ -s "$LR_TMP/perf/1000-run.data" ] && [ -s "$LR_TMP/perf/1000-export.data" ] \
    && pass || fail "--perf wrote no profile of run or export"
  expect_ok perf report -i "$LR_TMP/perf/1000-run.data" --comm leadrules --stdio
else
  echo "skip: perf cannot sample the whole machine here"
fi
expect_fail 1 "$LR_SRC/scripts/bench" --growth 20000000 --leadrules "$LEADRULES" \
  --work "$LR_TMP/bench" --json "$LR_TMP/bad.json"
contains "1 to 10000000"
expect_fail 1 "$LR_SRC/scripts/bench" --contacts 20000000 --leadrules "$LEADRULES" \
  --work "$LR_TMP/bench" --json "$LR_TMP/bad.json"
contains "10,000,000"
finish
