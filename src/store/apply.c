/*
** apply.c -- writes of runs and scripts, through cached statements.
*/
#include "db_int.h"
#include "apply.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static double wall_time(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static int step_done(lr_db *db, sqlite3_stmt *st, const char *what) {
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, what);
  return LR_OK;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s) {
  if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
  else sqlite3_bind_null(st, i);
}

static const char RUN_START[] =
    "INSERT INTO runs(kind, policy, policy_hash, now, started_at, by) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)";

int lrs_run_start(lr_db *db, const char *kind, const char *policy,
                  const char *hash, long long now, const char *by,
                  long long *run_id) {
  sqlite3_stmt *st = lrs_cached(db, RUN_START);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
  bind_text_or_null(st, 2, policy);
  bind_text_or_null(st, 3, hash);
  sqlite3_bind_int64(st, 4, now);
  sqlite3_bind_double(st, 5, wall_time());
  bind_text_or_null(st, 6, by);
  int rc = step_done(db, st, "record run");
  if (rc == LR_OK) *run_id = sqlite3_last_insert_rowid(db->sql);
  return rc;
}

static const char RUN_FINISH[] =
    "UPDATE runs SET finished_at=?2, evaluated=?3, score_changes=?4, "
    "moves=?5, handoffs=?6, errors=?7 WHERE id=?1";

int lrs_run_finish(lr_db *db, long long run_id, long long evaluated,
                   long long score_changes, long long moves,
                   long long handoffs, long long errors) {
  sqlite3_stmt *st = lrs_cached(db, RUN_FINISH);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, run_id);
  sqlite3_bind_double(st, 2, wall_time());
  sqlite3_bind_int64(st, 3, evaluated);
  sqlite3_bind_int64(st, 4, score_changes);
  sqlite3_bind_int64(st, 5, moves);
  sqlite3_bind_int64(st, 6, handoffs);
  sqlite3_bind_int64(st, 7, errors);
  return step_done(db, st, "finish run");
}

static const char RUN_ERROR[] =
    "INSERT INTO run_errors(run_id, contact_id, message) VALUES(?1, ?2, ?3)";

int lrs_run_error(lr_db *db, long long run_id, long long contact_id,
                  const char *msg) {
  sqlite3_stmt *st = lrs_cached(db, RUN_ERROR);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, run_id);
  sqlite3_bind_int64(st, 2, contact_id);
  sqlite3_bind_text(st, 3, msg, -1, SQLITE_STATIC);
  return step_done(db, st, "record run error");
}

/* One statement per subset of the columns: a column named in SET makes
** SQLite rewrite the indexes on it, so a score-only update must not name
** stage (contacts_by_stage).  Index: 1 score, 2 stage (a move also ends
** the SLA of the stage it was handed off in), 4 grade, 8 scores. */
#define U_SCORE "score=?2, "
#define U_STAGE "stage=?3, due_at=NULL, "
#define U_GRADE "grade=?4, "
#define U_SCORES "scores=?5, "
#define UPD(a, b, c, d) \
  "UPDATE contacts SET " a b c d "updated_at=?6 WHERE id=?1"
static const char *const CONTACT_UPDATE[16] = {
  UPD("", "", "", ""),
  UPD(U_SCORE, "", "", ""),
  UPD("", U_STAGE, "", ""),
  UPD(U_SCORE, U_STAGE, "", ""),
  UPD("", "", U_GRADE, ""),
  UPD(U_SCORE, "", U_GRADE, ""),
  UPD("", U_STAGE, U_GRADE, ""),
  UPD(U_SCORE, U_STAGE, U_GRADE, ""),
  UPD("", "", "", U_SCORES),
  UPD(U_SCORE, "", "", U_SCORES),
  UPD("", U_STAGE, "", U_SCORES),
  UPD(U_SCORE, U_STAGE, "", U_SCORES),
  UPD("", "", U_GRADE, U_SCORES),
  UPD(U_SCORE, "", U_GRADE, U_SCORES),
  UPD("", U_STAGE, U_GRADE, U_SCORES),
  UPD(U_SCORE, U_STAGE, U_GRADE, U_SCORES),
};

int lrs_contact_update(lr_db *db, long long id, int has_score, double score,
                       const char *stage, int has_grade, const char *grade,
                       int has_scores, const char *scores,
                       long long updated_at) {
  int which = (has_score ? 1 : 0) | (stage ? 2 : 0) | (has_grade ? 4 : 0) |
              (has_scores ? 8 : 0);
  sqlite3_stmt *st = lrs_cached(db, CONTACT_UPDATE[which]);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  if (has_score) sqlite3_bind_double(st, 2, score);
  if (stage) sqlite3_bind_text(st, 3, stage, -1, SQLITE_STATIC);
  if (has_grade) bind_text_or_null(st, 4, grade);
  if (has_scores) bind_text_or_null(st, 5, scores);
  sqlite3_bind_int64(st, 6, updated_at);
  return step_done(db, st, "update contact");
}

static const char HISTORY_ADD[] =
    "INSERT INTO stage_history(contact_id, from_stage, to_stage, at, run_id, "
    "reason, transition, by) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

int lrs_history_add(lr_db *db, long long contact_id, const char *from,
                    const char *to, long long at, long long run_id,
                    const char *reason, const char *transition,
                    const char *by) {
  sqlite3_stmt *st = lrs_cached(db, HISTORY_ADD);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, contact_id);
  bind_text_or_null(st, 2, from);
  sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, at);
  if (run_id) sqlite3_bind_int64(st, 5, run_id);
  else sqlite3_bind_null(st, 5);
  bind_text_or_null(st, 6, reason);
  bind_text_or_null(st, 7, transition);
  bind_text_or_null(st, 8, by);
  return step_done(db, st, "record stage history");
}

static const char PARTS_CLEAR[] = "DELETE FROM score_parts WHERE contact_id=?1";

int lrs_parts_clear(lr_db *db, long long contact_id) {
  sqlite3_stmt *st = lrs_cached(db, PARTS_CLEAR);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, contact_id);
  return step_done(db, st, "clear score parts");
}

/* The queue writes LRS_QROWS rows per statement and the rest 4 at a time:
** a statement's fixed cost (start, cursors, halt) was a third of the cost
** of a contact's history and parts written one statement per contact. */
#define X4(r) r "," r "," r "," r
#define X32(r) X4(X4(r)) "," X4(X4(r))
#define HV "(?,?,?,?,?,?,?,NULL)"
#define HIST_HEAD "INSERT OR FAIL INTO stage_history(contact_id, from_stage, " \
  "to_stage, at, run_id, reason, transition, by) VALUES"
static const char *const HIST_MANY[6] = {
  NULL, HIST_HEAD HV, HIST_HEAD HV "," HV, HIST_HEAD HV "," HV "," HV,
  HIST_HEAD X4(HV), HIST_HEAD X32(HV),
};
#define PV "(?,?,?,?)"
#define PARTS_HEAD "INSERT OR FAIL INTO score_parts(contact_id, rule, grp, " \
  "points) VALUES"
static const char *const PARTS_MANY[6] = {
  NULL, PARTS_HEAD PV, PARTS_HEAD PV "," PV, PARTS_HEAD PV "," PV "," PV,
  PARTS_HEAD X4(PV), PARTS_HEAD X32(PV),
};

void lrs_queue_init(lrs_queue *q, lr_db *db, long long at, long long run_id) {
  memset(q, 0, sizeof *q);
  q->db = db;
  q->at = at;
  q->run_id = run_id;
}

static void bind_hist(sqlite3_stmt *st, int b, const lrs_queue *q, int row) {
  const struct lrs_qhist *h = &q->h[row];
  sqlite3_bind_int64(st, b + 1, h->id);
  bind_text_or_null(st, b + 2, h->from);
  sqlite3_bind_text(st, b + 3, h->to, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, b + 4, q->at);
  if (q->run_id) sqlite3_bind_int64(st, b + 5, q->run_id);
  else sqlite3_bind_null(st, b + 5);
  bind_text_or_null(st, b + 6, h->reason);
  bind_text_or_null(st, b + 7, h->transition);
}

static void bind_part(sqlite3_stmt *st, int b, const lrs_queue *q, int row) {
  const struct lrs_qpart *p = &q->p[row];
  sqlite3_bind_int64(st, b + 1, p->id);
  sqlite3_bind_text(st, b + 2, p->rule, -1, SQLITE_STATIC);
  bind_text_or_null(st, b + 3, p->grp);
  sqlite3_bind_double(st, b + 4, p->points);
}

/* Write rows [0, n) with sqls[k] (k rows of ncols parameters): statements
** of 32 rows, then 4, then what is left. */
static int flush_rows(lrs_queue *q, int n, const char *const *sqls, int ncols,
                      void (*bind)(sqlite3_stmt *, int, const lrs_queue *, int),
                      const char *what) {
  for (int done = 0; done < n;) {
    int left = n - done;
    int k = left >= LRS_QROWS ? LRS_QROWS : left >= 4 ? 4 : left;
    sqlite3_stmt *st = lrs_cached(q->db, sqls[k == LRS_QROWS ? 5 : k]);
    if (!st) return q->db->rc;
    for (int i = 0; i < k; i++) bind(st, ncols * i, q, done + i);
    int rc = step_done(q->db, st, what);
    if (rc != LR_OK) return rc;
    done += k;
  }
  return LR_OK;
}

static int flush_history(lrs_queue *q) {
  int rc = flush_rows(q, q->nh, HIST_MANY, 7, bind_hist,
                      "record stage history");
  q->nh = 0;
  return rc;
}

static int flush_parts(lrs_queue *q) {
  int rc = flush_rows(q, q->np, PARTS_MANY, 4, bind_part, "write score parts");
  q->np = 0;
  return rc;
}

int lrs_queue_history(lrs_queue *q, long long contact_id, const char *from,
                      const char *to, const char *reason,
                      const char *transition) {
  if (q->nh == LRS_QROWS) {
    int rc = flush_history(q);
    if (rc != LR_OK) return rc;
  }
  struct lrs_qhist *h = &q->h[q->nh];
  h->id = contact_id;
  h->from = from;
  h->to = to;
  h->transition = transition;
  h->reason = NULL;
  if (reason) {
    snprintf(h->reason_buf, sizeof h->reason_buf, "%s", reason);
    h->reason = h->reason_buf;
  }
  q->nh++;
  return LR_OK;
}

int lrs_queue_part(lrs_queue *q, long long contact_id, const char *rule,
                   const char *grp, double points) {
  if (q->np == LRS_QROWS) {
    int rc = flush_parts(q);
    if (rc != LR_OK) return rc;
  }
  struct lrs_qpart *p = &q->p[q->np++];
  p->id = contact_id;
  p->rule = rule;
  p->grp = grp;
  p->points = points;
  return LR_OK;
}

int lrs_queue_flush(lrs_queue *q) {
  int rc = flush_history(q);
  if (rc == LR_OK) rc = flush_parts(q);
  return rc;
}

static const char MEMBER_ADD[] =
    "INSERT OR IGNORE INTO segment_members(segment, contact_id) VALUES(?2, ?1)";
static const char MEMBER_DEL[] =
    "DELETE FROM segment_members WHERE contact_id=?1 AND segment=?2";

int lrs_member_set(lr_db *db, long long contact_id, const char *segment,
                   int member) {
  sqlite3_stmt *st = lrs_cached(db, member ? MEMBER_ADD : MEMBER_DEL);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, contact_id);
  sqlite3_bind_text(st, 2, segment, -1, SQLITE_STATIC);
  return step_done(db, st, "write segment member");
}

static const char ASSIGN_ADD[] =
    "INSERT INTO assignments(contact_id, owner, stage, at, run_id, due) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
static const char ASSIGN_CONTACT[] =
    "UPDATE contacts SET owner=?2, assigned_at=?3, due_at=?4 WHERE id=?1";

int lrs_assign(lr_db *db, long long contact_id, const char *owner,
               const char *stage, long long at, long long run_id,
               long long due) {
  sqlite3_stmt *st = lrs_cached(db, ASSIGN_ADD);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, contact_id);
  sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
  bind_text_or_null(st, 3, stage);
  sqlite3_bind_int64(st, 4, at);
  if (run_id) sqlite3_bind_int64(st, 5, run_id);
  else sqlite3_bind_null(st, 5);
  if (due) sqlite3_bind_int64(st, 6, due);
  else sqlite3_bind_null(st, 6);
  int rc = step_done(db, st, "record assignment");
  if (rc != LR_OK) return rc;
  st = lrs_cached(db, ASSIGN_CONTACT);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, contact_id);
  sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, at);
  if (due) sqlite3_bind_int64(st, 4, due);
  else sqlite3_bind_null(st, 4);
  return step_done(db, st, "assign owner");
}

static const char ROUTING_GET[] =
    "SELECT total, day, today FROM routing_state WHERE router=?1 AND owner=?2";
static const char ROUTING_PUT[] =
    "INSERT INTO routing_state(router, owner, total, day, today) "
    "VALUES(?1,?2,?3,?4,?5) ON CONFLICT(router, owner) DO UPDATE SET "
    "total=?3, day=?4, today=?5";

int lrs_routing_get(lr_db *db, const char *router, const char *owner,
                    long long *total, long long *day, long long *today,
                    int *found) {
  sqlite3_stmt *st = lrs_cached(db, ROUTING_GET);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, router, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  *found = src == SQLITE_ROW;
  if (*found) {
    *total = sqlite3_column_int64(st, 0);
    *day = sqlite3_column_int64(st, 1);
    *today = sqlite3_column_int64(st, 2);
  }
  sqlite3_reset(st);
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    return lrs_sqlerr(db, src, "routing state");
  return LR_OK;
}

int lrs_routing_put(lr_db *db, const char *router, const char *owner,
                    long long total, long long day, long long today) {
  sqlite3_stmt *st = lrs_cached(db, ROUTING_PUT);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, router, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, total);
  sqlite3_bind_int64(st, 4, day);
  sqlite3_bind_int64(st, 5, today);
  return step_done(db, st, "save routing state");
}

long long lrs_total_changes(lr_db *db) {
  return sqlite3_total_changes64(db->sql);
}
