/*
** store.h -- the store layer: every SQL statement of leadrules lives in
** src/store/, behind these functions, so that another backend can follow
** without touching the engine.  This header and the ones beside it are
** what a backend implements; none of them names SQLite.  The SQLite
** backend's internals (struct lr_db, statements, result codes) are in
** db_int.h, which only the .c files of src/store/ include.
**
** The operations are coarse: open/migrate (lr_open), transactions and the
** run's write transaction (here), read snapshots (snap.h), a scan of a
** contact id range (scan.h), a chunk of a run's changes (apply.h), import
** batches and the export cursor (contacts_io.h), corrections (manual.h),
** report queries (report_sql.h), the guard for user-written SQL and its
** cursor (counts.h, query.h, select.h), test fixtures (fixture.h).  All
** return LR_* codes; the message is lr_errmsg(db), or for reads on a
** snapshot lrs_snap_errmsg.
*/
#ifndef LR_STORE_H
#define LR_STORE_H

#include "../leadrules.h"
#include "../util/buf.h"
#include "contact.h"
#include "snap.h"

#define LRS_SCHEMA_VERSION 4

/* Errors: set the handle's code and message (lr_errmsg); return rc. */
int lr__err(lr_db *db, int rc, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
int lr__ok(lr_db *db);
/* Copy caller options (NULL, older or newer struct versions) into dst,
** defaults zero; LR_MISUSE with a message naming `fn` when invalid. */
int lr__opts(lr_db *db, void *dst, size_t dstsize, const void *src,
             const char *fn);
/* The clock a caller's `now` gives: the current time for 0, else now
** itself when it is from 1 to LR_TIME_MAX.  LR_MISUSE with a message
** naming `fn` for anything else (a negative time, or past year 9999). */
int lr__clock(lr_db *db, long long now, const char *fn, long long *out);

/* Backends (db.c): lr_open takes a file path (SQLite) or a postgresql://
** or postgres:// URI (PostgreSQL, src/store/pg_*.c). */
int lrs_is_pg_uri(const char *path);
/* 1 when db is on PostgreSQL. */
int lrs_is_pg(lr_db *db);
/* What a PostgreSQL handle cannot do yet: LR_OK on SQLite; on PostgreSQL
** LR_ERROR with "WHAT is not supported on PostgreSQL yet ...". */
int lrs_pg_refuse(lr_db *db, const char *what);
/* The write lock not had within the busy timeout, in the same words on
** both stores: LR_BUSY with "[WHAT: ]PATH: database is locked by another
** writer (gave up after N ms; see --busy-timeout)" (what may be NULL). */
int lrs_busy(lr_db *db, const char *what);

/* Run a read-only query whose SQL both backends take; fn gets each row's
** values as text (NULL for SQL NULL), valid during the call; a non-zero
** return stops and is returned (rows_text.c). */
typedef int (*lrs_text_fn)(void *ctx, int n, const char *const *v);
int lrs_rows_text(lr_db *db, const char *sql, lrs_text_fn fn, void *ctx,
                  const char *what);

/* 1 when db's main connection is open (lr_open succeeded). */
int lrs_is_open(lr_db *db);
/* 1 when the database was opened with LR_OPEN_READONLY. */
int lrs_readonly(lr_db *db);
/* 1 when the database has one connection only (":memory:"): readers share
** the main one (lrs_snap_open), so no other thread may read it. */
int lrs_one_connection(lr_db *db);
/* Policies and sessions alive on db (lr_close refuses while any is):
** hold counts one more, release one fewer (never below zero). */
void lrs_hold(lr_db *db);
void lrs_release(lr_db *db);
/* The field contacts are keyed on (owned by db); lrs_key_field_use sets
** it for this handle (the import records it with lrs_key_field_set). */
const char *lrs_key_field(lr_db *db);
void lrs_key_field_use(lr_db *db, const char *field);
/* LR_NOTFOUND, with db's error "no contact with key 'KEY'" and how to list
** the keys: the message of every command that names one contact. */
int lrs_no_contact(lr_db *db, const char *key);

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
** SAVEPOINT when nested; lrs_txn_depth says how deep the caller is. */
int lrs_begin(lr_db *db);
int lrs_commit(lr_db *db);
int lrs_rollback(lr_db *db);
int lrs_txn_depth(lr_db *db);
/* A write that failed, whether or not its transaction had begun (an
** import of a file that cannot be read, or with a refused option): on
** PostgreSQL a schema this handle created and committed nothing to is
** then dropped at lr_close (lrs_pg_unmake), as a rollback of its own
** would have it; on SQLite nothing (the CLI removes a file it made). */
void lrs_write_failed(lr_db *db);
/* While on, transactions nested in the one open now take no savepoint
** (SQLite only).  A savepoint copies each page its level writes to a
** sub-journal first, past 64 KiB a temporary file: for the run of an
** event batch, a third of the bytes the batch writes to the log.  For a
** caller that rolls all of its transaction back when a nested level
** fails.  A nested rollback then cannot undo its level alone: it makes
** the commit of the level under it fail (LR_ERROR), so nothing
** half-applied is committed. */
void lrs_nest_flat(lr_db *db, int on);

/* The write transaction of a run (lr_run): foreign-key checks off, then
** lrs_begin.  The run's writer only writes rows for contacts it has just
** read inside its own transaction, so per-row foreign-key lookups prove
** nothing; they cost a b-tree seek per history, part and assignment row.
** The caller commits or rolls back, then calls lrs_run_end (which turns
** the checks back on) whatever happened.  An activities import uses it
** too: it finds each row's contact by key in its own transaction. */
int lrs_run_begin(lr_db *db);
void lrs_run_end(lr_db *db);
/* lrs_run_begin for lr_run itself: on PostgreSQL it also takes the run
** lock (one writer at a time: lrs_busy's LR_BUSY "database is locked by
** another writer" after the busy timeout) and exports the snapshot the workers' readers
** share (pg_run.c); lrs_run_end releases both. */
int lrs_run_txn_begin(lr_db *db);
/* The write transaction of a move, a set or a script: lrs_begin, and on
** PostgreSQL the run lock and exported snapshot too when it is the
** outermost (so that ids continue from the largest, as SQLite's do, and
** a script's reader sees the state it started from).  The caller commits
** or rolls back, then calls lrs_writer_end, which releases them once the
** outermost transaction has ended. */
int lrs_writer_begin(lr_db *db);
void lrs_writer_end(lr_db *db);

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
/* The one rule by which a person names a field (lead.x in a policy,
** export --fields, report --by, set): its name; else the original CSV
** header it was imported from ("Lead Source"); else the folded form of
** that header or of the name given ("lead_source" for the header "Lead
** Source" that a CRM alias made `source`).  NULL if none. */
#define LRS_NAME_FOLD 256
const lrs_field *lrs_fields_resolve(const lrs_fields *f, const char *name);
/* The name of the field that `name` means (lrs_fields_resolve), copied to
** out (n bytes); `name` itself when none does.  LR_OK or a load error. */
int lrs_field_name(lr_db *db, const char *name, char *out, size_t n);
/* The other names lrs_fields_resolve gives a field under which a policy
** may read it (lead.lead_source for `source`, imported from the header
** "Lead Source"): for each field whose header folds to a name that is not
** the field's own nor another field's, that name and the field's, as
** pairs in *out (2 * *n strings; lrs_aliases_free). */
int lrs_field_aliases(lr_db *db, char ***out, int *n);
void lrs_aliases_free(char **v, int n);
/* Add a column to contacts and register it (within the caller's txn). */
int lrs_field_add(lr_db *db, const char *name, const char *header, int type);
/* Widen a field's declared type (e.g. integer -> real -> text). */
int lrs_field_set_type(lr_db *db, const char *name, int type);
/* Record that import `seq` wrote the field under `header`; type < 0
** keeps the registered type.  Only the first import that writes a field
** sets its header; later ones keep it. */
int lrs_field_note(lr_db *db, const char *name, const char *header, int type,
                   long long seq);
/* 1 if `name` is an engine-owned column an import may not write. */
int lrs_is_engine_field(const char *name);
/* 1 if `name` is one of the well-known contact fields. */
int lrs_is_wellknown_field(const char *name);

#endif
