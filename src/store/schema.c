/*
** schema.c -- the schema and its forward migrations.
**
** A leadrules file is marked with PRAGMA application_id and versioned with
** PRAGMA user_version.  Each migration moves the file one version forward
** inside one transaction; a file from a newer build, or a database that is
** not ours, is refused before anything is written.
*/
#include "db_int.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LRS_APPLICATION_ID 0x4C52444C  /* "LRDL" */

/* Version 1: the data model of DESIGN.md. */
static const char MIGRATION_1[] =
  "CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;"
  "CREATE TABLE contacts("
  "  id INTEGER PRIMARY KEY,"
  "  key TEXT NOT NULL UNIQUE,"
  "  email TEXT, first_name TEXT, last_name TEXT, company TEXT, title TEXT,"
  "  country TEXT, industry TEXT, company_size INTEGER, source TEXT,"
  "  created_at INTEGER,"
  "  score REAL NOT NULL DEFAULT 0, stage TEXT, owner TEXT,"
  "  updated_at INTEGER);"
  "CREATE TABLE fields("
  "  name TEXT PRIMARY KEY, type TEXT NOT NULL, header TEXT NOT NULL,"
  "  builtin INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
  "CREATE TABLE activities("
  "  id INTEGER PRIMARY KEY,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  type TEXT NOT NULL, occurred_at INTEGER NOT NULL,"
  "  value REAL, campaign TEXT);"
  "CREATE INDEX activities_by_contact"
  "  ON activities(contact_id, type, occurred_at);"
  "CREATE TABLE outcomes("
  "  id INTEGER PRIMARY KEY,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  result TEXT NOT NULL CHECK(result IN ('won','lost')),"
  "  amount REAL, closed_at INTEGER NOT NULL,"
  "  UNIQUE(contact_id, closed_at));"
  "CREATE TABLE runs("
  "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL DEFAULT 'run',"
  "  policy TEXT, policy_hash TEXT, now INTEGER NOT NULL,"
  "  started_at REAL NOT NULL, finished_at REAL,"
  "  evaluated INTEGER NOT NULL DEFAULT 0, score_changes INTEGER NOT NULL DEFAULT 0,"
  "  moves INTEGER NOT NULL DEFAULT 0, handoffs INTEGER NOT NULL DEFAULT 0,"
  "  errors INTEGER NOT NULL DEFAULT 0, dry_run INTEGER NOT NULL DEFAULT 0,"
  "  by TEXT, error_text TEXT);"
  "CREATE TABLE stage_history("
  "  id INTEGER PRIMARY KEY,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  from_stage TEXT, to_stage TEXT NOT NULL, at INTEGER NOT NULL,"
  "  run_id INTEGER REFERENCES runs(id), reason TEXT);"
  "CREATE INDEX stage_history_by_contact ON stage_history(contact_id, at);"
  "CREATE TABLE score_parts("
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  rule TEXT NOT NULL, points REAL NOT NULL,"
  "  PRIMARY KEY(contact_id, rule)) WITHOUT ROWID;"
  "CREATE TABLE segment_members("
  "  segment TEXT NOT NULL,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  PRIMARY KEY(contact_id, segment)) WITHOUT ROWID;"
  "CREATE INDEX segment_members_by_segment ON segment_members(segment);"
  "CREATE TABLE assignments("
  "  id INTEGER PRIMARY KEY,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  owner TEXT NOT NULL, stage TEXT, at INTEGER NOT NULL,"
  "  run_id INTEGER REFERENCES runs(id), due INTEGER);"
  "CREATE INDEX assignments_by_contact ON assignments(contact_id, at);";

/* Version 2: score groups and grades, SLA and manual-override markers,
** routing state, an audit trail, per-run errors. */
static const char MIGRATION_2[] =
  "ALTER TABLE contacts ADD COLUMN grade TEXT;"
  "ALTER TABLE contacts ADD COLUMN scores TEXT;"
  "ALTER TABLE contacts ADD COLUMN due_at INTEGER;"
  "ALTER TABLE contacts ADD COLUMN assigned_at INTEGER;"
  "ALTER TABLE contacts ADD COLUMN manual_at INTEGER;"
  "ALTER TABLE contacts ADD COLUMN data_at INTEGER;"
  "ALTER TABLE score_parts ADD COLUMN grp TEXT;"
  "ALTER TABLE stage_history ADD COLUMN transition TEXT;"
  "ALTER TABLE stage_history ADD COLUMN by TEXT;"
  "CREATE TABLE routing_state("
  "  router TEXT NOT NULL, owner TEXT NOT NULL, day INTEGER NOT NULL DEFAULT 0,"
  "  total INTEGER NOT NULL DEFAULT 0, today INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY(router, owner)) WITHOUT ROWID;"
  "CREATE TABLE audit("
  "  id INTEGER PRIMARY KEY,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  field TEXT NOT NULL, old_value, new_value, at INTEGER NOT NULL,"
  "  by TEXT, reason TEXT, run_id INTEGER REFERENCES runs(id));"
  "CREATE INDEX audit_by_contact ON audit(contact_id, at);"
  "CREATE TABLE run_errors("
  "  run_id INTEGER NOT NULL REFERENCES runs(id),"
  "  contact_id INTEGER, message TEXT NOT NULL);"
  "CREATE INDEX contacts_by_stage ON contacts(stage);"
  /* A covering index: a run reads activities in contact order without
  ** touching the table, whatever order they were imported in. */
  "DROP INDEX activities_by_contact;"
  "CREATE INDEX activities_by_contact"
  "  ON activities(contact_id, type, occurred_at, value, campaign);"

  /* Imports: a log of every import, and the import that last wrote each
  ** contact, outcome and field (how an upsert tells a key seen earlier in
  ** the same file from one that was already in the database). */
  "CREATE TABLE imports("
  "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, file TEXT NOT NULL,"
  "  at INTEGER NOT NULL, key_field TEXT,"
  "  rows_read INTEGER NOT NULL DEFAULT 0, inserted INTEGER NOT NULL DEFAULT 0,"
  "  updated INTEGER NOT NULL DEFAULT 0, merged INTEGER NOT NULL DEFAULT 0,"
  "  rejected INTEGER NOT NULL DEFAULT 0,"
  "  fields_created INTEGER NOT NULL DEFAULT 0);"
  "ALTER TABLE contacts ADD COLUMN import_seq INTEGER;"
  "ALTER TABLE outcomes ADD COLUMN import_seq INTEGER;"
  "ALTER TABLE fields ADD COLUMN import_seq INTEGER;";

/* Version 3: the workflows sales relies on.  A manual move may carry an
** expiry (manual_until; NULL holds until a later move, an outcome or
** --override-manual); the time a contact entered its current stage
** (stage_since, so that a policy can write a cool-down without reading
** history); every declared grade, not only the first (grades, a JSON
** object like scores); how many transitions a manual lock held back
** in each run, and the stages the run's policy declared. */
static const char MIGRATION_3[] =
  "ALTER TABLE contacts ADD COLUMN manual_until INTEGER;"
  "ALTER TABLE contacts ADD COLUMN stage_since INTEGER;"
  "ALTER TABLE contacts ADD COLUMN grades TEXT;"
  "ALTER TABLE runs ADD COLUMN held_by_manual INTEGER NOT NULL DEFAULT 0;"
  /* the policy's declared stages, {"funnel": [...], "side": [...]}: the
  ** funnel order a report reads without the policy file */
  "ALTER TABLE runs ADD COLUMN stages TEXT;"
  "UPDATE contacts SET stage_since = (SELECT max(h.at) FROM stage_history h"
  "  WHERE h.contact_id = contacts.id AND h.to_stage = contacts.stage)"
  "  WHERE stage IS NOT NULL;"
  /* Version 2 released a manual move once the contact's data changed;
  ** version 3 holds it until a move, an outcome, an expiry or an
  ** override.  A lock version 2 had released stays released. */
  "UPDATE contacts SET manual_at = NULL"
  "  WHERE manual_at IS NOT NULL AND data_at > manual_at;"
  /* The email key is stored trimmed in the email column too. */
  "UPDATE contacts SET email = trim(email, ' ' || char(9))"
  "  WHERE email <> trim(email, ' ' || char(9)) AND"
  "  coalesce((SELECT v FROM meta WHERE k = 'key_field'), 'email') = 'email';";

/* Version 4: incremental runs (run --changed, docs/incremental.md).
** contacts.change_mark: the id of the latest run when an import, a move
** or a set last changed the contact's data (runs never write it), so the
** contacts changed since run R are those with change_mark >= R.id;
** contacts.stable_until: until when the contact's last evaluation holds
** (NULL: until its data changes); runs.scope ('full', 'changed' or
** 'ids': which contacts it evaluated), runs.reads_others (a rule read
** other contacts: segment or stage count()) and runs.full_reason (why
** run --changed evaluated every contact).
**
** Real time (docs/realtime.md).  Every move and handoff that run, serve or
** ingest makes (contacts' and accounts') is appended to the outbox in the
** transaction that makes it, with
** an id that only grows (AUTOINCREMENT: never reused, even after the
** newest rows are gone); a notifier delivers rows in id order and
** records the last one a consumer acknowledged in outbox_acks, so that
** it resumes there after a restart.
**
** Accounts: see below. */
static const char MIGRATION_4[] =
  "ALTER TABLE contacts ADD COLUMN stable_until INTEGER;"
  "ALTER TABLE contacts ADD COLUMN change_mark INTEGER;"
  "CREATE INDEX contacts_by_stable_until ON contacts(stable_until)"
  "  WHERE stable_until IS NOT NULL;"
  "CREATE INDEX contacts_by_change_mark ON contacts(change_mark)"
  "  WHERE change_mark IS NOT NULL;"
  "ALTER TABLE runs ADD COLUMN scope TEXT;"
  "ALTER TABLE runs ADD COLUMN reads_others INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs ADD COLUMN full_reason TEXT;"
  "CREATE TABLE outbox("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  at INTEGER NOT NULL, kind TEXT NOT NULL,"
  "  contact_id INTEGER, key TEXT NOT NULL,"
  "  run_id INTEGER, payload TEXT NOT NULL);"
  "CREATE TABLE outbox_acks("
  "  consumer TEXT PRIMARY KEY, last_id INTEGER NOT NULL,"
  "  at INTEGER NOT NULL) WITHOUT ROWID;"
  /* Accounts (issue 19): companies keyed by domain, their imported fields
  ** as one JSON object (data), what the last run decided for them, and
  ** their history, handoffs and score parts, like a contact's.  A
  ** contact's match is stored in contacts.account_key (NULL: none). */
  "CREATE TABLE accounts("
  "  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, data TEXT,"
  "  score REAL NOT NULL DEFAULT 0, scores TEXT, grade TEXT, grades TEXT,"
  "  stage TEXT, stage_since INTEGER, owner TEXT, assigned_at INTEGER,"
  "  due_at INTEGER, import_seq INTEGER, updated_at INTEGER);"
  "CREATE TABLE account_history("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
  "  from_stage TEXT, to_stage TEXT NOT NULL, at INTEGER NOT NULL,"
  "  run_id INTEGER REFERENCES runs(id), reason TEXT, transition TEXT);"
  "CREATE INDEX account_history_by_account ON account_history(account_id, at);"
  "CREATE TABLE account_assignments("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
  "  owner TEXT NOT NULL, stage TEXT, at INTEGER NOT NULL,"
  "  run_id INTEGER REFERENCES runs(id), due INTEGER);"
  "CREATE INDEX account_assignments_by_account"
  "  ON account_assignments(account_id, at);"
  "CREATE TABLE account_parts("
  "  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
  "  rule TEXT NOT NULL, grp TEXT, points REAL NOT NULL,"
  "  PRIMARY KEY(account_id, rule)) WITHOUT ROWID;"
  "ALTER TABLE contacts ADD COLUMN account_key TEXT;"
  "CREATE INDEX contacts_by_account ON contacts(account_key);"
  /* The report reads the whole history in (contact_id, at, id) order
  ** (report_sql.c); with every column it reads in the index it does not
  ** look up each row in the table (issue 21: 0.43 -> 0.31 s CPU at 1M). */
  "DROP INDEX stage_history_by_contact;"
  "CREATE INDEX stage_history_by_contact ON stage_history"
  "  (contact_id, at, id, run_id, from_stage, to_stage);";

static const char *const MIGRATIONS[] = { MIGRATION_1, MIGRATION_2,
                                          MIGRATION_3, MIGRATION_4 };

/* Well-known fields registered by migration 1 (name, type). */
static const struct { const char *name, *type; } WELLKNOWN[] = {
  {"email", "text"}, {"first_name", "text"}, {"last_name", "text"},
  {"company", "text"}, {"title", "text"}, {"country", "text"},
  {"industry", "text"}, {"company_size", "integer"}, {"source", "text"},
  {"created_at", "integer"}, {"stage", "text"}, {"owner", "text"},
};

static const char *const ENGINE[] = {
  "id", "key", "score", "updated_at", "grade", "scores", "due_at",
  "assigned_at", "manual_at", "data_at", "import_seq", "manual_until",
  "stage_since", "grades", "stable_until", "change_mark", "account_key",
};

int lrs_is_engine_field(const char *name) {
  for (size_t i = 0; i < sizeof ENGINE / sizeof *ENGINE; i++)
    if (strcmp(name, ENGINE[i]) == 0) return 1;
  return 0;
}

int lrs_is_wellknown_field(const char *name) {
  for (size_t i = 0; i < sizeof WELLKNOWN / sizeof *WELLKNOWN; i++)
    if (strcmp(name, WELLKNOWN[i].name) == 0) return 1;
  return 0;
}

static int pragma_int(lr_db *db, const char *sql, int *out) {
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
  if (src == SQLITE_OK) {
    src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
      *out = sqlite3_column_int(st, 0);
      src = SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  if (src != SQLITE_OK) {
    if ((src & 0xff) == SQLITE_NOTADB || (src & 0xff) == SQLITE_CORRUPT)
      return lr__err(db, LR_NOTADB, "%s: not a leadrules database (file is "
                     "not an SQLite database or is corrupt)", db->path);
    return lrs_sqlerr(db, src, db->path);
  }
  return LR_OK;
}

static int register_wellknown(lr_db *db) {
  for (size_t i = 0; i < sizeof WELLKNOWN / sizeof *WELLKNOWN; i++) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO fields(name,type,header,builtin) "
             "VALUES('%s','%s','%s',1)",
             WELLKNOWN[i].name, WELLKNOWN[i].type, WELLKNOWN[i].name);
    if (lrs_exec(db, sql) != LR_OK) return db->rc;
  }
  return LR_OK;
}

/*
** Version 2 rebuilds contacts so that the key's uniqueness is the named
** index contacts_by_key instead of an inline UNIQUE: an import into an
** empty table drops it, appends, and builds it once by sorting, which is
** several times faster than a million random B-tree inserts.  The table
** is copied column for column (imported columns included) and its other
** indexes recreated; foreign keys are off meanwhile (see lrs_migrate) so
** that dropping the old table does not cascade.
*/
static int rebuild_contacts(lr_db *db) {
  lr_buf create = LR_BUF_INIT, cols = LR_BUF_INIT, idx = LR_BUF_INIT;
  sqlite3_stmt *st = NULL;
  int rc = LR_OK;
  int src = sqlite3_prepare_v2(db->sql,
      "SELECT name, type, \"notnull\", dflt_value, pk "
      "FROM pragma_table_info('contacts') ORDER BY cid", -1, &st, NULL);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "rebuild contacts");
  lrb_adds(&create, "CREATE TABLE contacts_v2(");
  int first = 1;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    const char *type = (const char *)sqlite3_column_text(st, 1);
    const char *dflt = (const char *)sqlite3_column_text(st, 3);
    if (!first) { lrb_adds(&create, ", "); lrb_adds(&cols, ", "); }
    first = 0;
    lrs_quote_ident(&create, name);
    lrs_quote_ident(&cols, name);
    if (type && *type) lrb_printf(&create, " %s", type);
    if (sqlite3_column_int(st, 4)) lrb_adds(&create, " PRIMARY KEY");
    if (sqlite3_column_int(st, 2)) lrb_adds(&create, " NOT NULL");
    if (dflt) lrb_printf(&create, " DEFAULT %s", dflt);
  }
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "rebuild contacts");
  lrb_adds(&create, ");");
  /* Indexes declared on contacts (not the inline UNIQUE's autoindex). */
  src = sqlite3_prepare_v2(db->sql, "SELECT sql FROM sqlite_schema WHERE "
                           "type='index' AND tbl_name='contacts' AND sql "
                           "IS NOT NULL", -1, &st, NULL);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "rebuild contacts");
  while ((src = sqlite3_step(st)) == SQLITE_ROW)
    lrb_printf(&idx, "%s;", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "rebuild contacts");
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, lrb_str(&create));
  lrb_printf(&sql, "INSERT INTO contacts_v2(%s) SELECT %s FROM contacts;",
             lrb_str(&cols), lrb_str(&cols));
  lrb_adds(&sql, "DROP TABLE contacts;"
                 "ALTER TABLE contacts_v2 RENAME TO contacts;"
                 "CREATE UNIQUE INDEX contacts_by_key ON contacts(key);");
  lrb_adds(&sql, lrb_str(&idx));
  if (sql.oom || create.oom || cols.oom || idx.oom)
    rc = lr__err(db, LR_NOMEM, "out of memory");
  else
    rc = lrs_exec(db, sql.p);
  lrb_free(&sql);
  lrb_free(&create);
  lrb_free(&cols);
  lrb_free(&idx);
  return rc;
}

int lrs_migrate(lr_db *db) {
  int version = 0, appid = 0, tables = 0;
  if (pragma_int(db, "PRAGMA application_id", &appid) != LR_OK) return db->rc;
  if (pragma_int(db, "PRAGMA user_version", &version) != LR_OK) return db->rc;
  if (pragma_int(db, "SELECT count(*) FROM sqlite_schema", &tables) != LR_OK)
    return db->rc;
  if (appid != LRS_APPLICATION_ID && (appid != 0 || tables > 0 || version))
    return lr__err(db, LR_NOTADB, "%s: not a leadrules database (it holds "
                   "other data; refusing to change it)", db->path);
  int want = LRS_SCHEMA_VERSION;
  if (version > want)
    return lr__err(db, LR_SCHEMA, "%s: written by a newer leadrules (schema "
                   "version %d; this build knows up to %d)", db->path, version,
                   want);
  if (version == want) return LR_OK;
  if (db->flags & LR_OPEN_READONLY)
    return lr__err(db, LR_READONLY, "%s: schema version %d needs migrating "
                   "to %d; open it read-write once", db->path, version, want);
  /* 8 KiB pages: contacts rows are wide (dozens of columns); bigger pages
  ** mean half the B-tree pages and WAL frames of 4 KiB ones, which
  ** measurably speeds up large imports.  Only a new file can choose. */
  if (version == 0 && tables == 0 &&
      lrs_exec(db, "PRAGMA page_size=8192") != LR_OK)
    return db->rc;
  if (version == 0 && lrs_exec(db, "PRAGMA journal_mode=WAL") != LR_OK)
    return db->rc;
  /* Foreign keys off while tables are rebuilt (it cannot change inside a
  ** transaction); checked with foreign_key_check before the commit. */
  if (lrs_exec(db, "PRAGMA foreign_keys=OFF") != LR_OK) return db->rc;
  if (lrs_begin(db) != LR_OK) goto fail;
  for (int v = version; v < want; v++) {
    if (lrs_exec(db, MIGRATIONS[v]) != LR_OK) goto fail;
    if (v == 0 && register_wellknown(db) != LR_OK) goto fail;
    if (v == 1 && rebuild_contacts(db) != LR_OK) goto fail;
  }
  char sql[96];
  snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d",
           LRS_APPLICATION_ID, want);
  if (lrs_exec(db, sql) != LR_OK) goto fail;
  int bad_refs = 0;
  if (pragma_int(db, "SELECT count(*) FROM pragma_foreign_key_check",
                 &bad_refs) != LR_OK) goto fail;
  if (bad_refs) {
    lr__err(db, LR_CORRUPT, "%d rows refer to missing rows", bad_refs);
    goto fail;
  }
  if (lrs_commit(db) != LR_OK) goto fail;
  return lrs_exec(db, "PRAGMA foreign_keys=ON");
fail:
  {
    char *msg = db->err.p ? strdup(db->err.p) : NULL;
    int rc = db->rc;
    lrs_rollback(db);
    sqlite3_exec(db->sql, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    lr__err(db, rc, "%s: migrating schema from version %d: %s", db->path,
            version, msg ? msg : "");
    free(msg);
    return rc;
  }
}
