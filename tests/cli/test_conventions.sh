# test_conventions.sh -- issue 15, conventions of a shell tool, on real
# files: a filter that matches nothing says so (exit 0); one rule names a
# field (the folded form of an aliased column's original header) for a
# policy, export --fields, report --by and set; the email key is stored
# trimmed; company_size refuses text at import and set, so that SQL
# segments and Lua agree; run --dry-run prints no empty heading and a
# repeat run says "nothing changed".
. "$LR_SRC/tests/cli/lib.sh"
NOW=2026-11-01
# exp ARGS...: leadrules export, its CSV lines without the CR
exp() { expect_ok lr export "$@"; OUT=${OUT//$'\r'/}; }

cat >c.csv <<'EOF2'
Email,Lead Source,Company Size,Name
"  Ann@X.example ",Web,5000,Ann
bob@x.example,Ads,20,Bob
cat@x.example,Web,,Cat
EOF2
expect_ok lr import contacts c.csv
cat >p.lua <<'EOF2'
stages { "lead", "mql" }
segment "Enterprise" { where = "company_size >= 1000" }
rule "big" { points = 10, when = function(lead)
  return (lead.company_size or 0) >= 1000 end }
rule "web" { points = 1, when = function(lead)
  return lead.lead_source == "Web" end }
transition { from = "lead", to = "mql", when = function(lead)
  return lead.score >= 10 end }
EOF2

# ---- run: no empty heading; a repeat says nothing changed -----------------
expect_ok lr run p.lua --now $NOW --dry-run
contains "changes (first 50):"
expect_ok lr run p.lua --now $NOW
lacks "nothing changed"
first=$OUT
case "$first" in "ran p.lua (sha256 "*")"$'\n'*) pass ;; *) fail "first line: $first" ;; esac
expect_ok lr run p.lua --now $NOW
same "$(head -1 <<<"$OUT" | sed 's/.*)//')" ": nothing changed"
expect_ok lr run p.lua --now $NOW --dry-run
lacks "changes ("
contains "nothing was written; nothing would change"
expect_ok lr run p.lua --now $NOW --dry-run --limit 0
lacks "changes:"
expect_ok lr run p.lua --now $NOW --dry-run --json
contains '"changes": ['

# ---- a policy reads lead.lead_source (header "Lead Source" -> source) -----
same "$(sql "SELECT key, score FROM contacts ORDER BY id")" "ann@x.example|11.0
bob@x.example|0.0
cat@x.example|1.0"
expect_ok lr check p.lua --now $NOW
same "$(tail -1 <<<"$OUT")" "0 errors, 1 warning"
lacks "lead_source"
expect_ok lr explain ann@x.example p.lua --now $NOW
contains "web"
# a real field of that name wins over the other name
printf 'email,Origin\nbob@x.example,Web\n' >ls.csv
cp test.db before.db
expect_ok lr import contacts ls.csv --map Origin=lead_source
expect_ok lr run p.lua --now $NOW
same "$(sql "SELECT score FROM contacts WHERE key='bob@x.example'")" "1.0"
exp --fields email,lead_source,source --field-names
same "$(sed -n 3p <<<"$OUT")" "bob@x.example,Web,Ads" "(a field lead_source)"
cp before.db test.db; rm -f test.db-wal test.db-shm

# SQL segments see only real columns: the error says which field it became
cat >sqlalias.lua <<'EOF2'
stages { "lead" }
segment "web" { where = "lead_source = 'Web'" }
rule "w" { points = 1, when = function(lead) return lead:in_segment("web") end }
EOF2
expect_fail 1 lr run sqlalias.lua --now $NOW
same "$OUT" "leadrules: sqlalias.lua:2: segment SQL does not prepare: no such column: lead_source (the column 'Lead Source' was imported as the field 'source': write source)"
expect_fail 1 lr check sqlalias.lua --now $NOW
contains "no such column: lead_source (the column 'Lead Source' was imported as the field 'source': write source)"
sed -i 's/lead_source = /lead_sorce = /' sqlalias.lua
expect_fail 1 lr run sqlalias.lua --now $NOW
same "$OUT" "leadrules: sqlalias.lua:2: segment SQL does not prepare: no such column: lead_sorce"

# ---- export --fields, report --by and set take the same names -------------
exp --fields email,lead_source --field-names
same "$(head -2 <<<"$OUT")" "email,source
Ann@X.example,Web"
exp --fields "Lead Source,company_size"
same "$(head -1 <<<"$OUT")" "Lead Source,Company Size"
expect_ok lr report --now $NOW --by lead_source
contains "split by   source"
expect_ok lr report --now $NOW --by "Lead Source" --json
contains '"by": "source"'
expect_ok lr set bob@x.example lead_source=Referral --reason "phone call" --by ops
same "$(sql "SELECT source FROM contacts WHERE key='bob@x.example'")" "Referral"
same "$(sql "SELECT field FROM audit ORDER BY id DESC LIMIT 1")" "source"
expect_fail 1 lr set bob@x.example lead_sourc=x --reason r
same "$OUT" "leadrules: unknown field 'lead_sourc' (no such column; \`leadrules info\` lists the fields)"
expect_fail 1 lr set bob@x.example nmae=Robert --reason r
same "$OUT" "leadrules: unknown field 'nmae'; did you mean 'name'? (\`leadrules info\` lists the fields)"
# ---- a key that names no contact says how to list the keys ----------------
expect_fail 1 lr set nobody@x.example lead_source=x --reason r
same "$OUT" "leadrules: no contact with key 'nobody@x.example' (contacts are keyed on email: \`leadrules export --fields email\` lists them)"
expect_fail 1 lr move nobody@x.example mql --reason r
contains "(contacts are keyed on email: \`leadrules export --fields email\` lists them)"
expect_fail 1 lr explain nobody@x.example p.lua --now $NOW
contains "(contacts are keyed on email: \`leadrules export --fields email\` lists them)"

# ---- the email key is stored trimmed ---------------------------------------
same "$(sql "SELECT '[' || email || ']' FROM contacts WHERE id = 1")" "[Ann@X.example]"
exp --fields email
same "$(sed -n 2p <<<"$OUT")" "Ann@X.example"

# ---- a filter that matches nothing says so, exit 0 -------------------------
exp --stage sqll
same "$OUT" "leadrules: export: no contact is in stage 'sqll' (the stages with contacts: lead 2, mql 1)
Email,Company Size,Lead Source,Name,stage,owner,score,grade"
same "$(lr export --stage sqll --fields email 2>/dev/null | tr -d '\r')" "Email"
exp --segment enterprise --json
same "$OUT" "leadrules: export: no contact is in segment 'enterprise' as of the last run (the segments with contacts: Enterprise 1; names are case-sensitive: did you mean 'Enterprise'?)
[]"
exp --stage MQL --fields email
contains "did you mean 'mql'?"
exp --stage lead --segment Enterprise --fields email
same "$OUT" "leadrules: export: no contact is in stage 'lead' and segment 'Enterprise' at once
Email"
exp --stage mql --segment Enterprise --fields email
same "$OUT" "Email
Ann@X.example"
# before any run: no stages, no segments
printf 'email\nz@x.example\n' | lr --db fresh.db import contacts - >/dev/null
exp --db fresh.db --stage lead --segment x --fields email
same "$OUT" "leadrules: export: no contact is in stage 'lead' (no contact is in any stage yet: run a policy first); no contact is in segment 'x' as of the last run (no contact is in any segment yet: run a policy first)
email"

# ---- company_size: text is refused, so SQL and Lua agree -------------------
printf 'Email,Company Size\nlots@x.example,lots\nok@x.example,2000\n' >lots.csv
cp test.db before.db
expect_fail 1 lr import contacts lots.csv
same "$OUT" "leadrules: lots.csv:2: column 'Company Size': 'lots' is not a number, and company_size is a number field (--null VALUE reads such cells as empty; --map 'Company Size=company_size_text' keeps the text in a field of its own)"
same "$(sql 'SELECT count(*) FROM contacts')" "3" "(the import rolled back)"
expect_ok lr import contacts lots.csv --rejects rej.csv
contains "rejected                 1"
grep -q "^lots@x.example,lots," rej.csv && pass || fail "rejects: $(cat rej.csv)"
cp before.db test.db; rm -f test.db-wal test.db-shm
expect_ok lr import contacts lots.csv --null lots
same "$(sql "SELECT ifnull(company_size, 'NULL') FROM contacts WHERE key='lots@x.example'")" "NULL"
cp before.db test.db; rm -f test.db-wal test.db-shm
expect_ok lr import contacts lots.csv --map "Company Size=company_size_text"
same "$(sql "SELECT company_size_text FROM contacts WHERE key='lots@x.example'")" "lots"
expect_fail 1 lr set bob@x.example company_size=lots --reason r
same "$OUT" "leadrules: 'lots' is not a number, and company_size is a number field (leave it empty to clear it)"
expect_ok lr set bob@x.example company_size=1500 --reason "grew"
expect_ok lr set cat@x.example "Company Size=" --reason "unknown"
# the segment (SQL) and the rule (Lua) pick the same contacts
expect_ok lr run p.lua --now $NOW
seg=$(lr export --segment Enterprise --fields email --field-names | tr -d '\r' |
      tail -n +2 | sort)
big=$(sql "SELECT email FROM contacts WHERE score >= 10 ORDER BY email")
same "$seg" "$big" "(segment and rule disagree)"
same "$(wc -l <<<"$seg")" "2" "(ann and bob)"
finish
