/*
** db_int.h -- the SQLite backend's internals, shared by the .c files of src/store/ and
** included by nothing else: the database handle, read snapshots, the
** statement cache, result-code mapping, column decoding and the guard for
** user-written SQL.
*/
#ifndef LR_DB_INT_H
#define LR_DB_INT_H

#include <sqlite3.h>

#include "store.h"

#define LRS_NCACHE 256             /* cached statements per connection */

/* A read snapshot (snap.h): its own read-only connection holding one read
** transaction, or a view of the main connection (in memory, or reads in
** the writer's own transaction). */
struct lrs_snap {
  lr_db *db;
  sqlite3 *conn;
  int own;                         /* conn is ours: COMMIT and close it */
  int src;                         /* SQLite code of the last failed read */
};

struct lr_db {
  sqlite3 *sql;
  char *path;
  int flags;                       /* LR_OPEN_* */
  int busy_ms;
  int rc;                          /* last result code */
  lr_buf err;                      /* last error message */
  int live;                        /* policies/sessions alive on this db */
  int txn;                         /* depth of lrs_begin() nesting */
  int bulk_journal;                /* in rollback mode for a bulk load */
  char key_field[64];              /* field the contacts are keyed on */
  struct lrs_snap main;            /* lrs_snap_main's view */
  struct lr_output *outputs;       /* open lr_outputs (output.c) */
  struct { const char *sql; sqlite3_stmt *st; } cache[LRS_NCACHE];
};

/* Map the connection's last SQLite error to an LR code, with "what: msg"
** as the handle's message. */
int lrs_sqlerr(lr_db *db, int sqlite_rc, const char *what);
/* The same for an error on another connection of db (a snapshot's). */
int lrs_sqlerr_on(lr_db *db, sqlite3 *conn, int sqlite_rc, const char *what);
int lrs_map_rc(int sqlite_rc);
/* A failed read on snapshot s: remember src (for lrs_snap_report) and
** return its LR code. */
int lrs__snap_rc(lrs_snap *s, int sqlite_rc);

/* Open/close the main connection and migrate (db.c, schema.c). */
int lrs_open(lr_db *db, const char *path, int flags, int busy_ms);
void lrs_close(lr_db *db);
int lrs_migrate(lr_db *db);
int lrs_exec(lr_db *db, const char *sql);

/* A prepared statement cached by the address of its (static) SQL text;
** reset and unbound on return.  NULL on error (db error set). */
sqlite3_stmt *lrs_cached(lr_db *db, const char *sql);
void lrs_uncache_all(lr_db *db);   /* after schema changes (ALTER TABLE) */

/* Append name as a double-quoted SQL identifier. */
void lrs_quote_ident(lr_buf *b, const char *name);

/* Column i of the row st is on, as a value (value.c): text points into
** the row, valid until the next step.  LR_OK, or LR_NOMEM (v is NULL). */
int lrs__column(sqlite3_stmt *st, int i, lrs_value *v);
/* Bind v (NULL: SQL NULL) to parameter i; text is not copied. */
void lrs__bind(sqlite3_stmt *st, int i, const lrs_value *v);

/* Prepare user SQL under the read-only authorizer (contacts data only,
** counts.c).  The statement is `head` + "(\n" + where + "\n)" + tail.
** Returns an SQLite code; err says why in user terms. */
int lrs_prepare_user(sqlite3 *conn, const char *head, const char *where,
                     const char *tail, sqlite3_stmt **st, char *err,
                     size_t errlen);

#endif
