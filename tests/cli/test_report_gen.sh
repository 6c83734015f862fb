# leadrules report on a generated data set (scripts/gen, shaped like the
# benchmark's), its figures pinned against tests/report/reference.py: an
# independent count from plain SELECTs and Python loops.  The report reads
# the tables in one pass (src/analysis/report_pass.c); the policy
# (examples/b2b_saas.lua, run on five clocks) gives it segments, grades,
# handoffs with SLA breaches, recycled and skipped stages.  With the
# run's stage order (a funnel) and without one (the history's order).
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/report/lib.sh"         # want_ref, want_refs
R="$LR_SRC/tests/report"
NOW=2026-11-05 NOW_S=1793836800 SINCE=2026-10-25 SINCE_S=1792886400

python3 "$LR_SRC/scripts/gen" --contacts 1500 --seed 5 --now 2026-11-01 \
  --out data >/dev/null || fail "scripts/gen"
lr import contacts data/contacts.csv --map 'Job Title=title' >/dev/null &&
  lr import activities data/activities.csv >/dev/null &&
  lr import outcomes data/outcomes.csv >/dev/null || fail "import"
for n in 2026-10-10 2026-10-20 2026-10-29 2026-11-01 2026-11-04; do
  lr run "$LR_SRC/examples/b2b_saas.lua" --now $n >/dev/null || fail "run $n"
done
# the data must exercise what the report counts
same "$(sql "SELECT count(*) > 0 FROM assignments WHERE due < $NOW_S")" 1
same "$(sql "SELECT count(DISTINCT to_stage) >= 6 FROM stage_history")" 1
same "$(sql "SELECT count(*) > 0 FROM contacts WHERE grade IS NOT NULL")" 1
same "$(sql "SELECT count(DISTINCT company_size) > 25 FROM contacts")" 1
same "$(sql "SELECT count(*) > 0 FROM outcomes")" 1

FUNNEL="subscriber,lead,mql,sql,opportunity,customer,nurture,disqualified 6"
check() {    # check NAME DB [report options] -- [reference options]
  local name=$1 db=$2; shift 2
  local mine=() ref=()
  while [ "$1" != -- ]; do mine+=("$1"); shift; done; shift
  ref=("$@")
  lr --db "$db" report --now $NOW --json "${mine[@]}" > "got_$name.json" ||
    fail "report $name"
  want_ref "$name" "$db" --now $NOW_S "${ref[@]}"
}
# shellcheck disable=SC2086
{
P="--policy $LR_SRC/examples/b2b_saas.lua"
check all test.db $P -- --stages $FUNNEL
check owner test.db $P --by owner -- --by owner --stages $FUNNEL
check source test.db $P --by source --since $SINCE -- --by source \
  --since $SINCE_S --stages $FUNNEL
check segment test.db $P --by segment -- --by segment --stages $FUNNEL
check country test.db $P --by country -- --by country --stages $FUNNEL
# more values than groups: the rest fold into (other), whose outcomes
# the pass names for SQL's sums (report_pass.c, lrp_pass_outcomes)
check size test.db $P --by company_size -- --by company_size --stages $FUNNEL
check title test.db $P --by title --since $SINCE -- --by title \
  --since $SINCE_S --stages $FUNNEL
}
# Without the run's stages the order is the history's and every move
# seen is a conversion pair.
cp test.db plain.db
sqlite3 plain.db "UPDATE runs SET stages = NULL"
check plain plain.db --
check plain_owner plain.db --by owner --since $SINCE -- --by owner \
  --since $SINCE_S
want_refs
finish
