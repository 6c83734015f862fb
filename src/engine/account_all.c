/*
** account_all.c -- evaluate every contact with a policy, then every
** account, writing nothing: what backtest --accounts and diff --accounts
** measure.  Contacts go through lrp_worker + lrp_eval_contact in id
** chunks on the pool's threads (the path lr_run takes), each matched
** contact's result of THIS evaluation kept as a member of its account;
** then the accounts, in key order, on the policy's main Lua state.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_all.h"
#include "pool.h"

typedef struct all_ctx {
  lrp_members *all;
  int ngroups;
} all_ctx;

static int slot_init(void *ctx, void *slot) {
  (void)ctx;
  lrp_members_init(slot);
  return LR_OK;
}

static void slot_free(void *ctx, void *slot) {
  (void)ctx;
  lrp_members_free(slot);
}

static int on_chunk(void *ctx, lrp_worker *w, lrp_chunk *c) {
  (void)ctx;
  lrp_members *ms = c->slot;
  ms->n = 0;
  lra_reset(&ms->arena);
  int src = lrs_scan_range(w->scan, c->lo, c->hi);
  const lrs_contact *k;
  int got = 0;
  while (src == LR_OK && (got = lrs_scan_next(w->scan, &k)) == 1) {
    int rc = lrp_eval_contact(&w->ev, k, &w->res);
    if (rc != LR_OK) {
      snprintf(c->err, sizeof c->err, "%s", w->ev.err);
      return rc;
    }
    c->evaluated++;
    rc = lrp_members_add(ms, &w->in->m, w->in, k, &w->res, w->ev.now);
    if (rc != LR_OK) {
      snprintf(c->err, sizeof c->err, "out of memory");
      return rc;
    }
  }
  if (src == LR_OK && got < 0) src = -got;
  if (src != LR_OK) return lrp_worker_scan_error(w, src, c->err, sizeof c->err);
  return LR_OK;
}

static int on_consume(void *ctx, lrp_chunk *c) {
  all_ctx *x = ctx;
  int rc = lrp_members_append(x->all, c->slot, x->ngroups);
  if (rc != LR_OK) snprintf(c->err, sizeof c->err, "out of memory");
  return rc;
}

int lrp_accounts_all(lr_policy *p, const lrp_all_opts *o, lrp_acc_fn fn,
                     void *ctx) {
  lr_db *db = p->db;
  lrp_instance *in = &p->main;
  long long total = 0, lo = 0, hi = -1;
  lrs_snap *snap = lrs_snap_main(db);
  if (lrs_contact_span(snap, &total, &lo, &hi) != LR_OK)
    return lrs_snap_report(snap, "counting contacts");
  lrp_members all;
  lrp_members_init(&all);
  all_ctx x = { &all, in->m.ngroups };
  lrp_pool pl = {
    .policy = { p }, .npolicies = 1,
    .now = o->now, .cancel = o->cancel, .jobs = o->jobs, .lo = lo, .hi = hi,
    .total = total, .ctx = &x, .slot_size = sizeof(lrp_members),
    .slot_init = slot_init, .slot_free = slot_free, .chunk = on_chunk,
    .consume = on_consume, .progress = o->progress,
    .progress_ctx = o->progress_ctx,
  };
  int rc = lrp_pool_run_as(&pl, db, o->what);
  lrs_accounts accounts;
  memset(&accounts, 0, sizeof accounts);
  if (rc == LR_OK && lrs_accounts_load(snap, NULL, &accounts) != LR_OK)
    rc = lrs_snap_report(snap, "reading accounts");
  if (rc == LR_OK) {
    lrp_members_sort(&all);
    lrp_acc_eval ae;
    lrp_acc_eval_init(&ae, in, snap, o->now);
    rc = lrp_accounts_each(&ae, &accounts, &all, fn, ctx);
    if (rc != LR_OK) lr__err(db, rc, "%s", ae.err[0] ? ae.err : "out of memory");
    lrp_acc_eval_free(&ae);
  }
  lrs_accounts_free(&accounts);
  lrp_members_free(&all);
  return rc;
}
