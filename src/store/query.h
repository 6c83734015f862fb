/*
** query.h -- read-only SQL for the developer tools: the shell's query()
** over user-written SQL (under the same guard as segment SQL), a contact's
** row and activities, the contacts table's columns (check, tests),
** contacts per stage.  Rows come back through a cursor as lrs_values.
*/
#ifndef LR_QUERY_H
#define LR_QUERY_H

#include <stddef.h>

#include "contact.h"
#include "snap.h"

typedef struct lrs_rows lrs_rows;

/* A cursor over one SELECT (or WITH ... SELECT) that users typed, under
** the same authorizer as segment SQL: reads of contacts, activities and
** outcomes only.  Returns an LR code, LR_POLICY for SQL the guard
** refuses on either store ("query: it reads the table runs (...)");
** err says why in user terms. */
int lrs_query_open(lrs_snap *snap, const char *sql, lrs_rows **out,
                   char *err, size_t errlen);
/* The row of contact `id` (SELECT * FROM contacts), or its activities
** ordered by time (type, at, value, campaign).  LR code; lrs_snap_errmsg
** says why. */
int lrs_contact_row_open(lrs_snap *snap, long long id, lrs_rows **out);
int lrs_contact_acts_open(lrs_snap *snap, long long id, lrs_rows **out);

/* Contact rows for one evaluation of accounts (account:contacts()):
** lrs_contact_row_open's row of contact `id`, through a cache that on
** PostgreSQL reads the rows of id's whole account at once, one round
** trip per account instead of two per contact (SQLite reads each row:
** no round trip).  A row is valid until the next open on the cache;
** close it with lrs_rows_close.  new: NULL when out of memory. */
typedef struct lrs_row_cache lrs_row_cache;
lrs_row_cache *lrs_row_cache_new(lrs_snap *snap);
int lrs_row_cache_open(lrs_row_cache *c, long long id, lrs_rows **out);
void lrs_row_cache_free(lrs_row_cache *c);       /* NULL: no-op */

/* Parameters of the statement (?, ?1, :name ...), and binding parameter i
** (1-based) to v before the first lrs_rows_next; v's text must stay valid
** until lrs_rows_close. */
int lrs_rows_params(lrs_rows *r);
void lrs_rows_bind(lrs_rows *r, int i, const lrs_value *v);
/* Result columns and their names (owned by r). */
int lrs_rows_columns(lrs_rows *r);
const char *lrs_rows_name(lrs_rows *r, int i);
/* Next row: 1 with *row set to lrs_rows_columns values (valid until the
** next call), 0 at the end, or a negative LR code (-LR_INTERRUPT after a
** cancel, lrs_watch_cancel; lrs_rows_errmsg says why: "query: ...",
** with the limit of user SQL it ran into). */
int lrs_rows_next(lrs_rows *r, const lrs_value **row);
const char *lrs_rows_errmsg(lrs_rows *r);
void lrs_rows_close(lrs_rows *r);      /* NULL: no-op */

/* The columns of the contacts table, in order: a NULL-terminated array
** of strings in one allocation (free() it).  NULL on error or OOM. */
char **lrs_contact_columns(lrs_snap *snap, int *n);

/* Contacts per stage name as stored (NULL stage under ""): calls `fn` for
** each row.  Returns an LR code; lrs_snap_errmsg says why. */
int lrs_stage_counts(lrs_snap *snap,
                     void (*fn)(void *ctx, const char *stage, long long n),
                     void *ctx);

#endif
