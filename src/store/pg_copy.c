/*
** pg_copy.c -- streaming rows to PostgreSQL with COPY ... FROM STDIN:
** rows are gathered in a buffer and sent 256 KiB at a time; the end
** collects the server's answer.  Used by the imports (pg_upsert.c,
** pg_events.c) and a run's writes (pg_apply.c).
*/
#include <stdlib.h>

#include "db_int.h"
#include "pg_int.h"

#define COPY_CHUNK (256 * 1024)   /* bytes per PQputCopyData */

int lrs_pg_copy_begin(lrs_pg_copy *c, lr_db *db, const char *sql,
                      const char *what) {
  c->db = db;
  c->what = what;
  c->copying = 0;
  PGresult *res = PQexec(db->pg->conn, sql);
  int rc = PQresultStatus(res) == PGRES_COPY_IN ? LR_OK
                                                : lrs_pg_err(db, res, what);
  PQclear(res);
  c->copying = rc == LR_OK;
  return rc;
}

static int send(lrs_pg_copy *c) {
  if (c->buf.oom) return lr__err(c->db, LR_NOMEM, "out of memory");
  if (c->buf.n &&
      PQputCopyData(c->db->pg->conn, c->buf.p, (int)c->buf.n) != 1)
    return lrs_pg_err(c->db, NULL, c->what);
  lrb_reset(&c->buf);
  return LR_OK;
}

int lrs_pg_copy_row_end(lrs_pg_copy *c) {
  lrb_addc(&c->buf, '\n');
  return c->buf.n >= COPY_CHUNK || c->buf.oom ? send(c) : LR_OK;
}

int lrs_pg_copy_end(lrs_pg_copy *c) {
  int rc = send(c);
  c->copying = 0;
  if (PQputCopyEnd(c->db->pg->conn, rc == LR_OK ? NULL : "failed") != 1)
    return rc == LR_OK ? lrs_pg_err(c->db, NULL, c->what) : rc;
  PGresult *res;
  while ((res = PQgetResult(c->db->pg->conn)) != NULL) {
    if (rc == LR_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
      rc = lrs_pg_err(c->db, res, c->what);
    else if (rc == LR_OK)
      c->rows += atoll(PQcmdTuples(res));
    PQclear(res);
  }
  return rc;
}

void lrs_pg_copy_free(lrs_pg_copy *c) {
  if (c->copying) {              /* abandoned: end the COPY, failing it */
    PQputCopyEnd(c->db->pg->conn, "abandoned");
    PGresult *res;
    while ((res = PQgetResult(c->db->pg->conn)) != NULL) PQclear(res);
    c->copying = 0;
  }
  lrb_free(&c->buf);
}
