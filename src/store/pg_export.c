/*
** pg_export.c -- reading contacts for export on PostgreSQL: a server-side
** cursor fetched FETCH rows at a time (memory does not grow with the
** table), each value typed as SQLite would give it, and sorted in
** SQLite's order (NULL, then numbers, then text by bytes), so that an
** export is the same byte for byte on both backends.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_int.h"
#include "empty_note.h"
#include "pg_int.h"

#define FETCH 1000

struct lrs_pg_cursor {
  lr_db *db;
  int n;
  int *kind;               /* per column: LRS_TEXT/INTEGER/REAL, -1: jsonb */
  PGresult *res;           /* the rows fetched, read up to row */
  int row, own_txn, open;
};

/* The jsonb holding field x: a key of data, or a grade of grades. */
static void put_json(lr_buf *sql, const lrs_xcol *x) {
  lrb_adds(sql, x->grade ? "(CASE WHEN grades IS NOT NULL THEN "
                           "grades::jsonb END)->"
                         : "data->");
  lrs_pg_quote_str(sql, x->name);
}

/* Two result columns per value: its kind and its text. */
static void put_col(lr_buf *sql, const lrs_xcol *x, int kind) {
  if (kind < 0) {
    lrb_adds(sql, "jsonb_typeof(");
    put_json(sql, x);
    lrb_adds(sql, "), ");
    put_json(sql, x);
    lrb_adds(sql, " #>> '{}'");          /* the scalar's text */
    return;
  }
  lrb_adds(sql, "NULL, ");
  lrs_quote_ident(sql, x->name);
  lrb_adds(sql, "::text");
}

/* ORDER BY terms giving SQLite's order of x: NULL < numbers < text. */
static void put_sort(lr_buf *sql, const lrs_xcol *x, int kind, int desc) {
  const char *dir = desc ? " DESC NULLS LAST, " : " NULLS FIRST, ";
  /* Qualified: an output column of the same name is its text. */
  if (kind == LRS_TEXT) {
    lrb_adds(sql, "contacts.");
    lrs_quote_ident(sql, x->name);
    lrb_printf(sql, " COLLATE \"C\"%s", dir);
  } else if (kind >= 0) {
    lrb_adds(sql, "contacts.");
    lrs_quote_ident(sql, x->name);
    lrb_adds(sql, dir);
  } else {
    lrb_adds(sql, "CASE jsonb_typeof(");
    put_json(sql, x);
    lrb_printf(sql, ") WHEN 'number' THEN 1 WHEN 'string' THEN 2 END%s", dir);
    lrb_adds(sql, "CASE WHEN jsonb_typeof(");
    put_json(sql, x);
    lrb_adds(sql, ") = 'number' THEN (");
    put_json(sql, x);
    lrb_printf(sql, ")::numeric END%s", dir);
    lrb_adds(sql, "(");
    put_json(sql, x);
    lrb_printf(sql, " #>> '{}') COLLATE \"C\"%s", dir);
  }
}

static int kind_of(const lrs_xcol *x) {
  return x->grade ? -1 : lrs_pg_column_type(x->name);
}

int lrs_pg_export_open(lr_db *db, const lrs_export_query *q,
                       struct lrs_pg_cursor **out) {
  *out = NULL;
  struct lrs_pg_cursor *c = calloc(1, sizeof *c);
  if (!c || !(c->kind = calloc((size_t)q->n + 1, sizeof *c->kind))) {
    free(c);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  c->db = db;
  c->n = q->n;
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "DECLARE lr_export NO SCROLL CURSOR FOR SELECT ");
  for (int i = 0; i < q->n; i++) {
    c->kind[i] = kind_of(&q->cols[i]);
    if (i) lrb_adds(&sql, ", ");
    put_col(&sql, &q->cols[i], c->kind[i]);
  }
  lrb_adds(&sql, " FROM " LRS_PG_CONTACTS " AS contacts WHERE true");
  if (q->stage) {
    lrb_adds(&sql, " AND stage = ");
    lrs_pg_quote_str(&sql, q->stage);
  }
  if (q->segment) {
    lrb_adds(&sql, " AND id IN (SELECT contact_id FROM segment_members "
                   "WHERE segment = ");
    lrs_pg_quote_str(&sql, q->segment);
    lrb_adds(&sql, ")");
  }
  lrb_adds(&sql, " ORDER BY ");
  for (int i = 0; i < q->nsort; i++)
    put_sort(&sql, &q->sort[i], kind_of(&q->sort[i]), q->desc);
  lrb_adds(&sql, "contacts.id");
  int rc = sql.oom ? lr__err(db, LR_NOMEM, "out of memory") : LR_OK;
  /* A cursor lives in a transaction: the report's, or one of its own. */
  if (rc == LR_OK && PQtransactionStatus(db->pg->conn) == PQTRANS_IDLE) {
    rc = lrs_pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                     "export");
    c->own_txn = rc == LR_OK;
  }
  if (rc == LR_OK) rc = lrs_pg_exec(db, sql.p, "export");
  lrb_free(&sql);
  if (rc != LR_OK) {
    lrs_pg_export_close(c);
    return rc;
  }
  c->open = 1;
  *out = c;
  return LR_OK;
}

void lrs_pg_decode(lrs_value *v, int k, const char *j, const char *t) {
  v->s = t;
  v->n = strlen(t);
  if (k == LRS_TEXT || (k < 0 && strcmp(j, "string") == 0)) {
    v->type = LRS_STR;
    return;
  }
  if (k < 0 && strcmp(j, "number") != 0) {     /* null, or not a scalar */
    v->type = LRS_NULL;
    return;
  }
  int real = strpbrk(t, ".eE") != NULL;
  double d = strtod(t, NULL);
  /* INTEGER affinity makes a whole real an integer, as SQLite does. */
  if (k == LRS_INTEGER && real && d == (double)(long long)d &&
      d >= -9.2e18 && d <= 9.2e18)
    real = 0, t = NULL;
  if (k == LRS_REAL || real) {
    v->type = LRS_FLOAT;
    v->r = d;
  } else {
    v->type = LRS_INT;
    v->i = t ? strtoll(t, NULL, 10) : (long long)d;
    v->r = (double)v->i;
  }
}

int lrs_pg_export_next(struct lrs_pg_cursor *c, lrs_value *vals) {
  if (!c->res || c->row >= PQntuples(c->res)) {
    PQclear(c->res);
    c->res = NULL;
    PGresult *res;
    char sql[48];
    snprintf(sql, sizeof sql, "FETCH %d FROM lr_export", FETCH);
    int rc = lrs_pg_query(c->db, sql, 0, NULL, &res, "export");
    if (rc != LR_OK) return -rc;
    c->res = res;
    c->row = 0;
    if (!PQntuples(res)) return 0;
  }
  for (int i = 0; i < c->n; i++) {
    lrs_value *v = &vals[i];
    memset(v, 0, sizeof *v);
    if (PQgetisnull(c->res, c->row, 2 * i + 1)) continue;   /* LRS_NULL */
    lrs_pg_decode(v, c->kind[i], PQgetvalue(c->res, c->row, 2 * i),
           PQgetvalue(c->res, c->row, 2 * i + 1));
  }
  c->row++;
  return 1;
}

void lrs_pg_export_close(struct lrs_pg_cursor *c) {
  if (!c) return;
  PQclear(c->res);
  if (c->open && !c->own_txn) {
    PGresult *res = PQexec(c->db->pg->conn, "CLOSE lr_export");
    PQclear(res);
  }
  if (c->own_txn) {
    PGresult *res = PQexec(c->db->pg->conn, "COMMIT");
    PQclear(res);
  }
  free(c->kind);
  free(c);
}

int lrs_pg_grade_names(lr_db *db, char ***names, int *n) {
  *names = NULL;
  *n = 0;
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT j.key FROM contact_state c, "
      "jsonb_each(c.grades::jsonb) WITH ORDINALITY j(key, value, o) "
      "WHERE c.grades IS NOT NULL GROUP BY j.key "
      "ORDER BY min(j.o), j.key COLLATE \"C\"", 0, NULL, &res,
      "grade names");
  if (rc != LR_OK) return rc;
  int m = PQntuples(res);
  char **v = calloc((size_t)m + 1, sizeof *v);
  for (int i = 0; v && i < m; i++)
    if (!(v[i] = strdup(PQgetvalue(res, i, 0)))) {
      lrs_strings_free(v);
      v = NULL;
    }
  PQclear(res);
  if (!v) return lr__err(db, LR_NOMEM, "out of memory");
  *names = v;
  *n = m;
  return LR_OK;
}

int lrs_pg_export_empty_note(lr_db *db, int segment, const char *name,
                             lr_buf *note) {
  PGresult *res;
  int rc = lrs_pg_query(db, segment
      ? "SELECT segment, count(*) FROM segment_members GROUP BY segment "
        "ORDER BY segment COLLATE \"C\""
      : "SELECT stage, count(*) FROM contact_state WHERE stage IS NOT NULL "
        "GROUP BY stage ORDER BY stage COLLATE \"C\"", 0, NULL, &res,
      "export");
  if (rc != LR_OK) return rc;
  lrs_empty_note e = {0};
  for (int i = 0, m = PQntuples(res); i < m; i++)
    lrs_empty_note_add(&e, name, PQgetvalue(res, i, 0),
                       strtoll(PQgetvalue(res, i, 1), NULL, 10));
  lrs_empty_note_end(&e, note, segment, name);
  PQclear(res);
  return LR_OK;
}
