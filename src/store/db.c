/*
** db.c -- the main connection: open, errors, transactions, statement cache.
*/
#include "db_int.h"
#include "pg_int.h"
#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

int lr__err(lr_db *db, int rc, const char *fmt, ...) {
  if (!db) return rc;
  /* Formatted apart, then swapped in: an argument may be the message it
  ** replaces (lr__err(db, rc, "event 3: %s", lr_errmsg(db))). */
  lr_buf msg = LR_BUF_INIT;
  va_list ap;
  va_start(ap, fmt);
  lrb_vprintf(&msg, fmt, ap);
  va_end(ap);
  lrb_free(&db->err);
  db->err = msg;
  db->rc = rc;
  return rc;
}

int lrs_busy(lr_db *db, const char *what) {
  const char *path = db->path ? db->path : "";
  if (what && strcmp(what, path) == 0) what = NULL;   /* no "a.db: a.db" */
  return lr__err(db, LR_BUSY, "%s%s%s: database is locked by another writer "
                 "(gave up after %d ms; see --busy-timeout)", what ? what : "",
                 what ? ": " : "", path, db->busy_ms);
}

int lr__ok(lr_db *db) {
  if (db) {
    db->rc = LR_OK;
    lrb_reset(&db->err);
  }
  return LR_OK;
}

int lrs_map_rc(int src) {
  switch (src & 0xff) {
    case SQLITE_OK: return LR_OK;
    case SQLITE_BUSY: case SQLITE_LOCKED: return LR_BUSY;
    case SQLITE_NOMEM: return LR_NOMEM;
    case SQLITE_READONLY: return LR_READONLY;
    case SQLITE_INTERRUPT: return LR_INTERRUPT;
    case SQLITE_CORRUPT: return LR_CORRUPT;
    case SQLITE_NOTADB: return LR_NOTADB;
    case SQLITE_FULL: return LR_FULL;
    case SQLITE_IOERR: case SQLITE_CANTOPEN: case SQLITE_PERM: return LR_IO;
    default: return LR_ERROR;
  }
}

/* A write refused for lack of room: SQLITE_FULL (ENOSPC), or an I/O
** error whose errno is EFBIG (a file-size limit, ulimit -f) or ENOSPC. */
static int is_full(sqlite3 *conn, int src) {
  if ((src & 0xff) == SQLITE_FULL) return 1;
  if ((src & 0xff) != SQLITE_IOERR || !conn) return 0;
  int e = sqlite3_system_errno(conn);
  if (e == EFBIG || e == ENOSPC) return 1;
  /* The errno is often lost by the time SQLite records it: a failed write
  ** under a file-size limit is taken to be that limit. */
  struct rlimit rl;
  return e == 0 && src == SQLITE_IOERR_WRITE &&
         getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY;
}

int lrs_sqlerr(lr_db *db, int src, const char *what) {
  return lrs_sqlerr_on(db, db->sql, src, what);
}

int lrs_sqlerr_on(lr_db *db, sqlite3 *conn, int src, const char *what) {
  int rc = lrs_map_rc(src);
  if (rc == LR_OK) rc = LR_ERROR;
  const char *msg = conn ? sqlite3_errmsg(conn) : sqlite3_errstr(src);
  if ((src & 0xff) == SQLITE_BUSY) return lrs_busy(db, what);
  if ((src & 0xff) == SQLITE_READONLY) {
    const char *path = db->path ? db->path : "";
    if (strcmp(what, path) == 0) what = "open";   /* no "a.db: ... a.db" */
    if (src == SQLITE_READONLY_DIRECTORY || src == SQLITE_READONLY_CANTINIT ||
        src == SQLITE_READONLY_CANTLOCK)
      return lr__err(db, LR_READONLY, "%s: database %s: cannot create or "
                     "open its -wal and -shm files beside it (is the "
                     "directory read-only?)", what, path);
    return lr__err(db, LR_READONLY, "%s: database %s is read-only", what,
                   path);
  }
  if (is_full(conn, src))
    return lr__err(db, LR_FULL, "%s: disk full or file too large writing %s",
                   what, db->path ? db->path : "");
  return lr__err(db, rc, "%s: %s", what, msg);
}

/* Set (or with set NULL, read) the journal mode; out gets SQLite's answer,
** which names the mode in force whether or not the change took. */
static int journal_mode(lr_db *db, const char *set, char *out, size_t n) {
  char sql[48];
  snprintf(sql, sizeof sql, "PRAGMA journal_mode%s%s", set ? "=" : "",
           set ? set : "");
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
  if (src == SQLITE_OK) src = sqlite3_step(st);
  out[0] = '\0';
  if (src == SQLITE_ROW) {
    snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    src = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return src;
}

static int on_disk(const lr_db *db) {
  return db->path && db->path[0] && strcmp(db->path, ":memory:") != 0 &&
         !(db->flags & LR_OPEN_READONLY);
}

/* A file left in rollback mode (an import into an empty database killed
** or unable to switch back) returns to WAL.  Best effort, without waiting:
** rollback mode is as safe, only less concurrent. */
static void ensure_wal(lr_db *db) {
  char mode[16];
  if (!on_disk(db) || journal_mode(db, NULL, mode, sizeof mode) != SQLITE_OK ||
      strcmp(mode, "wal") == 0)
    return;
  sqlite3_busy_timeout(db->sql, 0);
  journal_mode(db, "WAL", mode, sizeof mode);
  sqlite3_busy_timeout(db->sql, db->busy_ms);
}

int lrs_bulk_journal_begin(lr_db *db) {
  if (db->pg) return 0;              /* SQLite journal modes only */
  char mode[16];
  if (db->bulk_journal || db->txn || !on_disk(db)) return 0;
  /* Leaving WAL needs the file to ourselves: another connection, even an
  ** idle one, keeps it in WAL.  Do not wait for it. */
  sqlite3_busy_timeout(db->sql, 0);
  int src = journal_mode(db, "DELETE", mode, sizeof mode);
  sqlite3_busy_timeout(db->sql, db->busy_ms);
  db->bulk_journal = src == SQLITE_OK && strcmp(mode, "delete") == 0;
  return db->bulk_journal;
}

void lrs_bulk_journal_end(lr_db *db) {
  if (db->pg) return;
  char mode[16];
  if (!db->bulk_journal || db->txn) return;
  db->bulk_journal = 0;
  journal_mode(db, "WAL", mode, sizeof mode);   /* waits for readers */
}

static int apply_pragmas(lr_db *db) {
  sqlite3_busy_timeout(db->sql, db->busy_ms);
  sqlite3_db_config(db->sql, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
  sqlite3_db_config(db->sql, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
  sqlite3_db_config(db->sql, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
  int src = lrs__userfn_register(db->sql);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "open");
  if (lrs_exec(db, "PRAGMA foreign_keys=ON") != LR_OK) return db->rc;
  /* A full run is one transaction, and its WAL grows to every page it
  ** changed (about 1 GB per million contacts).  While another connection
  ** holds the file open (serve, a shell) the WAL is never deleted, only
  ** reused: cut it back to 64 MiB once a later write restarts it.  The
  ** page cache stays SQLite's 2 MiB per connection and mmap off (serve
  ** and ingest set their own, realtime_io.c): a run, a backtest and a
  ** report read in key order, and at 1M and 3M contacts a 64 MiB cache
  ** changed neither their CPU time nor the bytes written, while mmap put
  ** the mapped file into every reader's RSS (docs/growth.md). */
  if (lrs_exec(db, "PRAGMA journal_size_limit=67108864") != LR_OK)
    return db->rc;
  return LR_OK;
}

/* SQLite says "unable to open database file" for a file it may not read
** and for one it may not create: say which, as for the -wal and -shm
** files (lrs_sqlerr_on).  1 when the message is set. */
static int open_refused(lr_db *db, const char *path) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == path) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  struct stat st;
  if (stat(path, &st) == 0) {
    if (access(path, R_OK) != 0)
      return lr__err(db, LR_IO, "open: database %s: permission denied (this "
                     "user may not read it)", path), 1;
    return 0;
  }
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return lr__err(db, LR_IO, "open: database %s: no such directory "
                   "%s (make it first: mkdir -p %s)", path, dir, dir), 1;
  if (access(dir, W_OK | X_OK) != 0)
    return lr__err(db, LR_READONLY, "open: database %s: cannot create it "
                   "(is the directory read-only?)", path), 1;
  return 0;
}

int lrs_open(lr_db *db, const char *path, int flags, int busy_ms) {
  db->busy_ms = busy_ms < 0 ? 5000 : busy_ms;
  db->flags = flags;
  strcpy(db->key_field, "email");
  struct stat st;
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return lr__err(db, LR_IO, "%s: is a directory, not a database file "
                     "(name a file in it: --db %s%sleadrules.db)", path, path,
                     path[0] && path[strlen(path) - 1] == '/' ? "" : "/");
  } else if (flags & (LR_OPEN_READONLY | LR_OPEN_NOCREATE)) {
    return lr__err(db, LR_NOTFOUND, "%s: no such database", path);
  }
  int oflags = (flags & LR_OPEN_READONLY)
                   ? SQLITE_OPEN_READONLY
                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  oflags |= SQLITE_OPEN_NOMUTEX;  /* one handle per thread, by contract */
  int src = sqlite3_open_v2(path, &db->sql, oflags, NULL);
  if (src != SQLITE_OK) {
    if (open_refused(db, path)) return db->rc;
    int rc = lrs_map_rc(src);
    lr__err(db, rc == LR_ERROR ? LR_IO : rc, "%s: cannot open database: %s",
            path, db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(src));
    return db->rc;
  }
  sqlite3_extended_result_codes(db->sql, 1);
  int rc = apply_pragmas(db);
  if (rc == LR_OK) rc = lrs_migrate(db);
  if (rc != LR_OK) return rc;
  ensure_wal(db);
  lrs_meta_get(db, "key_field", db->key_field, sizeof db->key_field);
  return LR_OK;
}

void lrs_uncache_all(lr_db *db) {
  for (int i = 0; i < LRS_NCACHE; i++) {
    if (db->cache[i].st) sqlite3_finalize(db->cache[i].st);
    db->cache[i].st = NULL;
    db->cache[i].sql = NULL;
  }
}

void lrs_close(lr_db *db) {
  lrs_uncache_all(db);
  if (db->sql) sqlite3_close_v2(db->sql);
  db->sql = NULL;
}

sqlite3_stmt *lrs_cached(lr_db *db, const char *sql) {
  if (db->pg) {                      /* an SQLite path PostgreSQL lacks */
    lrs_pg_refuse(db, "this operation");
    return NULL;
  }
  size_t h = ((size_t)sql >> 3) % LRS_NCACHE;
  for (int probe = 0; probe < LRS_NCACHE; probe++) {
    size_t i = (h + (size_t)probe) % LRS_NCACHE;
    if (db->cache[i].sql == sql) {
      sqlite3_stmt *st = db->cache[i].st;
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      return st;
    }
    if (!db->cache[i].sql) {
      sqlite3_stmt *st = NULL;
      int src = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                   &st, NULL);
      if (src != SQLITE_OK) {
        lrs_sqlerr(db, src, "prepare");
        return NULL;
      }
      db->cache[i].sql = sql;
      db->cache[i].st = st;
      return st;
    }
  }
  /* Table full: should not happen with LRS_NCACHE sized for all SQL. */
  lr__err(db, LR_ERROR, "statement cache full");
  return NULL;
}

int lrs_exec(lr_db *db, const char *sql) {
  if (db->pg) return lrs_pg_refuse(db, "this operation");
  char *msg = NULL;
  int src = sqlite3_exec(db->sql, sql, NULL, NULL, &msg);
  if (src != SQLITE_OK) {
    int rc = lrs_map_rc(src);
    if ((src & 0xff) == SQLITE_BUSY)
      lrs_busy(db, NULL);
    else if (rc == LR_BUSY)        /* SQLITE_LOCKED: this connection's own */
      lrs_sqlerr(db, src, "database busy");
    else if (is_full(db->sql, src))
      lrs_sqlerr(db, src, "write");
    else
      lr__err(db, rc == LR_OK ? LR_ERROR : rc, "%s", msg ? msg : sqlite3_errstr(src));
    sqlite3_free(msg);
    return db->rc;
  }
  return LR_OK;
}

/* Is level `level` (1: the transaction) a flat one (lrs_nest_flat)? */
static int flat(const lr_db *db, int level) {
  return db->flat_at > 0 && level > db->flat_at;
}

int lrs_begin(lr_db *db) {
  if (db->pg) return lrs_pg_begin(db);
  int rc;
  if (db->txn == 0) {
    rc = lrs_exec(db, "BEGIN IMMEDIATE");
    if (rc == LR_BUSY) return lrs_busy(db, NULL);
  } else {
    rc = flat(db, db->txn + 1) ? LR_OK : lrs_exec(db, "SAVEPOINT lr_nested");
  }
  if (rc == LR_OK && db->txn == 0) db->flat_undone = 0;
  if (rc == LR_OK) db->txn++;
  return rc;
}

void lrs_nest_flat(lr_db *db, int on) { db->flat_at = on ? db->txn : 0; }

int lrs_commit(lr_db *db) {
  if (db->pg) return lrs_pg_commit(db);
  if (db->txn <= 0) return lr__err(db, LR_MISUSE, "commit without begin");
  if (db->flat_undone && !flat(db, db->txn))
    return lr__err(db, LR_ERROR, "a nested step rolled back: nothing committed");
  int rc = flat(db, db->txn) ? LR_OK
           : lrs_exec(db, db->txn == 1 ? "COMMIT" : "RELEASE lr_nested");
  if (rc == LR_OK) db->txn--;
  return rc;
}

int lrs_rollback(lr_db *db) {
  if (db->pg) return lrs_pg_rollback(db);
  if (db->txn <= 0) return LR_OK;
  /* Keep the caller's error message: rollback must not overwrite it. */
  int keep_rc = db->rc;
  char *keep = db->err.p ? strdup(db->err.p) : NULL;
  if (flat(db, db->txn)) {
    db->flat_undone = 1;            /* the level under them must roll back */
  } else if (db->txn == 1) {
    if (!sqlite3_get_autocommit(db->sql))
      sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    db->flat_undone = 0;
  } else {
    sqlite3_exec(db->sql, "ROLLBACK TO lr_nested; RELEASE lr_nested", NULL,
                 NULL, NULL);
    db->flat_undone = 0;
  }
  db->txn--;
  lrb_reset(&db->err);
  if (keep) lrb_adds(&db->err, keep);
  free(keep);
  db->rc = keep_rc;
  return LR_OK;
}

int lrs_txn_depth(lr_db *db) { return db->txn; }

/* Inside a transaction the pragma is a no-op, yet setting it expires
** every prepared statement of the connection: a run nested in the
** transaction of lr_apply_events would make the writer re-prepare all
** its cached statements for each request. */
int lrs_run_begin(lr_db *db) {
  if (db->pg) return lrs_pg_begin(db);
  if (db->txn == 0) {
    lrs_exec(db, "PRAGMA foreign_keys=OFF");
    db->fk_off = 1;
  }
  return lrs_begin(db);
}

int lrs_run_txn_begin(lr_db *db) {
  if (db->pg) return lrs_pg_run_begin(db);
  return lrs_run_begin(db);
}

void lrs_run_end(lr_db *db) {
  if (db->pg) lrs_pg_run_end(db);
  if (db->pg || !db->fk_off) return;
  sqlite3_exec(db->sql, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
  db->fk_off = 0;
}

int lrs_writer_begin(lr_db *db) {
  if (!db->pg || db->txn) return lrs_begin(db);
  int rc = lrs_pg_run_begin(db);
  if (rc != LR_OK) {
    lrs_rollback(db);
    lrs_pg_run_end(db);
  }
  return rc;
}

void lrs_writer_end(lr_db *db) {
  if (db->pg && !db->txn) lrs_pg_run_end(db);
}

int lrs_is_open(lr_db *db) { return db && (db->sql || db->pg); }

void lrs_write_failed(lr_db *db) {
  if (db->pg) lrs_pg_write_failed(db);
}

int lrs_readonly(lr_db *db) { return (db->flags & LR_OPEN_READONLY) != 0; }

int lrs_one_connection(lr_db *db) {
  if (db->pg) return 0;
  return db->read_own || strcmp(db->path, ":memory:") == 0 ||
         db->path[0] == '\0';
}

void lrs_hold(lr_db *db) { db->live++; }

void lrs_release(lr_db *db) {
  if (db->live > 0) db->live--;
}

const char *lrs_key_field(lr_db *db) { return db->key_field; }

int lrs_no_contact(lr_db *db, const char *key) {
  return lr__err(db, LR_NOTFOUND, "no contact with key '%s' (contacts are "
                 "keyed on %s: `leadrules export --fields %s` lists them)",
                 key, db->key_field, db->key_field);
}

void lrs_key_field_use(lr_db *db, const char *field) {
  snprintf(db->key_field, sizeof db->key_field, "%s", field);
}

void lrs_quote_ident(lr_buf *b, const char *name) {
  lrb_addc(b, '"');
  for (const char *p = name; *p; p++) {
    if (*p == '"') lrb_addc(b, '"');
    lrb_addc(b, *p);
  }
  lrb_addc(b, '"');
}

static const char META_GET[] = "SELECT v FROM meta WHERE k=?1";
static const char META_SET[] =
    "INSERT INTO meta(k,v) VALUES(?1,?2) ON CONFLICT(k) DO UPDATE SET v=?2";

int lrs_meta_get(lr_db *db, const char *k, char *buf, size_t n) {
  if (db->pg) return lrs_pg_meta_get(db, k, buf, n);
  sqlite3_stmt *st = lrs_cached(db, META_GET);
  if (!st) return 0;
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  int found = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const char *v = (const char *)sqlite3_column_text(st, 0);
    if (v && n) {
      snprintf(buf, n, "%s", v);
      found = 1;
    }
  }
  sqlite3_reset(st);
  return found;
}

int lrs_meta_set(lr_db *db, const char *k, const char *v) {
  if (db->pg) return lrs_pg_meta_set(db, k, v);
  sqlite3_stmt *st = lrs_cached(db, META_SET);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "meta");
  return LR_OK;
}
