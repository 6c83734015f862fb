/*
** pg_accounts_export.c -- `export accounts` on PostgreSQL (accounts.h):
** the account fields and their headers in order of first import, the
** score groups of the stored accounts, and every account's row, each
** value typed as SQLite's json_extract gives it.  The objects are JSON
** text, read as `json` (not jsonb), which keeps their keys' order and
** each number's text.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "db_int.h"
#include "pg_int.h"

int lrs_pg_account_fields(lr_db *db, lr_buf *out) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT v FROM meta WHERE k = 'account_headers'",
                        0, NULL, &res, "account fields");
  if (rc != LR_OK) return rc;
  lrs_pg_member *m = NULL;
  int n = 0;
  if (PQntuples(res) && !PQgetisnull(res, 0, 0) &&
      lrs_pg_json_members(PQgetvalue(res, 0, 0), &m, &n) != 0)
    rc = lr__err(db, LR_CORRUPT, "account fields: not a JSON object");
  for (int i = 0; i < n; i++) {
    lrs_pg_json_text(out, m[i].k, m[i].kn);
    lrb_addc(out, '\t');
    lrs_pg_json_text(out, m[i].v, m[i].vn);
    lrb_addc(out, '\n');
  }
  free(m);
  PQclear(res);
  if (rc == LR_OK && out->oom) rc = lr__err(db, LR_NOMEM, "out of memory");
  return rc;
}

/* SQLite orders the groups by the first account that has each, then by
** its place in that account's object (json_each's id; ORDINALITY here). */
int lrs_pg_account_groups(lr_db *db, lr_buf *out) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT j.key FROM accounts a CROSS JOIN LATERAL"
      " json_each(a.scores::json) WITH ORDINALITY j(key, value, ord)"
      " WHERE a.scores IS NOT NULL AND json_typeof(a.scores::json) ="
      " 'object' GROUP BY j.key ORDER BY min(a.id), min(j.ord)", 0, NULL,
      &res, "account groups");
  if (rc != LR_OK) return rc;
  for (int r = 0; r < PQntuples(res); r++)
    lrb_printf(out, "%s\n", PQgetvalue(res, r, 0));
  PQclear(res);
  return out->oom ? lr__err(db, LR_NOMEM, "out of memory") : LR_OK;
}

/* Two columns for one key of object col: its JSON type and its text. */
static void put_extract(lr_buf *sql, const char *col, const char *name) {
  lr_buf k = LR_BUF_INIT;
  lrs_pg_quote_str(&k, name);
  lrb_printf(sql, ", json_typeof(%s -> %s), %s ->> %s", col, lrb_str(&k),
             col, lrb_str(&k));
  if (k.oom) sql->oom = 1;
  lrb_free(&k);
}

static void text_val(lrs_value *v, const PGresult *res, int r, int i) {
  memset(v, 0, sizeof *v);
  if (PQgetisnull(res, r, i)) return;        /* LRS_NULL */
  v->type = LRS_STR;
  v->s = PQgetvalue(res, r, i);
  v->n = (size_t)PQgetlength(res, r, i);
}

/* Row r's values, in lrs_accounts_export's order, into v. */
static void row_values(const PGresult *res, int r, int nf, int ng,
                       lrs_value *v) {
  int c = 0, o = 0;
  text_val(&v[o++], res, r, c++);                        /* key */
  for (int i = 0; i < nf + 1 + ng; i++) {
    if (i == nf) {                                        /* score */
      memset(&v[o], 0, sizeof v[o]);
      v[o].type = LRS_FLOAT;
      v[o++].r = strtod(PQgetvalue(res, r, c++), NULL);
      continue;
    }
    memset(&v[o], 0, sizeof v[o]);
    if (PQgetisnull(res, r, c + 1)) v[o].type = LRS_NULL;
    else lrs_pg_decode(&v[o], -1, PQgetvalue(res, r, c),
                       PQgetvalue(res, r, c + 1));
    o++;
    c += 2;
  }
  for (int i = 0; i < 3; i++) text_val(&v[o++], res, r, c++);
  memset(&v[o], 0, sizeof v[o]);                          /* contacts */
  v[o].type = LRS_INT;
  v[o].i = atoll(PQgetvalue(res, r, c));
  v[o].r = (double)v[o].i;
}

int lrs_pg_accounts_export(lr_db *db, const char *const *fields, int nf,
                           const char *const *groups, int ng,
                           int (*fn)(void *ctx, const lrs_value *v, int n),
                           void *ctx) {
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "SELECT a.key");
  for (int i = 0; i < nf; i++) put_extract(&sql, "o.d", fields[i]);
  lrb_adds(&sql, ", a.score");
  for (int i = 0; i < ng; i++) put_extract(&sql, "o.s", groups[i]);
  lrb_adds(&sql, ", a.grade, a.stage, a.owner, (SELECT count(*) FROM"
                 " contacts c WHERE c.account_key = a.key) FROM accounts a"
                 " CROSS JOIN LATERAL (SELECT a.data::json AS d,"
                 " a.scores::json AS s) o ORDER BY a.key COLLATE \"C\"");
  if (sql.oom) {
    lrb_free(&sql);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  PGresult *res;
  int rc = lrs_pg_query(db, lrb_str(&sql), 0, NULL, &res, "export accounts");
  lrb_free(&sql);
  if (rc != LR_OK) return rc;
  int n = nf + ng + 6;      /* key, fields, score, groups, 3 texts, count */
  lrs_value *v = calloc((size_t)n, sizeof *v);
  if (!v) rc = lr__err(db, LR_NOMEM, "out of memory");
  for (int r = 0; rc == LR_OK && r < PQntuples(res); r++) {
    row_values(res, r, nf, ng, v);
    rc = fn(ctx, v, n);
  }
  free(v);
  PQclear(res);
  return rc;
}
