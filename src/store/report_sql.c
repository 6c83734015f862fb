/*
** report_sql.c -- the SQL of lr_report.  Every query starts with the
** dimension as a common table expression, dim(contact_id, d), so that one
** statement per figure serves the overall report and every split.
*/
#include "db_int.h"
#include "pg_int.h"
#include "report_sql.h"

#include <stdio.h>
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
  lr_buf b = LR_BUF_INIT;
  with_dim(&b, dim);
  lrb_adds(&b, "SELECT d, count(*) FROM dim GROUP BY d ORDER BY 2 DESC, 1");
  int src = run(db, &b, dim, NULL, 0, fn, ctx);
  lrb_free(&b);
  return src;
}

int lrs_report_stage_seen(lr_db *db, lrs_row_fn fn, void *ctx) {
  static const char SQL[] =
    "WITH h AS (SELECT to_stage, row_number() OVER (PARTITION BY contact_id "
    "ORDER BY at, id) AS pos FROM stage_history) "
    "SELECT to_stage, min(pos), avg(pos), count(*) FROM h GROUP BY to_stage "
    "UNION ALL "
    "SELECT DISTINCT stage, NULL, NULL, 0 FROM contacts WHERE stage IS NOT NULL "
    "AND stage NOT IN (SELECT to_stage FROM stage_history)";
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, SQL);
  int src = run(db, &b, NULL, NULL, 0, fn, ctx);
  lrb_free(&b);
  return src;
}

int lrs_report_moves(lr_db *db, lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "SELECT from_stage, to_stage, count(*) FROM stage_history "
               "WHERE from_stage IS NOT NULL AND from_stage != to_stage "
               "GROUP BY 1, 2");
  int src = run(db, &b, NULL, NULL, 0, fn, ctx);
  lrb_free(&b);
  return src;
}

int lrs_report_funnel(lr_db *db, const lrs_dim *dim, lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  with_dim(&b, dim);
  lrb_adds(&b, "SELECT dim.d, c.stage, count(*) FROM contacts c JOIN dim ON "
               "dim.contact_id = c.id GROUP BY 1, 2");
  int src = run(db, &b, dim, NULL, 0, fn, ctx);
  lrb_free(&b);
  return src;
}

int lrs_report_conversion(lr_db *db, const lrs_dim *dim, const char *from,
                          const char *to, long long since, lrs_row_fn fn,
                          void *ctx) {
  lr_buf b = LR_BUF_INIT;
  with_dim(&b, dim);
  lrb_adds(&b,
    ", a AS (SELECT contact_id, at, id FROM (SELECT contact_id, at, id, "
    "row_number() OVER (PARTITION BY contact_id ORDER BY at, id) AS rn "
    "FROM stage_history WHERE to_stage = ?1) WHERE rn = 1 AND at >= ?3) "
    "SELECT dim.d, count(*), sum(EXISTS (SELECT 1 FROM stage_history h "
    "WHERE h.contact_id = a.contact_id AND h.to_stage = ?2 AND "
    "(h.at > a.at OR (h.at = a.at AND h.id > a.id)))) "
    "FROM a JOIN dim ON dim.contact_id = a.contact_id GROUP BY 1");
  arg args[3] = {{1, 0, from}, {1, 0, to}, {0, since, NULL}};
  int src = run(db, &b, dim, args, 3, fn, ctx);
  lrb_free(&b);
  return src;
}

int lrs_report_stays(lr_db *db, const lrs_dim *dim, long long since,
                     lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  with_dim(&b, dim);
  lrb_adds(&b,
    ", s AS (SELECT contact_id, to_stage, at, lead(at) OVER (PARTITION BY "
    "contact_id ORDER BY at, id) AS next_at FROM stage_history) "
    "SELECT dim.d, s.to_stage, s.next_at - s.at FROM s JOIN dim ON "
    "dim.contact_id = s.contact_id WHERE s.next_at IS NOT NULL AND s.at >= ?1 "
    "ORDER BY 1, 2, 3");
  arg args[1] = {{0, since, NULL}};
  int src = run(db, &b, dim, args, 1, fn, ctx);
  lrb_free(&b);
  return src;
}

/* Assignment a (due before ?2, the clock) that nothing answered. */
#define BREACHED \
  "a.due IS NOT NULL AND a.due < ?2 AND NOT EXISTS (SELECT 1 FROM " \
  "stage_history h WHERE h.contact_id = a.contact_id AND h.at <= a.due AND " \
  "(h.at > a.at OR (h.at = a.at AND h.run_id > a.run_id))) AND NOT EXISTS " \
  "(SELECT 1 FROM outcomes o WHERE o.contact_id = a.contact_id AND " \
  "o.closed_at >= a.at AND o.closed_at <= a.due)"

/* A handoff is answered by the first stage move of its contact after it
** (a later time, or the same time in a later run: a run's own moves into
** the stage share its time) or an outcome closed at or after it; it is
** breached when its due time is before the clock and nothing answered it
** by then (at or before due: answering exactly at due is in time). */
int lrs_report_handoffs(lr_db *db, const lrs_dim *dim, long long since,
                        long long now, lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  with_dim(&b, dim);
  lrb_adds(&b,
    "SELECT dim.d, a.owner, count(*), sum(a.due IS NOT NULL), "
    "sum(" BREACHED ") "
    "FROM assignments a JOIN dim ON dim.contact_id = a.contact_id "
    "WHERE a.at >= ?1 GROUP BY 1, 2 ORDER BY 1, 2");
  arg args[2] = {{0, since, NULL}, {0, now, NULL}};
  int src = run(db, &b, dim, args, 2, fn, ctx);
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

int lrs_report_grades(lr_db *db, const lrs_dim *dim, lrs_row_fn fn,
                      void *ctx) {
  lr_buf b = LR_BUF_INIT;
  with_dim(&b, dim);
  lrb_adds(&b,
    "SELECT d, grade, CASE WHEN e IS NULL THEN 5 WHEN e < 0 THEN 0 "
    "WHEN e < 10 THEN 1 WHEN e < 25 THEN 2 WHEN e < 50 THEN 3 ELSE 4 END, "
    "count(*) FROM (SELECT dim.d AS d, c.grade AS grade, CASE WHEN "
    "json_valid(c.scores) THEN json_extract(c.scores, '$.engagement') END "
    "AS e FROM contacts c JOIN dim ON dim.contact_id = c.id "
    "WHERE c.grade IS NOT NULL) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
  int src = run(db, &b, dim, NULL, 0, fn, ctx);
  lrb_free(&b);
  return src;
}

int lrs_report_run_stages(lr_db *db, lrs_row_fn fn, void *ctx) {
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

/* `later`: the furthest funnel stage a contact's later rows (by at, id)
** enter, a window over each history once; a correlated EXISTS over the
** CTE instead scanned the whole history per row (over 15 minutes at
** 100,000 contacts, under a second this way). */
int lrs_report_passed(lr_db *db, const lrs_dim *dim, const char *funnel,
                      int k, long long since, lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  with_dim(&b, dim);
  lrb_adds(&b,
    ", f(stage, rk) AS (SELECT value, key FROM json_each(?1)), "
    "h AS (SELECT s.contact_id, s.at, s.id, ft.rk AS rt, ff.rk AS rf, "
    "max(ft.rk) OVER (PARTITION BY s.contact_id ORDER BY s.at, s.id ROWS "
    "BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS later FROM "
    "stage_history s LEFT JOIN f ft ON ft.stage = s.to_stage LEFT JOIN f ff "
    "ON ff.stage = s.from_stage), "
    "p AS (SELECT contact_id, at, id, rt, later, row_number() OVER (PARTITION "
    "BY contact_id ORDER BY at, id) AS rn FROM h WHERE rt = ?2 OR (rf < ?2 AND "
    "rt > ?2)), "
    "a AS (SELECT * FROM p WHERE rn = 1 AND at >= ?3) "
    "SELECT dim.d, count(*), sum(a.rt > ?2 OR coalesce(a.later, -1) > ?2) "
    "FROM a JOIN dim ON dim.contact_id = a.contact_id GROUP BY 1");
  arg args[3] = {{1, 0, funnel}, {0, k, NULL}, {0, since, NULL}};
  int src = run(db, &b, dim, args, 3, fn, ctx);
  lrb_free(&b);
  return src;
}

/* ---- the dashboard ------------------------------------------------------------ */

/* c(contact_id, first, top): per contact with a history, its first row's
** time and the highest funnel position (?1) it entered. */
#define REACHED_CTE \
  "f(stage, rk) AS (SELECT value, key FROM json_each(?1)), " \
  "c AS (SELECT s.contact_id, min(s.at) AS first, max(f.rk) AS top FROM " \
  "stage_history s LEFT JOIN f ON f.stage = s.to_stage GROUP BY s.contact_id) "

int lrs_report_reached(lr_db *db, const lrs_dim *dim, const char *funnel,
                       long long since, lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  with_dim(&b, dim);
  lrb_adds(&b, ", " REACHED_CTE
               "SELECT dim.d, c.top, count(*) FROM c JOIN dim ON "
               "dim.contact_id = c.contact_id WHERE c.first >= ?2 "
               "GROUP BY 1, 2");
  arg args[2] = {{1, 0, funnel}, {0, since, NULL}};
  int src = run(db, &b, dim, args, 2, fn, ctx);
  lrb_free(&b);
  return src;
}

int lrs_report_cohorts(lr_db *db, const char *funnel, long long since,
                       lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "WITH " REACHED_CTE
               "SELECT first - (first % 86400) - (CASE WHEN first % 86400 < 0 "
               "THEN 86400 ELSE 0 END), top, count(*) FROM c WHERE first >= ?2 "
               "GROUP BY 1, 2 ORDER BY 1, 2");
  arg args[2] = {{1, 0, funnel}, {0, since, NULL}};
  int src = run(db, &b, NULL, args, 2, fn, ctx);
  lrb_free(&b);
  return src;
}

int lrs_report_exits(lr_db *db, long long since, lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "SELECT from_stage, to_stage, count(DISTINCT contact_id) FROM "
               "stage_history WHERE from_stage IS NOT NULL AND from_stage != "
               "to_stage AND at >= ?1 GROUP BY 1, 2 ORDER BY 1, 2");
  arg args[1] = {{0, since, NULL}};
  int src = run(db, &b, NULL, args, 1, fn, ctx);
  lrb_free(&b);
  return src;
}

int lrs_report_handoff_days(lr_db *db, long long since, long long now,
                            lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "SELECT a.at - (a.at % 86400) - (CASE WHEN a.at % 86400 < 0 "
               "THEN 86400 ELSE 0 END), count(*), sum(a.due IS NOT NULL), "
               "sum(" BREACHED ") FROM assignments a WHERE a.at >= ?1 "
               "GROUP BY 1 ORDER BY 1");
  arg args[2] = {{0, since, NULL}, {0, now, NULL}};
  int src = run(db, &b, NULL, args, 2, fn, ctx);
  lrb_free(&b);
  return src;
}

int lrs_report_window(lr_db *db, lrs_row_fn fn, void *ctx) {
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "SELECT min(at), max(at), count(*) FROM stage_history");
  int src = run(db, &b, NULL, NULL, 0, fn, ctx);
  lrb_free(&b);
  return src;
}
