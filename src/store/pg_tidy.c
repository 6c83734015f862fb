/*
** pg_tidy.c -- after an import that wrote many rows of a table, its
** commit is followed by VACUUM (ANALYZE) of that table.  Straight after a
** bulk load the table has no statistics (bad plans), its new rows carry
** no hint bits (the first reader of each page checks the commit log and
** writes the page again) and an import that rewrote every contact left
** one dead version per contact in the table and in each of its indexes
** (the next reads step over them).  Autovacuum sets this right a minute
** or more later, meanwhile on the run that follows the import; the
** import does it at once, outside its transaction (VACUUM cannot run in
** one).  It is an optimisation: its failure (no ownership of the table,
** a lost connection) never fails the import, which has committed.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

static const char *const TABLE[LRS_PG_TIDY_N] = {
  [LRS_PG_TIDY_CONTACTS] = "contacts",
  [LRS_PG_TIDY_STATE] = "contact_state",
  [LRS_PG_TIDY_ACTIVITIES] = "activities",
  [LRS_PG_TIDY_OUTCOMES] = "outcomes",
};

void lrs_pg_tidy_note(lr_db *db, int table, long long rows) {
  if (db->pg && table >= 0 && table < LRS_PG_TIDY_N && rows > 0)
    db->pg->tidy[table] += rows;
}

/* 1 if `rows` written are many for the table: at least LRS_PG_TIDY_ROWS
** and a tenth of the rows it had at its last VACUUM or ANALYZE (none yet:
** any number counts), the scale at which autovacuum would visit it. */
static int many(lr_db *db, const char *table, long long rows) {
  if (rows < LRS_PG_TIDY_ROWS) return 0;
  const char *p[1] = { table };
  /* PQexecParams, not lrs_pg_query: no error of ours replaces the
  ** import's outcome. */
  PGresult *res = PQexecParams(db->pg->conn, "SELECT reltuples FROM "
                               "pg_class WHERE oid = to_regclass($1)", 1,
                               NULL, p, NULL, NULL, 0);
  int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
  double had = ok && PQntuples(res) ? atof(PQgetvalue(res, 0, 0)) : 0;
  PQclear(res);
  return ok && (had <= 0 || (double)rows * 10 >= had);
}

void lrs_pg_tidy(lr_db *db) {
  if (!db->pg || db->txn != 0) return;
  lr_buf sql = LR_BUF_INIT;
  for (int t = 0; t < LRS_PG_TIDY_N; t++) {
    if (db->pg->tidy[t] && many(db, TABLE[t], db->pg->tidy[t]))
      lrb_printf(&sql, "%s%s", sql.n ? ", " : "VACUUM (ANALYZE) ", TABLE[t]);
    db->pg->tidy[t] = 0;
  }
  if (sql.n && !sql.oom) {
    /* PQexec, not lrs_pg_exec: the import's outcome and message stand;
    ** a table we do not own is a warning the user need not see. */
    PGconn *c = db->pg->conn;
    PQclear(PQexec(c, "SET client_min_messages = error"));
    PQclear(PQexec(c, sql.p));
    PQclear(PQexec(c, "SET client_min_messages = warning"));
  }
  lrb_free(&sql);
}

void lrs_pg_tidy_drop(lr_db *db) {
  if (db->pg) memset(db->pg->tidy, 0, sizeof db->pg->tidy);
}
