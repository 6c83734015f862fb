/*
** pg_realtime.c -- realtime_io.h's events on PostgreSQL: a group of
** events (ingest's batch, serve's group commit) in one transaction under
** the run lock.  A round trip per event would bound it, so the batch's
** keys are found with one query (lrs_pg_rt_keys), its activities go with
** one COPY before the evaluation reads them (lrs_pg_rt_flush), and the
** touched contacts' state after the commit with one query
** (lrs_pg_rt_state_begin).  The rows are SQLite's: contact ids one past
** the largest, activity ids in event order, data_at and change_mark as
** realtime_io.c stamps them.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"
#include "realtime_io.h"

#define ACT_IDS 8                  /* activities' bit in db->pg->synced */

struct lrs_pg_rt {
  PGresult *keys;                  /* key, id; sorted as bytes */
  lr_buf acts;                     /* activities not sent yet (COPY text) */
  long long nacts;
  long long *ids;                  /* their contacts, for data_at */
  long long nids, cap;
  long long now;
  PGresult *state;                 /* id, stage, grade, ...; by id */
};

static struct lrs_pg_rt *rt_of(lr_db *db) {
  if (!db->pg->rt) db->pg->rt = calloc(1, sizeof *db->pg->rt);
  return db->pg->rt;
}

static void rt_reset(struct lrs_pg_rt *r) {
  PQclear(r->keys);
  r->keys = NULL;
  lrb_reset(&r->acts);
  r->nacts = r->nids = 0;
}

int lrs_pg_rt_begin(lr_db *db) {
  if (!rt_of(db)) return lr__err(db, LR_NOMEM, "out of memory");
  rt_reset(db->pg->rt);
  return lrs_pg_events_begin(db);
}

void lrs_pg_rt_end(lr_db *db) {
  if (db->pg->rt) rt_reset(db->pg->rt);
  lrs_pg_run_end(db);
}

void lrs_pg_rt_free(lr_db *db) {
  struct lrs_pg_rt *r = db->pg->rt;
  if (!r) return;
  rt_reset(r);
  PQclear(r->state);
  lrb_free(&r->acts);
  free(r->ids);
  free(r);
  db->pg->rt = NULL;
}

/* ---- contacts by key -------------------------------------------------- */

/* Append s as an element of a text[] literal: "..." with \ and " escaped. */
static void array_str(lr_buf *b, const char *s) {
  lrb_addc(b, '"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') lrb_addc(b, '\\');
    lrb_addc(b, *s);
  }
  lrb_addc(b, '"');
}

int lrs_pg_rt_keys(lr_db *db, const char *const *keys, long long n) {
  struct lrs_pg_rt *r = rt_of(db);
  if (!r) return lr__err(db, LR_NOMEM, "out of memory");
  PQclear(r->keys);
  r->keys = NULL;
  if (n <= 0) return LR_OK;
  lr_buf arr = LR_BUF_INIT;
  lrb_addc(&arr, '{');
  for (long long i = 0; i < n; i++) {
    if (i) lrb_addc(&arr, ',');
    array_str(&arr, keys[i]);
  }
  lrb_addc(&arr, '}');
  const char *p[] = { lrb_str(&arr) };
  int rc = arr.oom ? lr__err(db, LR_NOMEM, "out of memory")
      : lrs_pg_query(db, "SELECT key, id FROM contacts WHERE key = "
                     "ANY($1::text[]) ORDER BY key COLLATE \"C\"", 1, p,
                     &r->keys, "find contacts");
  lrb_free(&arr);
  return rc;
}

/* The id of key among the prefetched ones (0: not among them). */
static long long prefetched(const struct lrs_pg_rt *r, const char *key) {
  if (!r || !r->keys) return 0;
  int lo = 0, hi = PQntuples(r->keys) - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    int c = strcmp(PQgetvalue(r->keys, mid, 0), key);
    if (!c) return strtoll(PQgetvalue(r->keys, mid, 1), NULL, 10);
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/* The key field's own place in a new contact: its column, or a key of
** data when it is an imported field (SQLite's column of that name). */
static int key_place(lr_db *db, const char *kf, int *col, int *field) {
  *col = strcmp(kf, "key") != 0 && lrs_pg_has_column(db, kf);
  *field = 0;
  if (*col || !strcmp(kf, "key")) return LR_OK;
  const char *p[] = { kf };
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT 1 FROM fields WHERE name = $1", 1, p,
                        &res, "create contact");
  if (rc != LR_OK) return rc;
  *field = PQntuples(res) > 0;
  PQclear(res);
  return LR_OK;
}

/* A new contact: the id one past the largest, as SQLite's rowid. */
static int create_contact(lr_db *db, const char *key, long long now,
                          long long *id) {
  const char *kf = lrs_key_field(db);
  int col, field;
  int rc = key_place(db, kf, &col, &field);
  if (rc != LR_OK) return rc;
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "INSERT INTO contacts(id, key, data_at");
  if (col) {
    lrb_adds(&sql, ", ");
    lrs_quote_ident(&sql, kf);
  }
  lrb_adds(&sql, field ? ", data" : "");
  lrb_adds(&sql, ") SELECT coalesce(max(id), 0) + 1, $1, $2::bigint");
  lrb_adds(&sql, col ? ", $1" : "");
  if (field) {
    lrb_adds(&sql, ", jsonb_build_object(");
    lrs_pg_quote_str(&sql, kf);
    lrb_adds(&sql, "::text, $1::text)");
  }
  lrb_adds(&sql, " FROM contacts RETURNING id");
  char nows[24];
  snprintf(nows, sizeof nows, "%lld", now);
  const char *p[] = { key, nows };
  PGresult *res;
  rc = sql.oom ? lr__err(db, LR_NOMEM, "out of memory")
               : lrs_pg_query(db, lrb_str(&sql), 2, p, &res, "create contact");
  lrb_free(&sql);
  if (rc != LR_OK) return rc;
  *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  db->pg->changes++;
  PQclear(res);
  /* Its state row (pg_schema.c); one row for SQLite's count. */
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", *id);
  const char *q[] = { ids };
  rc = lrs_pg_query(db, "INSERT INTO contact_state(contact_id) VALUES($1)",
                    1, q, &res, "create contact");
  if (rc == LR_OK) PQclear(res);
  return rc;
}

int lrs_pg_rt_contact(lr_db *db, const char *key, int create, long long now,
                      long long *id, int *created) {
  if ((*id = prefetched(db->pg->rt, key)) != 0) return LR_OK;
  const char *p[] = { key };
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT id FROM contacts WHERE key = $1", 1, p,
                        &res, "find contact");
  if (rc != LR_OK) return rc;
  if (PQntuples(res)) *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  if (*id || !create) return LR_OK;
  rc = create_contact(db, key, now, id);
  if (rc == LR_OK && created) *created = 1;
  return rc;
}

/* ---- activities ----------------------------------------------------------- */

int lrs_pg_rt_activity(lr_db *db, long long id, const char *type,
                       long long at, int has_value, double value,
                       const char *campaign, long long now) {
  struct lrs_pg_rt *r = rt_of(db);
  if (!r) return lr__err(db, LR_NOMEM, "out of memory");
  if (r->nids == r->cap) {
    long long cap = r->cap ? 2 * r->cap : 64;
    long long *v = realloc(r->ids, (size_t)cap * sizeof *v);
    if (!v) return lr__err(db, LR_NOMEM, "out of memory");
    r->ids = v;
    r->cap = cap;
  }
  r->ids[r->nids++] = id;
  r->now = now;
  lr_buf *b = &r->acts;
  lrs_value v = { LRS_STR, 0, 0, type, strlen(type) };
  lrb_printf(b, "%lld\t", id);
  lrs_pg_copy_value(b, &v);
  lrb_printf(b, "\t%lld\t", at);
  v.type = has_value ? LRS_FLOAT : LRS_NULL;
  v.r = value;
  lrs_pg_copy_value(b, &v);
  lrb_addc(b, '\t');
  v.type = campaign ? LRS_STR : LRS_NULL;
  v.s = campaign;
  v.n = campaign ? strlen(campaign) : 0;
  lrs_pg_copy_value(b, &v);
  lrb_addc(b, '\n');
  r->nacts++;
  return b->oom ? lr__err(db, LR_NOMEM, "out of memory") : LR_OK;
}

/* ids[0..n) as a bigint[] literal. */
static void id_array(lr_buf *b, const long long *ids, long long n) {
  lrb_addc(b, '{');
  for (long long i = 0; i < n; i++) lrb_printf(b, i ? ",%lld" : "%lld", ids[i]);
  lrb_addc(b, '}');
}

int lrs_pg_rt_flush(lr_db *db) {
  struct lrs_pg_rt *r = db->pg->rt;
  if (!r || !r->nacts) return LR_OK;
  lrs_pg_copy cp = { 0 };
  int rc = lrs_pg_sync_ids(db, "activities", ACT_IDS);
  if (rc == LR_OK)
    rc = lrs_pg_copy_begin(&cp, db, "COPY activities(contact_id, type, "
                           "occurred_at, value, campaign) FROM STDIN",
                           "write activity");
  if (rc == LR_OK) {
    /* The rows are whole lines already: send them as they are. */
    lrb_add(&cp.buf, r->acts.p, r->acts.n);
    rc = lrs_pg_copy_end(&cp);
  }
  db->pg->changes += cp.rows;
  lrs_pg_copy_free(&cp);
  lr_buf ids = LR_BUF_INIT;
  id_array(&ids, r->ids, r->nids);
  char nows[24];
  snprintf(nows, sizeof nows, "%lld", r->now);
  const char *p[] = { lrb_str(&ids), nows };
  PGresult *res = NULL;
  if (rc == LR_OK)
    rc = ids.oom ? lr__err(db, LR_NOMEM, "out of memory")
         : lrs_pg_query(db, "UPDATE contacts SET data_at = $2::bigint, "
                        "change_mark = (SELECT coalesce(max(id), 0) FROM "
                        "runs) WHERE id = ANY($1::bigint[])", 2, p, &res,
                        "write activity");
  if (rc == LR_OK) db->pg->changes += atoll(PQcmdTuples(res));
  PQclear(res);
  lrb_free(&ids);
  lrb_reset(&r->acts);
  r->nacts = r->nids = 0;
  return rc;
}

/* ---- after the commit ------------------------------------------------------ */

int lrs_pg_rt_state_begin(lr_db *db, const long long *ids, long long n) {
  struct lrs_pg_rt *r = rt_of(db);
  if (!r) return 0;
  PQclear(r->state);
  r->state = NULL;
  lr_buf arr = LR_BUF_INIT;
  id_array(&arr, ids, n);
  const char *p[] = { lrb_str(&arr) };
  if (!arr.oom)
    lrs_pg_query(db, "SELECT id, stage, grade, grades, scores, owner, score "
                 "FROM " LRS_PG_CONTACTS " AS contacts "
                 "WHERE id = ANY($1::bigint[]) ORDER BY id", 1,
                 p, &r->state, "read contact");
  lrb_free(&arr);
  return 0;
}

static const char *text_or_null(const PGresult *res, int row, int col) {
  return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

int lrs_pg_rt_state_read(lr_db *db, long long id, lrs_rt_state *out) {
  struct lrs_pg_rt *r = db->pg->rt;
  if (!r || !r->state) return LR_NOTFOUND;
  int lo = 0, hi = PQntuples(r->state) - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    long long at = strtoll(PQgetvalue(r->state, mid, 0), NULL, 10);
    if (at < id) lo = mid + 1;
    else if (at > id) hi = mid - 1;
    else {
      out->stage = text_or_null(r->state, mid, 1);
      out->grade = text_or_null(r->state, mid, 2);
      out->grades = text_or_null(r->state, mid, 3);
      out->scores = text_or_null(r->state, mid, 4);
      out->owner = text_or_null(r->state, mid, 5);
      out->score = strtod(PQgetvalue(r->state, mid, 6), NULL);
      return LR_OK;
    }
  }
  return LR_NOTFOUND;
}

void lrs_pg_rt_state_end(lr_db *db) {
  struct lrs_pg_rt *r = db->pg->rt;
  if (!r) return;
  PQclear(r->state);
  r->state = NULL;
}

/* The scan's columns change with the fields registry (pg_scan_cols.c):
** a kept scan is opened again when this does. */
int lrs_pg_schema_version(lr_db *db, int *version) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT (count(*) + coalesce(sum(hashtext(name "
                        "|| ' ' || type)), 0)) % 2147483647 FROM fields", 0,
                        NULL, &res, "schema version");
  if (rc != LR_OK) return rc;
  *version = (int)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return LR_OK;
}
