/*
** counts.h -- small read-only counts the Lua objects ask for
** (stage.mql:count(), segment.x:count()).
*/
#ifndef LR_COUNTS_H
#define LR_COUNTS_H

#include <sqlite3.h>
#include <stddef.h>

/* Contacts in `stage`; when is_first, contacts with no stage count too.
** Returns an SQLite code. */
int lrs_count_stage(sqlite3 *conn, const char *stage, int is_first,
                    long long *n);
/* Contacts matching a segment's `where` SQL (run under the authorizer). */
int lrs_count_where(sqlite3 *conn, const char *where, long long *n,
                    char *err, size_t errlen);
/* Members recorded for a segment by the last run. */
int lrs_count_members(sqlite3 *conn, const char *segment, long long *n);
/* Prepare user SQL under the read-only authorizer (contacts data only).
** The statement is `head` + "(\n" + where + "\n)" + tail. */
int lrs_prepare_user(sqlite3 *conn, const char *head, const char *where,
                     const char *tail, sqlite3_stmt **st, char *err,
                     size_t errlen);

#endif
