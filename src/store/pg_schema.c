/*
** pg_schema.c -- the PostgreSQL schema: the concepts of schema.c (same
** tables, same columns, same meanings), created on first use of an empty
** database (its current schema, so `?options=-csearch_path=NAME` picks a
** named one) and versioned in meta.schema_version with forward
** migrations, each in one transaction under an advisory lock (two first
** opens do not race).  A schema holding tables that are not ours is
** refused before anything is written.
**
** Imported fields: the well-known and engine columns are typed columns;
** every other imported field is a key of contacts.data (jsonb).  SQLite
** types a value, not a column ('02134' and 2134 sit side by side in one
** field), and a jsonb document keeps that per value (a string, an
** integer, a real) where a typed column would force one type on all and
** need ALTER TABLE ... TYPE, a rewrite of the table, each time an import
** widens a field.  Adding a field costs nothing (no ALTER TABLE, no lock
** on contacts).  The fields registry still bounds them by PostgreSQL's
** 1,600 columns, so that a view with one column per field stays
** possible (docs/postgresql.md).
**
** Citus (docs/scale-out.md): every table holding contact rows has
** contact_id in its primary key and unique indexes, so that it can be
** distributed by contact id and co-located with contacts.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

#define LRS_PG_APP "leadrules"

/* What a run writes per contact, in a narrow table of its own keyed by
** contact id (co-located with contacts under Citus): updating these
** columns in contacts' wide row wrote a new entry in each of its six
** indexes per contact; here a chunk's UPDATE touches two small indexes
** (docs/postgresql.md).  Every contact has its row, written with it;
** LRS_PG_CONTACTS (pg_int.h) reads both as SQLite's one table. */
#define LRS_PG_STATE_TABLE \
  "CREATE TABLE contact_state(" \
  "  contact_id bigint PRIMARY KEY," \
  "  score double precision NOT NULL DEFAULT 0, stage text, owner text," \
  "  updated_at bigint, grade text, scores text, due_at bigint," \
  "  assigned_at bigint, stage_since bigint, grades text," \
  "  stable_until bigint);" \
  "CREATE INDEX contact_state_by_stage ON contact_state(stage);" \
  "CREATE INDEX contact_state_by_stable_until ON contact_state(stable_until)" \
  "  WHERE stable_until IS NOT NULL;"

/* A database of the first layout (version 4 with the state in contacts,
** from before contact_state): its state moves to the new table. */
static const char PG_STATE_SPLIT[] =
  LRS_PG_STATE_TABLE
  "INSERT INTO contact_state SELECT id, score, stage, owner, updated_at,"
  "  grade, scores, due_at, assigned_at, stage_since, grades, stable_until"
  "  FROM contacts;"
  "ALTER TABLE contacts DROP COLUMN score, DROP COLUMN stage,"
  "  DROP COLUMN owner, DROP COLUMN updated_at, DROP COLUMN grade,"
  "  DROP COLUMN scores, DROP COLUMN due_at, DROP COLUMN assigned_at,"
  "  DROP COLUMN stage_since, DROP COLUMN grades, DROP COLUMN stable_until;";

/* Version 4 (the schema version of SQLite's file): everything at once. */
static const char PG_MIGRATION_4[] =
  "CREATE TABLE meta(k text PRIMARY KEY, v text);"
  "CREATE TABLE contacts("
  "  id bigint PRIMARY KEY, key text NOT NULL,"
  "  email text, first_name text, last_name text, company text, title text,"
  "  country text, industry text, company_size numeric, source text,"
  "  created_at bigint, manual_at bigint, data_at bigint, import_seq bigint,"
  "  manual_until bigint, change_mark bigint, account_key text,"
  "  data jsonb NOT NULL DEFAULT '{}');"
  /* The key-to-id lookup: its own table under Citus (scale-out.md). */
  "CREATE UNIQUE INDEX contacts_by_key ON contacts(key);"
  "CREATE INDEX contacts_by_change_mark ON contacts(change_mark)"
  "  WHERE change_mark IS NOT NULL;"
  "CREATE INDEX contacts_by_account ON contacts(account_key);"
  LRS_PG_STATE_TABLE
  "CREATE TABLE fields("
  "  name text PRIMARY KEY, type text NOT NULL, header text NOT NULL,"
  "  builtin integer NOT NULL DEFAULT 0, import_seq bigint,"
  "  ord bigserial NOT NULL);"
  /* No foreign key on contact_id: an import resolves every row's contact
  ** in its key map before the row is sent, and a per-row check trigger
  ** was most of a large import's time (docs/postgresql.md).  SQLite's
  ** store turns its checks off for the same rows (lrs_run_begin). */
  "CREATE TABLE activities("
  "  id bigserial, contact_id bigint NOT NULL, type text NOT NULL,"
  "  occurred_at bigint NOT NULL, value double precision, campaign text,"
  "  PRIMARY KEY(contact_id, id));"
  LRS_PG_ACTIVITIES_INDEX ";"
  "CREATE TABLE outcomes("
  "  id bigserial, contact_id bigint NOT NULL REFERENCES contacts(id)"
  "  ON DELETE CASCADE,"
  "  result text NOT NULL CHECK(result IN ('won','lost')),"
  "  amount double precision, closed_at bigint NOT NULL, import_seq bigint,"
  "  PRIMARY KEY(contact_id, id), UNIQUE(contact_id, closed_at));"
  "CREATE TABLE runs("
  "  id bigserial PRIMARY KEY, kind text NOT NULL DEFAULT 'run',"
  "  policy text, policy_hash text, now bigint NOT NULL,"
  "  started_at double precision NOT NULL, finished_at double precision,"
  "  evaluated bigint NOT NULL DEFAULT 0, score_changes bigint NOT NULL DEFAULT 0,"
  "  moves bigint NOT NULL DEFAULT 0, handoffs bigint NOT NULL DEFAULT 0,"
  "  errors bigint NOT NULL DEFAULT 0, dry_run integer NOT NULL DEFAULT 0,"
  "  by text, error_text text, held_by_manual bigint NOT NULL DEFAULT 0,"
  "  stages text, scope text, reads_others integer NOT NULL DEFAULT 0,"
  "  full_reason text);"
  /* Nor on the rows a run writes (history, parts, members, assignments):
  ** it writes them only for contacts it has just read in its snapshot,
  ** and the check triggers per row took 8 of a first run's 20 s at 100k
  ** (docs/postgresql.md); SQLite's run turns its checks off too. */
  "CREATE TABLE stage_history("
  "  id bigserial, contact_id bigint NOT NULL,"
  "  from_stage text, to_stage text NOT NULL,"
  "  at bigint NOT NULL, run_id bigint, reason text, transition text, by text,"
  "  PRIMARY KEY(contact_id, id));"
  /* The report reads the whole history in (contact_id, at, id) order
  ** with these columns (pg_report_rows.c): covering, as SQLite's. */
  "CREATE INDEX stage_history_by_contact ON stage_history(contact_id, at, id)"
  "  INCLUDE (run_id, from_stage, to_stage);"
  "CREATE TABLE score_parts("
  "  contact_id bigint NOT NULL,"
  "  rule text NOT NULL, points double precision NOT NULL, grp text,"
  "  PRIMARY KEY(contact_id, rule));"
  "CREATE TABLE segment_members("
  "  segment text NOT NULL, contact_id bigint NOT NULL,"
  "  PRIMARY KEY(contact_id, segment));"
  "CREATE INDEX segment_members_by_segment ON segment_members(segment);"
  "CREATE TABLE assignments("
  "  id bigserial, contact_id bigint NOT NULL,"
  "  owner text NOT NULL, stage text, at bigint NOT NULL,"
  "  run_id bigint, due bigint, PRIMARY KEY(contact_id, id));"
  "CREATE TABLE routing_state("
  "  router text NOT NULL, owner text NOT NULL, day bigint NOT NULL DEFAULT 0,"
  "  total bigint NOT NULL DEFAULT 0, today bigint NOT NULL DEFAULT 0,"
  "  PRIMARY KEY(router, owner));"
  "CREATE TABLE audit("
  "  id bigserial, contact_id bigint NOT NULL REFERENCES contacts(id)"
  "  ON DELETE CASCADE, field text NOT NULL, old_value jsonb,"
  "  new_value jsonb, at bigint NOT NULL, by text, reason text, run_id bigint,"
  "  PRIMARY KEY(contact_id, id));"
  "CREATE TABLE run_errors("
  "  run_id bigint NOT NULL, contact_id bigint, message text NOT NULL);"
  "CREATE TABLE imports("
  "  id bigserial PRIMARY KEY, kind text NOT NULL, file text NOT NULL,"
  "  at bigint NOT NULL, key_field text,"
  "  rows_read bigint NOT NULL DEFAULT 0, inserted bigint NOT NULL DEFAULT 0,"
  "  updated bigint NOT NULL DEFAULT 0, merged bigint NOT NULL DEFAULT 0,"
  "  rejected bigint NOT NULL DEFAULT 0,"
  "  fields_created bigint NOT NULL DEFAULT 0);"
  "CREATE TABLE outbox("
  "  id bigserial PRIMARY KEY, at bigint NOT NULL, kind text NOT NULL,"
  "  contact_id bigint, key text NOT NULL, run_id bigint,"
  "  payload text NOT NULL);"
  "CREATE TABLE outbox_acks("
  "  consumer text PRIMARY KEY, last_id bigint NOT NULL, at bigint NOT NULL);"
  "CREATE TABLE accounts("
  "  id bigint PRIMARY KEY, key text NOT NULL UNIQUE, data text,"
  "  score double precision NOT NULL DEFAULT 0, scores text, grade text,"
  "  grades text, stage text, stage_since bigint, owner text,"
  "  assigned_at bigint, due_at bigint, import_seq bigint,"
  "  updated_at bigint);"
  /* An account's history, handoffs and score parts, as a contact's: no
  ** foreign keys (a run writes them only for the accounts it has just
  ** read); accounts are small, a reference table under Citus. */
  "CREATE TABLE account_history("
  "  id bigserial PRIMARY KEY, account_id bigint NOT NULL,"
  "  from_stage text, to_stage text NOT NULL, at bigint NOT NULL,"
  "  run_id bigint, reason text, transition text);"
  "CREATE INDEX account_history_by_account ON account_history(account_id, at);"
  "CREATE TABLE account_assignments("
  "  id bigserial PRIMARY KEY, account_id bigint NOT NULL,"
  "  owner text NOT NULL, stage text, at bigint NOT NULL, run_id bigint,"
  "  due bigint);"
  "CREATE INDEX account_assignments_by_account"
  "  ON account_assignments(account_id, at);"
  "CREATE TABLE account_parts("
  "  account_id bigint NOT NULL, rule text NOT NULL, grp text,"
  "  points double precision NOT NULL, PRIMARY KEY(account_id, rule));"
  "INSERT INTO fields(name, type, header, builtin) VALUES"
  "  ('email','text','email',1), ('first_name','text','first_name',1),"
  "  ('last_name','text','last_name',1), ('company','text','company',1),"
  "  ('title','text','title',1), ('country','text','country',1),"
  "  ('industry','text','industry',1),"
  "  ('company_size','integer','company_size',1),"
  "  ('source','text','source',1), ('created_at','integer','created_at',1),"
  "  ('stage','text','stage',1), ('owner','text','owner',1);"
  "INSERT INTO meta(k, v) VALUES('application', '" LRS_PG_APP "');";

/* Real columns of contacts and how a value read from each is typed, as
** SQLite's declared affinity would type it. */
static const struct { const char *name; int type; } COLUMNS[] = {
  {"id", LRS_INTEGER}, {"key", LRS_TEXT}, {"email", LRS_TEXT},
  {"first_name", LRS_TEXT}, {"last_name", LRS_TEXT}, {"company", LRS_TEXT},
  {"title", LRS_TEXT}, {"country", LRS_TEXT}, {"industry", LRS_TEXT},
  {"company_size", LRS_INTEGER}, {"source", LRS_TEXT},
  {"created_at", LRS_INTEGER}, {"score", LRS_REAL}, {"stage", LRS_TEXT},
  {"owner", LRS_TEXT}, {"updated_at", LRS_INTEGER}, {"grade", LRS_TEXT},
  {"scores", LRS_TEXT}, {"due_at", LRS_INTEGER}, {"assigned_at", LRS_INTEGER},
  {"manual_at", LRS_INTEGER}, {"data_at", LRS_INTEGER},
  {"import_seq", LRS_INTEGER}, {"manual_until", LRS_INTEGER},
  {"stage_since", LRS_INTEGER}, {"grades", LRS_TEXT},
  {"stable_until", LRS_INTEGER}, {"change_mark", LRS_INTEGER},
  {"account_key", LRS_TEXT},
};

int lrs_pg_column_type(const char *name) {
  for (size_t i = 0; i < sizeof COLUMNS / sizeof *COLUMNS; i++)
    if (strcmp(COLUMNS[i].name, name) == 0) return COLUMNS[i].type;
  return -1;
}

const char *lrs_pg_column_name(int i) {
  return i >= 0 && i < (int)(sizeof COLUMNS / sizeof *COLUMNS)
             ? COLUMNS[i].name : NULL;
}

#define NCOLUMNS ((int)(sizeof COLUMNS / sizeof *COLUMNS) + 1)  /* + data */

int lrs_pg_state_column(const char *name) {
  static const char *const STATE[] = {
    "score", "stage", "owner", "updated_at", "grade", "scores", "due_at",
    "assigned_at", "stage_since", "grades", "stable_until",
  };
  for (size_t i = 0; i < sizeof STATE / sizeof *STATE; i++)
    if (strcmp(STATE[i], name) == 0) return 1;
  return 0;
}

int lrs_pg_has_column(lr_db *db, const char *name) {
  (void)db;
  return lrs_pg_column_type(name) >= 0;
}

/* Forward migrations: PG_MIGRATIONS[v] moves version v to v + 1; the
** PostgreSQL schema starts at version 4, whole. */
static const char *const PG_MIGRATIONS[LRS_SCHEMA_VERSION] = {
  NULL, NULL, NULL, PG_MIGRATION_4,
};

/* The layout of the PostgreSQL schema under schema version 4, in
** meta.pg_layout: 1 the run's state in contacts (the first layout), 2
** contact_state, 3 the reader role reads activities and outcomes too.
** A database without contact_state is of layout 1, one without the key
** of layout 2.  schema_version stays SQLite's 4: the same tables and
** meanings, no release since (docs/postgresql.md). */
#define PG_LAYOUT 3

/* What the current schema holds: *tables in it, our version (0: not ours
** or empty) and our *layout (PG_LAYOUT for a new one). */
static int inspect(lr_db *db, long long *tables, int *version, int *ours,
                   int *layout) {
  PGresult *res;
  int rc = lrs_pg_query(db,
      "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = "
      "current_schema()), to_regclass('meta') IS NOT NULL, "
      "to_regclass('contact_state') IS NOT NULL", 0, NULL, &res, "open");
  if (rc != LR_OK) return rc;
  if (!PQntuples(res) || PQgetisnull(res, 0, 0)) {
    PQclear(res);
    return lr__err(db, LR_NOTADB, "%s: no schema to create tables in (set "
                   "search_path, e.g. ?options=-csearch_path%%3Dleadrules)",
                   db->path);
  }
  *tables = atoll(PQgetvalue(res, 0, 0));
  int has_meta = PQgetvalue(res, 0, 1)[0] == 't';
  int has_state = PQgetvalue(res, 0, 2)[0] == 't';
  PQclear(res);
  *version = 0;
  *ours = 0;
  *layout = PG_LAYOUT;
  if (!has_meta) return LR_OK;
  char v[32];
  *ours = lrs_pg_meta_get(db, "application", v, sizeof v) &&
          strcmp(v, LRS_PG_APP) == 0;
  if (*ours && lrs_pg_meta_get(db, "schema_version", v, sizeof v))
    *version = atoi(v);
  if (*ours && *version == 4)
    *layout = !has_state ? 1
              : lrs_pg_meta_get(db, "pg_layout", v, sizeof v) ? atoi(v) : 2;
  return LR_OK;
}

static int migrate_locked(lr_db *db, int version) {
  int rc = lrs_pg_exec(db, "SELECT pg_advisory_xact_lock(hashtext("
                       "'leadrules.migrate'))", "migrate");
  long long tables = 0;
  int ours = 0, layout = PG_LAYOUT;
  if (rc == LR_OK)
    rc = inspect(db, &tables, &version, &ours, &layout);  /* again */
  if (rc != LR_OK) return rc;
  if (!ours && tables > 0)
    return lr__err(db, LR_NOTADB, "%s: not a leadrules database (its schema "
                   "holds other tables; refusing to change it)", db->path);
  for (int v = version; v < LRS_SCHEMA_VERSION && rc == LR_OK; v++)
    if (PG_MIGRATIONS[v]) rc = lrs_pg_exec(db, PG_MIGRATIONS[v], "migrate");
  if (rc == LR_OK && layout < 2) rc = lrs_pg_exec(db, PG_STATE_SPLIT, "migrate");
  char want[16];
  snprintf(want, sizeof want, "%d", LRS_SCHEMA_VERSION);
  if (rc == LR_OK) rc = lrs_pg_meta_set(db, "schema_version", want);
  snprintf(want, sizeof want, "%d", PG_LAYOUT);
  if (rc == LR_OK) rc = lrs_pg_meta_set(db, "pg_layout", want);
  /* Layout 3: the role's grants, given again to an existing role. */
  if (rc == LR_OK) rc = lrs_pg_exec(db, LRS_PG_READER_ROLE_SQL, "migrate");
  return rc;
}

/* What is in the current schema and on its tables, as one digest: every
** object the schema holds (relations, functions, types, operators,
** collations, statistics, text search, extensions) and every object that
** depends on one of its relations (an index, trigger, rule, policy or
** constraint on it; a view on it in any schema), by oid, in out (32 hex
** digits).  Taken when this handle creates the schema and again before
** lrs_pg_unmake drops it: a difference is something another connection
** made there (or dropped) meanwhile. */
#define PG_OBJECTS \
  "(WITH n AS (SELECT oid FROM pg_namespace WHERE nspname = current_schema())" \
  " SELECT md5(coalesce(string_agg(o, ',' ORDER BY o), '')) FROM (" \
  "SELECT 'c' || oid FROM pg_class WHERE relnamespace IN (SELECT oid FROM n)" \
  " UNION ALL SELECT 'p' || oid FROM pg_proc" \
  "  WHERE pronamespace IN (SELECT oid FROM n)" \
  " UNION ALL SELECT 't' || oid FROM pg_type" \
  "  WHERE typnamespace IN (SELECT oid FROM n)" \
  " UNION ALL SELECT 'o' || oid FROM pg_operator" \
  "  WHERE oprnamespace IN (SELECT oid FROM n)" \
  " UNION ALL SELECT 'l' || oid FROM pg_collation" \
  "  WHERE collnamespace IN (SELECT oid FROM n)" \
  " UNION ALL SELECT 'v' || oid FROM pg_conversion" \
  "  WHERE connamespace IN (SELECT oid FROM n)" \
  " UNION ALL SELECT 's' || oid FROM pg_statistic_ext" \
  "  WHERE stxnamespace IN (SELECT oid FROM n)" \
  " UNION ALL SELECT 'f' || oid FROM pg_ts_config" \
  "  WHERE cfgnamespace IN (SELECT oid FROM n)" \
  " UNION ALL SELECT 'd' || oid FROM pg_ts_dict" \
  "  WHERE dictnamespace IN (SELECT oid FROM n)" \
  " UNION ALL SELECT 'e' || oid FROM pg_extension" \
  "  WHERE extnamespace IN (SELECT oid FROM n)" \
  " UNION ALL SELECT 'r' || classid || '.' || objid || '.' || objsubid" \
  "  FROM pg_depend WHERE refclassid = 'pg_class'::regclass AND refobjid IN" \
  "  (SELECT oid FROM pg_class WHERE relnamespace IN (SELECT oid FROM n))" \
  ") s(o))"

static int objects(lr_db *db, char *out, size_t n) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT " PG_OBJECTS, 0, NULL, &res, "migrate");
  if (rc != LR_OK) return rc;
  snprintf(out, n, "%s", PQgetvalue(res, 0, 0));
  PQclear(res);
  return LR_OK;
}

int lrs_pg_migrate(lr_db *db) {
  long long tables = 0;
  int version = 0, ours = 0, layout = PG_LAYOUT;
  int rc = inspect(db, &tables, &version, &ours, &layout);
  if (rc != LR_OK) return rc;
  if (!ours && tables > 0)
    return lr__err(db, LR_NOTADB, "%s: not a leadrules database (its schema "
                   "holds other tables; refusing to change it)", db->path);
  if (version > LRS_SCHEMA_VERSION || layout > PG_LAYOUT)
    return lr__err(db, LR_SCHEMA, "%s: written by a newer leadrules (schema "
                   "version %d, PostgreSQL layout %d; this build knows up to "
                   "%d, layout %d)", db->path, version, layout,
                   LRS_SCHEMA_VERSION, PG_LAYOUT);
  if (version == LRS_SCHEMA_VERSION && layout == PG_LAYOUT) return LR_OK;
  if (!ours && (db->flags & (LR_OPEN_NOCREATE | LR_OPEN_READONLY)))
    return lr__err(db, LR_NOTFOUND, "%s: no such database", db->path);
  /* Layout 2 reads as 3 does; only user SQL that reads activities or
  ** outcomes waits for the reader role's grants of a read-write open. */
  if ((db->flags & LR_OPEN_READONLY) && version == LRS_SCHEMA_VERSION &&
      layout == 2)
    return LR_OK;
  if (db->flags & LR_OPEN_READONLY)
    return lr__err(db, LR_READONLY, "%s: schema version %d%s needs "
                   "migrating to %d; open it read-write once", db->path,
                   version, layout < 2 ? " (contacts holding the run's state)"
                   : "", LRS_SCHEMA_VERSION);
  rc = lrs_pg_begin(db);
  if (rc == LR_OK) rc = migrate_locked(db, version);
  /* What a new schema holds as made (lrs_pg_unmake compares). */
  if (rc == LR_OK && !ours)
    rc = objects(db, db->pg->objects, sizeof db->pg->objects);
  if (rc == LR_OK) rc = lrs_pg_commit(db);
  if (rc == LR_OK) db->pg->made = !ours;
  if (rc == LR_OK) return rc;
  char *msg = db->err.p ? strdup(db->err.p) : NULL;
  int keep = db->rc;
  lrs_pg_rollback(db);
  lr__err(db, keep, "%s: creating the schema: %s", db->path, msg ? msg : "");
  free(msg);
  return keep;
}

/* One transaction under the migration's lock, the digest passed as
** leadrules.unmake: only while the schema and its tables hold nothing
** but what this handle made there (anything another connection made,
** however small, keeps it all: dropping ours alone would leave theirs in
** a schema the next import refuses), checked again once every table is
** locked, and no contact, import or run is in it (whoever wrote it).  No
** CASCADE: what depends on our tables is ours. */
static const char UNMAKE[] =
  "DO $lr$DECLARE t text; BEGIN "
  "IF " PG_OBJECTS " <> current_setting('leadrules.unmake') THEN RETURN; "
  "END IF; "
  "SELECT string_agg(format('%I', tablename), ', ') INTO t FROM pg_tables "
  "WHERE schemaname = current_schema(); "
  "EXECUTE 'LOCK TABLE ' || t || ' IN ACCESS EXCLUSIVE MODE'; "
  "IF " PG_OBJECTS " <> current_setting('leadrules.unmake') THEN RETURN; "
  "END IF; "
  "IF EXISTS (SELECT 1 FROM contacts) OR EXISTS (SELECT 1 FROM imports) OR "
  "EXISTS (SELECT 1 FROM runs) THEN RETURN; END IF; "
  "EXECUTE 'DROP TABLE ' || t; END$lr$;"
  "COMMIT";

void lrs_pg_unmake(lr_db *db) {
  if (!db->pg || db->pg->made != 2 || !db->pg->conn ||
      PQstatus(db->pg->conn) != CONNECTION_OK)
    return;
  db->pg->made = 0;
  const char *p[] = { db->pg->objects };
  PGresult *res = PQexec(db->pg->conn, "BEGIN; SET LOCAL lock_timeout = '2s';"
      "SELECT pg_advisory_xact_lock(hashtext('leadrules.migrate'))");
  int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
  PQclear(res);
  if (ok) {
    res = PQexecParams(db->pg->conn, "SELECT set_config('leadrules.unmake', "
                       "$1, true)", 1, NULL, p, NULL, NULL, 0);
    ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
  }
  if (ok) {
    res = PQexec(db->pg->conn, UNMAKE);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
  }
  if (!ok) PQclear(PQexec(db->pg->conn, "ROLLBACK"));
}

int lrs_pg_column_room(lr_db *db, int *room, int *limit) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT count(*) FROM fields WHERE builtin = 0",
                        0, NULL, &res, "contacts columns");
  if (rc != LR_OK) return rc;
  int imported = atoi(PQgetvalue(res, 0, 0));
  PQclear(res);
  *limit = 1600;                 /* PostgreSQL's columns per table or view */
  *room = *limit - NCOLUMNS - imported;
  return LR_OK;
}
