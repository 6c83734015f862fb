# SQL written by users outside a policy's segments: a script's
# leads{where=}, lead:set, and query() in the shell, under the guard of
# src/store/usersql.c (the policies' segments are attacked in
# tests/reliability/hostile/segment_sql_*.lua, test_hostile_policy.sh).
# Each attack ends with its exact message and the database unchanged;
# what stops it is a count (VM steps) or a limit (bytes), never a clock.
# Hang watchdog: `timeout`, far above the seconds an attack takes.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"
LIMIT_S=${LR_HOSTILE_TIMEOUT:-300}

rel_data data 300 3 || { fail "scripts/gen"; finish; }
rel_db test.db data || { fail "import"; finish; }
before=$(digest_all test.db)

# attack NAME STATUS TEXT: run script NAME.lua (written by the caller).
attack() {
  OUT=$(timeout -k 5 "$LIMIT_S" "$LEADRULES" "$1.lua" 2>&1)
  local rc=$?
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    fail "$1: hang watchdog: still running after $LIMIT_S s"
    return
  fi
  same "$rc" "$2" "$1: exit status: ${OUT:0:300}"
  contains "$3"
  same "$(digest_all test.db)" "$before" "$1: database changed"
}

# A value past the length limit of user SQL, built by a function.
cat > blob.lua <<'EOF'
for lead in leads{ where = "length(zeroblob(20000000)) > 0" } do
  lead:set("company", "x")
end
EOF
attack blob 1 "leadrules: blob.lua:1: leads{}: 'where' SQL failed: string or blob too big (a value in SQL may be at most 16 MiB)"

# printf looping 2e9 times in one call, before any row is read.
cat > printf.lua <<'EOF'
for lead in leads{ where = "printf('%.*c', 2000000000, 'x') <> ''" } do end
EOF
attack printf 1 "leadrules: printf.lua:1: leads{}: 'where' SQL failed: printf: a width or precision over the length limit of SQL values"

# A runaway join: stopped by the step budget, not by the authorizer.
cat > join.lua <<'EOF'
local n = 0
for lead in leads{ where = "(SELECT count(*) FROM contacts a, contacts b, contacts c, contacts d, contacts e, contacts f, contacts g) > 0" } do
  n = n + 1
end
EOF
attack join 1 "leadrules: join.lua:2: leads{}: 'where' SQL ran over its budget of 100000000 steps (for each batch of leads it finds)"

# The same join, interrupted: Ctrl-C stops the SQL, not only Lua.
"$LEADRULES" join.lua > int.out 2>&1 &
pid=$!
sleep 0.3
kill -INT $pid
wait $pid
same "$?" 130 "join.lua after SIGINT: $(cat int.out)"
OUT=$(cat int.out)
contains "interrupted"
same "$(digest_all test.db)" "$before" "join.lua after SIGINT: database changed"

# lead:set refuses what user SQL could not read back.
cat > big.lua <<'EOF'
for lead in leads{ limit = 1 } do
  lead:set("company", string.rep("x", 16 * 1024 * 1024 + 1), "test")
end
EOF
attack big 1 "leadrules: big.lua:2: lead:set: 'company': a value may be at most 16 MiB (this one is 16777217 bytes)"
cat > max.lua <<'EOF'
for lead in leads{ limit = 1 } do
  lead:set("company", string.rep("x", 16 * 1024 * 1024), "test")
end
EOF
expect_ok lr max.lua
same "$(sq test.db "SELECT max(length(company)) FROM contacts")" 16777216 "a value of exactly 16 MiB"
cat > where.lua <<'EOF'
local n = 0
for lead in leads{ where = "length(company) = 16777216" } do n = n + 1 end
print("read back:", n)
EOF
expect_ok lr where.lua
contains "read back:	1"

# The shell's query(): the same guard, on the main connection.
OUT=$(printf 'query("SELECT length(randomblob(2000000000)) AS n")\nquery("SELECT count(*) AS n FROM contacts")[1].n\n' | lr shell 2>&1)
contains "query: string or blob too big (a value in SQL may be at most 16 MiB)"
contains "300"
finish
