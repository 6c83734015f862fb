/*
** pg_keys.c -- reading every contact's key and id on PostgreSQL, a batch
** at a time through a cursor (memory holds one batch, not the table), and
** the small counts an import asks before it starts.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

#define BATCH 10000

static int each(lr_db *db, PGresult *res,
                int (*fn)(void *, const char *, size_t, long long), void *ctx) {
  for (int i = 0; i < PQntuples(res); i++)
    if (!fn(ctx, PQgetvalue(res, i, 0), (size_t)PQgetlength(res, i, 0),
            atoll(PQgetvalue(res, i, 1))))
      return lr__err(db, LR_NOMEM, "out of memory (contact keys)");
  return LR_OK;
}

int lrs_pg_each_key(lr_db *db, int (*fn)(void *ctx, const char *key,
                    size_t n, long long id), void *ctx) {
  int own = PQtransactionStatus(db->pg->conn) == PQTRANS_IDLE;
  int rc = lrs_pg_exec(db, own ? "BEGIN; DECLARE lr_keys NO SCROLL CURSOR "
                       "FOR SELECT key, id FROM contacts"
                       : "DECLARE lr_keys NO SCROLL CURSOR FOR SELECT key, "
                       "id FROM contacts", "contact keys");
  char sql[48];
  snprintf(sql, sizeof sql, "FETCH %d FROM lr_keys", BATCH);
  for (int n = BATCH; rc == LR_OK && n == BATCH;) {
    PGresult *res;
    rc = lrs_pg_query(db, sql, 0, NULL, &res, "contact keys");
    if (rc != LR_OK) break;
    n = PQntuples(res);
    rc = each(db, res, fn, ctx);
    PQclear(res);
  }
  if (rc == LR_OK)
    rc = lrs_pg_exec(db, own ? "CLOSE lr_keys; COMMIT" : "CLOSE lr_keys",
                     "contact keys");
  else if (own)
    PQclear(PQexec(db->pg->conn, "ROLLBACK"));
  return rc;
}

static int one(lr_db *db, const char *sql, long long *v, const char *what) {
  PGresult *res;
  int rc = lrs_pg_query(db, sql, 0, NULL, &res, what);
  if (rc != LR_OK) return rc;
  const char *t = PQgetvalue(res, 0, 0);
  *v = t[0] == 't' ? 1 : t[0] == 'f' ? 0 : atoll(t);
  PQclear(res);
  return LR_OK;
}

int lrs_pg_contacts_count(lr_db *db, long long *n) {
  return one(db, "SELECT coalesce(max(id), 0) FROM contacts", n, "contacts");
}

int lrs_pg_activities_any(lr_db *db, int *any) {
  long long v = 0;
  int rc = one(db, "SELECT EXISTS(SELECT 1 FROM activities)", &v,
               "activities");
  *any = (int)v;
  return rc;
}
