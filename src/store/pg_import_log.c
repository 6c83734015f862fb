/*
** pg_import_log.c -- the imports table on PostgreSQL, as import_log.c:
** one row per import, written in the import's transaction.
*/
#include <stdio.h>
#include <stdlib.h>

#include "db_int.h"
#include "pg_int.h"

int lrs_pg_import_log_start(lr_db *db, const char *kind, const char *file,
                            long long now, long long *seq) {
  char at[24];
  snprintf(at, sizeof at, "%lld", now);
  const char *p[] = { kind, file, at };
  /* Under the write lock (lrs_pg_begin): new ids continue from the
  ** largest, as on SQLite, also after a killed import took numbers. */
  int rc = lrs_pg_exec(db, "SELECT setval(pg_get_serial_sequence(t, c), "
      "m + 1, false) FROM (SELECT 'imports' t, 'id' c, (SELECT coalesce("
      "max(id), 0) FROM imports) m UNION ALL SELECT 'activities', 'id', "
      "(SELECT coalesce(max(id), 0) FROM activities) UNION ALL SELECT "
      "'outcomes', 'id', (SELECT coalesce(max(id), 0) FROM outcomes) UNION "
      "ALL SELECT 'fields', 'ord', (SELECT coalesce(max(ord), 0) FROM "
      "fields)) s", "import log");
  if (rc != LR_OK) return rc;
  PGresult *res;
  rc = lrs_pg_query(db, "INSERT INTO imports(kind, file, at) VALUES($1, "
                        "$2, $3::bigint) RETURNING id", 3, p, &res,
                        "import log");
  if (rc != LR_OK) return rc;
  *seq = atoll(PQgetvalue(res, 0, 0));
  PQclear(res);
  return LR_OK;
}

int lrs_pg_import_log_finish(lr_db *db, long long seq, const char *key_field,
                             const lr_import_report *r) {
  char v[7][24];
  snprintf(v[0], sizeof v[0], "%lld", seq);
  snprintf(v[1], sizeof v[1], "%lld", (long long)r->rows_read);
  snprintf(v[2], sizeof v[2], "%lld", (long long)r->inserted);
  snprintf(v[3], sizeof v[3], "%lld", (long long)r->updated);
  snprintf(v[4], sizeof v[4], "%lld", (long long)r->merged);
  snprintf(v[5], sizeof v[5], "%lld", (long long)r->rejected);
  snprintf(v[6], sizeof v[6], "%d", r->fields_created);
  const char *p[] = { v[0], key_field, v[1], v[2], v[3], v[4], v[5], v[6] };
  PGresult *res;
  int rc = lrs_pg_query(db, "UPDATE imports SET key_field = $2, rows_read = "
                        "$3::bigint, inserted = $4::bigint, updated = "
                        "$5::bigint, merged = $6::bigint, rejected = "
                        "$7::bigint, fields_created = $8::bigint WHERE id = "
                        "$1::bigint", 8, p, &res, "import log");
  PQclear(res);
  return rc;
}
