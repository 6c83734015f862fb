/*
** pg_handoffs.c -- handoffs.c's statements on PostgreSQL: the same
** queries, in PostgreSQL's spelling (typed parameters, text ordered as
** SQLite's BINARY collation), in the one read transaction handoffs.c
** opens (lrs_report_begin).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

static const char LIST[] =
  "SELECT a.id, a.contact_id, c.key, "
  "  nullif(trim(coalesce(c.first_name, '') || ' ' || "
  "              coalesce(c.last_name, '')), ''), "
  "  c.company, a.stage, c.stage, c.score, c.grade, a.owner, a.at, a.due, "
  "  (SELECT h.reason FROM stage_history h WHERE h.contact_id = a.contact_id"
  "   AND h.to_stage = a.stage AND h.at <= a.at"
  "   ORDER BY h.at DESC, h.id DESC LIMIT 1), a.run_id "
  "FROM assignments a JOIN " LRS_PG_CONTACTS " c ON c.id = a.contact_id "
  "WHERE a.id > $1::bigint AND ($2::bigint = 0 OR a.run_id >= $2::bigint)"
  "  AND ($3::bigint = 0 OR a.at >= $3::bigint)"
  "  AND ($4::text IS NULL OR a.owner = $4::text)"
  "  AND ($5::text IS NULL OR a.stage = $5::text)"
  "  AND ($6::bigint = 0 OR a.run_id = $6::bigint) "
  "ORDER BY a.at DESC, a.id DESC";

/* By LRS_PG_HO_*: one integer row, or names (their first column). */
static const char *const SQL[] = {
  "SELECT coalesce(max(id), 0) FROM assignments",
  "SELECT (SELECT count(*) FROM runs WHERE id = $1::bigint), "
  "coalesce(min(id), 0), coalesce(max(id), 0) FROM runs",
  "SELECT (EXISTS(SELECT 1 FROM assignments WHERE owner = $1) OR "
  "EXISTS(SELECT 1 FROM contact_state WHERE owner = $1))::int",
  "SELECT owner FROM assignments GROUP BY owner ORDER BY count(*) DESC, "
  "owner COLLATE \"C\" LIMIT 10",
  "SELECT (EXISTS(SELECT 1 FROM assignments WHERE stage = $1) OR "
  "EXISTS(SELECT 1 FROM contact_state WHERE stage = $1))::int",
  "SELECT stage FROM assignments WHERE stage IS NOT NULL GROUP BY stage "
  "ORDER BY count(*) DESC, stage COLLATE \"C\" LIMIT 10",
};

int lrs_pg_handoffs_ints(lr_db *db, int which, const char *text,
                         long long num, long long *out, int n) {
  char s[24];
  snprintf(s, sizeof s, "%lld", num);
  const char *p[] = { text ? text : s };
  int np = which == LRS_PG_HO_MAX_ID ? 0 : 1;
  PGresult *res;
  int rc = lrs_pg_query(db, SQL[which], np, p, &res, "handoffs");
  if (rc != LR_OK) return rc;
  for (int i = 0; i < n && PQntuples(res); i++)
    out[i] = strtoll(PQgetvalue(res, 0, i), NULL, 10);
  PQclear(res);
  return LR_OK;
}

int lrs_pg_handoffs_names(lr_db *db, int which, lr_buf *b) {
  PGresult *res;
  int rc = lrs_pg_query(db, SQL[which], 0, NULL, &res, "handoffs");
  if (rc != LR_OK) return rc;
  for (int i = 0; i < PQntuples(res); i++)
    lrb_printf(b, "%s%s", b->n ? ", " : "", PQgetvalue(res, i, 0));
  PQclear(res);
  return LR_OK;
}

static const char *text(const PGresult *r, int row, int i) {
  return PQgetisnull(r, row, i) ? NULL : PQgetvalue(r, row, i);
}

static long long num(const PGresult *r, int row, int i) {
  return strtoll(PQgetvalue(r, row, i), NULL, 10);
}

/* Row i of res as fn's row. */
static void row_of(const PGresult *res, int i, lr_handoff_row *r) {
  memset(r, 0, sizeof *r);
  r->cursor = num(res, i, 0);
  r->contact_id = num(res, i, 1);
  r->key = text(res, i, 2);
  r->name = text(res, i, 3);
  r->company = text(res, i, 4);
  r->stage = text(res, i, 5);
  r->current_stage = text(res, i, 6);
  r->score = strtod(PQgetvalue(res, i, 7), NULL);
  r->grade = text(res, i, 8);
  r->owner = text(res, i, 9);
  r->assigned_at = num(res, i, 10);
  r->due_at = num(res, i, 11);
  r->reason = text(res, i, 12);
  r->run_id = num(res, i, 13);
}

/* The rows come one at a time (single-row mode), so memory stays flat
** however many handoffs there are, as SQLite's stepping keeps it. */
int lrs_pg_handoffs_list(lr_db *db, const lr_handoffs_opts *o,
                         lr_handoff_fn fn, void *ctx) {
  char s[4][24];
  snprintf(s[0], 24, "%lld", o->after);
  snprintf(s[1], 24, "%lld", o->since_run);
  snprintf(s[2], 24, "%lld", o->since);
  snprintf(s[3], 24, "%lld", o->run);
  const char *p[] = { s[0], s[1], s[2], o->owner, o->stage, s[3] };
  PGconn *c = db->pg->conn;
  if (!PQsendQueryParams(c, LIST, 6, NULL, p, NULL, NULL, 0))
    return lrs_pg_err(db, NULL, "handoffs");
  PQsetSingleRowMode(c);
  int rc = LR_OK, stopped = 0;
  PGresult *res;
  while ((res = PQgetResult(c)) != NULL) {
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_SINGLE_TUPLE && rc == LR_OK && !stopped) {
      lr_handoff_row r;
      row_of(res, 0, &r);
      if (fn(ctx, &r)) {
        stopped = 1;
        rc = lr_errcode(db) != LR_OK
                 ? lr_errcode(db)
                 : lr__err(db, LR_INTERRUPT, "handoffs: stopped by the "
                           "callback");
      }
    } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK &&
               rc == LR_OK) {
      rc = lrs_pg_err(db, res, "handoffs");
    }
    PQclear(res);                 /* the rest is read and dropped */
  }
  return rc;
}
