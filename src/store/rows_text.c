/*
** rows_text.c -- lrs_rows_text: run one read-only query on either backend
** and hand each row to a callback as text, for the few readers (info)
** whose SQL is the same on SQLite and PostgreSQL.
*/
#include <stdlib.h>

#include "db_int.h"
#include "pg_int.h"

static int on_pg(lr_db *db, const char *sql, lrs_text_fn fn, void *ctx,
                 const char *what) {
  PGresult *res;
  int rc = lrs_pg_query(db, sql, 0, NULL, &res, what);
  if (rc != LR_OK) return rc;
  int n = PQnfields(res);
  const char **v = calloc((size_t)n + 1, sizeof *v);
  if (!v) rc = lr__err(db, LR_NOMEM, "out of memory");
  for (int r = 0; rc == LR_OK && r < PQntuples(res); r++) {
    for (int i = 0; i < n; i++)
      v[i] = PQgetisnull(res, r, i) ? NULL : PQgetvalue(res, r, i);
    rc = fn(ctx, n, v);
  }
  free(v);
  PQclear(res);
  return rc;
}

int lrs_rows_text(lr_db *db, const char *sql, lrs_text_fn fn, void *ctx,
                  const char *what) {
  if (db->pg) return on_pg(db, sql, fn, ctx, what);
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, what);
  int n = sqlite3_column_count(st), rc = LR_OK;
  const char **v = calloc((size_t)n + 1, sizeof *v);
  if (!v) rc = lr__err(db, LR_NOMEM, "out of memory");
  while (rc == LR_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
    for (int i = 0; i < n; i++)
      v[i] = (const char *)sqlite3_column_text(st, i);
    rc = fn(ctx, n, v);
  }
  free(v);
  sqlite3_finalize(st);
  if (rc == LR_OK && src != SQLITE_DONE) rc = lrs_sqlerr(db, src, what);
  return rc;
}
