# backtest, diff and check on the PostgreSQL store (docs/postgresql.md): the
# example policies and the bench policy, on the same files in SQLite and in
# PostgreSQL, give the same output byte for byte (text, --json, the HTML
# report, their options), before and after a run; errors name the policy's
# line on both; check's findings about a segment's `where` on PostgreSQL;
# account policies and --accounts the same on both.
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
EX="$LR_SRC/examples"
. "$LR_SRC/tests/cli/pg_lib.sh"     # skips without a server; fresh, rows
# both CMD...: the same stdout and stderr, byte for byte (cmp), and the
# same exit status on SQLite and on PostgreSQL.  $OUT keeps PostgreSQL's.
n=0
both() {
  local ra rb
  n=$((n + 1))
  "$LEADRULES" --db "$SQ" "$@" > "sq.$n" 2>&1; ra=$?
  "$LEADRULES" --db "$PG" "$@" > "pg.$n" 2>&1; rb=$?
  if [ "$1" = run ]; then               # its wall-clock time aside
    sed -i '/^time  /d' "sq.$n" "pg.$n"
  fi
  OUT=$(cat "pg.$n")
  [ -z "${LR_T:-}" ] || echo "$SECONDS s: $*" >&2
  same "$ra" "$rb" "exit status of $*"
  if cmp -s "sq.$n" "pg.$n"; then pass
  else fail "output of $* (sqlite, then postgresql):"$'\n'"$(diff "sq.$n" "pg.$n" | head -20)"
  fi
}
# html BACKTEST-ARGS...: the same HTML report (and output) on both.
html() {
  rm -f bt.sq.html bt.pg.html
  "$LEADRULES" --db "$SQ" backtest "$@" --html bt.sq.html > sq.html.out 2>&1
  "$LEADRULES" --db "$PG" backtest "$@" --html bt.pg.html > pg.html.out 2>&1
  sed -i 's/bt\.pg\.html/bt.sq.html/' pg.html.out
  if [ -s bt.sq.html ] && cmp -s bt.sq.html bt.pg.html &&
     cmp -s sq.html.out pg.html.out; then pass
  else fail "HTML report of backtest $*: $(cmp bt.sq.html bt.pg.html 2>&1)"; fi
}
# load: the three files of the B2B example.
load_b2b() {
  both import contacts "$EX/data/b2b/contacts.csv" --map 'Job Title=title' --now 2026-10-01
  both import activities "$EX/data/b2b/activities.csv" --now 2026-10-01
  both import outcomes "$EX/data/b2b/outcomes.csv" --now 2026-10-01
}
# analyse OLD NEW NOW [BACKTEST-OPTION...]: backtest (text, --json, HTML,
# --capacity, --jobs), diff (text, --json, --top, --stage-changes,
# --jobs) and check (--sample, --all) of OLD (and NEW), at NOW.
analyse() {
  local old=$1 new=$2 now=$3
  shift 3
  both backtest "$old" --now "$now" "$@"
  both backtest "$old" --now "$now" --json --capacity 25 --jobs 2 "$@"
  both backtest "$new" --now "$now" --capacity 3 "$@"
  html "$old" --now "$now" "$@"
  both diff "$old" "$new" --now "$now"
  both diff "$old" "$new" --now "$now" --json --jobs 2
  both diff "$new" "$old" --now "$now" --top 3 --stage-changes all
  both check "$old" --now "$now"
  both check "$new" --now "$now" --sample 50
  both check "$new" --now "$now" --all
}

# B2B SaaS: SQL segments, groups, grades, handoffs; before and after runs
# (diff and check start from the stored stages).
fresh b2b
load_b2b
sed 's/points = 25,/points = 40,/; s/company_size >= 1000/company_size >= 500/' \
  "$EX/b2b_saas.lua" > b2b_new.lua
analyse "$EX/b2b_saas.lua" b2b_new.lua 2026-11-01
contains "error"                      # --all on b2b_new: the data checks ran
both run "$EX/b2b_saas.lua" --now 2026-11-01
analyse "$EX/b2b_saas.lua" b2b_new.lua 2026-11-20
both backtest "$EX/b2b_saas.lua" --now 2026-11-20 --outcome title
both backtest "$EX/b2b_saas.lua" --now 2026-11-20 --outcome nosuch
contains "no contact field 'nosuch'"

# X Education: imported fields in the jsonb document, an outcome column,
# the two example policies against each other.
fresh xed
both import contacts "$EX/data/x-education-leads.csv" --key 'Prospect ID' --null Select --now 2026-10-01
analyse "$EX/x_education.lua" "$EX/x_education_pre_contact.lua" 2026-11-01 --outcome converted
both run "$EX/x_education_pre_contact.lua" --now 2026-11-02
both diff "$EX/x_education_pre_contact.lua" "$EX/x_education.lua" --now 2026-11-03 --json
both check "$EX/x_education.lua" --now 2026-11-03 --all
both backtest "$EX/x_education_pre_contact.lua" --now 2026-11-03 --outcome converted --capacity 1000

# The bench policy on scripts/gen data: several chunks, a sample of them.
fresh bench
"$LR_SRC/scripts/gen" --contacts 3000 --seed 5 --out gen -q
both import contacts gen/contacts.csv --map 'Job Title=title' --now 2026-10-01
both import activities gen/activities.csv --now 2026-10-01
both import outcomes gen/outcomes.csv --now 2026-10-01
sed 's/points = \([0-9]*\),/points = \1 + 5,/' "$LR_SRC/bench/policy.lua" > bench_new.lua
analyse "$LR_SRC/bench/policy.lua" bench_new.lua 2026-11-01
both run "$LR_SRC/bench/policy.lua" --now 2026-11-01 --jobs 2
both diff "$LR_SRC/bench/policy.lua" bench_new.lua --now 2026-11-15 --stage-changes 20 --json
both check "$LR_SRC/bench/policy.lua" --now 2026-11-15 --sample 400

# Errors, the same on both: a rule failing on some contacts (policy file
# and line), a field the database lacks (with its nearest column), stages
# the policy does not declare (contacts per stage), a policy that does not
# load.
fresh err
load_b2b
both run "$EX/b2b_saas.lua" --now 2026-11-01
cat > kg.lua <<'LUA'
stages { "subscriber", "lead", "mql", "sql", "opportunity" }
rule "boom" { points = 3, when = function(lead)
  if (lead.email or ""):find("^a") then error("no a-names here") end
  return true end }
local function unused(lead) return lead.titel end
segment "de" { when = function(lead) return (lead.country or "") == "DE" end }
LUA
both backtest kg.lua --now 2026-11-02
contains "kg.lua:3: contact "
both diff "$EX/b2b_saas.lua" kg.lua --now 2026-11-02
contains "kg.lua:3: contact "
both check kg.lua --now 2026-11-02
contains "kg.lua:5: error: lead.titel: no such field in the database (did you mean 'title'?)"
contains "in stage 'customer', which the policy does not declare"
contains "kg.lua:3: error: "
# Rules that count a stage's contacts and a SQL segment's matches.
cat > cnt.lua <<'LUA'
stages { "subscriber", "lead", "mql", "sql", "opportunity", "customer", "nurture", "disqualified" }
segment "big" { where = "company_size >= 1000" }
rule "r" { points = 10, when = function(lead) return stage.lead:count() > 0 and segment.big:count() > 3 end }
rule "s" { points = 5, segment = "big" }
transition { from = "subscriber", to = "lead", when = function(lead) return lead.score >= 15 end }
LUA
both backtest cnt.lua --now 2026-11-02
both diff "$EX/b2b_saas.lua" cnt.lua --now 2026-11-02 --json
both check cnt.lua --now 2026-11-02
printf 'stages { "a", "b" }\nrule "r" { points = 1 }\nrule "r" { points = 2 }\n' > bad.lua
both check bad.lua
both backtest bad.lua

# check on a segment's `where` on PostgreSQL: SQL that does not run there,
# a table other than contacts, a function outside the common subset; each
# a finding on the segment's line, and the data checks do not run.
seg() { printf 'stages { "subscriber", "lead", "mql", "sql", "opportunity", "customer", "nurture", "disqualified" }\nsegment "s" { where = [[%s]] }\nrule "r" { points = 1, segment = "s" }\n' "$1" > seg.lua; }
seg "nosuch > 3"
expect_fail 1 lr --db "$PG" check seg.lua
contains "seg.lua:2: error: segment 's': SQL failed on PostgreSQL: ERROR:  column \"nosuch\" does not exist"
contains "seg.lua: note: the data checks did not run (fix the segment SQL first)"
contains "1 error, 7 warnings"
lacks "LINE "                         # the server's message on one line
expect_fail 1 lr --db "$SQ" check seg.lua
contains "seg.lua:2: error: segment 's': segment SQL does not prepare: no such column: nosuch"
seg "(SELECT count(*) FROM runs) > 0"
expect_fail 1 lr --db "$PG" check seg.lua
contains "seg.lua:2: error: segment 's': segment SQL: it reads the table runs (a segment's SQL reads contacts, activities and outcomes only)"
seg "pg_sleep(1) IS NULL"
expect_fail 1 lr --db "$PG" check seg.lua
contains "seg.lua:2: error: segment 's': pg_sleep() may not be called here"
expect_fail 1 lr --db "$PG" backtest seg.lua
contains "seg.lua:2: segment SQL: pg_sleep() may not be called here"
seg "lower(email) LIKE '%@rival.example' OR company_size > 5000"
both check seg.lua --now 2026-11-02
both backtest seg.lua --now 2026-11-02 --json

# Accounts (the ABM example on the B2B data): contacts of an account
# policy, and accounts (--accounts), before and after a run.
fresh abm
load_b2b
both import accounts "$EX/data/b2b/accounts.csv" --now 2026-10-01
for now in 2026-11-01 2026-11-20; do
  both backtest "$EX/abm.lua" --now $now
  both backtest --accounts "$EX/abm.lua" --now $now --json
  contains '"evaluated": 68,'     # the accounts
  html --accounts "$EX/abm.lua" --now $now
  both diff "$EX/b2b_saas.lua" "$EX/abm.lua" --now $now
  both diff --accounts "$EX/b2b_saas.lua" "$EX/abm.lua" --now $now --json
  both check "$EX/abm.lua" --now $now --all
  both run "$EX/abm.lua" --now $now
done

# A database nothing was imported into: "no such database", nothing made.
fresh empty
for cmd in "check $EX/b2b_saas.lua" "backtest $EX/b2b_saas.lua" \
           "diff $EX/b2b_saas.lua $EX/b2b_saas.lua"; do
  # shellcheck disable=SC2086
  expect_fail 1 lr --db "$PG" $cmd
  contains "/${PG##*/}: no such database (nothing was created"
done
same "$(psql -qXtA "$PG" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0 "nothing created"
finish
