/*
** pg_account_write.c -- a run's writes for accounts on PostgreSQL
** (accounts.h): the account's decision, its stage history, score parts
** and handoffs, on the run's connection inside its transaction
** (pg_run.c), each statement counted as SQLite's total_changes counts it.
** A run writes for an account only what changed (account_run.c), and
** accounts are companies, far fewer than contacts: one statement per
** change, no staging.  New history and handoff ids continue from the
** largest, as SQLite's do (lrs_pg_sync_ids).
*/
#include <stdio.h>
#include <stdlib.h>

#include "accounts.h"
#include "db_int.h"
#include "pg_int.h"

/* lrs_pg_sync_ids's flags for the account tables. */
#define SYNC_HISTORY 0x100u
#define SYNC_ASSIGN 0x200u

static int write(lr_db *db, const char *sql, int n, const char *const *p,
                 const char *what) {
  PGresult *res;
  int rc = lrs_pg_query(db, sql, n, p, &res, what);
  if (rc != LR_OK) return rc;
  db->pg->changes += atoll(PQcmdTuples(res));
  PQclear(res);
  return LR_OK;
}

/* Numbers as parameters: i as text ("" when the store's none, 0, is to be
** NULL: the caller passes NULL then). */
typedef struct { char v[32]; } num;

static const char *int_p(num *b, long long i) {
  snprintf(b->v, sizeof b->v, "%lld", i);
  return b->v;
}

static const char *real_p(num *b, double d) {
  snprintf(b->v, sizeof b->v, "%.17g", d);
  return b->v;
}

int lrs_pg_account_update(lr_db *db, long long id, double score,
                          const char *scores, const char *grade,
                          const char *grades, const char *stage,
                          long long now, int moved) {
  num a, b, c;
  const char *p[] = { int_p(&a, id), real_p(&b, score), scores, grade,
                      grades, stage, int_p(&c, now), moved ? "1" : "0" };
  return write(db, "UPDATE accounts SET score = $2, scores = $3, grade = $4,"
               " grades = $5, stage = $6, stage_since = CASE WHEN $8 = '1'"
               " THEN $7::bigint ELSE stage_since END, due_at = CASE WHEN"
               " $8 = '1' THEN NULL ELSE due_at END, updated_at = $7"
               " WHERE id = $1", 8, p, "accounts");
}

int lrs_pg_account_history(lr_db *db, long long id, const char *from,
                           const char *to, long long at, long long run_id,
                           const char *reason, const char *transition) {
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
  num a;
  const char *p[] = { int_p(&a, id) };
  return write(db, "DELETE FROM account_parts WHERE account_id = $1", 1, p,
               "account parts");
}

int lrs_pg_account_part(lr_db *db, long long id, const char *rule,
                        const char *group, double points) {
  num a, b;
  const char *p[] = { int_p(&a, id), rule, group, real_p(&b, points) };
  return write(db, "INSERT INTO account_parts(account_id, rule, grp, points)"
               " VALUES($1, $2, $3, $4)", 4, p, "account parts");
}

int lrs_pg_account_assign(lr_db *db, long long id, const char *owner,
                          const char *stage, long long at, long long run_id,
                          long long due) {
  num a, b, c, d;
  if (!owner) {
    const char *p[] = { int_p(&a, id) };
    return write(db, "UPDATE accounts SET owner = NULL, assigned_at = NULL,"
                 " due_at = NULL WHERE id = $1", 1, p, "accounts");
  }
  const char *p[] = { int_p(&a, id), owner, stage, int_p(&b, at),
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
