/*
** pg_report.c -- lr_report's queries on PostgreSQL: the groups of a split,
** the clock, the declared stages and the outcomes, giving the rows the
** SQLite queries of report_sql.c give.  Text is ordered by bytes
** (COLLATE "C", NULL first) as SQLite's BINARY collation orders it; the
** sums of amounts are added here, in outcome id order, as SQLite's total()
** adds them, so that they come out the same to the last bit.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"
#include "pg_report.h"

static void v_int(lrs_value *v, long long i) {
  memset(v, 0, sizeof *v);
  v->type = LRS_INT;
  v->i = i;
  v->r = (double)i;
}

static void v_text(lrs_value *v, const char *s) {
  memset(v, 0, sizeof *v);
  v->type = s ? LRS_STR : LRS_NULL;
  v->s = s;
  v->n = s ? strlen(s) : 0;
}

/* Cell (i, c) of res as text, NULL for SQL NULL. */
static const char *cell(const PGresult *res, int i, int c) {
  return PQgetisnull(res, i, c) ? NULL : PQgetvalue(res, i, c);
}

int lrs_pg_report_kept(lr_db *db, const lrs_dim *dim, PGresult **out) {
  *out = NULL;
  if (!dim || !dim->keep) return LR_OK;
  const char *p[] = {dim->keep};
  return lrs_pg_query(db, "SELECT jsonb_array_elements_text($1::jsonb)", 1,
                      p, out, "report");
}

const char *lrs_pg_report_fold(const PGresult *keep, const char *d) {
  if (!keep || !d) return d;
  for (int i = 0; i < PQntuples(keep); i++)
    if (strcmp(PQgetvalue(keep, i, 0), d) == 0) return d;
  return "(other)";
}

/* ---- the groups ------------------------------------------------------------------ */

typedef struct vcount {
  char *d;
  long long n;
} vcount;

static int by_text(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_size(const void *a, const void *b) {
  const vcount *x = a, *y = b;
  if (x->n != y->n) return x->n > y->n ? -1 : 1;
  return strcmp(x->d, y->d);
}

/* Every value of the field, as text, folded; sorted to count them. */
static int field_values(lr_db *db, const lrs_dim *dim, char ***out,
                        long long *n, long long *nulls) {
  PGresult *keep;
  int rc = lrs_pg_report_kept(db, dim, &keep);
  struct lrs_pg_rstream *s = NULL;
  if (rc == LR_OK) rc = lrs_pg_report_stream(db, LRS_RS_VALUES, dim, &s);
  lrs_value v[LRS_RS_COLS];
  long long cap = 0;
  int got = 0;
  while (rc == LR_OK && (got = lrs_pg_report_stream_next(s, v)) > 0) {
    const char *d = lrs_pg_report_fold(keep, v[0].s);
    if (!d) {
      (*nulls)++;
      continue;
    }
    if (*n == cap) {
      cap = cap ? cap * 2 : 1024;
      char **x = realloc(*out, (size_t)cap * sizeof *x);
      if (!x) break;
      *out = x;
    }
    if (!((*out)[*n] = strdup(d))) break;
    (*n)++;
  }
  if (rc == LR_OK && got < 0) rc = -got;
  else if (rc == LR_OK && got > 0) rc = lr__err(db, LR_NOMEM, "out of memory");
  lrs_pg_report_stream_close(s);
  PQclear(keep);
  if (rc == LR_OK) qsort(*out, (size_t)*n, sizeof **out, by_text);
  return rc;
}

/* A field's groups: (d, contacts), largest first, then by d. */
static int field_groups(lr_db *db, const lrs_dim *dim, lrs_row_fn fn,
                        void *ctx) {
  char **all = NULL;
  long long n = 0, nulls = 0, m = 0;
  int rc = field_values(db, dim, &all, &n, &nulls);
  vcount *c = rc == LR_OK ? malloc((size_t)(n + 1) * sizeof *c) : NULL;
  if (rc == LR_OK && !c) rc = lr__err(db, LR_NOMEM, "out of memory");
  for (long long i = 0; c && i < n; i++) {
    if (m && strcmp(c[m - 1].d, all[i]) == 0) c[m - 1].n++;
    else c[m++] = (vcount){all[i], 1};
  }
  if (c) qsort(c, (size_t)m, sizeof *c, by_size);
  lrs_value v[2];
  if (rc == LR_OK && nulls) {
    v_text(&v[0], NULL);
    v_int(&v[1], nulls);
    if (fn(ctx, v, 2)) rc = LR_INTERRUPT;
  }
  for (long long i = 0; rc == LR_OK && i < m; i++) {
    v_text(&v[0], c[i].d);
    v_int(&v[1], c[i].n);
    if (fn(ctx, v, 2)) rc = LR_INTERRUPT;
  }
  for (long long i = 0; i < n; i++) free(all[i]);
  free(all);
  free(c);
  return rc;
}

int lrs_pg_report_groups(lr_db *db, const lrs_dim *dim, lrs_row_fn fn,
                         void *ctx) {
  if (dim->kind == LRS_DIM_FIELD) return field_groups(db, dim, fn, ctx);
  lr_buf b = LR_BUF_INIT;
  if (dim->kind == LRS_DIM_ALL) {
    lrb_adds(&b, "SELECT '(all)', count(*) FROM contacts HAVING count(*) > 0");
  } else {
    lrb_adds(&b, "SELECT d, count(*) FROM (SELECT CASE WHEN m.segment IS "
                 "NULL OR $1::jsonb IS NULL OR m.segment IN (SELECT "
                 "jsonb_array_elements_text($1::jsonb)) THEN m.segment ELSE "
                 "'(other)' END AS d FROM contacts c LEFT JOIN "
                 "segment_members m ON m.contact_id = c.id) s GROUP BY d "
                 "ORDER BY 2 DESC, d COLLATE \"C\" NULLS FIRST");
  }
  const char *p[] = {dim->keep};
  PGresult *res;
  int rc = b.oom ? lr__err(db, LR_NOMEM, "out of memory")
                 : lrs_pg_query(db, b.p, dim->kind == LRS_DIM_ALL ? 0 : 1, p,
                                &res, "report");
  lrb_free(&b);
  if (rc != LR_OK) return rc;
  lrs_value v[2];
  for (int i = 0; i < PQntuples(res) && rc == LR_OK; i++) {
    v_text(&v[0], cell(res, i, 0));
    v_int(&v[1], atoll(PQgetvalue(res, i, 1)));
    if (fn(ctx, v, 2)) rc = LR_INTERRUPT;
  }
  PQclear(res);
  return rc;
}

/* ---- the clock and the declared stages -------------------------------------------- */

int lrs_pg_report_clock(lr_db *db, long long *now, long long *run_id) {
  *now = *run_id = 0;
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT id, now FROM runs WHERE kind = 'run' AND "
                        "dry_run = 0 ORDER BY id DESC LIMIT 1", 0, NULL, &res,
                        "report");
  if (rc != LR_OK) return rc;
  if (PQntuples(res)) {
    *run_id = atoll(PQgetvalue(res, 0, 0));
    *now = atoll(PQgetvalue(res, 0, 1));
  }
  PQclear(res);
  return LR_OK;
}

/* runs.stages is {"funnel": [...], "side": [...]} (the engine writes it). */
int lrs_pg_report_run_stages(lr_db *db, lrs_row_fn fn, void *ctx) {
  static const char sql[] =
    "WITH r AS (SELECT stages::jsonb AS s FROM runs WHERE kind = 'run' AND "
    "dry_run = 0 AND left(stages, 1) = '{' ORDER BY id DESC LIMIT 1), "
    "a AS (SELECT CASE WHEN jsonb_typeof(s->'funnel') = 'array' THEN "
    "s->'funnel' ELSE '[]' END AS f, CASE WHEN jsonb_typeof(s->'side') = "
    "'array' THEN s->'side' ELSE '[]' END AS d FROM r) "
    "SELECT v #>> '{}', f FROM (SELECT j.v, 1 AS f, j.k FROM a, "
    "jsonb_array_elements(a.f) WITH ORDINALITY j(v, k) UNION ALL "
    "SELECT j.v, 0, j.k FROM a, jsonb_array_elements(a.d) WITH ORDINALITY "
    "j(v, k)) e WHERE jsonb_typeof(v) = 'string' ORDER BY f DESC, k";
  PGresult *res;
  int rc = lrs_pg_query(db, sql, 0, NULL, &res, "report");
  if (rc != LR_OK) return rc;
  lrs_value v[2];
  for (int i = 0; i < PQntuples(res) && rc == LR_OK; i++) {
    v_text(&v[0], PQgetvalue(res, i, 0));
    v_int(&v[1], atoll(PQgetvalue(res, i, 1)));
    if (fn(ctx, v, 2)) rc = LR_INTERRUPT;
  }
  PQclear(res);
  return rc;
}
