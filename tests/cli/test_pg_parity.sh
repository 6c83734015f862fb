# Where PostgreSQL used to differ from SQLite (docs/postgresql.md): user
# SQL (a segment's `where`, a script's leads{where=}, the shell's count()
# and query()) reads contacts, activities and outcomes on both stores, and
# nothing else; Ctrl-C cancels a running query() in the shell on both.
# The same commands on an SQLite file and a PostgreSQL database give the
# same output, exit status and tables, compared with cmp.
# Needs a server: scripts/test starts one (scripts/pg-up) and exports
# LEADRULES_TEST_PG; without it this test is skipped.
. "$LR_SRC/tests/cli/lib.sh"
. "$LR_SRC/tests/cli/pg_lib.sh"     # skips without a server; fresh, rows
EX="$LR_SRC/examples"
fresh parity

n=0
# both CMD...: the output (stdout and stderr) and exit status of CMD on
# SQLite and on PostgreSQL, compared with cmp; stdin from $IN if set.
both() {
  n=$((n + 1))
  "$LEADRULES" --db "$SQ" "$@" < "${IN:-/dev/null}" 2>&1 |
    grep -v '^time  \|"seconds": ' > "sq.$n"
  local ra=${PIPESTATUS[0]}
  "$LEADRULES" --db "$PG" "$@" < "${IN:-/dev/null}" 2>&1 |
    grep -v '^time  \|"seconds": ' > "pg.$n"
  local rb=${PIPESTATUS[0]}
  OUT=$(cat "pg.$n")
  same "$ra" "$rb" "exit status of $*"
  if cmp -s "sq.$n" "pg.$n"; then pass; else
    fail "output of $* differs (sqlite, then postgresql):"$'\n'"$(diff "sq.$n" "pg.$n")"
  fi
}
# rows2 SQLITE_SQL PG_SQL: the same rows on both, sorted as bytes.
rows2() {
  sqlite3 -separator '|' "$SQ" "$1" | LC_ALL=C sort > rows-sq.txt
  psql -qXtA -F'|' "$PG" -c "$2" | LC_ALL=C sort > rows-pg.txt
  cmp -s rows-sq.txt rows-pg.txt && pass ||
    fail "rows of $1 (sqlite <, postgresql >):"$'\n'"$(diff rows-sq.txt rows-pg.txt | head -20)"
}
K="JOIN contacts k ON k.id = t.contact_id"
tables() {
  both export
  rows2 "SELECT k.key, t.field, CAST(t.old_value AS TEXT), CAST(t.new_value AS TEXT), t.at, t.by, t.reason FROM audit t $K" \
        "SELECT k.key, t.field, t.old_value #>> '{}', t.new_value #>> '{}', t.at, t.by, t.reason FROM audit t $K"
  rows "SELECT name, type, header, builtin FROM fields"
  rows "SELECT t.segment, k.key FROM segment_members t $K" empty
}

both import contacts "$EX/data/b2b/contacts.csv" --map 'Job Title=title' --now 2026-10-01
both import activities "$EX/data/b2b/activities.csv" --now 2026-10-01
both import outcomes "$EX/data/b2b/outcomes.csv" --now 2026-10-01
both run "$EX/b2b_saas.lua" --now 2026-11-01

# 1. The shipped script whose leads{where=} reads activities: the same
# output and the same rows on both (it was refused on PostgreSQL).
TAG="$LR_SRC/scripts/tag-webinar-attendees.lua"
both "$TAG" webinar-roi --now 2026-11-02 --dry-run
both "$TAG" webinar-roi --now 2026-11-02
contains "29 attendee(s) of webinar-roi, 29 newly tagged last_webinar = webinar-roi"
both script "$TAG" webinar-security promo "sec 2026" --now 2026-11-03
both "$TAG" webinar-roi --now 2026-11-04
contains "0 newly tagged"
tables

# A database of the layout before (meta.pg_layout 2 or none: the reader
# role reads contacts only) gets the role's grants on its next open.
role=$(psql -qXtA "$PG" -c "SELECT rolname FROM pg_roles WHERE rolname = 'leadrules_read_' || substr(md5(current_database() || '.' || current_schema()), 1, 16)")
[ -n "$role" ] && pass || fail "no reader role"
grants="SELECT has_table_privilege('$role', 'activities', 'SELECT'), has_table_privilege('$role', 'outcomes', 'SELECT'), (SELECT v FROM meta WHERE k = 'pg_layout')"
same "$(psql -qXtA "$PG" -c "$grants")" "t|t|3" "(a new database: layout 3)"
psql -qX "$PG" -c "DELETE FROM meta WHERE k = 'pg_layout'" -c "REVOKE SELECT ON activities, outcomes FROM $role" || fail "revoke"
same "$(psql -qXtA "$PG" -c "$grants")" "f|f|" "(the layout before)"
expect_ok lr --db "$PG" info
contains "(schema version 4)"
same "$(psql -qXtA "$PG" -c "$grants")" "t|t|3" "(migrated on open)"
both "$TAG" webinar-scaling --now 2026-11-04
psql -qX "$PG" -c "UPDATE meta SET v = '4' WHERE k = 'pg_layout'" || fail "layout 4"
expect_fail 1 lr --db "$PG" info
contains "written by a newer leadrules (schema version 4, PostgreSQL layout 4; this build knows up to 4, layout 3)"
psql -qX "$PG" -c "UPDATE meta SET v = '3' WHERE k = 'pg_layout'" || fail "layout 3"

# A segment whose where reads activities, one that reads outcomes (a
# correlated subquery); run, explain and check give the same answers.
cat > seg.lua <<'LUA'
stages { "subscriber", "lead", "mql", "sql", "opportunity", "customer" }
stage "nurture"
stage "disqualified"
segment "webinar" { where = [[id IN (SELECT contact_id FROM activities WHERE type = 'webinar_attended')]] }
segment "won" { where = [[EXISTS (SELECT 1 FROM outcomes o WHERE o.contact_id = contacts.id AND o.result = 'won')]] }
segment "busy" { where = [[(SELECT count(*) FROM activities a WHERE a.contact_id = contacts.id) >= 12]] }
rule "webinar" { points = 30, segment = "webinar" }
rule "won" { points = 50, segment = "won" }
rule "busy" { points = 5, segment = "busy" }
transition { from = "lead", to = "mql", when = function(lead) return lead.score >= 50 end }
LUA
both run seg.lua --now 2026-11-05 --dry-run
both run seg.lua --now 2026-11-05
contains "contacts   300 evaluated"
rows "SELECT segment, count(*) FROM segment_members GROUP BY segment"
both check seg.lua --now 2026-11-05 --all
key=$(sqlite3 "$SQ" "SELECT contact_id FROM activities WHERE type = 'webinar_attended' ORDER BY id LIMIT 1")
both explain "#$key" seg.lua --now 2026-11-05 --json
tables

# The shell's count() and query() over the same tables.
cat > sh.lua <<'LUA'
count("id IN (SELECT contact_id FROM activities WHERE campaign = 'webinar-scaling')")
count("EXISTS (SELECT 1 FROM outcomes o WHERE o.contact_id = contacts.id)")
query("SELECT c.email, count(*) AS n FROM contacts c JOIN activities a ON a.contact_id = c.id WHERE a.type = 'webinar_attended' GROUP BY c.email ORDER BY n DESC, c.email LIMIT 3")
LUA
IN=sh.lua both shell

# Still refused on both, with nothing written: other tables, catalog
# tricks, writes; in a script's where, a segment's, count() and query().
psql -qX "$PG" -c "CREATE SCHEMA secret; CREATE TABLE secret.activities(contact_id bigint, salary int)" || fail "schema"
before_sq=$(lr --db "$SQ" export --json | sha256sum)
before_pg=$(lr --db "$PG" export --json | sha256sum)
refused() {
  printf 'local n = 0\nfor lead in leads{ where = [[%s]] } do n = n + 1 end\nprint(n)\n' "$1" > h.lua
  expect_fail 1 lr --db "$SQ" h.lua
  contains "h.lua:2: leads{}: 'where' "
  expect_fail 1 lr --db "$PG" h.lua
  contains "h.lua:2: leads{}: 'where' $2"
  printf 'stages { "lead" }\nsegment "s" { where = [[%s]] }\nrule "r" { points = 1, segment = "s" }\n' "$1" > h2.lua
  expect_fail 1 lr --db "$SQ" run h2.lua --dry-run
  contains "h2.lua:2: "
  expect_fail 1 lr --db "$PG" run h2.lua --dry-run
  contains "h2.lua:2: "
  OUT=$(printf 'count([[%s]])\n' "$1" | lr --db "$PG" shell 2>&1)
  contains "count: "
}
refused "(SELECT count(*) FROM runs) > 0" "SQL: it reads the table runs"
refused "id IN (SELECT contact_id FROM stage_history)" "SQL: it reads the table stage_history"
refused "id IN (SELECT contact_id FROM outbox)" "SQL: it reads the table outbox"
refused "id IN (SELECT contact_id FROM score_parts)" "SQL: it reads the table score_parts"
refused "id IN (SELECT contact_id FROM activities UNION SELECT run_id FROM assignments)" "SQL: it reads the table assignments"
refused "EXISTS (SELECT 1 FROM runs WHERE false)" "SQL failed on PostgreSQL: ERROR:  permission denied for table runs"
refused "EXISTS (SELECT 1 FROM pg_catalog.pg_class)" "SQL: it reads the table pg_class"
refused "EXISTS (SELECT 1 FROM pg_authid)" "SQL: it reads the table pg_authid"
refused "EXISTS (SELECT 1 FROM secret.activities)" "SQL failed on PostgreSQL: ERROR:  permission denied for schema secret"
refused "id IN (WITH d AS (DELETE FROM activities RETURNING contact_id) SELECT contact_id FROM d)" "SQL failed on PostgreSQL"
refused "id IN (WITH d AS (UPDATE outcomes SET amount = 0 RETURNING contact_id) SELECT contact_id FROM d)" "SQL failed on PostgreSQL"
refused "1=1; DELETE FROM activities" "SQL failed on PostgreSQL"
for q in "SELECT * FROM runs" "SELECT * FROM score_parts" "DELETE FROM activities" \
         "SELECT * FROM pg_catalog.pg_class"; do
  for db in "$SQ" "$PG"; do
    OUT=$(printf 'query([[%s]])\n' "$q" | lr --db "$db" shell 2>&1)
    contains "query"
  done
done
# query() is checked by its plan, and runs as the reader role: another
# schema's table named activities is no table of ours.
OUT=$(printf 'query([[SELECT * FROM secret.activities]])\n' | lr --db "$PG" shell 2>&1)
contains "stdin:1: query: ERROR:  permission denied for table activities"
OUT=$(printf 'query([[SELECT count(*) AS n FROM activities WHERE EXISTS (SELECT 1 FROM runs WHERE false)]])\n' | lr --db "$PG" shell 2>&1)
contains "stdin:1: query: ERROR:  permission denied for table runs"
same "$(lr --db "$SQ" export --json | sha256sum)" "$before_sq" "(SQLite: nothing written)"
same "$(lr --db "$PG" export --json | sha256sum)" "$before_pg" "(PostgreSQL: nothing written)"
rows "SELECT count(*) FROM activities"
rows "SELECT count(*), CAST(sum(amount) AS INTEGER) FROM outcomes"

# 2. Ctrl-C (SIGINT) stops a running query() in the shell on both stores
# (a cancel request on PostgreSQL: pg_cancel.c): piped, "interrupted" and
# status 130; on a terminal, "interrupted" and back to the prompt, where
# the next query runs (on the same connection, on PostgreSQL).  The query would take minutes (a cross join of
# 2,301 activities three times; pg_sleep is refused); the watchdog, far
# above the normal fraction of a second, is 30 s.
SLOW='query("SELECT count(*) AS n FROM activities a, activities b, activities c")'
waited() {   # waited PID: its exit status, or a failure after 30 s
  local i
  for i in $(seq 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$1" 2>/dev/null; then
    fail "still running 30 s after SIGINT"; kill -KILL "$1"
  fi
  wait "$1"
}
SLOW_COUNT='count("(SELECT count(*) FROM activities a, activities b, activities c) > 0")'
for db in "$SQ" "$PG"; do
  for q in "$SLOW" "$SLOW_COUNT"; do
    echo "$q" | "$LEADRULES" --db "$db" shell 2>err.txt & pid=$!
    sleep 1; kill -INT $pid; waited $pid; rc=$?
    same "$rc" "130" "(exit status after SIGINT, ${db%%:*}: $q)"
    same "$(cat err.txt)" "interrupted" "(SIGINT message, ${db%%:*}: $q)"
  done
done
# The server stopped it too (a client that only went away would leave it
# running to its statement_timeout).
running="SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%activities a, activities b%' AND pid <> pg_backend_pid()"
for _ in $(seq 50); do [ "$(psql -qXtA "$PG" -c "$running")" = 0 ] && break; sleep 0.1; done
same "$(psql -qXtA "$PG" -c "$running")" 0 "(the cancelled query no longer runs on the server)"
cat > term.py <<'PY'
# term.py LEADRULES DB QUERY: the shell on a terminal; QUERY, SIGINT after
# 1 s, then a query on the same connection; prints what it saw and the
# exit status.
import os, pty, select, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--db", sys.argv[2], "shell", "-q"])
seen, pos = b"", 0
def until(token, secs):
    """Read until token shows after the last token found."""
    global seen, pos
    end = time.time() + secs
    while seen.find(token, pos) < 0 and time.time() < end:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            seen += data
    at = seen.find(token, pos)
    if at >= 0:
        pos = at + len(token)
    return at >= 0
until(b"> ", 10)
os.write(fd, sys.argv[3].encode() + b"\n")
time.sleep(1)
os.kill(pid, signal.SIGINT)
print("interrupted:", until(b"interrupted", 30))
until(b"> ", 5)
os.write(fd, b"query('SELECT count(*) AS n FROM contacts')\n")
print("then query():", until(b"n = 300", 10))
until(b"> ", 5)                  # ^D typed ahead of the prompt may be lost
os.write(fd, b"\x04")
for _ in range(100):
    until(b"never", 0.1)
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
else:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
print("exit status:", os.waitstatus_to_exitcode(status))
PY
for db in "$SQ" "$PG"; do
  OUT=$(python3 term.py "$LEADRULES" "$db" "$SLOW" 2>&1)
  same "$OUT" "$(printf 'interrupted: True\nthen query(): True\nexit status: 0')" "(on a terminal, ${db%%:*})"
done
# SIGTERM at the prompt of a terminal ends the shell (143), where Ctrl-C
# only drops the line: it left shells running after their test's end.
cat > term2.py <<'PY'
import os, pty, select, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--db", sys.argv[2], "shell", "-q"])
def prompts(n):                  # read until the n-th prompt
    seen, end = b"", time.time() + 10
    while seen.count(b"> ") < n and time.time() < end:
        if select.select([fd], [], [], 0.1)[0]:
            seen += os.read(fd, 4096)
prompts(1)
os.kill(pid, signal.SIGINT)      # Ctrl-C: a new prompt, the shell goes on
prompts(1)
time.sleep(0.2)
os.kill(pid, signal.SIGTERM)
for _ in range(100):
    if select.select([fd], [], [], 0.1)[0]:
        try:
            os.read(fd, 4096)
        except OSError:
            pass
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
else:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
print("exit status:", os.waitstatus_to_exitcode(status))
PY
for db in "$SQ" "$PG"; do
  OUT=$(python3 term2.py "$LEADRULES" "$db" 2>&1)
  same "$OUT" "exit status: 143" "(SIGTERM at the prompt, ${db%%:*})"
done
# A query() that fails on the server leaves the connection ready for the
# next one (its transaction rolled back at once, not when collected).
OUT=$(printf 'query("SELECT 1/(id-id) AS x FROM contacts")\nquery("SELECT count(*) AS n FROM contacts")\n' | lr --db "$PG" shell 2>&1)
contains "stdin:1: query: ERROR:  division by zero"
contains "{{n = 300}}"
finish
