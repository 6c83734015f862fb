# Every shell example in README.md and docs/*.md, run as a reader pastes
# it: in order, one shell per page, from the top of a copy of the source
# tree with `build/leadrules` and `out/quickstart.db` as the quick start
# leaves them (tests/docs/examples.py extracts the blocks; a block that
# builds, installs or takes minutes is marked `doc-test: skip` in the page).
# A page fails when a command fails (set -e), a pipeline's leadrules or
# sqlite3 fails, or stderr carries an error.
. "$LR_SRC/tests/cli/lib.sh"
command -v sqlite3 >/dev/null || { echo "no sqlite3"; exit 77; }
command -v python3 >/dev/null || { echo "no python3"; exit 77; }

# The pages, and the errors that must not appear on stderr.
PAGES="README.md docs/analytics.md docs/devtools.md docs/embedding.md
       docs/import-export.md docs/qualify.md docs/reliability.md
       docs/realtime.md docs/incremental.md
       examples/data/README.md examples/data/b2b/README.md"
# (A script's summary line also starts with "leadrules: ".)
SUMMARIES='^leadrules: (dry run of )?[^ ]+\.lua: [0-9]+ leads, '
ERRORS='^leadrules: |^Error|^Parse error|: error: |^Traceback|command not found|No such file'

fresh_tree() {     # $1: directory, a copy of what a reader's checkout has
  rm -rf "$1" && mkdir -p "$1/build" "$1/out"
  for d in examples scripts docs bench tests src; do ln -s "$LR_SRC/$d" "$1/$d"; done
  ln -s "$LR_SRC/README.md" "$1/README.md"
  ln -s "$LEADRULES" "$1/build/leadrules"
  cp quickstart.db "$1/out/quickstart.db"
}

# out/quickstart.db, as scripts/quickstart makes it.
lr --db quickstart.db import contacts "$LR_SRC/examples/data/x-education-leads.csv" \
  --key 'Prospect ID' --null Select >/dev/null || fail "quickstart import"
lr --db quickstart.db run "$LR_SRC/examples/x_education.lua" --now 2026-11-01 >/dev/null \
  || fail "quickstart run"

for page in $PAGES; do
  t="$LR_TMP/tree-${page//\//-}"
  fresh_tree "$t"
  python3 "$LR_SRC/tests/docs/examples.py" "$LR_SRC/$page" > "$t.sh" \
    || { fail "$page: extracting the examples"; continue; }
  # pipefail would count `leadrules ... | head` as a failure (SIGPIPE):
  # a failing command in a pipeline shows as an error on stderr instead.
  (cd "$t" && env -u LEADRULES_DB PATH="$t/build:$PATH" HOME="$t" USER=doc-test \
     bash -e "$t.sh" >"$t.out" 2>"$t.err" </dev/null)
  rc=$?
  nblocks=$(grep -c '^doc-test: .*[0-9]$' "$t.err")
  if [ $rc -ne 0 ]; then
    fail "$page: exit $rc in $(grep '^doc-test: ' "$t.err" | tail -1)"$'\n'"$(tail -20 "$t.err")"
  elif bad=$(grep -E "$ERRORS" "$t.err" | grep -Ev "$SUMMARIES"); then
    fail "$page: errors on stderr:"$'\n'"$bad"
  else
    pass
  fi
  echo "$page: $nblocks blocks run, $(grep -c 'skipped (' "$t.err") skipped"
done
finish
