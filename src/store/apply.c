/*
** apply.c -- writes of runs and scripts, through cached statements; a
** chunk of a run's changes written many rows to a statement.
*/
#include "db_int.h"
#include "apply.h"
#include "apply_rows.h"
#include "pg_int.h"

#include <stdlib.h>
#include <sys/time.h>

#include "../util/arena.h"
#include "../util/grow.h"

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
    "INSERT INTO runs(kind, policy, policy_hash, now, started_at, by, stages, "
    "scope, full_reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

int lrs_run_start_stages(lr_db *db, const char *kind, const char *policy,
                         const char *hash, long long now, const char *by,
                         const char *stages, long long *run_id) {
  return lrs_run_start_scope(db, kind, policy, hash, now, by, stages, NULL,
                             NULL, run_id);
}

int lrs_run_start_scope(lr_db *db, const char *kind, const char *policy,
                        const char *hash, long long now, const char *by,
                        const char *stages, const char *scope,
                        const char *full_reason, long long *run_id) {
  if (db->pg)
    return lrs_pg_run_start(db, kind, policy, hash, now, by, stages, scope,
                            full_reason, run_id);
  sqlite3_stmt *st = lrs_cached(db, RUN_START);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
  bind_text_or_null(st, 2, policy);
  bind_text_or_null(st, 3, hash);
  sqlite3_bind_int64(st, 4, now);
  sqlite3_bind_double(st, 5, wall_time());
  bind_text_or_null(st, 6, by);
  bind_text_or_null(st, 7, stages);
  bind_text_or_null(st, 8, scope);
  bind_text_or_null(st, 9, full_reason);
  int rc = step_done(db, st, "record run");
  if (rc == LR_OK) *run_id = sqlite3_last_insert_rowid(db->sql);
  return rc;
}

int lrs_run_start(lr_db *db, const char *kind, const char *policy,
                  const char *hash, long long now, const char *by,
                  long long *run_id) {
  return lrs_run_start_stages(db, kind, policy, hash, now, by, NULL, run_id);
}

static const char RUN_FINISH[] =
    "UPDATE runs SET finished_at=?2, evaluated=?3, score_changes=?4, "
    "moves=?5, handoffs=?6, errors=?7 WHERE id=?1";

int lrs_run_finish(lr_db *db, long long run_id, long long evaluated,
                   long long score_changes, long long moves,
                   long long handoffs, long long errors) {
  if (db->pg) {
    long long v[] = { evaluated, score_changes, moves, handoffs, errors };
    return lrs_pg_run_finish(db, run_id, v, 5);
  }
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

static const char RUN_HELD[] =
    "UPDATE runs SET held_by_manual=?2 WHERE id=?1";

int lrs_run_held(lr_db *db, long long run_id, long long held) {
  if (db->pg) return lrs_pg_run_set(db, run_id, "held_by_manual", held);
  sqlite3_stmt *st = lrs_cached(db, RUN_HELD);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, run_id);
  sqlite3_bind_int64(st, 2, held);
  return step_done(db, st, "finish run");
}

static const char HISTORY_ADD[] =
    "INSERT INTO stage_history(contact_id, from_stage, to_stage, at, run_id, "
    "reason, transition, by) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

int lrs_history_add(lr_db *db, long long contact_id, const char *from,
                    const char *to, long long at, long long run_id,
                    const char *reason, const char *transition,
                    const char *by) {
  if (db->pg)
    return lrs_pg_history_add(db, contact_id, from, to, at, run_id, reason,
                              transition, by);
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

/* ---- a chunk's changes ------------------------------------------------ */

/* One statement per subset of the columns: a column named in SET makes
** SQLite rewrite the indexes on it, so a score-only update must not name
** stage (contacts_by_stage).  Index: 1 score, 2 stage (a move also ends
** the SLA of the stage it was handed off in, and dates the entry into the
** new stage: a pass-through lead -> mql -> sql enters sql at `now`), 4
** grade and grades (every grade, a JSON object), 8 scores. */
#define U_SCORE "score=?2, "
#define U_STAGE "stage=?3, due_at=NULL, stage_since=?6, "
#define U_GRADE "grade=?4, grades=?7, "
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
/* The same with stable_until (?8): a contact written anyway gets its
** stable_until in the same statement (run --changed, index 16). */
#define UPDS(a, b, c, d) \
  "UPDATE contacts SET " a b c d "stable_until=?8, updated_at=?6 WHERE id=?1"
static const char *const CONTACT_UPDATE_STABLE[16] = {
  UPDS("", "", "", ""),
  UPDS(U_SCORE, "", "", ""),
  UPDS("", U_STAGE, "", ""),
  UPDS(U_SCORE, U_STAGE, "", ""),
  UPDS("", "", U_GRADE, ""),
  UPDS(U_SCORE, "", U_GRADE, ""),
  UPDS("", U_STAGE, U_GRADE, ""),
  UPDS(U_SCORE, U_STAGE, U_GRADE, ""),
  UPDS("", "", "", U_SCORES),
  UPDS(U_SCORE, "", "", U_SCORES),
  UPDS("", U_STAGE, "", U_SCORES),
  UPDS(U_SCORE, U_STAGE, "", U_SCORES),
  UPDS("", "", U_GRADE, U_SCORES),
  UPDS(U_SCORE, "", U_GRADE, U_SCORES),
  UPDS("", U_STAGE, U_GRADE, U_SCORES),
  UPDS(U_SCORE, U_STAGE, U_GRADE, U_SCORES),
};
/* The same for MANY_ROWS contacts at once, by their ids and new values
** in a VALUES list (id, score, stage, grade, grades, scores, stable_until;
** those the variant does not set are bound NULL).  One statement per 32
** contacts: each execution of an UPDATE ends by freeing the registers
** that held the old row's text columns (sqlite3VdbeHalt), and without
** lookaside each of those is a malloc and a free: a fifth of a contact's
** UPDATE. */
#define M_SCORE "score=v.column2, "
#define M_STAGE "stage=v.column3, due_at=NULL, stage_since=?1, "
#define M_GRADE "grade=v.column4, grades=v.column5, "
#define M_SCORES "scores=v.column6, "
#define M_STABLE "stable_until=v.column7, "
#define M_ROW "(?,?,?,?,?,?,?)"
#define UPDM(a, b, c, d, e)                                                  \
  "UPDATE contacts SET " a b c d e "updated_at=?1 FROM (VALUES "            \
  X32(M_ROW) ") AS v WHERE contacts.id=v.column1"
#define UPDM16(e)                                                           \
  UPDM("", "", "", "", e), UPDM(M_SCORE, "", "", "", e),                    \
  UPDM("", M_STAGE, "", "", e), UPDM(M_SCORE, M_STAGE, "", "", e),          \
  UPDM("", "", M_GRADE, "", e), UPDM(M_SCORE, "", M_GRADE, "", e),          \
  UPDM("", M_STAGE, M_GRADE, "", e), UPDM(M_SCORE, M_STAGE, M_GRADE, "", e),\
  UPDM("", "", "", M_SCORES, e), UPDM(M_SCORE, "", "", M_SCORES, e),        \
  UPDM("", M_STAGE, "", M_SCORES, e), UPDM(M_SCORE, M_STAGE, "", M_SCORES, e),\
  UPDM("", "", M_GRADE, M_SCORES, e), UPDM(M_SCORE, "", M_GRADE, M_SCORES, e),\
  UPDM("", M_STAGE, M_GRADE, M_SCORES, e),                                  \
  UPDM(M_SCORE, M_STAGE, M_GRADE, M_SCORES, e)
static const char ASSIGN_CONTACT[] =
    "UPDATE contacts SET owner=?2, assigned_at=?3, due_at=?4 WHERE id=?1";
static const char UNASSIGN_CONTACT[] =
    "UPDATE contacts SET owner=NULL, assigned_at=NULL, due_at=NULL WHERE id=?1";

/* The other tables' new rows are inserted MANY_ROWS to a statement, the
** rest 4 at a time, then one by one: a statement's fixed cost (start, cursors,
** halt) was a third of the cost of a contact's history and parts written
** one statement per contact.  sql[k] writes k rows (1 to 4), sql[5]
** MANY_ROWS, each row of ncols parameters. */
#define MANY_ROWS 32
#define X4(r) r "," r "," r "," r
#define X32(r) X4(X4(r)) "," X4(X4(r))
#define MANY(head, r) { NULL, head r, head r "," r, head r "," r "," r, \
  head X4(r), head X32(r) }
/* The same with a tail after the rows: an UPDATE ... FROM (VALUES ...). */
#define MANYT(head, r, tail) { NULL, head r tail, head r "," r tail,       \
  head r "," r "," r tail, head X4(r) tail, head X32(r) tail }

typedef void bind_row(sqlite3_stmt *st, int b, const lrs_changes *c,
                      const void *row);
typedef struct many {
  const char *sql[6];
  int ncols;
  size_t size;                     /* of a row */
  bind_row *bind;
  const char *what;                /* for the error message */
  int one;                         /* sql[1] only: a row to a statement */
} many;

static void bind_hist(sqlite3_stmt *st, int b, const lrs_changes *c,
                      const void *row) {
  const hist_row *h = row;
  sqlite3_bind_int64(st, b + 1, h->id);
  bind_text_or_null(st, b + 2, h->from);
  sqlite3_bind_text(st, b + 3, h->to, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, b + 4, c->now);
  if (c->run_id) sqlite3_bind_int64(st, b + 5, c->run_id);
  else sqlite3_bind_null(st, b + 5);
  bind_text_or_null(st, b + 6, h->reason);
  bind_text_or_null(st, b + 7, h->transition);
}

static void bind_part(sqlite3_stmt *st, int b, const lrs_changes *c,
                      const void *row) {
  const part_row *p = row;
  (void)c;
  sqlite3_bind_int64(st, b + 1, p->id);
  sqlite3_bind_text(st, b + 2, p->rule, -1, SQLITE_STATIC);
  bind_text_or_null(st, b + 3, p->grp);
  sqlite3_bind_double(st, b + 4, p->points);
}

static void bind_id(sqlite3_stmt *st, int b, const lrs_changes *c,
                    const void *row) {
  (void)c;
  sqlite3_bind_int64(st, b + 1, ((const text_row *)row)->id);
}

static void bind_text_row(sqlite3_stmt *st, int b, const lrs_changes *c,
                          const void *row) {
  bind_id(st, b, c, row);
  sqlite3_bind_text(st, b + 2, ((const text_row *)row)->text, -1,
                    SQLITE_STATIC);
}

static void bind_error(sqlite3_stmt *st, int b, const lrs_changes *c,
                       const void *row) {
  bind_text_row(st, b, c, row);
  sqlite3_bind_int64(st, b + 3, c->run_id);
}

static void bind_assign(sqlite3_stmt *st, int b, const lrs_changes *c,
                        const void *row) {
  const assign_row *a = row;
  sqlite3_bind_int64(st, b + 1, a->id);
  sqlite3_bind_text(st, b + 2, a->owner, -1, SQLITE_STATIC);
  bind_text_or_null(st, b + 3, a->stage);
  sqlite3_bind_int64(st, b + 4, c->now);
  if (c->run_id) sqlite3_bind_int64(st, b + 5, c->run_id);
  else sqlite3_bind_null(st, b + 5);
  if (a->due) sqlite3_bind_int64(st, b + 6, a->due);
  else sqlite3_bind_null(st, b + 6);
}

static const many HISTORY = {
  MANY("INSERT OR FAIL INTO stage_history(contact_id, from_stage, to_stage, "
       "at, run_id, reason, transition, by) VALUES", "(?,?,?,?,?,?,?,NULL)"),
  7, sizeof(hist_row), bind_hist, "record stage history", 0,
};
/* Deletes go one to a statement: a DELETE of many keys (an IN list, an OR
** of keys, a row-value IN that scans the table) cost more than it saved. */
static const many PARTS_CLEAR = {
  { NULL, "DELETE FROM score_parts WHERE contact_id=? AND rule=?" },
  2, sizeof(text_row), bind_text_row, "clear score parts", 1,
};
static const many PARTS_SET = {
  { NULL, "UPDATE score_parts SET grp=?3, points=?4 WHERE contact_id=?1 AND "
          "rule=?2" },
  4, sizeof(part_row), bind_part, "write score parts", 1,
};
static const many PARTS = {
  MANY("INSERT OR FAIL INTO score_parts(contact_id, rule, grp, points) "
       "VALUES", "(?,?,?,?)"),
  4, sizeof(part_row), bind_part, "write score parts", 0,
};
static const many MEMBER_ADD = {
  MANY("INSERT OR IGNORE INTO segment_members(contact_id, segment) VALUES",
       "(?,?)"),
  2, sizeof(text_row), bind_text_row, "write segment member", 0,
};
static const many MEMBER_DEL = {
  { NULL, "DELETE FROM segment_members WHERE contact_id=? AND segment=?" },
  2, sizeof(text_row), bind_text_row, "write segment member", 1,
};
static const many ASSIGN = {
  MANY("INSERT INTO assignments(contact_id, owner, stage, at, run_id, due) "
       "VALUES", "(?,?,?,?,?,?)"),
  6, sizeof(assign_row), bind_assign, "record assignment", 0,
};
/* --override-manual: the policy's stage stands, the person's lock ends. */
static const many UNLOCK = {
  { NULL, "UPDATE contacts SET manual_at=NULL, manual_until=NULL WHERE id=?" },
  1, sizeof(text_row), bind_id, "end manual lock", 1,
};
/* The declared spelling of the stage the contact is already in: not a
** move, so due_at and stage_since stay. */
static void bind_spell(sqlite3_stmt *st, int b, const lrs_changes *c,
                       const void *row) {
  bind_text_row(st, b, c, row);
  sqlite3_bind_int64(st, b + 3, c->now);
}
static const many SPELL = {
  { NULL, "UPDATE contacts SET stage=?2, updated_at=?3 WHERE id=?1" },
  3, sizeof(text_row), bind_spell, "update contact", 1,
};
static void bind_stable(sqlite3_stmt *st, int b, const lrs_changes *c,
                        const void *row) {
  const stable_row *s = row;
  (void)c;
  sqlite3_bind_int64(st, b + 1, s->id);
  if (s->at) sqlite3_bind_int64(st, b + 2, s->at);
  else sqlite3_bind_null(st, b + 2);
}
/* A column of its own statement: only the rows whose value changed, and
** the index on it is rewritten for those alone. */
static const many STABLE = {
  MANYT("UPDATE contacts SET stable_until=v.column2 FROM (VALUES ", "(?,?)",
        ") AS v WHERE contacts.id=v.column1"),
  2, sizeof(stable_row), bind_stable, "update contact", 0,
};
static const many ERRORS = {
  MANY("INSERT INTO run_errors(contact_id, message, run_id) VALUES",
       "(?,?,?)"),
  3, sizeof(text_row), bind_error, "record run error", 0,
};

static int write_many(lrs_changes *c, const many *t, const rows *l) {
  for (long long done = 0; done < l->n;) {
    long long left = l->n - done;
    int k = t->one ? 1 : left >= MANY_ROWS ? MANY_ROWS : left >= 4 ? 4
                                                                : (int)left;
    sqlite3_stmt *st = lrs_cached(c->db, t->sql[k == MANY_ROWS ? 5 : k]);
    if (!st) return c->db->rc;
    const char *row = (const char *)l->v + (size_t)done * t->size;
    for (int i = 0; i < k; i++, row += t->size)
      t->bind(st, t->ncols * i, c, row);
    int rc = step_done(c->db, st, t->what);
    if (rc != LR_OK) return rc;
    done += k;
  }
  return LR_OK;
}

static const char *const CONTACT_UPDATE_MANY[32] = { UPDM16(""),
                                                     UPDM16(M_STABLE) };

/* Row r's values at parameter b+1.. of CONTACT_UPDATE_MANY. */
static void bind_contact(sqlite3_stmt *st, int b, const contact_row *r) {
  sqlite3_bind_int64(st, b + 1, r->id);
  if (r->which & 1) sqlite3_bind_double(st, b + 2, r->score);
  if (r->which & 2) sqlite3_bind_text(st, b + 3, r->stage, -1, SQLITE_STATIC);
  if (r->which & 4) {
    bind_text_or_null(st, b + 4, r->grade);
    bind_text_or_null(st, b + 5, r->grades);
  }
  if (r->which & 8) bind_text_or_null(st, b + 6, r->scores);
  if ((r->which & 16) && r->stable) sqlite3_bind_int64(st, b + 7, r->stable);
}

/* One contact by the statement of its variant. */
static int write_contact(lrs_changes *c, const contact_row *r) {
  sqlite3_stmt *st = lrs_cached(c->db, r->which & 16
                                ? CONTACT_UPDATE_STABLE[r->which & 15]
                                : CONTACT_UPDATE[r->which]);
  if (!st) return c->db->rc;
  sqlite3_bind_int64(st, 1, r->id);
  if (r->which & 1) sqlite3_bind_double(st, 2, r->score);
  if (r->which & 2) sqlite3_bind_text(st, 3, r->stage, -1, SQLITE_STATIC);
  if (r->which & 4) {
    bind_text_or_null(st, 4, r->grade);
    bind_text_or_null(st, 7, r->grades);
  }
  if (r->which & 8) bind_text_or_null(st, 5, r->scores);
  if ((r->which & 16) && r->stable) sqlite3_bind_int64(st, 8, r->stable);
  else if (r->which & 16) sqlite3_bind_null(st, 8);
  sqlite3_bind_int64(st, 6, c->now);
  return step_done(c->db, st, "update contact");
}

/* The contacts of each variant (the columns set) MANY_ROWS to a
** statement, in id order within the variant; the rest one by one. */
static int write_contacts(lrs_changes *c) {
  const contact_row *v = c->contacts.v;
  long long n = c->contacts.n, count[32] = { 0 }, seen[32] = { 0 };
  for (long long i = 0; i < n; i++) count[v[i].which & 31]++;
  for (int w = 0; w < 32; w++) {
    long long i = 0;
    for (long long left = count[w]; left >= MANY_ROWS; left -= MANY_ROWS) {
      sqlite3_stmt *st = lrs_cached(c->db, CONTACT_UPDATE_MANY[w]);
      if (!st) return c->db->rc;
      sqlite3_bind_int64(st, 1, c->now);
      for (int k = 0; k < MANY_ROWS; i++)
        if ((v[i].which & 31) == w) bind_contact(st, 1 + 7 * k++, &v[i]);
      int rc = step_done(c->db, st, "update contact");
      if (rc != LR_OK) return rc;
    }
  }
  for (long long i = 0; i < n; i++) {
    int w = v[i].which & 31;
    if (seen[w]++ < count[w] - count[w] % MANY_ROWS) continue;
    int rc = write_contact(c, &v[i]);
    if (rc != LR_OK) return rc;
  }
  return LR_OK;
}

/* After the contacts' updates: a move clears due_at, a handoff sets it,
** a recycle (or a handoff that found nobody) clears the owner. */
static int write_owners(lrs_changes *c) {
  const text_row *u = c->unassigns.v;
  for (long long i = 0; i < c->unassigns.n; i++) {
    sqlite3_stmt *st = lrs_cached(c->db, UNASSIGN_CONTACT);
    if (!st) return c->db->rc;
    sqlite3_bind_int64(st, 1, u[i].id);
    int rc = step_done(c->db, st, "clear owner");
    if (rc != LR_OK) return rc;
  }
  const assign_row *v = c->assigns.v;
  for (long long i = 0; i < c->assigns.n; i++) {
    sqlite3_stmt *st = lrs_cached(c->db, ASSIGN_CONTACT);
    if (!st) return c->db->rc;
    sqlite3_bind_int64(st, 1, v[i].id);
    sqlite3_bind_text(st, 2, v[i].owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, c->now);
    if (v[i].due) sqlite3_bind_int64(st, 4, v[i].due);
    else sqlite3_bind_null(st, 4);
    int rc = step_done(c->db, st, "assign owner");
    if (rc != LR_OK) return rc;
  }
  return LR_OK;
}

lrs_changes *lrs_changes_new(lr_db *db, long long run_id, long long now) {
  lrs_changes *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->db = db;
  c->run_id = run_id;
  c->now = now;
  lra_init(&c->arena, 1 << 20);    /* a chunk's strings, mostly */
  return c;
}

/* Each table in the order rows were added; a contact's cleared parts
** before its new ones. */
int lrs_changes_apply(lrs_changes *c) {
  int rc = c->oom ? lr__err(c->db, LR_NOMEM, "out of memory") : LR_OK;
  if (rc == LR_OK && c->db->pg) {
    rc = lrs_pg_changes_write(c);
    goto done;
  }
  if (rc == LR_OK) rc = write_contacts(c);
  if (rc == LR_OK) rc = write_many(c, &SPELL, &c->spells);
  if (rc == LR_OK) rc = write_many(c, &HISTORY, &c->hist);
  if (rc == LR_OK) rc = write_many(c, &PARTS_CLEAR, &c->clears);
  if (rc == LR_OK) rc = write_many(c, &PARTS_SET, &c->sets);
  if (rc == LR_OK) rc = write_many(c, &PARTS, &c->parts);
  if (rc == LR_OK) rc = write_many(c, &MEMBER_ADD, &c->adds);
  if (rc == LR_OK) rc = write_many(c, &MEMBER_DEL, &c->dels);
  if (rc == LR_OK) rc = write_many(c, &ASSIGN, &c->assigns);
  if (rc == LR_OK) rc = write_owners(c);
  if (rc == LR_OK) rc = write_many(c, &ERRORS, &c->errors);
  if (rc == LR_OK) rc = write_many(c, &UNLOCK, &c->unlocks);
  if (rc == LR_OK) rc = write_many(c, &STABLE, &c->stables);
done:;
  rows *all[] = { &c->contacts, &c->hist, &c->clears, &c->sets, &c->parts,
                  &c->adds, &c->dels, &c->assigns, &c->unassigns, &c->errors,
                  &c->unlocks, &c->spells, &c->stables };
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) all[i]->n = 0;
  lra_reset(&c->arena);
  c->oom = 0;
  return rc;
}

void lrs_changes_free(lrs_changes *c) {
  if (!c) return;
  rows *all[] = { &c->contacts, &c->hist, &c->clears, &c->sets, &c->parts,
                  &c->adds, &c->dels, &c->assigns, &c->unassigns, &c->errors,
                  &c->unlocks, &c->spells, &c->stables };
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]->v);
  lra_free(&c->arena);
  free(c);
}

/* Room for one more row of l; NULL when out of memory. */
static void *add_row(lrs_changes *c, rows *l, size_t size) {
  void *v = lru_grow(l->v, l->n, &l->cap, size, 256);
  if (!v) {
    c->oom = 1;
    return NULL;
  }
  l->v = v;
  return (char *)v + (size_t)l->n++ * size;
}

/* The batch's own copy of s (NULL stays NULL). */
static const char *copy(lrs_changes *c, const char *s) {
  if (!s) return NULL;
  const char *d = lra_strdup(&c->arena, s);
  if (!d) c->oom = 1;
  return d;
}

static int added(lrs_changes *c) {
  return c->oom ? lr__err(c->db, LR_NOMEM, "out of memory") : LR_OK;
}

int lrs_changes_contact(lrs_changes *c, long long id, int has_score,
                        double score, const char *stage, int has_grade,
                        const char *grade, const char *grades, int has_scores,
                        const char *scores) {
  contact_row *r = add_row(c, &c->contacts, sizeof *r);
  if (r) {
    r->id = id;
    r->which = (has_score ? 1 : 0) | (stage ? 2 : 0) | (has_grade ? 4 : 0) |
               (has_scores ? 8 : 0);
    r->score = score;
    r->stage = copy(c, stage);
    r->grade = has_grade ? copy(c, grade) : NULL;
    r->grades = has_grade ? copy(c, grades) : NULL;
    r->scores = has_scores ? copy(c, scores) : NULL;
  }
  return added(c);
}

int lrs_changes_history(lrs_changes *c, long long id, const char *from,
                        const char *to, const char *reason,
                        const char *transition) {
  hist_row *h = add_row(c, &c->hist, sizeof *h);
  if (h) {
    h->id = id;
    h->from = copy(c, from);
    h->to = copy(c, to);
    h->reason = copy(c, reason);
    h->transition = copy(c, transition);
  }
  return added(c);
}

int lrs_changes_part(lrs_changes *c, long long id, const char *rule,
                     const char *group, double points, int is_new) {
  part_row *p = add_row(c, is_new ? &c->parts : &c->sets, sizeof *p);
  if (p) {
    p->id = id;
    p->rule = copy(c, rule);
    p->grp = copy(c, group);
    p->points = points;
  }
  return added(c);
}

static int add_text(lrs_changes *c, rows *l, long long id, const char *s) {
  text_row *t = add_row(c, l, sizeof *t);
  if (t) {
    t->id = id;
    t->text = copy(c, s);
  }
  return added(c);
}

int lrs_changes_part_del(lrs_changes *c, long long id, const char *rule) {
  return add_text(c, &c->clears, id, rule);
}

int lrs_changes_member(lrs_changes *c, long long id, const char *segment,
                       int member) {
  return add_text(c, member ? &c->adds : &c->dels, id, segment);
}

int lrs_changes_unassign(lrs_changes *c, long long id) {
  return add_text(c, &c->unassigns, id, NULL);
}

int lrs_changes_error(lrs_changes *c, long long id, const char *msg) {
  return add_text(c, &c->errors, id, msg);
}

int lrs_changes_unlock(lrs_changes *c, long long id) {
  return add_text(c, &c->unlocks, id, NULL);
}

int lrs_changes_spell(lrs_changes *c, long long id, const char *stage) {
  return add_text(c, &c->spells, id, stage);
}

int lrs_changes_stable(lrs_changes *c, long long id, long long at) {
  contact_row *last = c->contacts.n
      ? &((contact_row *)c->contacts.v)[c->contacts.n - 1] : NULL;
  if (last && last->id == id) {        /* one statement for the contact */
    last->which |= 16;
    last->stable = at;
    return LR_OK;
  }
  stable_row *s = add_row(c, &c->stables, sizeof *s);
  if (s) {
    s->id = id;
    s->at = at;
  }
  return added(c);
}

int lrs_changes_assign(lrs_changes *c, long long id, const char *owner,
                       const char *stage, long long due) {
  assign_row *a = add_row(c, &c->assigns, sizeof *a);
  if (a) {
    a->id = id;
    a->owner = copy(c, owner);
    a->stage = copy(c, stage);
    a->due = due;
  }
  return added(c);
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
  if (db->pg) {
    long long v[3];
    int rc = lrs_pg_routing_get(db, router, owner, v, found);
    if (rc == LR_OK && *found) *total = v[0], *day = v[1], *today = v[2];
    return rc;
  }
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
  if (db->pg) {
    long long v[] = { total, day, today };
    return lrs_pg_routing_put(db, router, owner, v);
  }
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
  if (db->pg) return db->pg->changes;   /* pg_apply.c, pg_runs.c */
  return sqlite3_total_changes64(db->sql);
}
