# leadrules shell, piped: expressions print, statements do not, input
# continues over lines, errors go to stderr and make the exit status 1.
. "$LR_SRC/tests/cli/lib.sh"
printf 'email\n' | lr import contacts - >/dev/null   # an empty database

OUT=$(echo 'return 1+1' | lr shell)
same "$OUT" "2" "(return 1+1)"
OUT=$(printf '1 + 1\n= "a" .. "b"\nx = 20\nx * 2\n' | lr shell)
same "$OUT" "$(printf '2\n"ab"\n40')" "(expressions)"
OUT=$(printf 'for i = 1, 3 do\n  print(i)\nend\nt = {\n  a = 1,\n  b = { 1, 2 },\n}\nt\n' | lr shell)
same "$OUT" "$(printf '1\n2\n3\n{a = 1, b = {1, 2}}')" "(multi-line input)"

# Errors: on stderr with stdin:LINE, the shell goes on, exit status 1.
OUT=$(printf 'error("boom")\nprint("after")\n' | lr shell 2>err.txt); rc=$?
same "$OUT" "after" "(goes on after an error)"
same "$(cat err.txt)" "stdin:1: boom" "(error message)"
same "$rc" "1" "(exit status after an error)"
OUT=$(printf 'for i = 1, 2 do\n' | lr shell 2>&1); rc=$?
contains "'end' expected"
same "$rc" "1" "(input ended inside a chunk)"
OUT=$(printf 't = {}\nt.a.b = 1\n' | lr shell 2>&1)
contains "stdin:1: attempt to index a nil value (field 'a')"

# The database: read-only SQL, counts, a contact, a policy.
sql "INSERT INTO contacts(id, key, email, title, company_size) VALUES
       (1, 'ann@a.example', 'ann@a.example', 'VP Sales', 5000),
       (2, 'bob@b.example', 'bob@b.example', 'Intern', 10);
     INSERT INTO activities(contact_id, type, occurred_at) VALUES (1, 'demo_request', 1790000000);"
OUT=$(printf 'query("SELECT key FROM contacts WHERE company_size > ?1", 100)\ncount("company_size < 100")\nlead("ann@a.example").title\n#lead("ann@a.example").activities\nlead("nobody")\n' | lr shell)
same "$OUT" "$(printf '{{key = "ann@a.example"}}\n1\n"VP Sales"\n1\nnil')" "(query, count, lead)"
OUT=$(echo 'query("DELETE FROM contacts")' | lr shell 2>&1)
contains "query:"
same "$(sql 'SELECT count(*) FROM contacts')" "2" "(query cannot write)"
OUT=$(echo 'query("SELECT * FROM runs")' | lr shell 2>&1)
contains "contacts, activities and outcomes"

cat > p.lua <<'LUA'
stages { "lead", "mql" }
rule "big" { points = 50, when = function(lead) return (lead.company_size or 0) >= 1000 end }
rule "demo" { points = 20, when = function(lead) return lead:did("demo_request") end }
transition { from = "lead", to = "mql", when = function(lead) return lead.score >= 60 end }
LUA
OUT=$(printf 'p = load_policy("p.lua")\nr = p:evaluate("ann@a.example")\nr.score, r.stage, r.parts.demo\np:evaluate{ company_size = 2000 }.path\n' | lr shell)
same "$OUT" "$(printf '70\t"mql"\t20\n{"lead"}')" "(a policy in the shell)"
same "$(sql 'SELECT count(*) FROM contacts WHERE stage IS NOT NULL')" "0" "(evaluate writes nothing)"

# Ctrl-C (SIGINT) stops a running query: "interrupted", status 130.
{ echo email; seq 3 30 | sed 's/.*/c&@c.example/'; } | lr import contacts - >/dev/null
echo 'query("SELECT count(*) AS n FROM contacts a, contacts b, contacts c, contacts d, contacts e, contacts f, contacts g")' \
  | "$LEADRULES" shell 2>err.txt & pid=$!
sleep 0.5; kill -INT $pid; wait $pid; rc=$?
same "$rc" "130" "(exit status after SIGINT)"
same "$(cat err.txt)" "interrupted" "(SIGINT message)"

OUT=$(echo 'help()' | lr shell)
contains "query(sql, ...)"
OUT=$(echo 'help' | lr shell)
contains "query(sql, ...)"
# --now sets the clock; `now` alone shows it as a date; policies see it.
OUT=$(printf 'now
now + 0
' | lr shell --now 2026-11-01)
same "$OUT" "$(printf '2026-11-01T00:00:00Z (1793491200)\n1793491200')" "(now as a date)"
OUT=$(printf 'p = load_policy("p.lua")\np:evaluate("ann@a.example").now\n' | lr shell --now 2026-11-01 2>&1)
same "$OUT" "1793491200" "(p:evaluate uses the shell's --now)"
expect_fail 2 lr shell --now soon
contains "--now: cannot read 'soon'"
expect_fail 2 lr shell --bogus
finish
