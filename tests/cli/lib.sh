# Shared helpers for CLI tests: source it, then use ok/fails/contains.
set -u
: "${LEADRULES:?set by ctest}" "${LR_SRC:?}" "${LR_TMP:?}"
rm -rf "$LR_TMP" && mkdir -p "$LR_TMP" && cd "$LR_TMP" || exit 2
export LEADRULES_DB="$LR_TMP/test.db"
# LR_TEST_DB=postgresql: the same suite on a database of its own on the
# server LEADRULES_TEST_PG names (pg_lib.sh: skipped without one, dropped
# at exit), with SQLite's functions for sql() (pg_compat.sql).
LR_TEST_DB=${LR_TEST_DB:-sqlite}
# Debian's psql is a Perl wrapper that picks a version: the binary itself
# starts in half the time, and sql() runs it for every statement.
PSQL=psql PG_DUMP=pg_dump
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/psql" ] && [ -x "$d/pg_dump" ] && PSQL=$d/psql PG_DUMP=$d/pg_dump
done
if [ "$LR_TEST_DB" = postgresql ]; then
  . "$LR_SRC/tests/cli/pg_lib.sh"
  fresh suite
  export LEADRULES_DB=$PG
  "$PSQL" -qX -v ON_ERROR_STOP=1 "$PG" -f "$LR_SRC/tests/cli/pg_compat.sql" \
    >/dev/null || exit 2
  # db_copy's databases too (it runs in $(...): PG_DBS cannot hold them).
  pg_drop_copies() {
    local d
    for d in $("$PSQL" -qXtA "$LEADRULES_TEST_PG" -c "SELECT datname FROM
        pg_database WHERE datname LIKE '${LEADRULES_DB##*/}\_%'"); do
      "$PSQL" -qX "$LEADRULES_TEST_PG" -c "DROP DATABASE IF EXISTS $d" 2>/dev/null
    done
  }
  trap 'pg_drop_copies; pg_drop_all' EXIT
fi
# db_reset: the test database gone, as if never made (an empty database
# with SQLite's functions on PostgreSQL, where only import makes a schema).
db_reset() {
  if [ "$LR_TEST_DB" = sqlite ]; then
    rm -f "$LEADRULES_DB" "$LEADRULES_DB-wal" "$LEADRULES_DB-shm"
  else
    local d=${LEADRULES_DB##*/}
    "$PSQL" -qX "$LEADRULES_TEST_PG" -c "DROP DATABASE $d" -c "CREATE DATABASE $d" &&
      "$PSQL" -qX -v ON_ERROR_STOP=1 "$LEADRULES_DB" \
        -f "$LR_SRC/tests/cli/pg_compat.sql" >/dev/null
  fi
}
is_pg_uri() { case $1 in postgres://*|postgresql://*) true ;; *) false ;; esac; }
# sqlite_only && CHECK: a check of what only SQLite has (the file, PRAGMAs,
# how the sqlite3 shell prints a real); skipped on PostgreSQL.
sqlite_only() { [ "$LR_TEST_DB" = sqlite ]; }
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
# sql [-separator S] [SQL]: SQL (or stdin) on the test database, rows
# printed as the sqlite3 shell prints them ('|' between columns, no header).
# (By LEADRULES_DB: a test that points it at a file of its own gets sqlite3.)
sql() { if is_pg_uri "$LEADRULES_DB"; then pg_sql "$@"; else sqlite3 "$LEADRULES_DB" "$@"; fi; }
# db_digest: a digest of the whole test database, for "nothing changed".
db_digest() {
  if sqlite_only; then
    sqlite3 "$LEADRULES_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    sha256sum < "$LEADRULES_DB"
  else
    pg_data "$LEADRULES_DB" | sha256sum
  fi
}
# db_dump [TABLE...]: the test database's rows as text, but those of TABLEs
# (sqlite3's .dump; PostgreSQL's COPY blocks), to compare two states.
db_dump() {
  local t skip=() re
  if sqlite_only; then
    re=$(IFS='|'; echo "$*")
    sqlite3 "$LEADRULES_DB" .dump |
      if [ -n "$re" ]; then grep -v -E "^INSERT INTO \"?($re)\"? "; else cat; fi
  else
    for t; do skip+=("--exclude-table-data=$t"); done
    pg_data "$LEADRULES_DB" "${skip[@]}"
  fi
}
# db_copy NAME: a copy of the test database as it is now; prints where it
# is (NAME.db, or on PostgreSQL a new database from it as a template,
# dropped at exit), for --db.
db_copy() {
  if sqlite_only; then
    sqlite3 "$LEADRULES_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    rm -f "$1.db" "$1.db-wal" "$1.db-shm"; cp "$LEADRULES_DB" "$1.db"
    echo "$1.db"
  else
    local d="${LEADRULES_DB##*/}_$1"
    "$PSQL" -qX "$LEADRULES_TEST_PG" -c "CREATE DATABASE $d TEMPLATE ${LEADRULES_DB##*/}" >&2 || return 1
    echo "${LEADRULES_TEST_PG%/*}/$d"
  fi
}
# pg_data URI: every table's rows (pg_dump), to compare before and after.
pg_data() {
  "$PG_DUMP" -a -O -x "$@" |
    grep -v -e '^--' -e '^SET ' -e '^SELECT pg_catalog' -e '^\\'  # \restrict KEY
}
# On PostgreSQL a lone SELECT reads a view of contacts with a column per
# imported field, and its reals and booleans print as SQLite's (psql's
# \gdesc says which columns are which); other SQL runs as it is.
pg_sql() {
  local sep='|' q out types
  while [ $# -gt 1 ]; do
    case $1 in -separator) sep=$2; shift 2 ;; *) shift ;; esac
  done
  if [ $# -eq 0 ]; then q=$(cat); else q=$1; fi
  while [[ "$q" == *[[:space:]\;] ]]; do q=${q%?}; done
  q=$(sed -zE "s/[[:space:]]NOT[[:space:]]+GLOB[[:space:]]*('[^']*')/ !~ lr_compat.glob_re(\1)/Ig;
               s/[[:space:]]GLOB[[:space:]]*('[^']*')/ ~ lr_compat.glob_re(\1)/Ig" <<<"$q")
  if [ "$q" = .dump ]; then pg_data "$LEADRULES_DB"; return; fi
  # Folding SQLite's WAL into the file: nothing to do on a server.
  [[ "$q" =~ ^[[:space:]]*PRAGMA\ wal_checkpoint ]] && return 0
  local p=("$PSQL" -qXtA -v ON_ERROR_STOP=1 "$LEADRULES_DB")
  if [[ "$q" =~ ^[[:space:]]*(SELECT|select|WITH|with)[[:space:]] &&
        "$(sed "s/'[^']*'//g" <<<"$q")" != *\;* ]]; then
    local view=
    [[ "$q" == *contacts* ]] && view='SELECT lr_compat.contacts_view();'
    out=$(printf '%s\n%s\n\\gdesc\n\\echo @@LR_ROWS@@\n\\g\n' "$view" "$q" |
          PGOPTIONS="-c search_path=public,lr_compat" "${p[@]}" -F $'\x1f' -f -) ||
      return 1
    [ -z "$view" ] || out=${out#*$'\n'}        # the view's empty row
    types=${out%%$'\n'@@LR_ROWS@@*}
    out=${out#*@@LR_ROWS@@}; out=${out#$'\n'}
    [ -n "$out" ] || return 0
    awk -F $'\x1f' -v OFS="$sep" -v types="$types" '
      BEGIN { n = split(types, t, "\n")
              for (i = 1; i <= n; i++) { split(t[i], nt, "\x1f"); k[i] = nt[2] } }
      { for (i = 1; i <= NF; i++) {
          if ($i == "") continue
          if (k[i] == "boolean") $i = ($i == "t") ? 1 : 0
          else if (k[i] == "jsonb" && $i ~ /^".*"$/) {
            v = substr($i, 2, length($i) - 2)
            gsub(/\\"/, "\"", v); gsub(/\\\\/, "\\", v); $i = v }
          else if ((k[i] == "double precision" || k[i] == "real") &&
                   $i ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) {
            v = sprintf("%.15g", $i + 0)
            if (v !~ /[.e]/) v = v ".0"
            else if (v !~ /\./) sub(/e/, ".0e", v)
            $i = v } }
        $1 = $1; print }' <<<"$out"
  else
    local re='(ALTER TABLE contacts ADD COLUMN "?([A-Za-z_0-9]+)"? )[A-Za-z]+' cols
    cols=$(grep -oiE "$re" <<<"$q" | sed -E "s/$re/'\2'/I" | paste -sd,)
    [ -z "$cols" ] || q="$(sed -E "s/$re/\1text/I" <<<"$q");
SELECT lr_compat.fold_columns(ARRAY[$cols]::text[])"
    local pre= post=
    [[ "$q" == *[Ii][Nn][Ss][Ee][Rr][Tt]* ]] &&
      pre='SELECT lr_compat.prepare();' post='SELECT lr_compat.sync_seqs();'
    out=$(printf '%s\n%s;\n%s\n' "$pre" "$q" "$post" |
          PGOPTIONS="-c search_path=public,lr_compat" "${p[@]}" -F "$sep" -f -) ||
      return 1
    [ -z "$pre" ] || out=${out#$'\n'}        # prepare's empty row
    [ -z "$out" ] || printf '%s\n' "$out"
  fi
}
# py_results LIST SCRIPT NAME...: python3 SCRIPT LIST, one python for a
# test's queued checks, prints "NAME<TAB>STATUS<TAB>OUTPUT" for each (as
# tests/cli/pybatch.py does); each NAME passes with status 0, else fails
# with its output, or with none when the python died first.
py_results() {
  local list=$1 script=$2 name status said; shift 2
  local -A got=()
  while IFS=$'\t' read -r name status said; do got[$name]="$status $said"
  done < <(python3 "$script" "$list")
  for name; do
    case ${got[$name]-} in
      "0 "*) pass ;;
      *) fail "$name: ${got[$name]:-no result}" ;;
    esac
  done
  rm -f "$list"
}
finish() { echo "$T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" -eq 0 ]; exit $?; }
