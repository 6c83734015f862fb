/*
** value.c -- the one place where an SQLite column becomes an lrs_value and
** an lrs_value becomes a bound parameter.
*/
#include "db_int.h"
#include "store.h"

int lrs__column(sqlite3_stmt *st, int i, lrs_value *v) {
  v->i = 0;
  v->r = 0;
  v->s = NULL;
  v->n = 0;
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
      v->type = LRS_INT;
      v->i = sqlite3_column_int64(st, i);
      v->r = (double)v->i;
      return LR_OK;
    case SQLITE_FLOAT:
      v->type = LRS_FLOAT;
      v->r = sqlite3_column_double(st, i);
      return LR_OK;
    case SQLITE_NULL:
      v->type = LRS_NULL;
      return LR_OK;
    default:                  /* text, and blobs as their bytes */
      v->type = LRS_STR;
      v->s = (const char *)sqlite3_column_text(st, i);
      v->n = (size_t)sqlite3_column_bytes(st, i);
      if (v->s) return LR_OK;
      if (sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM) {
        v->type = LRS_NULL;
        v->n = 0;
        return LR_NOMEM;
      }
      v->s = "";              /* an empty blob */
      v->n = 0;
      return LR_OK;
  }
}

void lrs__bind(sqlite3_stmt *st, int i, const lrs_value *v) {
  if (!v || v->type == LRS_NULL) sqlite3_bind_null(st, i);
  else if (v->type == LRS_INT) sqlite3_bind_int64(st, i, v->i);
  else if (v->type == LRS_FLOAT) sqlite3_bind_double(st, i, v->r);
  else sqlite3_bind_text64(st, i, v->s, v->n, SQLITE_STATIC, SQLITE_UTF8);
}
