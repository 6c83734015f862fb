/*
** api.c -- the public database handle: lr_open, lr_close, lr_errmsg.
*/
#include "db_int.h"
#include "pg_int.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lr_open_v2(const char *path, lr_db **out, int flags, int busy_ms) {
  if (!out) return LR_MISUSE;
  lr_db *db = calloc(1, sizeof *db);
  *out = db;
  if (!db) return LR_NOMEM;
  if (!path || !*path) return lr__err(db, LR_MISUSE, "no database path given");
  /* A PostgreSQL URI is kept without its password: db->path is in
  ** messages and lr_db_path. */
  int pg = db->on_pg = lrs_is_pg_uri(path);
  db->path = pg ? lrs_pg_redact(path) : strdup(path);
  if (!db->path) return lr__err(db, LR_NOMEM, "out of memory");
  int rc = pg ? lrs_pg_open(db, path, flags, busy_ms)
              : lrs_open(db, path, flags, busy_ms);
  if (rc != LR_OK) {
    lrs_pg_close(db);              /* keep the handle for lr_errmsg */
    lrs_close(db);
    return rc;
  }
  return lr__ok(db);
}

int lr_open(const char *path, lr_db **out) {
  return lr_open_v2(path, out, 0, -1);
}

int lr_close(lr_db *db) {
  if (!db) return LR_OK;
  if (db->live > 0)
    return lr__err(db, LR_MISUSE, "lr_close: %d policy, session or output "
                   "handle(s) still open on this database; free them first", db->live);
  if (db->txn > 0) {
    db->txn = 1;
    lrs_rollback(db);
  }
  lrs_pg_close(db);
  lrs_close(db);
  lrb_free(&db->err);
  free(db->path);
  free(db);
  return LR_OK;
}

const char *lr_errmsg(lr_db *db) {
  if (!db) return "no database handle (out of memory in lr_open, or a NULL "
                  "handle was passed)";
  if (db->rc == LR_OK) return "not an error";
  return db->err.n ? db->err.p : lr_errstr(db->rc);
}

int lr_errcode(lr_db *db) { return db ? db->rc : LR_NOMEM; }

int lr_busy_timeout(lr_db *db, int ms) {
  if (!lrs_is_open(db)) return LR_MISUSE;
  db->busy_ms = ms < 0 ? 0 : ms;
  if (db->pg) {
    char sql[48];                 /* 0 would wait for ever: 1 ms, as lrs_pg_open */
    snprintf(sql, sizeof sql, "SET lock_timeout = %d",
             db->busy_ms > 0 ? db->busy_ms : 1);
    return lrs_pg_exec(db, sql, "busy timeout") == LR_OK ? lr__ok(db)
                                                        : db->rc;
  }
  sqlite3_busy_timeout(db->sql, db->busy_ms);
  return lr__ok(db);
}

const char *lr_db_path(lr_db *db) { return db ? db->path : NULL; }

const char *lr_db_backend(lr_db *db) {
  return !db ? NULL : db->on_pg ? "postgresql" : "sqlite";
}
