/*
** export_io.c -- reading contacts for export, in id order, one row at a
** time (a cursor: memory does not grow with the table).
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_int.h"
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

static const char NCOLUMNS[] =
    "SELECT count(*) FROM pragma_table_info('contacts')";

int lrs_contacts_column_room(lr_db *db, int *room, int *limit) {
  sqlite3_stmt *st = lrs_cached(db, NCOLUMNS);
  if (!st) return db->rc;
  int src = sqlite3_step(st);
  int have = src == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return lrs_sqlerr(db, src, "contacts columns");
  *limit = sqlite3_limit(db->sql, SQLITE_LIMIT_COLUMN, -1);
  *room = *limit - have;
  return LR_OK;
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

int lrs_export_next(lrs_cursor *c, lrs_value *vals) {
  int src = sqlite3_step(c->st);
  if (src == SQLITE_DONE) return 0;
  if (src != SQLITE_ROW) return -lrs_sqlerr(c->db, src, "export");
  for (int i = 0; i < c->n; i++)
    if (lrs__column(c->st, i, &vals[i]) != LR_OK)
      return -lr__err(c->db, LR_NOMEM, "out of memory");
  return 1;
}

void lrs_export_close(lrs_cursor *c) {
  if (!c) return;
  sqlite3_finalize(c->st);
  free(c);
}

static const char STAGES[] =
    "SELECT stage, count(*) FROM contacts WHERE stage IS NOT NULL "
    "GROUP BY stage ORDER BY stage";
static const char SEGMENTS[] =
    "SELECT segment, count(*) FROM segment_members GROUP BY segment "
    "ORDER BY segment";

int lrs_export_empty_note(lr_db *db, int segment, const char *name,
                          lr_buf *note) {
  sqlite3_stmt *st = lrs_cached(db, segment ? SEGMENTS : STAGES);
  if (!st) return db->rc;
  lr_buf list = LR_BUF_INIT;
  char *icase = NULL;                      /* the name in another case */
  int found = 0, n = 0, src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *g = (const char *)sqlite3_column_text(st, 0);
    if (!g) continue;
    if (strcmp(g, name) == 0) found = 1;
    if (!icase && strcasecmp(g, name) == 0) icase = strdup(g);
    lrb_printf(&list, "%s%s %lld", n++ ? ", " : "", g,
               (long long)sqlite3_column_int64(st, 1));
  }
  sqlite3_reset(st);
  int rc = src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "export");
  const char *what = segment ? "segment" : "stage";
  if (rc == LR_OK && !found) {
    lrb_printf(note, "%sno contact is in %s '%s'%s (", note->n ? "; " : "",
               what, name, segment ? " as of the last run" : "");
    if (n)
      lrb_printf(note, "the %ss with contacts: %s", what, lrb_str(&list));
    else
      lrb_printf(note, "no contact is in any %s yet: run a policy first",
                 what);
    if (icase)
      lrb_printf(note, "; names are case-sensitive: did you mean '%s'?",
                 icase);
    lrb_adds(note, ")");
  }
  free(icase);
  lrb_free(&list);
  return rc;
}
