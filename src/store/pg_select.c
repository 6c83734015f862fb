/*
** pg_select.c -- select.h on a PostgreSQL snapshot: the known stages and
** segments (lrs_distinct), and the statements of a script's leads{}: the
** contacts matching a stage and the user's `where` (over the typed
** columns of pg_scan_cols.c, under the guard of segment SQL:
** pg_usersql.c, and run as its reader role), and a segment's members,
** each read by keyset in
** batches; select.c merges them as on SQLite.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

/* SQLite's lower() folds ASCII only. */
#define LOWER(x) "translate(" x ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', " \
                 "'abcdefghijklmnopqrstuvwxyz') COLLATE \"C\""

/* One spelling per name, as SQLite's GROUP BY lower(s) with min(p) picks
** it: the contacts', then the history's, then the last run's policy's. */
static const char STAGES[] =
    "WITH r AS (SELECT stages::jsonb AS j FROM runs WHERE kind = 'run' AND "
    " dry_run = 0 AND stages ~ '^\\s*\\{' ORDER BY id DESC LIMIT 1),"
    " f AS (SELECT CASE WHEN jsonb_typeof(j->'funnel') = 'array'"
    "  THEN j->'funnel' ELSE '[]' END AS a, CASE WHEN jsonb_typeof(j->'side')"
    "  = 'array' THEN j->'side' ELSE '[]' END AS b FROM r)"
    " SELECT s FROM (SELECT DISTINCT ON (" LOWER("s") ") s, " LOWER("s")
    "  AS l FROM (SELECT stage AS s, 0 AS p FROM contact_state"
    "  UNION ALL SELECT to_stage, 1 FROM stage_history"
    "  UNION ALL SELECT jsonb_array_elements_text(a), 2 FROM f"
    "  UNION ALL SELECT jsonb_array_elements_text(b), 2 FROM f) u"
    "  WHERE s <> '' ORDER BY " LOWER("s") ", p, s COLLATE \"C\") d"
    " ORDER BY l";

int lrs_pg_distinct(lrs_snap *snap, int stages,
                    int (*cb)(void *ctx, const char *name), void *ctx) {
  PGresult *res;
  int rc = lrs_pg_snap_query(snap, stages ? STAGES
      : "SELECT DISTINCT segment COLLATE \"C\" FROM segment_members "
        "ORDER BY 1", 0, NULL, &res);
  if (rc != LR_OK) return rc;
  for (int i = 0, n = PQntuples(res); i < n; i++)
    if (cb(ctx, PQgetvalue(res, i, 0))) break;
  PQclear(res);
  return LR_OK;
}

int lrs_pg_select_sql(lrs_snap *snap, const char *where, int batch,
                      char **sql, char *err, size_t errlen) {
  *sql = NULL;
  char **names;
  int *kinds, ncols;
  lr_buf select = LR_BUF_INIT, view = LR_BUF_INIT, b = LR_BUF_INIT;
  int rc = lrs_pg_scan_cols(snap, &names, &kinds, &ncols, &select, &view);
  if (rc != LR_OK) return rc;
  for (int i = 0; i < ncols; i++) free(names[i]);
  free(names);
  free(kinds);
  /* Stage names match in any case, as SQLite's COLLATE NOCASE (ASCII).
  ** The batch's start is said of both tables (LRS_PG_CONTACTS_SELECT).
  ** A subquery of where reads all contacts (lrs_pg_user_with). */
  lrs_pg_user_with(&b, lrb_str(&view), "(" LRS_PG_CONTACTS_SELECT
                   " AND s.contact_id > $2::bigint WHERE c.id > $2::bigint)"
                   " AS contacts");
  lrb_printf(&b, "SELECT id FROM lr_batch AS contacts "
             "WHERE ($1::text IS NULL OR " LOWER("stage") " = " LOWER("$1")
             ") AND id > $2::bigint AND (\n%s\n) ORDER BY id LIMIT %d",
             where && *where ? where : "true", batch);
  lrb_free(&select);
  lrb_free(&view);
  if (b.oom) rc = LR_NOMEM;
  else if (where && *where)
    rc = lrs_pg_user_check(snap, lrb_str(&b), where, 2, err, errlen);
  if (rc == LR_OK && !(*sql = strdup(lrb_str(&b)))) rc = LR_NOMEM;
  lrb_free(&b);
  if (rc == LR_NOMEM) snprintf(err, errlen, "out of memory");
  return rc;
}

int lrs_pg_select_ids(lrs_snap *snap, const char *sql, int user,
                      const char *arg, long long after, long long *ids,
                      int max, int *n) {
  *n = 0;
  char a[24];
  snprintf(a, sizeof a, "%lld", after);
  const char *p[] = { arg, a };
  PGresult *res;
  int rc = user ? lrs_pg_user_query(snap, sql, 2, p, &res)
                : lrs_pg_snap_query(snap, sql, 2, p, &res);
  if (rc != LR_OK) return rc;
  for (int i = 0, k = PQntuples(res); i < k && *n < max; i++)
    ids[(*n)++] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
  PQclear(res);
  return LR_OK;
}
