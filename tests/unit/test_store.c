/*
** test_store.c -- opening, creating, migrating and refusing database files.
*/
#include "leadrules.h"
#include "store/query.h"
#include "store/scan.h"
#include "store/snap.h"
#include "t.h"

#include <sqlite3.h>

static void test_create_and_reopen(void) {
  lr_db *db = NULL;
  const char *p = t_path("new.db");
  CHECK_INT(lr_open(p, &db), LR_OK);
  CHECK_STR(lr_errmsg(db), "not an error");
  CHECK_INT(lr_close(db), LR_OK);
  CHECK_INT(lr_open(p, &db), LR_OK);
  lr_close(db);
  sqlite3 *s;
  sqlite3_open(p, &s);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(s, "PRAGMA user_version", -1, &st, NULL);
  sqlite3_step(st);
  CHECK_INT(sqlite3_column_int(st, 0), 2);
  sqlite3_finalize(st);
  sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL);
  sqlite3_step(st);
  CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);
  sqlite3_close(s);
}

static void test_refuses_foreign_file(void) {
  const char *p = t_path("other.db");
  sqlite3 *s;
  sqlite3_open(p, &s);
  sqlite3_exec(s, "CREATE TABLE mine(x); INSERT INTO mine VALUES(1)", 0, 0, 0);
  sqlite3_close(s);
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_NOTADB);
  CHECK_CONTAINS(lr_errmsg(db), "not a leadrules database");
  lr_close(db);
  /* untouched */
  sqlite3_open(p, &s);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(s, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL);
  sqlite3_step(st);
  CHECK_INT(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(s);

  const char *txt = t_path("text.db");
  t_write(txt, "this is not a database, just text that is long enough to matter\n");
  CHECK_INT(lr_open(txt, &db), LR_NOTADB);
  CHECK_CONTAINS(lr_errmsg(db), "text.db: not a leadrules database");
  lr_close(db);
}

static void test_newer_schema(void) {
  const char *p = t_path("newer.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_OK);
  lr_close(db);
  sqlite3 *s;
  sqlite3_open(p, &s);
  sqlite3_exec(s, "PRAGMA user_version=99", 0, 0, 0);
  sqlite3_close(s);
  CHECK_INT(lr_open(p, &db), LR_SCHEMA);
  CHECK_CONTAINS(lr_errmsg(db), "newer leadrules (schema version 99");
  lr_close(db);
}

static void test_directory_and_missing(void) {
  lr_db *db = NULL;
  CHECK_INT(lr_open(t_path(""), &db), LR_IO);
  CHECK_CONTAINS(lr_errmsg(db), "is a directory");
  lr_close(db);
  CHECK_INT(lr_open_v2(t_path("missing.db"), &db, LR_OPEN_READONLY, -1),
            LR_NOTFOUND);
  lr_close(db);
  CHECK_INT(lr_open(NULL, &db), LR_MISUSE);
  lr_close(db);
  CHECK_INT(lr_open("x", NULL), LR_MISUSE);
  CHECK_INT(lr_close(NULL), LR_OK);
  CHECK_STR(lr_errstr(LR_BUSY), "database is locked");
  CHECK_STR(lr_libversion(), LR_VERSION);
}

/* A version-1 file (as the first release wrote it) opens with this build
** and is migrated forward with its data intact. */
static void test_migrate_v1(void) {
  const char *p = t_path("v1.db");
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "sqlite3 '%s' < '%s'", p,
           t_src("tests/fixtures/schema_v1.sql"));
  CHECK_INT(system(cmd), 0);
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_OK);
  lr_close(db);
  sqlite3 *s;
  sqlite3_open(p, &s);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(s, "SELECT key, score, grade, (SELECT count(*) FROM "
                     "routing_state) FROM contacts", -1, &st, NULL);
  CHECK_INT(sqlite3_step(st), SQLITE_ROW);
  CHECK_STR((const char *)sqlite3_column_text(st, 0), "ann@example.com");
  CHECK_INT(sqlite3_column_int(st, 1), 42);
  CHECK_INT(sqlite3_column_type(st, 2), SQLITE_NULL);
  sqlite3_finalize(st);
  sqlite3_close(s);
}

/* A snapshot sees the committed state of when it was opened, whatever is
** committed later; the main view sees the latest.  Opening one checks its
** first read. */
static void test_snapshot(void) {
  lr_db *db = NULL;
  const char *p = t_path("snap.db");
  CHECK_INT(lr_open(p, &db), LR_OK);
  lrs_snap *snap = NULL;
  CHECK_INT(lrs_snap_open(db, &snap), LR_OK);
  sqlite3 *s;
  sqlite3_open(p, &s);
  CHECK_INT(sqlite3_exec(s, "INSERT INTO contacts(key) VALUES('a@x.com')",
                         0, 0, 0), SQLITE_OK);
  long long n = -1, lo = 0, hi = 0;
  CHECK_INT(lrs_contact_span(snap, &n, &lo, &hi), LR_OK);
  CHECK_INT(n, 0);
  CHECK_INT(lrs_contact_span(lrs_snap_main(db), &n, &lo, &hi), LR_OK);
  CHECK_INT(n, 1);
  long long id = 0;
  CHECK_INT(lrs_contact_id(lrs_snap_main(db), "A@x.com ", &id), LR_OK);
  CHECK_INT(id, lo);
  lrs_rows *r = NULL;
  char err[256] = "";
  CHECK_INT(lrs_query_open(lrs_snap_main(db), "SELECT key, 2.5 AS x, NULL "
                           "AS y FROM contacts", &r, err, sizeof err), LR_OK);
  const lrs_value *v = NULL;
  CHECK_INT(lrs_rows_next(r, &v), 1);
  CHECK_STR(lrs_rows_name(r, 0), "key");
  CHECK_STR(v[0].s, "a@x.com");
  CHECK_INT(v[1].type, LRS_FLOAT);
  CHECK_INT(v[2].type, LRS_NULL);
  CHECK_INT(lrs_rows_next(r, &v), 0);
  lrs_rows_close(r);
  CHECK_INT(lrs_query_open(lrs_snap_main(db), "SELECT * FROM meta", &r, err,
                           sizeof err), LR_ERROR);
  CHECK_CONTAINS(err, "query: only reads of contacts");
  lrs_snap_close(snap);
  /* The first read of a snapshot fails: said, not ignored. */
  CHECK_INT(sqlite3_exec(s, "DROP TABLE meta", 0, 0, 0), SQLITE_OK);
  CHECK_INT(lrs_snap_open(db, &snap), LR_ERROR);
  CHECK(snap == NULL);
  CHECK_CONTAINS(lr_errmsg(db), "read snapshot: no such table: meta");
  sqlite3_close(s);
  lr_close(db);
}

int main(void) {
  t_tmpdir();
  test_create_and_reopen();
  test_snapshot();
  test_refuses_foreign_file();
  test_newer_schema();
  test_directory_and_missing();
  test_migrate_v1();
  return t_done();
}
