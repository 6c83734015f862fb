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
**
** A large activities import comes with its contacts already resolved (a
** key map, keymap.c) and is written MULTI rows to a statement; once it
** has written a quarter as many rows as the table held, the table's
** indexes are set aside and built again at the end (bulk_index.c).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk_index.h"
#include "db_int.h"
#include "contacts_io.h"
#include "pg_int.h"

#define MULTI 32          /* activities per INSERT of lrs_activity_put */
#define BULK_MIN 4096     /* fewer rows than this never go bulk */

typedef struct act_row {
  long long contact, at;
  const char *type;
  size_t typelen;
  const lrs_value *value, *campaign;
} act_row;

struct lrs_events {
  lr_db *db;
  struct lrs_pg_events *pg;  /* on PostgreSQL: all of it (pg_events.c) */
  sqlite3_stmt *st;
  sqlite3_stmt *multi;     /* activities: MULTI rows */
  act_row pend[MULTI];     /* rows waiting for it */
  int npend;
  lr_buf indexes;          /* bulk: CREATE statements of indexes set aside */
  int bulk;
  long long bulk_at;       /* rows after which to go bulk */
  int old_cache;           /* cache_size to restore (0: unchanged) */
  unsigned char *touched;  /* activities: a bit per contact id that got some */
  long long max_contact;   /* ids the bits cover (0: no bits, use SQL) */
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
static const char ACT_TOUCH_RANGE[] =
    "UPDATE contacts SET data_at=?3, change_mark=" LRS_CHANGE_MARK
    " WHERE id BETWEEN ?1 AND ?2";
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

/* A 32 MiB page cache while activities go into the index: they land all
** over it.  Back to the caller's once the indexes are set aside (the
** sort that rebuilds them takes runs of cache_size bytes per thread), or
** by lrs_events_free. */
static void small_cache(lrs_events *w) {
  if (!w->old_cache) return;
  char sql[48];
  snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", w->old_cache);
  sqlite3_exec(w->db->sql, sql, NULL, NULL, NULL);
  w->old_cache = 0;
}

static void big_cache(lrs_events *w) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(w->db->sql, "PRAGMA cache_size", -1, &st, NULL) ==
          SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    w->old_cache = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (w->old_cache) lrs_exec(w->db, "PRAGMA cache_size=-32768");
}

/* An activities import that has written a quarter of the table's rows
** (and at least BULK_MIN) stops updating its indexes. */
static int maybe_bulk(lrs_events *w) {
  if (w->bulk || w->bulk_at <= 0 || w->rows < w->bulk_at) return LR_OK;
  w->bulk = 1;
  small_cache(w);
  return lrs_indexes_drop(w->db, "activities", &w->indexes);
}

static int step(lrs_events *w, const char *what) {
  int src = sqlite3_step(w->st);
  sqlite3_reset(w->st);
  if (src != SQLITE_DONE) return lrs_sqlerr(w->db, src, what);
  w->rows++;
  return maybe_bulk(w);
}

static int prepare_multi(lrs_events *w) {
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "INSERT OR FAIL INTO activities(contact_id, type, "
                 "occurred_at, value, campaign) VALUES");
  for (int r = 0; r < MULTI; r++)
    lrb_adds(&sql, r ? ", (?, ?, ?, ?, ?)" : " (?, ?, ?, ?, ?)");
  if (sql.oom) return lr__err(w->db, LR_NOMEM, "out of memory");
  int src = sqlite3_prepare_v3(w->db->sql, sql.p, (int)sql.n, 0, &w->multi,
                               NULL);
  lrb_free(&sql);
  if (src != SQLITE_OK) return lrs_sqlerr(w->db, src, "prepare import");
  return LR_OK;
}

static const char ACT_ANY[] = "SELECT EXISTS(SELECT 1 FROM activities)";

int lrs_activities_any(lr_db *db, int *any) {
  if (db->pg) return lrs_pg_activities_any(db, any);
  sqlite3_stmt *st = lrs_cached(db, ACT_ANY);
  if (!st) return db->rc;
  int src = sqlite3_step(st);
  *any = src == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return lrs_sqlerr(db, src, "activities");
  return LR_OK;
}

/* The PostgreSQL writer, in a handle of ours. */
static int open_pg(lr_db *db, int outcomes, long long seq, lrs_events **out) {
  *out = calloc(1, sizeof **out);
  if (!*out) return lr__err(db, LR_NOMEM, "out of memory");
  (*out)->db = db;
  int rc = lrs_pg_events_open(db, outcomes, seq, &(*out)->pg);
  if (rc != LR_OK) {
    free(*out);
    *out = NULL;
  }
  return rc;
}

int lrs_activities_open(lr_db *db, lrs_events **out) {
  if (db->pg) return open_pg(db, 0, 0, out);
  sqlite3_stmt *st = lrs_cached(db, ACT_MAX);
  if (!st) return db->rc;
  int src = sqlite3_step(st);
  long long first = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return lrs_sqlerr(db, src, "activities");
  int rc = open_events(db, ACT_ADD, out);
  if (rc != LR_OK) return rc;
  lrs_events *w = *out;
  w->first_id = first;
  /* Contacts that get activities, as bits: the subquery over the new
  ** rows that finds them otherwise sorts every one of them. */
  long long max = 0;
  if (lrs_contacts_count(db, &max) == LR_OK && max > 0 && max < (1ll << 31) &&
      (w->touched = calloc((size_t)(max / 8 + 1), 1)) != NULL)
    w->max_contact = max;
  w->bulk_at = first / 4 > BULK_MIN ? first / 4 : BULK_MIN;
  big_cache(w);
  rc = prepare_multi(w);
  if (rc != LR_OK) {
    lrs_events_free(w);
    *out = NULL;
  }
  return rc;
}

static void bind_act(sqlite3_stmt *st, int base, const act_row *a) {
  sqlite3_bind_int64(st, base + 1, a->contact);
  sqlite3_bind_text(st, base + 2, a->type, (int)a->typelen, SQLITE_STATIC);
  sqlite3_bind_int64(st, base + 3, a->at);
  lrs__bind(st, base + 4, a->value);
  lrs__bind(st, base + 5, a->campaign);
}

/* Note that contact got an activity; without bits, the SQL finds it. */
static void touch(lrs_events *w, long long contact) {
  if (contact > 0 && contact <= w->max_contact)
    w->touched[contact >> 3] |= (unsigned char)(1u << (contact & 7));
  else
    w->max_contact = 0;
}

int lrs_activity_put(lrs_events *w, long long contact, const char *type,
                     size_t typelen, long long at, const lrs_value *value,
                     const lrs_value *campaign) {
  if (w->pg)
    return lrs_pg_activity_put(w->pg, contact, type, typelen, at, value,
                               campaign);
  touch(w, contact);
  act_row *a = &w->pend[w->npend];
  a->contact = contact;
  a->type = type;
  a->typelen = typelen;
  a->at = at;
  a->value = value;
  a->campaign = campaign;
  if (++w->npend < MULTI) return LR_OK;
  for (int r = 0; r < MULTI; r++) bind_act(w->multi, r * 5, &w->pend[r]);
  w->npend = 0;
  int src = sqlite3_step(w->multi);
  sqlite3_reset(w->multi);
  if (src != SQLITE_DONE) return lrs_sqlerr(w->db, src, "write activity");
  w->rows += MULTI;
  return maybe_bulk(w);
}

int lrs_activities_flush(lrs_events *w) {
  if (w->pg) return LR_OK;          /* COPY sends rows as they come */
  int rc = LR_OK;
  for (int r = 0; r < w->npend && rc == LR_OK; r++) {
    bind_act(w->st, 0, &w->pend[r]);
    rc = step(w, "write activity");
  }
  w->npend = 0;
  return rc;
}

int lrs_activity_add(lrs_events *w, const char *key, size_t keylen,
                     const char *type, size_t typelen, long long at,
                     const lrs_value *value, const lrs_value *campaign) {
  long long id;
  int rc = w->pg ? lrs_pg_events_contact(w->pg, key, keylen, &id)
                 : contact_of(w, key, keylen, &id);
  if (rc != LR_OK) return rc;
  if (!id) return LR_NOTFOUND;
  if (w->pg)
    return lrs_pg_activity_put(w->pg, id, type, typelen, at, value, campaign);
  touch(w, id);
  sqlite3_bind_int64(w->st, 1, id);
  sqlite3_bind_text(w->st, 2, type, (int)typelen, SQLITE_STATIC);
  sqlite3_bind_int64(w->st, 3, at);
  lrs__bind(w->st, 4, value);
  lrs__bind(w->st, 5, campaign);
  return step(w, "write activity");
}

static int bit(const lrs_events *w, long long id) {
  return (w->touched[id >> 3] >> (id & 7)) & 1;
}

/* data_at = now for each contact whose bit is set: one UPDATE per run of
** consecutive ids (a statement per contact cost twice as much). */
static int touch_marked(lrs_events *w, long long now) {
  sqlite3_stmt *st = lrs_cached(w->db, ACT_TOUCH_RANGE);
  if (!st) return w->db->rc;
  sqlite3_bind_int64(st, 3, now);
  for (long long id = 1; id <= w->max_contact; id++) {
    if (!w->touched[id >> 3]) {          /* eight ids without activities */
      id |= 7;
      continue;
    }
    if (!bit(w, id)) continue;
    long long last = id;
    while (last < w->max_contact && bit(w, last + 1)) last++;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, last);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE) return lrs_sqlerr(w->db, src, "activities");
    id = last;
  }
  return LR_OK;
}

int lrs_activities_finish(lrs_events *w, long long now) {
  if (w->pg) return lrs_pg_activities_finish(w->pg, now);
  int rc = lrs_activities_flush(w);
  if (rc == LR_OK && w->bulk) rc = lrs_indexes_rebuild(w->db, &w->indexes);
  if (rc != LR_OK) return rc;
  if (w->max_contact) return touch_marked(w, now);
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
  if (db->pg) return open_pg(db, 1, seq, out);
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
  int rc = w->pg ? lrs_pg_events_contact(w->pg, key, keylen, &id)
                 : contact_of(w, key, keylen, &id);
  if (rc != LR_OK) return rc;
  if (!id) return LR_NOTFOUND;
  if (w->pg) return lrs_pg_outcome_put(w->pg, id, won, amount, closed_at);
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
  if (w->pg) return lrs_pg_outcomes_finish(w->pg, updated, merged);
  *updated = w->seen.updated;
  *merged = w->seen.merged;
  return LR_OK;
}

void lrs_events_free(lrs_events *w) {
  if (!w) return;
  if (w->pg) {
    lrs_pg_events_free(w->pg);
    free(w);
    return;
  }
  small_cache(w);
  lrb_free(&w->indexes);
  free(w->touched);
  sqlite3_finalize(w->multi);
  sqlite3_finalize(w->st);
  if (w->seen_on) lrs_seen_unregister(w->db);
  lrb_free(&w->last_key);
  free(w);
}
