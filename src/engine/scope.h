/*
** scope.h -- which contacts a run evaluates: every one ("full"), the
** caller's set (lr_run_opts.ids: "ids"), or, for run --changed, those
** whose result can differ from the last run's ("changed"), else every
** one and why (docs/incremental.md).  Decided inside the run's write
** transaction, so nothing changes between the choice and the run.
*/
#ifndef LR_SCOPE_H
#define LR_SCOPE_H

#include "../store/changed.h"
#include "filter.h"

typedef struct lrp_scope {
  const char *name;                   /* "full", "changed" or "ids" */
  int filtered;                       /* filter holds the contacts */
  lrp_filter filter;
  int reason;                         /* LR_FULL_*: why --changed is full */
  char why[256];
  lrs_changed changed;
} lrp_scope;

/* Choose the scope of a run of p with options o at now.  forced (an
** LR_FULL_* code, with why) makes a --changed run full.  LR code. */
int lrp_scope_choose(lr_policy *p, const lr_run_opts *o, long long now,
                     int forced, const char *why, lrp_scope *sc);
void lrp_scope_free(lrp_scope *sc);

#endif
