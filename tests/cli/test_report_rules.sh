# leadrules report: the rules of docs/qualify.md "Reading the report", one
# fixture on each boundary.  SLA: a handoff is breached when its due time
# is before the clock and nothing answered it at or before due (a stage
# move after the handoff, an outcome at or after it); the report's clock
# is --now, else the latest run's now, else the wall clock.  Conversion
# through a funnel counts skips; zero-second stays are passed through; the
# funnel order comes from the latest run when no --policy is given;
# --by splits the grade x engagement matrix.
. "$LR_SRC/tests/cli/lib.sh"
P="$LR_SRC/tests/fixtures/policies/basic.lua"
T=1793491200                     # 2026-11-01T00:00:00Z: the clock
A=$((T - 3*86400))               # the handoffs
D=$((T - 2*86400))               # due of the cases that act around it
# want EXPR VALUE [WHY]: the Python expression EXPR on $OUT's JSON (as `j`)
# prints VALUE; the checks wanted so far are made by `wants`, with one
# python for them all (a python3 a check took half the test's time).
W_E=() W_V=() W_M=()
want() { W_E+=("$1"); W_V+=("$2"); W_M+=("${3:-$1}"); }
wants() {
  local got i
  mapfile -t got < <(python3 -c 'import json,sys
j = json.loads(sys.stdin.read())
for e in sys.argv[1:]:
    try: print(str(eval(e)).replace("\n", " "))
    except Exception as x: print("error: %r" % x)' "${W_E[@]}" <<<"$OUT")
  for i in "${!W_E[@]}"; do same "${got[i]-}" "${W_V[i]}" "${W_M[i]}"; done
  W_E=() W_V=() W_M=()
}
breached() {   # breached OWNER: breaches of that owner's handoff in (all)
  echo "[h['breached'] for h in j['handoffs'] if h['owner']=='$1' and h['group']=='(all)'][0]"
}

# No run yet: the wall clock, and the header says so.
printf 'email\nfirst@x.example\n' > first.csv
expect_ok lr import contacts first.csv
expect_ok lr report --json
want "j['clock']" wall_clock
want "j['clock_run']" None
wants
expect_ok lr report
contains "(the wall clock: no run recorded)"

# A real run records the clock and its policy's stages.
expect_ok lr run "$P" --now $A
same "$(sql 'SELECT stages FROM runs')" '{"funnel": ["subscriber", "lead", "mql", "sql"], "side": ["nurture"]}'

# Contacts: one per case, each handed to its own owner at A (run 1).
keys=""
for k in due_at_clock due_before_clock move_at_due move_after_due \
         outcome_at_due outcome_after_due same_run later_run \
         outcome_before_handoff outcome_at_handoff no_due; do
  keys="$keys('$k'),"
done
sql "INSERT INTO contacts(key) VALUES ${keys%,};"
id() { echo "(SELECT id FROM contacts WHERE key='$1')"; }   # in the SQL: no sqlite3 of its own
hand() {   # hand KEY DUE: handed to owner KEY at A in run 1
  sql "INSERT INTO assignments(contact_id, owner, stage, at, run_id, due) VALUES ($(id "$1"), '$1', 'sql', $A, 1, $2);
       INSERT INTO stage_history(contact_id, from_stage, to_stage, at, run_id) VALUES ($(id "$1"), 'mql', 'sql', $A, 1);"
}
move() {   # move KEY AT RUN: a later stage move
  sql "INSERT INTO stage_history(contact_id, from_stage, to_stage, at, run_id) VALUES ($(id "$1"), 'sql', 'nurture', $2, $3)"
}
outcome() { sql "INSERT INTO outcomes(contact_id, result, closed_at) VALUES ($(id "$1"), 'lost', $2)"; }
sql "INSERT INTO runs(id, kind, now, started_at) VALUES (2, 'manual', $A, 0), (3, 'run', $T, 0)"
hand due_at_clock $T
hand due_before_clock $((T - 1))
hand move_at_due $D;        move move_at_due $D 3
hand move_after_due $D;     move move_after_due $((D + 1)) 3   # recycled late
hand outcome_at_due $D;     outcome outcome_at_due $D
hand outcome_after_due $D;  outcome outcome_after_due $((D + 1))
hand same_run $D;           move same_run $A 1
hand later_run $D;          move later_run $A 2
hand outcome_before_handoff $D; outcome outcome_before_handoff $((A - 1))
hand outcome_at_handoff $D;     outcome outcome_at_handoff $A
hand no_due NULL

# The default clock: the latest run (run 3, at T), not the wall clock; a
# dry run or a manual move is not a run of the policy.
sql "INSERT INTO runs(id, kind, now, started_at, dry_run) VALUES (4, 'run', $((T + 86400*30)), 0, 1), (5, 'manual', $((T + 86400*60)), 0, 0)"
expect_ok lr report --json
want "j['now']" 2026-11-01T00:00:00Z
want "j['clock']" latest_run
want "j['clock_run']" 3
want "$(breached due_at_clock)" 0 "due exactly at the clock"
want "$(breached due_before_clock)" 1 "due a second before the clock"
want "$(breached move_at_due)" 0 "moved exactly at due"
want "$(breached move_after_due)" 1 "recycled a second after due"
want "$(breached outcome_at_due)" 0 "outcome exactly at due"
want "$(breached outcome_after_due)" 1 "outcome a second after due"
want "$(breached same_run)" 1 "a move in the handoff's own run answers nothing"
want "$(breached later_run)" 0 "a move at the same time in a later run"
want "$(breached outcome_before_handoff)" 1 "an outcome before the handoff"
want "$(breached outcome_at_handoff)" 0 "an outcome at the handoff"
want "[h['with_sla'] for h in j['handoffs'] if h['owner']=='no_due'][0]" 0
want "$(breached no_due)" 0
wants
expect_ok lr report
contains "now        2026-11-01T00:00:00Z (the latest run's now, run 3)"

# --now overrides, and says so: a second earlier, due_at_clock is not due
# and due_before_clock is due exactly at the clock.
expect_ok lr report --json --now $((T - 1))
want "j['clock']" given
want "$(breached due_before_clock)" 0
wants
expect_ok lr report --now $((T - 1))
contains "(from --now)"
# --since as a span counts back from the report's clock, not the wall
# clock: 3d before run 3's now takes the handoffs at A, 2d does not.
expect_ok lr report --json --since 3d
want "j['since']" 2026-10-29T00:00:00Z
want "sum(h['handoffs'] for h in j['handoffs'] if h['group']=='(all)')" 11
wants
expect_ok lr report --json --since 2d
want "len(j['handoffs'])" 0
wants

# Funnel order without --policy: the stages run 1 recorded (not history).
expect_ok lr report --json
want "j['stage_order']" run
want "j['stages'][:5]" "['subscriber', 'lead', 'mql', 'sql', 'nurture']"
wants
expect_ok lr report
contains "(the funnel order the latest run recorded)"

# Conversion through the funnel counts skips (a fresh database: no runs,
# so the policy gives the order).
db_reset
printf 'email\n' | lr import contacts - >/dev/null
expect_ok lr run "$P" --now $A
sql "DELETE FROM runs; INSERT INTO contacts(key, source, grade, scores) VALUES
  ('skip', 'web', 'A', '{\"engagement\": 10}'), ('start_at_sql', 'web', 'A', '{\"engagement\": 9.5}'),
  ('via_nurture', 'ads', 'B', NULL), ('stops_at_mql', 'ads', NULL, NULL),
  ('stays', 'ads', 'A', '{\"engagement\": -1}');"
h() { sql "INSERT INTO stage_history(contact_id, from_stage, to_stage, at, run_id) VALUES ($(id "$1"), $2, '$3', $4, $5)"; }
h skip NULL lead $A 1;          h skip "'lead'" sql $((A + 10)) 2
h start_at_sql NULL sql $A 1
h via_nurture NULL lead $A 1;   h via_nurture "'lead'" nurture $((A + 5)) 2
h via_nurture "'nurture'" sql $((A + 9)) 3
h stops_at_mql NULL lead $A 1;  h stops_at_mql "'lead'" mql $A 1
h stays NULL lead $A 1;         h stays "'lead'" mql $((A + 1)) 2
conv() {   # conv FROM: "entered converted" of that pair in (all)
  echo "[(c['entered'], c['converted']) for c in j['conversion'] if c['from']=='$1' and c['group']=='(all)'][0]"
}
expect_ok lr report --json --policy "$P"
want "$(conv lead)" "(4, 4)" "lead -> mql: the skip and the side trip moved on"
want "$(conv mql)" "(3, 1)" "mql -> sql: lead -> sql passes mql; nurture -> sql does not"
want "len(j['conversion'])" 3
# Time in stage: zero seconds passed through, one second is a stay.
stay() { echo "[(s['stays'], s['median_seconds'], s['passed_through']) for s in j['time_in_stage'] if s['stage']=='$1' and s['group']=='(all)'][0]"; }
want "$(stay lead)" "(3, 5, 1)" "lead: 10 s, 5 s and 1 s stays; stops_at_mql passed through"
wants
expect_ok lr report --policy "$P"
contains "passed through"
# The grade x engagement matrix is split like every other table.
expect_ok lr report --json --by source
want "[(g['group'], g['grade'], g['contacts']) for g in j['grade_engagement']['grades']]" \
  "[('ads', 'A', [1, 0, 0, 0, 0, 0]), ('ads', 'B', [0, 0, 0, 0, 0, 1]), ('web', 'A', [0, 1, 1, 0, 0, 0]), ('(all)', 'A', [1, 1, 1, 0, 0, 0]), ('(all)', 'B', [0, 0, 0, 0, 0, 1])]"
wants
expect_ok lr report --by source
contains "source  grade  < 0  0-10"
[ ${#W_E[@]} -eq 0 ] || fail "checks wanted and never made: ${W_E[*]}"
finish
