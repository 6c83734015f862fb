# The two X Education policies on the real data (examples/data/): the full
# policy, which reads what sales wrote after calling (Tags, Lead Quality),
# and the pre-contact policy, which reads only what is known before a call.
# The AUCs the README quotes must hold (loose bounds: the data is fixed, the
# bounds only allow for a deliberate change of the policies), the
# pre-contact policy must rank well and stay below the full one, and it
# must read none of the fields sales fills in.
. "$LR_SRC/tests/cli/lib.sh"
E="$LR_SRC/examples"
NOW=2026-11-01
auc() { python3 -c 'import json, sys; print(json.load(sys.stdin)["auc"])' <<<"$OUT"; }
ge() { python3 -c "import sys; sys.exit(0 if $1 >= $2 else 1)" && pass || fail "$3: $1 < $2"; }

expect_ok lr import contacts "$E/data/x-education-leads.csv" --key 'Prospect ID' --null Select
contains "inserted              9240"

expect_ok lr backtest "$E/x_education_pre_contact.lua" --outcome converted --now $NOW --json
pre=$(auc)
expect_ok lr backtest "$E/x_education.lua" --outcome converted --now $NOW --json
full=$(auc)
ge "$pre" 0.84 "pre-contact AUC"
ge 0.88 "$pre" "pre-contact AUC (a leak of sales' fields would raise it)"
ge "$full" 0.90 "full policy AUC"
ge "$full" "$pre + 0.03" "the full policy reads sales' notes and ranks better"

# The text report prints the figure the README quotes, to four places.
expect_ok lr backtest "$E/x_education_pre_contact.lua" --outcome converted --now $NOW
contains "ROC AUC    0.8644"
expect_ok lr backtest "$E/x_education.lua" --outcome converted --now $NOW
contains "ROC AUC    0.9255"

# Nothing sales fills in after a call is read by the pre-contact policy.
for f in tags lead_quality lead_profile asymmetrique last_notable_activity \
         '"SMS Sent"' '"Had a Phone Conversation"' '"Unreachable"'; do
  if grep -v '^ *--' "$E/x_education_pre_contact.lua" | grep -q "$f"; then
    fail "x_education_pre_contact.lua reads $f"
  else pass; fi
done

# It runs, hands leads to sales, and its checks are clean.
expect_ok lr run "$E/x_education_pre_contact.lua" --now $NOW
same "$(sql "SELECT count(*) > 0 FROM contacts WHERE stage = 'sql' AND owner IS NOT NULL")" 1
expect_ok lr check "$E/x_education_pre_contact.lua" --now $NOW
finish
