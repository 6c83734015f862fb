/*
** contacts_io.c -- writing imported contacts.
**
** One prepared statement per import, reused for every row.  Into an
** empty table (a first import) rows are appended with the key index
** dropped, and the index is built once at the end by sorting; a key seen
** twice then keeps its last row (the others are deleted and counted as
** merged).  Into a table with contacts each row is an upsert on the key:
** INSERT ... ON CONFLICT(key) DO UPDATE, counting updates and merges with
** lr_seen (seen.c).
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "contacts_io.h"
#include "pg_int.h"

#define MULTI 32          /* rows per INSERT: fewer steps and resets */

struct lrs_upsert {
  lr_db *db;
  struct lrs_pg_upsert *pg;  /* on PostgreSQL: all of it (pg_upsert.c) */
  sqlite3_stmt *st;       /* one row */
  sqlite3_stmt *multi;    /* MULTI rows */
  int n;
  int old_cache;          /* cache_size to restore (0: unchanged) */
  int pending;            /* rows waiting for the multi-row statement */
  const char *pkey[MULTI];
  size_t pkeylen[MULTI];
  const lrs_value *pvals[MULTI];
  int bulk;
  long long rows;
  lrs_seen seen;
  int seen_on;
};

static const char ANY[] = "SELECT EXISTS(SELECT 1 FROM contacts)";

int lrs_contacts_any(lr_db *db, int *any) {
  if (db->pg) return lrs_pg_contacts_any(db, any);
  sqlite3_stmt *st = lrs_cached(db, ANY);
  if (!st) return db->rc;
  int src = sqlite3_step(st);
  *any = src == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return lrs_sqlerr(db, src, "contacts");
  return LR_OK;
}

static const char COUNT[] = "SELECT coalesce(max(id), 0) FROM contacts";

int lrs_contacts_count(lr_db *db, long long *n) {
  if (db->pg) return lrs_pg_contacts_count(db, n);
  sqlite3_stmt *st = lrs_cached(db, COUNT);
  if (!st) return db->rc;
  int src = sqlite3_step(st);
  *n = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return lrs_sqlerr(db, src, "contacts");
  return LR_OK;
}

int lrs_key_field_get(lr_db *db, char *buf, size_t n) {
  return lrs_meta_get(db, "key_field", buf, n);
}

int lrs_key_field_set(lr_db *db, const char *field) {
  return lrs_meta_set(db, "key_field", field);
}

static void add_list(lr_buf *b, const char *const *names, int n,
                     const char *prefix) {
  for (int i = 0; i < n; i++) {
    lrb_adds(b, ", ");
    lrb_adds(b, prefix);
    lrs_quote_ident(b, names[i]);
  }
}

/* "column i..j-1 changes" as a balanced tree of ORs: a chain of a
** thousand ORs is deeper than SQLite's expression depth limit (1000). */
static void changed(lr_buf *b, const char *const *names, const int *how,
                    int lo, int hi) {
  if (hi - lo > 1) {
    int mid = lo + (hi - lo) / 2;
    lrb_addc(b, '(');
    changed(b, names, how, lo, mid);
    lrb_adds(b, " OR ");
    changed(b, names, how, mid, hi);
    lrb_addc(b, ')');
    return;
  }
  lrb_addc(b, '(');
  lrs_quote_ident(b, names[lo]);
  if (how[lo] == LRS_SET_START) {
    lrb_adds(b, " IS NULL AND excluded.");
    lrs_quote_ident(b, names[lo]);
    lrb_adds(b, " IS NOT NULL");
  } else {
    lrb_adds(b, " IS NOT excluded.");
    lrs_quote_ident(b, names[lo]);
  }
  lrb_addc(b, ')');
}

/* data_at and import_seq are ?1 and ?2; row r's key is ?(r*(n+1)+3), its
** values follow.  Only the first row numbers its parameters (?NNN); later
** rows use plain ?, which continue the count: SQLite looks every ?NNN up
** in a list, so numbering all of 32 rows of a wide file is quadratic
** (seconds for a thousand columns). */
static void build_sql(lr_buf *b, const char *const *names, const int *how,
                      int n, int bulk, int rows) {
  /* OR FAIL: no statement journal (a failure rolls the import back). */
  lrb_adds(b, "INSERT OR FAIL INTO contacts(key");
  add_list(b, names, n, "");
  lrb_adds(b, ", data_at, import_seq, change_mark) VALUES");
  for (int r = 0; r < rows; r++) {
    lrb_adds(b, r ? ", (" : "(");
    for (int i = 0; i < n + 1; i++) {
      if (r) lrb_adds(b, i ? ", ?" : "?");
      else lrb_printf(b, "%s?%d", i ? ", " : "", i + 3);
    }
    lrb_adds(b, ", ?1, ?2, " LRS_CHANGE_MARK ")");
  }
  if (bulk) return;
  lrb_adds(b, " ON CONFLICT(key) DO UPDATE SET ");
  for (int i = 0; i < n; i++) {
    lrs_quote_ident(b, names[i]);
    lrb_adds(b, "=");
    if (how[i] == LRS_SET_START) {
      lrb_adds(b, "CASE WHEN import_seq IS excluded.import_seq OR ");
      lrs_quote_ident(b, names[i]);
      lrb_adds(b, " IS NULL THEN excluded.");
      lrs_quote_ident(b, names[i]);
      lrb_adds(b, " ELSE ");
      lrs_quote_ident(b, names[i]);
      lrb_adds(b, " END");
    } else {
      lrb_adds(b, "excluded.");
      lrs_quote_ident(b, names[i]);
    }
    lrb_adds(b, ", ");
  }
  /* data_at moves only when a value really changes, so that re-importing
  ** the same export does not make every contact look edited. */
  lrb_adds(b, "data_at=CASE WHEN ");
  if (n) changed(b, names, how, 0, n);
  else lrb_adds(b, "0");
  lrb_adds(b, " THEN excluded.data_at ELSE data_at END, change_mark=CASE WHEN ");
  if (n) changed(b, names, how, 0, n);
  else lrb_adds(b, "0");
  lrb_adds(b, " THEN excluded.change_mark ELSE change_mark END, "
              "import_seq=lr_seen(import_seq, excluded.import_seq)");
}

int lrs_upsert_open(lr_db *db, const char *const *names, const int *how,
                    int n, long long seq, long long now, lrs_upsert **out) {
  *out = NULL;
  lrs_upsert *u = calloc(1, sizeof *u);
  if (!u) return lr__err(db, LR_NOMEM, "out of memory");
  u->db = db;
  u->n = n;
  if (db->pg) {
    int rc = lrs_pg_upsert_open(db, names, how, n, seq, now, &u->pg);
    if (rc == LR_OK) *out = u;
    else lrs_upsert_free(u);
    return rc;
  }
  int any;
  int rc = lrs_contacts_any(db, &any);
  if (rc != LR_OK) goto fail;
  u->bulk = !any;
  if (u->bulk) {
    rc = lrs_exec(db, "DROP INDEX IF EXISTS contacts_by_key");
  } else {
    /* Upserts probe and insert into the key index in file order, i.e. at
    ** random: a 32 MiB page cache (bounded, whatever the file size) makes
    ** a million new keys about 35% faster than the 2 MiB default. */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->sql, "PRAGMA cache_size", -1, &st, NULL) ==
            SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      u->old_cache = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (u->old_cache) lrs_exec(db, "PRAGMA cache_size=-32768");
    rc = lrs_seen_register(db, &u->seen);
    u->seen_on = (rc == LR_OK);
  }
  if (rc != LR_OK) goto fail;
  for (int k = 0; k < 2; k++) {
    int rows = k ? MULTI : 1;
    sqlite3_stmt **st = k ? &u->multi : &u->st;
    lr_buf sql = LR_BUF_INIT;
    build_sql(&sql, names, how, n, u->bulk, rows);
    if (sql.oom) {
      lrb_free(&sql);
      rc = lr__err(db, LR_NOMEM, "out of memory");
      goto fail;
    }
    int src = sqlite3_prepare_v3(db->sql, sql.p, (int)sql.n, 0, st, NULL);
    lrb_free(&sql);
    if (src != SQLITE_OK) {
      rc = lrs_sqlerr(db, src, "prepare import");
      goto fail;
    }
    sqlite3_bind_int64(*st, 1, now);           /* reset keeps these bound */
    sqlite3_bind_int64(*st, 2, seq);
  }
  *out = u;
  return LR_OK;
fail:
  lrs_upsert_free(u);
  return rc;
}

static void bind_row(sqlite3_stmt *st, int base, int n, const char *key,
                     size_t keylen, const lrs_value *vals) {
  sqlite3_bind_text(st, base + 1, key, (int)keylen, SQLITE_STATIC);
  for (int i = 0; i < n; i++) lrs__bind(st, base + i + 2, &vals[i]);
}

static int run(lrs_upsert *u, sqlite3_stmt *st) {
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(u->db, src, "write contact");
  return LR_OK;
}

int lrs_upsert_row(lrs_upsert *u, const char *key, size_t keylen,
                   const lrs_value *vals) {
  if (u->pg) return lrs_pg_upsert_row(u->pg, key, keylen, vals);
  u->pkey[u->pending] = key;
  u->pkeylen[u->pending] = keylen;
  u->pvals[u->pending] = vals;
  if (++u->pending < MULTI) return LR_OK;
  for (int r = 0; r < MULTI; r++)
    bind_row(u->multi, 2 + r * (u->n + 1), u->n, u->pkey[r], u->pkeylen[r],
             u->pvals[r]);
  u->pending = 0;
  int rc = run(u, u->multi);
  if (rc == LR_OK) u->rows += MULTI;
  return rc;
}

int lrs_upsert_flush(lrs_upsert *u) {
  if (u->pg) return LR_OK;          /* COPY sends rows as they come */
  int rc = LR_OK;
  for (int r = 0; r < u->pending && rc == LR_OK; r++) {
    bind_row(u->st, 2, u->n, u->pkey[r], u->pkeylen[r], u->pvals[r]);
    rc = run(u, u->st);
    if (rc == LR_OK) u->rows++;
  }
  u->pending = 0;
  return rc;
}

static int exec_rc(lr_db *db, const char *sql) {
  return sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
}

/* Ids per DELETE of dedupe(): SQLite holds the ids a DELETE of a table
** that others reference will delete in memory (24 bytes each). */
#define DEDUPE_IDS 16384

/* Keys repeated in a bulk load: the last row of each key wins, the others
** are deleted and counted in *merged.  The row to keep of each key goes
** to a temp table (on disk, like a sort), and the others are deleted a
** range of ids at a time: one DELETE of them all held every deleted id in
** memory (100 MB for 4M rows over 1,000 keys). */
static int dedupe(lr_db *db, long long *merged) {
  sqlite3_stmt *next = NULL, *del = NULL;
  int src = exec_rc(db, "CREATE TEMP TABLE lr_keep(id INTEGER PRIMARY KEY);"
                        "INSERT INTO lr_keep SELECT max(id) FROM contacts "
                        "GROUP BY key");
  if (src == SQLITE_OK)
    src = sqlite3_prepare_v2(db->sql, "SELECT min(id) FROM contacts WHERE "
                             "id >= ?1", -1, &next, NULL);
  if (src == SQLITE_OK)
    src = sqlite3_prepare_v2(db->sql, "DELETE FROM contacts WHERE id BETWEEN "
                             "?1 AND ?2 AND id NOT IN temp.lr_keep", -1, &del,
                             NULL);
  long long from = LLONG_MIN;
  while (src == SQLITE_OK) {
    sqlite3_bind_int64(next, 1, from);
    src = sqlite3_step(next);
    if (src != SQLITE_ROW) break;
    if (sqlite3_column_type(next, 0) == SQLITE_NULL) {
      src = SQLITE_DONE;
      break;
    }
    long long lo = sqlite3_column_int64(next, 0);
    long long hi = lo > LLONG_MAX - DEDUPE_IDS ? LLONG_MAX : lo + DEDUPE_IDS - 1;
    sqlite3_reset(next);
    sqlite3_bind_int64(del, 1, lo);
    sqlite3_bind_int64(del, 2, hi);
    src = sqlite3_step(del);
    sqlite3_reset(del);
    if (src != SQLITE_DONE) break;
    *merged += sqlite3_changes64(db->sql);
    if (hi == LLONG_MAX) break;
    from = hi + 1;
    src = SQLITE_OK;
  }
  sqlite3_finalize(next);
  sqlite3_finalize(del);
  if (src == SQLITE_DONE) src = exec_rc(db, "DROP TABLE temp.lr_keep");
  return src;
}

int lrs_upsert_finish(lrs_upsert *u, long long *inserted, long long *updated,
                      long long *merged) {
  if (u->pg) return lrs_pg_upsert_finish(u->pg, inserted, updated, merged);
  lr_db *db = u->db;
  *inserted = *updated = *merged = 0;
  int rc = lrs_upsert_flush(u);
  if (rc != LR_OK) return rc;
  if (!u->bulk) {
    *updated = u->seen.updated;
    *merged = u->seen.merged;
    *inserted = u->rows - *updated - *merged;
    return LR_OK;
  }
  sqlite3_finalize(u->st);
  sqlite3_finalize(u->multi);
  u->st = u->multi = NULL;
  int src = exec_rc(db, "CREATE UNIQUE INDEX contacts_by_key ON contacts(key)");
  if ((src & 0xff) == SQLITE_CONSTRAINT) {
    src = dedupe(db, merged);
    if (src == SQLITE_OK)
      src = exec_rc(db, "CREATE UNIQUE INDEX contacts_by_key ON contacts(key)");
  }
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "index contact keys");
  *inserted = u->rows - *merged;
  return LR_OK;
}

void lrs_upsert_free(lrs_upsert *u) {
  if (!u) return;
  if (u->db->pg) {
    lrs_pg_upsert_free(u->pg);
    free(u);
    return;
  }
  if (u->old_cache) {
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", u->old_cache);
    sqlite3_exec(u->db->sql, sql, NULL, NULL, NULL);
  }
  sqlite3_finalize(u->st);
  sqlite3_finalize(u->multi);
  if (u->seen_on) lrs_seen_unregister(u->db);
  free(u);
}
