/*
** apply.c -- writes of runs and scripts, through cached statements.
*/
#include "apply.h"

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

/* One statement updates any subset: a flag per column says whether to
** set it (?N) or keep it. */
static const char CONTACT_UPDATE[] =
    "UPDATE contacts SET "
    "score = CASE WHEN ?2 THEN ?3 ELSE score END, "
    "stage = CASE WHEN ?4 THEN ?5 ELSE stage END, "
    /* a move ends the SLA of the stage it was handed off in */
    "due_at = CASE WHEN ?4 THEN NULL ELSE due_at END, "
    "grade = CASE WHEN ?6 THEN ?7 ELSE grade END, "
    "scores = CASE WHEN ?8 THEN ?9 ELSE scores END, "
    "updated_at = ?10 WHERE id = ?1";

int lrs_contact_update(lr_db *db, long long id, int has_score, double score,
                       const char *stage, int has_grade, const char *grade,
                       int has_scores, const char *scores,
                       long long updated_at) {
  sqlite3_stmt *st = lrs_cached(db, CONTACT_UPDATE);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int(st, 2, has_score);
  sqlite3_bind_double(st, 3, score);
  sqlite3_bind_int(st, 4, stage != NULL);
  bind_text_or_null(st, 5, stage);
  sqlite3_bind_int(st, 6, has_grade);
  bind_text_or_null(st, 7, grade);
  sqlite3_bind_int(st, 8, has_scores);
  bind_text_or_null(st, 9, scores);
  sqlite3_bind_int64(st, 10, updated_at);
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

/* A contact's moves of one run (often 2 or 3) in one statement. */
#define HV "(?,?,?,?,?,?,?,NULL)"
#define HIST_HEAD "INSERT OR FAIL INTO stage_history(contact_id, from_stage, to_stage, " \
  "at, run_id, reason, transition, by) VALUES"
static const char *const HIST_MANY[5] = {
  NULL, HIST_HEAD HV, HIST_HEAD HV "," HV, HIST_HEAD HV "," HV "," HV,
  HIST_HEAD HV "," HV "," HV "," HV,
};

int lrs_history_add_many(lr_db *db, long long contact_id, int n,
                         const char *const *from, const char *const *to,
                         long long at, long long run_id,
                         const char *const *reason,
                         const char *const *transition) {
  while (n > 0) {
    int k = n > 4 ? 4 : n;
    sqlite3_stmt *st = lrs_cached(db, HIST_MANY[k]);
    if (!st) return db->rc;
    for (int i = 0; i < k; i++) {
      int b = 7 * i;
      sqlite3_bind_int64(st, b + 1, contact_id);
      bind_text_or_null(st, b + 2, from[i]);
      sqlite3_bind_text(st, b + 3, to[i], -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, b + 4, at);
      if (run_id) sqlite3_bind_int64(st, b + 5, run_id);
      else sqlite3_bind_null(st, b + 5);
      bind_text_or_null(st, b + 6, reason[i]);
      bind_text_or_null(st, b + 7, transition[i]);
    }
    int rc = step_done(db, st, "record stage history");
    if (rc != LR_OK) return rc;
    from += k; to += k; reason += k; transition += k;
    n -= k;
  }
  return LR_OK;
}

static const char PARTS_CLEAR[] = "DELETE FROM score_parts WHERE contact_id=?1";

int lrs_parts_clear(lr_db *db, long long contact_id) {
  sqlite3_stmt *st = lrs_cached(db, PARTS_CLEAR);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, contact_id);
  return step_done(db, st, "clear score parts");
}

/* Up to 8 parts in one statement: a contact's parts are written together,
** and one statement per part doubled the cost of a first run. */
#define PV "(?,?,?,?)"
#define PARTS_HEAD "INSERT OR FAIL INTO score_parts(contact_id, rule, grp, points) VALUES"
static const char *const PARTS_MANY[9] = {
  NULL,
  PARTS_HEAD PV,
  PARTS_HEAD PV "," PV,
  PARTS_HEAD PV "," PV "," PV,
  PARTS_HEAD PV "," PV "," PV "," PV,
  PARTS_HEAD PV "," PV "," PV "," PV "," PV,
  PARTS_HEAD PV "," PV "," PV "," PV "," PV "," PV,
  PARTS_HEAD PV "," PV "," PV "," PV "," PV "," PV "," PV,
  PARTS_HEAD PV "," PV "," PV "," PV "," PV "," PV "," PV "," PV,
};

int lrs_parts_add(lr_db *db, long long contact_id, int n,
                  const char *const *rules, const char *const *grps,
                  const double *points) {
  while (n > 0) {
    int k = n > 8 ? 8 : n;
    sqlite3_stmt *st = lrs_cached(db, PARTS_MANY[k]);
    if (!st) return db->rc;
    for (int i = 0; i < k; i++) {
      sqlite3_bind_int64(st, 4 * i + 1, contact_id);
      sqlite3_bind_text(st, 4 * i + 2, rules[i], -1, SQLITE_STATIC);
      bind_text_or_null(st, 4 * i + 3, grps[i]);
      sqlite3_bind_double(st, 4 * i + 4, points[i]);
    }
    int rc = step_done(db, st, "write score parts");
    if (rc != LR_OK) return rc;
    rules += k;
    grps += k;
    points += k;
    n -= k;
  }
  return LR_OK;
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
