/*
** pg_rows.c -- one contact's row on PostgreSQL, as SQLite's `SELECT *
** FROM contacts WHERE id = ?` gives it (query.h's lrs_contact_row_open):
** the real columns and every imported field, named and typed as on
** SQLite (pg_scan_cols.c reads them, lrs_pg_decode types them).  An
** account's contacts read their stored fields through it (account:count
** { where = ... }, account:contacts()).  A cache (lrs_row_cache) reads
** the rows of a contact's whole account at once: one round trip per
** account, not two per contact (20,000 contacts in 2,228 accounts:
** measured in docs/postgresql.md).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

struct lrs_pg_rows {
  PGresult *res;
  int row, end, n;                 /* rows [row, end) of res */
  char **names;
  int *kinds;
  lrs_value *vals;
  int borrowed;                    /* res, names, kinds: the cache's */
};

static void free_cols(char **names, int *kinds, int n) {
  for (int i = 0; names && i < n; i++) free(names[i]);
  free(names);
  free(kinds);
}

void lrs_pg_rows_close(struct lrs_pg_rows *r) {
  if (!r) return;
  if (!r->borrowed) {
    PQclear(r->res);
    free_cols(r->names, r->kinds, r->n);
  }
  free(r->vals);
  free(r);
}

static int oom(lrs_snap *s) {
  lrb_reset(&s->pgerr);
  lrb_adds(&s->pgerr, "out of memory");
  return s->src = LR_NOMEM;
}

int lrs_pg_contact_row(lrs_snap *s, long long id, struct lrs_pg_rows **out) {
  *out = NULL;
  struct lrs_pg_rows *r = calloc(1, sizeof *r);
  if (!r) {
    lrb_reset(&s->pgerr);
    lrb_adds(&s->pgerr, "out of memory");
    return s->src = LR_NOMEM;
  }
  lr_buf select = LR_BUF_INIT, view = LR_BUF_INIT, sql = LR_BUF_INIT;
  int rc = lrs_pg_scan_cols(s, &r->names, &r->kinds, &r->n, &select, &view);
  if (rc == LR_OK) {
    lrb_printf(&sql, "SELECT %s FROM contacts WHERE id = %lld",
               lrb_str(&select), id);
    r->vals = calloc((size_t)r->n + 1, sizeof *r->vals);
    if (sql.oom || !r->vals) {
      lrb_reset(&s->pgerr);
      lrb_adds(&s->pgerr, "out of memory");
      rc = s->src = LR_NOMEM;
    }
  }
  if (rc == LR_OK) rc = lrs_pg_snap_query(s, lrb_str(&sql), 0, NULL, &r->res);
  if (rc == LR_OK) r->end = PQntuples(r->res);
  lrb_free(&select);
  lrb_free(&view);
  lrb_free(&sql);
  if (rc != LR_OK) {
    lrs_pg_rows_close(r);
    return rc;
  }
  *out = r;
  return LR_OK;
}

int lrs_pg_rows_columns(const struct lrs_pg_rows *r) { return r->n; }

const char *lrs_pg_rows_name(const struct lrs_pg_rows *r, int i) {
  return r->names[i];
}

int lrs_pg_rows_next(struct lrs_pg_rows *r, const lrs_value **row) {
  if (r->row >= r->end) return 0;
  for (int i = 0; i < r->n; i++) {
    lrs_value *v = &r->vals[i];
    memset(v, 0, sizeof *v);
    if (PQgetisnull(r->res, r->row, 2 * i + 1)) continue;    /* LRS_NULL */
    lrs_pg_decode(v, r->kinds[i], PQgetvalue(r->res, r->row, 2 * i),
                  PQgetvalue(r->res, r->row, 2 * i + 1));
  }
  r->row++;
  *row = r->vals;
  return 1;
}

/* The cache: the rows of the account of the contact last asked for, in
** id order, its id the last column. */
struct lrs_pg_rowcache {
  lrs_snap *s;
  char **names;
  int *kinds, n;
  lr_buf select;
  PGresult *res;
};

void lrs_pg_rowcache_free(struct lrs_pg_rowcache *c) {
  if (!c) return;
  free_cols(c->names, c->kinds, c->n);
  lrb_free(&c->select);
  PQclear(c->res);
  free(c);
}

/* Row of contact id in the cached result, or -1. */
static int find(const struct lrs_pg_rowcache *c, long long id) {
  int lo = 0, hi = c->res ? PQntuples(c->res) - 1 : -1, last = 2 * c->n;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    long long x = atoll(PQgetvalue(c->res, mid, last));
    if (x == id) return mid;
    if (x < id) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

static int fetch(struct lrs_pg_rowcache *c, long long id) {
  lrs_snap *s = c->s;
  if (!c->names) {
    lr_buf view = LR_BUF_INIT;
    int rc = lrs_pg_scan_cols(s, &c->names, &c->kinds, &c->n, &c->select,
                              &view);
    lrb_free(&view);
    if (rc != LR_OK) return rc;
  }
  lr_buf sql = LR_BUF_INIT;
  lrb_printf(&sql, "SELECT %s, c.id FROM contacts c WHERE c.id = %lld OR "
             "c.account_key = (SELECT account_key FROM contacts WHERE id = "
             "%lld) ORDER BY c.id", lrb_str(&c->select), id, id);
  if (sql.oom || c->select.oom) {
    lrb_free(&sql);
    return oom(s);
  }
  PQclear(c->res);
  c->res = NULL;
  int rc = lrs_pg_snap_query(s, lrb_str(&sql), 0, NULL, &c->res);
  lrb_free(&sql);
  return rc;
}

int lrs_pg_rowcache_new(lrs_snap *s, struct lrs_pg_rowcache **out) {
  *out = calloc(1, sizeof **out);
  if (!*out) return oom(s);
  (*out)->s = s;
  return LR_OK;
}

int lrs_pg_rowcache_row(struct lrs_pg_rowcache *c, long long id,
                        struct lrs_pg_rows **out) {
  *out = NULL;
  int at = find(c, id);
  if (at < 0) {
    int rc = fetch(c, id);
    if (rc != LR_OK) return rc;
    at = find(c, id);
  }
  struct lrs_pg_rows *r = calloc(1, sizeof *r);
  lrs_value *vals = calloc((size_t)c->n + 1, sizeof *vals);
  if (!r || !vals) {
    free(r);
    free(vals);
    return oom(c->s);
  }
  r->res = c->res;
  r->row = at < 0 ? 0 : at;
  r->end = at < 0 ? 0 : at + 1;               /* no such contact: no row */
  r->n = c->n;
  r->names = c->names;
  r->kinds = c->kinds;
  r->vals = vals;
  r->borrowed = 1;
  *out = r;
  return LR_OK;
}
