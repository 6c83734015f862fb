/*
** contacts_io.h -- the SQL of imports and exports: contact upserts,
** activity and outcome writers, the import log, the export cursor.  The
** csv layer calls these with plain values (lrs_value, contact.h) and never
** sees SQL.
*/
#ifndef LR_CONTACTS_IO_H
#define LR_CONTACTS_IO_H

#include "contact.h"
#include "store.h"

/* Rows counted by an upsert (seen.c): an update of a row written earlier
** by the same import is a merge. */
typedef struct lrs_seen { long long updated, merged; } lrs_seen;
int lrs_seen_register(lr_db *db, lrs_seen *counts);
void lrs_seen_unregister(lr_db *db);

/*
** Import log (import_log.c): one row in `imports` per import; its id is
** the import's sequence number.
*/
int lrs_import_log_start(lr_db *db, const char *kind, const char *file,
                         long long now, long long *seq);
int lrs_import_log_finish(lr_db *db, long long seq, const char *key_field,
                          const lr_import_report *r);

/*
** Contacts (contacts_io.c)
*/
/* *any = 1 when contacts has at least one row. */
int lrs_contacts_any(lr_db *db, int *any);
/* *n = the number of contacts (an estimate: the largest id). */
int lrs_contacts_count(lr_db *db, long long *n);
/* Key field recorded in meta; 0 when none yet. */
int lrs_key_field_get(lr_db *db, char *buf, size_t n);
int lrs_key_field_set(lr_db *db, const char *field);

#define LRS_SET_DATA 0     /* the file's value wins */
#define LRS_SET_START 1    /* stage, owner: set when the contact has none,
                              or when this import created it */
typedef struct lrs_upsert lrs_upsert;
/*
** Prepare the writer for one import of `n` columns.  When contacts is
** empty the key index is dropped and rebuilt by lrs_upsert_finish (bulk
** load); otherwise each row is an INSERT ... ON CONFLICT(key) DO UPDATE.
*/
int lrs_upsert_open(lr_db *db, const char *const *names, const int *how,
                    int n, long long seq, long long now, lrs_upsert **out);
/* Write one row: key (already normalised) and n values.  Rows are
** written in groups: key and values must stay valid until the group is
** written, which lrs_upsert_flush forces.  An error may belong to any row
** since the last flush. */
int lrs_upsert_row(lrs_upsert *u, const char *key, size_t keylen,
                   const lrs_value *vals);
int lrs_upsert_flush(lrs_upsert *u);
/* Finish: dedupe and index a bulk load; report what happened to the
** rows written (inserted + updated + merged == rows). */
int lrs_upsert_finish(lrs_upsert *u, long long *inserted, long long *updated,
                      long long *merged);
void lrs_upsert_free(lrs_upsert *u);

/*
** Activities and outcomes (events_io.c)
*/
typedef struct lrs_events lrs_events;
/* *any = 1 when activities has at least one row. */
int lrs_activities_any(lr_db *db, int *any);
int lrs_activities_open(lr_db *db, lrs_events **out);
/* Append one activity; LR_NOTFOUND when no contact has that key. */
int lrs_activity_add(lrs_events *w, const char *key, size_t keylen,
                     const char *type, size_t typelen, long long at,
                     const lrs_value *value, const lrs_value *campaign);
/* Append one activity of a contact the caller resolved (a key map in the
** same transaction).  Rows are written MULTI at a time: type, value and
** campaign must stay valid until lrs_activities_flush; an error may
** belong to any row since the last flush. */
int lrs_activity_put(lrs_events *w, long long contact, const char *type,
                     size_t typelen, long long at, const lrs_value *value,
                     const lrs_value *campaign);
int lrs_activities_flush(lrs_events *w);
/* Write what is pending, build indexes set aside by a bulk load, and mark
** contacts that got activities as changed (data_at = now). */
int lrs_activities_finish(lrs_events *w, long long now);

int lrs_outcomes_open(lr_db *db, long long seq, lrs_events **out);
/* Upsert on (contact, closed_at); LR_NOTFOUND for an unknown contact. */
int lrs_outcome_put(lrs_events *w, const char *key, size_t keylen, int won,
                    const lrs_value *amount, long long closed_at);
int lrs_outcomes_finish(lrs_events *w, long long *updated, long long *merged);
void lrs_events_free(lrs_events *w);

/*
** Export (export_io.c): contacts rows, in id order or sorted.
*/
typedef struct lrs_cursor lrs_cursor;
/* A column of an export: a contacts column (names checked by the caller),
** or with `grade` set one grade out of contacts.grades, by its name. */
typedef struct lrs_xcol {
  const char *name;
  int grade;
} lrs_xcol;
typedef struct lrs_export_query {
  const lrs_xcol *cols;       /* what to select */
  int n;
  const char *stage;          /* only contacts in this stage (NULL: any) */
  const char *segment;        /* only members of this segment (NULL: any) */
  const lrs_xcol *sort;       /* order by these (then id); NULL: by id */
  int nsort;
  int desc;                   /* sort descending (ties still by id) */
} lrs_export_query;
int lrs_export_open(lr_db *db, const lrs_export_query *q, lrs_cursor **out);
/* The names of the grades held in contacts.grades, in the order they
** appear in the objects (declaration order), into a NULL-terminated
** array owned by the caller (lrs_strings_free).  LR_OK or an LR code. */
int lrs_grade_names(lr_db *db, char ***names, int *n);
void lrs_strings_free(char **v);
/* 1 with vals filled (valid until the next call), 0 at the end, or an
** error code (negative LR_*). */
int lrs_export_next(lrs_cursor *c, lrs_value *vals);
void lrs_export_close(lrs_cursor *c);
/* When no contact is in stage `name` (segment 0) or segment `name`
** (segment 1, as of the last run), append to *note why and what there is:
** "no contact is in stage 'sqll' (the stages contacts are in: lead 3,
** mql 1)", with "did you mean 'x'?" for a name that differs only in case.
** Nothing appended when some contact is. */
int lrs_export_empty_note(lr_db *db, int segment, const char *name,
                          lr_buf *note);
/* 1 when `name` is a column of contacts. */
int lrs_contacts_has_column(lr_db *db, const char *name);
/* How many more columns contacts can take (*room) under SQLite's column
** limit (*limit). */
int lrs_contacts_column_room(lr_db *db, int *room, int *limit);

#endif
