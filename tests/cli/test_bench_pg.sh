#!/usr/bin/env bash
# scripts/bench --backend postgresql end to end on a tiny data set: a
# throwaway server started and stopped by the bench itself (scripts/pg-up,
# pg-down), every step timed on both stores, the exports and reports the
# same bytes.
# Not a timed test: nothing is asserted about the times themselves.
. "$LR_SRC/tests/cli/lib.sh"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
  { echo "skipped: no PostgreSQL server binaries (scripts/setup)"; exit 77; }

# The bench's server directory goes under a TMPDIR of this test's own
# (other tests may run a bench at the same time); the server runs as
# nobody when this is root, so it must be able to enter it.
tmpd=$(mktemp -d /tmp/lr-bench-pg-test.XXXXXX) && chmod 755 "$tmpd"
trap 'rm -rf "$tmpd"' EXIT
TMPDIR=$tmpd expect_ok "$LR_SRC/scripts/bench" --backend postgresql --contacts 1500 --repeat 2 \
  --leadrules "$LEADRULES" --work "$LR_TMP/bench" --json "$LR_TMP/pg.json"
contains "### PostgreSQL against SQLite (1,500 contacts, median of 2)"
contains "| import contacts (first) |"
contains "| import contacts (again) |"
contains "| import activities |"
contains "| import outcomes |"
contains "| run |"
contains "| run again |"
contains "| export --json |"
contains "Exports identical: yes."
contains "| report --by source --json |"
contains "Reports identical: yes."
expect_ok python3 -c "import json,sys; r=json.load(open(sys.argv[1])); \
  assert r['same_export'] and r['same_report'] and r['repeat'] == 2, r; \
  assert len(r['sqlite']) == 9 and set(r['sqlite']) == set(r['postgresql']), r; \
  assert all(v > 0 for b in ('sqlite', 'postgresql') for v in r[b].values()), r" pg.json
[ -s pg.md ] && pass || fail "no pg.md beside pg.json"
# The server is gone with its directory.
same "$(ls -d "$tmpd"/leadrules-bench-pg.* 2>/dev/null | wc -l)" 0 "bench server directories left"
# The growth table on PostgreSQL: every step at two sizes on a new
# database each, with the server's own CPU time beside the client's; the
# bench stops its server.
mkdir -m 755 "$tmpd/g"
expect_ok "$LR_SRC/scripts/bench" --growth 1000,2000 --backend postgresql \
  --leadrules "$LEADRULES" --work "$tmpd/g" --json "$LR_TMP/growth-pg.json"
contains "--backend postgresql"
contains "PostgreSQL server CPU (all its processes) per contact"
contains "| contact_state |"
expect_ok python3 -c "import json,sys; r=json.load(open(sys.argv[1])); \
  s=r['sizes']; assert [x['contacts'] for x in s]==[1000,2000], s; \
  assert r['params']['backend']=='postgresql'; \
  assert all(st['ok'] and st['server_cpu'] is not None for x in s for st in x['steps'].values()); \
  assert sum(st['server_cpu'] for st in s[1]['steps'].values()) > 0; \
  assert s[1]['bytes']['contacts'] > 0" growth-pg.json
same "$(pgrep -f "$tmpd/g/pg" | wc -l)" 0 "the growth bench left its server running"
expect_fail 2 "$LR_SRC/scripts/bench" --backend mysql --contacts 10
expect_fail 1 "$LR_SRC/scripts/bench" --backend postgresql --contacts 0
contains "--contacts must be from 1 to 10,000,000"
finish
