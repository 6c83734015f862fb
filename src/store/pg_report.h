/*
** pg_report.h -- report_sql.h's functions on PostgreSQL (pg_report.c and
** pg_report_rows.c); report_sql.c calls them when the handle is on
** PostgreSQL, so that the analysis layer does not know which store it
** reads.  Same arguments, same rows, same order where order counts, same
** errors as the SQLite functions of the same name.
*/
#ifndef LR_PG_REPORT_H
#define LR_PG_REPORT_H

#include <libpq-fe.h>

#include "report_sql.h"

int lrs_pg_report_groups(lr_db *db, const lrs_dim *dim, lrs_row_fn fn,
                         void *ctx);
int lrs_pg_report_clock(lr_db *db, long long *now, long long *run_id);
int lrs_pg_report_outcomes(lr_db *db, const lrs_dim *dim, long long since,
                           lrs_row_fn fn, void *ctx);
int lrs_pg_report_outcomes_by(lr_db *db, lrs_dim_fn dim, void *dctx,
                              const char *one, long long since,
                              lrs_row_fn fn, void *ctx);
int lrs_pg_report_run_stages(lr_db *db, lrs_row_fn fn, void *ctx);

/* The kept groups (dim->keep, a JSON array of strings) as rows of *out
** (PQclear it); NULL when every value is kept.  fold gives d, or
** "(other)" when keep does not hold it. */
int lrs_pg_report_kept(lr_db *db, const lrs_dim *dim, PGresult **out);
const char *lrs_pg_report_fold(const PGresult *keep, const char *d);

/* The one pass's streams: a server-side cursor each, fetched in batches
** in the report's transaction (memory does not grow with the tables). */
struct lrs_pg_rstream;
int lrs_pg_report_stream(lr_db *db, int which, const lrs_dim *dim,
                         struct lrs_pg_rstream **out);
int lrs_pg_report_stream_next(struct lrs_pg_rstream *s, lrs_value *v);
void lrs_pg_report_stream_close(struct lrs_pg_rstream *s);

/* A server-side cursor (pg_report_rows.c) in the open transaction:
** open DECLAREs it for sql; next gives 1 with a row at (res, row), 0 at
** the end, -(an LR code) on error; close CLOSEs it. */
typedef struct lrs_pg_cur {
  lr_db *db;
  char name[24];
  PGresult *res;
  int row, done, open;
} lrs_pg_cur;
int lrs_pg_cur_open(lrs_pg_cur *c, lr_db *db, const char *name,
                    const lr_buf *sql);
int lrs_pg_cur_next(lrs_pg_cur *c);
void lrs_pg_cur_close(lrs_pg_cur *c);

/* pg_report_rows.c: the dimension value of a contacts row as SQLite's
** CAST(x AS TEXT) gives it.  Two result columns (the jsonb type or NULL,
** the text; named dj, dt) for field `name` of contacts aliased c,
** appended to sql... */
void lrs_pg_dim_cols(lr_buf *sql, const char *field);
/* ...and the text from those two columns (NULL for SQL NULL); num is
** room for a number's text (32 bytes). */
const char *lrs_pg_dim_text(int kind, const char *j, const char *t,
                            int isnull, char *num);
/* The kind lrs_pg_decode takes for field `name`. */
int lrs_pg_dim_kind(const char *field);

#endif
