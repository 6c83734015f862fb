/*
** pg_report_rows.c -- the streams of the report's one pass on PostgreSQL
** (report_sql.h's LRS_RS_*): each a server-side cursor in the report's
** REPEATABLE READ transaction, fetched FETCH rows at a time, so that
** memory stays flat however many contacts there are; and the dimension
** value of a contact as SQLite's CAST(x AS TEXT) gives it, so that the
** groups of a split are the same strings on both stores.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"
#include "pg_report.h"

#define FETCH 8192

/* ---- a cursor ------------------------------------------------------------------ */

int lrs_pg_cur_open(lrs_pg_cur *c, lr_db *db, const char *name,
                    const lr_buf *sql) {
  memset(c, 0, sizeof *c);
  c->db = db;
  snprintf(c->name, sizeof c->name, "%s", name);
  if (sql->oom) return lr__err(db, LR_NOMEM, "out of memory");
  lr_buf b = LR_BUF_INIT;
  lrb_printf(&b, "DECLARE %s NO SCROLL CURSOR FOR %s", c->name, sql->p);
  int rc = b.oom ? lr__err(db, LR_NOMEM, "out of memory")
                 : lrs_pg_exec(db, b.p, "report");
  lrb_free(&b);
  c->open = rc == LR_OK;
  return rc;
}

int lrs_pg_cur_next(lrs_pg_cur *c) {
  if (c->res && ++c->row < PQntuples(c->res)) return 1;
  PQclear(c->res);
  c->res = NULL;
  if (c->done || !c->open) return 0;
  char sql[64];
  snprintf(sql, sizeof sql, "FETCH %d FROM %s", FETCH, c->name);
  PGresult *res;
  int rc = lrs_pg_query(c->db, sql, 0, NULL, &res, "report");
  if (rc != LR_OK) return -rc;
  c->row = 0;
  c->done = PQntuples(res) < FETCH;
  if (!PQntuples(res)) {
    PQclear(res);
    return 0;
  }
  c->res = res;
  return 1;
}

void lrs_pg_cur_close(lrs_pg_cur *c) {
  PQclear(c->res);
  c->res = NULL;
  if (c->open && PQtransactionStatus(c->db->pg->conn) == PQTRANS_INTRANS) {
    char sql[64];
    snprintf(sql, sizeof sql, "CLOSE %s", c->name);
    PQclear(PQexec(c->db->pg->conn, sql));
  }
  c->open = 0;
}

/* ---- the dimension's text -------------------------------------------------------- */

int lrs_pg_dim_kind(const char *field) {
  return lrs_pg_column_type(field);   /* -1: a key of contacts.data */
}

void lrs_pg_dim_cols(lr_buf *sql, const char *field) {
  if (lrs_pg_dim_kind(field) >= 0) {
    lrb_adds(sql, "NULL AS dj, c.");
    lrs_quote_ident(sql, field);
    lrb_adds(sql, "::text AS dt");
    return;
  }
  lrb_adds(sql, "jsonb_typeof(c.data->");
  lrs_pg_quote_str(sql, field);
  lrb_adds(sql, ") AS dj, c.data->>");
  lrs_pg_quote_str(sql, field);
  lrb_adds(sql, " AS dt");
}

/* Typed as SQLite stores it (lrs_pg_decode), then as its CAST(x AS TEXT)
** writes it: integers in decimal, reals with "%!.15g" (2.0 stays 2.0). */
const char *lrs_pg_dim_text(int kind, const char *j, const char *t,
                            int isnull, char *num) {
  if (isnull) return NULL;
  lrs_value v;
  memset(&v, 0, sizeof v);
  lrs_pg_decode(&v, kind, j ? j : "", t);
  if (v.type == LRS_STR) return t;
  if (v.type == LRS_INT) {
    snprintf(num, 32, "%lld", v.i);
    return num;
  }
  if (v.type == LRS_FLOAT) return sqlite3_snprintf(32, num, "%!.15g", v.r);
  return NULL;
}

/* ---- the streams ------------------------------------------------------------------ */

/* Per output column: i an integer (NOT NULL), n an integer or NULL, t a
** text or NULL, e the engagement (two columns: jsonb type, text), d the
** dimension (two columns), 0 NULL (not read). */
static const char *const SPEC[] = {
  [LRS_RS_CONTACTS] = "itte", [LRS_RS_MEMBERS] = "it",
  [LRS_RS_HISTORY] = "iintt", [LRS_RS_ASSIGN] = "iinnt",
  [LRS_RS_CLOSED] = "ii", [LRS_RS_VALUES] = "d",
  [LRS_RS_HISTORY_NORUN] = "ii0tt",
};

struct lrs_pg_rstream {
  lrs_pg_cur c;
  char spec[8];
  int dkind;                       /* the dimension's kind (lrs_pg_decode) */
  char num[32];                    /* a number's text */
};

/* Rows within a contact as SQLite's indexes give them: history by (at,
** id), which every figure reads; the engagement as json_extract types it
** (only a contact with a grade has one read). */
static void stream_sql(lr_buf *b, int which, const lrs_dim *dim) {
  int field = dim && dim->kind == LRS_DIM_FIELD;
  switch (which) {
    case LRS_RS_CONTACTS:
      lrb_adds(b, "SELECT id, stage, grade, jsonb_typeof(e), e #>> '{}'");
      lrb_adds(b, field ? ", dj, dt" : "");
      lrb_adds(b, " FROM (SELECT c.id, c.stage, c.grade, CASE WHEN c.grade "
                  "IS NOT NULL AND left(c.scores, 1) = '{' THEN "
                  "c.scores::jsonb->'engagement' END AS e");
      if (field) {
        lrb_adds(b, ", ");
        lrs_pg_dim_cols(b, dim->field);
      }
      lrb_adds(b, " FROM " LRS_PG_CONTACTS " c ORDER BY c.id OFFSET 0) s");
      break;
    case LRS_RS_MEMBERS:
      lrb_adds(b, "SELECT contact_id, segment FROM segment_members "
                  "ORDER BY contact_id, segment");
      break;
    case LRS_RS_HISTORY:
    case LRS_RS_HISTORY_NORUN:
      lrb_adds(b, which == LRS_RS_HISTORY ? "SELECT contact_id, at, run_id, "
                                          : "SELECT contact_id, at, ");
      lrb_adds(b, "from_stage, to_stage FROM stage_history "
                  "ORDER BY contact_id, at, id");
      break;
    case LRS_RS_ASSIGN:
      lrb_adds(b, "SELECT contact_id, at, due, run_id, owner FROM "
                  "assignments ORDER BY contact_id, id");
      break;
    case LRS_RS_VALUES:
      lrb_adds(b, "SELECT ");
      lrs_pg_dim_cols(b, dim && dim->field ? dim->field : "id");
      lrb_adds(b, " FROM " LRS_PG_CONTACTS " c");
      break;
    default:
      lrb_adds(b, "SELECT contact_id, closed_at FROM outcomes "
                  "ORDER BY contact_id");
  }
}

int lrs_pg_report_stream(lr_db *db, int which, const lrs_dim *dim,
                         struct lrs_pg_rstream **out) {
  *out = NULL;
  struct lrs_pg_rstream *s = calloc(1, sizeof *s);
  if (!s) return lr__err(db, LR_NOMEM, "out of memory");
  snprintf(s->spec, sizeof s->spec, "%s%s", SPEC[which],
           which == LRS_RS_CONTACTS && dim && dim->kind == LRS_DIM_FIELD
               ? "d" : "");
  s->dkind = lrs_pg_dim_kind(dim && dim->field ? dim->field : "id");
  lr_buf b = LR_BUF_INIT;
  stream_sql(&b, which, dim);
  char name[24];
  snprintf(name, sizeof name, "lr_report_%d", which);
  int rc = lrs_pg_cur_open(&s->c, db, name, &b);
  lrb_free(&b);
  if (rc != LR_OK) {
    free(s);
    return rc;
  }
  *out = s;
  return LR_OK;
}

/* The engagement: a number by value, true/false as 1/0, a string, an
** object or an array as text (above every number), null as NULL. */
static void engagement(lrs_value *v, const char *j, const char *t) {
  if (!strcmp(j, "number")) {
    v->type = LRS_FLOAT;
    v->r = strtod(t, NULL);
  } else if (!strcmp(j, "boolean")) {
    v->type = LRS_INT;
    v->i = t[0] == 't';
    v->r = (double)v->i;
  } else if (strcmp(j, "null") != 0) {
    v->type = LRS_STR;
    v->s = t;
  }
}

int lrs_pg_report_stream_next(struct lrs_pg_rstream *s, lrs_value *v) {
  int got = lrs_pg_cur_next(&s->c);
  if (got <= 0) return got;
  PGresult *r = s->c.res;
  int row = s->c.row, in = 0;
  for (int i = 0; s->spec[i]; i++) {
    char k = s->spec[i];
    lrs_value *x = &v[i];
    x->type = LRS_NULL;
    x->s = NULL;
    x->n = 0;
    int isnull = k != '0' && PQgetisnull(r, row, in);
    const char *t = k != '0' ? PQgetvalue(r, row, in) : NULL;
    if (k == 'e' || k == 'd') {        /* two columns: the type first */
      const char *j = PQgetisnull(r, row, in) ? NULL : t;
      isnull = PQgetisnull(r, row, in + 1);
      t = PQgetvalue(r, row, in + 1);
      if (k == 'e' && j && !isnull) engagement(x, j, t);
      if (k == 'd') {
        x->s = lrs_pg_dim_text(s->dkind, j, t, isnull, s->num);
        x->type = x->s ? LRS_STR : LRS_NULL;
      }
      in += 2;
      continue;
    }
    if (k != '0') in++;
    if (isnull || k == '0') continue;
    if (k == 't') {
      x->type = LRS_STR;
      x->s = t;
    } else {
      x->type = LRS_INT;
      x->i = strtoll(t, NULL, 10);
    }
  }
  return 1;
}

void lrs_pg_report_stream_close(struct lrs_pg_rstream *s) {
  if (!s) return;
  lrs_pg_cur_close(&s->c);
  free(s);
}
