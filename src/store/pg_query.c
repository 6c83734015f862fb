/*
** pg_query.c -- query.h's reads for the developer tools (check,
** backtest --outcome) on PostgreSQL: the contacts columns as SQLite's
** table has them, and the contacts per stage.
*/
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

/* The columns of pg_scan_cols.c (real columns in SQLite's order, then
** the imported fields in the order they were added: SQLite's
** `SELECT * FROM contacts`), packed as lrs_contact_columns gives them. */
char **lrs_pg_contact_columns(lrs_snap *s, int *n) {
  char **names;
  int *kinds, ncols;
  lr_buf select = LR_BUF_INIT, view = LR_BUF_INIT;
  *n = 0;
  if (lrs_pg_scan_cols(s, &names, &kinds, &ncols, &select, &view) != LR_OK)
    return NULL;
  lrb_free(&select);
  lrb_free(&view);
  free(kinds);
  size_t bytes = (size_t)(ncols + 1) * sizeof(char *);
  for (int i = 0; i < ncols; i++) bytes += strlen(names[i]) + 1;
  char **v = malloc(bytes);
  if (v) {
    char *p = (char *)(v + ncols + 1);
    for (int i = 0; i < ncols; i++) {
      size_t len = strlen(names[i]) + 1;
      memcpy(p, names[i], len);
      v[i] = p;
      p += len;
    }
    v[ncols] = NULL;
    *n = ncols;
  }
  for (int i = 0; i < ncols; i++) free(names[i]);
  free(names);
  return v;
}

/* Groups in the order SQLite's GROUP BY gives them: by bytes. */
int lrs_pg_stage_counts(lrs_snap *s,
                        void (*fn)(void *ctx, const char *stage, long long n),
                        void *ctx) {
  PGresult *res;
  int rc = lrs_pg_snap_query(s, "SELECT coalesce(stage, '') COLLATE \"C\", "
                             "count(*) FROM " LRS_PG_CONTACTS " AS contacts "
                             "GROUP BY 1 ORDER BY 1",
                             0, NULL, &res);
  if (rc != LR_OK) return rc;
  for (int i = 0; i < PQntuples(res); i++)
    fn(ctx, PQgetvalue(res, i, 0), strtoll(PQgetvalue(res, i, 1), NULL, 10));
  PQclear(res);
  return LR_OK;
}
