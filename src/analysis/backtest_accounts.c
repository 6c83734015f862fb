/*
** backtest_accounts.c -- the evaluation behind backtest --accounts: every
** contact through lrp_worker + lrp_eval_contact in id chunks (as
** lr_backtest and lr_run), each matched contact's result of THIS
** evaluation kept as a member of its account, then every account through
** the account evaluation on the policy's main state.  Only (score, label,
** stage) per account is left for the figures (backtest.c).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/account_eval.h"
#include "../engine/pool.h"
#include "../util/grow.h"
#include "backtest.h"

typedef struct bt_acc_ctx {
  lrp_members *all;
  lrp_bt_acc *out;
  const lrp_model *m;                 /* the account model */
  int ngroups;                        /* contact groups (members' groups) */
} bt_acc_ctx;

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
  bt_acc_ctx *x = ctx;
  int rc = lrp_members_append(x->all, c->slot, x->ngroups);
  if (rc != LR_OK) snprintf(c->err, sizeof c->err, "out of memory");
  return rc;
}

/* One account: its label from its contacts' outcomes, its record. */
static int on_account(void *ctx, lrp_acc_eval *ae, const lrs_account *a,
                      lrp_result *r) {
  bt_acc_ctx *x = ctx;
  lrp_bt_acc *o = x->out;
  (void)a;
  o->evaluated++;
  int label = -1;
  for (int i = 0; i < ae->nmem; i++) {
    if (ae->mem[i].outcome == 1) label = 1;
    else if (ae->mem[i].outcome == 0 && label < 0) label = 0;
  }
  if (label < 0) {
    o->excluded++;
    return LR_OK;
  }
  lrp_bt_rec *v = lru_grow(o->v, o->n, &o->cap, sizeof *v, 256);
  if (!v) return LR_NOMEM;
  o->v = v;
  lrp_bt_rec *rec = &o->v[o->n++];
  rec->score = r->score;
  rec->stage = r->stage;
  rec->label = label;
  for (int i = 0; i < x->m->nrules; i++)
    if (r->fired[i]) {
      o->rule_n[i]++;
      o->rule_pos[i] += label;
    }
  if (r->stage >= 0) {
    o->stage_n[r->stage]++;
    o->stage_pos[r->stage] += label;
  }
  return LR_OK;
}

int lrp_bt_accounts_evaluate(lr_policy *p, const lr_backtest_opts *o,
                             long long now, lrp_bt_acc *out) {
  lr_db *db = p->db;
  lrp_instance *in = &p->main;
  if (lrp_bt_acc_init(out, &in->acc) != LR_OK)
    return lr__err(db, LR_NOMEM, "out of memory");
  long long total = 0, lo = 0, hi = -1;
  lrs_snap *snap = lrs_snap_main(db);
  if (lrs_contact_span(snap, &total, &lo, &hi) != LR_OK)
    return lrs_snap_report(snap, "counting contacts");
  lrp_members all;
  lrp_members_init(&all);
  bt_acc_ctx x = { &all, out, &in->acc, in->m.ngroups };
  lrp_pool pl = {
    .policy = { p }, .npolicies = 1,
    .now = now, .cancel = o->cancel, .jobs = o->jobs, .lo = lo, .hi = hi,
    .total = total, .ctx = &x, .slot_size = sizeof(lrp_members),
    .slot_init = slot_init, .slot_free = slot_free, .chunk = on_chunk,
    .consume = on_consume, .progress = o->progress,
    .progress_ctx = o->progress_ctx,
  };
  int rc = lrp_pool_run_as(&pl, db, "backtest");
  lrs_accounts accounts;
  memset(&accounts, 0, sizeof accounts);
  if (rc == LR_OK && lrs_accounts_load(snap, NULL, &accounts) != LR_OK)
    rc = lrs_snap_report(snap, "reading accounts");
  if (rc == LR_OK) {
    lrp_members_sort(&all);
    lrp_acc_eval ae;
    lrp_acc_eval_init(&ae, in, snap, now);
    rc = lrp_accounts_each(&ae, &accounts, &all, on_account, &x);
    if (rc != LR_OK) lr__err(db, rc, "%s", ae.err[0] ? ae.err : "out of memory");
    lrp_acc_eval_free(&ae);
  }
  lrs_accounts_free(&accounts);
  lrp_members_free(&all);
  return rc;
}
