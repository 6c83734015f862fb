# Helpers for the report tests that pin `leadrules report --json` against
# reference.py (source after tests/cli/lib.sh):
#   want_ref NAME DB REFERENCE-OPTION...: got_NAME.json (made by the test)
#     must hold reference.py's figures for DB with those options; queued
#   want_refs: the queued cases, all in one python (batch.py), one check
#     a case, passed or failed with compare.py's differences (py_results)
# The databases must not change between want_ref and want_refs.
REF_CASES=()
want_ref() {
  local IFS=$'\t'
  REF_CASES+=("$1")
  echo "$*" >> ref_cases.tsv
}
want_refs() {
  py_results ref_cases.tsv "$LR_SRC/tests/report/batch.py" "${REF_CASES[@]}"
  REF_CASES=()
}
