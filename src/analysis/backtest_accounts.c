/*
** backtest_accounts.c -- the evaluation behind backtest --accounts:
** every contact, then every account, with the policy being measured
** (lrp_accounts_all); only (score, label, stage) per account is left for
** the figures (backtest.c).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/account_all.h"
#include "../util/grow.h"
#include "backtest.h"

typedef struct bt_acc_ctx {
  lrp_bt_acc *out;
  const lrp_model *m;                 /* the account model */
} bt_acc_ctx;

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
  if (lrp_bt_acc_init(out, &p->main.acc) != LR_OK)
    return lr__err(p->db, LR_NOMEM, "out of memory");
  bt_acc_ctx x = { out, &p->main.acc };
  lrp_all_opts ao = { now, o->jobs, o->cancel, o->progress, o->progress_ctx,
                      "backtest" };
  return lrp_accounts_all(p, &ao, on_account, &x);
}
