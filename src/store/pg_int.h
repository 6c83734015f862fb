/*
** pg_int.h -- the PostgreSQL backend's internals (src/store/pg_*.c), the
** only header besides db_int.h that names a database library.  The
** public lrs_* functions PostgreSQL supports test lrs_is_pg at their top
** and call the lrs_pg_* function of the same idea here; the others refuse
** with lrs_pg_refuse (store.h), so a handle on PostgreSQL never reaches
** SQLite code.
*/
#ifndef LR_PG_INT_H
#define LR_PG_INT_H

#include <libpq-fe.h>

#include "contacts_io.h"
#include "store.h"

struct lrs_pg {
  PGconn *conn;
  char *uri;                       /* as given (readers connect with it) */
  /* A run (pg_run.c): the session's advisory lock is held, and the
  ** snapshot the writer exported for its readers ("" outside a run). */
  int locked;
  char snapshot[64];
  long long changes;               /* rows a run's writes changed */
  int staged;                      /* pg_apply.c's staging table exists */
  unsigned synced;                 /* tables whose ids lrs_pg_sync_ids set */
  struct lrs_pg_rt *rt;            /* a group of events (pg_realtime.c) */
  struct lrs_pg_accts *accts;      /* an accounts import's rows (pg_accounts_import.c) */
  struct lrs_pg_accw *accw;        /* a run's account writes (pg_account_write.c) */
  lr_buf outq;                     /* outbox rows not sent yet (pg_outbox.c) */
  long long tidy[4];               /* rows an import wrote, by LRS_PG_TIDY_* */
  int made;                        /* this handle created the schema and has
                                      committed nothing since (pg_schema.c):
                                      1, and 2 once a write rolled back or
                                      failed before it began */
  char objects[33];                /* what it made, as a digest (pg_schema.c) */
};

/* Connection (pg_conn.c).  lrs_pg_open connects to `uri` (libpq fills in
** what it leaves out from PG* variables), checks the server and migrates
** (pg_schema.c).  db->path is already the redacted URI. */
int lrs_pg_open(lr_db *db, const char *uri, int flags, int busy_ms);
void lrs_pg_close(lr_db *db);
/* Drop the schema this handle created if a write through it rolled back
** and none committed, it holds no contact, import or run (a failed
** first import) and nothing but what this handle made is in it or on its
** tables, as the CLI removes the SQLite file it made:
** the database is left as it was.  A handle that wrote nothing keeps it
** (a program, or a test, may fill it by other means).  Best effort. */
void lrs_pg_unmake(lr_db *db);
/* lrs_write_failed: a schema this handle made and committed nothing to
** goes at lr_close, as after a rollback (made 2). */
void lrs_pg_write_failed(lr_db *db);
/* Connect to db's server again (a reader: pg_snap.c), as lrs_pg_open
** connects; NULL with db's error set on failure. */
PGconn *lrs_pg_connect(lr_db *db);
/* lrs_pg_exec that adds the rows each statement changed to *n. */
int lrs_pg_exec_count(lr_db *db, const char *sql, const char *what,
                      long long *n);
/* Run sql (no parameters, several statements allowed): an LR code, with
** "what: server message" as db's error. */
int lrs_pg_exec(lr_db *db, const char *sql, const char *what);
/* Run sql with text parameters (NULL: SQL NULL); *res on success
** (PQclear it), NULL and db's error on failure. */
int lrs_pg_query(lr_db *db, const char *sql, int n, const char *const *params,
                 PGresult **res, const char *what);
/* db's error from a failed result (or the connection when res is NULL). */
int lrs_pg_err(lr_db *db, const PGresult *res, const char *what);
/* Append res's error (else conn_msg, the connection's) on one line: the
** server's "ERROR:  message" with its DETAIL and HINT joined, line breaks
** made spaces; uri's password and PGPASSWORD scrubbed (pg_errmsg.c). */
void lrs_pg_errmsg(lr_buf *b, const PGresult *res, const char *conn_msg,
                   const char *uri);
int lrs_pg_begin(lr_db *db);
int lrs_pg_commit(lr_db *db);
int lrs_pg_rollback(lr_db *db);
int lrs_pg_meta_get(lr_db *db, const char *k, char *buf, size_t n);
int lrs_pg_meta_set(lr_db *db, const char *k, const char *v);
/* Append an SQL string literal ('it''s'). */
void lrs_pg_quote_str(lr_buf *b, const char *s);

/* The URI (pg_uri.c): copy of uri without its password (user:PASS@ and a
** password= parameter), for db->path and every message; and the password
** itself (malloc'd, NULL if none) so that server messages can be scrubbed. */
char *lrs_pg_redact(const char *uri);
char *lrs_pg_password(const char *uri);
/* Replace every occurrence of secret in b's text with "***". */
void lrs_pg_scrub(lr_buf *b, const char *secret);

/* Schema (pg_schema.c): create or migrate on first use. */
int lrs_pg_migrate(lr_db *db);
/* The real columns of contacts on PostgreSQL, in order, and the type a
** value read from each has (LRS_TEXT, LRS_INTEGER, LRS_REAL); imported
** fields that are not among them live in contacts.data (jsonb). */
int lrs_pg_column_type(const char *name);
/* The i-th of those columns (from 0, in the order of SQLite's contacts
** table), NULL past the last. */
const char *lrs_pg_column_name(int i);
/* 1 when column name is a run's per-contact state, kept in contact_state
** (contact_id, then these columns), not in contacts. */
int lrs_pg_state_column(const char *name);
/* contacts as SQLite's table has them, every column in its order: what
** readers of the state read ("FROM " LRS_PG_CONTACTS " AS contacts").
** A LEFT JOIN, so that PostgreSQL drops the join from a statement that
** reads no state column; a contact without its state row reads score 0.
** A range of ids is said of both tables (LRS_PG_CONTACTS_SELECT " AND
** s.contact_id ... WHERE c.id ..."): PostgreSQL does not carry a range
** across an outer join, and a merge join would read contact_state from
** its first row for every batch. */
#define LRS_PG_CONTACTS "(" LRS_PG_CONTACTS_SELECT ")"
#define LRS_PG_CONTACTS_SELECT \
  "SELECT c.id, c.key, c.email, c.first_name, c.last_name, c.company, " \
  "c.title, c.country, c.industry, c.company_size, c.source, c.created_at, " \
  "coalesce(s.score, 0) AS score, s.stage, s.owner, s.updated_at, s.grade, " \
  "s.scores, s.due_at, s.assigned_at, c.manual_at, c.data_at, c.import_seq, " \
  "c.manual_until, s.stage_since, s.grades, s.stable_until, c.change_mark, " \
  "c.account_key, c.data FROM contacts c LEFT JOIN contact_state s " \
  "ON s.contact_id = c.id"

/* Fields registry (pg_fields.c). */
int lrs_pg_fields_load(lr_db *db, lrs_fields *out);
int lrs_pg_field_add(lr_db *db, const char *name, const char *header,
                     int type);
int lrs_pg_field_note(lr_db *db, const char *name, const char *header,
                      int type, long long seq);
int lrs_pg_has_column(lr_db *db, const char *name);
int lrs_pg_column_room(lr_db *db, int *room, int *limit);

/* Contacts import (pg_upsert.c). */
int lrs_pg_contacts_any(lr_db *db, int *any);
struct lrs_pg_upsert;
int lrs_pg_upsert_open(lr_db *db, const char *const *names, const int *how,
                       int n, long long seq, long long now,
                       struct lrs_pg_upsert **out);
/* Rows are sent as they come (COPY); keys and values are copied. */
int lrs_pg_upsert_row(struct lrs_pg_upsert *u, const char *key, size_t keylen,
                      const lrs_value *vals);
int lrs_pg_upsert_finish(struct lrs_pg_upsert *u, long long *inserted,
                         long long *updated, long long *merged);
void lrs_pg_upsert_free(struct lrs_pg_upsert *u);
/* COPY ... FROM STDIN (pg_copy.c): begin runs sql (its last statement
** the COPY); rows are appended to c->buf, each ended by row_end (which
** sends the buffer when it is large); end sends the rest and collects the
** server's answer.  free ends an unfinished COPY (failing it) and frees
** the buffer.  LR codes, "what: server message" as db's error. */
typedef struct lrs_pg_copy {
  lr_db *db;
  const char *what;
  int copying;
  lr_buf buf;
  long long rows;                  /* rows the server took, at end */
} lrs_pg_copy;
int lrs_pg_copy_begin(lrs_pg_copy *c, lr_db *db, const char *sql,
                      const char *what);
int lrs_pg_copy_row_end(lrs_pg_copy *c);
int lrs_pg_copy_end(lrs_pg_copy *c);
void lrs_pg_copy_free(lrs_pg_copy *c);
/* A value as COPY text format (\N for NULL), and as a JSON value
** (numbers keep their kind: a real always has '.' or an exponent). */
void lrs_pg_copy_value(lr_buf *b, const lrs_value *v);
void lrs_pg_json_value(lr_buf *b, const lrs_value *v);

/* After a bulk import (pg_tidy.c): the rows a transaction wrote to a
** table (LRS_PG_TIDY_*) are noted; once the transaction has committed,
** lrs_pg_tidy runs VACUUM (ANALYZE) on the tables it wrote many rows of
** (LRS_PG_TIDY_ROWS and a tenth of the table), never failing; a rollback
** drops the notes. */
enum { LRS_PG_TIDY_CONTACTS, LRS_PG_TIDY_STATE, LRS_PG_TIDY_ACTIVITIES,
       LRS_PG_TIDY_OUTCOMES, LRS_PG_TIDY_N };
#define LRS_PG_TIDY_ROWS 10000
void lrs_pg_tidy_note(lr_db *db, int table, long long rows);
void lrs_pg_tidy(lr_db *db);
void lrs_pg_tidy_drop(lr_db *db);

/* Activities and outcomes imports (pg_events.c): outcomes 1 or 0. */
struct lrs_pg_events;
int lrs_pg_events_open(lr_db *db, int outcomes, long long seq,
                       struct lrs_pg_events **out);
/* *id = the contact id of a key (0: none); the first call loads the
** key map. */
int lrs_pg_events_contact(struct lrs_pg_events *w, const char *key,
                          size_t keylen, long long *id);
int lrs_pg_activity_put(struct lrs_pg_events *w, long long contact,
                        const char *type, size_t typelen, long long at,
                        const lrs_value *value, const lrs_value *campaign);
int lrs_pg_outcome_put(struct lrs_pg_events *w, long long contact, int won,
                       const lrs_value *amount, long long closed_at);
int lrs_pg_activities_finish(struct lrs_pg_events *w, long long now);
int lrs_pg_outcomes_finish(struct lrs_pg_events *w, long long *updated,
                           long long *merged);
void lrs_pg_events_free(struct lrs_pg_events *w);
/* Every contact's key and id, streamed to fn (keymap.c loads its map). */
int lrs_pg_each_key(lr_db *db, int (*fn)(void *ctx, const char *key,
                    size_t n, long long id), void *ctx);
int lrs_pg_contacts_count(lr_db *db, long long *n);
int lrs_pg_activities_any(lr_db *db, int *any);

/* The secondary index of activities, in the schema and rebuilt by an
** import into the empty table (pg_events.c). */
#define LRS_PG_ACTIVITIES_INDEX \
  "CREATE INDEX activities_by_contact ON activities(contact_id, type, " \
  "occurred_at)"

/* Import log (pg_import_log.c). */
int lrs_pg_import_log_start(lr_db *db, const char *kind, const char *file,
                            long long now, long long *seq);
int lrs_pg_import_log_finish(lr_db *db, long long seq, const char *key_field,
                             const lr_import_report *r);

/* Export (pg_export.c): a server-side cursor fetched in batches. */
struct lrs_pg_cursor;
int lrs_pg_export_open(lr_db *db, const lrs_export_query *q,
                       struct lrs_pg_cursor **out);
int lrs_pg_export_next(struct lrs_pg_cursor *c, lrs_value *vals);
void lrs_pg_export_close(struct lrs_pg_cursor *c);
int lrs_pg_grade_names(lr_db *db, char ***names, int *n);
int lrs_pg_export_empty_note(lr_db *db, int segment, const char *name,
                             lr_buf *note);


/* A value read as text t (jsonb type j when kind k < 0) into v, typed as
** SQLite would give it: k is LRS_TEXT, LRS_INTEGER or LRS_REAL for a real
** column, -1 for a key of contacts.data (pg_export.c). */
void lrs_pg_decode(lrs_value *v, int k, const char *j, const char *t);

/* Snapshots (pg_snap.c): open a reader on the run's exported snapshot
** (or a fresh REPEATABLE READ one), close it, and a failed read's error
** on snapshot s from result res (NULL: the connection's). */
int lrs_pg_snap_open(lr_db *db, lrs_snap **out);
void lrs_pg_snap_close(lrs_snap *s);
int lrs_pg_snap_err(lrs_snap *s, const PGresult *res);
/* Run sql on s with text parameters; *res on success (PQclear it).
** params NULL: sql may hold several statements; else one only.  While
** s->cancel is set (lrs_watch_cancel), setting *s->cancel stops it. */
int lrs_pg_snap_query(lrs_snap *s, const char *sql, int n,
                      const char *const *params, PGresult **res);
/* After a PQsend* on c: its answer as PQexec gives it (NULL: none, see
** PQerrorMessage), while *cancel (NULL: none) set sends the server a
** cancel request (pg_cancel.c): Ctrl-C stops a long statement. */
PGresult *lrs_pg_wait(PGconn *c, volatile int *cancel);

/* A run's transaction (pg_run.c): the advisory lock, REPEATABLE READ,
** the snapshot exported for the readers; and its end. */
int lrs_pg_run_begin(lr_db *db);
void lrs_pg_run_end(lr_db *db);

/* The contacts columns a scan reads, in order, and each one's kind (as
** lrs_pg_decode takes it); and the SELECT list giving two result columns
** (jsonb type, text) per column (pg_scan_cols.c).  On snapshot s. */
int lrs_pg_scan_cols(lrs_snap *s, char ***names, int **kinds, int *n,
                     lr_buf *select, lr_buf *view);

/* The contact scan (pg_scan.c): scan.h's functions on a PostgreSQL
** snapshot; lrs_scan_* call them. */
struct lrs_pg_scan;
int lrs_pg_scan_open(lrs_snap *snap, const char *const *sqls, int nsql,
                     struct lrs_pg_scan **out, int *bad, char *err,
                     size_t errlen);
int lrs_pg_scan_columns(struct lrs_pg_scan *s, const char *const **names);
int lrs_pg_scan_failed(const struct lrs_pg_scan *s, const char **why);
int lrs_pg_scan_range(struct lrs_pg_scan *s, long long lo, long long hi);
int lrs_pg_scan_ids(struct lrs_pg_scan *s, const long long *ids,
                    long long n);
int lrs_pg_scan_next(struct lrs_pg_scan *s, const lrs_contact **out);
void lrs_pg_scan_idle(struct lrs_pg_scan *s);
void lrs_pg_scan_close(struct lrs_pg_scan *s);
int lrs_pg_contact_span(lrs_snap *snap, long long *count, long long *lo,
                        long long *hi);
/* The id of key, or of contact `want` when it is not 0. */
int lrs_pg_contact_id(lrs_snap *snap, const char *key, long long want,
                      long long *id);

/* The database's one write lock, an advisory lock ("lrrun" in ASCII):
** a run holds it for the session (pg_run.c), every other write
** transaction for the transaction (lrs_pg_begin), so that writers take
** turns as on SQLite. */
#define LRS_PG_WRITE_LOCK "478186697070"

/* New ids of `table` (bit: its flag in db->pg->synced) continue from
** its largest, as SQLite's INTEGER PRIMARY KEY does, also after a
** rolled-back transaction took sequence numbers: once per run, under its
** lock (pg_runs.c). */
int lrs_pg_sync_ids(lr_db *db, const char *table, unsigned bit);

/* A run's own rows (pg_runs.c), as apply.h's functions: v holds
** evaluated, score_changes, moves, handoffs, errors (finish) or total,
** day, today (routing); lrs_pg_run_set writes one counter column. */
int lrs_pg_run_start(lr_db *db, const char *kind, const char *policy,
                     const char *hash, long long now, const char *by,
                     const char *stages, const char *scope,
                     const char *full_reason, long long *run_id);
int lrs_pg_run_finish(lr_db *db, long long run_id, const long long *v,
                      int n);
int lrs_pg_run_set(lr_db *db, long long run_id, const char *col,
                   long long v);
int lrs_pg_routing_get(lr_db *db, const char *router, const char *owner,
                       long long *v, int *found);
int lrs_pg_routing_put(lr_db *db, const char *router, const char *owner,
                       const long long *v);

/* counts.h on PostgreSQL (pg_counts.c). */
int lrs_pg_count_stage(lrs_snap *s, const char *stage, int is_first,
                       long long *n);
int lrs_pg_count_members(lrs_snap *s, const char *segment, long long *n);
int lrs_pg_count_where(lrs_snap *s, const char *where, long long *n,
                       char *err, size_t errlen);
/* lrs_where_check: the guard of user SQL over where, not run; err on one
** line. */
int lrs_pg_where_check(lrs_snap *s, const char *where, char *err,
                       size_t errlen);
/* query.h's lrs_contact_columns and lrs_stage_counts (pg_query.c). */
char **lrs_pg_contact_columns(lrs_snap *s, int *n);
int lrs_pg_stage_counts(lrs_snap *s,
                        void (*fn)(void *ctx, const char *stage, long long n),
                        void *ctx);

/* Run user SQL (a segment's `where`, checked by lrs_pg_user_check) on
** snapshot s as the database's reader role when it has one (SELECT on
** contacts, activities and outcomes only: lrs_pg_reader_role), else as the connection's user;
** one statement only (PQexecParams).  As lrs_pg_snap_query. */
int lrs_pg_user_query(lrs_snap *s, const char *sql, int n,
                      const char *const *params, PGresult **out);
/* SET LOCAL ROLE to s's reader role when it has one (else nothing): the
** rest of the transaction (or savepoint) runs as it (query(), pg_rows.c). */
int lrs_pg_user_role_local(lrs_snap *s);
/* SQL that creates the reader role of the current database and schema
** when the user may create roles (else it does nothing): run in the
** schema's creation or migration (pg_schema.c). */
extern const char LRS_PG_READER_ROLE_SQL[];
/* The reader role user SQL runs as ("" when there is none: it runs as
** the login user) and the login user's name, for `info`. */
int lrs_pg_reader_role(lr_db *db, char *role, size_t n, char *user,
                       size_t un);

/* The guard of a segment's SQL (pg_usersql.c): where may call only the
** common subset's functions, and sql (the statement it is part of, with
** nparams parameters) may read no table but LRS_PG_USER_TABLES.  LR_OK, or
** LR_POLICY with why ("segment SQL: it reads the table X (...)" for a
** table, in SQLite's store's words); LR_POLICY too when sql does not run. */
int lrs_pg_user_check(lrs_snap *s, const char *sql, const char *where,
                      int nparams, char *why, size_t n);
/* Its two halves: sql calls only the common subset's functions; and the
** plan (EXPLAIN (FORMAT JSON)) reads only the tables listed ("a,b"),
** else why says "it reads the table X (what)".  LR_OK or LR_POLICY. */
int lrs_pg_user_calls(const char *sql, char *why, size_t n);
int lrs_pg_user_plan(const char *plan, const char *tables, const char *what,
                     char *why, size_t n);
/* The tables user SQL may read (a plan's relation names), as SQLite's
** authorizer lets it (usersql.c), for lrs_pg_user_plan. */
#define LRS_PG_USER_TABLES "contacts,contact_state,activities,outcomes"
/* Appends "WITH lr_batch AS (SELECT view FROM from), contacts AS (SELECT
** view FROM LRS_PG_CONTACTS AS contacts) ": the caller then reads
** "lr_batch AS contacts", while a subquery of the user's SQL that reads
** contacts reads every column of SQLite's table (score, stage, ...), not
** the narrow table; each CTE read once is inlined (no cost unread). */
void lrs_pg_user_with(lr_buf *b, const char *view, const char *from);

/* manual.h's reads for explain on PostgreSQL (pg_manual_read.c). */
struct lrs_manual_event;
int lrs_pg_manual_events(lrs_snap *snap, long long id, int limit,
                         int (*cb)(void *ctx,
                                   const struct lrs_manual_event *e),
                         void *ctx);
int lrs_pg_manual_stage(lrs_snap *snap, long long id, long long manual_at,
                        char **stage);

/* What run --changed reads (pg_changed.c; changed.c decides): the last
** complete run (*found 0: none), whether a run since it is of another
** policy or read other contacts, and the contacts changed since it
** (expired 0: change_mark >= v) or due (expired 1: stable_until <= v),
** appended to *ids. */
int lrs_pg_changed_base(lr_db *db, int *found, long long *base, char *hash,
                        size_t hashlen, long long *then, int *others);
int lrs_pg_changed_since(lr_db *db, long long base, const char *hash,
                         int *other, int *reads);
int lrs_pg_changed_ids(lr_db *db, int expired, long long v, long long **ids,
                       long long *n, long long *cap);

/* A run's outbox rows (pg_outbox.c): realtime_io.h's writers. */
struct lrs_outbox_new;
int lrs_pg_outbox_add(lr_db *db, const struct lrs_outbox_new *r,
                      long long *id);
int lrs_pg_outbox_add_rows(lr_db *db, const struct lrs_outbox_new *r, int n);
int lrs_pg_outbox_stage_open(lr_db *db);
int lrs_pg_outbox_stage(lr_db *db, int section, long long seq,
                        const struct lrs_outbox_new *r);
int lrs_pg_outbox_unstage(lr_db *db);
/* Send the outbox rows lrs_pg_outbox_add_rows gathered (one COPY); every
** outbox reader and writer, and the end of a transaction or savepoint,
** calls it first.  lrs_pg_outbox_drop forgets them (a rollback). */
int lrs_pg_outbox_flush(lr_db *db);
void lrs_pg_outbox_drop(lr_db *db);

/* manual.c's writes (pg_manual.c): a stage history row, a contact moved
** by hand (its stage and lock), a lock renewed (with its audit row), a
** contact's stage, a field set by hand (*changed 0: it held that value;
** else written, with its audit row); and a field's registered type
** (pg_fields.c). */
int lrs_pg_history_add(lr_db *db, long long contact_id, const char *from,
                       const char *to, long long at, long long run_id,
                       const char *reason, const char *transition,
                       const char *by);
int lrs_pg_stage_set(lr_db *db, long long id, const char *to, long long now,
                     long long until);
int lrs_pg_lock_renew(lr_db *db, long long id, const char *by,
                      const char *reason, long long run_id, long long now,
                      long long until);
int lrs_pg_contact_stage(lr_db *db, long long id, char *stage, size_t n);
int lrs_pg_field_write(lr_db *db, long long id, const char *field,
                       const lrs_value *v, const char *by, const char *reason,
                       long long run_id, long long now, int *changed);
int lrs_pg_field_set_type(lr_db *db, const char *name, const char *type);

/* select.h on PostgreSQL (pg_select.c): the known stages (stages 1) or
** segments, as lrs_distinct; the SQL of a leads{} stream of contacts
** ($1 a stage or NULL, $2 the id to read after; `batch` ids at most),
** the user's `where` checked as a segment's (LR_POLICY, err says why);
** and the next ids of a stream's SQL (user 1: the user's, run as
** lrs_pg_user_query runs it). */
int lrs_pg_distinct(lrs_snap *snap, int stages,
                    int (*cb)(void *ctx, const char *name), void *ctx);
int lrs_pg_select_sql(lrs_snap *snap, const char *where, int batch,
                      char **sql, char *err, size_t errlen);
int lrs_pg_select_ids(lrs_snap *snap, const char *sql, int user,
                      const char *arg, long long after, long long *ids,
                      int max, int *n);

/* lr_contact_get's read (pg_contact_get.c): contact id into c, its
** strings in arena a; LR_NOTFOUND when there is none. */
struct lr_arena;
int lrs_pg_contact_fill(lr_db *db, lr_contact *c, struct lr_arena *a,
                        long long id);

/* handoffs.c's statements (pg_handoffs.c), by which: one integer row
** (with one text or integer parameter but for MAX_ID), the names of the
** OWNERS or STAGES rows appended to b ("a, b"), and the list. */
#define LRS_PG_HO_MAX_ID 0
#define LRS_PG_HO_RUNS 1
#define LRS_PG_HO_OWNER_KNOWN 2
#define LRS_PG_HO_OWNERS 3
#define LRS_PG_HO_STAGE_KNOWN 4
#define LRS_PG_HO_STAGES 5
int lrs_pg_handoffs_ints(lr_db *db, int which, const char *text,
                         long long num, long long *out, int n);
int lrs_pg_handoffs_names(lr_db *db, int which, lr_buf *b);
int lrs_pg_handoffs_list(lr_db *db, const lr_handoffs_opts *o,
                         lr_handoff_fn fn, void *ctx);

/* realtime_io.h's outbox reads and acknowledgements (pg_outbox.c). */
struct lrs_outbox_row;
int lrs_pg_outbox_each(lr_db *db, long long after, long long limit,
                       int (*cb)(void *ctx, const struct lrs_outbox_row *r),
                       void *ctx);
int lrs_pg_outbox_acked(lr_db *db, const char *consumer, long long *id);
int lrs_pg_outbox_ack(lr_db *db, const char *consumer, long long id,
                      long long now);
int lrs_pg_outbox_last(lr_db *db, long long *id);
/* A group of events (pg_realtime.c), realtime_io.h's functions on
** PostgreSQL: begin takes the run lock (lrs_pg_events_begin) and end
** gives it back; keys finds a group's contacts with one query, which
** contact then looks up first; activities wait in a buffer until flush
** (one COPY) and a rollback (end) drops them; state_begin reads every
** touched contact with one query, state_read finds one of them. */
int lrs_pg_rt_begin(lr_db *db);
void lrs_pg_rt_end(lr_db *db);
void lrs_pg_rt_free(lr_db *db);
int lrs_pg_rt_keys(lr_db *db, const char *const *keys, long long n);
int lrs_pg_rt_contact(lr_db *db, const char *key, int create, long long now,
                      long long *id, int *created);
int lrs_pg_rt_activity(lr_db *db, long long id, const char *type,
                       long long at, int has_value, double value,
                       const char *campaign, long long now);
int lrs_pg_rt_flush(lr_db *db);
struct lrs_rt_state;
int lrs_pg_rt_state_begin(lr_db *db, const long long *ids, long long n);
int lrs_pg_rt_state_read(lr_db *db, long long id, struct lrs_rt_state *out);
void lrs_pg_rt_state_end(lr_db *db);
int lrs_pg_schema_version(lr_db *db, int *version);
/* The transaction of a group of events (pg_run.c): the run lock, then
** REPEATABLE READ, without a snapshot for readers (the evaluation reads
** the writer's own connection); lrs_pg_run_end gives the lock back. */
int lrs_pg_events_begin(lr_db *db);
/* Accounts (accounts.h) on PostgreSQL.  Reads (pg_accounts_read.c). */
struct lrs_accounts;
int lrs_pg_accounts_load(lrs_snap *s, const char *key,
                         struct lrs_accounts *out);
int lrs_pg_account_contact_ids(lrs_snap *s, const char *key, long long **ids,
                               int *n);
int lrs_pg_account_key(lrs_snap *s, long long id, char *buf, size_t n);
int lrs_pg_accounts_any(lr_db *db);
int lrs_pg_account_parts_get(lr_db *db, long long id, lr_buf *out);
int lrs_pg_account_stage_counts(lr_db *db, lr_buf *out);
/* A run's writes (pg_account_write.c). */
int lrs_pg_account_update(lr_db *db, long long id, double score,
                          const char *scores, const char *grade,
                          const char *grades, const char *stage,
                          long long now, int moved);
int lrs_pg_account_history(lr_db *db, long long id, const char *from,
                           const char *to, long long at, long long run_id,
                           const char *reason, const char *transition);
int lrs_pg_account_parts_clear(lr_db *db, long long id);
int lrs_pg_account_part(lr_db *db, long long id, const char *rule,
                        const char *group, double points);
int lrs_pg_account_assign(lr_db *db, long long id, const char *owner,
                          const char *stage, long long at, long long run_id,
                          long long due);
/* Inside a run the writes above are kept and written by flush (from
** lrs_pg_changes_write, and before the run's commit); free drops them
** (the run's end).  parts_stored: the stored parts of account id from
** one read per run (*done 0 outside a run: query them). */
int lrs_pg_account_writes_flush(lr_db *db);
void lrs_pg_account_writes_free(lr_db *db);
int lrs_pg_account_parts_stored(lr_db *db, long long id, lr_buf *out,
                                int *done);
/* Import (pg_accounts_import.c): rows kept in db->pg->accts, merged as
** SQLite merges them, written by flush with COPY and two set-based
** statements; the headers; rematch (pg_accounts_match.c). */
int lrs_pg_account_put(lr_db *db, long long seq, const char *key,
                       const char *data, int *what);
int lrs_pg_account_puts_flush(lr_db *db);
void lrs_pg_account_puts_free(lr_db *db);
int lrs_pg_account_headers_add(lr_db *db, const char *json);
int lrs_pg_accounts_rematch(lr_db *db, long long seq, long long *changed);
/* Export (pg_accounts_export.c). */
int lrs_pg_account_fields(lr_db *db, lr_buf *out);
int lrs_pg_account_groups(lr_db *db, lr_buf *out);
int lrs_pg_accounts_export(lr_db *db, const char *const *fields, int nf,
                           const char *const *groups, int ng,
                           int (*fn)(void *ctx, const lrs_value *v, int n),
                           void *ctx);
/* One contact's row (pg_rows.c): query.h's lrs_contact_row_open and
** lrs_rows_* on PostgreSQL. */
struct lrs_pg_rows;
int lrs_pg_rows_columns(const struct lrs_pg_rows *r);
const char *lrs_pg_rows_name(const struct lrs_pg_rows *r, int i);
int lrs_pg_rows_next(struct lrs_pg_rows *r, const lrs_value **row);
void lrs_pg_rows_close(struct lrs_pg_rows *r);
/* query.h's lrs_row_cache on PostgreSQL: a row of the cache stays valid
** until the next lrs_pg_rowcache_row or free. */
struct lrs_pg_rowcache;
int lrs_pg_rowcache_new(lrs_snap *s, struct lrs_pg_rowcache **out);
int lrs_pg_rowcache_row(struct lrs_pg_rowcache *c, long long id,
                        struct lrs_pg_rows **out);
void lrs_pg_rowcache_free(struct lrs_pg_rowcache *c);

/* Flat JSON objects as SQLite's JSON functions see them (pg_json_flat.c):
** the members of object s (k and v as written: k with its quotes), -1
** when s is not an object; json_patch(target, patch) appended to out (-1:
** not objects); and a value's text as json_extract gives it (a string
** unescaped, anything else as written). */
typedef struct lrs_pg_member { const char *k, *v; size_t kn, vn; } lrs_pg_member;
int lrs_pg_json_members(const char *s, lrs_pg_member **out, int *n);
int lrs_pg_json_patch(lr_buf *out, const char *target, const char *patch);
void lrs_pg_json_text(lr_buf *out, const char *s, size_t n);

/* query.h's other cursors on PostgreSQL (pg_rows.c): over user SQL
** (query(), checked and read-only; err says why it is refused), or over
** contact id's row (acts 0) or activities; and the cursor's calls, as
** query.h's lrs_rows_*. */
int lrs_pg_rows_query(lrs_snap *snap, const char *sql,
                      struct lrs_pg_rows **out, char *err, size_t errlen);
int lrs_pg_rows_contact(lrs_snap *snap, long long id, int acts,
                        struct lrs_pg_rows **out);
int lrs_pg_rows_params(struct lrs_pg_rows *r);
void lrs_pg_rows_bind(struct lrs_pg_rows *r, int i, const lrs_value *v);
const char *lrs_pg_rows_errmsg(struct lrs_pg_rows *r);

#endif
