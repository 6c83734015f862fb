/*
** pg_outbox.c -- a run's outbox rows on PostgreSQL (realtime_io.h): its
** moves gathered as they come and sent with COPY, the rows that
** follow them staged in a temporary table of the run's transaction and
** appended in order at its end; each statement's rows counted as
** SQLite's total_changes counts them, the stage's too (the run takes
** those back out of rows_written on both stores).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A text value of a COPY row (\N for NULL). */
static void put_text(lr_buf *b, const char *s) {
  lrs_value v = { s ? LRS_STR : LRS_NULL, 0, 0, s, s ? strlen(s) : 0 };
  lrs_pg_copy_value(b, &v);
}

/* Gathered rows go in one COPY when they reach this many bytes (or when
** something else touches the outbox or the transaction ends): a first
** run appends a move per contact, and 32-row INSERTs cost a round trip
** and a statement each (15,855 of them, 2.2 s of server time, in a
** first run at 100k). */
#define OUTQ_MAX (1024 * 1024)

int lrs_pg_outbox_flush(lr_db *db) {
  lr_buf *q = &db->pg->outq;
  if (!q->n) return LR_OK;
  if (q->oom) {
    lrb_free(q);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  lrs_pg_copy cp = {0};
  int rc = lrs_pg_copy_begin(&cp, db, "COPY outbox(at, kind, contact_id, "
                             "key, run_id, payload) FROM STDIN",
                             "write outbox");
  if (rc == LR_OK) {
    cp.buf = *q;                /* the gathered rows, sent as they are */
    *q = (lr_buf)LR_BUF_INIT;
    rc = lrs_pg_copy_end(&cp);
  }
  lrs_pg_copy_free(&cp);
  lrb_reset(q);
  return rc;
}

void lrs_pg_outbox_drop(lr_db *db) {
  lrb_free(&db->pg->outq);
}

/* Rows are counted as written when gathered: they are sent before the
** transaction ends, or it fails. */
int lrs_pg_outbox_add_rows(lr_db *db, const lrs_outbox_new *r, int n) {
  lr_buf *q = &db->pg->outq;
  for (int i = 0; i < n; i++) {
    lrb_printf(q, "%lld\t", r[i].at);
    put_text(q, r[i].kind);
    if (r[i].contact_id) lrb_printf(q, "\t%lld\t", r[i].contact_id);
    else lrb_adds(q, "\t\\N\t");
    put_text(q, r[i].key);
    if (r[i].run_id) lrb_printf(q, "\t%lld\t", r[i].run_id);
    else lrb_adds(q, "\t\\N\t");
    put_text(q, r[i].payload);
    lrb_addc(q, '\n');
  }
  if (q->oom) return lrs_pg_outbox_flush(db);
  db->pg->changes += n > 0 ? n : 0;
  return q->n >= OUTQ_MAX ? lrs_pg_outbox_flush(db) : LR_OK;
}

int lrs_pg_outbox_add(lr_db *db, const lrs_outbox_new *r, long long *id) {
  int rc = lrs_pg_outbox_flush(db);
  if (rc != LR_OK) return rc;
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
  int rc = lrs_pg_outbox_flush(db);
  if (rc == LR_OK) rc = lrs_pg_exec_count(db, "INSERT INTO outbox(at, kind, contact_id, "
      "key, run_id, payload) SELECT at, kind, contact_id, key, run_id, "
      "payload FROM outbox_stage ORDER BY section, seq; "
      "DELETE FROM outbox_stage", "write outbox", &n);
  if (rc == LR_OK) db->pg->changes += n;
  return rc;
}

/* ---- reads and acknowledgements (realtime_io.h) -------------------------- */

int lrs_pg_outbox_each(lr_db *db, long long after, long long limit,
                       int (*cb)(void *ctx, const lrs_outbox_row *r),
                       void *ctx) {
  if (lrs_pg_outbox_flush(db) != LR_OK) return db->rc;
  char a[24], l[24];
  snprintf(a, sizeof a, "%lld", after);
  snprintf(l, sizeof l, "%lld", limit);
  const char *p[] = { a, limit > 0 ? l : NULL };
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT id, at, kind, coalesce(contact_id, 0), "
                        "key, coalesce(run_id, 0), payload FROM outbox WHERE "
                        "id > $1::bigint ORDER BY id LIMIT $2::bigint", 2, p,
                        &res, "read outbox");
  if (rc != LR_OK) return rc;
  for (int i = 0, n = PQntuples(res); i < n; i++) {
    lrs_outbox_row r = {
      .id = strtoll(PQgetvalue(res, i, 0), NULL, 10),
      .at = strtoll(PQgetvalue(res, i, 1), NULL, 10),
      .kind = PQgetvalue(res, i, 2),
      .contact_id = strtoll(PQgetvalue(res, i, 3), NULL, 10),
      .key = PQgetvalue(res, i, 4),
      .run_id = strtoll(PQgetvalue(res, i, 5), NULL, 10),
      .payload = PQgetvalue(res, i, 6),
    };
    if (cb(ctx, &r)) break;
  }
  PQclear(res);
  return LR_OK;
}

/* One bigint of sql's first row (0: no row). */
static int one(lr_db *db, const char *sql, int n, const char *const *p,
               long long *v, const char *what) {
  *v = 0;
  PGresult *res;
  int rc = lrs_pg_query(db, sql, n, p, &res, what);
  if (rc != LR_OK) return rc;
  if (PQntuples(res)) *v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return LR_OK;
}

int lrs_pg_outbox_acked(lr_db *db, const char *consumer, long long *id) {
  const char *p[] = { consumer };
  return one(db, "SELECT last_id FROM outbox_acks WHERE consumer = $1", 1, p,
             id, "read outbox acks");
}

int lrs_pg_outbox_ack(lr_db *db, const char *consumer, long long id,
                      long long now) {
  char i[24], t[24];
  snprintf(i, sizeof i, "%lld", id);
  snprintf(t, sizeof t, "%lld", now);
  const char *p[] = { consumer, i, t };
  return write(db, "INSERT INTO outbox_acks(consumer, last_id, at) VALUES($1, "
               "$2, $3) ON CONFLICT(consumer) DO UPDATE SET last_id = "
               "excluded.last_id, at = excluded.at WHERE excluded.last_id > "
               "outbox_acks.last_id", 3, p, NULL);
}

int lrs_pg_outbox_last(lr_db *db, long long *id) {
  if (lrs_pg_outbox_flush(db) != LR_OK) return db->rc;
  return one(db, "SELECT coalesce(max(id), 0) FROM outbox", 0, NULL, id,
             "read outbox");
}
