/*
** changed.h -- what run --changed reads and records (MIGRATION_4,
** docs/incremental.md): the last complete run of the policy, the
** contacts that changed since or whose stable_until has come, and each
** run's scope.
*/
#ifndef LR_CHANGED_H
#define LR_CHANGED_H

#include "store.h"

/* Why a run --changed evaluates every contact (lr_run_full_reason). */
typedef struct lrs_changed {
  int reason;                     /* LR_FULL_*; LR_FULL_NONE: incremental */
  char why[256];                  /* for people */
  long long base;                 /* the run compared with */
  long long *ids;                 /* the contacts to evaluate (malloc) */
  long long n;
} lrs_changed;

/* Inside the run's write transaction: find the last complete run (scope
** 'full' or 'changed') and, when it can stand for this one (same policy
** hash, no run of another policy since, no run that read other contacts,
** a clock not before its), the ids of the contacts whose change_mark is
** at or after it or whose stable_until is at or before now, in order.
** Else out->reason says why not.  LR code. */
int lrs_changed_find(lr_db *db, const char *hash, long long now,
                     lrs_changed *out);
void lrs_changed_free(lrs_changed *c);
/* Record that a rule of the run read other contacts (runs.reads_others;
** default 0, so only such runs write it). */
int lrs_run_reads_others(lr_db *db, long long run_id);

#endif
