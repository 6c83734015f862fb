/*
** pg_conn.c -- the PostgreSQL connection: open, errors, transactions,
** meta.  One connection per handle, like SQLite's main connection; libpq
** fills in what the URI leaves out from the PG* environment variables.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

int lrs_is_pg(lr_db *db) { return db && db->pg; }

int lrs_pg_refuse(lr_db *db, const char *what) {
  if (!lrs_is_pg(db)) return LR_OK;
  return lr__err(db, LR_ERROR, "%s is not supported on PostgreSQL yet "
                 "(import, export, info, run and explain are; see "
                 "docs/postgresql.md)", what);
}

/* LR code of a server error, by SQLSTATE class and code. */
static int map_state(const char *st) {
  if (!st) return LR_IO;                         /* no server answer */
  if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03"))
    return LR_BUSY;
  if (!strcmp(st, "53100")) return LR_FULL;
  if (!strcmp(st, "53200")) return LR_NOMEM;
  if (!strcmp(st, "25006")) return LR_READONLY;
  if (!strcmp(st, "57014")) return LR_INTERRUPT;
  if (!strncmp(st, "08", 2)) return LR_IO;       /* connection exception */
  return LR_ERROR;
}

int lrs_pg_err(lr_db *db, const PGresult *res, const char *what) {
  lr_buf m = LR_BUF_INIT;
  int has = db->pg && db->pg->conn;
  lrs_pg_errmsg(&m, res, has ? PQerrorMessage(db->pg->conn) : "no connection",
                db->pg ? db->pg->uri : NULL);
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  int rc = map_state(state);
  /* lock_timeout is the busy timeout: SQLite's BUSY, in its words.  A
  ** serialization failure or a deadlock (LR_BUSY too) waited for no
  ** timeout: the server's words say what happened. */
  if (state && !strcmp(state, "55P03"))
    lrs_busy(db, what);
  else
    lr__err(db, rc, "%s: %s", what, lrb_str(&m));
  lrb_free(&m);
  return rc;
}

int lrs_pg_exec(lr_db *db, const char *sql, const char *what) {
  PGresult *res = PQexec(db->pg->conn, sql);
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  int rc = LR_OK;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    rc = lrs_pg_err(db, res, what);
  PQclear(res);
  return rc;
}

int lrs_pg_query(lr_db *db, const char *sql, int n, const char *const *params,
                 PGresult **out, const char *what) {
  *out = NULL;
  PGresult *res = PQexecParams(db->pg->conn, sql, n, NULL, params, NULL, NULL,
                               0);
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    int rc = lrs_pg_err(db, res, what);
    PQclear(res);
    return rc;
  }
  *out = res;
  return LR_OK;
}

void lrs_pg_quote_str(lr_buf *b, const char *s) {
  lrb_addc(b, '\'');
  for (; *s; s++) {
    if (*s == '\'') lrb_addc(b, '\'');
    lrb_addc(b, *s);
  }
  lrb_addc(b, '\'');
}

/* The connection failed: say where (without the password) and why. */
static int connect_failed(lr_db *db, PGconn *conn, const char *uri) {
  const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
  lr_buf m = LR_BUF_INIT;
  lrs_pg_errmsg(&m, NULL, msg, uri);
  lr__err(db, LR_IO, "%s: cannot connect to PostgreSQL: %s", db->path,
          lrb_str(&m));
  lrb_free(&m);
  return LR_IO;
}

/* Earlier keywords are defaults the URI may override; later ones win. */
static PGconn *connect_uri(const char *uri) {
  const char *const keys[] = { "connect_timeout", "application_name",
                               "dbname", "client_encoding", NULL };
  const char *const vals[] = { "10", "leadrules", uri, "UTF8", NULL };
  return PQconnectdbParams(keys, vals, 1);
}

PGconn *lrs_pg_connect(lr_db *db) {
  PGconn *c = connect_uri(db->pg->uri);
  if (c && PQstatus(c) == CONNECTION_OK) return c;
  connect_failed(db, c, db->pg->uri);
  PQfinish(c);
  return NULL;
}

int lrs_pg_exec_count(lr_db *db, const char *sql, const char *what,
                      long long *n) {
  if (!PQsendQuery(db->pg->conn, sql)) return lrs_pg_err(db, NULL, what);
  int rc = LR_OK;
  PGresult *res;
  while ((res = PQgetResult(db->pg->conn)) != NULL) {
    ExecStatusType st = PQresultStatus(res);
    if (rc == LR_OK && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      rc = lrs_pg_err(db, res, what);
    else if (rc == LR_OK)
      *n += atoll(PQcmdTuples(res));
    PQclear(res);
  }
  return rc;
}

int lrs_pg_open(lr_db *db, const char *uri, int flags, int busy_ms) {
  db->busy_ms = busy_ms < 0 ? 5000 : busy_ms;
  db->flags = flags;
  strcpy(db->key_field, "email");
  db->pg = calloc(1, sizeof *db->pg);
  if (!db->pg || !(db->pg->uri = strdup(uri)))
    return lr__err(db, LR_NOMEM, "out of memory");
  db->pg->conn = connect_uri(uri);
  if (!db->pg->conn || PQstatus(db->pg->conn) != CONNECTION_OK)
    return connect_failed(db, db->pg->conn, uri);
  /* Strings as lrs_pg_quote_str and the user SQL guard write them,
  ** whatever the server's default. */
  char sql[200];
  snprintf(sql, sizeof sql, "SET lock_timeout = %d; SET client_min_messages "
           "= warning; SET TIME ZONE 'UTC'; SET standard_conforming_strings"
           " = on%s", db->busy_ms > 0 ? db->busy_ms : 1, /* 0: wait for ever */
           (flags & LR_OPEN_READONLY)
               ? "; SET default_transaction_read_only = on" : "");
  int rc = lrs_pg_exec(db, sql, "open");
  if (rc == LR_OK) rc = lrs_pg_migrate(db);
  if (rc != LR_OK) return rc;
  lrs_pg_meta_get(db, "key_field", db->key_field, sizeof db->key_field);
  return LR_OK;
}

void lrs_pg_close(lr_db *db) {
  if (!db->pg) return;
  lrs_pg_rt_free(db);
  lrs_pg_outbox_drop(db);
  lrs_pg_unmake(db);
  if (db->pg->conn) PQfinish(db->pg->conn);
  lrb_free(&db->main.pgerr);
  if (db->pg->uri) {               /* it may hold a password */
    memset(db->pg->uri, 0, strlen(db->pg->uri));
    free(db->pg->uri);
  }
  free(db->pg);
  db->pg = NULL;
}

/* A write transaction waits for the write lock (lock_timeout is the busy
** timeout), as SQLite's BEGIN IMMEDIATE does: two imports at once would
** otherwise number their new contacts from the same largest id. */
int lrs_pg_begin(lr_db *db) {
  if (db->txn) {
    /* Rows gathered before the savepoint are not the savepoint's to lose. */
    int rc = lrs_pg_outbox_flush(db);
    if (rc == LR_OK) rc = lrs_pg_exec(db, "SAVEPOINT lr_nested", "begin");
    if (rc == LR_OK) db->txn++;
    return rc;
  }
  int rc = lrs_pg_exec(db, "BEGIN; SELECT pg_advisory_xact_lock("
                       LRS_PG_WRITE_LOCK ")", "begin");
  if (rc != LR_OK) {
    PQclear(PQexec(db->pg->conn, "ROLLBACK"));
    return rc == LR_BUSY ? lrs_busy(db, NULL) : rc;     /* as lrs_begin */
  }
  db->txn++;
  return rc;
}

/* What lasts a transaction only: pg_apply.c's staging table (ON COMMIT
** DROP) and the ids synced under its lock, also when the transaction was
** not a run's (lrs_begin; lrs_pg_run_end says the same for a run's). */
static void txn_ended(lr_db *db) {
  db->pg->staged = 0;
  db->pg->synced = 0;
}

int lrs_pg_commit(lr_db *db) {
  if (db->txn <= 0) return lr__err(db, LR_MISUSE, "commit without begin");
  /* A COMMIT of a transaction an error aborted answers ROLLBACK: never
  ** take that for success. */
  if (PQtransactionStatus(db->pg->conn) == PQTRANS_INERROR)
    return lr__err(db, LR_ERROR, "commit: the transaction failed earlier "
                   "and was rolled back");
  /* A run's account writes not written with a batch yet. */
  int rc = db->txn == 1 ? lrs_pg_account_writes_flush(db) : LR_OK;
  if (rc == LR_OK) rc = lrs_pg_outbox_flush(db);
  if (rc != LR_OK) return rc;
  rc = lrs_pg_exec(db, db->txn == 1 ? "COMMIT" : "RELEASE lr_nested",
                       "commit");
  if (rc == LR_OK && --db->txn == 0) {
    db->pg->made = 0;              /* something of the user's is in it */
    txn_ended(db);
    lrs_pg_tidy(db);               /* after the COMMIT: VACUUM needs it */
  }
  return rc;
}

int lrs_pg_rollback(lr_db *db) {
  lrs_pg_outbox_drop(db);
  if (db->txn <= 1) lrs_pg_tidy_drop(db);
  if (db->txn <= 0) return LR_OK;
  PGresult *res = PQexec(db->pg->conn, db->txn == 1 ? "ROLLBACK" :
                         "ROLLBACK TO lr_nested; RELEASE lr_nested");
  PQclear(res);                  /* keep the caller's error message */
  if (db->txn == 1) lrs_pg_write_failed(db);
  if (--db->txn == 0) txn_ended(db);
  return LR_OK;
}

void lrs_pg_write_failed(lr_db *db) {
  if (db->pg->made) db->pg->made = 2;
}

int lrs_pg_meta_get(lr_db *db, const char *k, char *buf, size_t n) {
  PGresult *res;
  const char *p[] = { k };
  int rc = db->rc;
  char *keep = db->err.p ? strdup(db->err.p) : NULL;
  int found = 0;
  if (lrs_pg_query(db, "SELECT v FROM meta WHERE k = $1", 1, p, &res,
                   "meta") == LR_OK) {
    if (PQntuples(res) && !PQgetisnull(res, 0, 0) && n) {
      snprintf(buf, n, "%s", PQgetvalue(res, 0, 0));
      found = 1;
    }
    PQclear(res);
  } else {                       /* a lookup: keep the caller's error */
    lr__err(db, rc, "%s", keep ? keep : "");
    if (rc == LR_OK) lr__ok(db);
  }
  free(keep);
  return found;
}

int lrs_pg_meta_set(lr_db *db, const char *k, const char *v) {
  PGresult *res;
  const char *p[] = { k, v };
  int rc = lrs_pg_query(db, "INSERT INTO meta(k, v) VALUES($1, $2) ON "
                        "CONFLICT(k) DO UPDATE SET v = excluded.v", 2, p,
                        &res, "meta");
  PQclear(res);
  return rc;
}
