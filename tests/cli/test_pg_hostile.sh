# Hostile and odd input on both stores (docs/postgresql.md, "Odd and
# hostile input"): bytes PostgreSQL cannot keep in text (NUL, invalid
# UTF-8), numbers outside a double or an int64, times at the edges, odd
# headers, CSV quirks, events by `ingest`, `set`, `move`, scripts and
# policies whose strings hold such bytes. Each command runs on an SQLite
# file and on a PostgreSQL database: the same output and exit status (a
# refusal naming file:line:field on both), and the same rows after it,
# compared with cmp; a refused command writes nothing on either.
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
FIX="$LR_SRC/tests/fixtures/realtime"
NOW=2026-11-01T00:00:00Z
. "$LR_SRC/tests/cli/pg_lib.sh"
# psql itself, not Debian's wrapper (lib.sh found it): half the time a call.
case $PSQL in /*) PATH=${PSQL%/*}:$PATH ;; esac

n=0
SNAP=""      # both databases' digest while no command has changed them
# both CMD...: the same output (the timing line aside) and exit status on
# SQLite and on PostgreSQL.  $OUT keeps PostgreSQL's, $RC its status.
both() {
  n=$((n + 1))
  SNAP=""
  "$LEADRULES" --db "$SQ" "$@" 2>&1 | grep -av '^time  \|"seconds": ' > "sq.$n"
  local ra=${PIPESTATUS[0]}
  "$LEADRULES" --db "$PG" "$@" 2>&1 | grep -av '^time  \|"seconds": ' > "pg.$n"
  RC=${PIPESTATUS[0]}
  OUT=$(cat "pg.$n")
  same "$ra" "$RC" "exit status of $*"
  if cmp -s "sq.$n" "pg.$n"; then pass; else
    fail "output of $* differs (sqlite, then postgresql):"$'\n'"$(diff -a "sq.$n" "pg.$n")"
  fi
}
# refused CODE TEXT CMD...: both exit CODE, saying TEXT, and leave both
# databases as they were.
refused() {
  local code=$1 text=$2 d1; shift 2
  d1=${SNAP:-$(snapshot)}
  both "$@"
  same "$RC" "$code" "exit status of $*"
  contains "$text"
  SNAP=$(snapshot)
  same "$SNAP" "$d1" "a refused $* changed a database"
}
snapshot() {
  local t q="" sep=""
  for t in contacts activities runs audit outbox stage_history; do
    q="$q$sep(SELECT count(*) FROM $t)"; sep=", "
  done
  { sqlite3 "$SQ" "SELECT $q; SELECT * FROM contacts ORDER BY id"
    psql -qXtA "$PG" -c "SELECT $q, (SELECT md5(string_agg(c::text, '|'
      ORDER BY c.id)) FROM contacts c JOIN contact_state s ON s.contact_id = c.id)"
  } 2>&1 | sha256sum
}
K="JOIN contacts k ON k.id = t.contact_id"
# An activity's value as the same text on both: 15 digits (PostgreSQL's
# with extra_float_digits 0, see acts), whole numbers without ".0", -0 as 0.
V="CASE WHEN t.value = 0 THEN '0' WHEN t.value = round(t.value) AND
  abs(t.value) < 1e15 THEN CAST(CAST(t.value AS BIGINT) AS TEXT)
  ELSE CAST(t.value AS TEXT) END"
acts() {
  PGOPTIONS="-c extra_float_digits=0" rows "SELECT t.id, k.key, t.type,
    t.occurred_at, $V, t.campaign FROM activities t $K" "${1:-}"
}
tables() {
  both export
  both export --json
  acts "${1:-}"
  rows "SELECT t.id, k.key, t.from_stage, t.to_stage, t.reason, t.by FROM stage_history t $K" "${1:-}"
  rows "SELECT k.key, t.rule, t.grp FROM score_parts t $K" "${1:-}"
  rows "SELECT k.key, t.message FROM run_errors t $K" empty
  rows "SELECT id, kind, policy, moves, handoffs, errors FROM runs" "${1:-}"
  rows "SELECT id, kind, key, payload FROM outbox" empty
}
gen() { python3 -c "import sys; sys.stdout.buffer.write($2)" > "$1"; }

fresh h
cp "$FIX/policy.lua" policy.lua
both import contacts "$FIX/contacts.csv" --now $NOW
both run policy.lua --now $NOW

# ---- text that is not UTF-8, from a policy, a script, set and move ------
# SQLite kept such bytes (no export gives them back) where PostgreSQL
# failed with "invalid byte sequence"; both refuse them now, by name.
printf 'stages { "sub\\xffscriber", "lead" }\n' > bad_stage.lua
refused 1 "bad_stage.lua:1: stage name is not valid UTF-8 (byte 4)" \
  run bad_stage.lua --now $NOW
printf 'stages { "a" }\nrule "r\\xfe" { points = 1, when = function() return true end }\n' > bad_rule.lua
refused 1 "bad_rule.lua:2: rule name is not valid UTF-8" run bad_rule.lua --now $NOW
printf 'stages { "a" }\nhandoff { stage = "a", assign = round_robin { "ana\\xff@corp.example" } }\n' > bad_owner.lua
refused 1 "bad_owner.lua:2: owner name is not valid UTF-8" run bad_owner.lua --now $NOW
cat > bad_fn_owner.lua <<'EOF'
stages { "subscriber", "lead", "mql", "sql" }
transition { from = "lead", to = "mql", when = function(l) return true end }
handoff { stage = "mql", assign = function() return "x\xff" end }
EOF
refused 1 "the owner the assign function returned is not valid UTF-8" \
  run bad_fn_owner.lua --now $NOW
cat > set_bad.lua <<'EOF'
for lead in leads{ where = "id = 1" } do
  if arg[1] == "value" then lead:set("title", "a\xffb") end
  if arg[1] == "nul" then lead:set("title", "a\0b") end
  if arg[1] == "reason" then lead:set("title", "x", "why \xc3") end
  if arg[1] == "move" then lead:move_to("lead", "\xe2\x82") end
end
EOF
refused 1 "set_bad.lua:2: lead:set: the value of 'title' is not valid UTF-8" set_bad.lua value
refused 1 "set_bad.lua:3: lead:set: the value of 'title' contains a NUL byte" set_bad.lua nul
refused 1 "set_bad.lua:4: the reason is not valid UTF-8" set_bad.lua reason
refused 1 "set_bad.lua:5: the reason is not valid UTF-8" set_bad.lua move
refused 1 "the value of 'title' is not valid UTF-8 (byte 2)" \
  set ann@example.com "title=$(printf 'a\377b')" --reason r --now $NOW
refused 1 "the reason is not valid UTF-8 (byte 5)" \
  set ann@example.com title=CTO --reason "$(printf 'why \377')" --now $NOW
refused 1 "the name given with --by is not valid UTF-8" \
  set ann@example.com title=CTO --reason r --by "$(printf '\300\200')" --now $NOW
refused 1 "the stage is not valid UTF-8" \
  move ann@example.com "$(printf 'sq\377l')" --reason r --now $NOW
refused 1 "the reason is not valid UTF-8" \
  move ann@example.com sql --reason "$(printf '\355\240\200')" --now $NOW
# A policy's error() message with such bytes (or cut inside a character)
# is kept with '?' for each bad byte, on both stores (PostgreSQL failed
# the whole run with --keep-going).
cat > boom8.lua <<'EOF'
stages { "subscriber", "lead" }
rule "boom" { points = 1, when = function(lead)
  if lead.email == "bob@example.com" then error("bad \xff byte " .. string.rep("é", 900)) end
  return true end }
transition { from = "subscriber", to = "lead", when = function(l) return l.score > 0 end }
EOF
both run boom8.lua --now $NOW --keep-going --dry-run
both run boom8.lua --now $NOW --keep-going
contains "errors     1"
rows "SELECT k.key, t.message FROM run_errors t $K"
same "$(psql -qXtA "$PG" -c "SELECT substr(message, 1, 48) FROM run_errors")" \
  "boom8.lua:3: contact bob@example.com: bad ? byte"
tables empty

# ---- events by ingest: CSV and NDJSON -------------------------------------
# A CSV event that is not UTF-8 (SQLite kept it, PostgreSQL failed with
# "invalid byte sequence"), a NUL (the line was cut there and the error
# spoke of the cells), a byte-order mark (the header was refused), and
# values strtod reads but an import does not (0x10 became 16, inf
# Infinity): refused by line and column on both, or read as an import.
printf 'contact,type,campaign\nann@example.com,x\377y,c\n' > ev_bad8.csv
refused 1 "ev_bad8.csv:2: column 'type': invalid UTF-8 at byte 2" \
  ingest policy.lua ev_bad8.csv --format csv --now $NOW
printf 'contact,t\377ype\nann@example.com,t\n' > ev_head8.csv
refused 1 "ev_head8.csv:1: header, column 2: invalid UTF-8" \
  ingest policy.lua ev_head8.csv --format csv --now $NOW
printf 'contact,type,campaign\nann@example.com,x\0y,c\n' > ev_nul.csv
refused 1 "ev_nul.csv:2: NUL byte at column 18" \
  ingest policy.lua ev_nul.csv --format csv --now $NOW
printf '{"contact": "ann@example.com", "type": "x"}\n{"contact": "ann@example.com", "type": "x"}\0{}\n' > ev_nul.ndjson
refused 1 "ev_nul.ndjson:2: NUL byte at column 44" \
  ingest policy.lua ev_nul.ndjson --now $NOW
for v in 0x10 inf 1e400 5,5; do
  printf 'contact,type,value\nann@example.com,page_view,2\nann@example.com,page_view,"%s"\n' "$v" > ev_num.csv
  refused 1 "ev_num.csv:3: column 'value': \"$v\" is not a number" \
    ingest policy.lua ev_num.csv --format csv --now $NOW
done
for l in '"a\u0000b"' 99999999999999999999999; do
  printf '{"contact": "ann@example.com", "type": "page_view", "campaign": %s}\n' "$l" > ev_json.ndjson
  refused 1 "ev_json.ndjson:1: malformed JSON" ingest policy.lua ev_json.ndjson --now $NOW
done
# jansson's own words named an option of its API (JSON_ALLOW_NUL).
printf '{"contact": "ann@example.com", "type": "a\\u0000b"}\n' > ev_nul_esc.ndjson
refused 1 'ev_nul_esc.ndjson:1: malformed JSON at column 49: \u0000 (a NUL) is not allowed in text' \
  ingest policy.lua ev_nul_esc.ndjson --now $NOW
lacks JSON_ALLOW_NUL
printf '{"contact": "ann@example.com", "type": "page_view", "value": 1e400}\n' > ev_big.ndjson
refused 1 "ev_big.ndjson:1: malformed JSON at column 66: real number overflow" \
  ingest policy.lua ev_big.ndjson --now $NOW
printf '{"contact": "ann@example.com", "type": "x\377"}\n' > ev_bad8.ndjson
refused 1 "ev_bad8.ndjson:1: malformed JSON" ingest policy.lua ev_bad8.ndjson --now $NOW
printf '{"contact": "n1@example.com", "type": "page_view", "create": {"company_size": 1.5e300}}\n' > ev_cs.ndjson
refused 1 "ev_cs.ndjson:1: field 'company_size': " ingest policy.lua ev_cs.ndjson --now $NOW
# What is taken: a mark, CRLF, a quoted newline, odd but finite numbers
# (kept as the same double on both), times at the edges, unicode text.
printf '\357\273\277contact,type,value,at,campaign\r\nann@example.com,page_view,-0,2026-10-31T23:59:59Z,"two\r\nlines"\r\n' > ev_ok.csv
printf 'bob@example.com,email_open, 1.5e300 ,0001-01-01T00:00:00Z,\342\200\213zero width\r\n' >> ev_ok.csv
printf 'carol@example.com,page_view,4.9e-324,9999-12-31T23:59:59Z,"\342\202\254 ""q"", \\\\ ;"\r\n' >> ev_ok.csv
printf 'dan@example.com,page_view,-9223372036854775809,-62135596800,\r\n' >> ev_ok.csv
both ingest policy.lua ev_ok.csv --format csv --now $NOW --json
contains "ingested 4 events in 1 batch:"
cat > ev_ok.ndjson <<'EOF'
{"contact": "ann@example.com", "type": "page_view", "value": -0.0, "at": "9999-12-31T23:59:59Z"}
{"contact": "bob@example.com", "type": "page_view", "value": 1.7976931348623157e308, "campaign": "\u00e9\u20ac\ud83d\ude00"}
{"contact": "carol@example.com", "type": "page_view", "value": -9223372036854775808, "at": -62135596800}
{"contact": "dan@example.com", "type": "page_view", "value": 9223372036854775807, "campaign": "it's \"q\" \\ \t"}
{"contact": "new@example.com", "type": "page_view", "create": {"title": "x\u00a0y", "company_size": 9223372036854775807}}
EOF
both ingest policy.lua ev_ok.ndjson --now $NOW --json
contains "ingested 5 events in 1 batch:"
acts
rows "SELECT key, company_size, title FROM contacts WHERE key = 'new@example.com'"
# -0 read back as 0 on both (PostgreSQL kept the sign, SQLite's whole
# real loses it): what a policy reads of an activity is the same.
printf 'email,type,occurred_at,value\nann@example.com,page_view,2026-10-01,-0\nann@example.com,page_view,2026-10-02,-0.0\n' > acts_zero.csv
both import activities acts_zero.csv --now $NOW
printf 'lead("ann@example.com")\nlead("bob@example.com")\nlead("carol@example.com")\n' > leads.lua
"$LEADRULES" --db "$SQ" shell --now $NOW < leads.lua > sh-sq.txt 2>&1
"$LEADRULES" --db "$PG" shell --now $NOW < leads.lua > sh-pg.txt 2>&1
cmp -s sh-sq.txt sh-pg.txt && pass ||
  fail "lead() differs (sqlite <, postgresql >):"$'\n'"$(diff sh-sq.txt sh-pg.txt)"
OUT=$(cat sh-pg.txt); contains 'value = 0}'; lacks 'value = -0'
tables

# ---- a segment's where: parameters and PostgreSQL's own literals --------
# SQLite bound a parameter the SQL named ($$won$$, :c, ?, our own ?1) to
# NULL or to the id range, and the segment quietly matched the wrong
# contacts, where PostgreSQL refused it or read $$won$$ as text; both
# refuse them now, each in its words (PostgreSQL's E'', U&'' too).
# each CODE SQLITE_TEXT PG_TEXT CMD...: both exit CODE, each says its text.
each() {
  local code=$1 tq=$2 tp=$3; shift 3
  SNAP=""
  OUT=$("$LEADRULES" --db "$SQ" "$@" 2>&1); same "$?" "$code" "sqlite: $*"; contains "$tq"
  OUT=$("$LEADRULES" --db "$PG" "$@" 2>&1); same "$?" "$code" "postgresql: $*"; contains "$tp"
}
for w in "company = \$\$Acme\$\$" "company = \$t\$Acme\$t\$" "company = :c" \
         "id = ?1 AND company = 'Acme'" "company = \$1"; do
  printf 'stages { "subscriber", "lead", "mql", "sql" }\nsegment "x" { where = [==[%s]==] }\nrule "r" { points = 1, segment = "x" }\n' "$w" > seg.lua
  each 1 "seg.lua:2: segment SQL has a parameter (" "seg.lua:2: segment SQL" \
    run seg.lua --now $NOW --dry-run
done
for w in "company = :c" "company = \$\$Acme\$\$"; do
  printf 'for l in leads{ where = [==[%s]==] } do print(l.key) end\n' "$w" > seg_script.lua
  each 1 "seg_script.lua:1: leads{}: 'where' SQL has a parameter" \
    "seg_script.lua:1: leads{}: 'where' " seg_script.lua
done
OUT=$("$LEADRULES" --db "$PG" run seg.lua --now $NOW 2>&1); contains "is PostgreSQL's own syntax"
for w in "company = E'Acme'" "company = U&'Acme'"; do
  printf 'stages { "subscriber", "lead", "mql", "sql" }\nsegment "x" { where = [==[%s]==] }\nrule "r" { points = 1, segment = "x" }\n' "$w" > seg.lua
  each 1 "seg.lua:2: segment SQL does not prepare" "is PostgreSQL's own syntax" \
    run seg.lua --now $NOW --dry-run
done
# Quotes both read alike give the same segment.
for w in "company = 'Ac''me' OR \"company\" = 'Acme' -- it's" \
         "company = '\$\$' OR company = 'E''x' OR COMPANY = 'Acme' /* \$1 */" \
         "title LIKE '%\\%' OR company IN ('Acme', '?', ':c')"; do
  printf 'stages { "subscriber", "lead", "mql", "sql" }\nsegment "x" { where = [==[%s]==] }\nrule "r" { points = 1, segment = "x" }\n' "$w" > seg.lua
  both run seg.lua --now $NOW --dry-run
  contains "ann@example.com"
done
# A recursive WITH is refused on both, in the same words (SQLite ran one
# without end to its step budget, PostgreSQL read it lazily and took
# "r(n)" for a call); a WITH that does not recurse runs on both.
R="segment SQL: a recursive WITH is not allowed (one may run without end"
for w in "id IN (WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r)" \
         "id IN (with recursive r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT n FROM r)"; do
  printf 'stages { "subscriber", "lead", "mql", "sql" }\nsegment "x" { where = [==[%s]==] }\nrule "r" { points = 1, segment = "x" }\n' "$w" > seg.lua
  refused 1 "seg.lua:2: $R" run seg.lua --now $NOW --dry-run
  refused 1 "seg.lua:2: error: segment 'x': $R" check seg.lua --now $NOW
  printf 'for l in leads{ where = [==[%s]==] } do print(l.key) end\n' "$w" > seg_script.lua
  refused 1 "seg_script.lua:1: leads{}: 'where' SQL: a recursive WITH" seg_script.lua
done
for w in "id IN (WITH r(n) AS (SELECT 1) SELECT n FROM r)" \
         "id IN (WITH RECURSIVE r AS (SELECT 1 AS n) SELECT n FROM r)"; do
  printf 'stages { "subscriber", "lead", "mql", "sql" }\nsegment "x" { where = [==[%s]==] }\nrule "r" { points = 1, segment = "x" }\n' "$w" > seg.lua
  both run seg.lua --now $NOW --dry-run
  same "$RC" 0 "exit status of a WITH that does not recurse: $w"
  contains "ann@example.com"
done
echo 'query("SELECT key FROM contacts WHERE id = ?", 1)' > q.lua
a=$("$LEADRULES" --db "$SQ" shell < q.lua 2>&1); b=$("$LEADRULES" --db "$PG" shell < q.lua 2>&1)
same "$a" "$b" "query() with a parameter"

# ---- keys and activity types past PostgreSQL's index entry ---------------
# Both stores index them; PostgreSQL's index refused a 9,000-byte one
# ("index row requires 9024 bytes", no line), SQLite took it: both refuse
# one longer than 1,000 bytes now, by line and column.
python3 -c "
import random, string
random.seed(7)
r = lambda n: ''.join(random.choice(string.ascii_letters) for _ in range(n))
open('long_key.csv', 'w').write('email,title\n' + r(9000) + '@x.example,t\n')
open('long_type.csv', 'w').write('email,type,occurred_at\nann@example.com,' + r(9000) + ',2026-10-01\n')
open('long_type.ndjson', 'w').write('{\"contact\": \"ann@example.com\", \"type\": \"' + r(9000) + '\"}\n')
open('long_key.events.csv', 'w').write('contact,type\n' + r(1001) + ',t\n')
open('key_1000.csv', 'w').write('email,title\n' + 'k' * 990 + '@x.example,t\n')"
refused 1 "long_key.csv:2: column 'email': key longer than 1000 bytes" import contacts long_key.csv
refused 1 "long_type.csv:2: column 'type': activity type longer than 1000 bytes" import activities long_type.csv
refused 1 "long_type.ndjson:1: field 'type': an activity type is at most 1000 bytes" \
  ingest policy.lua long_type.ndjson --now $NOW
refused 1 "long_key.events.csv:2: column 'contact': at most 1000 bytes" \
  ingest policy.lua long_key.events.csv --format csv --now $NOW
both import contacts key_1000.csv --now $NOW
contains "inserted                 1"
# A stage is indexed too: a long one in a file, or a long stage, segment
# or rule name in a policy (PostgreSQL's index failed the run or import).
python3 -c "
s = 's' * 1001
open('long_stage.csv', 'w').write('email,stage\nls@x.example,' + s + '\n')
open('long_stage.lua', 'w').write('stages { \"' + s + '\" }\n')
open('long_seg.lua', 'w').write('stages { \"subscriber\", \"lead\", \"mql\", \"sql\" }\nsegment \"' + s + '\" { where = \"1 = 1\" }\n')
open('long_rule.lua', 'w').write('stages { \"subscriber\", \"lead\", \"mql\", \"sql\" }\nrule \"' + s + '\" { points = 1, when = function() return true end }\n')"
refused 1 "long_stage.csv:2: column 'stage': a stage name is at most 1000 bytes" \
  import contacts long_stage.csv --now $NOW
refused 1 "long_stage.lua:1: stage name is longer than 1000 bytes" run long_stage.lua --now $NOW
refused 1 "long_seg.lua:2: segment name is longer than 1000 bytes" run long_seg.lua --now $NOW
refused 1 "long_rule.lua:2: rule name is longer than 1000 bytes" run long_rule.lua --now $NOW

# A script's field name past PostgreSQL's (and our) 63 bytes: the message
# says how long a name may be.
printf 'field "%s"\n' "$(printf 'b%.0s' {1..64})" > long_field.lua
refused 1 "long_field.lua:1: field: 'bbbb" long_field.lua
contains "is not a field name (1 to 63 lower case letters"
printf 'field "%s"\nfor l in leads{ where = "id = 1" } do l:set("%s", "v") end\n' \
  "$(printf 'c%.0s' {1..63})" "$(printf 'c%.0s' {1..63})" > field63.lua
both field63.lua
both export --fields "email,$(printf 'c%.0s' {1..63})"
contains "ann@example.com,v"

# ---- user SQL that reads another table, or writes ---------------------
# A segment's where, a script's leads{where=} and the shell's count() and
# query() are refused in the same words on both stores, naming the line.
n_pol=$(($(wc -l < policy.lua) + 1))
{ cat policy.lua; echo 'segment "sneaky" { where = "id IN (SELECT contact_id FROM audit)" }'; } > sneaky.lua
T="it reads the table audit (a segment's SQL reads contacts, activities and outcomes only)"
refused 1 "sneaky.lua:$n_pol: segment SQL: $T" run sneaky.lua --now $NOW
refused 1 "sneaky.lua:$n_pol: segment SQL: $T" run sneaky.lua --dry-run --now $NOW
refused 1 "sneaky.lua:$n_pol: error: segment 'sneaky': segment SQL: $T" check sneaky.lua --now $NOW
printf '\nfor l in leads{ where = "id IN (SELECT contact_id FROM audit)" } do end\n' > sneaky_script.lua
refused 1 "sneaky_script.lua:2: leads{}: 'where' SQL: $T" sneaky_script.lua
cat > sneaky_shell.txt <<'LUA'
print(count("id IN (SELECT contact_id FROM audit)"))
query("SELECT * FROM runs")
query("DELETE FROM contacts")
query("  -- a comment first\n  update contacts SET title = 'x'")
query("PRAGMA writable_schema = 1")
print(#query("SELECT email FROM contacts WHERE id = 1"))
LUA
d1=$(snapshot)
for db in "$SQ" "$PG"; do
  "$LEADRULES" --db "$db" shell < sneaky_shell.txt > "shell.${db##*/}" 2>&1
  echo "exit $?" >> "shell.${db##*/}"
done
if cmp -s "shell.${SQ##*/}" "shell.${PG##*/}"; then pass; else
  fail "the shell's refusals differ (sqlite, then postgresql):"$'\n'"$(diff "shell.${SQ##*/}" "shell.${PG##*/}")"
fi
OUT=$(cat "shell.${PG##*/}")
contains "stdin:1: count: segment SQL: $T"
contains "stdin:1: query: it reads the table runs (query() reads contacts, activities and outcomes only)"
contains "stdin:1: query: DELETE is not a read: give one SELECT statement (query() reads contacts, activities and outcomes only)"
contains "stdin:1: query: update is not a read"
contains "stdin:1: query: PRAGMA is not a read"
contains "exit 1"
same "$(snapshot)" "$d1" "a refused query() changed a database"
SNAP=""

# ---- a first import that fails leaves the database as it was ------------
# SQLite removes the file it made; PostgreSQL drops the schema it made
# (nothing of the user's is in it), so the next command says the same:
# after a bad row (rolled back), and after a failure before the import's
# transaction began (a file that cannot be read, a refused option).
SQ_KEEP=$SQ PG_KEEP=$PG
gen first_bad.csv "b'email,title\\nann@example.com,x\\x00y\\n'"
gen first_dup.csv "b'email,email\\nann@example.com,x\\n'"
# first_fails STATUS TEXT IMPORT-ARGS...: a first import on a new pair
# fails with STATUS saying TEXT, and leaves nothing on either store.
first_fails() {
  local code=$1 text=$2 cmd a b ra rb; shift 2
  fresh first
  both import "$@" --now $NOW
  same "$RC" "$code" "exit status of a failed first import $*"
  contains "$text"
  for cmd in export info; do
    a=$("$LEADRULES" --db "$SQ" $cmd 2>&1); ra=$?
    b=$("$LEADRULES" --db "$PG" $cmd 2>&1); rb=$?
    same "$ra: ${a//"$SQ"/DB}" "$rb: ${b//"$PG"/DB}" "$cmd after a failed first import $* (sqlite, then postgresql)"
  done
  OUT=${b//"$PG"/DB}
  contains "DB: no such database (nothing was created"
  [ ! -e "$SQ" ] && pass || fail "the SQLite file was left after import $*"
  same "$(psql -qXtA "$PG" -c "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")" 0 "tables left on PostgreSQL after import $*"
}
first_fails 1 "first_bad.csv:2: column 'title'" contacts first_bad.csv
first_fails 1 "first_dup.csv:1: column 'email': duplicate header" contacts first_dup.csv
first_fails 1 "first_missing.csv: cannot open" contacts first_missing.csv
first_fails 1 "first_missing.csv: cannot open" activities first_missing.csv
first_fails 2 "--encoding 'NOPE': unknown encoding" contacts first_bad.csv --encoding NOPE
first_fails 2 "--rejects first_bad.csv: that is an input" contacts first_bad.csv --rejects first_bad.csv
first_fails 1 "--rejects no_dir/r.csv: cannot write" contacts first_bad.csv --rejects no_dir/r.csv
# The next import fills it, on both.
both import contacts "$FIX/contacts.csv" --now $NOW
same "$RC" 0 "exit status of the import after"
# A failed import into a database that holds contacts keeps them.
both import contacts first_bad.csv --now $NOW
both export
SQ=$SQ_KEEP PG=$PG_KEEP
SNAP=""

# ---- serve: the same odd values over HTTP --------------------------------
if command -v curl >/dev/null; then
  PIDS=()
  trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; wait; pg_drop_all' EXIT
  echo "test-token-0123456789abcdef" > token
  AUTH="Authorization: Bearer test-token-0123456789abcdef"
  post() {           # post PATH BODY-FILE: the same status and body from both
    local a b
    a=$(curl -s -o sq.json -w '%{http_code}' -H "$AUTH" --data-binary "@$2" "http://127.0.0.1:$PORT_sq$1")
    b=$(curl -s -o pg.json -w '%{http_code}' -H "$AUTH" --data-binary "@$2" "http://127.0.0.1:$PORT_pg$1")
    same "$a $(cat sq.json)" "$b $(cat pg.json)" "POST $1 $(cat "$2") (sqlite, then postgresql)"
    OUT="$b $(cat pg.json)"
  }
  SNAP=""
  serve_start sq "$SQ"
  serve_start pg "$PG"
  printf '{"contact": "ann@example.com", "type": "x\\u0000"}' > b1.json; post /v1/events b1.json; contains 400; contains "(a NUL) is not allowed in text"
  printf '{"contact": "ann@example.com", "type": "x\377"}' > b2.json; post /v1/events b2.json; contains 400
  printf '{"contact": "ann@example.com", "type": "page_view", "value": 1e400}' > b3.json; post /v1/events b3.json; contains 400
  printf '{"contact": "ann@example.com", "type": "page_view", "value": -0.0, "campaign": "\\u00e9 \\"q\\" \\\\"}' > b4.json; post /v1/events b4.json; contains 200
  printf '{"contact": "ann@example.com", "fields": {"title": "x\\u0000"}}' > b5.json; post /v1/contacts b5.json; contains 400
  printf '{"contact": "ann@example.com", "fields": {"company_size": 99999999999999999999}}' > b6.json; post /v1/contacts b6.json; contains 400
  printf '{"contact": "ann@example.com", "fields": {"company_size": "0x10"}}' > b7.json; post /v1/contacts b7.json; contains 400
  printf '{"contact": "ann@example.com", "fields": {"title": "\\u20ac\\ud83d\\ude00 it'"'"'s"}}' > b8.json; post /v1/contacts b8.json; contains 200
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait
  PIDS=()
  acts
  rows "SELECT key, title, company_size FROM contacts WHERE key = 'ann@example.com'"
fi

finish
