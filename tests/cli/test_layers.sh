# test_layers.sh -- the source tree keeps its layers (README, Design notes):
#
#   cli -> leadrules.h;  analysis, hosts -> engine -> {lua, store};
#   csv -> store -> util;  lua -> util;  serve -> engine, store, util
#
# A folder of src/ may include headers of its own folder, of the folders
# below it, and the public header; only src/store/ includes sqlite3.h or
# libpq or calls sqlite3_*; only src/engine/pool.c starts evaluation
# threads; the Lua headers stay out of the store, csv and util; no folder
# holds more than a third of the C lines (src/store's two stores, SQLite's
# and PostgreSQL's pg_*, counted apart).  The checker is also run on a
# copy of the tree with one violation of each kind planted, and must
# catch every one, so this test can fail.
. "$LR_SRC/tests/cli/lib.sh"

# allowed FOLDER: the folders FOLDER may include from (besides itself).
allowed() {
  case "$1" in
    util) echo "" ;;
    store) echo "util" ;;
    csv) echo "store util" ;;
    lua) echo "util" ;;
    engine) echo "lua store util" ;;
    analysis|hosts) echo "engine lua store util" ;;
    cli) echo "" ;;
    serve) echo "engine store util" ;;
    *) echo "?" ;;
  esac
}

# check_tree SRC: prints one line per violation; exit status 0 when none.
# One awk pass over every file (a loop of greps per file took most of a
# minute of the suite).
check_tree() {
  local src=$1 bad=0 out list
  list=$(mktemp)
  out=$(cd "$src" && find . -name '*.[ch]' | sed 's#^\./##' | sort >"$list" &&
        awk -v allowed="util=;store=util;csv=store util;lua=util;engine=lua store util;analysis=engine lua store util;hosts=engine lua store util;cli=;serve=engine store util" '
    BEGIN {
      n = split(allowed, a, ";")
      for (i = 1; i <= n; i++) { split(a[i], kv, "="); ok[kv[1]] = " " kv[1] " " kv[2] " " }
    }
    function flush() {
      if (cur == "") return
      if (dbinc) print cur ": includes a database library: only src/store/ may"
      if (dbcall) print cur ": calls the database library: only src/store/ may"
      if (luainc) print cur ": includes Lua: " dir " knows nothing of Lua"
      if (thr && (dir == "engine" || dir == "analysis" || dir == "hosts"))
        print cur ": starts threads: evaluation threads belong to engine/pool.c"
      if (thr && dir == "serve")
        print cur ": starts threads: the server'"'"'s own threads are the notifiers (serve/notify.c)"
      cur = ""
    }
    NR == FNR {                         # the list of files: folders known?
      d = $0; sub(/\/.*/, "", d)
      if (d != $0 && !(d in ok)) { print $0 ": folder '"'"'" d "'"'"' has no place in the layers"; skip[$0] = 1 }
      next
    }
    FNR == 1 {
      flush()
      f = FILENAME; dir = f; sub(/\/.*/, "", dir)
      if (dir == f || (f in skip)) { nextfile_ = 1 } else { nextfile_ = 0; cur = f }
      dbinc = dbcall = luainc = thr = 0
    }
    nextfile_ { next }
    /^[ \t]*#[ \t]*include[ \t]*"[^"]*"/ {
      inc = $0; sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", inc); sub(/".*/, "", inc)
      if (inc == "leadrules.h" || inc == "../leadrules.h") { }
      else {
        if (inc ~ /^\.\.\/[^\/]*\//) { t = inc; sub(/^\.\.\//, "", t); sub(/\/.*/, "", t) }
        else if (inc ~ /\//) { t = inc; sub(/\/.*/, "", t) }
        else t = dir
        if (dir == "cli" && t != "cli")
          print f ": includes \"" inc "\": the cli sees only leadrules.h"
        else if (index(ok[dir], " " t " ") == 0)
          print f ": includes \"" inc "\": " dir " may not depend on " t
      }
    }
    dir != "store" && /#[ \t]*include[ \t]*<(sqlite3|libpq-fe|postgres)/ { dbinc = 1 }
    dir != "store" && (/sqlite3_/ || /PQ[a-z]*\(/) { dbcall = 1 }
    (dir == "store" || dir == "csv" || dir == "util" || dir == "cli") &&
      /#[ \t]*include[ \t]*<(lua|lauxlib|lualib)\.h>/ { luainc = 1 }
    /pthread_create/ && f != "engine/pool.c" && f != "serve/notify.c" { thr = 1 }
    END { flush() }
  ' "$list" $(cat "$list"))
  rm -f "$list"
  [ -n "$out" ] && { echo "$out"; bad=1; }
  check_sizes "$src" || bad=1
  return $bad
}

# check_sizes SRC: no folder holds more than a third of the C lines.
# src/store holds two stores behind one interface, each a room of its own
# here: SQLite's (and the interface) and PostgreSQL's (pg_*).
check_sizes() {
  local src=$1 bad=0 total=0 lines d
  total=$(cd "$src" && cat $(find . -name '*.[ch]') | wc -l)
  for d in "$src"/*/; do
    d=$(basename "$d")
    if [ "$d" = store ]; then
      lines=$(cat $(find "$src/$d" -name 'pg_*.[ch]') /dev/null | wc -l)
      if [ $((lines * 3)) -gt "$total" ]; then
        echo "src/store/pg_* holds $lines of $total lines: more than a third"; bad=1
      fi
      lines=$(cat $(find "$src/$d" -name '*.[ch]' ! -name 'pg_*') /dev/null | wc -l)
    else
      lines=$(cat $(find "$src/$d" -name '*.[ch]') /dev/null | wc -l)
    fi
    if [ $((lines * 3)) -gt "$total" ]; then
      echo "src/$d holds $lines of $total lines: more than a third"; bad=1
    fi
  done
  return $bad
}

# The real tree: no violation.
OUT=$(check_tree "$LR_SRC/src" 2>&1)
[ -z "$OUT" ] && pass || fail "layers crossed:"$'\n'"$OUT"

# A copy with one violation of each kind: each must be reported.
cp -r "$LR_SRC/src" planted
echo '#include "../engine/eval.h"' >> planted/store/db.c
echo '#include "../store/store.h"' >> planted/lua/format.c
echo '#include "../analysis/outfmt.h"' >> planted/engine/eval.c
echo '#include "../csv/csv.h"' >> planted/cli/main.c
echo '#include <sqlite3.h>' >> planted/engine/run.c
echo 'static void f(void *c) { sqlite3_close(c); }' >> planted/hosts/session.c
echo '#include <lua.h>' >> planted/csv/reader.c
echo 'static void g(void) { pthread_create(0, 0, 0, 0); }' >> planted/analysis/diff.c
mkdir -p planted/policy && echo 'int x;' > planted/policy/x.c
echo 'static void h(void) { pthread_create(0, 0, 0, 0); }' >> planted/serve/http.c
echo '#include "../analysis/outfmt.h"' >> planted/serve/writer.c
OUT=$(check_tree planted 2>&1)
for want in "store/db.c: includes \"../engine/eval.h\": store may not depend on engine" \
            "lua/format.c: includes \"../store/store.h\": lua may not depend on store" \
            "engine/eval.c: includes \"../analysis/outfmt.h\": engine may not depend on analysis" \
            "cli/main.c: includes \"../csv/csv.h\": the cli sees only leadrules.h" \
            "engine/run.c: includes a database library" \
            "hosts/session.c: calls the database library" \
            "csv/reader.c: includes Lua" \
            "analysis/diff.c: starts threads" \
            "policy/x.c: folder 'policy' has no place" \
            "serve/http.c: starts threads" \
            "serve/writer.c: includes \"../analysis/outfmt.h\": serve may not depend on analysis"; do
  contains "$want"
done
# A folder grown past a third of the lines, and either store.
for i in $(seq 1 40000); do echo "int v$i;"; done > planted/util/big.c
OUT=$(check_tree planted 2>&1)
contains "src/util holds"
mv planted/util/big.c planted/store/pg_big.c
OUT=$(check_sizes planted 2>&1)
contains "src/store/pg_* holds"; lacks "src/store holds"
mv planted/store/pg_big.c planted/store/big.c
OUT=$(check_sizes planted 2>&1)
contains "src/store holds"; lacks "src/store/pg_* holds"

finish
