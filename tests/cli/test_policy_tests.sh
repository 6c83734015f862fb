# leadrules test: every examples/*_test.lua passes; a failing assertion
# names file:line, expected and actual, and exits 1.  No database is used.
. "$LR_SRC/tests/cli/lib.sh"
G="$LR_SRC/tests/cli/golden"

n=0
for t in "$LR_SRC"/examples/*_test.lua; do
  n=$((n+1))
  expect_ok lr test "$t"
  contains " passed, 0 failed"
  lacks "FAIL"
  # at least 8 tests per example policy
  passed=$(printf '%s\n' "$OUT" | sed -n 's/^\([0-9]*\) passed, 0 failed$/\1/p')
  if [ "${passed:-0}" -ge 8 ]; then pass; else fail "$t: only ${passed:-0} tests"; fi
done
[ "$n" -ge 1 ] && pass || fail "no examples/*_test.lua"
# Every example policy has its tests.
for p in "$LR_SRC"/examples/*.lua; do
  case "$p" in *_test.lua) continue ;; esac
  [ -f "${p%.lua}_test.lua" ] && pass || fail "$p has no ${p%.lua}_test.lua"
done
[ ! -e "$LEADRULES_DB" ] && pass || fail "leadrules test created $LEADRULES_DB"

# A failing assertion: golden output, exit status 1.
cp "$LR_SRC/examples/x_education.lua" .
cat > failing_test.lua <<'LUA'
local policy = load_policy("x_education.lua", { now = "2026-11-01" })

test("a working professional is worth 30 points", function()
  local r = policy:evaluate { what_is_your_current_occupation = "Working Professional" }
  expect(r.parts["working professional"]).to_be(30)
end)

test("an add form lead is an MQL", function()
  local r = policy:evaluate { lead_origin = "Lead Add Form" }
  expect(r.score).to_be(25)
  expect(r.stage).to_be("mql")
end)

test("a typo in a fixture's rule name", function()
  expect(policy:evaluate{}.parts["add frm"]).to_be(0)
end)
LUA
expect_fail 1 lr test failing_test.lua
same "$OUT" "$(cat "$G/test_failing.txt")" "(golden test_failing.txt)"

# Several files: each under a header, exit 1 if any fails.
expect_fail 1 lr test "$LR_SRC/examples/x_education_test.lua" failing_test.lua
contains "# failing_test.lua"
contains "14 passed, 0 failed"
contains "1 passed, 2 failed"

# A test file that cannot run: the error, exit 1.
printf 'test("x", function()\n' > broken_test.lua
expect_fail 1 lr test broken_test.lua
contains "broken_test.lua:2:"
printf -- '-- no tests\n' > empty_test.lua
expect_fail 1 lr test empty_test.lua
contains "defines no tests"
# The policy given instead of its test file: say which file test wants.
printf 'stages { "lead", "mql" }\n' > policy_not_test.lua
expect_fail 1 lr test policy_not_test.lua
contains "policy_not_test.lua:1: undefined global 'stages' (this file is a policy: \`leadrules test\` takes a test file that loads it with load_policy(\"FILE.lua\")"
printf 'x = nosuch\n' > other_test.lua        # another undefined global: no hint
expect_fail 1 lr test other_test.lua
lacks "this file is a policy"
expect_fail 1 lr test no_such_test.lua
contains "no_such_test.lua"
expect_fail 2 lr test
finish
