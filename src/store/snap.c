/*
** snap.c -- read snapshots: a read-only connection in one read
** transaction, or a view of the main connection.
*/
#include "db_int.h"
#include "pg_int.h"

#include <stdlib.h>
#include <string.h>

/* A second, read-only connection on the same file. */
static int open_reader(lr_db *db, sqlite3 **out) {
  int src = sqlite3_open_v2(db->path, out,
                            SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (src != SQLITE_OK) {
    lr__err(db, lrs_map_rc(src), "%s: cannot open reader: %s", db->path,
            *out ? sqlite3_errmsg(*out) : sqlite3_errstr(src));
    sqlite3_close_v2(*out);
    *out = NULL;
    return db->rc;
  }
  sqlite3_busy_timeout(*out, db->busy_ms);
  sqlite3_db_config(*out, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
  src = lrs__userfn_register(*out);
  if (src != SQLITE_OK) {
    lr__err(db, lrs_map_rc(src), "%s: cannot open reader: %s", db->path,
            sqlite3_errstr(src));
    sqlite3_close_v2(*out);
    *out = NULL;
    return db->rc;
  }
  return LR_OK;
}

void lrs_read_own_writes(lr_db *db, int on) {
  if (db) db->read_own = on != 0;
}

lrs_snap *lrs_snap_main(lr_db *db) {
  if (db && db->pg) {                  /* PostgreSQL: the main connection */
    db->main.db = db;
    db->main.pg = db->pg->conn;
    db->main.own = 0;
    return &db->main;
  }
  if (!db || !db->sql) return NULL;
  db->main.db = db;
  db->main.conn = db->sql;
  db->main.own = 0;
  return &db->main;
}

int lrs_snap_open(lr_db *db, lrs_snap **out) {
  *out = NULL;
  if (db && db->pg && db->read_own) {
    *out = lrs_snap_main(db);
    return LR_OK;
  }
  if (db && db->pg) return lrs_pg_snap_open(db, out);
  if (!db || !db->sql) return db ? lr__err(db, LR_MISUSE, "no database") : LR_MISUSE;
  if (lrs_one_connection(db)) {          /* in memory: one connection only */
    *out = lrs_snap_main(db);
    return LR_OK;
  }
  lrs_snap *s = calloc(1, sizeof *s);
  if (!s) return lr__err(db, LR_NOMEM, "out of memory");
  s->db = db;
  int rc = open_reader(db, &s->conn);
  if (rc != LR_OK) {
    free(s);
    return rc;
  }
  s->own = 1;
  /* BEGIN is deferred: the first read takes the snapshot that every later
  ** read of this connection sees, until lrs_snap_close. */
  int src = sqlite3_exec(s->conn, "BEGIN", NULL, NULL, NULL);
  if (src == SQLITE_OK)
    src = sqlite3_exec(s->conn, "SELECT count(*) FROM meta", NULL, NULL, NULL);
  if (src != SQLITE_OK) {
    rc = lrs_sqlerr_on(db, s->conn, src, "read snapshot");
    lrs_snap_close(s);
    return rc;
  }
  *out = s;
  return LR_OK;
}

void lrs_snap_close(lrs_snap *s) {
  if (!s || s == &s->db->main) return;
  if (s->pg) {
    lrs_pg_snap_close(s);
    return;
  }
  if (s->own) {
    sqlite3_exec(s->conn, "COMMIT", NULL, NULL, NULL);
    sqlite3_close_v2(s->conn);
  }
  free(s);
}

int lrs__snap_rc(lrs_snap *s, int src) {
  s->src = src;
  int rc = lrs_map_rc(src);
  return rc == LR_OK ? LR_ERROR : rc;
}

const char *lrs_snap_errmsg(lrs_snap *s) {
  if (s->pg) return s->pgerr.n ? lrb_str(&s->pgerr) : "no error";
  return sqlite3_errmsg(s->conn);
}

int lrs_snap_report(lrs_snap *s, const char *what) {
  if (s->pg)
    return lr__err(s->db, s->src > 0 ? s->src : LR_ERROR, "%s: %s", what,
                   lrs_snap_errmsg(s));
  return lrs_sqlerr_on(s->db, s->conn, s->src, what);
}

#define STEP_TICK 1000       /* VM steps between progress calls */

static int on_progress(void *ctx) {
  lrs_snap *s = ctx;
  if (s->cancel && *s->cancel) return 1;
  if (s->user && s->max_steps > 0 && (s->steps += STEP_TICK) > s->max_steps) {
    s->overrun = s->user;
    return 1;
  }
  return 0;
}

void lrs__snap_watch(lrs_snap *s, volatile int *cancel, long long max_steps) {
  s->cancel = cancel;
  s->max_steps = max_steps;
  s->overrun = 0;
  if (s->pg) return;           /* PostgreSQL: statement_timeout, chunks */
  /* Every thousand VM steps: cheap, and a runaway recursive query stops
  ** within milliseconds of Ctrl-C. */
  if (cancel || max_steps > 0)
    sqlite3_progress_handler(s->conn, STEP_TICK, on_progress, s);
  else
    sqlite3_progress_handler(s->conn, 0, NULL, NULL);
}

void lrs_watch_cancel(lrs_snap *s, volatile int *cancel) {
  lrs__snap_watch(s, cancel, 0);
}

int lrs_snap_overrun(const lrs_snap *s) { return s->overrun - 1; }
