# Shared helpers for CLI tests: source it, then use ok/fails/contains.
set -u
: "${LEADRULES:?set by ctest}" "${LR_SRC:?}" "${LR_TMP:?}"
rm -rf "$LR_TMP" && mkdir -p "$LR_TMP" && cd "$LR_TMP" || exit 2
export LEADRULES_DB="$LR_TMP/test.db"
T_PASS=0 T_FAIL=0
lr() { "$LEADRULES" "$@"; }
pass() { T_PASS=$((T_PASS+1)); }
fail() { T_FAIL=$((T_FAIL+1)); echo "FAIL: $*" >&2; }
# expect_ok CMD...: command exits 0; output kept in $OUT (stdout+stderr)
expect_ok() { OUT=$("$@" 2>&1); local rc=$?; if [ $rc -eq 0 ]; then pass; else fail "exit $rc: $*"$'\n'"$OUT"; fi; }
# expect_fail CODE CMD...: command exits with CODE
expect_fail() { local want=$1; shift; OUT=$("$@" 2>&1); local rc=$?; if [ $rc -eq "$want" ]; then pass; else fail "exit $rc (want $want): $*"$'\n'"$OUT"; fi; }
contains() { case "$OUT" in *"$1"*) pass ;; *) fail "output lacks '$1':"$'\n'"$OUT" ;; esac; }
lacks() { case "$OUT" in *"$1"*) fail "output has '$1':"$'\n'"$OUT" ;; *) pass ;; esac; }
same() { if [ "$1" = "$2" ]; then pass; else fail "'$1' != '$2' ${3:-}"; fi; }
sql() { sqlite3 "$LEADRULES_DB" "$@"; }
finish() { echo "$T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" -eq 0 ]; exit $?; }
