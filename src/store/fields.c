/*
** fields.c -- the column registry of the contacts table.
*/
#include "db_int.h"
#include "pg_int.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const TYPE_NAMES[] = { "text", "integer", "real" };

static int type_of(const char *s) {
  if (s && strcmp(s, "integer") == 0) return LRS_INTEGER;
  if (s && strcmp(s, "real") == 0) return LRS_REAL;
  return LRS_TEXT;
}


int lrs_fields_load(lr_db *db, lrs_fields *out) {
  if (db->pg) return lrs_pg_fields_load(db, out);
  int src = lrs_fields_read(db->sql, out);
  if (src == SQLITE_OK) return LR_OK;
  return src == SQLITE_NOMEM ? lr__err(db, LR_NOMEM, "out of memory")
                             : lrs_sqlerr(db, src, "fields");
}

int lrs_fields_read(sqlite3 *conn, lrs_fields *out) {
  out->v = NULL;
  out->n = 0;
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(conn,
      "SELECT f.name, f.header, f.type, f.builtin, f.import_seq IS NOT NULL "
      "FROM pragma_table_info('contacts') AS c JOIN fields AS f "
      "ON f.name = c.name ORDER BY c.cid", -1, &st, NULL);
  if (src != SQLITE_OK) return src;
  int cap = 0;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    if (out->n == cap) {
      cap = cap ? cap * 2 : 32;
      lrs_field *v = realloc(out->v, (size_t)cap * sizeof *v);
      if (!v) { src = SQLITE_NOMEM; break; }
      out->v = v;
    }
    lrs_field *f = &out->v[out->n++];
    f->name = strdup((const char *)sqlite3_column_text(st, 0));
    f->header = strdup((const char *)sqlite3_column_text(st, 1));
    f->type = type_of((const char *)sqlite3_column_text(st, 2));
    f->builtin = sqlite3_column_int(st, 3);
    f->imported = sqlite3_column_int(st, 4);
    if (!f->name || !f->header) { src = SQLITE_NOMEM; break; }
  }
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) {
    lrs_fields_free(out);
    return src;
  }
  return SQLITE_OK;
}

void lrs_fields_free(lrs_fields *f) {
  for (int i = 0; i < f->n; i++) {
    free(f->v[i].name);
    free(f->v[i].header);
  }
  free(f->v);
  f->v = NULL;
  f->n = 0;
}

const lrs_field *lrs_fields_find(const lrs_fields *f, const char *name) {
  for (int i = 0; i < f->n; i++)
    if (strcmp(f->v[i].name, name) == 0) return &f->v[i];
  return NULL;
}

const lrs_field *lrs_fields_resolve(const lrs_fields *f, const char *name) {
  const lrs_field *hit = lrs_fields_find(f, name);
  for (int i = 0; i < f->n && !hit; i++)
    if (strcmp(f->v[i].header, name) == 0) hit = &f->v[i];
  char a[LRS_NAME_FOLD], b[LRS_NAME_FOLD];
  if (!hit) lr_fold_name(name, a, sizeof a);
  for (int i = 0; i < f->n && !hit && *a; i++) {
    lr_fold_name(f->v[i].header, b, sizeof b);
    if (strcmp(a, b) == 0 || strcmp(a, f->v[i].name) == 0) hit = &f->v[i];
  }
  return hit;
}

int lrs_field_name(lr_db *db, const char *name, char *out, size_t n) {
  lrs_fields f;
  int rc = lrs_fields_load(db, &f);
  if (rc != LR_OK) return rc;
  const lrs_field *hit = lrs_fields_resolve(&f, name);
  snprintf(out, n, "%s", hit ? hit->name : name);
  lrs_fields_free(&f);
  return LR_OK;
}

int lrs_field_aliases(lr_db *db, char ***out, int *n) {
  *out = NULL;
  *n = 0;
  lrs_fields f;
  int rc = lrs_fields_load(db, &f);
  if (rc != LR_OK) return rc;
  char **v = calloc((size_t)f.n * 2 + 1, sizeof *v);
  if (!v) rc = lr__err(db, LR_NOMEM, "out of memory");
  for (int i = 0; i < f.n && rc == LR_OK; i++) {
    char a[LRS_NAME_FOLD];
    lr_fold_name(f.v[i].header, a, sizeof a);
    if (!*a || lrs_fields_resolve(&f, a) != &f.v[i] ||
        strcmp(a, f.v[i].name) == 0)
      continue;
    v[2 * *n] = strdup(a);
    v[2 * *n + 1] = strdup(f.v[i].name);
    if (!v[2 * *n] || !v[2 * *n + 1]) rc = lr__err(db, LR_NOMEM, "out of memory");
    (*n)++;
  }
  lrs_fields_free(&f);
  if (rc != LR_OK) {
    lrs_aliases_free(v, *n);
    *n = 0;
    return rc;
  }
  *out = v;
  return LR_OK;
}

void lrs_aliases_free(char **v, int n) {
  if (!v) return;
  for (int i = 0; i < 2 * n; i++) free(v[i]);
  free(v);
}

static const char FIELD_REG[] =
    "INSERT INTO fields(name,type,header,builtin) VALUES(?1,?2,?3,0)";

/* The column gets no declared type: BLOB affinity stores what the importer
** binds (an integer, a real, or text such as '02134') without conversion.
** The registry keeps the inferred type. */
int lrs_field_add(lr_db *db, const char *name, const char *header, int type) {
  if (db->pg) return lrs_pg_field_add(db, name, header, type);
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "ALTER TABLE contacts ADD COLUMN ");
  lrs_quote_ident(&sql, name);
  if (sql.oom) return lr__err(db, LR_NOMEM, "out of memory");
  int rc = lrs_exec(db, sql.p);
  lrb_free(&sql);
  if (rc != LR_OK) return rc;
  /* ALTER TABLE invalidates prepared statements on contacts. */
  lrs_uncache_all(db);
  sqlite3_stmt *st = lrs_cached(db, FIELD_REG);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, TYPE_NAMES[type], -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, header, -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "register field");
  return LR_OK;
}

static const char FIELD_TYPE[] = "UPDATE fields SET type=?2 WHERE name=?1";

int lrs_field_set_type(lr_db *db, const char *name, int type) {
  if (db->pg) return lrs_pg_field_set_type(db, name, TYPE_NAMES[type]);
  sqlite3_stmt *st = lrs_cached(db, FIELD_TYPE);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, TYPE_NAMES[type], -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "field type");
  return LR_OK;
}

/* The header is set by the first import only (import_seq still NULL):
** a later file whose header folds to the same field ("email" after
** "Email") must not rename the column that exports write back.  A
** builtin or script-made field registered under its own name thus takes
** the first real header an import brings, and keeps it. */
static const char FIELD_NOTE[] =
    "UPDATE fields SET "
    "header=CASE WHEN import_seq IS NULL THEN ?2 ELSE header END, "
    "import_seq=?3, "
    "type=CASE WHEN ?4 IS NULL THEN type ELSE ?4 END WHERE name=?1";

int lrs_field_note(lr_db *db, const char *name, const char *header, int type,
                   long long seq) {
  if (db->pg) return lrs_pg_field_note(db, name, header, type, seq);
  sqlite3_stmt *st = lrs_cached(db, FIELD_NOTE);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, header, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, seq);
  if (type >= 0) sqlite3_bind_text(st, 4, TYPE_NAMES[type], -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "field");
  return LR_OK;
}
