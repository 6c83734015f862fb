/*
** pg_snap.c -- read snapshots on PostgreSQL: a reader connection of its
** own in one REPEATABLE READ, READ ONLY transaction.  Inside a run the
** reader imports the snapshot the writer exported (pg_run.c), so every
** worker reads the committed state the run started from, as SQLite's
** readers do; elsewhere it takes its own at its first read.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

/* Policy SQL (segments' `where`) runs on readers: no statement of theirs
** may run longer than this. */
#define READER_TIMEOUT "60s"

int lrs_pg_snap_err(lrs_snap *s, const PGresult *res) {
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  lrb_reset(&s->pgerr);
  lrs_pg_errmsg(&s->pgerr, res, PQerrorMessage(s->pg),
                s->db->pg ? s->db->pg->uri : NULL);
  int rc = LR_ERROR;
  if (!state) rc = LR_IO;
  else if (!strcmp(state, "57014")) rc = LR_INTERRUPT;
  else if (!strcmp(state, "53200")) rc = LR_NOMEM;
  else if (!strncmp(state, "08", 2)) rc = LR_IO;
  s->src = rc;
  return rc;
}

int lrs_pg_snap_query(lrs_snap *s, const char *sql, int n,
                      const char *const *params, PGresult **out) {
  *out = NULL;
  /* Without params, several statements may go at once; with params
  ** (even none: n 0) one only, so a segment's `where` cannot end the
  ** READ ONLY transaction and write (pg_usersql.c, pg_counts.c). */
  PGresult *res;
  if (s->cancel) {                     /* Ctrl-C stops it (pg_cancel.c) */
    int sent = params ? PQsendQueryParams(s->pg, sql, n, NULL, params, NULL,
                                          NULL, 0)
                      : PQsendQuery(s->pg, sql);
    res = sent ? lrs_pg_wait(s->pg, s->cancel) : NULL;
  } else {
    res = params ? PQexecParams(s->pg, sql, n, NULL, params, NULL, NULL, 0)
                 : PQexec(s->pg, sql);
  }
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    int rc = lrs_pg_snap_err(s, res);
    PQclear(res);
    return rc;
  }
  *out = res;
  return LR_OK;
}

static int exec(lrs_snap *s, const char *sql) {
  PGresult *res;
  int rc = lrs_pg_snap_query(s, sql, 0, NULL, &res);
  PQclear(res);
  return rc;
}

int lrs_pg_snap_open(lr_db *db, lrs_snap **out) {
  *out = NULL;
  lrs_snap *s = calloc(1, sizeof *s);
  if (!s) return lr__err(db, LR_NOMEM, "out of memory");
  s->db = db;
  s->own = 1;
  s->pg = lrs_pg_connect(db);
  if (!s->pg) {
    free(s);
    return db->rc;
  }
  char sql[256];
  snprintf(sql, sizeof sql, "SET client_min_messages = warning; SET TIME "
           "ZONE 'UTC'; SET standard_conforming_strings = on; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
           "SET LOCAL statement_timeout = '%s'", READER_TIMEOUT);
  int rc = exec(s, sql);
  if (rc == LR_OK && db->pg->snapshot[0]) {
    snprintf(sql, sizeof sql, "SET TRANSACTION SNAPSHOT '%s'",
             db->pg->snapshot);
    rc = exec(s, sql);
  }
  if (rc == LR_OK) rc = exec(s, "SELECT count(*) FROM meta");  /* pin it */
  if (rc != LR_OK) {
    lr__err(db, rc, "read snapshot: %s", lrb_str(&s->pgerr));
    lrs_pg_snap_close(s);
    return rc;
  }
  *out = s;
  return LR_OK;
}

void lrs_pg_snap_close(lrs_snap *s) {
  if (s->own && s->pg) {
    PGresult *res = PQexec(s->pg, "COMMIT");
    PQclear(res);
    PQfinish(s->pg);
  }
  lrb_free(&s->pgerr);
  free(s);
}
