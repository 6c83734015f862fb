/*
** pg_rows.c -- one contact's row on PostgreSQL, as SQLite's `SELECT *
** FROM contacts WHERE id = ?` gives it (query.h's lrs_contact_row_open):
** the real columns and every imported field, named and typed as on
** SQLite (pg_scan_cols.c reads them, lrs_pg_decode types them).  An
** account's contacts read their stored fields through it (account:count
** { where = ... }, account:contacts()).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

struct lrs_pg_rows {
  PGresult *res;
  int row, n;
  char **names;
  int *kinds;
  lrs_value *vals;
};

void lrs_pg_rows_close(struct lrs_pg_rows *r) {
  if (!r) return;
  PQclear(r->res);
  for (int i = 0; i < r->n; i++) free(r->names[i]);
  free(r->names);
  free(r->kinds);
  free(r->vals);
  free(r);
}

int lrs_pg_contact_row(lrs_snap *s, long long id, struct lrs_pg_rows **out) {
  *out = NULL;
  struct lrs_pg_rows *r = calloc(1, sizeof *r);
  if (!r) {
    lrb_reset(&s->pgerr);
    lrb_adds(&s->pgerr, "out of memory");
    return s->src = LR_NOMEM;
  }
  lr_buf select = LR_BUF_INIT, view = LR_BUF_INIT, sql = LR_BUF_INIT;
  int rc = lrs_pg_scan_cols(s, &r->names, &r->kinds, &r->n, &select, &view);
  if (rc == LR_OK) {
    lrb_printf(&sql, "SELECT %s FROM contacts WHERE id = %lld",
               lrb_str(&select), id);
    r->vals = calloc((size_t)r->n + 1, sizeof *r->vals);
    if (sql.oom || !r->vals) {
      lrb_reset(&s->pgerr);
      lrb_adds(&s->pgerr, "out of memory");
      rc = s->src = LR_NOMEM;
    }
  }
  if (rc == LR_OK) rc = lrs_pg_snap_query(s, lrb_str(&sql), 0, NULL, &r->res);
  lrb_free(&select);
  lrb_free(&view);
  lrb_free(&sql);
  if (rc != LR_OK) {
    lrs_pg_rows_close(r);
    return rc;
  }
  *out = r;
  return LR_OK;
}

int lrs_pg_contact_acts(lrs_snap *s, long long id, struct lrs_pg_rows **out) {
  static const char *const names[] = { "type", "at", "value", "campaign" };
  static const int kinds[] = { LRS_TEXT, LRS_INTEGER, LRS_REAL, LRS_TEXT };
  *out = NULL;
  struct lrs_pg_rows *r = calloc(1, sizeof *r);
  int oom = !r;
  if (r) {
    r->names = calloc(4, sizeof *r->names);
    r->kinds = calloc(4, sizeof *r->kinds);
    r->vals = calloc(4, sizeof *r->vals);
    oom = !r->names || !r->kinds || !r->vals;
    for (int i = 0; !oom && i < 4; i++, r->n++) {
      r->kinds[i] = kinds[i];
      oom = !(r->names[i] = strdup(names[i]));
    }
  }
  if (oom) {
    lrs_pg_rows_close(r);
    lrb_reset(&s->pgerr);
    lrb_adds(&s->pgerr, "out of memory");
    return s->src = LR_NOMEM;
  }
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT NULL, type, NULL, occurred_at::text, "
           "NULL, value::text, NULL, campaign FROM activities WHERE "
           "contact_id = %lld ORDER BY occurred_at, id", id);
  int rc = lrs_pg_snap_query(s, sql, 0, NULL, &r->res);
  if (rc != LR_OK) {
    lrs_pg_rows_close(r);
    return rc;
  }
  *out = r;
  return LR_OK;
}

int lrs_pg_rows_columns(const struct lrs_pg_rows *r) { return r->n; }

const char *lrs_pg_rows_name(const struct lrs_pg_rows *r, int i) {
  return r->names[i];
}

int lrs_pg_rows_next(struct lrs_pg_rows *r, const lrs_value **row) {
  if (r->row >= PQntuples(r->res)) return 0;
  for (int i = 0; i < r->n; i++) {
    lrs_value *v = &r->vals[i];
    memset(v, 0, sizeof *v);
    if (PQgetisnull(r->res, r->row, 2 * i + 1)) continue;    /* LRS_NULL */
    lrs_pg_decode(v, r->kinds[i], PQgetvalue(r->res, r->row, 2 * i),
                  PQgetvalue(r->res, r->row, 2 * i + 1));
  }
  r->row++;
  *row = r->vals;
  return 1;
}
