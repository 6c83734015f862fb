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
check_tree() {
  local src=$1 bad=0 f dir inc target
  for f in $(cd "$src" && find . -name '*.[ch]' | sed 's#^\./##' | sort); do
    dir=${f%%/*}
    [ "$dir" = "$f" ] && continue              # leadrules.h itself
    local ok=" $dir $(allowed "$dir") "
    if [ "$ok" = " $dir ? " ]; then
      echo "$f: folder '$dir' has no place in the layers"; bad=1; continue
    fi
    while IFS= read -r inc; do
      case "$inc" in
        leadrules.h|../leadrules.h) continue ;;
        ../*/*) target=${inc#../}; target=${target%%/*} ;;
        */*) target=${inc%%/*} ;;               # "store/x.h" from a test dir
        *) target=$dir ;;
      esac
      if [ "$dir" = cli ] && [ "$target" != cli ]; then
        echo "$f: includes \"$inc\": the cli sees only leadrules.h"; bad=1
      elif [ "${ok#* $target }" = "$ok" ]; then
        echo "$f: includes \"$inc\": $dir may not depend on $target"; bad=1
      fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$src/$f")
    if [ "$dir" != store ] &&
       grep -nE '#[[:space:]]*include[[:space:]]*<(sqlite3|libpq-fe|postgres)' "$src/$f" >/dev/null; then
      echo "$f: includes a database library: only src/store/ may"; bad=1
    fi
    if [ "$dir" != store ] && [ "$f" != leadrules.h ] &&
       grep -n 'sqlite3_\|PQ[a-z]*(' "$src/$f" >/dev/null; then
      echo "$f: calls the database library: only src/store/ may"; bad=1
    fi
    case "$dir" in
      store|csv|util|cli)
        if grep -nE '#[[:space:]]*include[[:space:]]*<(lua|lauxlib|lualib)\.h>' "$src/$f" >/dev/null; then
          echo "$f: includes Lua: $dir knows nothing of Lua"; bad=1
        fi ;;
    esac
    case "$dir" in
      engine|analysis|hosts)
        if [ "$f" != engine/pool.c ] && grep -n 'pthread_create' "$src/$f" >/dev/null; then
          echo "$f: starts threads: evaluation threads belong to engine/pool.c"; bad=1
        fi ;;
      serve)
        if [ "$f" != serve/notify.c ] && grep -n 'pthread_create' "$src/$f" >/dev/null; then
          echo "$f: starts threads: the server's own threads are the notifiers (serve/notify.c)"; bad=1
        fi ;;
    esac
  done
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
