/*
** pg_runs.c -- a run's own rows on PostgreSQL (apply.h): the runs row,
** its counts at the end, and the routing state; each write counted as
** SQLite's total_changes counts it (lrs_total_changes).
*/
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

#include "db_int.h"
#include "pg_int.h"

static double wall_time(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* sql with parameters p[0..n), counting the rows it changed. */
static int write(lr_db *db, const char *sql, int n, const char *const *p,
                 const char *what, PGresult **out) {
  PGresult *res;
  int rc = lrs_pg_query(db, sql, n, p, &res, what);
  if (rc != LR_OK) return rc;
  db->pg->changes += atoll(PQcmdTuples(res));
  if (out) *out = res;
  else PQclear(res);
  return LR_OK;
}

int lrs_pg_sync_ids(lr_db *db, const char *table, unsigned bit) {
  if (db->pg->synced & bit) return LR_OK;
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT setval(pg_get_serial_sequence('%s', "
           "'id'), coalesce(max(id), 0) + 1, false) FROM %s", table, table);
  int rc = lrs_pg_exec(db, sql, "record run");
  if (rc == LR_OK) db->pg->synced |= bit;
  return rc;
}

int lrs_pg_run_start(lr_db *db, const char *kind, const char *policy,
                     const char *hash, long long now, const char *by,
                     const char *stages, const char *scope,
                     const char *full_reason, long long *run_id) {
  char nows[24], at[40];
  snprintf(nows, sizeof nows, "%lld", now);
  snprintf(at, sizeof at, "%.17g", wall_time());
  const char *p[] = { kind, policy, hash, nows, at, by, stages, scope,
                      full_reason };
  PGresult *res;
  int rc = lrs_pg_sync_ids(db, "runs", 1);
  if (rc == LR_OK) rc = write(db, "INSERT INTO runs(kind, policy, policy_hash, now, "
                 "started_at, by, stages, scope, full_reason) VALUES($1, $2, "
                 "$3, $4, $5, $6, $7, $8, $9) RETURNING id", 9, p,
                 "record run", &res);
  if (rc != LR_OK) return rc;
  *run_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return LR_OK;
}

int lrs_pg_run_finish(lr_db *db, long long run_id, const long long *v,
                      int n) {
  char s[7][40];
  const char *p[7];
  snprintf(s[0], sizeof s[0], "%lld", run_id);
  snprintf(s[1], sizeof s[1], "%.17g", wall_time());
  for (int i = 0; i < 7; i++) p[i] = s[i];
  for (int i = 0; i < n && i < 5; i++)
    snprintf(s[2 + i], sizeof s[2 + i], "%lld", v[i]);
  return write(db, "UPDATE runs SET finished_at = $2, evaluated = $3, "
               "score_changes = $4, moves = $5, handoffs = $6, errors = $7 "
               "WHERE id = $1", 7, p, "finish run", NULL);
}

/* One column of the runs row: held_by_manual or reads_others. */
int lrs_pg_run_set(lr_db *db, long long run_id, const char *col,
                   long long v) {
  char sql[96], id[24], val[24];
  snprintf(sql, sizeof sql, "UPDATE runs SET %s = $2 WHERE id = $1", col);
  snprintf(id, sizeof id, "%lld", run_id);
  snprintf(val, sizeof val, "%lld", v);
  const char *p[] = { id, val };
  return write(db, sql, 2, p, "finish run", NULL);
}

int lrs_pg_routing_get(lr_db *db, const char *router, const char *owner,
                       long long *v, int *found) {
  const char *p[] = { router, owner };
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT total, day, today FROM routing_state "
                        "WHERE router = $1 AND owner = $2", 2, p, &res,
                        "routing state");
  if (rc != LR_OK) return rc;
  *found = PQntuples(res) > 0;
  for (int i = 0; *found && i < 3; i++)
    v[i] = strtoll(PQgetvalue(res, 0, i), NULL, 10);
  PQclear(res);
  return LR_OK;
}

int lrs_pg_routing_put(lr_db *db, const char *router, const char *owner,
                       const long long *v) {
  char s[3][24];
  for (int i = 0; i < 3; i++) snprintf(s[i], sizeof s[i], "%lld", v[i]);
  const char *p[] = { router, owner, s[0], s[1], s[2] };
  return write(db, "INSERT INTO routing_state(router, owner, total, day, "
               "today) VALUES($1, $2, $3, $4, $5) ON CONFLICT(router, owner) "
               "DO UPDATE SET total = $3, day = $4, today = $5", 5, p,
               "save routing state", NULL);
}
