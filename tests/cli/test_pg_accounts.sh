# Accounts on the PostgreSQL store (docs/postgresql.md): the same contacts
# and accounts loaded into SQLite and into PostgreSQL give the same import
# reports, contact-to-account matches, stored account fields (the JSON
# text, byte for byte), `export --accounts`, runs of the account policies
# (run --json, account history, handoffs, score parts, outbox rows), and
# `explain --account`, with contacts keyed by email or by another field;
# a bad accounts row names file, line and column on
# both, and rolls back.
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
EX="$LR_SRC/examples"
. "$LR_SRC/tests/cli/pg_lib.sh"     # skips without a server; fresh, rows
# both CMD...: the same output (the run's wall-clock time aside) and exit
# status on SQLite and on PostgreSQL.  $OUT keeps PostgreSQL's.
both() {
  local a b ra rb
  a=$("$LEADRULES" --db "$SQ" "$@" 2>&1 | grep -v '^time  \|"seconds": '); ra=${PIPESTATUS[0]}
  b=$("$LEADRULES" --db "$PG" "$@" 2>&1 | grep -v '^time  \|"seconds": '); rb=${PIPESTATUS[0]}
  OUT=$b
  same "$ra" "$rb" "exit status of $*"
  same "$a" "$b" "output of $* (sqlite, then postgresql)"
}
A="JOIN accounts k ON k.id = t.account_id"
# The accounts as stored (fields as JSON text), each contact's match.
stored() {
  rows "SELECT id, key, data, import_seq FROM accounts"
  rows "SELECT key, account_key FROM contacts"
  rows "SELECT v FROM meta WHERE k = 'account_headers'"
  both export --accounts
  both export --accounts --json --field-names
}
# Every table a run writes for accounts, and the outbox.
ran() {
  stored
  rows "SELECT key, CAST(round(score * 1000) AS INTEGER), scores, grade, grades, stage, stage_since, owner, assigned_at, due_at, updated_at FROM accounts"
  rows "SELECT t.id, k.key, t.from_stage, t.to_stage, t.at, t.run_id, t.reason, t.transition FROM account_history t $A"
  rows "SELECT t.id, k.key, t.owner, t.stage, t.at, t.run_id, t.due FROM account_assignments t $A" "${1:-}"
  rows "SELECT k.key, t.rule, t.grp, CAST(round(t.points * 1000) AS INTEGER) FROM account_parts t $A"
  rows "SELECT id, at, kind, contact_id, key, run_id, payload FROM outbox"
  rows "SELECT id, kind, evaluated, score_changes, moves, handoffs, errors FROM runs"
  both export
}

# ---- import and matching: URLs, case, free mail, the account field --------
fresh small
cat > contacts.csv <<'EOF'
email,First Name,Title,Country,Account
ana@acme.example,Ana,VP Sales,DE,
bo@ACME.example,Bo,Engineer,US,
cy@gmail.com,Cy,Director,US,
dee@gmail.com,Dee,CTO,FR,www.Globex.example
eve@initech.example,Eve,Intern,US,
fay@globex.example,Fay,Head of Sales,US,
gus@hotmail.com,Gus,VP Ops,GB,  ACME.example
EOF
# A name with a quote, a backslash, a tab and non-ASCII; a zip that stays
# text; a real; an empty cell (null), a key twice in one file.
cat > accounts.csv <<'EOF'
Website,Name,Employees,Region,Zip,Ratio
https://www.ACME.example/about,"Acme ""Big"" \ Co",1200,EU,02134,0.5
globex.example,Glöbex	AG,50,US,,1e3
gmail.com,Gmail,,,,
ACME.example,,1300,,02135,
EOF
both import contacts contacts.csv --now 2026-10-01
both import accounts accounts.csv --now 2026-10-01
contains "inserted                 3"
contains "merged                   1"
stored
# again: updated, merged, a new field, a field left empty (removed)
printf 'Domain,Region,Segment,Name\nacme.example,EU,ent,\nACME.example,EU,,Acme\nnew.example,APAC,smb,New\n' > again.csv
both import accounts again.csv --now 2026-10-02
contains "updated                  1"
stored
# a bad key names the file, line and column, and rolls back ...
printf 'Website,Name\nacme.example,Acme\nnot a domain,B\n' > bad.csv
both import accounts bad.csv
contains "bad.csv:3: column 'Website': not a domain or website: 'not a domain'"
# ... unless --rejects; no key column is an error
both import accounts bad.csv --rejects "$LR_TMP/rejects.csv" --now 2026-10-03
contains "rejected                 1"
printf 'Name\nx\n' > nokey.csv
both import accounts nokey.csv
contains "no 'Domain', 'Website' or 'Company Domain' column"
# --key: any column, trimmed and lower-cased; a bad --key names it
printf 'Code,Domain Name,Name\nGLOBEX.example,x,Globex by code\nZZ-1,y,Other\n' > keyed.csv
both import accounts keyed.csv --key Code --now 2026-10-03
both import accounts keyed.csv --key Nope
contains "--key 'Nope': no such column"
stored
# an accounts import matches again; a contacts import matches its contacts
printf 'Company Domain\ninitech.example\n' > initech.csv
both import accounts initech.csv --now 2026-10-04
printf 'email,Account\nbo@acme.example,globex.example\nhal@new.example,\n' > moved.csv
both import contacts moved.csv --now 2026-10-05
rows "SELECT key, account_key FROM contacts WHERE key IN ('eve@initech.example', 'bo@acme.example', 'hal@new.example')"
both export --fields email,account_key
stored

# ---- the policy of test_accounts.sh: roll-ups, moves, an account handoff,
# account-owner routing with fallbacks --------------------------------------
cat > policy.lua <<'EOF'
stages { "lead", "mql", "sql" }
rule "senior" { group = "fit", points = 30, when = function(lead)
  local t = (lead.title or ""):lower()
  return t:find("vp") or t:find("director") or t:find("cto") or t:find("head") end }
rule "eu account" { group = "fit", points = 5, when = function(lead)
  return lead.account ~= nil and lead.account.region == "EU" end }
rule "active" { group = "engagement", score = function(lead)
  return 10 * lead:count("*", { within = "30d" }) end }
transition { from = "lead", to = "mql", when = function(lead) return lead.score >= 30 end }
transition { from = "mql", to = "sql", when = function(lead) return lead.score >= 35 end }
handoff { stage = "sql", assign = account_owner { fallback = by_field("country", {
  US = "us-team@corp.example", ["*"] = round_robin { "rr1@corp.example", "rr2@corp.example" } }) } }
handoff { stage = "mql", assign = account_owner { fallback = "nurture@corp.example" } }
account_stages { "target", "engaged", "qualified" }
account_rule "people" { group = "coverage", score = function(account)
  return account:sum("score") end }
account_rule "two seniors" { group = "coverage", points = 25, when = function(account)
  return account:count { where = function(c) return (c.title or ""):find("V") end } >= 1 end }
account_rule "an sql" { group = "intent", points = 50, when = function(account)
  return account:count { stage = "sql" } >= 1 end }
account_rule "big" { points = 10.5, when = function(account)
  return (account.employees or 0) >= 1000 end }
grade "intent" { hot = 50, cold = 0 }
account_transition { from = "target", to = "engaged", when = function(account)
  return account.score > 0 end }
account_transition { from = "engaged", to = "qualified", reason = "an SQL in the buying group",
  when = function(account) return account.grade == "hot" end }
account_handoff { stage = "qualified", due = "3d",
  assign = round_robin { "ae1@corp.example", "ae2@corp.example" } }
EOF
both run policy.lua --now 2026-11-01 --dry-run --json
contains '"rows_written": 0,'
same "$(psql -qXtA "$PG" -c 'SELECT (SELECT count(*) FROM account_history) + (SELECT count(*) FROM account_parts) + (SELECT count(*) FROM runs)')" 0 "a dry run writes nothing"
both run policy.lua --now 2026-11-01 --json
contains '"handoffs": 1}'
ran
both run policy.lua --now 2026-11-01 --jobs 2          # nothing changes
both explain --account acme.example policy.lua --now 2026-11-02
contains "account acme.example"
both explain --account globex.example policy.lua --now 2026-11-02 --json
both explain --account nope.example policy.lua --now 2026-11-02
both explain ana@acme.example policy.lua --now 2026-11-02

# ---- the ABM example on the B2B data, over two runs ---------------------
fresh abm
both import contacts "$EX/data/b2b/contacts.csv" --map 'Job Title=title' --now 2026-10-01
both import activities "$EX/data/b2b/activities.csv" --now 2026-10-01
both import outcomes "$EX/data/b2b/outcomes.csv" --now 2026-10-01
both import accounts "$EX/data/b2b/accounts.csv" --now 2026-10-01
both run "$EX/abm.lua" --now 2026-11-01 --dry-run
both run "$EX/abm.lua" --now 2026-11-01 --json
contains '"accounts": {"evaluated": 68'
both run "$EX/abm.lua" --now 2026-11-20 --jobs 2
ran
for key in acme.example monarch.example.com; do
  both explain --account "$key" "$EX/abm.lua" --now 2026-11-21
  both explain --account "$key" "$EX/abm.lua" --now 2026-11-21 --json
done
key=$(sqlite3 "$SQ" "SELECT key FROM contacts WHERE account_key = 'acme.example' ORDER BY id LIMIT 1")
both explain "$key" "$EX/abm.lua" --now 2026-11-21
# ---- contacts keyed by another field than email (issue 18): the match
# is the contact's `account` field, else the domain of its `email` field
# whatever the key, on both stores; no email column matches by account only
fresh keyed
printf 'Code,Name\nacme.example,Acme\n1e3,Numeric\nbeta.example,Beta\n' > acc-code.csv
both import accounts acc-code.csv --key Code --now 2026-10-01
cat > crm.csv <<'EOF2'
crm_id,email,first_name,account
c1,ann@acme.example,Ann,
c2, bob@BETA.example ,Bob,
c3,cy@gmail.com,Cy,https://www.Acme.example/x
c4,dee@gmail.com,Dee,1e3
c5,,Eve,
EOF2
both import contacts crm.csv --key crm_id --now 2026-10-02
rows "SELECT key, email, account_key FROM contacts"
same "$(sqlite3 "$SQ" "SELECT group_concat(key || '=' || ifnull(account_key, '-'), ' ') FROM (SELECT * FROM contacts ORDER BY id)")" \
     "c1=acme.example c2=beta.example c3=acme.example c4=1e3 c5=-" "matches by account, else email"
printf 'crm_id,account\nc1,beta.example\nc5,acme.example\n' > moved2.csv
both import contacts moved2.csv --key crm_id --now 2026-10-03
stored
both explain --account acme.example policy.lua --now 2026-11-02
contains "account acme.example"
both explain --account beta.example policy.lua --now 2026-11-02 --json
finish
