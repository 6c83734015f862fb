/*
** worker.h -- a worker: one Lua instance, one read snapshot and one
** contact scan.  Used by run, and by the commands that evaluate without
** writing (explain, backtest, diff).
*/
#ifndef LR_WORKER_H
#define LR_WORKER_H

#include "../store/scan.h"
#include "eval.h"

typedef struct lrp_worker {
  lr_policy *p;
  lrp_instance *in;                 /* own instance, or the policy's main */
  int own;
  lrs_snap *snap;                   /* the store's snapshot it reads */
  lrs_scan *scan;
  lrp_eval ev;
  lrp_result res;
  int *rule_order, *seg_order;      /* indexes sorted by name */
} lrp_worker;

/* Open a worker; own_instance loads the policy into a new Lua state
** (needed for threads).  On error err says why; close it anyway. */
int lrp_worker_open(lrp_worker *w, lr_policy *p, int own_instance,
                    long long now, int override_manual, volatile int *cancel,
                    char *err, size_t errlen);
void lrp_worker_close(lrp_worker *w);
/* An error src (an LR code) from the worker's scan: a cancel, a
** runaway SQL segment (named by its declaration), or a store error, into
** err.  Returns the LR code. */
int lrp_worker_scan_error(lrp_worker *w, int src, char *err, size_t errlen);

/* lr_run on w, a worker the caller opened on p's main instance (one job,
** on the calling thread; w stays open): lr_apply_events keeps one between
** calls.  NULL: lr_run itself. */
int lrp_run_on(lr_policy *p, const lr_run_opts *opts, lr_run_result *result,
               lrp_worker *w);

#endif
