# `report` on the PostgreSQL store (docs/postgresql.md): after the same
# imports and runs of the example policies and of the bench policy, every
# form of the report (text, --json, --html, --tables, --by a text field, a
# numeric one, one with empty values, one with unicode, segment, owner,
# stage, account, --since, --policy, --currency; with and without
# accounts) is the same byte for byte on SQLite and on PostgreSQL (the
# header's database line aside); so is the report of a database with
# contacts and no run, and of one with no contacts.
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
EX="$LR_SRC/examples"
. "$LR_SRC/tests/cli/pg_lib.sh"     # skips without a server; fresh, rows
# both CMD...: the same exit status on both stores.
both() {
  expect_ok "$LEADRULES" --db "$SQ" "$@"
  expect_ok "$LEADRULES" --db "$PG" "$@"
}
# report ARGS...: the same output, byte for byte (cmp), on both stores;
# the text report's first line names the database, so it is left out.
n=0
report() {
  n=$((n + 1))
  "$LEADRULES" --db "$SQ" report "$@" > "sq.$n" 2>&1; local ra=$?
  "$LEADRULES" --db "$PG" report "$@" > "pg.$n" 2>&1; local rb=$?
  same "$ra" "$rb" "exit status of report $*"
  same "$ra" 0 "report $* exits 0"
  sed -i '1{/^report     /d}' "sq.$n" "pg.$n"
  if cmp -s "sq.$n" "pg.$n"; then pass; else
    fail "report $* differs (sqlite <, postgresql >):"$'\n'"$(diff "sq.$n" "pg.$n" | head -20)"
  fi
  [ -s "sq.$n" ] || fail "report $* printed nothing"
}
# html ARGS...: the --html file, the same bytes on both.
html() {
  n=$((n + 1))
  expect_ok "$LEADRULES" --db "$SQ" report --html "sq.$n.html" "$@"
  expect_ok "$LEADRULES" --db "$PG" report --html "pg.$n.html" "$@"
  if cmp -s "sq.$n.html" "pg.$n.html"; then pass; else
    fail "report --html $* differs:"$'\n'"$(diff "sq.$n.html" "pg.$n.html" | head -20)"
  fi
}
# every form of the report for the split ARGS...
forms() {
  report "$@"
  report "$@" --json
  report "$@" --tables
}

# An empty database: imported (a header and no rows), nothing run.
fresh empty
printf 'email,source\n' > none.csv
both import contacts none.csv --now 2026-10-01
report --now 2026-10-02
report --now 2026-10-02 --json
report --now 2026-10-02 --by source --json
report --now 2026-10-02 --by segment

# B2B SaaS: contacts and outcomes, no run yet; then two runs.
fresh b2b
both import contacts "$EX/data/b2b/contacts.csv" --map 'Job Title=title' --now 2026-10-01
both import activities "$EX/data/b2b/activities.csv" --now 2026-10-01
both import outcomes "$EX/data/b2b/outcomes.csv" --now 2026-10-01
report --now 2026-10-02
report --now 2026-10-02 --json --by source
both run "$EX/b2b_saas.lua" --now 2026-11-01
# won deals whose amounts do not add up exactly in binary: the sums must
# be added in the same order on both
sed -n '2,13p' "$EX/data/b2b/contacts.csv" | cut -d, -f1 |
  awk 'BEGIN { print "email,result,amount,closed_at" }
       { printf "%s,won,%s,2026-11-0%dT10:00:00Z\n", $1, (NR % 3 ? "0.1" : "1e-7"), NR % 9 + 1 }' > cents.csv
both import outcomes cents.csv --now 2026-11-10
both run "$EX/b2b_saas.lua" --now 2026-11-20
forms
forms --by source                  # a text field
forms --by company_size            # a number (INTEGER in SQLite)
forms --by 'Annual Revenue'        # integers and reals (382113.55) in jsonb
forms --by 'Postal Code'           # '0969' (text) beside numbers
forms --by notes                   # mostly empty: the (none) group
forms --by first_name              # unicode (Zoë)
forms --by segment
report --by owner
report --by account --json         # no accounts: every contact in (none)
report --by stage --json
report --by title                  # more values than groups: (other)
report --by segment --since 2026-11-10
report --since 30d --json
report --policy "$EX/b2b_saas.lua" --json
report --currency EUR
report --now 2026-12-01 --by source
expect_fail 1 "$LEADRULES" --db "$SQ" report --by nosuch
a=$OUT
expect_fail 1 "$LEADRULES" --db "$PG" report --by nosuch
same "$OUT" "$a" "report --by an unknown field: the same error"
html
html --by segment
html --by industry --since 2026-11-01

# Accounts (examples/abm.lua): the account funnel section, --by account.
fresh abm
both import contacts "$EX/data/b2b/contacts.csv" --map 'Job Title=title' --now 2026-10-01
both import activities "$EX/data/b2b/activities.csv" --now 2026-10-01
both import outcomes "$EX/data/b2b/outcomes.csv" --now 2026-10-01
both import accounts "$EX/data/b2b/accounts.csv" --now 2026-10-01
report --now 2026-10-02 --json     # accounts, no run
both run "$EX/abm.lua" --now 2026-11-01
both run "$EX/abm.lua" --now 2026-11-20
forms
forms --by account
report --policy "$EX/abm.lua" --json
html --by account

# X Education: 9,240 leads (more than one batch of rows), imported fields
# in the jsonb document, NULLs from --null Select.
fresh xed
both import contacts "$EX/data/x-education-leads.csv" --key 'Prospect ID' --null Select --now 2026-10-01
both run "$EX/x_education.lua" --now 2026-11-01 --jobs 2
both run "$EX/x_education_pre_contact.lua" --now 2026-11-02
forms
forms --by 'Lead Source'
forms --by specialization          # NULLs (Select)
forms --by totalvisits             # numbers, some empty
forms --by segment
html --by 'Lead Origin'

# The bench policy on scripts/gen data: handoffs with SLAs, outcomes.
fresh bench
"$LR_SRC/scripts/gen" --contacts 3000 --seed 5 --out gen -q
both import contacts gen/contacts.csv --map 'Job Title=title' --now 2026-10-01
both import activities gen/activities.csv --now 2026-10-01
both import outcomes gen/outcomes.csv --now 2026-10-01
both run "$LR_SRC/bench/policy.lua" --now 2026-11-01 --jobs 2
both run "$LR_SRC/bench/policy.lua" --now 2026-11-15 --jobs 2
forms
forms --by source
forms --by segment
forms --by country
report --by owner --json
report --since 2026-11-10 --by source --json
html --by source
finish
