/*
** export_io.c -- reading contacts for export, in id order, one row at a
** time (a cursor: memory does not grow with the table).
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_int.h"
#include "contacts_io.h"
#include "empty_note.h"
#include "pg_int.h"

struct lrs_cursor {
  lr_db *db;
  struct lrs_pg_cursor *pg;   /* on PostgreSQL (pg_export.c) */
  sqlite3_stmt *st;
  int n;
};

static const char HAS_COLUMN[] =
    "SELECT 1 FROM pragma_table_info('contacts') WHERE name=?1";

int lrs_contacts_has_column(lr_db *db, const char *name) {
  if (db->pg) return lrs_pg_has_column(db, name);
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
  if (db->pg) return lrs_pg_column_room(db, room, limit);
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

/* An SQL string literal. */
static void quote_str(lr_buf *b, const char *s) {
  lrb_addc(b, '\'');
  for (; *s; s++) {
    if (*s == '\'') lrb_addc(b, '\'');
    lrb_addc(b, *s);
  }
  lrb_addc(b, '\'');
}

/* A column, or a grade: json_extract of grades with the name quoted as a
** JSON path key (a name with '.' or '"' stays one key). */
static void put_col(lr_buf *sql, const lrs_xcol *x) {
  if (!x->grade) {
    lrs_quote_ident(sql, x->name);
    return;
  }
  lr_buf path = LR_BUF_INIT;
  lrb_adds(&path, "$.");
  lrb_json_str(&path, x->name, strlen(x->name));
  lrb_adds(sql, "json_extract(CASE WHEN json_valid(grades) THEN grades END, ");
  quote_str(sql, lrb_str(&path));
  lrb_addc(sql, ')');
  if (path.oom) sql->oom = 1;
  lrb_free(&path);
}

int lrs_export_open(lr_db *db, const lrs_export_query *q, lrs_cursor **out) {
  *out = NULL;
  lrs_cursor *c = calloc(1, sizeof *c);
  if (!c) return lr__err(db, LR_NOMEM, "out of memory");
  c->db = db;
  c->n = q->n;
  if (db->pg) {
    int rc = lrs_pg_export_open(db, q, &c->pg);
    if (rc == LR_OK) *out = c;
    else lrs_export_close(c);
    return rc;
  }
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "SELECT ");
  for (int i = 0; i < q->n; i++) {
    if (i) lrb_adds(&sql, ", ");
    put_col(&sql, &q->cols[i]);
  }
  lrb_adds(&sql, " FROM contacts WHERE 1");
  if (q->stage) lrb_adds(&sql, " AND stage=?1");
  if (q->segment)
    lrb_adds(&sql, " AND id IN (SELECT contact_id FROM segment_members "
                   "WHERE segment=?2)");
  /* A sort of a big table spills to temporary files, not memory. */
  lrb_adds(&sql, " ORDER BY ");
  for (int i = 0; i < q->nsort; i++) {
    put_col(&sql, &q->sort[i]);
    lrb_adds(&sql, q->desc ? " DESC, " : ", ");
  }
  lrb_adds(&sql, "id");
  const char *stage = q->stage, *segment = q->segment;
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
  if (c->pg) return lrs_pg_export_next(c->pg, vals);
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
  lrs_pg_export_close(c->pg);
  sqlite3_finalize(c->st);
  free(c);
}

static const char GRADE_NAMES[] =
    "SELECT j.key FROM contacts c, json_each(c.grades) j "
    "WHERE c.grades IS NOT NULL AND json_valid(c.grades) "
    "GROUP BY j.key ORDER BY min(j.id), j.key";

void lrs_strings_free(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

int lrs_grade_names(lr_db *db, char ***names, int *n) {
  if (db->pg) return lrs_pg_grade_names(db, names, n);
  *names = NULL;
  *n = 0;
  sqlite3_stmt *st = lrs_cached(db, GRADE_NAMES);
  if (!st) return db->rc;
  char **v = calloc(1, sizeof *v);     /* NULL-terminated: room for it */
  int cap = 1, src = SQLITE_ROW;
  while (v && (src = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n + 2 > cap) {
      cap *= 2;
      char **w = realloc(v, (size_t)cap * sizeof *w);
      if (!w) break;
      v = w;
    }
    v[*n] = strdup((const char *)sqlite3_column_text(st, 0));
    if (!v[*n]) break;
    v[++*n] = NULL;
  }
  sqlite3_reset(st);
  if (!v || src == SQLITE_ROW) {
    lrs_strings_free(v);
    *n = 0;
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  if (src != SQLITE_DONE) {
    lrs_strings_free(v);
    *n = 0;
    return lrs_sqlerr(db, src, "grade names");
  }
  *names = v;
  return LR_OK;
}

static const char STAGES[] =
    "SELECT stage, count(*) FROM contacts WHERE stage IS NOT NULL "
    "GROUP BY stage ORDER BY stage";
static const char SEGMENTS[] =
    "SELECT segment, count(*) FROM segment_members GROUP BY segment "
    "ORDER BY segment";

int lrs_export_empty_note(lr_db *db, int segment, const char *name,
                          lr_buf *note) {
  if (db->pg) return lrs_pg_export_empty_note(db, segment, name, note);
  sqlite3_stmt *st = lrs_cached(db, segment ? SEGMENTS : STAGES);
  if (!st) return db->rc;
  lrs_empty_note e = {0};
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *g = (const char *)sqlite3_column_text(st, 0);
    if (g) lrs_empty_note_add(&e, name, g, sqlite3_column_int64(st, 1));
  }
  sqlite3_reset(st);
  int rc = src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "export");
  if (rc != LR_OK) e.found = 1;                 /* no note on an error */
  lrs_empty_note_end(&e, note, segment, name);
  return rc;
}
