# tests/reliability/lib.sh -- helpers for the reliability CLI tests
# (crash, concurrency, signals, hostile input, database files).  Source it
# after tests/cli/lib.sh.
REL="$LR_SRC/tests/reliability"
RPOLICY="$REL/policy.lua"

now_ms() { date +%s%3N; }
# sqlite3 with a busy timeout, as any reader of a live WAL database needs.
sq() { sqlite3 -cmd ".timeout 10000" "$@"; }

# rel_data DIR CONTACTS ACTIVITIES_PER_CONTACT: deterministic CRM data
# (contacts.csv, activities.csv, outcomes.csv) from scripts/gen.
rel_data() {
  python3 "$LR_SRC/scripts/gen" --contacts "$2" --activities-per-contact "$3" \
    --seed 9 --now 2026-11-01 --out "$1" >/dev/null 2>&1
}

# rel_db DB DATA: a database with the data imported (contacts, activities,
# outcomes), checkpointed into one file.
rel_db() {
  rm -f "$1" "$1-wal" "$1-shm"
  lr --db "$1" import contacts "$2/contacts.csv" --map 'Job Title=title' >/dev/null &&
    lr --db "$1" import activities "$2/activities.csv" >/dev/null &&
    lr --db "$1" import outcomes "$2/outcomes.csv" >/dev/null &&
    rel_checkpoint "$1"
}

# Fold the WAL into the main file so that copying the file copies the db.
rel_checkpoint() {
  is_pg_uri "$1" && return 0
  sqlite3 "$1" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null && rm -f "$1-wal" "$1-shm"
}

# rel_copy SRC DST: copy a database with its WAL or rollback journal (a
# first import of contacts writes in rollback mode), not the shm index, so
# the reader of the copy recovers the file itself, as after a crash.
rel_copy() {
  rm -f "$2" "$2-wal" "$2-shm" "$2-journal"
  cp "$1" "$2"
  if [ -f "$1-wal" ]; then cp "$1-wal" "$2-wal"; fi
  if [ -f "$1-journal" ]; then cp "$1-journal" "$2-journal"; fi
}

# rel_writing DB: a write transaction has written something (the WAL holds
# frames, or a rollback journal exists).
rel_writing() {
  [ -s "$1-wal" ] || [ -e "$1-journal" ]
}

# The state a run writes, without wall-clock columns (runs.started_at,
# finished_at): equal digests mean equal states.
RUN_DIGEST_SQL="
SELECT 'contacts'; SELECT * FROM contacts ORDER BY id;
SELECT 'stage_history'; SELECT * FROM stage_history ORDER BY id;
SELECT 'assignments'; SELECT * FROM assignments ORDER BY id;
SELECT 'runs'; SELECT id, kind, policy, policy_hash, now, evaluated,
  score_changes, moves, handoffs, errors, dry_run, by, error_text
  FROM runs ORDER BY id;
SELECT 'score_parts'; SELECT * FROM score_parts ORDER BY contact_id, rule;
SELECT 'segment_members'; SELECT * FROM segment_members ORDER BY contact_id, segment;
SELECT 'routing_state'; SELECT * FROM routing_state ORDER BY router, owner;
SELECT 'run_errors'; SELECT * FROM run_errors ORDER BY rowid;
SELECT 'audit'; SELECT * FROM audit ORDER BY id;"
digest_run() { sq "$1" "$RUN_DIGEST_SQL" | sha256sum | cut -c1-16; }

# The state an import writes, without its wall clock (imports.at, and
# contacts.data_at, which an import sets to the time it ran).  The contacts
# columns are listed from the file, so added columns count too.
digest_import() {
  local cols
  cols=$(sq "$1" "SELECT group_concat(quote(name), ',') FROM
    pragma_table_info('contacts') WHERE name <> 'data_at'") || return 1
  cols=${cols//\'/\"}
  sq "$1" "
    SELECT 'schema'; SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name;
    SELECT 'contacts'; SELECT $cols FROM contacts ORDER BY id;
    SELECT 'activities'; SELECT * FROM activities ORDER BY id;
    SELECT 'outcomes'; SELECT * FROM outcomes ORDER BY id;
    SELECT 'fields'; SELECT * FROM fields ORDER BY name;
    SELECT 'imports'; SELECT id, kind, file, key_field, rows_read, inserted,
      updated, merged, rejected, fields_created FROM imports ORDER BY id;
    SELECT 'meta'; SELECT * FROM meta ORDER BY k;" | sha256sum | cut -c1-16
}

# Everything in the file, for "the database is unchanged" after a failure.
digest_all() {
  if is_pg_uri "$1"; then pg_data "$1"; else sq "$1" ".dump"; fi |
    sha256sum | cut -c1-16
}

# PostgreSQL has no integrity_check: there, the database answers.
integrity() {
  if is_pg_uri "$1"; then "$PSQL" -qXtA "$1" -c "SELECT 'ok'" 2>&1; return; fi
  sq "$1" "PRAGMA integrity_check" 2>&1 | tr '\n' ' ' | sed 's/ $//'; }
