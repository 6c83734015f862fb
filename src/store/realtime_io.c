/*
** realtime_io.c -- single events, contacts by key and the outbox (see
** realtime_io.h).  Everything runs inside the caller's transaction,
** through cached statements: serve and ingest call these thousands of
** times a second.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"
#include "contacts_io.h"
#include "realtime_io.h"

static const char KEY_ID[] = "SELECT id FROM contacts WHERE key=?1";
static const char ACT_ADD[] =
    "INSERT INTO activities(contact_id, type, occurred_at, value, campaign) "
    "VALUES(?1, ?2, ?3, ?4, ?5)";
static const char DATA_AT[] =
    "UPDATE contacts SET data_at=?2, change_mark=" LRS_CHANGE_MARK " WHERE id=?1";

static int done(lr_db *db, sqlite3_stmt *st, const char *what) {
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, what);
}

/* A new contact: key, and the key field's own column when it is one. */
static int create_contact(lr_db *db, const char *key, long long now,
                          long long *id) {
  lr_buf sql = LR_BUF_INIT;
  const char *kf = lrs_key_field(db);
  int own_col = strcmp(kf, "key") != 0 && lrs_contacts_has_column(db, kf);
  lrb_adds(&sql, "INSERT INTO contacts(key, data_at");
  if (own_col) {
    lrb_adds(&sql, ", ");
    lrs_quote_ident(&sql, kf);
  }
  lrb_adds(&sql, own_col ? ") VALUES(?1, ?2, ?1)" : ") VALUES(?1, ?2)");
  if (sql.oom) return lr__err(db, LR_NOMEM, "out of memory");
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql, sql.p, -1, &st, NULL);
  lrb_free(&sql);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "create contact");
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, now);
  src = sqlite3_step(st);
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "create contact");
  *id = sqlite3_last_insert_rowid(db->sql);
  return LR_OK;
}

int lrs_rt_contact(lr_db *db, const char *key, int create, long long now,
                   long long *id, int *created) {
  *id = 0;
  if (created) *created = 0;
  if (db->pg) return lrs_pg_rt_contact(db, key, create, now, id, created);
  sqlite3_stmt *st = lrs_cached(db, KEY_ID);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  if (src == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    return lrs_sqlerr(db, src, "find contact");
  if (*id || !create) return LR_OK;
  int rc = create_contact(db, key, now, id);
  if (rc == LR_OK && created) *created = 1;
  return rc;
}

int lrs_rt_activity(lr_db *db, long long id, const char *type, long long at,
                    int has_value, double value, const char *campaign,
                    long long now) {
  if (db->pg)
    return lrs_pg_rt_activity(db, id, type, at, has_value, value, campaign,
                              now);
  sqlite3_stmt *st = lrs_cached(db, ACT_ADD);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, at);
  if (has_value) sqlite3_bind_double(st, 4, value);
  if (campaign) sqlite3_bind_text(st, 5, campaign, -1, SQLITE_STATIC);
  int rc = done(db, st, "write activity");
  if (rc != LR_OK) return rc;
  st = lrs_cached(db, DATA_AT);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, now);
  return done(db, st, "write activity");
}

static const char STATE[] =
    "SELECT stage, grade, grades, scores, owner, score FROM contacts "
    "WHERE id = ?1";

int lrs_rt_state_read(lr_db *db, long long id, lrs_rt_state *out) {
  if (db->pg) return lrs_pg_rt_state_read(db, id, out);
  sqlite3_stmt *st = lrs_cached(db, STATE);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  int src = sqlite3_step(st);
  if (src == SQLITE_DONE) return LR_NOTFOUND;
  if (src != SQLITE_ROW) return lrs_sqlerr(db, src, "read contact");
  out->stage = (const char *)sqlite3_column_text(st, 0);
  out->grade = (const char *)sqlite3_column_text(st, 1);
  out->grades = (const char *)sqlite3_column_text(st, 2);
  out->scores = (const char *)sqlite3_column_text(st, 3);
  out->owner = (const char *)sqlite3_column_text(st, 4);
  out->score = sqlite3_column_double(st, 5);
  return LR_OK;
}

static const char SCHEMA[] = "PRAGMA schema_version";

int lrs_schema_version(lr_db *db, int *version) {
  if (db->pg) return lrs_pg_schema_version(db, version);
  sqlite3_stmt *st = lrs_cached(db, SCHEMA);
  if (!st) return db->rc;
  int src = sqlite3_step(st);
  *version = sqlite3_column_int(st, 0);
  sqlite3_reset(st);
  return src == SQLITE_ROW ? LR_OK : lrs_sqlerr(db, src, "schema version");
}

int lrs_rt_state_begin(lr_db *db, const long long *ids, long long n) {
  if (db->pg) return lrs_pg_rt_state_begin(db, ids, n);
  if (n < 2 || !sqlite3_get_autocommit(db->sql)) return 0;
  return sqlite3_exec(db->sql, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

void lrs_rt_state_end(lr_db *db, int began) {
  if (db->pg) {
    lrs_pg_rt_state_end(db);
    return;
  }
  sqlite3_stmt *st = lrs_cached(db, STATE);     /* fetching resets it */
  (void)st;
  if (began) sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
}

int lrs_rt_begin(lr_db *db) {
  return db->pg ? lrs_pg_rt_begin(db) : lrs_begin(db);
}

void lrs_rt_end(lr_db *db) {
  if (db->pg) lrs_pg_rt_end(db);
}

int lrs_rt_keys(lr_db *db, const char *const *keys, long long n) {
  return db->pg ? lrs_pg_rt_keys(db, keys, n) : LR_OK;
}

int lrs_rt_flush(lr_db *db) {
  return db->pg ? lrs_pg_rt_flush(db) : LR_OK;
}

int lrs_sync_normal(lr_db *db) {
  if (db->pg) return LR_OK;        /* SQLite's pragmas only */
  return lrs_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144; "
                      "PRAGMA wal_autocheckpoint=32768; PRAGMA mmap_size=1073741824");
}

/* Measured at 1M contacts, a batch of 10,000 events on random contacts
** dirtied 40,000 pages of 8 KiB (330 MB): in a cache of 256 MiB it
** spilled them to the log before its commit and read them back (0.65 GB
** of log read per 20,000 events), so the cache grows with the batch (40
** KiB an event, from 256 MiB to 4 GiB; only pages used take memory).
** Foreign-key checks off: each event's contact was just found (or
** created) in the same transaction, and the run nested in it writes only
** rows of contacts it read (lrs_run_begin); with them on, every
** multi-row insert of the run could fail at its end, so SQLite kept a
** statement journal, a temporary file of each page it touched (0.14 GB
** per 20,000 events).  The log file is kept at its size when it starts
** over: cut back to 64 MiB (lrs_open), it was grown again by every batch,
** block by block. */
/* One integer setting of the connection (0 when it cannot be read). */
static long long pragma_int(lr_db *db, const char *sql) {
  sqlite3_stmt *st;
  long long v = 0;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) return 0;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

int lrs_ingest_tune(lr_db *db, long long batch) {
  if (db->pg) return LR_OK;        /* SQLite's pages and pragmas only */
  /* A library caller keeps using the handle after lr_ingest: its own
  ** settings come back (lrs_ingest_untune), not a cache of up to 4 GiB. */
  db->tuned.sync = (int)pragma_int(db, "PRAGMA synchronous");
  db->tuned.cache = (int)pragma_int(db, "PRAGMA cache_size");
  db->tuned.autockpt = (int)pragma_int(db, "PRAGMA wal_autocheckpoint");
  db->tuned.mmap = pragma_int(db, "PRAGMA mmap_size");
  db->tuned.saved = 1;
  int rc = lrs_sync_normal(db);
  long long kib = batch * 40;
  if (kib < 262144) kib = 262144;
  if (kib > 4194304) kib = 4194304;
  char sql[160];
  snprintf(sql, sizeof sql, "PRAGMA cache_size=-%lld; PRAGMA foreign_keys=OFF; "
           "PRAGMA journal_size_limit=-1", kib);
  return rc == LR_OK ? lrs_exec(db, sql) : rc;
}

void lrs_ingest_untune(lr_db *db) {
  if (db->pg) return;
  sqlite3_exec(db->sql, "PRAGMA foreign_keys=ON; "
               "PRAGMA journal_size_limit=67108864", NULL, NULL, NULL);
  if (!db->tuned.saved) return;
  char sql[200];
  snprintf(sql, sizeof sql, "PRAGMA synchronous=%d; PRAGMA cache_size=%d; "
           "PRAGMA wal_autocheckpoint=%d; PRAGMA mmap_size=%lld",
           db->tuned.sync, db->tuned.cache, db->tuned.autockpt, db->tuned.mmap);
  sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
  db->tuned.saved = 0;
}
