/*
** pg_run.c -- the transaction of a run on PostgreSQL.  One run writes at
** a time: the writer takes a session advisory lock (waiting up to the
** busy timeout), then opens a REPEATABLE READ transaction whose first
** statement exports its snapshot; the workers' readers import it
** (pg_snap.c), so they read exactly the committed state the writer
** started from, the same for every worker, as SQLite's readers do after
** the write lock is taken.
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db_int.h"
#include "pg_int.h"

static int try_lock(lr_db *db, int *got) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT pg_try_advisory_lock(" LRS_PG_WRITE_LOCK ")", 0,
                        NULL, &res, "run lock");
  if (rc != LR_OK) return rc;
  *got = PQgetvalue(res, 0, 0)[0] == 't';
  PQclear(res);
  return LR_OK;
}

/* Wait for the lock, polling every 20 ms, up to the busy timeout. */
static int lock(lr_db *db) {
  int got = 0, rc = LR_OK;
  for (int waited = 0; rc == LR_OK; waited += 20) {
    rc = try_lock(db, &got);
    if (rc != LR_OK || got) break;
    if (waited >= db->busy_ms) return lrs_busy(db, NULL);
    struct timespec ts = { 0, 20 * 1000000L };
    nanosleep(&ts, NULL);
  }
  if (rc == LR_OK) db->pg->locked = 1;
  return rc;
}

int lrs_pg_run_begin(lr_db *db) {
  if (db->txn) return lrs_pg_begin(db);      /* inside the caller's */
  int rc = lock(db);
  if (rc != LR_OK) return rc;
  rc = lrs_pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ", "run");
  if (rc != LR_OK) {
    lrs_pg_run_end(db);
    return rc;
  }
  db->txn++;
  PGresult *res;
  rc = lrs_pg_query(db, "SELECT pg_export_snapshot()", 0, NULL, &res, "run");
  if (rc != LR_OK) return rc;           /* the caller rolls back */
  snprintf(db->pg->snapshot, sizeof db->pg->snapshot, "%s",
           PQgetvalue(res, 0, 0));
  PQclear(res);
  return LR_OK;               /* changes keeps counting: run.c subtracts */
}

int lrs_pg_events_begin(lr_db *db) {
  if (db->txn) return lrs_pg_begin(db);
  int rc = lock(db);
  if (rc == LR_OK)
    rc = lrs_pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ", "events");
  if (rc != LR_OK) {
    lrs_pg_run_end(db);
    return rc;
  }
  db->txn++;
  return LR_OK;
}

void lrs_pg_run_end(lr_db *db) {
  db->pg->snapshot[0] = '\0';
  db->pg->staged = 0;
  db->pg->synced = 0;
  lrs_pg_account_writes_free(db);
  /* A run nested in a caller's transaction (lr_apply_events) leaves the
  ** lock to the caller's end. */
  if (!db->pg->locked || db->txn) return;
  db->pg->locked = 0;
  PGresult *res = PQexec(db->pg->conn,
                         "SELECT pg_advisory_unlock(" LRS_PG_WRITE_LOCK ")");
  PQclear(res);
}
