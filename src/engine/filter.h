/*
** filter.h -- a run over a set of contacts (lr_run_opts.ids): the same
** pool, scan and writer as a full run, with chunks cut from the sorted id
** set instead of from the id span, and the scan reading only those ids.
*/
#ifndef LR_FILTER_H
#define LR_FILTER_H

#include "pool.h"

#define LRP_FILTER_IDS 512            /* ids per chunk of a filtered run */

typedef struct lrp_filter {
  const long long *ids;               /* strictly increasing */
  long long n;
} lrp_filter;

/* LR_OK when ids[0..n) is strictly increasing and positive, else
** LR_MISUSE with err saying where it is not. */
int lrp_filter_check(const long long *ids, long long n, char *err,
                     size_t errlen);
/* Chunks the set splits into. */
long long lrp_filter_chunks(const lrp_filter *f);
/* Set chunk c's id bounds from c->k (the pool's range() callback). */
void lrp_filter_range(const lrp_filter *f, lrp_chunk *c);
/* Point the scan at chunk c's ids.  LR code, as lrs_scan_range. */
int lrp_filter_scan(const lrp_filter *f, const lrp_chunk *c, lrs_scan *s);

#endif
