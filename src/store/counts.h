/*
** counts.h -- small read-only counts the Lua objects ask for
** (stage.mql:count(), segment.x:count()), and the guard for segment SQL.
*/
#ifndef LR_COUNTS_H
#define LR_COUNTS_H

#include <stddef.h>

#include "snap.h"

/* Contacts in `stage`; when is_first, contacts with no stage count too.
** Returns an LR code; lrs_snap_errmsg says why. */
int lrs_count_stage(lrs_snap *snap, const char *stage, int is_first,
                    long long *n);
/* Contacts matching a segment's `where` SQL (run under the authorizer).
** LR code; err says why when the SQL is at fault (else lrs_snap_errmsg). */
int lrs_count_where(lrs_snap *snap, const char *where, long long *n,
                    char *err, size_t errlen);
/* Members recorded for a segment by the last run.  LR code. */
int lrs_count_members(lrs_snap *snap, const char *segment, long long *n);
/* Check that a segment's `where` SQL prepares under the read-only
** authorizer (reads of contacts, activities and outcomes only), without
** running it.  LR_OK, or an LR code with err saying why in user terms. */
int lrs_where_check(lrs_snap *snap, const char *where, char *err,
                    size_t errlen);

#endif
