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
#define LRS_NLIMITS 8              /* SQLite limits of user SQL */
#define LRS_USER_SQL_MAX (1 << 20) /* longest user SQL text */
/* A recursive WITH in a condition (a segment's where, leads{where=},
** count()), refused on both stores in these words: SQLite stopped one
** without end only at the step budget, PostgreSQL read it lazily (an
** IN found its value and stopped) or ran to statement_timeout. */
#define LRS_USER_RECURSIVE "segment SQL: a recursive WITH is not allowed " \
  "(one may run without end; list the values instead: id IN (1, 2, 3))"
#define LRS_USER_LIKE_MAX 200      /* longest LIKE or GLOB pattern */
/* contacts.change_mark for data changed now: the latest run's id (see
** MIGRATION_4): every write of contact data outside a run stamps it. */
#define LRS_CHANGE_MARK "(SELECT ifnull(max(id), 0) FROM runs)"

struct lrs_snap {
  lr_db *db;
  sqlite3 *conn;
  int own;                         /* conn is ours: COMMIT and close it */
  int src;                         /* SQLite code of the last failed read */
  /* The progress handler (lrs__snap_watch) and user SQL (usersql.c). */
  volatile int *cancel;            /* stop any statement once non-zero */
  long long max_steps, steps;      /* budget of one user statement's run */
  int user;                        /* tag + 1 of the user SQL running, 0 */
  int overrun;                     /* tag + 1 of the one that ran over, 0 */
  int saved[LRS_NLIMITS];          /* SQLite's limits while user SQL runs */
  /* PostgreSQL (pg_snap.c): the reader's connection (a PGconn), or the
  ** main one; the last failed read's message. */
  struct pg_conn *pg;
  lr_buf pgerr;
  /* The role user SQL runs as (pg_usersql.c): found once, "" if none. */
  int pgrole_known;
  char pgrole[64];
};

struct lr_db {
  sqlite3 *sql;                    /* SQLite: the main connection */
  struct lrs_pg *pg;               /* PostgreSQL (pg_int.h), else NULL */
  int on_pg;                       /* opened as PostgreSQL (even failed) */
  char *path;
  int flags;                       /* LR_OPEN_* */
  int busy_ms;
  int rc;                          /* last result code */
  lr_buf err;                      /* last error message */
  int live;                        /* policies/sessions alive on this db */
  int txn;                         /* depth of lrs_begin() nesting */
  int flat_at;                     /* lrs_nest_flat: levels above take no savepoint */
  int flat_undone;                 /* one of them rolled back */
  int bulk_journal;                /* in rollback mode for a bulk load */
  int read_own;                    /* snapshots read the main connection */
  int fk_off;                      /* lrs_run_begin turned foreign keys off */
  struct {                         /* lrs_ingest_tune: what untune puts back */
    int saved, sync, cache, autockpt;
    long long mmap;
  } tuned;
  char key_field[64];              /* field the contacts are keyed on */
  struct lrs_snap main;            /* lrs_snap_main's view */
  struct lr_output *outputs;       /* open lr_outputs (output.c) */
  struct { const char *sql; sqlite3_stmt *st; } cache[LRS_NCACHE];
};

/* Map the connection's last SQLite error to an LR code, with "what: msg"
** as the handle's message. */
int lrs_sqlerr(lr_db *db, int sqlite_rc, const char *what);
/* lrs_fields_load on a connection (a snapshot's too): an SQLite code. */
struct lrs_fields;
int lrs_fields_read(sqlite3 *conn, struct lrs_fields *out);
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

/* Watch every statement on s (a progress handler): stop once *cancel is
** non-zero, and stop user SQL that runs over max_steps VM steps between
** lrs__user_enter and lrs__user_leave (its tag goes to s->overrun).
** NULL and 0: no handler. */
void lrs__snap_watch(lrs_snap *s, volatile int *cancel, long long max_steps);

/* User SQL (usersql.c) is about to step (tag says which statement: a
** segment's index, or LRS_USER_*), and has stepped: SQLite's limits for
** user SQL are in force in between, and its steps counted. */
#define LRS_USER_COUNT 1000000
#define LRS_USER_QUERY 1000001
#define LRS_USER_SELECT LRS_OVERRUN_SELECT
void lrs__user_enter(lrs_snap *s, int tag);
void lrs__user_leave(lrs_snap *s);
/* err = "what: <SQLite's message>", with the limit it ran into. */
void lrs_user_sqlerr(lrs_snap *s, int src, const char *what, char *err,
                     size_t errlen);

/* Put this build's bounded printf/format, instr, replace and two-argument
** trims in place of SQLite's on conn (userfn.c).  An SQLite code. */
int lrs__userfn_register(sqlite3 *conn);

/* Prepare user SQL under the read-only authorizer (contacts data only)
** and the limits of user SQL (usersql.c).  The statement is `head` + "(\n" + where + "\n)" + tail.
** Returns an SQLite code; err says why in user terms.  A head with WHERE
** (a condition: it takes no parameters of its own) names its own
** parameters, and its tail's, ?N only. */
int lrs_prepare_user(sqlite3 *conn, const char *head, const char *where,
                     const char *tail, sqlite3_stmt **st, char *err,
                     size_t errlen);
/* lrs_prepare_user that also names, in table (n bytes; "" for none), the
** first table the SQL may not read when that is why it was refused. */
int lrs_prepare_user_t(sqlite3 *conn, const char *head, const char *where,
                       const char *tail, sqlite3_stmt **st, char *err,
                       size_t errlen, char *table, size_t n);

#endif
