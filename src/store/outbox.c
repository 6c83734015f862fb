/*
** outbox.c -- the outbox: decisions appended in the transaction that
** made them, read in id order by notifiers, and the last id each
** consumer acknowledged (see realtime_io.h).
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_int.h"
#include "pg_int.h"
#include "realtime_io.h"

static int done(lr_db *db, sqlite3_stmt *st, const char *what) {
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, what);
}

static const char OUT_ADD[] =
    "INSERT INTO outbox(at, kind, contact_id, key, run_id, payload) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
static const char OUT_EACH[] =
    "SELECT id, at, kind, contact_id, key, run_id, payload FROM outbox "
    "WHERE id > ?1 ORDER BY id LIMIT ?2";
static const char OUT_ACKED[] =
    "SELECT last_id FROM outbox_acks WHERE consumer=?1";
static const char OUT_ACK[] =
    "INSERT INTO outbox_acks(consumer, last_id, at) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(consumer) DO UPDATE SET last_id=excluded.last_id, "
    "at=excluded.at WHERE excluded.last_id > last_id";
static const char OUT_LAST[] = "SELECT coalesce(max(id), 0) FROM outbox";

/* 32 rows to a statement: a single-row INSERT costs most of its time in
** the statement itself (and AUTOINCREMENT's sqlite_sequence update). */
#define R "(?,?,?,?,?,?)"
#define X4(r) r "," r "," r "," r
static const char OUT_ADD_MANY[] =
    "INSERT INTO outbox(at, kind, contact_id, key, run_id, payload) VALUES "
    X4(X4(R)) "," X4(X4(R));
#undef R
#undef X4

int lrs_outbox_add_rows(lr_db *db, const lrs_outbox_new *r, int n) {
  if (db->pg) return lrs_pg_outbox_add_rows(db, r, n);
  int rc = LR_OK;
  if (n == LRS_OUTBOX_MANY) {
    sqlite3_stmt *st = lrs_cached(db, OUT_ADD_MANY);
    if (!st) return db->rc;
    for (int i = 0; i < n; i++) {
      int b = 6 * i;
      sqlite3_bind_int64(st, b + 1, r[i].at);
      sqlite3_bind_text(st, b + 2, r[i].kind, -1, SQLITE_STATIC);
      if (r[i].contact_id) sqlite3_bind_int64(st, b + 3, r[i].contact_id);
      sqlite3_bind_text(st, b + 4, r[i].key, -1, SQLITE_STATIC);
      if (r[i].run_id) sqlite3_bind_int64(st, b + 5, r[i].run_id);
      sqlite3_bind_text(st, b + 6, r[i].payload, -1, SQLITE_STATIC);
    }
    return done(db, st, "write outbox");
  }
  for (int i = 0; i < n && rc == LR_OK; i++)
    rc = lrs_outbox_add(db, r[i].at, r[i].kind, r[i].contact_id, r[i].key,
                        r[i].run_id, r[i].payload, NULL);
  return rc;
}

/* An outbox row's six values from parameter b on (at, kind, contact,
** key, run, payload), as the outbox and its stage both take them. */
static void bind_new(sqlite3_stmt *st, int b, const lrs_outbox_new *r) {
  sqlite3_bind_int64(st, b, r->at);
  sqlite3_bind_text(st, b + 1, r->kind, -1, SQLITE_STATIC);
  if (r->contact_id) sqlite3_bind_int64(st, b + 2, r->contact_id);
  sqlite3_bind_text(st, b + 3, r->key, -1, SQLITE_STATIC);
  if (r->run_id) sqlite3_bind_int64(st, b + 4, r->run_id);
  sqlite3_bind_text(st, b + 5, r->payload, -1, SQLITE_STATIC);
}

int lrs_outbox_add(lr_db *db, long long at, const char *kind,
                   long long contact_id, const char *key, long long run_id,
                   const char *payload, long long *id) {
  lrs_outbox_new r = { at, contact_id, run_id, kind, key, payload };
  if (db->pg) return lrs_pg_outbox_add(db, &r, id);
  sqlite3_stmt *st = lrs_cached(db, OUT_ADD);
  if (!st) return db->rc;
  bind_new(st, 1, &r);
  int rc = done(db, st, "write outbox");
  if (rc == LR_OK && id) *id = sqlite3_last_insert_rowid(db->sql);
  return rc;
}

/* A run's rows that must follow rows it writes later (its handoffs come
** after all its moves): a temporary table of the main connection, in the
** run's transaction, so that a rollback drops them with the rest. */
static const char OUT_STAGE_MAKE[] =
    "CREATE TEMP TABLE IF NOT EXISTS outbox_stage("
    "  section INTEGER NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,"
    "  kind TEXT NOT NULL, contact_id INTEGER, key TEXT NOT NULL,"
    "  run_id INTEGER, payload TEXT NOT NULL,"
    "  PRIMARY KEY(section, seq)) WITHOUT ROWID";
static const char OUT_STAGE[] =
    "INSERT INTO temp.outbox_stage(section, seq, at, kind, contact_id, key, "
    "run_id, payload) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char OUT_UNSTAGE[] =
    "INSERT INTO outbox(at, kind, contact_id, key, run_id, payload) "
    "SELECT at, kind, contact_id, key, run_id, payload FROM temp.outbox_stage "
    "ORDER BY section, seq";
static const char OUT_STAGE_CLEAR[] = "DELETE FROM temp.outbox_stage";

int lrs_outbox_stage_open(lr_db *db) {
  if (db->pg) return lrs_pg_outbox_stage_open(db);
  return lrs_exec(db, OUT_STAGE_MAKE);
}

int lrs_outbox_stage(lr_db *db, int section, long long seq, long long at,
                     const char *kind, long long contact_id, const char *key,
                     long long run_id, const char *payload) {
  lrs_outbox_new r = { at, contact_id, run_id, kind, key, payload };
  if (db->pg) return lrs_pg_outbox_stage(db, section, seq, &r);
  sqlite3_stmt *st = lrs_cached(db, OUT_STAGE);
  if (!st) return db->rc;
  sqlite3_bind_int(st, 1, section);
  sqlite3_bind_int64(st, 2, seq);
  bind_new(st, 3, &r);
  return done(db, st, "stage outbox");
}

int lrs_outbox_unstage(lr_db *db) {
  if (db->pg) return lrs_pg_outbox_unstage(db);
  sqlite3_stmt *st = lrs_cached(db, OUT_UNSTAGE);
  if (!st) return db->rc;
  int rc = done(db, st, "write outbox");
  if (rc != LR_OK) return rc;
  if (!(st = lrs_cached(db, OUT_STAGE_CLEAR))) return db->rc;
  return done(db, st, "write outbox");
}

static const char *text(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

int lrs_outbox_each(lr_db *db, long long after, long long limit,
                    int (*cb)(void *ctx, const lrs_outbox_row *r), void *ctx) {
  if (db->pg) return lrs_pg_outbox_each(db, after, limit, cb, ctx);
  sqlite3_stmt *st = lrs_cached(db, OUT_EACH);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, after);
  sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    lrs_outbox_row r = {
      .id = sqlite3_column_int64(st, 0), .at = sqlite3_column_int64(st, 1),
      .kind = text(st, 2), .contact_id = sqlite3_column_int64(st, 3),
      .key = text(st, 4), .run_id = sqlite3_column_int64(st, 5),
      .payload = text(st, 6),
    };
    if (cb(ctx, &r)) {
      src = SQLITE_DONE;
      break;
    }
  }
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "read outbox");
}

int lrs_outbox_acked(lr_db *db, const char *consumer, long long *id) {
  *id = 0;
  if (db->pg) return lrs_pg_outbox_acked(db, consumer, id);
  sqlite3_stmt *st = lrs_cached(db, OUT_ACKED);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, consumer, -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  if (src == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    return lrs_sqlerr(db, src, "read outbox acks");
  return LR_OK;
}

int lrs_outbox_ack(lr_db *db, const char *consumer, long long id,
                   long long now) {
  if (db->pg) return lrs_pg_outbox_ack(db, consumer, id, now);
  sqlite3_stmt *st = lrs_cached(db, OUT_ACK);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, consumer, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, id);
  sqlite3_bind_int64(st, 3, now);
  return done(db, st, "write outbox ack");
}

int lrs_outbox_last(lr_db *db, long long *id) {
  *id = 0;
  if (db->pg) return lrs_pg_outbox_last(db, id);
  sqlite3_stmt *st = lrs_cached(db, OUT_LAST);
  if (!st) return db->rc;
  int src = sqlite3_step(st);
  if (src == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return src == SQLITE_ROW ? LR_OK : lrs_sqlerr(db, src, "read outbox");
}

/* ---- the public API ------------------------------------------------------ */

typedef struct each_ctx {
  int (*fn)(void *ctx, const lr_outbox_row *row);
  void *ctx;
  lr_buf json;
} each_ctx;

/* The row's JSON: its id, then the payload's members. */
static int each_row(void *ctx, const lrs_outbox_row *r) {
  each_ctx *e = ctx;
  lrb_reset(&e->json);
  lrb_printf(&e->json, "{\"id\":%lld,", r->id);
  lrb_adds(&e->json, r->payload && r->payload[0] == '{' ? r->payload + 1 : "}");
  if (e->json.oom) return 1;
  lr_outbox_row row = { r->id, r->at, r->kind, r->key, e->json.p };
  return e->fn(e->ctx, &row);
}

int lr_outbox_each(lr_db *db, long long after, long long limit,
                   int (*fn)(void *ctx, const lr_outbox_row *row), void *ctx) {
  if (!lrs_is_open(db) || !fn) return LR_MISUSE;
  each_ctx e = { fn, ctx, LR_BUF_INIT };
  int rc = lrs_outbox_each(db, after, limit, each_row, &e);
  if (rc == LR_OK && e.json.oom) rc = lr__err(db, LR_NOMEM, "out of memory");
  lrb_free(&e.json);
  return rc == LR_OK ? lr__ok(db) : rc;
}

int lr_outbox_acked(lr_db *db, const char *consumer, long long *id) {
  if (!lrs_is_open(db) || !consumer || !id) return LR_MISUSE;
  int rc = lrs_outbox_acked(db, consumer, id);
  return rc == LR_OK ? lr__ok(db) : rc;
}

int lr_outbox_ack(lr_db *db, const char *consumer, long long id) {
  if (!lrs_is_open(db) || !consumer) return LR_MISUSE;
  int rc = lrs_outbox_ack(db, consumer, id, (long long)time(NULL));
  return rc == LR_OK ? lr__ok(db) : rc;
}
