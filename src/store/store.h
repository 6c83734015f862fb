/*
** store.h -- the store layer: every SQL statement of leadrules lives in
** src/store/, behind these functions, so that another backend can follow
** without touching the engine.
*/
#ifndef LR_STORE_H
#define LR_STORE_H

#include <sqlite3.h>

#include "../leadrules.h"
#include "contact.h"
#include "../util/buf.h"

#define LRS_SCHEMA_VERSION 2
#define LRS_NCACHE 256             /* cached statements per connection */

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
  struct { const char *sql; sqlite3_stmt *st; } cache[LRS_NCACHE];
};

/* Errors: set db->rc and the message; return rc. */
int lr__err(lr_db *db, int rc, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
int lr__ok(lr_db *db);
/* Copy caller options (NULL, older or newer struct versions) into dst,
** defaults zero; LR_MISUSE with a message naming `fn` when invalid. */
int lr__opts(lr_db *db, void *dst, size_t dstsize, const void *src,
             const char *fn);
/* Map the connection's last SQLite error to an LR code, with "what: msg". */
int lrs_sqlerr(lr_db *db, int sqlite_rc, const char *what);
int lrs_map_rc(int sqlite_rc);

/* Open/close the main connection and migrate (db.c, schema.c). */
int lrs_open(lr_db *db, const char *path, int flags, int busy_ms);
void lrs_close(lr_db *db);
int lrs_migrate(lr_db *db);
/* A second, read-only connection on the same file (for worker threads).
** The caller closes it with sqlite3_close_v2. */
int lrs_open_reader(lr_db *db, sqlite3 **out);

/* A bulk load into an empty table (a first import) in rollback-journal mode:
** new pages are written once into the file, where WAL writes them twice
** (the log, then the checkpoint).  begin switches only outside a
** transaction and when no other connection has the file open (it does not
** wait), and returns whether it did; end switches back to WAL, waiting for
** readers that came meanwhile (if they outlast the busy timeout, the next
** read-write open switches).  Readers that open the file during the load
** wait for its commit, as in any rollback-mode database. */
int lrs_bulk_journal_begin(lr_db *db);
void lrs_bulk_journal_end(lr_db *db);

/* Transactions: lrs_begin starts BEGIN IMMEDIATE at depth 0 and a
** SAVEPOINT when nested. */
int lrs_begin(lr_db *db);
int lrs_commit(lr_db *db);
int lrs_rollback(lr_db *db);
int lrs_exec(lr_db *db, const char *sql);

/* A prepared statement cached by the address of its (static) SQL text;
** reset and unbound on return.  NULL on error (db error set). */
sqlite3_stmt *lrs_cached(lr_db *db, const char *sql);
void lrs_uncache_all(lr_db *db);   /* after schema changes (ALTER TABLE) */

/* Column i of the row st is on, as a value (value.c): text points into
** the row, valid until the next step.  LR_OK, or LR_NOMEM (v is NULL). */
int lrs__column(sqlite3_stmt *st, int i, lrs_value *v);
/* Bind v (NULL: SQL NULL) to parameter i; text is not copied. */
void lrs__bind(sqlite3_stmt *st, int i, const lrs_value *v);

/* Append name as a double-quoted SQL identifier. */
void lrs_quote_ident(lr_buf *b, const char *name);

/* meta key/value table. lrs_meta_get returns 0 if missing. */
int lrs_meta_get(lr_db *db, const char *k, char *buf, size_t n);
int lrs_meta_set(lr_db *db, const char *k, const char *v);

/* Fields registry (fields.c). */
#define LRS_TEXT 0
#define LRS_INTEGER 1
#define LRS_REAL 2
typedef struct lrs_field {
  char *name;        /* column name in contacts */
  char *header;      /* original CSV header (or name) */
  int type;          /* LRS_* declared type */
  int builtin;       /* well-known or engine-owned column */
  int imported;      /* some import wrote this field */
} lrs_field;
typedef struct lrs_fields { lrs_field *v; int n; } lrs_fields;
int lrs_fields_load(lr_db *db, lrs_fields *out);
void lrs_fields_free(lrs_fields *f);
/* Find by name; NULL if missing. */
const lrs_field *lrs_fields_find(const lrs_fields *f, const char *name);
/* Add a column to contacts and register it (within the caller's txn). */
int lrs_field_add(lr_db *db, const char *name, const char *header, int type);
/* Widen a field's declared type (e.g. integer -> real -> text). */
int lrs_field_set_type(lr_db *db, const char *name, int type);
/* Record that import `seq` wrote the field under `header`; type < 0
** keeps the registered type. */
int lrs_field_note(lr_db *db, const char *name, const char *header, int type,
                   long long seq);
/* 1 if `name` is an engine-owned column an import may not write. */
int lrs_is_engine_field(const char *name);
/* 1 if `name` is one of the well-known contact fields. */
int lrs_is_wellknown_field(const char *name);

#endif
