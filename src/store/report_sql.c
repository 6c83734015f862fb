/*
** report_sql.c -- the SQL of lr_report: the groups of a split, the clock,
** the outcomes (their sums of amounts in SQLite's order), and the streams
** the one pass merges (src/analysis/report_pass.c).  A query by group
** starts with the dimension as a common table expression, dim(contact_id,
** d), so that one statement serves the overall report and every split.
*/
#include "db_int.h"
#include "pg_int.h"
#include "pg_report.h"
#include "report_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lrs_report_begin(lr_db *db) {
  if (db->pg)                      /* one snapshot for all its reads */
    return db->txn || PQtransactionStatus(db->pg->conn) != PQTRANS_IDLE
               ? LR_OK
               : lrs_pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ "
                             "READ ONLY", "report");
  if (db->txn || !sqlite3_get_autocommit(db->sql)) return LR_OK;
  int src = sqlite3_exec(db->sql, "BEGIN", NULL, NULL, NULL);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "report");
  return LR_OK;
}

void lrs_report_end(lr_db *db) {
  if (db->pg) {
    if (!db->txn && PQtransactionStatus(db->pg->conn) == PQTRANS_INTRANS)
      PQclear(PQexec(db->pg->conn, "COMMIT"));
    return;
  }
  if (!db->txn && !sqlite3_get_autocommit(db->sql))
    sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
}

int lrs_report_field_check(lr_db *db, const char *name, char *out,
                           size_t n) {
  lrs_fields f;
  if (lrs_fields_load(db, &f) != LR_OK) return db->rc;
  const lrs_field *hit = lrs_fields_resolve(&f, name);
  int ok = hit && strlen(hit->name) < n;
  if (ok) strcpy(out, hit->name);
  lr_buf names = LR_BUF_INIT;
  for (int i = 0; i < f.n && !ok; i++)
    lrb_printf(&names, "%s%s", i ? ", " : "", f.v[i].name);
  int rc = ok ? LR_OK
              : lr__err(db, LR_INPUT, "report: no field '%s' to split by (use "
                        "segment or one of: %s)", name, lrb_str(&names));
  lrb_free(&names);
  lrs_fields_free(&f);
  return rc;
}

/* "WITH dim(contact_id, d) AS (...)" for the dimension. */
static void with_dim(lr_buf *b, const lrs_dim *dim) {
  lrb_adds(b, "WITH base(contact_id, d) AS (");
  switch (dim->kind) {
    case LRS_DIM_SEGMENT:
      lrb_adds(b, "SELECT c.id, m.segment FROM contacts c LEFT JOIN "
                  "segment_members m ON m.contact_id = c.id");
      break;
    case LRS_DIM_FIELD:
      lrb_adds(b, "SELECT id, CAST(");
      lrs_quote_ident(b, dim->field);
      lrb_adds(b, " AS TEXT) FROM contacts");
      break;
    default:
      lrb_adds(b, "SELECT id, '(all)' FROM contacts");
  }
  lrb_adds(b, "), dim(contact_id, d) AS (SELECT contact_id, CASE WHEN d IS "
              "NULL THEN NULL WHEN ?9 IS NULL OR d IN (SELECT value FROM "
              "json_each(?9)) THEN d ELSE '(other)' END FROM base) ");
}

/* Prepare `sql`, bind ?9 (kept groups) and ?1..?n (integers or texts), step every
** row into fn. */
typedef struct arg {
  int text;
  long long i;
  const char *s;
} arg;

static int run(lr_db *db, const lr_buf *sql, const lrs_dim *dim,
               const arg *args, int nargs, lrs_row_fn fn, void *ctx) {
  if (sql->oom) return lr__err(db, LR_NOMEM, "out of memory");
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql, sql->p, -1, &st, NULL);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "report");
  /* ?9: the kept groups (numbered: a named parameter would take ?1) */
  if (dim && dim->keep && sqlite3_bind_parameter_count(st) >= 9)
    sqlite3_bind_text(st, 9, dim->keep, -1, SQLITE_STATIC);
  for (int i = 0; i < nargs; i++) {
    if (args[i].text) sqlite3_bind_text(st, i + 1, args[i].s, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(st, i + 1, args[i].i);
  }
  int ncol = sqlite3_column_count(st);
  lrs_value v[8];
  if (ncol > 8) ncol = 8;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    for (int i = 0; i < ncol; i++)
      lrs__column(st, i, &v[i]);     /* out of memory: NULL */
    if (fn(ctx, v, ncol)) {
      src = SQLITE_ABORT;
      break;
    }
  }
  int rc = src == SQLITE_DONE ? LR_OK : src == SQLITE_ABORT ? LR_INTERRUPT
           : lrs_sqlerr(db, src, "report");
  sqlite3_finalize(st);
  return rc;
}

int lrs_report_groups(lr_db *db, const lrs_dim *dim, lrs_row_fn fn, void *ctx) {
  if (db->pg) return lrs_pg_report_groups(db, dim, fn, ctx);
  lr_buf b = LR_BUF_INIT;
  with_dim(&b, dim);
  lrb_adds(&b, "SELECT d, count(*) FROM dim GROUP BY d ORDER BY 2 DESC, 1");
  int src = run(db, &b, dim, NULL, 0, fn, ctx);
  lrb_free(&b);
  return src;
}

static int on_clock(void *ctx, const lrs_value *v, int n) {
  long long *out = ctx;
  if (n >= 2 && v[0].type == LRS_INT && v[1].type == LRS_INT) {
    out[0] = v[0].i;
    out[1] = v[1].i;
  }
  return 0;
}

int lrs_report_clock(lr_db *db, long long *now, long long *run_id) {
  if (db->pg) return lrs_pg_report_clock(db, now, run_id);
  long long got[2] = {0, 0};
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "SELECT id, now FROM runs WHERE kind = 'run' AND dry_run = 0 "
               "ORDER BY id DESC LIMIT 1");
  int src = run(db, &b, NULL, NULL, 0, on_clock, got);
  lrb_free(&b);
  *run_id = got[0];
  *now = got[1];
  return src;
}

int lrs_report_outcomes(lr_db *db, const lrs_dim *dim, long long since,
                        lrs_row_fn fn, void *ctx) {
  if (db->pg) return lrs_pg_report_outcomes(db, dim, since, fn, ctx);
  lr_buf b = LR_BUF_INIT;
  with_dim(&b, dim);
  lrb_adds(&b,
    "SELECT dim.d, sum(o.result = 'won'), sum(o.result = 'lost'), "
    "total(CASE WHEN o.result = 'won' THEN o.amount END), "
    "count(CASE WHEN o.result = 'won' THEN o.amount END) "
    "FROM outcomes o JOIN dim ON dim.contact_id = o.contact_id "
    "WHERE o.closed_at >= ?1 GROUP BY 1");
  arg args[1] = {{0, since, NULL}};
  int src = run(db, &b, dim, args, 1, fn, ctx);
  lrb_free(&b);
  return src;
}

/* ---- the outcomes with the caller's dimension ------------------------------------ */

typedef struct dim_udf {
  lrs_dim_fn fn;
  void *ctx;
  long long id;                      /* the last contact asked about */
  const char *d;
  int exists;
} dim_udf;

static void dim_lookup(sqlite3_context *cx, sqlite3_value **argv) {
  dim_udf *u = sqlite3_user_data(cx);
  long long id = sqlite3_value_int64(argv[0]);
  if (id != u->id) {                 /* both functions ask about each row */
    u->id = id;
    u->d = u->fn(u->ctx, id, &u->exists);
  }
}

static void udf_has(sqlite3_context *cx, int argc, sqlite3_value **argv) {
  (void)argc;
  dim_lookup(cx, argv);
  sqlite3_result_int(cx, ((dim_udf *)sqlite3_user_data(cx))->exists);
}

static void udf_dim(sqlite3_context *cx, int argc, sqlite3_value **argv) {
  (void)argc;
  dim_lookup(cx, argv);
  const char *d = ((dim_udf *)sqlite3_user_data(cx))->d;
  if (d) sqlite3_result_text(cx, d, -1, SQLITE_TRANSIENT);
  else sqlite3_result_null(cx);
}

/* The query of lrs_report_outcomes without the join: the same rows reach
** GROUP BY's sorter in the same order (outcomes in rowid order, those of
** contacts the join would drop left out), hence the same sums.  One group:
** no sorter, whose sort is stable, so the rows are summed in that order
** all the same. */
int lrs_report_outcomes_by(lr_db *db, lrs_dim_fn dim, void *dctx,
                           const char *one, long long since, lrs_row_fn fn,
                           void *ctx) {
  if (db->pg)
    return lrs_pg_report_outcomes_by(db, dim, dctx, one, since, fn, ctx);
  dim_udf u = {dim, dctx, 0, NULL, 0};
  u.d = dim(dctx, 0, &u.exists);
  int src = sqlite3_create_function(db->sql, "lr_report_has", 1, SQLITE_UTF8,
                                    &u, udf_has, NULL, NULL);
  if (src == SQLITE_OK)
    src = sqlite3_create_function(db->sql, "lr_report_dim", 1, SQLITE_UTF8,
                                  &u, udf_dim, NULL, NULL);
  if (src != SQLITE_OK) {          /* none may keep &u, a local, registered */
    int rc = lrs_sqlerr(db, src, "report");
    sqlite3_create_function(db->sql, "lr_report_has", 1, SQLITE_UTF8, NULL,
                            NULL, NULL, NULL);
    return rc;
  }
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, one ? "SELECT * FROM (SELECT ?2, " :
                      "SELECT lr_report_dim(o.contact_id), ");
  lrb_adds(&b,
    "sum(o.result = 'won'), sum(o.result = 'lost'), "
    "total(CASE WHEN o.result = 'won' THEN o.amount END), "
    "count(CASE WHEN o.result = 'won' THEN o.amount END)");
  lrb_adds(&b, one ? ", count(*) AS n " : " ");
  lrb_adds(&b, "FROM outcomes o NOT INDEXED "
               "WHERE o.closed_at >= ?1 AND lr_report_has(o.contact_id)");
  lrb_adds(&b, one ? ") WHERE n > 0" : " GROUP BY 1");
  arg args[2] = {{0, since, NULL}, {1, 0, one}};
  int rc = run(db, &b, NULL, args, one ? 2 : 1, fn, ctx);
  lrb_free(&b);
  sqlite3_create_function(db->sql, "lr_report_has", 1, SQLITE_UTF8, NULL,
                          NULL, NULL, NULL);
  sqlite3_create_function(db->sql, "lr_report_dim", 1, SQLITE_UTF8, NULL,
                          NULL, NULL, NULL);
  return rc;
}

int lrs_report_run_stages(lr_db *db, lrs_row_fn fn, void *ctx) {
  if (db->pg) return lrs_pg_report_run_stages(db, fn, ctx);
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b,
    "WITH r AS (SELECT stages FROM runs WHERE kind = 'run' AND dry_run = 0 "
    "AND json_valid(stages) ORDER BY id DESC LIMIT 1) "
    "SELECT value, f, k FROM (SELECT j.value AS value, 1 AS f, j.key AS k "
    "FROM r, json_each(r.stages, '$.funnel') j UNION ALL "
    "SELECT j.value, 0, j.key FROM r, json_each(r.stages, '$.side') j) "
    "WHERE typeof(value) = 'text' ORDER BY f DESC, k");
  int src = run(db, &b, NULL, NULL, 0, fn, ctx);
  lrb_free(&b);
  return src;
}

/* ---- the one pass ------------------------------------------------------------ */

struct lrs_rstream {
  lr_db *db;
  struct lrs_pg_rstream *pg;   /* on PostgreSQL (pg_report_rows.c) */
  sqlite3_stmt *st;
  int ncol;
  int nint;                    /* leading NOT NULL integer columns */
  unsigned text;               /* bit i: column i is text or NULL */
  unsigned nulls;              /* bit i: mostly NULL (grade, from) */
  unsigned skip;               /* bit i: always NULL, not asked */
};

/* Rows within a contact come in index order; history's ties on `at` by
** id (the index's rowid), which is the order every figure reads. */
static void stream_sql(lr_buf *b, int which, const lrs_dim *dim) {
  switch (which) {
    case LRS_RS_CONTACTS:
      lrb_adds(b, "SELECT id, stage, grade, CASE WHEN grade IS NOT NULL AND "
                  "json_valid(scores) THEN json_extract(scores, "
                  "'$.engagement') END, ");
      if (dim && dim->kind == LRS_DIM_FIELD) {
        lrb_adds(b, "CAST(");
        lrs_quote_ident(b, dim->field);
        lrb_adds(b, " AS TEXT)");
      } else {
        lrb_adds(b, "NULL");
      }
      lrb_adds(b, " FROM contacts ORDER BY id");
      break;
    case LRS_RS_MEMBERS:
      lrb_adds(b, "SELECT contact_id, segment FROM segment_members "
                  "ORDER BY contact_id");
      break;
    case LRS_RS_HISTORY:
    case LRS_RS_HISTORY_NORUN:
      lrb_adds(b, which == LRS_RS_HISTORY
                      ? "SELECT contact_id, at, run_id, "
                      : "SELECT contact_id, at, NULL, ");
      lrb_adds(b, "from_stage, to_stage FROM stage_history "
                  "ORDER BY contact_id, at, id");
      break;
    case LRS_RS_ASSIGN:
      lrb_adds(b, "SELECT contact_id, at, due, run_id, owner FROM "
                  "assignments ORDER BY contact_id");
      break;
    case LRS_RS_VALUES:
      lrb_adds(b, "SELECT CAST(");
      lrs_quote_ident(b, dim && dim->field ? dim->field : "id");
      lrb_adds(b, " AS TEXT) FROM contacts");
      break;
    default:
      lrb_adds(b, "SELECT contact_id, closed_at FROM outcomes "
                  "ORDER BY contact_id");
  }
}

int lrs_report_stream(lr_db *db, int which, const lrs_dim *dim,
                      lrs_rstream **out) {
  *out = NULL;
  lrs_rstream *s = calloc(1, sizeof *s);
  if (s && db->pg) {
    int rc = lrs_pg_report_stream(db, which, dim, &s->pg);
    if (rc == LR_OK) *out = s;
    else free(s);
    return rc;
  }
  lr_buf b = LR_BUF_INIT;
  stream_sql(&b, which, dim);
  if (!s || b.oom) {
    free(s);
    lrb_free(&b);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  int src = sqlite3_prepare_v2(db->sql, b.p, -1, &s->st, NULL);
  lrb_free(&b);
  if (src != SQLITE_OK) {
    free(s);
    return lrs_sqlerr(db, src, "report");
  }
  s->db = db;
  s->nint = which == LRS_RS_CONTACTS ? 1 : which == LRS_RS_MEMBERS ? 1
            : which == LRS_RS_VALUES ? 0 : 2;
  /* stage, grade, d; segment; from, to; owner; d */
  s->text = which == LRS_RS_CONTACTS ? 0x16u : which == LRS_RS_MEMBERS ? 0x2u
            : which == LRS_RS_HISTORY ? 0x18u : which == LRS_RS_ASSIGN ? 0x10u
            : which == LRS_RS_VALUES ? 0x1u : 0;
  int history = which == LRS_RS_HISTORY || which == LRS_RS_HISTORY_NORUN;
  if (which == LRS_RS_HISTORY_NORUN) s->text = 0x18u, s->skip = 0x4u;
  s->nulls = which == LRS_RS_CONTACTS ? 0x4u : history ? 0x8u : 0;
  s->ncol = sqlite3_column_count(s->st);
  if (which == LRS_RS_CONTACTS && !(dim && dim->kind == LRS_DIM_FIELD))
    s->ncol = 4;                 /* d: NULL, not read */
  if (s->ncol > LRS_RS_COLS) s->ncol = LRS_RS_COLS;
  *out = s;
  return LR_OK;
}

int lrs_report_stream_next(lrs_rstream *s, lrs_value *v) {
  if (s->pg) return lrs_pg_report_stream_next(s->pg, v);
  int src = sqlite3_step(s->st);
  if (src == SQLITE_DONE) return 0;
  if (src != SQLITE_ROW) return -lrs_sqlerr(s->db, src, "report");
  for (int i = 0; i < s->nint; i++) {   /* no type to ask: the hot path */
    v[i].type = LRS_INT;
    v[i].i = sqlite3_column_int64(s->st, i);
  }
  for (int i = s->nint; i < s->ncol; i++) {
    /* a text column: one call instead of three (lrs__column asks the
    ** type and the length too); NULL, an empty blob or no memory: ask */
    if (s->skip >> i & 1u ||
        (s->nulls >> i & 1u && sqlite3_column_type(s->st, i) == SQLITE_NULL)) {
      v[i].type = LRS_NULL;
      v[i].s = NULL;
      continue;
    }
    if (s->text >> i & 1u &&
        (v[i].s = (const char *)sqlite3_column_text(s->st, i)) != NULL) {
      v[i].type = LRS_STR;
      v[i].n = 0;                   /* not counted: the pass reads up to NUL */
      continue;
    }
    if (lrs__column(s->st, i, &v[i]) != LR_OK)
      return -lr__err(s->db, LR_NOMEM, "out of memory");
  }
  return 1;
}

void lrs_report_stream_close(lrs_rstream *s) {
  if (!s) return;
  lrs_pg_report_stream_close(s->pg);
  sqlite3_finalize(s->st);
  free(s);
}
