/*
** query.h -- read-only SQL for the developer tools: the shell's query(),
** the contacts table's columns (check), a contact looked up by key.
*/
#ifndef LR_QUERY_H
#define LR_QUERY_H

#include <sqlite3.h>
#include <stddef.h>

/* Prepare one SELECT (or WITH ... SELECT) that users typed, under the
** same authorizer as segment SQL: reads of contacts, activities and
** outcomes only.  Returns an SQLite code; err says why in user terms. */
int lrs_query_prepare(sqlite3 *conn, const char *sql, sqlite3_stmt **st,
                      char *err, size_t errlen);

/* The columns of the contacts table, in order: a NULL-terminated array
** of strings in one allocation (free() it).  NULL on error or OOM. */
char **lrs_contact_columns(sqlite3 *conn, int *n);

/* Contacts per stage name as stored (NULL stage under ""): calls `fn` for
** each row.  Returns an SQLite code. */
int lrs_stage_counts(sqlite3 *conn,
                     void (*fn)(void *ctx, const char *stage, long long n),
                     void *ctx);

/* While *cancel is non-zero, statements on conn stop with SQLITE_INTERRUPT
** (a progress handler); NULL removes the handler. */
void lrs_watch_cancel(sqlite3 *conn, volatile int *cancel);

/* Prepare the row of contact `id` (SELECT * FROM contacts), or its
** activities ordered by time (type, occurred_at, value, campaign). */
int lrs_contact_row(sqlite3 *conn, long long id, sqlite3_stmt **st);
int lrs_contact_activities(sqlite3 *conn, long long id, sqlite3_stmt **st);

#endif
