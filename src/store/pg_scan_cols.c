/*
** pg_scan_cols.c -- the contacts columns as the engine reads them on
** PostgreSQL: the real columns in SQLite's order, then every imported
** field kept in contacts.data, in the order the fields registry added
** them.  A scan reads each as two result columns (its jsonb type and its
** text, decoded by lrs_pg_decode); a segment's `where` reads a row with
** one typed column per field, as SQLite's contacts table has.
*/
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

/* The expression reading field name from data, as its registered type. */
static void data_col(lr_buf *b, const char *name, const char *type) {
  if (strcmp(type, "text") == 0) {
    lrb_adds(b, "data->>");
    lrs_pg_quote_str(b, name);
    return;
  }
  lrb_adds(b, "CASE WHEN jsonb_typeof(data->");
  lrs_pg_quote_str(b, name);
  lrb_adds(b, ") = 'number' THEN (data->>");
  lrs_pg_quote_str(b, name);
  lrb_adds(b, ")::numeric END");
}

static void add_col(lr_buf *select, lr_buf *view, const char *name,
                    const char *type, int kind, int first) {
  if (!first) {
    lrb_adds(select, ", ");
    lrb_adds(view, ", ");
  }
  if (kind >= 0) {
    lrb_adds(select, "NULL, ");
    lrs_quote_ident(select, name);
    lrb_adds(select, "::text");
    lrs_quote_ident(view, name);
    return;
  }
  lrb_adds(select, "jsonb_typeof(data->");
  lrs_pg_quote_str(select, name);
  lrb_adds(select, "), data->");
  lrs_pg_quote_str(select, name);
  lrb_adds(select, " #>> '{}'");
  data_col(view, name, type);
  lrb_adds(view, " AS ");
  lrs_quote_ident(view, name);
}

int lrs_pg_scan_cols(lrs_snap *s, char ***names, int **kinds, int *n,
                     lr_buf *select, lr_buf *view) {
  *names = NULL;
  *kinds = NULL;
  *n = 0;
  PGresult *res;
  int rc = lrs_pg_snap_query(s, "SELECT name, type FROM fields ORDER BY ord",
                             0, NULL, &res);
  if (rc != LR_OK) return rc;
  int nf = PQntuples(res), cap = nf + 64, k = 0;
  char **v = calloc((size_t)cap + 1, sizeof *v);
  int *kd = calloc((size_t)cap + 1, sizeof *kd);
  int oom = !v || !kd;
  for (int i = 0; !oom && lrs_pg_column_name(i); i++) {
    const char *name = lrs_pg_column_name(i);
    kd[k] = lrs_pg_column_type(name);
    add_col(select, view, name, "", kd[k], k == 0);
    oom = !(v[k++] = strdup(name));
  }
  for (int i = 0; !oom && i < nf; i++) {
    const char *name = PQgetvalue(res, i, 0);
    if (lrs_pg_column_type(name) >= 0) continue;
    kd[k] = -1;
    add_col(select, view, name, PQgetvalue(res, i, 1), -1, 0);
    oom = !(v[k++] = strdup(name));
  }
  PQclear(res);
  if (oom || select->oom || view->oom) {
    for (int i = 0; v && i < k; i++) free(v[i]);
    free(v);
    free(kd);
    lrb_reset(&s->pgerr);
    lrb_adds(&s->pgerr, "out of memory");
    return s->src = LR_NOMEM;
  }
  *names = v;
  *kinds = kd;
  *n = k;
  return LR_OK;
}
