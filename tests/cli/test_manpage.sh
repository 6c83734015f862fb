# docs/leadrules.1 renders without roff warnings, matches the version, and
# documents every command and option that `leadrules --help` lists.
source "$LR_SRC/tests/cli/lib.sh"
man=$LR_SRC/docs/leadrules.1
if command -v groff >/dev/null; then
  OUT=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man" 2>&1)
  [ -z "$OUT" ] && pass || fail "groff warnings: $OUT"
fi
version=$(sed -n 's/^#define LR_VERSION *"\(.*\)"/\1/p' "$LR_SRC/src/leadrules.h")
grep -q "^\.TH LEADRULES 1 .*\"leadrules $version\"" "$man" && pass ||
  fail "man page .TH does not say leadrules $version"
expect_ok lr --help
help=$OUT
for cmd in $(sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' <<<"$help"); do
  grep -q "^\.SS \"$cmd\b" "$man" && pass || fail "man page lacks command $cmd"
done
# options appear in the page as \-\-name
for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
  grep -q -- "$(sed 's/-/\\\\-/g' <<<"$opt")" "$man" && pass ||
    fail "man page lacks option $opt"
done
for status in 0 1 2 130 143; do
  grep -q "^\.B $status\$" "$man" && pass || fail "exit status $status undocumented"
done
grep -q 'LEADRULES_DB' "$man" && pass || fail "LEADRULES_DB undocumented"
finish
