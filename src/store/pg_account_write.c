/*
** pg_account_write.c -- a run's writes for accounts on PostgreSQL
** (accounts.h): the account's decision, its stage history, score parts
** and handoffs.  Inside a run they are kept as COPY text and written with
** the run's next batch (lrs_pg_changes_write, pg_apply.c: the account
** step ends with one): the updates go with one COPY into a staging table
** and one set-based statement per kind, in SQLite's order (an account's
** decision before its handoff, its cleared parts before its new ones);
** the new rows go with COPY straight into their tables, in the order
** added, so that their ids are SQLite's.  Each statement's rows are
** counted as SQLite's total_changes counts them.  The stored parts the
** account step compares with are read once per run.  Outside a run
** (none yet on PostgreSQL) each write is its own statement.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "db_int.h"
#include "pg_int.h"

/* lrs_pg_sync_ids's flags for the account tables. */
#define SYNC_HISTORY 0x100u
#define SYNC_ASSIGN 0x200u

/* Kinds of staged rows. */
enum { K_UPDATE = 1, K_CLEAR, K_UNASSIGN, K_ASSIGN, K_N };

/* Stored parts of every account, "rule\tgroup\tpoints\n" lines: account
** ids[i]'s are text [at[i], at[i + 1]). */
typedef struct parts {
  long long *ids;
  size_t *at;
  int n, loaded;
  lr_buf text;
} parts;

struct lrs_pg_accw {
  lr_buf stage, hist, parts, assign;   /* COPY text of each */
  long long nstage, nhist, nparts, nassign;
  int used[K_N];
  parts stored;
};

static struct lrs_pg_accw *batch(lr_db *db) {
  if (!db->pg->snapshot[0]) return NULL;       /* not in a run */
  if (!db->pg->accw) db->pg->accw = calloc(1, sizeof *db->pg->accw);
  return db->pg->accw;
}

void lrs_pg_account_writes_free(lr_db *db) {
  struct lrs_pg_accw *w = db->pg ? db->pg->accw : NULL;
  if (!w) return;
  lrb_free(&w->stage);
  lrb_free(&w->hist);
  lrb_free(&w->parts);
  lrb_free(&w->assign);
  free(w->stored.ids);
  free(w->stored.at);
  lrb_free(&w->stored.text);
  free(w);
  db->pg->accw = NULL;
}

static void text(lr_buf *b, const char *s) {
  lrs_value v = { s ? LRS_STR : LRS_NULL, 0, 0, s, s ? strlen(s) : 0 };
  lrs_pg_copy_value(b, &v);
}

static void real(lr_buf *b, double d) {
  lrs_value v = { LRS_FLOAT, 0, d, NULL, 0 };
  lrs_pg_copy_value(b, &v);
}

/* i, or \N when i is 0 (the store's "none"). */
static void int0(lr_buf *b, long long i) {
  if (i) lrb_printf(b, "%lld", i);
  else lrb_adds(b, "\\N");
}

/* One staging row: kind, id, w, n, i, t1..t5 (NULL: \N). */
static int stage(lr_db *db, struct lrs_pg_accw *w, int k, long long id,
                 int flag, const double *n, long long i,
                 const char *const t[5]) {
  lr_buf *b = &w->stage;
  lrb_printf(b, "%d\t%lld\t%d\t", k, id, flag);
  if (n) real(b, *n);
  else lrb_adds(b, "\\N");
  lrb_addc(b, '\t');
  int0(b, i);
  for (int j = 0; j < 5; j++) {
    lrb_addc(b, '\t');
    text(b, t ? t[j] : NULL);
  }
  lrb_addc(b, '\n');
  w->nstage++;
  w->used[k] = 1;
  return b->oom ? lr__err(db, LR_NOMEM, "out of memory") : LR_OK;
}

static int added(lr_db *db, lr_buf *b, long long *n) {
  lrb_addc(b, '\n');
  ++*n;
  return b->oom ? lr__err(db, LR_NOMEM, "out of memory") : LR_OK;
}

/* ---- single statements (outside a run) ------------------------------- */

static int write(lr_db *db, const char *sql, int n, const char *const *p,
                 const char *what) {
  PGresult *res;
  int rc = lrs_pg_query(db, sql, n, p, &res, what);
  if (rc != LR_OK) return rc;
  db->pg->changes += atoll(PQcmdTuples(res));
  PQclear(res);
  return LR_OK;
}

typedef struct { char v[32]; } num;

static const char *int_p(num *b, long long i) {
  snprintf(b->v, sizeof b->v, "%lld", i);
  return b->v;
}

static const char *real_p(num *b, double d) {
  snprintf(b->v, sizeof b->v, "%.17g", d);
  return b->v;
}

/* The statement of each kind, as its single-row form below does. */
static const char *const APPLY[K_N] = {
  [K_UPDATE] = "UPDATE accounts a SET score = w.n, scores = w.t1, grade = "
    "w.t2, grades = w.t3, stage = w.t4, stage_since = CASE WHEN w.w = 1 "
    "THEN w.i ELSE a.stage_since END, due_at = CASE WHEN w.w = 1 THEN NULL "
    "ELSE a.due_at END, updated_at = w.i FROM lr_aw w WHERE w.k = 1 AND "
    "a.id = w.id",
  [K_CLEAR] = "DELETE FROM account_parts p USING lr_aw w WHERE w.k = 2 AND "
    "p.account_id = w.id",
  [K_UNASSIGN] = "UPDATE accounts a SET owner = NULL, assigned_at = NULL, "
    "due_at = NULL FROM lr_aw w WHERE w.k = 3 AND a.id = w.id",
  [K_ASSIGN] = "UPDATE accounts a SET owner = w.t1, assigned_at = w.i, "
    "due_at = w.n::bigint FROM lr_aw w WHERE w.k = 4 AND a.id = w.id",
};

int lrs_pg_account_update(lr_db *db, long long id, double score,
                          const char *scores, const char *grade,
                          const char *grades, const char *stage_,
                          long long now, int moved) {
  struct lrs_pg_accw *w = batch(db);
  if (w) {
    const char *t[5] = { scores, grade, grades, stage_, NULL };
    return stage(db, w, K_UPDATE, id, moved ? 1 : 0, &score, now, t);
  }
  num a, b, c;
  const char *p[] = { int_p(&a, id), real_p(&b, score), scores, grade,
                      grades, stage_, int_p(&c, now), moved ? "1" : "0" };
  return write(db, "UPDATE accounts SET score = $2, scores = $3, grade = $4,"
               " grades = $5, stage = $6, stage_since = CASE WHEN $8 = '1'"
               " THEN $7::bigint ELSE stage_since END, due_at = CASE WHEN"
               " $8 = '1' THEN NULL ELSE due_at END, updated_at = $7"
               " WHERE id = $1", 8, p, "accounts");
}

int lrs_pg_account_history(lr_db *db, long long id, const char *from,
                           const char *to, long long at, long long run_id,
                           const char *reason, const char *transition) {
  struct lrs_pg_accw *w = batch(db);
  if (w) {
    lr_buf *b = &w->hist;
    lrb_printf(b, "%lld\t", id);
    const char *t[] = { from, to };
    for (int j = 0; j < 2; j++) {
      text(b, t[j]);
      lrb_addc(b, '\t');
    }
    lrb_printf(b, "%lld\t", at);
    int0(b, run_id);
    lrb_addc(b, '\t');
    text(b, reason);
    lrb_addc(b, '\t');
    text(b, transition);
    return added(db, b, &w->nhist);
  }
  num a, b, c;
  const char *p[] = { int_p(&a, id), from, to, int_p(&b, at),
                      run_id ? int_p(&c, run_id) : NULL, reason,
                      transition };
  int rc = lrs_pg_sync_ids(db, "account_history", SYNC_HISTORY);
  if (rc != LR_OK) return rc;
  return write(db, "INSERT INTO account_history(account_id, from_stage,"
               " to_stage, at, run_id, reason, transition) VALUES($1, $2,"
               " $3, $4, $5, $6, $7)", 7, p, "account history");
}

int lrs_pg_account_parts_clear(lr_db *db, long long id) {
  struct lrs_pg_accw *w = batch(db);
  if (w) return stage(db, w, K_CLEAR, id, 0, NULL, 0, NULL);
  num a;
  const char *p[] = { int_p(&a, id) };
  return write(db, "DELETE FROM account_parts WHERE account_id = $1", 1, p,
               "account parts");
}

int lrs_pg_account_part(lr_db *db, long long id, const char *rule,
                        const char *group, double points) {
  struct lrs_pg_accw *w = batch(db);
  if (w) {
    lr_buf *b = &w->parts;
    lrb_printf(b, "%lld\t", id);
    text(b, rule);
    lrb_addc(b, '\t');
    text(b, group);
    lrb_addc(b, '\t');
    real(b, points);
    return added(db, b, &w->nparts);
  }
  num a, b;
  const char *p[] = { int_p(&a, id), rule, group, real_p(&b, points) };
  return write(db, "INSERT INTO account_parts(account_id, rule, grp, points)"
               " VALUES($1, $2, $3, $4)", 4, p, "account parts");
}

/* A handoff inside a run: its row, then the account's owner. */
static int assign_staged(lr_db *db, struct lrs_pg_accw *w, long long id,
                         const char *owner, const char *stage_, long long at,
                         long long run_id, long long due) {
  lr_buf *b = &w->assign;
  lrb_printf(b, "%lld\t", id);
  text(b, owner);
  lrb_addc(b, '\t');
  text(b, stage_);
  lrb_printf(b, "\t%lld\t", at);
  int0(b, run_id);
  lrb_addc(b, '\t');
  int0(b, due);
  int rc = added(db, b, &w->nassign);
  double d = (double)due;       /* exact: times are far below 2^53 */
  const char *t[5] = { owner, NULL, NULL, NULL, NULL };
  return rc == LR_OK ? stage(db, w, K_ASSIGN, id, 0, due ? &d : NULL, at, t)
                     : rc;
}

int lrs_pg_account_assign(lr_db *db, long long id, const char *owner,
                          const char *stage_, long long at, long long run_id,
                          long long due) {
  struct lrs_pg_accw *w = batch(db);
  if (w && !owner) return stage(db, w, K_UNASSIGN, id, 0, NULL, 0, NULL);
  if (w) return assign_staged(db, w, id, owner, stage_, at, run_id, due);
  num a, b, c, d;
  if (!owner) {
    const char *p[] = { int_p(&a, id) };
    return write(db, "UPDATE accounts SET owner = NULL, assigned_at = NULL,"
                 " due_at = NULL WHERE id = $1", 1, p, "accounts");
  }
  const char *p[] = { int_p(&a, id), owner, stage_, int_p(&b, at),
                      run_id ? int_p(&c, run_id) : NULL,
                      due ? int_p(&d, due) : NULL };
  int rc = lrs_pg_sync_ids(db, "account_assignments", SYNC_ASSIGN);
  if (rc == LR_OK)
    rc = write(db, "INSERT INTO account_assignments(account_id, owner,"
               " stage, at, run_id, due) VALUES($1, $2, $3, $4, $5, $6)", 6,
               p, "account assignments");
  const char *q[] = { p[0], owner, p[3], p[5] };
  if (rc == LR_OK)
    rc = write(db, "UPDATE accounts SET owner = $2, assigned_at = $3,"
               " due_at = $4 WHERE id = $1", 4, q, "accounts");
  return rc;
}

/* ---- the flush ------------------------------------------------------- */

/* COPY text b (n rows) with sql; counted as rows written. */
static int copy(lr_db *db, const char *sql, lr_buf *b, long long n) {
  if (!n) return LR_OK;
  lrs_pg_copy cp = {0};
  int rc = lrs_pg_copy_begin(&cp, db, sql, "write run");
  if (rc == LR_OK) {
    lrb_add(&cp.buf, b->p, b->n);
    rc = cp.buf.oom ? lr__err(db, LR_NOMEM, "out of memory")
                    : lrs_pg_copy_end(&cp);
  }
  if (rc == LR_OK) db->pg->changes += cp.rows;
  lrs_pg_copy_free(&cp);
  lrb_reset(b);
  return rc;
}

static int write_staged(lr_db *db, struct lrs_pg_accw *w) {
  if (!w->nstage) return LR_OK;
  int rc = lrs_pg_exec(db, "CREATE TEMP TABLE IF NOT EXISTS lr_aw(k int, id "
                       "bigint, w int, n double precision, i bigint, t1 "
                       "text, t2 text, t3 text, t4 text, t5 text) ON COMMIT "
                       "DROP", "write run");
  lrs_pg_copy cp = {0};
  if (rc == LR_OK) rc = lrs_pg_copy_begin(&cp, db, "COPY lr_aw FROM STDIN",
                                          "write run");
  if (rc == LR_OK) {
    lrb_add(&cp.buf, w->stage.p, w->stage.n);
    rc = cp.buf.oom ? lr__err(db, LR_NOMEM, "out of memory")
                    : lrs_pg_copy_end(&cp);
  }
  lrs_pg_copy_free(&cp);
  lr_buf sql = LR_BUF_INIT;
  for (int k = 1; k < K_N; k++)
    if (w->used[k]) lrb_printf(&sql, "%s;\n", APPLY[k]);
  long long n = 0;
  if (rc == LR_OK)
    rc = sql.oom ? lr__err(db, LR_NOMEM, "out of memory")
                 : lrs_pg_exec_count(db, lrb_str(&sql), "write run", &n);
  lrb_free(&sql);
  if (rc == LR_OK) rc = lrs_pg_exec(db, "TRUNCATE lr_aw", "write run");
  if (rc == LR_OK) db->pg->changes += n;
  lrb_reset(&w->stage);
  w->nstage = 0;
  memset(w->used, 0, sizeof w->used);
  return rc;
}

int lrs_pg_account_writes_flush(lr_db *db) {
  struct lrs_pg_accw *w = db->pg->accw;
  if (!w || !(w->nstage || w->nhist || w->nparts || w->nassign))
    return LR_OK;
  /* Updates and cleared parts first, as each account's were added. */
  int rc = write_staged(db, w);
  if (rc == LR_OK && w->nhist)
    rc = lrs_pg_sync_ids(db, "account_history", SYNC_HISTORY);
  if (rc == LR_OK)
    rc = copy(db, "COPY account_history(account_id, from_stage, to_stage, "
              "at, run_id, reason, transition) FROM STDIN", &w->hist,
              w->nhist);
  if (rc == LR_OK)
    rc = copy(db, "COPY account_parts(account_id, rule, grp, points) FROM "
              "STDIN", &w->parts, w->nparts);
  if (rc == LR_OK && w->nassign)
    rc = lrs_pg_sync_ids(db, "account_assignments", SYNC_ASSIGN);
  if (rc == LR_OK)
    rc = copy(db, "COPY account_assignments(account_id, owner, stage, at, "
              "run_id, due) FROM STDIN", &w->assign, w->nassign);
  w->nhist = w->nparts = w->nassign = 0;
  return rc;
}

/* ---- stored parts, read once per run --------------------------------- */

static int load_parts(lr_db *db, parts *p) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT account_id, rule, coalesce(grp, ''), "
                        "points FROM account_parts ORDER BY account_id, rule "
                        "COLLATE \"C\"", 0, NULL, &res, "account parts");
  if (rc != LR_OK) return rc;
  int rows = PQntuples(res), cap = 0;
  for (int r = 0; r < rows && rc == LR_OK; r++) {
    long long id = atoll(PQgetvalue(res, r, 0));
    if (!p->n || p->ids[p->n - 1] != id) {
      if (p->n + 1 >= cap) {
        cap = cap ? cap * 2 : 256;
        long long *ids = realloc(p->ids, (size_t)cap * sizeof *ids);
        if (ids) p->ids = ids;
        size_t *at = realloc(p->at, (size_t)cap * sizeof *at);
        if (at) p->at = at;
        if (!ids || !at) rc = lr__err(db, LR_NOMEM, "out of memory");
      }
      if (rc == LR_OK) {
        p->ids[p->n] = id;
        p->at[p->n++] = p->text.n;
      }
    }
    lrb_printf(&p->text, "%s\t%s\t%g\n", PQgetvalue(res, r, 1),
               PQgetvalue(res, r, 2), strtod(PQgetvalue(res, r, 3), NULL));
  }
  PQclear(res);
  if (rc == LR_OK && !p->at) p->at = malloc(sizeof *p->at);
  if (rc == LR_OK && (p->text.oom || !p->at))
    rc = lr__err(db, LR_NOMEM, "out of memory");
  if (rc == LR_OK) p->at[p->n] = p->text.n;
  p->loaded = rc == LR_OK;
  return rc;
}

int lrs_pg_account_parts_stored(lr_db *db, long long id, lr_buf *out,
                                int *done) {
  struct lrs_pg_accw *w = batch(db);
  *done = 0;
  if (!w) return LR_OK;                        /* not in a run: a query */
  parts *p = &w->stored;
  int rc = p->loaded ? LR_OK : load_parts(db, p);
  if (rc != LR_OK) return rc;
  int lo = 0, hi = p->n - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (p->ids[mid] == id) {
      lrb_add(out, p->text.p + p->at[mid], p->at[mid + 1] - p->at[mid]);
      break;
    }
    if (p->ids[mid] < id) lo = mid + 1; else hi = mid - 1;
  }
  *done = 1;
  return out->oom ? lr__err(db, LR_NOMEM, "out of memory") : LR_OK;
}
