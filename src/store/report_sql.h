/*
** report_sql.h -- the read-only queries behind lr_report: the groups of a
** split (every contact belongs to one group, a contacts column's value,
** or several, its segments), the clock, the stage order, the outcomes,
** and the streams of rows the report's one pass merges.
**
** Each query hands its rows to a callback as lrs_value columns (valid
** only during the call); a non-zero return stops it (LR_INTERRUPT, with
** lr_errmsg left to the callback).  Functions return an LR code; on error
** lr_errmsg(db) says why.
*/
#ifndef LR_REPORT_SQL_H
#define LR_REPORT_SQL_H

#include "contact.h"
#include "store.h"

#define LRS_DIM_ALL 0          /* one group, "(all)" */
#define LRS_DIM_SEGMENT 1      /* segment_members; NULL: in no segment */
#define LRS_DIM_FIELD 2        /* a contacts column, as text */

typedef struct lrs_dim {
  int kind;
  const char *field;           /* LRS_DIM_FIELD: column (checked) */
  const char *keep;            /* JSON array of the values kept as groups;
                                  others become "(other)"; NULL keeps all */
} lrs_dim;

typedef int (*lrs_row_fn)(void *ctx, const lrs_value *v, int n);

/* One read transaction around the report's queries (a consistent
** snapshot); nothing happens inside a caller's transaction. */
int lrs_report_begin(lr_db *db);
void lrs_report_end(lr_db *db);

/* LR_OK when `name` names a field of the contacts table (by
** lrs_fields_resolve: a name, an original header or its folded form),
** its name copied to out (n bytes); else LR_INPUT with a message listing
** what exists. */
int lrs_report_field_check(lr_db *db, const char *name, char *out, size_t n);

/* Groups by size: (d, contacts), largest first, then by d. */
int lrs_report_groups(lr_db *db, const lrs_dim *dim, lrs_row_fn fn, void *ctx);

/* The latest recorded run (kind 'run', not a dry run, highest id): its id
** and its `now`; both 0 when there is none. */
int lrs_report_clock(lr_db *db, long long *now, long long *run_id);

/* Outcome rows closed at or after `since`: (d, won, lost, sum of won
** amounts, won rows with an amount). */
int lrs_report_outcomes(lr_db *db, const lrs_dim *dim, long long since,
                        lrs_row_fn fn, void *ctx);

/* The same rows with the dimension from the caller instead of a join
** with contacts (whose wide rows it would read at random): dim(dctx,
** contact_id, &exists) gives the contact's d (NULL for none; valid until
** the next call) and sets exists to 0 for a contact the report must
** skip; `one` non-NULL: every contact dim keeps has that d (dim gives
** only exists).  The rows are summed in the order lrs_report_outcomes
** sums them, so the sums of amounts come out the same to the last bit. */
typedef const char *(*lrs_dim_fn)(void *dctx, long long contact_id,
                                  int *exists);
int lrs_report_outcomes_by(lr_db *db, lrs_dim_fn dim, void *dctx,
                           const char *one, long long since, lrs_row_fn fn,
                           void *ctx);

/* The stages the latest run's policy declared (runs.stages): (stage,
** 1 for a funnel stage or 0 for a side stage, position), funnel first in
** rank order; no rows when no run recorded them. */
int lrs_report_run_stages(lr_db *db, lrs_row_fn fn, void *ctx);

/* ---- the one pass (src/analysis/report_pass.c) ---------------------------- */

/* The report reads each table once, in contact id order, and merges the
** streams: */
#define LRS_RS_CONTACTS 0   /* (id, stage, grade, e, d): e the engagement
                               score (json_extract of scores, when valid) of
                               a contact with a grade, d the LRS_DIM_FIELD
                               value as text, else NULL */
#define LRS_RS_MEMBERS 1    /* (contact_id, segment) */
/* each by contact_id; */
#define LRS_RS_HISTORY 2    /* (contact_id, at, run_id, from, to), in
                               (contact_id, at, id) order */
#define LRS_RS_ASSIGN 3     /* (contact_id, at, due, run_id, owner) */
#define LRS_RS_CLOSED 4     /* (contact_id, closed_at) of outcomes */
#define LRS_RS_VALUES 5     /* (d): the LRS_DIM_FIELD value of every contact,
                               as text, in no order */
#define LRS_RS_HISTORY_NORUN 6 /* LRS_RS_HISTORY with run_id NULL, not read
                               (no handoff to compare runs with) */
#define LRS_RS_COLS 6

typedef struct lrs_rstream lrs_rstream;

/* Open stream `which` (LRS_RS_*); *out NULL on error. */
int lrs_report_stream(lr_db *db, int which, const lrs_dim *dim,
                      lrs_rstream **out);
/* The next row into v[LRS_RS_COLS] (valid until the next call): 1, 0 at
** the end, or -(an LR code) on error.  Ids and times (the schema's NOT
** NULL integers) come as LRS_INT with only .i set; texts of the text
** columns (stages, grade, segment, owner, d) with .n 0 (NUL-terminated). */
int lrs_report_stream_next(lrs_rstream *s, lrs_value *v);
void lrs_report_stream_close(lrs_rstream *s);

#endif
