# leadrules check: golden output for the example policy and for policies
# with one of each mistake, against 17 X Education leads.
. "$LR_SRC/tests/cli/lib.sh"
F="$LR_SRC/tests/fixtures/devtools"
G="$LR_SRC/tests/cli/golden"
golden() { same "$OUT" "$(cat "$G/$1")" "(golden $1)"; }

cp "$LR_SRC/examples/x_education.lua" "$F"/check_*.lua .

# An empty database: the static checks run, the data checks say why not.
printf 'email\n' | lr --db empty.db import contacts - >/dev/null   # an empty database
expect_fail 1 lr --db empty.db check x_education.lua --now 2026-11-01
contains "x_education.lua:23: error: segment 'closed doors': segment SQL does not prepare: no such column: tags"
contains "x_education.lua:37: error: lead.what_is_your_current_occupation: no such field in the database"
contains "x_education.lua: note: the data checks did not run (fix the segment SQL first)"

printf 'email\n' | lr import contacts - >/dev/null   # creates the database (schema)
sql < "$F/x_education_sample.sql"

expect_ok lr check x_education.lua --now 2026-11-01
golden check_x_education.txt
expect_fail 1 lr check check_bad.lua --now 2026-11-01
golden check_bad.txt
expect_fail 1 lr check check_data.lua --now 2026-11-01
golden check_data.txt
expect_fail 1 lr check check_sql.lua --now 2026-11-01
golden check_sql.txt

# A sample of the contacts, and all of them.
expect_fail 1 lr check check_data.lua --now 2026-11-01 --sample 5
contains "evaluated 5 contacts (a sample of 17) at now = 2026-11-01T00:00:00Z"
expect_fail 1 lr check check_data.lua --now 2026-11-01 --all
contains "evaluated 17 contacts at now"

# Contacts in a stage the policy does not declare.
sql "UPDATE contacts SET stage = 'archived' WHERE id <= 2"
expect_fail 1 lr check x_education.lua --now 2026-11-01
contains "x_education.lua: error: 2 contacts are in stage 'archived', which the policy does not declare"
lacks "is not declared by the policy ("
sql "UPDATE contacts SET stage = NULL"

# A policy that does not load is one error at its line.
printf 'stages { "lead" }\nrule "r" { points = 1 }\n' > noload.lua
expect_fail 1 lr check noload.lua
same "$OUT" "noload.lua:2: error: rule 'r': 'points' needs a 'when' function or a 'segment'
1 error, 0 warnings"
expect_fail 1 lr check missing.lua
contains "missing.lua"

# Nothing was written by any check.
same "$(sql 'SELECT count(*) FROM runs')" "0"
same "$(sql 'SELECT count(*) FROM contacts WHERE score <> 0 OR stage IS NOT NULL')" "0"

# Every load error at once, each with its line: several undeclared
# stages, a bad grade, a rule without `when`; an error in the policy's own
# code ends the list; a declaration after it is not reached.
cat > many.lua <<'LUA'
stages { "lead", "mql", "sql" }
transition { from = "lead", to = "mqll", when = function(l) return true end }
transition { from = "leed", to = "sql", when = function(l) return true end }
rule "a" { points = 5 }
grade "fit" { A = 10, B = "x" }
rule "b" { group = "fit", points = 3, when = function(l) return true end }
handoff { stage = "sqll", due = "2d", assign = round_robin { "a", "a" } }
local x = nil + 1
rule "c" { points = 1 }
LUA
expect_fail 1 lr check many.lua --now 2026-11-01
same "$OUT" "many.lua:2: error: transition: unknown stage 'mqll' (declared: lead, mql, sql)
many.lua:3: error: transition: unknown stage 'leed' (declared: lead, mql, sql)
many.lua:4: error: rule 'a': 'points' needs a 'when' function or a 'segment'
many.lua:5: error: grade 'fit': write letters as LETTER = minimum score
many.lua:7: error: round_robin: owner 'a' is listed twice
many.lua:7: error: handoff: unknown stage 'sqll' (declared: lead, mql, sql)
many.lua:8: error: attempt to perform arithmetic on a nil value
7 errors, 0 warnings" "(every load error)"
# One error: as before.
printf 'stages { "lead" }\nrule "a" { points = 5 }\n' > one.lua
expect_fail 1 lr check one.lua --now 2026-11-01
same "$OUT" "one.lua:2: error: rule 'a': 'points' needs a 'when' function or a 'segment'
1 error, 0 warnings" "(one load error)"
# Errors the policy's checks find after the chunk (no funnel) are listed.
printf 'rule "a" { points = 5 }\n' > nofunnel.lua
expect_fail 1 lr check nofunnel.lua --now 2026-11-01
contains "nofunnel.lua:1: error: rule 'a': 'points' needs a 'when' function"
contains "the policy declares no funnel"
contains "2 errors, 0 warnings"

# A near miss of a field's other name (the folded header of a column an
# alias stored under a well-known field: `Lead Source` as `source`) gets
# that name as the suggestion, as docs/devtools.md shows.
printf 'Email,Lead Source\na@x.example,Web\n' | lr --db alias.db import contacts - >/dev/null
printf 'stages { "lead" }\nrule "r" { points = 1, when = function(lead) return lead.lead_sorce == "Web" end }\n' > sorce.lua
expect_fail 1 lr --db alias.db check sorce.lua --now 2026-11-01
contains "sorce.lua:2: error: lead.lead_sorce: no such field in the database (did you mean 'lead_source'?)"

# The help gives the sample size the code uses (LR_CHECK_SAMPLE).
expect_ok lr check --help
contains "evaluate N contacts (default 10000)"

expect_fail 2 lr check
expect_fail 2 lr check x_education.lua --sample 0
expect_fail 2 lr check x_education.lua --bogus
finish
