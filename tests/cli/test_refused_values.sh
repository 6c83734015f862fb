# Values that must be refused, not silently used (issue 14): non-finite or
# out-of-range numbers, strings with a NUL byte, clocks before 1970 or past
# 9999, numeric options that are not whole numbers, '#ID' keys that are no
# id.  Each case asserts the exact message (with the policy's file:LINE
# where there is one), the exit status, and that the database is unchanged
# (a dump before and after).
#
# Policy cases are tests/fixtures/refused/NAME.lua; the first line says
#   -- expect: MESSAGE
# and `leadrules run NAME.lua` must exit 1 printing "leadrules: MESSAGE".
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/reliability/lib.sh"
FIX=$LR_SRC/tests/fixtures
DB=$LEADRULES_DB

expect_ok lr import contacts "$FIX/csv/contacts_basic.csv"
expect_ok lr import activities "$FIX/csv/activities.csv"
expect_ok lr import outcomes "$FIX/csv/outcomes.csv"
rel_checkpoint "$DB"
before=$(digest_all "$DB")

# exact CODE MESSAGE CMD...: exit status CODE, output exactly MESSAGE, and
# the database unchanged.
exact() {
  local code=$1 want=$2
  shift 2
  expect_fail "$code" "$@"
  same "$OUT" "$want" "($*)"
  same "$(digest_all "$DB")" "$before" "database changed by: $*"
}

# ---- policies -------------------------------------------------------------
n=0
for src in "$FIX"/refused/*.lua; do
  name=${src##*/}
  cp "$src" "$name"                   # a short path: the message shows it
  want=$(head -1 "$name")
  want=${want#-- expect: }
  # A contact's error (not a load error) also says what --keep-going does.
  case $want in
    *": contact "*) want="$want"$'\n'"leadrules: nothing was changed; --keep-going runs the other contacts and lists the ones that fail" ;;
  esac
  exact 1 "leadrules: $want" lr run "$name" --now 2026-11-01
  n=$((n + 1))
done
[ $n -ge 35 ] && pass || fail "only $n policy cases found"
# The same refusals stop check (as its one error) and explain.
exact 1 "grade_unused_group.lua:4: error: grade 'fitt': no rule has group 'fitt' (the rules' groups: fit)
1 error, 0 warnings" lr check grade_unused_group.lua
expect_fail 1 lr explain ann@example.com total_nan.lua --now 2026-11-01
contains "leadrules: $(head -1 total_nan.lua | cut -c12-)"
same "$(digest_all "$DB")" "$before" "database changed by explain"

cat >ok.lua <<'EOF'
stages { "subscriber", "lead", "mql" }
rule "opened" { points = 5, when = function(lead)
  return lead:did("email_open", { within = "10000y" }) end }
EOF

# ---- clocks (--now) -------------------------------------------------------
range="the clock takes times from 1970-01-01T00:00:01Z to 9999-12-31T23:59:59Z"
for t in 1969-12-31 1970-01-01 1970-01-01T00:00:00Z -1 0; do
  exact 2 "leadrules: --now: '$t' is not after 1970-01-01T00:00:00Z; $range" \
    lr run ok.lua --now "$t"
done
for t in 253402300800 10000-01-01 9999-12-31T23:59:59-00:01 999999999999999; do
  exact 2 "leadrules: --now: cannot read '$t' as a time from 1970-01-01T00:00:01Z to 9999-12-31T23:59:59Z (use 2026-11-23, 2026-11-23T14:00:00Z or unix seconds)" \
    lr run ok.lua --now "$t"
done
# Every command with --now reads it the same way.
old="leadrules: --now: '1969-07-20' is not after 1970-01-01T00:00:00Z; $range"
exact 2 "$old" lr run ok.lua --dry-run --now 1969-07-20
exact 2 "$old" lr explain ann@example.com ok.lua --now 1969-07-20
exact 2 "$old" lr move ann@example.com lead --reason r --now 1969-07-20
exact 2 "$old" lr set ann@example.com notes=x --reason r --now 1969-07-20
exact 2 "$old" lr check ok.lua --now 1969-07-20
exact 2 "$old" lr backtest ok.lua --now 1969-07-20
exact 2 "$old" lr report --now 1969-07-20
exact 2 "$old" lr diff ok.lua ok.lua --now 1969-07-20
echo 'print(now)' >clock.lua
exact 2 "$old" lr ./clock.lua --now 1969-07-20
# The last second of 9999 is a clock like any other, used exactly.
expect_ok lr run ok.lua --dry-run --now 9999-12-31T23:59:59Z
contains "now        9999-12-31T23:59:59Z"
expect_ok lr run ok.lua --dry-run --json --now 1
contains '"now": 1,'
same "$(digest_all "$DB")" "$before" "database changed by dry runs"

# ---- numeric options --------------------------------------------------------
see() { echo "(see leadrules ${1:+$1 }--help)"; }
# bad_opt CMD OPTION NEEDS VALUE ARGS...: `leadrules CMD ARGS OPTION VALUE`
# is a usage error naming the option and the value.
bad_opt() {
  local cmd=$1 opt=$2 needs=$3 v=$4
  shift 4
  exact 2 "leadrules: $cmd: $opt needs $needs, not '$v' $(see "$cmd")" \
    lr "$cmd" "$@" "$opt" "$v"
}
jobs="a number of threads from 1 to 1024"
for v in 2x 0 1025 " 5" "" 1e3 +2 -1 99999999999999999999; do
  bad_opt run --jobs "$jobs" "$v" ok.lua --dry-run
done
bad_opt backtest --jobs "$jobs" 4.0 ok.lua
exact 2 "leadrules: diff: --jobs needs $jobs, not 'two' $(see diff)" \
  lr diff ok.lua ok.lua --jobs=two
for v in -1 1e3 50x; do
  bad_opt run --limit "a number of changes (a whole number >= 0; 0: all)" \
    "$v" ok.lua --dry-run
done
bad_opt backtest --capacity "a number of calls (a whole number >= 1)" 1e3 ok.lua
bad_opt check --sample "a number of contacts (a whole number >= 1)" 1.5 ok.lua
bad_opt diff --top "a number of contacts from 1 to 100000" 100001 ok.lua ok.lua
for v in abc -5 2147483648 10s; do
  exact 2 "leadrules: --busy-timeout needs milliseconds (a whole number >= 0), not '$v' $(see)" \
    lr --busy-timeout "$v" info
done
expect_ok lr --busy-timeout 0 run ok.lua --dry-run --jobs 2 --limit 0 --now 2026-11-01

# ---- '#ID' keys ---------------------------------------------------------------
for k in '#1e3' '#12abc' '#' '#-1' '# 1' '#0x1'; do
  exact 2 "leadrules: explain: '$k' is not a contact id (write '#' and the id's digits, like #12) $(see explain)" \
    lr explain "$k" ok.lua --now 2026-11-01
  exact 2 "leadrules: move: '$k' is not a contact id (write '#' and the id's digits, like #12) $(see move)" \
    lr move "$k" lead --reason r
  exact 2 "leadrules: set: '$k' is not a contact id (write '#' and the id's digits, like #12) $(see set)" \
    lr set "$k" notes=x --reason r
done
expect_ok lr explain '#1' ok.lua --now 2026-11-01
contains "ann@example.com"
exact 1 "leadrules: no contact with key '#1000' (contacts are keyed on email: \`leadrules export --fields email\` lists them)" lr move '#1000' lead --reason r

# ---- CSV numbers ---------------------------------------------------------------
# A value or amount too large for a double is a bad row (the import is
# rolled back), never Infinity; inf and nan are no numbers.
printf 'email,result,amount,closed_at\nann@example.com,won,1e309,2024-04-01\n' >big_amount.csv
exact 1 "leadrules: big_amount.csv:2: column 'amount': '1e309' is too large (numbers must be finite, at most about 1.8e308)" \
  lr import outcomes big_amount.csv
printf 'email,type,occurred_at,value\nann@example.com,visit,2024-04-01,-1e400\n' >big_value.csv
exact 1 "leadrules: big_value.csv:2: column 'value': '-1e400' is too large (numbers must be finite, at most about 1.8e308)" \
  lr import activities big_value.csv
printf 'email,type,occurred_at,value\nann@example.com,visit,2024-04-01,nan\n' >nan_value.csv
exact 1 "leadrules: nan_value.csv:2: column 'value': 'nan' is not a number" \
  lr import activities nan_value.csv
printf 'email,type,occurred_at\nann@example.com,visit,999999999999999\n' >far_time.csv
exact 1 "leadrules: far_time.csv:2: column 'occurred_at': cannot read '999999999999999' as a time (use ISO-8601 such as 2024-03-01T10:00:00Z, or unix seconds)" \
  lr import activities far_time.csv
# Contacts cells keep their text: "1e309", "inf" and "nan" are never numbers.
printf 'email,big,odd\nzed@example.com,1e309,nan\n' >cells.csv
expect_ok lr import contacts cells.csv
same "$(sql "SELECT typeof(big) || ' ' || big || ' ' || typeof(odd) || ' ' || odd FROM contacts WHERE key = 'zed@example.com'")" \
  "text 1e309 text nan"
rel_checkpoint "$DB"
before=$(digest_all "$DB")

# ---- scripts -------------------------------------------------------------------
cat >set_field.lua <<'EOF'
for lead in leads{} do
  lead:set("notes\0x", "y")
end
EOF
exact 1 "leadrules: ./set_field.lua:2: lead:set: the field name contains a NUL byte" \
  lr ./set_field.lua
cat >set_value.lua <<'EOF'
for lead in leads{} do lead:set("owner", "ana\0evil") end
EOF
exact 1 "leadrules: ./set_value.lua:1: lead:set: the value of 'owner' contains a NUL byte" \
  lr ./set_value.lua
cat >where_sql.lua <<'EOF'
for lead in leads{ where = "1 = 1\0 AND 0" } do print(lead.key) end
EOF
exact 1 "leadrules: ./where_sql.lua:1: leads{}: 'where' contains a NUL byte" \
  lr ./where_sql.lua
cat >move_reason.lua <<'EOF'
stages { "subscriber", "lead" }
for lead in leads{} do lead:move_to("lead", "because\0x") end
EOF
exact 1 "leadrules: ./move_reason.lua:2: the reason contains a NUL byte" \
  lr ./move_reason.lua

same "$(integrity "$DB")" ok
finish
