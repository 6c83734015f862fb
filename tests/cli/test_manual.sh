# The manual lock through the command line, on a real database: move
# --for/--until and their boundaries (a second before the expiry, the
# expiry itself), imports of contacts and activities that never release
# it, an outcome closed at the move's second (holds) or a second after it
# (releases), set stage=..., --override-manual, the held count in the run
# summary, --json and the runs table, explain, and --now on move, set and
# import with run's validation.
source "$LR_SRC/tests/cli/lib.sh"
stage_of() { sql "SELECT ifnull(stage, '-') FROM contacts WHERE key='$1'"; }
ts() { date -u -d "$1" +%s; }

cat > funnel.lua <<'EOF'
stages { 'lead', 'mql', 'sql' }
stage 'nurture'
rule 'senior' { points = 60, when = function(l)
  return (l.title or ''):find('VP') ~= nil end }
transition { from = 'nurture', to = 'lead', when = function() return true end }
transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 50 end }
EOF
printf 'email,title\nann@a.example,VP Sales\nbob@b.example,Intern\n' > contacts.csv
expect_ok lr import contacts contacts.csv --now 2026-01-01
same "$(sql "SELECT at FROM imports")" "$(ts 2026-01-01)"
same "$(sql "SELECT group_concat(data_at) FROM contacts")" "$(ts 2026-01-01),$(ts 2026-01-01)"
expect_ok lr run funnel.lua --now 2026-01-01T01:00:00Z
same "$(stage_of ann@a.example)" mql

# -- --for: the lock ends at the move's time + the duration
expect_ok lr move ann@a.example nurture --reason "not ready" --by ops --for 30d --now 2026-01-02
contains "until 2026-02-01T00:00:00Z"
same "$(sql "SELECT manual_at || '/' || manual_until FROM contacts WHERE key='ann@a.example'")" \
     "$(ts 2026-01-02)/$(ts 2026-02-01)"
same "$(sql "SELECT at FROM stage_history ORDER BY id DESC LIMIT 1")" "$(ts 2026-01-02)"
# a nightly sync: a new column and a changed title, then activities
printf 'email,title,Last Activity\nann@a.example,SVP Sales,2026-01-02\n' > sync.csv
expect_ok lr import contacts sync.csv --now 2026-01-03
same "$(sql "SELECT data_at FROM contacts WHERE key='ann@a.example'")" "$(ts 2026-01-03)"
printf 'email,type,occurred_at\nann@a.example,page_view,2026-01-03\n' > acts.csv
expect_ok lr import activities acts.csv --now 2026-01-03T01:00:00Z
same "$(sql "SELECT at FROM imports ORDER BY id DESC LIMIT 1")" "$(ts 2026-01-03T01:00:00Z)"
expect_ok lr set ann@a.example title='VP Sales' --reason "typo" --by ops --now 2026-01-03T02:00:00Z
same "$(sql "SELECT at FROM audit ORDER BY id DESC LIMIT 1")" "$(ts 2026-01-03T02:00:00Z)"
expect_ok lr run funnel.lua --now 2026-01-04
same "$(stage_of ann@a.example)" nurture
contains "held       2 transitions held back by manual moves"
same "$(sql "SELECT held_by_manual FROM runs ORDER BY id DESC LIMIT 1")" 2
expect_ok lr run funnel.lua --now 2026-01-04 --json
contains '"held_by_manual": 2,'
expect_ok lr explain ann@a.example funnel.lua --now 2026-01-04
contains "lock  moved by hand to nurture at 2026-01-02T00:00:00Z; the lock holds until 2026-02-01T00:00:00Z (its expiry)"
contains "it held back nurture->lead (funnel.lua:5) and 1 more, to mql"
# a second before the expiry it holds; at the expiry it is over
expect_ok lr run funnel.lua --now 2026-01-31T23:59:59Z --dry-run
contains "held       2 transitions"
lacks "stage nurture -> mql"
expect_ok lr run funnel.lua --now 2026-02-01 --dry-run
contains "stage nurture -> mql"
contains "held       0 transitions"
expect_ok lr run funnel.lua --now 2026-02-01
same "$(stage_of ann@a.example)" mql

# -- --until, and what is refused (nothing written)
expect_ok lr move ann@a.example nurture --reason "until the fair" --until 2026-03-01T12:00:00Z --now 2026-02-02
same "$(sql "SELECT manual_until FROM contacts WHERE key='ann@a.example'")" "$(ts 2026-03-01T12:00:00Z)"
runs=$(sql "SELECT count(*) FROM runs")
expect_fail 2 lr move ann@a.example lead --reason x --for 1d --until 2026-05-01
contains "give --for or --until, not both"
expect_fail 2 lr move ann@a.example lead --reason x --for soon
contains "--for needs a duration such as 30d"
expect_fail 2 lr move ann@a.example lead --reason x --for 0d
expect_fail 2 lr move ann@a.example lead --reason x --until yesterday
contains "--until needs a time"
expect_fail 2 lr move ann@a.example lead --reason x --until 2026-02-02 --now 2026-02-02
contains "the lock's expiry (2026-02-02T00:00:00Z) is not after the move (2026-02-02T00:00:00Z)"
expect_fail 2 lr move ann@a.example lead --reason x --now 1970-01-01
expect_fail 2 lr set ann@a.example title=x --reason x --now tomorrow
contains "--now: cannot read 'tomorrow' as a time"
expect_fail 2 lr import contacts sync.csv --now 0
contains "--now: '0' is not after 1970-01-01T00:00:00Z"
expect_fail 2 lr import activities acts.csv --now 10000-01-01
same "$(sql "SELECT count(*) FROM runs")" "$runs"
same "$(sql "SELECT count(*) FROM imports")" 3
same "$(stage_of ann@a.example)" nurture

# -- a later move without expiry replaces the lock; set stage=... is a move
expect_ok lr set ann@a.example stage=lead --reason "call her" --by ana --now 2026-02-03
same "$(sql "SELECT manual_at || '/' || ifnull(manual_until, '-') FROM contacts WHERE key='ann@a.example'")" \
     "$(ts 2026-02-03)/-"
same "$(sql "SELECT from_stage || '>' || to_stage || '|' || by || '|' || reason FROM stage_history ORDER BY id DESC LIMIT 1")" \
     "nurture>lead|ana|call her"
expect_ok lr run funnel.lua --now 2026-06-01
same "$(stage_of ann@a.example)" lead              # the old expiry is gone
contains "held       1 transition held back"

# -- outcomes: closed at the move's second holds, a second later releases
printf 'email,result,closed_at\nann@a.example,lost,2026-02-03T00:00:00Z\n' > lost.csv
expect_ok lr import outcomes lost.csv --now 2026-06-02
expect_ok lr run funnel.lua --now 2026-06-03
same "$(stage_of ann@a.example)" lead
printf 'email,result,closed_at\nann@a.example,won,2026-02-03T00:00:01Z\n' > won.csv
expect_ok lr import outcomes won.csv --now 2026-06-04
expect_ok lr explain ann@a.example funnel.lua --now 2026-06-05
contains "released by the won outcome closed at 2026-02-03T00:00:01Z, after the move"
expect_ok lr run funnel.lua --now 2026-06-05
same "$(stage_of ann@a.example)" mql

# -- --override-manual applies the policy and ends the lock
expect_ok lr move bob@b.example nurture --reason "parked" --now 2026-06-06
expect_ok lr run funnel.lua --now 2026-06-07 --override-manual --dry-run
contains "stage nurture -> lead"
same "$(sql "SELECT manual_at IS NOT NULL FROM contacts WHERE key='bob@b.example'")" 1
expect_ok lr run funnel.lua --now 2026-06-07 --override-manual
same "$(stage_of bob@b.example)" lead
same "$(sql "SELECT manual_at IS NULL AND manual_until IS NULL FROM contacts WHERE key='bob@b.example'")" 1
expect_ok lr run funnel.lua --now 2026-06-08
contains "held       0 transitions held back by manual moves"
lacks "explain KEY"

# -- the stage must be known: a typo is refused with the nearest, nothing
# written, and the next run still works for everyone
hist=$(sql "SELECT count(*) FROM stage_history")
expect_fail 1 lr move bob@b.example nurtrue --reason x --now 2026-06-09
contains "unknown stage 'nurtrue' (did you mean 'nurture'?"
contains "the known stages: lead, mql, nurture, sql"
expect_fail 1 lr set bob@b.example stage=bogus --reason x --now 2026-06-09
contains "unknown stage 'bogus'"
same "$(sql "SELECT count(*) FROM stage_history")" "$hist"
expect_ok lr run funnel.lua --now 2026-06-10
# the case of a known stage folds to its spelling
expect_ok lr move bob@b.example SQL --reason "called" --now 2026-06-11
contains "moved bob@b.example to sql"
same "$(stage_of bob@b.example)" sql

# -- a move to the current stage renews the lock, and is no move
since=$(sql "SELECT stage_since FROM contacts WHERE key='bob@b.example'")
hist=$(sql "SELECT count(*) FROM stage_history")
expect_ok lr move bob@b.example sql --reason "still hot" --by ops --for 7d --now 2026-06-12
contains "bob@b.example is already in sql: its lock is renewed"
same "$(sql "SELECT count(*) FROM stage_history")" "$hist"
same "$(sql "SELECT stage_since FROM contacts WHERE key='bob@b.example'")" "$since"
same "$(sql "SELECT manual_at || '/' || manual_until FROM contacts WHERE key='bob@b.example'")" \
     "$(ts 2026-06-12)/$(ts 2026-06-19)"
same "$(sql "SELECT field || '|' || new_value || '|' || by || '|' || reason FROM audit ORDER BY id DESC LIMIT 1")" \
     "manual_until|$(ts 2026-06-19)|ops|still hot"

# -- the key field cannot be set: the next import would duplicate the contact
expect_fail 2 lr set bob@b.example email=robert@b.example --reason x
contains "'email' is the key field"
same "$(sql "SELECT count(*) FROM contacts WHERE email='bob@b.example' AND key='bob@b.example'")" 1
finish
