/*
** account_all.h -- every contact, then every account, evaluated with one
** policy without writing (account_all.c): backtest --accounts and diff
** --accounts.
*/
#ifndef LR_ACCOUNT_ALL_H
#define LR_ACCOUNT_ALL_H

#include "account_eval.h"

typedef struct lrp_all_opts {
  long long now;
  int jobs;
  volatile int *cancel;
  int (*progress)(void *ctx, long long done, long long total);
  void *progress_ctx;
  const char *what;                   /* "backtest", "diff": for messages */
} lrp_all_opts;

/* Call fn for each account (key order) with its result; fn's non-zero
** return stops and is returned.  Errors set lr_errmsg(p's db). */
int lrp_accounts_all(lr_policy *p, const lrp_all_opts *o, lrp_acc_fn fn,
                     void *ctx);

#endif
