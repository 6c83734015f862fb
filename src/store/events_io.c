/*
** events_io.c -- writing imported activities and outcomes.
**
** Each row's contact is found by key with a cached lookup, remembered
** while the key repeats (files are usually grouped by contact), and the
** row is written by a one-row INSERT OR FAIL: an INSERT ... SELECT, or a
** statement that may abort halfway, makes SQLite keep a statement journal
** per row, which past its first 64 KiB is a temporary file (two writes per
** row).  A failure rolls the whole import back, so FAIL loses nothing.
** Activities are appended; outcomes are upserted on (contact, closed_at).
*/
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "contacts_io.h"

struct lrs_events {
  lr_db *db;
  sqlite3_stmt *st;
  long long first_id;      /* activities: ids above this are this import's */
  lrs_seen seen;
  int seen_on;
  long long rows;
  lr_buf last_key;         /* the key last looked up, and its contact */
  long long last_id;       /* 0: no such contact */
  int have_last;
};

static const char OUT_MARK[] =
    "UPDATE contacts SET change_mark=" LRS_CHANGE_MARK " WHERE id=?1";
static const char KEY_ID[] = "SELECT id FROM contacts WHERE key=?1";
static const char ACT_ADD[] =
    "INSERT OR FAIL INTO activities(contact_id, type, occurred_at, value, "
    "campaign) VALUES(?1, ?2, ?3, ?4, ?5)";
static const char ACT_MAX[] = "SELECT coalesce(max(id), 0) FROM activities";
static const char ACT_TOUCH[] =
    "UPDATE contacts SET data_at=?2, change_mark=" LRS_CHANGE_MARK " WHERE id IN "
    "(SELECT contact_id FROM activities WHERE id > ?1)";
static const char OUT_PUT[] =
    "INSERT OR FAIL INTO outcomes(contact_id, result, amount, closed_at, "
    "import_seq) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(contact_id, closed_at) DO UPDATE SET result=excluded.result,"
    " amount=excluded.amount,"
    " import_seq=lr_seen(import_seq, excluded.import_seq)";

/* The contact id of a key (0: none), looked up once per run of rows with
** the same key. */
static int contact_of(lrs_events *w, const char *key, size_t keylen,
                      long long *id) {
  if (w->have_last && w->last_key.n == keylen &&
      memcmp(w->last_key.p, key, keylen) == 0) {
    *id = w->last_id;
    return LR_OK;
  }
  sqlite3_stmt *st = lrs_cached(w->db, KEY_ID);
  if (!st) return w->db->rc;
  sqlite3_bind_text(st, 1, key, (int)keylen, SQLITE_STATIC);
  int src = sqlite3_step(st);
  *id = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    return lrs_sqlerr(w->db, src, "find contact");
  w->last_key.n = 0;
  lrb_add(&w->last_key, key, keylen);
  w->have_last = !w->last_key.oom;
  w->last_id = *id;
  return LR_OK;
}

static int open_events(lr_db *db, const char *sql, lrs_events **out) {
  *out = NULL;
  lrs_events *w = calloc(1, sizeof *w);
  if (!w) return lr__err(db, LR_NOMEM, "out of memory");
  w->db = db;
  int src = sqlite3_prepare_v3(db->sql, sql, -1, 0, &w->st, NULL);
  if (src != SQLITE_OK) {
    free(w);
    return lrs_sqlerr(db, src, "prepare import");
  }
  *out = w;
  return LR_OK;
}

static int step(lrs_events *w, const char *what) {
  int src = sqlite3_step(w->st);
  sqlite3_reset(w->st);
  if (src != SQLITE_DONE) return lrs_sqlerr(w->db, src, what);
  w->rows++;
  return LR_OK;
}

int lrs_activities_open(lr_db *db, lrs_events **out) {
  sqlite3_stmt *st = lrs_cached(db, ACT_MAX);
  if (!st) return db->rc;
  int src = sqlite3_step(st);
  long long first = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return lrs_sqlerr(db, src, "activities");
  int rc = open_events(db, ACT_ADD, out);
  if (rc == LR_OK) (*out)->first_id = first;
  return rc;
}

int lrs_activity_add(lrs_events *w, const char *key, size_t keylen,
                     const char *type, size_t typelen, long long at,
                     const lrs_value *value, const lrs_value *campaign) {
  long long id;
  int rc = contact_of(w, key, keylen, &id);
  if (rc != LR_OK) return rc;
  if (!id) return LR_NOTFOUND;
  sqlite3_bind_int64(w->st, 1, id);
  sqlite3_bind_text(w->st, 2, type, (int)typelen, SQLITE_STATIC);
  sqlite3_bind_int64(w->st, 3, at);
  lrs__bind(w->st, 4, value);
  lrs__bind(w->st, 5, campaign);
  return step(w, "write activity");
}

int lrs_activities_finish(lrs_events *w, long long now) {
  sqlite3_stmt *st = lrs_cached(w->db, ACT_TOUCH);
  if (!st) return w->db->rc;
  sqlite3_bind_int64(st, 1, w->first_id);
  sqlite3_bind_int64(st, 2, now);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(w->db, src, "activities");
  return LR_OK;
}

int lrs_outcomes_open(lr_db *db, long long seq, lrs_events **out) {
  *out = NULL;
  lrs_events *w = calloc(1, sizeof *w);
  if (!w) return lr__err(db, LR_NOMEM, "out of memory");
  w->db = db;
  int rc = lrs_seen_register(db, &w->seen);   /* before prepare: used in it */
  if (rc != LR_OK) {
    free(w);
    return rc;
  }
  w->seen_on = 1;
  int src = sqlite3_prepare_v3(db->sql, OUT_PUT, -1, 0, &w->st, NULL);
  if (src != SQLITE_OK) {
    rc = lrs_sqlerr(db, src, "prepare import");
    lrs_events_free(w);
    return rc;
  }
  sqlite3_bind_int64(w->st, 5, seq);
  *out = w;
  return LR_OK;
}

int lrs_outcome_put(lrs_events *w, const char *key, size_t keylen, int won,
                    const lrs_value *amount, long long closed_at) {
  long long id;
  int rc = contact_of(w, key, keylen, &id);
  if (rc != LR_OK) return rc;
  if (!id) return LR_NOTFOUND;
  sqlite3_bind_int64(w->st, 1, id);
  sqlite3_bind_text(w->st, 2, won ? "won" : "lost", -1, SQLITE_STATIC);
  lrs__bind(w->st, 3, amount);
  sqlite3_bind_int64(w->st, 4, closed_at);
  rc = step(w, "write outcome");
  if (rc != LR_OK) return rc;
  sqlite3_stmt *st = lrs_cached(w->db, OUT_MARK);   /* run --changed */
  if (!st) return w->db->rc;
  sqlite3_bind_int64(st, 1, id);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(w->db, src, "write outcome");
}

int lrs_outcomes_finish(lrs_events *w, long long *updated, long long *merged) {
  *updated = w->seen.updated;
  *merged = w->seen.merged;
  return LR_OK;
}

void lrs_events_free(lrs_events *w) {
  if (!w) return;
  sqlite3_finalize(w->st);
  if (w->seen_on) lrs_seen_unregister(w->db);
  lrb_free(&w->last_key);
  free(w);
}
