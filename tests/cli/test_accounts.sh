# CLI tests of accounts (issue 19): import accounts, contact-to-account
# matching (free mail, URLs, case, a contact changing company), the account
# vocabulary (roll-ups, transitions, handoffs, account-owner routing with
# every kind of fallback), the order of evaluation, --jobs equality, and
# each command's account output, on real database files.
. "$LR_SRC/tests/cli/lib.sh"

cat > contacts.csv <<'EOF'
email,First Name,Title,Country,Account
ana@acme.example,Ana,VP Sales,DE,
bo@ACME.example,Bo,Engineer,US,
cy@gmail.com,Cy,Director,US,
dee@gmail.com,Dee,CTO,FR,www.Globex.example
eve@initech.example,Eve,Intern,US,
fay@globex.example,Fay,Head of Sales,US,
gus@hotmail.com,Gus,VP Ops,GB,
EOF
cat > accounts.csv <<'EOF'
Website,Name,Employees,Region,Zip
https://www.ACME.example/about,Acme,1200,EU,02134
globex.example,Globex,50,US,
gmail.com,Gmail,,,
EOF
cat > activities.csv <<'EOF'
email,type,occurred_at
ana@acme.example,demo_request,2026-10-30
ana@acme.example,email_open,2026-10-29
bo@acme.example,email_open,2026-10-20
fay@globex.example,form_submit,2026-09-01
dee@gmail.com,page_view,2026-10-31
cy@gmail.com,demo_request,2026-10-28
gus@hotmail.com,demo_request,2026-10-28
EOF
cat > outcomes.csv <<'EOF'
email,result,amount,closed_at
bo@acme.example,won,5000,2026-10-15
fay@globex.example,lost,,2026-10-01
EOF
lr import contacts contacts.csv >/dev/null
lr import activities activities.csv >/dev/null
lr import outcomes outcomes.csv >/dev/null

# ---- import accounts ----------------------------------------------------------
expect_ok lr import accounts accounts.csv
contains "imported accounts from accounts.csv (key: website)"
contains "inserted                 3"
# a URL is reduced to its host, lower-cased; "02134" stays text
same "$(sql "SELECT key FROM accounts ORDER BY key" | tr '\n' ' ')" \
     "acme.example globex.example gmail.com "
same "$(sql "SELECT json_extract(data, '\$.zip') || '|' || typeof(json_extract(data, '\$.employees')) FROM accounts WHERE key='acme.example'")" "02134|integer"
# re-importing updates; the same key twice in one file is merged
printf 'Domain,Region\nacme.example,EU\nACME.example,EU\n' > again.csv
expect_ok lr import accounts again.csv
contains "updated                  1"
contains "merged                   1"
same "$(sql "SELECT json_extract(data, '\$.name') FROM accounts WHERE key='acme.example'")" "Acme"
# a bad key names the file, line and column, and rolls back ...
printf 'Website,Name\nacme.example,Acme\nnot a domain,B\n' > bad.csv
expect_fail 1 lr import accounts bad.csv
contains "bad.csv:3: column 'Website': not a domain or website: 'not a domain'"
same "$(sql "SELECT count(*) FROM accounts")" 3
# ... unless --rejects; no key column is an error
expect_ok lr import accounts bad.csv --rejects rejects.csv
contains "rejected                 1"
printf 'Name\nx\n' > nokey.csv
expect_fail 1 lr import accounts nokey.csv
contains "no 'Domain', 'Website' or 'Company Domain' column"

# ---- matching -------------------------------------------------------------------
match() { sql "SELECT coalesce(account_key, '-') FROM contacts WHERE key='$1'"; }
same "$(match ana@acme.example)" acme.example
same "$(match bo@acme.example)" acme.example              # case
same "$(match cy@gmail.com)" -                            # free mail never matches
same "$(match dee@gmail.com)" globex.example              # the account field, a URL
same "$(match eve@initech.example)" -                     # no such account (yet)
same "$(match fay@globex.example)" globex.example
# an accounts import matches again: initech arrives
printf 'Company Domain\ninitech.example\n' > initech.csv
expect_ok lr import accounts initech.csv
same "$(match eve@initech.example)" initech.example
# a contact changing company: its account field now names globex
printf 'email,Account\nbo@acme.example,globex.example\n' > moved.csv
lr import contacts moved.csv >/dev/null
same "$(match bo@acme.example)" globex.example
printf 'email,Account\nbo@acme.example,\n' > back.csv
lr import contacts back.csv >/dev/null
same "$(match bo@acme.example)" acme.example
# export: the match on the contact; the accounts with their fields
expect_ok lr export --fields email,account_key
contains "ana@acme.example,acme.example"
expect_ok lr export --accounts
contains "domain,Name,Employees,Region,Zip,score,grade,stage,owner,contacts"
contains "acme.example,Acme,1200,EU,02134,0,,,,2"
expect_ok lr export --accounts --field-names --json
contains '{"domain":"acme.example","name":"Acme","employees":1200,"region":"EU","zip":"02134"'

# ---- the policy -------------------------------------------------------------------
cat > policy.lua <<'EOF'
stages { "lead", "mql", "sql" }
rule "senior" { group = "fit", points = 30, when = function(lead)
  local t = (lead.title or ""):lower()
  return t:find("vp") or t:find("director") or t:find("cto") or t:find("head") end }
rule "eu account" { group = "fit", points = 5, when = function(lead)
  return lead.account ~= nil and lead.account.region == "EU" end }
rule "active" { group = "engagement", score = function(lead)
  return 10 * lead:count("*", { within = "30d" }) end }
rule "demo" { group = "engagement", points = 40, when = function(lead)
  return lead:did("demo_request", { within = "14d" }) end }
transition { from = "lead", to = "mql", when = function(lead) return lead.score >= 30 end }
transition { from = "mql", to = "sql", when = function(lead) return lead.score >= 60 end }
handoff { stage = "sql", assign = account_owner { fallback = by_field("country", {
  US = "us-team@corp.example", ["*"] = round_robin { "rr1@corp.example", "rr2@corp.example" } }) } }
handoff { stage = "mql", assign = account_owner { fallback = "nurture@corp.example" } }

account_stages { "target", "engaged", "qualified" }
account_stage "dormant"
account_rule "people" { group = "coverage", score = function(account)
  return account:sum("score") end }
account_rule "two seniors" { group = "coverage", points = 25, when = function(account)
  return account:count { where = function(c) return c.scores.fit >= 30 end } >= 2 end }
account_rule "an sql" { group = "intent", points = 50, when = function(account)
  return account:count { stage = "sql" } >= 1 end }
account_rule "recent" { group = "intent", points = 5, when = function(account)
  return account:count { within = "7d" } >= 1 end }
account_rule "big" { points = 10, when = function(account)
  return (account.employees or 0) >= 1000 end }
grade "intent" { hot = 50, warm = 5, cold = 0 }
account_transition { from = "target", to = "engaged", when = function(account)
  return account.score > 0 end }
account_transition { from = "engaged", to = "qualified", reason = "an SQL in the buying group",
  when = function(account) return account.grade == "hot" and account.stage:is("engaged") end }
account_handoff { stage = "qualified", due = "3d",
  assign = round_robin { "ae1@corp.example", "ae2@corp.example" } }
EOF
cp test.db before.db

# dry run: what it would do, nothing written, 0 rows
expect_ok lr run policy.lua --now 2026-11-01 --dry-run
contains "accounts   4 evaluated"
contains "acme.example                         engaged -> qualified (an SQL in the buying group)"
contains "acme.example                         handed to ae1@corp.example (qualified)"
expect_ok lr run policy.lua --now 2026-11-01 --dry-run --json
contains '"rows_written": 0,'
contains '"accounts": {"evaluated": 4, "score_changes": 2, "moves": 7, "handoffs": 1}'
same "$(sql "SELECT count(*) FROM account_history") $(sql "SELECT count(*) FROM runs")" "0 0"

expect_ok lr run policy.lua --now 2026-11-01 --jobs 1
contains "accounts   4 evaluated, 2 score changes, 7 moves, 1 handoffs"
acct() { sql "SELECT score || '|' || coalesce(scores,'') || '|' || coalesce(grade,'') || '|' || coalesce(stage,'') || '|' || coalesce(owner,'') FROM accounts WHERE key='$1'"; }
# roll-ups from this run's contact results: acme = ana 95 + bo 15, an SQL
# (ana), recent activity, 1200 employees
same "$(acct acme.example)" '175.0|{"coverage":110,"intent":55}|hot|qualified|ae1@corp.example'
# globex: dee 40 + fay 30, two seniors, recent; no SQL
same "$(acct globex.example)" '100.0|{"coverage":95,"intent":5}|warm|engaged|'
same "$(acct gmail.com)" '0.0|{"coverage":0,"intent":0}|cold|target|'
# the account's history with reasons, its parts, its handoff with an SLA
same "$(sql "SELECT group_concat(coalesce(from_stage,'-') || '>' || to_stage || ':' || reason, ';') FROM account_history h JOIN accounts a ON a.id = h.account_id WHERE a.key='acme.example'")" \
     "->target:initial stage;target>engaged:transition target->engaged (policy.lua:30);engaged>qualified:an SQL in the buying group"
same "$(sql "SELECT group_concat(rule || '=' || points, ',') FROM account_parts p JOIN accounts a ON a.id = p.account_id WHERE a.key='acme.example'")" \
     "an sql=50.0,big=10.0,people=110.0,recent=5.0"
same "$(sql "SELECT owner || ' ' || stage || ' ' || (due - at) FROM account_assignments")" "ae1@corp.example qualified 259200"
# account-owner routing: ana's account got its owner in this same run (the
# accounts come before the handoffs that route to them); no account or an
# account without an owner: the fallback (owner name, by_field, round robin)
owner() { sql "SELECT coalesce(owner, '-') FROM contacts WHERE key='$1'"; }
same "$(owner ana@acme.example)" ae1@corp.example
same "$(owner dee@gmail.com)" nurture@corp.example         # mql, globex has no owner
same "$(owner cy@gmail.com)" us-team@corp.example          # sql, no account, US
same "$(owner gus@hotmail.com)" rr1@corp.example           # sql, no account, GB
same "$(owner bo@acme.example)" -
# lead.account is the account as stored before the run: EU -> +5
same "$(sql "SELECT group_concat(rule, ',') FROM score_parts p JOIN contacts c ON c.id = p.contact_id WHERE c.key='ana@acme.example'")" "active,demo,eu account,senior"
# a second run with the same clock writes nothing but its runs row
expect_ok lr run policy.lua --now 2026-11-01 --json
contains '"rows_written": 2,'
same "$(sql "SELECT count(*) FROM account_history")" 7

# --jobs 1 and --jobs 3 give the same database
dump() { sqlite3 "$1" "SELECT key, score, scores, grade, grades, stage, owner, due_at FROM accounts ORDER BY key;
  SELECT account_id, from_stage, to_stage, reason FROM account_history ORDER BY id;
  SELECT * FROM account_parts ORDER BY account_id, rule;
  SELECT account_id, owner, stage, due FROM account_assignments ORDER BY id;
  SELECT key, score, stage, owner FROM contacts ORDER BY id;
  SELECT contact_id, owner, stage FROM assignments ORDER BY id"; }
cp before.db j3.db
lr --db j3.db run policy.lua --now 2026-11-01 --jobs 3 >/dev/null
lr --db j3.db run policy.lua --now 2026-11-01 --jobs 3 >/dev/null
same "$(dump test.db)" "$(dump j3.db)" "(--jobs 1 vs 3)"

# ---- explain --account ---------------------------------------------------------
expect_ok lr explain --account acme.example policy.lua --now 2026-11-01
contains "account acme.example"
contains "contact ana@acme.example"
contains "score 95"
contains "fired an sql"
contains "(contacts=1)"
contains "intent                             55   grade hot"
contains "qualified: ae1@corp.example (keeps its owner)"
expect_ok lr explain --account globex.example policy.lua --now 2026-11-01 --json
contains '"name": "two seniors"'
expect_fail 1 lr explain --account nosuch.example policy.lua
contains "no account with key 'nosuch.example'"

# explain of a contact names its account's owner, or the fallback
cp test.db x.db
sqlite3 x.db "UPDATE contacts SET owner = NULL, stage = 'mql' WHERE key = 'ana@acme.example'"
expect_ok lr --db x.db explain ana@acme.example policy.lua --now 2026-11-01
contains "account_owner: the owner of account acme.example"
expect_ok lr --db before.db explain cy@gmail.com policy.lua --now 2026-11-01
contains "account_owner: no account, so the fallback: by_field country = US; fixed owner"
expect_ok lr --db before.db explain dee@gmail.com policy.lua --now 2026-11-01
contains "account_owner: the account has no owner yet, so the fallback: fixed owner"

# ---- report --by account, account funnel ----------------------------------------
expect_ok lr report --by account --policy policy.lua
contains "acme.example"
contains "Account funnel"
contains "account stage  accounts  contacts"
expect_ok lr report --json
contains '"account_funnel": ['
contains '{"stage": "qualified", "accounts": 1, "contacts": 2}'

# ---- backtest --accounts: won when any contact won -------------------------------
expect_ok lr backtest --accounts policy.lua --now 2026-11-01
contains "accounts   4 evaluated, 2 with an outcome, 2 without (left out)"
contains "positives  1 (base rate 50.0%)"
contains "ROC AUC    1.0000"
expect_fail 2 lr backtest --accounts policy.lua --outcome converted
# ---- diff --accounts: the new policy's contact results feed its accounts -------
sed 's/points = 30, when = function(lead)/points = 50, when = function(lead)/' policy.lua > policy2.lua
expect_ok lr diff --accounts policy.lua policy2.lua --now 2026-11-01
contains "acme.example                         score 175 -> 195 (+20)"
contains "globex.example                       score 100 -> 190 (+90), stage engaged -> qualified"
expect_ok lr diff --accounts policy.lua policy2.lua --now 2026-11-01 --json
contains '{"key": "globex.example", "old_score": 100, "new_score": 190, "old_stage": "engaged", "new_stage": "qualified"}'

# ---- free_mail in the policy; errors -----------------------------------------------
cat > freemail.lua <<'EOF'
stages { "lead" }
free_mail { "Globex.example" }
rule "matched" { points = 1, when = function(lead) return lead.account ~= nil end }
account_rule "members" { score = function(account) return account:count() end }
EOF
cp before.db fm.db
expect_ok lr --db fm.db run freemail.lua --now 2026-11-01
same "$(sqlite3 fm.db "SELECT key, score FROM contacts WHERE score > 0 ORDER BY id" | tr '\n' ' ')" \
     "ana@acme.example|1.0 bo@acme.example|1.0 eve@initech.example|1.0 "
same "$(sqlite3 fm.db "SELECT score FROM accounts WHERE key='globex.example'")" "0.0"
printf 'stages {"a"}\naccount_stages {"x"}\naccount_handoff { stage = "x", assign = account_owner {} }\n' > bad1.lua
expect_fail 1 lr run bad1.lua
contains "bad1.lua:3:"
contains "an account handoff assigns one"
printf 'stages {"a"}\naccount_rule "r" { points = 1, segment = "s" }\n' > bad2.lua
expect_fail 1 lr run bad2.lua
contains "account_rule 'r': unknown option 'segment'"
printf 'stages {"a"}\naccount_rule "r" { points = 1, when = function(a) return a.nosuch end }\n' > bad3.lua
cp before.db b3.db
expect_fail 1 lr --db b3.db run bad3.lua --now 2026-11-01
contains "bad3.lua:2: account acme.example: unknown field 'account.nosuch'"
same "$(sqlite3 fm.db "SELECT count(*) FROM runs")" 1

# An account_handoff's assign function: a non-string owner, and one with a
# NUL byte (named at the function's line), refuse the run and change nothing.
cat > bad4.lua <<'EOF'
stages {"a"}
account_stages {"x"}
account_handoff { stage = "x", assign = function(acc)
  return 42
end }
EOF
cp before.db b4.db
expect_fail 1 lr --db b4.db run bad4.lua --now 2026-11-01
contains "bad4.lua:3: account acme.example: account_handoff assign function returned number (an owner name or nil)"
same "$(sqlite3 b4.db "SELECT count(*) FROM runs")" 0
sed 's/return 42/return "a\\0b"/' bad4.lua > bad5.lua
expect_fail 1 lr --db b4.db run bad5.lua --now 2026-11-01
contains "bad5.lua:3: account acme.example: the owner the assign function returned contains a NUL byte"
same "$(sqlite3 b4.db "SELECT count(*) FROM runs")" 0

# An event re-evaluates its contact's account in its batch, as `run` would:
# two senior demo requests push globex over "seniors engaged" to
# qualified and its handoff;
# the accounts, their history and handoffs, and the contacts routed to
# the account's owner, equal a full run's at the same
# clock on a copy with the same activity imported.
lr --db ev.db import contacts contacts.csv >/dev/null
lr --db ev.db import activities activities.csv >/dev/null
lr --db ev.db import outcomes outcomes.csv >/dev/null
lr --db ev.db import accounts accounts.csv >/dev/null
cp "$LR_SRC/examples/abm.lua" abm.lua
expect_ok lr --db ev.db run abm.lua --now 2026-11-01
cp ev.db full.db
acc_state() {
  sqlite3 "$1" "SELECT key, score, scores, grade, grades, stage, stage_since,
    owner, assigned_at, due_at FROM accounts ORDER BY key;
    SELECT a.key, h.from_stage, h.to_stage, h.at, h.reason, h.transition
    FROM account_history h JOIN accounts a ON a.id = h.account_id ORDER BY h.id;
    SELECT a.key, s.owner, s.stage, s.at, s.due FROM account_assignments s
    JOIN accounts a ON a.id = s.account_id ORDER BY s.id;
    SELECT a.key, p.rule, p.grp, p.points FROM account_parts p
    JOIN accounts a ON a.id = p.account_id ORDER BY a.key, p.rule"
}
before_ev="$(acc_state ev.db)"
cat > ev.ndjson <<'EOF'
{"contact": "fay@globex.example", "type": "demo_request", "at": "2026-10-31T00:00:00Z"}
{"contact": "dee@gmail.com", "type": "demo_request", "at": "2026-10-31T00:00:00Z"}
EOF
expect_ok lr --db ev.db ingest abm.lua ev.ndjson --now 2026-11-01
printf 'email,type,occurred_at\nfay@globex.example,demo_request,2026-10-31\ndee@gmail.com,demo_request,2026-10-31\n' > ev.csv
lr --db full.db import activities ev.csv >/dev/null
expect_ok lr --db full.db run abm.lua --now 2026-11-01
[ "$(acc_state ev.db)" != "$before_ev" ] && pass || fail "the event changed no account"
same "$(acc_state ev.db)" "$(acc_state full.db)"
# ... and so do the contacts' handoffs to the account's new owner
con_state() {
  sqlite3 "$1" "SELECT key, score, stage, owner FROM contacts ORDER BY key"
}
same "$(con_state ev.db)" "$(con_state full.db)"
same "$(sqlite3 ev.db "SELECT * FROM routing_state ORDER BY 1, 2")" \
     "$(sqlite3 full.db "SELECT * FROM routing_state ORDER BY 1, 2")"
same "$(sqlite3 ev.db "SELECT owner FROM contacts WHERE key='fay@globex.example'")" \
     "ana@corp.example"
same "$(sqlite3 ev.db "SELECT stage, owner FROM accounts WHERE key='globex.example'")" \
     "qualified|ana@corp.example"
# ... and the batch's account move and handoff are in the outbox, as the
# full run's are (with the account's key and kind, no contact id)
acc_out() {
  sqlite3 "$1" "SELECT kind, key, coalesce(contact_id, '-'), json_remove(payload, '\$.run')
    FROM outbox WHERE run_id = (SELECT max(id) FROM runs) AND kind LIKE 'account_%' ORDER BY id"
}
same "$(acc_out ev.db | cut -d'|' -f1-3 | tr '\n' ' ')" \
     "account_move|globex.example|- account_move|globex.example|- account_handoff|globex.example|- "
same "$(acc_out ev.db)" "$(acc_out full.db)"

# ---- the outbox: a run's decisions, in run --json's order -------------------------
# contact moves, contact handoffs (account_owner ones after the account
# step, as listed), account moves, account handoffs; ids increasing, each
# payload the decision run --json prints (tests/cli/outbox_vs_run.py).
cp before.db ob.db
expect_ok sh -c "'$LEADRULES' --db ob.db run policy.lua --now 2026-11-01 --jobs 2 --json --limit 0 > ob.json"
expect_ok python3 "$LR_SRC/tests/cli/outbox_vs_run.py" ob.db ob.json
same "$(sqlite3 ob.db "SELECT group_concat(kind || ':' || key, ' ') FROM outbox WHERE kind LIKE 'account_%' AND key = 'acme.example'")" \
     "account_move:acme.example account_move:acme.example account_move:acme.example account_handoff:acme.example"
same "$(sqlite3 ob.db "SELECT count(*) FROM outbox")" \
     "$(sqlite3 ob.db "SELECT (SELECT count(*) FROM stage_history) + (SELECT count(*) FROM assignments) + (SELECT count(*) FROM account_history) + (SELECT count(*) FROM account_assignments)")"
# a second run at the same clock decides nothing: no rows
expect_ok sh -c "'$LEADRULES' --db ob.db run policy.lua --now 2026-11-01 --json --limit 0 > ob2.json"
expect_ok python3 "$LR_SRC/tests/cli/outbox_vs_run.py" ob.db ob2.json
same "$OUT" "ok 0"
# --jobs 1 writes the same rows; --dry-run and --no-outbox write none
cp before.db ob1.db
lr --db ob1.db run policy.lua --now 2026-11-01 --jobs 1 >/dev/null
same "$(sqlite3 ob1.db "SELECT id, kind, key, payload FROM outbox")" \
     "$(sqlite3 ob.db "SELECT id, kind, key, payload FROM outbox")" "(--jobs 1 vs 2)"
cp before.db ob0.db
lr --db ob0.db run policy.lua --now 2026-11-01 --dry-run >/dev/null
expect_ok lr --db ob0.db run policy.lua --now 2026-11-01 --no-outbox
same "$(sqlite3 ob0.db "SELECT count(*) FROM outbox") $(sqlite3 ob0.db "SELECT count(*) FROM stage_history")" \
     "0 $(sqlite3 ob.db "SELECT count(*) FROM stage_history")"

finish
