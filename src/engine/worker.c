/*
** worker.c -- a worker: the policy loaded into a Lua instance (its own for
** a thread, or the policy's main one), a read snapshot of the store, and
** a scan of contacts with the policy's SQL segments.
*/
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store.h"
#include "worker.h"

/* The segment whose SQL is the index-th of the policy. */
static const lrp_segment *sql_segment(const lrp_model *m, int index) {
  for (int i = 0; i < m->nsegments; i++)
    if (m->segments[i].sql && m->segments[i].sql_index == index)
      return &m->segments[i];
  return NULL;
}

/* An error from the scan's statements: a cancel, a runaway SQL segment or
** one whose SQL failed (named by its declaration), or a store error.
** Returns the LR code. */
int lrp_worker_scan_error(lrp_worker *w, int src, char *err, size_t errlen) {
  const lrp_model *m = &w->in->m;
  const lrp_segment *seg = sql_segment(m, lrs_scan_overrun(w->scan));
  if (seg) {
    snprintf(err, errlen, "%s: segment '%s': SQL ran over its budget of "
             "%lld steps for one contact", seg->where, seg->name,
             10 * w->in->rt->max_instructions);
    return LR_LIMIT;
  }
  if (src == LR_INTERRUPT) {
    snprintf(err, errlen, "interrupted");
    return LR_INTERRUPT;
  }
  const char *why;
  seg = sql_segment(m, lrs_scan_failed(w->scan, &why));
  if (seg) {
    snprintf(err, errlen, "%s: segment '%s': %s", seg->where, seg->name, why);
    return strstr(why, "too big") ? LR_LIMIT : LR_POLICY;
  }
  snprintf(err, errlen, "reading contacts: %s", lrs_snap_errmsg(w->snap));
  return src == LR_OK ? LR_ERROR : src;
}

/* order[0..n) = 0..n-1 sorted by the name (a char * at name_off) of
** items[i] (an insertion sort: a policy has tens of rules, and equal names
** keep their declared order). */
static void sort_by_name(int *order, int n, const void *items, size_t stride,
                         size_t name_off) {
  const char *base = items;
#define NAME(i) (*(char *const *)(base + (size_t)(i) * stride + name_off))
  for (int i = 0; i < n; i++) {
    int j = i;
    while (j > 0 && strcmp(NAME(order[j - 1]), NAME(i)) > 0) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
#undef NAME
}

int lrp_worker_open(lrp_worker *w, lr_policy *p, int own_instance,
                    long long now, int override_manual, volatile int *cancel,
                    char *err, size_t errlen) {
  memset(w, 0, sizeof *w);
  w->p = p;
  int rc;
  if (own_instance) {
    w->in = calloc(1, sizeof *w->in);
    if (!w->in) return LR_NOMEM;
    w->own = 1;
    rc = lrp_instance_load(w->in, p, err, errlen);
    if (rc != LR_OK) return rc;
    if (w->in->m.nrules != p->main.m.nrules ||
        w->in->m.ntransitions != p->main.m.ntransitions ||
        w->in->m.nsegments != p->main.m.nsegments ||
        w->in->m.nrouters != p->main.m.nrouters) {
      snprintf(err, errlen, "%s: the policy declared different things when "
               "loaded again (declarations must not depend on randomness or "
               "time)", p->name);
      return LR_POLICY;
    }
  } else {
    w->in = &p->main;
  }
  w->in->rt->cancel = cancel;
  /* One snapshot: every chunk sees the same committed state (in memory,
  ** the one connection there is). */
  rc = lrs_snap_open(p->db, &w->snap);
  if (rc != LR_OK) {
    snprintf(err, errlen, "%s", lr_errmsg(p->db));
    return rc;
  }
  const lrp_model *m = &w->in->m;
  const char **sqls = calloc((size_t)m->nsql_segments + 1, sizeof *sqls);
  if (!sqls) return LR_NOMEM;
  for (int i = 0; i < m->nsegments; i++)
    if (m->segments[i].sql_index >= 0)
      sqls[m->segments[i].sql_index] = m->segments[i].sql;
  int bad = -1;
  int src = lrs_scan_open(w->snap, sqls, m->nsql_segments, &w->scan, &bad,
                          err, errlen);
  free(sqls);
  if (src == LR_OK) {
    /* Policy SQL is bounded like policy Lua: the cancel flag stops it, and
    ** a segment gets 10x the instruction budget in VM steps per contact. */
    lrs_scan_limits(w->scan, cancel, 10 * w->in->rt->max_instructions);
    src = lrs_scan_range(w->scan, LLONG_MIN, LLONG_MAX);   /* errors now */
    if (src != LR_OK) return lrp_worker_scan_error(w, src, err, errlen);
  }
  if (src != LR_OK) {
    if (!err[0]) snprintf(err, errlen, "%s", lrs_snap_errmsg(w->snap));
    /* Name the segment whose SQL failed. */
    const lrp_segment *seg = sql_segment(m, bad);
    if (seg) {
      char tmp[1024];
      snprintf(tmp, sizeof tmp, "%s", err);
      snprintf(err, errlen, "%s: %s", seg->where, tmp);
    }
    return src;                     /* LR_POLICY: the segment's SQL */
  }
  const char *const *cols;
  int ncols = lrs_scan_columns(w->scan, &cols);
  rc = lrp_eval_init(&w->ev, w->in, w->snap, cols, ncols, now);
  if (rc != LR_OK) return rc;
  w->ev.override_manual = override_manual;
  rc = lrp_result_init(&w->res, m);
  if (rc != LR_OK) return rc;
  /* Rules and segments in name order, to compare with the stored rows. */
  w->rule_order = calloc((size_t)m->nrules + 1, sizeof *w->rule_order);
  w->seg_order = calloc((size_t)m->nsegments + 1, sizeof *w->seg_order);
  if (!w->rule_order || !w->seg_order) return LR_NOMEM;
  sort_by_name(w->rule_order, m->nrules, m->rules, sizeof *m->rules,
               offsetof(lrp_rule, name));
  sort_by_name(w->seg_order, m->nsegments, m->segments, sizeof *m->segments,
               offsetof(lrp_segment, name));
  return LR_OK;
}

void lrp_worker_close(lrp_worker *w) {
  if (w->ev.in) lrp_eval_free(&w->ev);
  lrp_result_free(&w->res);
  lrs_scan_close(w->scan);
  lrs_snap_close(w->snap);
  if (w->own && w->in) {
    lrp_instance_free(w->in);
    free(w->in);
  } else if (w->in) {
    w->in->rt->cancel = NULL;
  }
  free(w->rule_order);
  free(w->seg_order);
  memset(w, 0, sizeof *w);
}
