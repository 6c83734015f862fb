/*
** report_sql.h -- the read-only queries behind lr_report (funnel, stage
** conversion, time in stage, handoffs and SLA, outcomes, grades), each
** split by a dimension: every contact belongs to one group (a contacts
** column's value) or several (its segments).
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

/* Stages seen in stage_history: (stage, first position, mean position,
** rows), where a row's position is its place (1, 2, ...) in its
** contact's history ordered by (at, id); then stages only in
** contacts.stage with NULL positions. */
int lrs_report_stage_seen(lr_db *db, lrs_row_fn fn, void *ctx);

/* Direct moves seen in stage_history: (from, to, rows), from non-NULL. */
int lrs_report_moves(lr_db *db, lrs_row_fn fn, void *ctx);

/* Contacts by current stage: (d, stage, contacts). */
int lrs_report_funnel(lr_db *db, const lrs_dim *dim, lrs_row_fn fn, void *ctx);

/* Of the contacts whose first entry into `from` (by at, id) is at or
** after `since`, how many entered `to` after that entry (a later at, or
** the same at and a later row): (d, entered, converted). */
int lrs_report_conversion(lr_db *db, const lrs_dim *dim, const char *from,
                          const char *to, long long since, lrs_row_fn fn,
                          void *ctx);

/* Completed stays: for each stage_history row at or after `since` with a
** later row for the same contact, (d, stage, seconds until that row),
** ordered by d, stage, seconds. */
int lrs_report_stays(lr_db *db, const lrs_dim *dim, long long since,
                     lrs_row_fn fn, void *ctx);

/* Assignments at or after `since`, per owner: (d, owner, handoffs, with a
** due time, breached).  Breached: due < now and no stage move of that
** contact after the assignment (a later at, or the same at in a later
** run) and no outcome closed at or after it, at or before due.  Ordered
** by d, owner. */
int lrs_report_handoffs(lr_db *db, const lrs_dim *dim, long long since,
                        long long now, lrs_row_fn fn, void *ctx);

/* The latest recorded run (kind 'run', not a dry run, highest id): its id
** and its `now`; both 0 when there is none. */
int lrs_report_clock(lr_db *db, long long *now, long long *run_id);

/* Outcome rows closed at or after `since`: (d, won, lost, sum of won
** amounts, won rows with an amount). */
int lrs_report_outcomes(lr_db *db, const lrs_dim *dim, long long since,
                        lrs_row_fn fn, void *ctx);

/* Contacts with a grade: (d, grade, engagement band, contacts); the band
** of json_extract(scores, '$.engagement'): 0 "< 0", 1 "0-10", 2 "10-25",
** 3 "25-50", 4 ">= 50" (half-open), 5 none.  Ordered by d, grade, band. */
int lrs_report_grades(lr_db *db, const lrs_dim *dim, lrs_row_fn fn,
                      void *ctx);

/* The stages the latest run's policy declared (runs.stages): (stage,
** 1 for a funnel stage or 0 for a side stage, position), funnel first in
** rank order; no rows when no run recorded them. */
int lrs_report_run_stages(lr_db *db, lrs_row_fn fn, void *ctx);

/* Conversion through a funnel (a JSON array of stage names, in order)
** from stage k (0-based) to the next.  A stage_history row passes stage
** k when it enters it, or moves from a funnel stage before k to one after
** it (lead -> sql passes mql).  Of the contacts whose first row passing k
** is at or after `since`, how many reached a stage after k at that row
** or later (a later at, or the same at and a later row):
** (d, passed, moved on). */
int lrs_report_passed(lr_db *db, const lrs_dim *dim, const char *funnel,
                      int k, long long since, lrs_row_fn fn, void *ctx);

/* ---- the dashboard (report --html) ---------------------------------------- */

/* How far contacts got through a funnel (a JSON array of stage names, in
** order): for each contact whose first stage_history row is at or after
** `since`, the highest funnel position (0-based) among the stages its
** history entered (NULL: none, only side stages): (d, top, contacts). */
int lrs_report_reached(lr_db *db, const lrs_dim *dim, const char *funnel,
                       long long since, lrs_row_fn fn, void *ctx);

/* The same contacts by the UTC day of their first stage_history row:
** (day start in unix seconds, top, contacts), ordered by day. */
int lrs_report_cohorts(lr_db *db, const char *funnel, long long since,
                       lrs_row_fn fn, void *ctx);

/* Contacts that moved from a stage to another one at or after `since`:
** (from, to, distinct contacts), from non-NULL and different from to. */
int lrs_report_exits(lr_db *db, long long since, lrs_row_fn fn, void *ctx);

/* Assignments at or after `since` by the UTC day they were made: (day
** start, handoffs, with a due time, breached), breached as in
** lrs_report_handoffs; ordered by day. */
int lrs_report_handoff_days(lr_db *db, long long since, long long now,
                            lrs_row_fn fn, void *ctx);

/* The span of stage_history: (first at, last at, rows); NULL times when
** it is empty. */
int lrs_report_window(lr_db *db, lrs_row_fn fn, void *ctx);

#endif
