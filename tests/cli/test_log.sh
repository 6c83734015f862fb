# log(...) in policies: a debugging line on stderr with the policy's
# file:line and the contact's key, in run, explain, test and check; whole
# lines with --jobs 2; stdout and the database untouched by it; control
# characters escaped; no way to name a file.
. "$LR_SRC/tests/cli/lib.sh"
cat > p.lua <<'LUA'
stages { "lead", "mql" }
log("loading")
rule "big" { points = 50, when = function(lead)
  log("size", lead.company_size, "a\nforged line")
  return (lead.company_size or 0) >= 1000 end }
transition { from = "lead", to = "mql", when = function(lead) return lead.score >= 50 end }
LUA
{ echo email,company_size
  i=1; while [ $i -le 3000 ]; do echo "c$i@x.example,$((i * 10))"; i=$((i+1)); done
} > c.csv
expect_ok lr import contacts c.csv

# run --jobs 2: one whole line per contact on stderr, none on stdout.
lr run p.lua --now 2026-11-01 --jobs 2 > out.txt 2> err.txt || fail "run"
grep -q "log:" out.txt && fail "log went to stdout" || pass
same "$(grep -c '^p.lua:4: log: contact c[0-9]*@x.example: size	[0-9]*	a\\nforged line$' err.txt)" 3000 "whole lines, one per contact"
same "$(grep -vc '^p.lua:[24]: log: ' err.txt)" 0 "every stderr line is a log line"
grep -q '^p.lua:2: log: loading$' err.txt && pass || fail "no load-time line"
same "$(grep -c '^forged line' err.txt)" 0 "a newline in a value forged a line"
same "$(sql "SELECT count(*) FROM contacts WHERE stage = 'mql'")" 2901

# explain, check and test show them too.
OUT=$(lr explain p.lua c7@x.example --now 2026-11-01 2>&1 >/dev/null)
contains "p.lua:4: log: contact c7@x.example: size	70	a\\nforged line"
OUT=$(lr check p.lua --now 2026-11-01 2>&1 >/dev/null)
contains "p.lua:4: log: contact c1@x.example: size	10"
cat > p_test.lua <<'LUA'
local p = load_policy("p.lua", { now = "2026-11-01" })
test("big", function() expect(p:evaluate{ company_size = 5000 }.score).to_be(50) end)
LUA
lr test p_test.lua > tout.txt 2> terr.txt || fail "test: $(cat tout.txt terr.txt)"
grep -q "p.lua:4: log: contact fixture: size	5000	" terr.txt && pass || fail "test: no log line: $(cat terr.txt)"

# Not an output channel: log takes values only and returns nothing; a
# table that names a file is shown, never opened.
cat > q.lua <<'LUA'
stages { "lead" }
local r = log({ file = "logged.txt", mode = "w" })
log(r == nil, type(log))
LUA
OUT=$(lr check q.lua --now 2026-11-01 2>&1)
contains 'q.lua:2: log: {file = "logged.txt", mode = "w"}'
contains "q.lua:3: log: true	function"
[ -e logged.txt ] && fail "log wrote a file" || pass
finish
