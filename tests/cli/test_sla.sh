# SLAs and recycling through the command, on real SQLite files: a lead
# recycled for a breached SLA loses its owner and waits out a 30-day
# cool-down in nurture (lead:time_in_stage(), to the second); an SLA due
# exactly at the clock is not breached; stage_since follows runs, moves and
# scripts; a lead entering a full round robin waits unowned until a later
# day; a re-run at the same --now leaves every table but `runs` as it was.
source "$LR_SRC/tests/cli/lib.sh"
DAY=86400
T0=1700000000                                   # 2023-11-14T22:13:20Z
stage_of() { sql "SELECT ifnull(stage, '-') FROM contacts WHERE key='$1'"; }
owner_of() { sql "SELECT ifnull(owner, '-') FROM contacts WHERE key='$1'"; }
since_of() { sql "SELECT ifnull(stage_since, '-') FROM contacts WHERE key='$1'"; }
# every row of every table but runs
dump() { db_dump runs; }

cat > leads.csv <<'EOF'
email,company,go
a@x.example,A,1
b@x.example,B,1
c@x.example,C,1
EOF
cat > sla.lua <<'EOF'
stages { "lead", "mql", "sql" }
stage "nurture"
transition { from = "lead", to = "mql", when = function(lead) return lead.go == 1 end }
transition { from = "mql", to = "sql", when = function(lead) return lead.go == 1 end }
transition { from = "sql", to = "nurture", reason = "SLA breached",
  when = function(lead) return lead:sla_breached() end }
-- recycled leads wait 30 days before they may qualify again
transition { from = "nurture", to = "lead", reason = "cool-down over",
  when = function(lead) return (lead:time_in_stage() or 0) >= 30 * 86400 end }
handoff { stage = "mql", assign = "sdr@corp.example" }
handoff { stage = "sql", due = "2d", assign = round_robin {
  "ana@corp.example", "ben@corp.example", capacity = 1 } }
EOF

expect_ok lr import contacts leads.csv
# check knows the lead's times are the engine's, not missing columns
expect_ok lr check sla.lua --now $T0
lacks "time_in_stage"
# -- day 0: lead -> mql -> sql in one run; two owners with room for one each
expect_ok lr run sla.lua --now $T0
same "$(sql "SELECT group_concat(stage || ':' || ifnull(owner, '-') || ':' || stage_since, ' ')
             FROM (SELECT * FROM contacts ORDER BY id) AS t")" \
     "sql:ana@corp.example:$T0 sql:ben@corp.example:$T0 sql:-:$T0"
# the pass-through is in the history, each step at the run's clock
same "$(sql "SELECT count(*) FROM stage_history WHERE at = $T0")" 9
# c waits unowned (not with the SDR of mql), without an SLA
same "$(sql "SELECT count(*) FROM contacts WHERE key='c@x.example' AND owner IS NULL
             AND assigned_at IS NULL AND due_at IS NULL")" 1

# -- a re-run at the same clock writes nothing but its runs row
BEFORE=$(dump)
expect_ok lr run sla.lua --now $T0
same "$(dump)" "$BEFORE" "(re-run at the same --now)"
same "$(sql "SELECT count(*) FROM runs")" 2

# -- day 1: capacity frees up; c is assigned, due two days later
expect_ok lr run sla.lua --now $((T0 + DAY))
same "$(owner_of c@x.example)" "ana@corp.example"
same "$(sql "SELECT due_at FROM contacts WHERE key='c@x.example'")" $((T0 + 3 * DAY))

# -- day 2, exactly at a's and b's due time: not breached
expect_ok lr run sla.lua --now $((T0 + 2 * DAY))
same "$(stage_of a@x.example)" sql
same "$(owner_of a@x.example)" "ana@corp.example"
# one second later: breached, recycled, no owner, cool-down starts
expect_ok lr explain a@x.example sla.lua --now $((T0 + 2 * DAY + 1))
contains "sql->nurture"
contains "the run clears the owner ana@corp.example: recycled by a transition without keep_owner"
expect_ok lr run sla.lua --now $((T0 + 2 * DAY + 1))
same "$(stage_of a@x.example)/$(owner_of a@x.example)/$(since_of a@x.example)" \
     "nurture/-/$((T0 + 2 * DAY + 1))"
same "$(sql "SELECT count(*) FROM contacts WHERE key='a@x.example' AND assigned_at IS NULL
             AND due_at IS NULL")" 1
same "$(stage_of c@x.example)" sql               # due a day later
# explain reads the time in stage
expect_ok lr explain a@x.example sla.lua --now $((T0 + 3 * DAY))
contains "time_in_stage=86399"

# -- the cool-down: a second short of 30 days it stays; at 30 days it returns
# to lead (lead->mql is declared before nurture->lead: the next run goes on)
NURT=$((T0 + 2 * DAY + 1))
expect_ok lr run sla.lua --now $((NURT + 30 * DAY - 1))
same "$(stage_of a@x.example)" nurture
expect_ok lr run sla.lua --now $((NURT + 30 * DAY))
same "$(sql "SELECT group_concat(to_stage, '>') FROM stage_history h JOIN contacts c
             ON c.id = h.contact_id WHERE c.key = 'a@x.example' AND h.at = $((NURT + 30 * DAY))")" \
     "lead"
same "$(since_of a@x.example)" $((NURT + 30 * DAY))
expect_ok lr run sla.lua --now $((NURT + 30 * DAY + 60))
same "$(stage_of a@x.example)/$(since_of a@x.example)" "sql/$((NURT + 30 * DAY + 60))"

# -- manual moves and scripts date the entry too
expect_ok lr move b@x.example mql --reason "not ready" --now $((T0 + 40 * DAY))
same "$(since_of b@x.example)" $((T0 + 40 * DAY))
cat > mover.lua <<'EOF'
for lead in leads { where = "key = 'b@x.example'" } do
  lead:move_to("sql", "asked for pricing")
  print(lead.stage_since, lead:time_in_stage())
end
EOF
expect_ok lr mover.lua --now $((T0 + 41 * DAY))
contains "$((T0 + 41 * DAY))	0"
same "$(since_of b@x.example)" $((T0 + 41 * DAY))

# -- keep_owner: a recycle that keeps the owner
expect_ok lr set b@x.example owner=ben@corp.example --reason "took it over"
cat > keep.lua <<'EOF'
stages { "lead", "mql", "sql" }
stage "nurture"
stage "parked"
transition { from = "sql", to = "parked", keep_owner = true, reason = "on hold",
  when = function(lead) return true end }
EOF
expect_ok lr run keep.lua --now $((T0 + 42 * DAY)) --override-manual
same "$(stage_of b@x.example)/$(owner_of b@x.example)" "parked/ben@corp.example"
same "$(stage_of a@x.example)/$(owner_of a@x.example)" "parked/$(sql "SELECT a.owner FROM
     assignments a JOIN contacts c ON c.id = a.contact_id WHERE c.key = 'a@x.example'
     ORDER BY a.id DESC LIMIT 1")"
same "$(owner_of a@x.example)" "ben@corp.example"
same "$(sql "SELECT assigned_at FROM contacts WHERE key='a@x.example'")" $((NURT + 30 * DAY + 60))
# -- an away owner's count stays as it is through a re-run
sed -e 's/capacity = 1 }/capacity = 1, away = { "ana@corp.example" } }/' -e 's/^stage "nurture"/stage "nurture"\nstage "parked"/' sla.lua > away.lua
printf 'email,company,go\nd@x.example,D,1\ne@x.example,E,1\n' > more.csv
expect_ok lr import contacts more.csv
expect_ok lr run away.lua --now $((T0 + 50 * DAY))
expect_ok lr run away.lua --now $((T0 + 51 * DAY))      # ben, a lead a day
same "$(owner_of d@x.example)/$(owner_of e@x.example)" "ben@corp.example/ben@corp.example"
BEFORE=$(dump)
ANA=$(sql "SELECT total FROM routing_state WHERE owner = 'ana@corp.example'")
same "$ANA" 3
expect_ok lr run away.lua --now $((T0 + 51 * DAY))
same "$(dump)" "$BEFORE" "(re-run with an owner away)"
same "$(sql "SELECT total FROM routing_state WHERE owner = 'ana@corp.example'")" "$ANA"

# -- explain: entering sql while everyone is away clears an earlier owner
sed 's/away = { "ana@corp.example" }/away = { "ana@corp.example", "ben@corp.example" }/' \
  away.lua > allaway.lua
printf 'email,company,go\nf@x.example,F,1\n' > f.csv
expect_ok lr import contacts f.csv
expect_ok lr set f@x.example owner=sdr@corp.example --reason "met at a fair"
expect_ok lr explain f@x.example allaway.lua --now $((T0 + 60 * DAY))
contains "every owner is away or at capacity today, so it waits for a later run (unowned: sdr@corp.example, its earlier owner, is cleared)"
expect_ok lr run allaway.lua --now $((T0 + 60 * DAY))
same "$(stage_of f@x.example)/$(owner_of f@x.example)" "sql/-"

cat > bad.lua <<'EOF'
stages { "lead" }
stage "parked"
transition { from = "lead", to = "parked", keep_owner = "yes", when = function() return true end }
EOF
expect_fail 1 lr run bad.lua --now $T0
contains "bad.lua:3: transition: 'keep_owner' must be true or false, got string"

finish
