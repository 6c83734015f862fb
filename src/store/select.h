/*
** select.h -- the contacts a script asks for with leads{stage=, where=,
** segment=}: a stream of ids in increasing order, filtered in SQL (stage
** and `where` in one statement under the read-only authorizer, segment
** through segment_members), read in batches by keyset so that no
** statement stays open between batches.
*/
#ifndef LR_SELECT_H
#define LR_SELECT_H

#include <stddef.h>

#include "snap.h"

typedef struct lrs_select lrs_select;

/* Any of stage, where, segment may be NULL.  Returns an LR code; err
** says why (e.g. the `where` SQL does not prepare).  snap must outlive
** the stream. */
int lrs_select_open(lrs_snap *snap, const char *stage, const char *where,
                    const char *segment, lrs_select **out, char *err,
                    size_t errlen);
/* Up to max ids (increasing); *n == 0 at the end.  LR code; err says
** why ("SQL failed: ..."), and lrs_snap_overrun() whether the `where`
** ran over the budget of lrs_scan_limits. */
int lrs_select_next(lrs_select *s, long long *ids, int max, int *n,
                    char *err, size_t errlen);
void lrs_select_close(lrs_select *s);

#define LRS_DISTINCT_STAGES 1     /* the known stages: in contacts, their
                                     history, or declared by the last run */
#define LRS_DISTINCT_SEGMENTS 2   /* segments recorded by the last run */
/* Call cb for each distinct name (non-zero stops); LR code. */
int lrs_distinct(lrs_snap *snap, int what,
                 int (*cb)(void *ctx, const char *name), void *ctx);

#endif
