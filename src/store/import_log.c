/*
** import_log.c -- the imports table: one row per import, written in the
** import's transaction (so a rolled-back import leaves no trace).
*/
#include "db_int.h"
#include "contacts_io.h"
#include "pg_int.h"

static const char LOG_START[] =
    "INSERT INTO imports(kind, file, at) VALUES(?1, ?2, ?3)";
static const char LOG_FINISH[] =
    "UPDATE imports SET key_field=?2, rows_read=?3, inserted=?4, updated=?5,"
    " merged=?6, rejected=?7, fields_created=?8 WHERE id=?1";

int lrs_import_log_start(lr_db *db, const char *kind, const char *file,
                         long long now, long long *seq) {
  if (db->pg) return lrs_pg_import_log_start(db, kind, file, now, seq);
  sqlite3_stmt *st = lrs_cached(db, LOG_START);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, now);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "import log");
  *seq = sqlite3_last_insert_rowid(db->sql);
  return LR_OK;
}

int lrs_import_log_finish(lr_db *db, long long seq, const char *key_field,
                          const lr_import_report *r) {
  if (db->pg) return lrs_pg_import_log_finish(db, seq, key_field, r);
  sqlite3_stmt *st = lrs_cached(db, LOG_FINISH);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, seq);
  if (key_field) sqlite3_bind_text(st, 2, key_field, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, r->rows_read);
  sqlite3_bind_int64(st, 4, r->inserted);
  sqlite3_bind_int64(st, 5, r->updated);
  sqlite3_bind_int64(st, 6, r->merged);
  sqlite3_bind_int64(st, 7, r->rejected);
  sqlite3_bind_int(st, 8, r->fields_created);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "import log");
  return LR_OK;
}
