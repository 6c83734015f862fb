/*
** export_io.c -- reading contacts for export, in id order, one row at a
** time (a cursor: memory does not grow with the table).
*/
#include <stdlib.h>

#include "contacts_io.h"

struct lrs_cursor {
  lr_db *db;
  sqlite3_stmt *st;
  int n;
};

static const char HAS_COLUMN[] =
    "SELECT 1 FROM pragma_table_info('contacts') WHERE name=?1";

int lrs_contacts_has_column(lr_db *db, const char *name) {
  sqlite3_stmt *st = lrs_cached(db, HAS_COLUMN);
  if (!st) return 0;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  int found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  return found;
}

int lrs_export_open(lr_db *db, const char *const *cols, int n,
                    const char *stage, const char *segment, lrs_cursor **out) {
  *out = NULL;
  lrs_cursor *c = calloc(1, sizeof *c);
  if (!c) return lr__err(db, LR_NOMEM, "out of memory");
  c->db = db;
  c->n = n;
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "SELECT ");
  for (int i = 0; i < n; i++) {
    if (i) lrb_adds(&sql, ", ");
    lrs_quote_ident(&sql, cols[i]);
  }
  lrb_adds(&sql, " FROM contacts WHERE 1");
  if (stage) lrb_adds(&sql, " AND stage=?1");
  if (segment)
    lrb_adds(&sql, " AND id IN (SELECT contact_id FROM segment_members "
                   "WHERE segment=?2)");
  lrb_adds(&sql, " ORDER BY id");
  if (sql.oom) {
    lrb_free(&sql);
    free(c);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  int src = sqlite3_prepare_v2(db->sql, sql.p, (int)sql.n, &c->st, NULL);
  lrb_free(&sql);
  if (src != SQLITE_OK) {
    free(c);
    return lrs_sqlerr(db, src, "export");
  }
  if (stage) sqlite3_bind_text(c->st, 1, stage, -1, SQLITE_TRANSIENT);
  if (segment) sqlite3_bind_text(c->st, 2, segment, -1, SQLITE_TRANSIENT);
  *out = c;
  return LR_OK;
}

int lrs_export_next(lrs_cursor *c, lrs_val *vals) {
  int src = sqlite3_step(c->st);
  if (src == SQLITE_DONE) return 0;
  if (src != SQLITE_ROW) return -lrs_sqlerr(c->db, src, "export");
  for (int i = 0; i < c->n; i++) {
    lrs_val *v = &vals[i];
    switch (sqlite3_column_type(c->st, i)) {
      case SQLITE_INTEGER:
        v->type = LRS_V_INT;
        v->i = sqlite3_column_int64(c->st, i);
        break;
      case SQLITE_FLOAT:
        v->type = LRS_V_REAL;
        v->d = sqlite3_column_double(c->st, i);
        break;
      case SQLITE_NULL:
        v->type = LRS_V_NULL;
        break;
      default:   /* text and blobs: their bytes */
        v->type = LRS_V_TEXT;
        v->s = (const char *)sqlite3_column_blob(c->st, i);
        v->n = (size_t)sqlite3_column_bytes(c->st, i);
        if (!v->s) v->s = "";
    }
  }
  return 1;
}

void lrs_export_close(lrs_cursor *c) {
  if (!c) return;
  sqlite3_finalize(c->st);
  free(c);
}
