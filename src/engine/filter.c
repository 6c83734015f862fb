/*
** filter.c -- chunks of a filtered run (see filter.h).  A chunk holds
** LRP_FILTER_IDS ids of the set, in order, so the writer still consumes
** contacts in id order and round-robin routing advances exactly as a
** full run over the same contacts would.
*/
#include <stdio.h>

#include "filter.h"

int lrp_filter_check(const long long *ids, long long n, char *err,
                     size_t errlen) {
  for (long long i = 0; i < n; i++)
    if (ids[i] <= 0 || (i && ids[i] <= ids[i - 1])) {
      snprintf(err, errlen, "ids[%lld] = %lld: contact ids must be positive "
               "and strictly increasing", i, ids[i]);
      return LR_MISUSE;
    }
  return LR_OK;
}

long long lrp_filter_chunks(const lrp_filter *f) {
  return (f->n + LRP_FILTER_IDS - 1) / LRP_FILTER_IDS;
}

static long long first(const lrp_chunk *c) { return c->k * LRP_FILTER_IDS; }

static long long count(const lrp_filter *f, const lrp_chunk *c) {
  long long left = f->n - first(c);
  return left < LRP_FILTER_IDS ? left : LRP_FILTER_IDS;
}

void lrp_filter_range(const lrp_filter *f, lrp_chunk *c) {
  c->lo = f->ids[first(c)];
  c->hi = f->ids[first(c) + count(f, c) - 1];
}

int lrp_filter_scan(const lrp_filter *f, const lrp_chunk *c, lrs_scan *s) {
  return lrs_scan_ids(s, f->ids + first(c), count(f, c));
}
