/*
** pg_outbox.c -- a run's outbox rows on PostgreSQL (realtime_io.h): its
** moves appended as they come (many rows to a statement), the rows that
** follow them staged in a temporary table of the run's transaction and
** appended in order at its end; each statement's rows counted as
** SQLite's total_changes counts them, the stage's too (the run takes
** those back out of rows_written on both stores).
*/
#include <stdio.h>
#include <stdlib.h>

#include "db_int.h"
#include "pg_int.h"
#include "realtime_io.h"

/* sql with text parameters p[0..n), its rows counted; *id from RETURNING
** when id is not NULL. */
static int write(lr_db *db, const char *sql, int n, const char *const *p,
                 long long *id) {
  PGresult *res;
  int rc = lrs_pg_query(db, sql, n, p, &res, "write outbox");
  if (rc != LR_OK) return rc;
  db->pg->changes += atoll(PQcmdTuples(res));
  if (id) *id = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
  PQclear(res);
  return LR_OK;
}

/* Row r's six values as text (NULL for a 0 contact or run). */
static void row_params(const lrs_outbox_new *r, char (*s)[24],
                       const char **p) {
  snprintf(s[0], 24, "%lld", r->at);
  snprintf(s[1], 24, "%lld", r->contact_id);
  snprintf(s[2], 24, "%lld", r->run_id);
  p[0] = s[0];
  p[1] = r->kind;
  p[2] = r->contact_id ? s[1] : NULL;
  p[3] = r->key;
  p[4] = r->run_id ? s[2] : NULL;
  p[5] = r->payload;
}

int lrs_pg_outbox_add_rows(lr_db *db, const lrs_outbox_new *r, int n) {
  if (n <= 0) return LR_OK;
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "INSERT INTO outbox(at, kind, contact_id, key, run_id, "
                 "payload) VALUES ");
  char (*s)[24] = calloc((size_t)n * 3, sizeof *s);
  const char **p = calloc((size_t)n * 6, sizeof *p);
  for (int i = 0; s && p && i < n; i++) {
    row_params(&r[i], s + 3 * i, p + 6 * i);
    int b = 6 * i;
    lrb_printf(&sql, "%s($%d::bigint, $%d, $%d::bigint, $%d, $%d::bigint, "
               "$%d)", i ? ", " : "", b + 1, b + 2, b + 3, b + 4, b + 5,
               b + 6);
  }
  int rc = !s || !p || sql.oom ? lr__err(db, LR_NOMEM, "out of memory")
                               : write(db, lrb_str(&sql), 6 * n, p, NULL);
  free(s);
  free(p);
  lrb_free(&sql);
  return rc;
}

int lrs_pg_outbox_add(lr_db *db, const lrs_outbox_new *r, long long *id) {
  char s[3][24];
  const char *p[6];
  row_params(r, s, p);
  return write(db, "INSERT INTO outbox(at, kind, contact_id, key, run_id, "
               "payload) VALUES($1, $2, $3, $4, $5, $6) RETURNING id", 6, p,
               id);
}

int lrs_pg_outbox_stage_open(lr_db *db) {
  return lrs_pg_exec(db, "CREATE TEMP TABLE IF NOT EXISTS outbox_stage("
      "section integer NOT NULL, seq bigint NOT NULL, at bigint NOT NULL,"
      "kind text NOT NULL, contact_id bigint, key text NOT NULL,"
      "run_id bigint, payload text NOT NULL, PRIMARY KEY(section, seq)) "
      "ON COMMIT DROP", "stage outbox");
}

int lrs_pg_outbox_stage(lr_db *db, int section, long long seq,
                        const lrs_outbox_new *r) {
  char s[3][24], sec[16], sq[24];
  const char *p[8];
  row_params(r, s, p + 2);
  snprintf(sec, sizeof sec, "%d", section);
  snprintf(sq, sizeof sq, "%lld", seq);
  p[0] = sec;
  p[1] = sq;
  return write(db, "INSERT INTO outbox_stage(section, seq, at, kind, "
               "contact_id, key, run_id, payload) VALUES($1, $2, $3, $4, $5, "
               "$6, $7, $8)", 8, p, NULL);
}

int lrs_pg_outbox_unstage(lr_db *db) {
  long long n = 0;
  int rc = lrs_pg_exec_count(db, "INSERT INTO outbox(at, kind, contact_id, "
      "key, run_id, payload) SELECT at, kind, contact_id, key, run_id, "
      "payload FROM outbox_stage ORDER BY section, seq; "
      "DELETE FROM outbox_stage", "write outbox", &n);
  if (rc == LR_OK) db->pg->changes += n;
  return rc;
}
