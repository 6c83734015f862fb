/*
** pg_events.c -- an activities or outcomes import on PostgreSQL.  Each
** row's contact is found in a key map loaded once (keymap.h), so that an
** unknown key is rejected on its own line as on SQLite, and the row goes
** to the server with COPY into a staging table; the import ends with
** set-based statements: activities appended in file order, outcomes
** upserted on (contact, closed_at) (the file's last row of a pair wins),
** and the contacts they touched marked as SQLite marks them.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "keymap.h"
#include "pg_int.h"

struct lrs_pg_events {
  lr_db *db;
  lrs_keymap *keys;
  int outcomes;
  long long seq, rows;
  int started;
  lrs_pg_copy copy;                /* its buf: rows not yet sent */
};

static const char MARK[] = "(SELECT coalesce(max(id), 0) FROM runs)";

int lrs_pg_events_open(lr_db *db, int outcomes, long long seq,
                       struct lrs_pg_events **out) {
  *out = NULL;
  struct lrs_pg_events *w = calloc(1, sizeof *w);
  if (!w) return lr__err(db, LR_NOMEM, "out of memory");
  w->db = db;
  w->outcomes = outcomes;
  w->seq = seq;
  *out = w;
  return LR_OK;
}

/* Before the first row (nothing else may run on the connection during
** COPY): the key map when rows come by key, then the COPY. */
static int start(struct lrs_pg_events *w, int by_key) {
  if (w->started) return LR_OK;
  w->started = 1;
  int rc = by_key ? lrs_keymap_load(w->db, &w->keys) : LR_OK;
  if (rc != LR_OK) return rc;
  return lrs_pg_copy_begin(&w->copy, w->db, w->outcomes
      ? "DROP TABLE IF EXISTS pg_temp.lr_out; CREATE TEMP TABLE lr_out("
        "ord bigint, contact_id bigint, result text, amount double "
        "precision, closed_at bigint) ON COMMIT DROP; COPY lr_out FROM STDIN"
      : "DROP TABLE IF EXISTS pg_temp.lr_act; CREATE TEMP TABLE lr_act("
        "ord bigint, contact_id bigint, type text, occurred_at bigint, "
        "value double precision, campaign text) ON COMMIT DROP; "
        "COPY lr_act FROM STDIN", "import");
}

static int row_end(struct lrs_pg_events *w) {
  return lrs_pg_copy_row_end(&w->copy);
}

int lrs_pg_events_contact(struct lrs_pg_events *w, const char *key,
                          size_t keylen, long long *id) {
  *id = 0;
  if (w->started && !w->keys)
    return lr__err(w->db, LR_MISUSE, "import: rows by key after rows by id");
  int rc = start(w, 1);
  if (rc == LR_OK) *id = lrs_keymap_find(w->keys, key, keylen);
  return rc;
}

int lrs_pg_activity_put(struct lrs_pg_events *w, long long contact,
                        const char *type, size_t typelen, long long at,
                        const lrs_value *value, const lrs_value *campaign) {
  lrs_value t = { LRS_STR, 0, 0, type, typelen };
  int rc = start(w, 0);
  if (rc != LR_OK) return rc;
  lrb_printf(&w->copy.buf, "%lld\t%lld\t", ++w->rows, contact);
  lrs_pg_copy_value(&w->copy.buf, &t);
  lrb_printf(&w->copy.buf, "\t%lld\t", at);
  lrs_pg_copy_value(&w->copy.buf, value);
  lrb_addc(&w->copy.buf, '\t');
  lrs_pg_copy_value(&w->copy.buf, campaign);
  return row_end(w);
}

int lrs_pg_outcome_put(struct lrs_pg_events *w, long long contact, int won,
                       const lrs_value *amount, long long closed_at) {
  lrb_printf(&w->copy.buf, "%lld\t%lld\t%s\t", ++w->rows, contact,
             won ? "won" : "lost");
  lrs_pg_copy_value(&w->copy.buf, amount);
  lrb_printf(&w->copy.buf, "\t%lld", closed_at);
  return row_end(w);
}

int lrs_pg_activities_finish(struct lrs_pg_events *w, long long now) {
  int rc = start(w, 0);             /* a file without rows */
  if (rc == LR_OK) rc = lrs_pg_copy_end(&w->copy);
  if (rc != LR_OK) return rc;
  int any;
  if ((rc = lrs_pg_activities_any(w->db, &any)) != LR_OK) return rc;
  /* Into the empty table, the indexes are built once after the load
  ** rather than row by row (the import's transaction holds the table). */
  char sql[1024];
  snprintf(sql, sizeof sql, "%s"
      "INSERT INTO activities(contact_id, type, occurred_at, value, campaign)"
      " SELECT contact_id, type, occurred_at, value, campaign FROM lr_act "
      "ORDER BY ord; %s%s",
      any ? "" : "DROP INDEX activities_by_contact; ALTER TABLE activities "
                 "DROP CONSTRAINT activities_pkey; ",
      any ? "" : "ALTER TABLE activities ADD PRIMARY KEY(contact_id, id); ",
      any ? "" : LRS_PG_ACTIVITIES_INDEX ";");
  if ((rc = lrs_pg_exec(w->db, sql, "write activities")) != LR_OK) return rc;
  lrs_pg_tidy_note(w->db, LRS_PG_TIDY_ACTIVITIES, w->rows);
  long long n = 0;
  /* In id order, so that the new row versions keep a run's id ranges
  ** together (pg_upsert.c). */
  snprintf(sql, sizeof sql, "UPDATE contacts c SET data_at = %lld, "
           "change_mark = %s FROM (SELECT DISTINCT contact_id FROM lr_act "
           "ORDER BY 1) a WHERE c.id = a.contact_id; DROP TABLE lr_act",
           now, MARK);
  rc = lrs_pg_exec_count(w->db, sql, "write activities", &n);
  lrs_pg_tidy_note(w->db, LRS_PG_TIDY_CONTACTS, n);
  return rc;
}

int lrs_pg_outcomes_finish(struct lrs_pg_events *w, long long *updated,
                           long long *merged) {
  *updated = *merged = 0;
  int rc = start(w, 0);
  if (rc == LR_OK) rc = lrs_pg_copy_end(&w->copy);
  PGresult *res;
  if (rc == LR_OK)
    rc = lrs_pg_query(w->db, "SELECT count(*), count(*) FILTER (WHERE EXISTS "
        "(SELECT 1 FROM outcomes o WHERE o.contact_id = p.contact_id AND "
        "o.closed_at = p.closed_at)) FROM (SELECT DISTINCT contact_id, "
        "closed_at FROM lr_out) p", 0, NULL, &res, "import");
  if (rc != LR_OK) return rc;
  long long pairs = atoll(PQgetvalue(res, 0, 0));
  *updated = atoll(PQgetvalue(res, 0, 1));
  *merged = w->rows - pairs;
  PQclear(res);
  char sql[1024];
  /* New outcomes get ids in the order their pairs first appear. */
  snprintf(sql, sizeof sql,
      "INSERT INTO outcomes(contact_id, result, amount, closed_at, import_seq)"
      " SELECT contact_id, result, amount, closed_at, %lld FROM ("
      "SELECT DISTINCT ON (contact_id, closed_at) *, min(ord) OVER (PARTITION"
      " BY contact_id, closed_at) AS first FROM lr_out ORDER BY contact_id, "
      "closed_at, ord DESC) l ORDER BY first ON CONFLICT (contact_id, "
      "closed_at) DO UPDATE SET result = excluded.result, amount = "
      "excluded.amount, import_seq = excluded.import_seq", w->seq);
  if ((rc = lrs_pg_exec(w->db, sql, "write outcomes")) != LR_OK) return rc;
  lrs_pg_tidy_note(w->db, LRS_PG_TIDY_OUTCOMES, pairs);
  long long n = 0;
  snprintf(sql, sizeof sql, "UPDATE contacts c SET change_mark = %s FROM "
           "(SELECT DISTINCT contact_id FROM lr_out ORDER BY 1) o WHERE c.id "
           "= o.contact_id; DROP TABLE lr_out", MARK);
  rc = lrs_pg_exec_count(w->db, sql, "write outcomes", &n);
  lrs_pg_tidy_note(w->db, LRS_PG_TIDY_CONTACTS, n);
  return rc;
}

void lrs_pg_events_free(struct lrs_pg_events *w) {
  if (!w) return;
  lrs_keymap_free(w->keys);
  lrs_pg_copy_free(&w->copy);
  free(w);
}
