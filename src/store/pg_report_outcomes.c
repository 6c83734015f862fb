/*
** pg_report_outcomes.c -- the report's outcomes on PostgreSQL: won, lost,
** the sum of won amounts and their number, by group.  The rows are read
** in outcome id order and summed here one by one, as SQLite's total()
** sums them in its scan (report_sql.c), so that a sum of doubles is the
** same to the last bit on both stores (the server's sum() may add them in
** another order, in parallel).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"
#include "pg_report.h"

typedef struct ogroup {
  char *d;                         /* NULL: the contacts with no value */
  long long won, lost, n;
  double amount;
} ogroup;

typedef struct osum {
  ogroup *g;
  int n, cap, oom;
} osum;

static void add(osum *o, const char *d, int won, const char *amount) {
  int i = 0;
  while (i < o->n && !(d ? o->g[i].d && strcmp(o->g[i].d, d) == 0
                         : !o->g[i].d))
    i++;
  if (i == o->n) {
    if (o->n == o->cap) {
      int cap = o->cap ? o->cap * 2 : 8;
      ogroup *x = realloc(o->g, (size_t)cap * sizeof *x);
      if (!x) return (void)(o->oom = 1);
      o->g = x;
      o->cap = cap;
    }
    memset(&o->g[i], 0, sizeof o->g[i]);
    if (d && !(o->g[i].d = strdup(d))) return (void)(o->oom = 1);
    o->n++;
  }
  ogroup *g = &o->g[i];
  if (!won) {
    g->lost++;
    return;
  }
  g->won++;
  if (amount) {
    g->amount += strtod(amount, NULL);
    g->n++;
  }
}

static int by_d(const void *a, const void *b) {   /* NULL first, as GROUP BY */
  const ogroup *x = a, *y = b;
  if (!x->d || !y->d) return !!x->d - !!y->d;
  return strcmp(x->d, y->d);
}

/* The groups as rows (d, won, lost, amount, sales), then freed. */
static int emit(lr_db *db, osum *o, int rc, lrs_row_fn fn, void *ctx) {
  if (rc == LR_OK && o->oom) rc = lr__err(db, LR_NOMEM, "out of memory");
  if (rc == LR_OK && o->n) qsort(o->g, (size_t)o->n, sizeof *o->g, by_d);
  for (int i = 0; rc == LR_OK && i < o->n; i++) {
    lrs_value v[5];
    memset(v, 0, sizeof v);
    v[0].type = o->g[i].d ? LRS_STR : LRS_NULL;
    v[0].s = o->g[i].d;
    v[0].n = o->g[i].d ? strlen(o->g[i].d) : 0;
    long long x[] = {0, o->g[i].won, o->g[i].lost, 0, o->g[i].n};
    for (int c = 1; c < 5; c++) {
      v[c].type = LRS_INT;
      v[c].i = x[c];
      v[c].r = (double)x[c];
    }
    v[3].type = LRS_FLOAT;
    v[3].r = o->g[i].amount;
    if (fn(ctx, v, 5)) rc = LR_INTERRUPT;
  }
  for (int i = 0; i < o->n; i++) free(o->g[i].d);
  free(o->g);
  return rc;
}

/* The dimension's two columns (type, text) for the join with contacts. */
static void dim_cols(lr_buf *b, const lrs_dim *dim) {
  if (dim->kind == LRS_DIM_FIELD) lrs_pg_dim_cols(b, dim->field);
  else if (dim->kind == LRS_DIM_SEGMENT) lrb_adds(b, "NULL, m.segment");
  else lrb_adds(b, "NULL, '(all)'");
}

int lrs_pg_report_outcomes(lr_db *db, const lrs_dim *dim, long long since,
                           lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "SELECT ");
  dim_cols(&b, dim);
  lrb_adds(&b, ", o.result = 'won', o.amount FROM outcomes o JOIN "
               LRS_PG_CONTACTS " c ON c.id = o.contact_id");
  if (dim->kind == LRS_DIM_SEGMENT)
    lrb_adds(&b, " LEFT JOIN segment_members m ON m.contact_id = c.id");
  lrb_printf(&b, " WHERE o.closed_at >= %lld ORDER BY o.id", since);
  PGresult *keep;
  int rc = lrs_pg_report_kept(db, dim, &keep);
  lrs_pg_cur c;
  if (rc == LR_OK) rc = lrs_pg_cur_open(&c, db, "lr_report_out", &b);
  lrb_free(&b);
  if (rc != LR_OK) return rc;
  int kind = dim->kind == LRS_DIM_FIELD ? lrs_pg_dim_kind(dim->field)
                                        : LRS_TEXT;
  osum o = {NULL, 0, 0, 0};
  char num[32];
  int got;
  while ((got = lrs_pg_cur_next(&c)) > 0) {
    const char *d = lrs_pg_dim_text(kind, PQgetvalue(c.res, c.row, 0),
                                    PQgetvalue(c.res, c.row, 1),
                                    PQgetisnull(c.res, c.row, 1), num);
    add(&o, lrs_pg_report_fold(keep, d), PQgetvalue(c.res, c.row, 2)[0] == 't',
        PQgetisnull(c.res, c.row, 3) ? NULL : PQgetvalue(c.res, c.row, 3));
  }
  lrs_pg_cur_close(&c);
  PQclear(keep);
  return emit(db, &o, got < 0 ? -got : LR_OK, fn, ctx);
}

int lrs_pg_report_outcomes_by(lr_db *db, lrs_dim_fn dim, void *dctx,
                              const char *one, long long since,
                              lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  lrb_printf(&b, "SELECT contact_id, result = 'won', amount FROM outcomes "
                 "WHERE closed_at >= %lld ORDER BY id", since);
  lrs_pg_cur c;
  int rc = lrs_pg_cur_open(&c, db, "lr_report_out", &b);
  lrb_free(&b);
  if (rc != LR_OK) return rc;
  osum o = {NULL, 0, 0, 0};
  long long last = 0;
  int exists = 0, got;
  const char *d = dim(dctx, 0, &exists);
  while ((got = lrs_pg_cur_next(&c)) > 0) {
    long long id = atoll(PQgetvalue(c.res, c.row, 0));
    if (id != last) d = dim(dctx, last = id, &exists);
    if (!exists) continue;
    add(&o, one ? one : d, PQgetvalue(c.res, c.row, 1)[0] == 't',
        PQgetisnull(c.res, c.row, 2) ? NULL : PQgetvalue(c.res, c.row, 2));
  }
  lrs_pg_cur_close(&c);
  return emit(db, &o, got < 0 ? -got : LR_OK, fn, ctx);
}
