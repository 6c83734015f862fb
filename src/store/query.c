/*
** query.c -- read-only SQL for the developer tools.
*/
#include "query.h"

#include "db_int.h"
#include "pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/buf.h"
#include "counts.h"

struct lrs_rows {
  lrs_snap *snap;
  struct lrs_pg_rows *pg;        /* PostgreSQL: pg_rows.c's cursor */
  sqlite3_stmt *st;
  int ncols;
  lrs_value *vals;
  int user;                      /* the user's SQL: step it under the guard */
  char why[512];                 /* why the last step failed */
};

/* A cursor over PostgreSQL's pg (taken; NULL: rc says why). */
static int rows_pg(lrs_snap *snap, struct lrs_pg_rows *pg, int rc,
                   lrs_rows **out) {
  if (rc != LR_OK) return rc;
  lrs_rows *r = calloc(1, sizeof *r);
  if (!r) {
    lrs_pg_rows_close(pg);
    return LR_NOMEM;
  }
  r->snap = snap;
  r->pg = pg;
  *out = r;
  return LR_OK;
}

/* A cursor over st (taken, finalized on error). */
static int rows_new(lrs_snap *snap, sqlite3_stmt *st, lrs_rows **out) {
  lrs_rows *r = calloc(1, sizeof *r);
  int ncols = sqlite3_column_count(st);
  lrs_value *vals = calloc((size_t)ncols + 1, sizeof *vals);
  if (!r || !vals) {
    free(r);
    free(vals);
    sqlite3_finalize(st);
    return lrs__snap_rc(snap, SQLITE_NOMEM);
  }
  r->snap = snap;
  r->st = st;
  r->ncols = ncols;
  r->vals = vals;
  *out = r;
  return LR_OK;
}

/* The first word of sql, past blanks and comments ("" for none): what a
** statement does, the same word on either store. */
static size_t first_word(const char *sql, const char **w) {
  const char *p = sql;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (p[0] == '-' && p[1] == '-') p += strcspn(p, "\n");
    else if (p[0] == '/' && p[1] == '*') {
      const char *e = strstr(p + 2, "*/");
      p = e ? e + 2 : p + strlen(p);
    } else break;
  }
  size_t n = 0;
  while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z')) n++;
  *w = p;
  return n;
}

/* A statement that is no read (DELETE, UPDATE, PRAGMA, ...) is refused in
** the same words on both stores, before either sees it: SQLite's
** authorizer said "not authorized", PostgreSQL a syntax error. */
static int not_a_read(const char *sql, char *err, size_t errlen) {
  const char *w;
  size_t n = first_word(sql, &w);
  if (!n) return 0;
  static const char *const READS[] = { "select", "with", "values" };
  for (size_t i = 0; i < sizeof READS / sizeof *READS; i++)
    if (n == strlen(READS[i]) && strncasecmp(w, READS[i], n) == 0) return 0;
  snprintf(err, errlen, "query: %.*s is not a read: give one SELECT "
           "statement (query() reads contacts, activities and outcomes "
           "only)", n > 20 ? 20 : (int)n, w);
  return 1;
}

int lrs_query_open(lrs_snap *snap, const char *sql, lrs_rows **out,
                   char *err, size_t errlen) {
  *out = NULL;
  if (not_a_read(sql, err, errlen)) return LR_POLICY;
  if (snap->pg) {
    struct lrs_pg_rows *pg = NULL;
    int rc = lrs_pg_rows_query(snap, sql, &pg, err, errlen);
    return rows_pg(snap, pg, rc, out);
  }
  sqlite3 *conn = snap->conn;
  sqlite3_stmt *st = NULL;
  /* The statement becomes a subquery, so the authorizer of segment SQL
  ** applies unchanged and a second statement after it cannot hide. */
  size_t n = strlen(sql);
  while (n > 0 && (sql[n - 1] == ';' || sql[n - 1] == ' ' ||
                   sql[n - 1] == '\n' || sql[n - 1] == '\t' ||
                   sql[n - 1] == '\r'))
    n--;
  lr_buf body = LR_BUF_INIT;
  lrb_add(&body, sql, n);
  if (body.oom) return lrs__snap_rc(snap, SQLITE_NOMEM);
  char why[512] = "", table[128];
  int rc = lrs_prepare_user_t(conn, "SELECT * FROM ", lrb_str(&body), "", &st,
                              why, sizeof why, table, sizeof table);
  lrb_free(&body);
  if (rc != SQLITE_OK) {
    /* Say it in terms of a query, not of a segment; a refusal is the
    ** user's error (LR_POLICY), in PostgreSQL's words (pg_usersql.c). */
    const char *m = why;
    if (strncmp(m, "segment SQL does not prepare: ", 30) == 0) m += 30;
    if (rc == SQLITE_AUTH && table[0])
      snprintf(err, errlen, "query: it reads the table %s (query() reads "
               "contacts, activities and outcomes only)", table);
    else if (rc == SQLITE_AUTH)
      snprintf(err, errlen, "query: only reads of contacts, activities and "
               "outcomes are allowed (%s)", sqlite3_errmsg(conn));
    else if (strstr(m, "one expression"))
      snprintf(err, errlen, "query: give one SELECT statement");
    else
      snprintf(err, errlen, "query: %s", m);
    rc = lrs__snap_rc(snap, rc);
    return (snap->src & 0xff) == SQLITE_AUTH ? LR_POLICY : rc;
  }
  rc = rows_new(snap, st, out);
  if (rc == LR_OK) (*out)->user = 1;
  return rc;
}

int lrs_contact_row_open(lrs_snap *snap, long long id, lrs_rows **out) {
  *out = NULL;
  if (snap->pg) {
    struct lrs_pg_rows *pg = NULL;
    return rows_pg(snap, pg, lrs_pg_rows_contact(snap, id, 0, &pg), out);
  }
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(snap->conn, "SELECT * FROM contacts WHERE id = ?1",
                              -1, &st, NULL);
  if (rc != SQLITE_OK) return lrs__snap_rc(snap, rc);
  sqlite3_bind_int64(st, 1, id);
  return rows_new(snap, st, out);
}

struct lrs_row_cache {
  lrs_snap *snap;
  struct lrs_pg_rowcache *pg;
};

lrs_row_cache *lrs_row_cache_new(lrs_snap *snap) {
  lrs_row_cache *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->snap = snap;
  if (snap && snap->pg && lrs_pg_rowcache_new(snap, &c->pg) != LR_OK) {
    free(c);
    return NULL;
  }
  return c;
}

int lrs_row_cache_open(lrs_row_cache *c, long long id, lrs_rows **out) {
  *out = NULL;
  if (!c->pg) return lrs_contact_row_open(c->snap, id, out);
  lrs_rows *r = calloc(1, sizeof *r);
  if (!r) return lrs__snap_rc(c->snap, SQLITE_NOMEM);
  r->snap = c->snap;
  int rc = lrs_pg_rowcache_row(c->pg, id, &r->pg);
  if (rc == LR_OK) *out = r;
  else free(r);
  return rc;
}

void lrs_row_cache_free(lrs_row_cache *c) {
  if (!c) return;
  lrs_pg_rowcache_free(c->pg);
  free(c);
}

int lrs_contact_acts_open(lrs_snap *snap, long long id, lrs_rows **out) {
  *out = NULL;
  if (snap->pg) {
    struct lrs_pg_rows *pg = NULL;
    return rows_pg(snap, pg, lrs_pg_rows_contact(snap, id, 1, &pg), out);
  }
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(snap->conn, "SELECT type, occurred_at AS at, "
                              "value, campaign FROM activities WHERE "
                              "contact_id = ?1 ORDER BY occurred_at, id", -1,
                              &st, NULL);
  if (rc != SQLITE_OK) return lrs__snap_rc(snap, rc);
  sqlite3_bind_int64(st, 1, id);
  return rows_new(snap, st, out);
}

int lrs_rows_params(lrs_rows *r) {
  return r->pg ? lrs_pg_rows_params(r->pg)
               : sqlite3_bind_parameter_count(r->st);
}

void lrs_rows_bind(lrs_rows *r, int i, const lrs_value *v) {
  if (r->pg) lrs_pg_rows_bind(r->pg, i, v);
  else lrs__bind(r->st, i, v);
}

int lrs_rows_columns(lrs_rows *r) {
  return r->pg ? lrs_pg_rows_columns(r->pg) : r->ncols;
}

const char *lrs_rows_name(lrs_rows *r, int i) {
  return r->pg ? lrs_pg_rows_name(r->pg, i) : sqlite3_column_name(r->st, i);
}

int lrs_rows_next(lrs_rows *r, const lrs_value **row) {
  if (r->pg) return lrs_pg_rows_next(r->pg, row);
  if (r->user) lrs__user_enter(r->snap, LRS_USER_QUERY);
  int src = sqlite3_step(r->st);
  if (r->user) lrs__user_leave(r->snap);
  if (src == SQLITE_DONE) return 0;
  if (src != SQLITE_ROW) {
    lrs_user_sqlerr(r->snap, src, "query", r->why, sizeof r->why);
    return -lrs__snap_rc(r->snap, src);
  }
  for (int i = 0; i < r->ncols; i++)
    if (lrs__column(r->st, i, &r->vals[i]) != LR_OK)
      return -lrs__snap_rc(r->snap, SQLITE_NOMEM);
  *row = r->vals;
  return 1;
}

const char *lrs_rows_errmsg(lrs_rows *r) {
  return r->pg ? lrs_pg_rows_errmsg(r->pg) : r->why;
}

void lrs_rows_close(lrs_rows *r) {
  if (!r) return;
  lrs_pg_rows_close(r->pg);
  sqlite3_finalize(r->st);
  free(r->vals);
  free(r);
}

char **lrs_contact_columns(lrs_snap *snap, int *n) {
  *n = 0;
  if (!snap) return NULL;
  if (snap->pg) return lrs_pg_contact_columns(snap, n);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(snap->conn, "SELECT * FROM contacts LIMIT 0", -1, &st,
                         NULL) != SQLITE_OK)
    return NULL;
  int cols = sqlite3_column_count(st);
  size_t bytes = (size_t)(cols + 1) * sizeof(char *);
  for (int i = 0; i < cols; i++)
    bytes += strlen(sqlite3_column_name(st, i)) + 1;
  char **v = malloc(bytes);
  if (v) {
    char *p = (char *)(v + cols + 1);
    for (int i = 0; i < cols; i++) {
      const char *name = sqlite3_column_name(st, i);
      size_t len = strlen(name) + 1;
      memcpy(p, name, len);
      v[i] = p;
      p += len;
    }
    v[cols] = NULL;
    *n = cols;
  }
  sqlite3_finalize(st);
  return v;
}

int lrs_stage_counts(lrs_snap *snap,
                     void (*fn)(void *ctx, const char *stage, long long n),
                     void *ctx) {
  if (snap->pg) return lrs_pg_stage_counts(snap, fn, ctx);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(snap->conn, "SELECT coalesce(stage, ''), "
                              "count(*) FROM contacts GROUP BY 1", -1, &st,
                              NULL);
  if (rc != SQLITE_OK) return lrs__snap_rc(snap, rc);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    fn(ctx, (const char *)sqlite3_column_text(st, 0),
       sqlite3_column_int64(st, 1));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? LR_OK : lrs__snap_rc(snap, rc);
}
