/*
** pg_changed.c -- what run --changed reads, on PostgreSQL (changed.c
** decides with it, as on SQLite): the last complete run, the runs since
** it, and the contacts whose change_mark is at or after it or whose
** stable_until has come.  In the run's transaction, on the writer's
** connection.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"
#include "../util/grow.h"

int lrs_pg_changed_base(lr_db *db, int *found, long long *base, char *hash,
                        size_t hashlen, long long *then, int *others) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT id, policy_hash, now, reads_others FROM "
                        "runs WHERE kind = 'run' AND scope IN ('full', "
                        "'changed') ORDER BY id DESC LIMIT 1", 0, NULL, &res,
                        "find the last run");
  if (rc != LR_OK) return rc;
  *found = PQntuples(res) > 0;
  if (*found) {
    *base = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    snprintf(hash, hashlen, "%s", PQgetisnull(res, 0, 1) ? ""
                                                         : PQgetvalue(res, 0, 1));
    *then = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    *others = atoi(PQgetvalue(res, 0, 3));
  }
  PQclear(res);
  return LR_OK;
}

int lrs_pg_changed_since(lr_db *db, long long base, const char *hash,
                         int *other, int *reads) {
  char b[24];
  snprintf(b, sizeof b, "%lld", base);
  const char *p[] = { b, hash };
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT (policy_hash IS DISTINCT FROM $2)::int, "
                        "reads_others FROM runs WHERE id > $1 AND kind = "
                        "'run' AND (policy_hash IS DISTINCT FROM $2 OR "
                        "reads_others <> 0) LIMIT 1", 2, p, &res,
                        "find the last run");
  if (rc != LR_OK) return rc;
  *other = PQntuples(res) && atoi(PQgetvalue(res, 0, 0));
  *reads = PQntuples(res) && atoi(PQgetvalue(res, 0, 1));
  PQclear(res);
  return LR_OK;
}

int lrs_pg_changed_ids(lr_db *db, int expired, long long v, long long **ids,
                       long long *n, long long *cap) {
  char s[24];
  snprintf(s, sizeof s, "%lld", v);
  const char *p[] = { s };
  PGresult *res;
  int rc = lrs_pg_query(db, expired
      ? "SELECT contact_id FROM contact_state WHERE stable_until <= $1"
      : "SELECT id FROM contacts WHERE change_mark >= $1", 1, p, &res,
      "find changed contacts");
  if (rc != LR_OK) return rc;
  for (int i = 0, m = PQntuples(res); i < m; i++) {
    long long *v2 = lru_grow(*ids, *n, cap, sizeof **ids, 1024);
    if (!v2) {
      PQclear(res);
      return lr__err(db, LR_NOMEM, "out of memory");
    }
    *ids = v2;
    (*ids)[(*n)++] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
  }
  PQclear(res);
  return LR_OK;
}
