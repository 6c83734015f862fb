/*
** account_explain.c -- lr_explain_account: why an account has its score
** and stage.  Its contacts are evaluated through the one contact
** evaluation (eval.c) with the policy being explained, so that a new
** policy is explained with its own results, then the account through the
** account evaluation (account_eval.c) with every read traced.  Nothing is
** written; a round robin's owner is the one a run would pick now.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_run.h"
#include "routing.h"
#include "worker.h"

typedef struct xitem {
  int kind;
  char *name, *group, *detail, *where, *note;
  double points;
  int fired;
} xitem;

typedef struct xacc {
  xitem *v;
  int n, cap;
  lr_arena arena;
  int oom;
} xacc;

static xitem *add(xacc *x, int kind, const char *name, double points,
                  int fired, const char *detail) {
  if (x->n == x->cap) {
    int cap = x->cap ? x->cap * 2 : 32;
    xitem *v = realloc(x->v, (size_t)cap * sizeof *v);
    if (!v) { x->oom = 1; return NULL; }
    x->v = v;
    x->cap = cap;
  }
  xitem *it = &x->v[x->n++];
  memset(it, 0, sizeof *it);
  it->kind = kind;
  it->name = name ? lra_strdup(&x->arena, name) : NULL;
  it->detail = detail ? lra_strdup(&x->arena, detail) : NULL;
  it->points = points;
  it->fired = fired;
  return it;
}

static void on_step(lrp_acc_eval *ae, int kind, int i, double pts, int fired) {
  xacc *x = ae->step_ctx;
  const lrp_model *m = &ae->in->acc;
  const char *reads = ae->trace && ae->trace->n ? lrb_str(ae->trace) : NULL;
  if (kind == LR_EX_RULE) {
    xitem *it = add(x, kind, m->rules[i].name, pts, fired, reads);
    if (it && m->rules[i].group) it->group = lra_strdup(&x->arena, m->rules[i].group);
    if (it) it->where = lra_strdup(&x->arena, m->rules[i].where);
  } else if (kind == LR_EX_TRANSITION) {
    char name[200];
    snprintf(name, sizeof name, "%s->%s", m->stages[ae->cur_stage].name,
             m->stages[m->transitions[i].to].name);
    xitem *it = add(x, kind, name, 0, fired, reads);
    if (it) it->where = lra_strdup(&x->arena, m->transitions[i].where);
  }
}

static void add_groups(xacc *x, const lrp_model *m, const lrp_result *r) {
  for (int g = 0; g < m->ngroups; g++) {
    const char *letter = NULL;
    for (int k = 0; k < m->ngrades; k++)
      if (m->grades[k].group && strcmp(m->grades[k].group, m->groups[g]) == 0)
        letter = r->grades[k];
    add(x, LR_EX_GROUP, m->groups[g], r->group[g], 0, letter);
  }
  add(x, LR_EX_GROUP, "total", r->score, 0, NULL);
}

static void add_handoff(xacc *x, lrp_acc_eval *ae, const lrp_result *r,
                        lr_db *db, long long now) {
  const lrp_model *m = &ae->in->acc;
  if (r->stage < 0) return;
  const char *owner = NULL;
  char note[256] = "";
  if (r->handoff >= 0) {
    lrp_routing rt;
    memset(&rt, 0, sizeof rt);
    if (r->fn_owner) owner = r->fn_owner;
    else if (lrp_routing_init(&rt, db, &ae->in->m, now) == LR_OK)
      owner = lrp_route_peek(&rt, r->leaf_router);
    snprintf(note, sizeof note, "%s", owner ? "a run hands the account to "
             "this owner" : "nobody is free today; a later run assigns it");
    xitem *it = add(x, LR_EX_HANDOFF, m->stages[r->stage].name, 0,
                    owner != NULL, owner);
    if (it) it->note = lra_strdup(&x->arena, note);
    if (rt.db) lrp_routing_free(&rt);
    return;
  }
  xitem *it = add(x, LR_EX_HANDOFF, m->stages[r->stage].name, 0, 0,
                  ae->a->owner);
  if (it) it->note = lra_strdup(&x->arena, ae->a->owner ? "keeps its owner"
                                : "no handoff for this stage");
}

static int emit(const xacc *x, lr_explain_fn cb, void *ctx) {
  static const int order[] = {LR_EX_CONTACT, LR_EX_MEMBER, LR_EX_RULE,
                              LR_EX_GROUP, LR_EX_TRANSITION, LR_EX_HANDOFF};
  for (size_t o = 0; o < sizeof order / sizeof *order; o++)
    for (int i = 0; i < x->n; i++) {
      const xitem *v = &x->v[i];
      if (v->kind != order[o]) continue;
      lr_explain_item e = { v->kind, v->name, v->group, v->points, v->fired,
                            v->detail, v->where, v->note };
      if (cb(ctx, &e)) return 1;
    }
  return 0;
}

/* Evaluate the account into x: its contacts, then itself. */
static int explain_into(xacc *x, lrp_worker *w, const lrs_account *a,
                        long long now, char *err, size_t errlen) {
  lrp_members ms;
  lrp_members_init(&ms);
  int rc = lrp_account_members(w, a->key, &ms, err, errlen);
  xitem *head = add(x, LR_EX_CONTACT, a->key, a->score, 0, a->stage);
  if (head && a->owner) head->note = lra_strdup(&x->arena, a->owner);
  for (long long i = 0; rc == LR_OK && i < ms.n; i++) {
    const lrp_member *mb = &ms.v[i];
    xitem *it = add(x, LR_EX_MEMBER, mb->key, mb->score, 0,
                    mb->stage >= 0 ? w->in->m.stages[mb->stage].name : NULL);
    if (it && mb->grade) it->group = lra_strdup(&x->arena, mb->grade);
  }
  lrp_acc_eval ae;
  lr_buf trace = LR_BUF_INIT;
  lrp_result r;
  memset(&r, 0, sizeof r);
  if (rc == LR_OK) rc = lrp_result_init(&r, &w->in->acc);
  if (rc == LR_OK) {
    lrp_members_sort(&ms);
    lrp_acc_eval_init(&ae, w->in, w->snap, now);
    ae.trace = &trace;
    ae.on_step = on_step;
    ae.step_ctx = x;
    rc = lrp_acc_eval_account(&ae, a, ms.v, (int)ms.n, &r);
    if (rc != LR_OK) snprintf(err, errlen, "%s", ae.err);
    if (rc == LR_OK) {
      add_groups(x, &w->in->acc, &r);
      add_handoff(x, &ae, &r, w->p->db, now);
    }
    lrp_acc_eval_free(&ae);
  }
  lrp_result_free(&r);
  lrb_free(&trace);
  lrp_members_free(&ms);
  return rc == LR_OK && x->oom ? LR_NOMEM : rc;
}

int lr_explain_account(lr_policy *p, const char *key, long long now,
                       lr_explain_fn cb, void *ctx) {
  if (!lrp_policy_ok(p)) return LR_MISUSE;
  lr_db *db = p->db;
  if (!key || !cb)
    return lr__err(db, LR_MISUSE, "lr_explain_account: no key or callback");
  if (lr__clock(db, now, "lr_explain_account", &now) != LR_OK)
    return lr_errcode(db);
  lrp_worker w;
  char err[2048] = "";
  int rc = lrp_worker_open(&w, p, 0, now, 0, NULL, err, sizeof err);
  lrs_accounts one;
  memset(&one, 0, sizeof one);
  if (rc == LR_OK && lrs_accounts_load(w.snap, key, &one) != LR_OK) {
    rc = LR_ERROR;
    snprintf(err, sizeof err, "explain: %s", lrs_snap_errmsg(w.snap));
  }
  if (rc == LR_OK && one.n == 0) {
    rc = LR_NOTFOUND;
    snprintf(err, sizeof err, "no account with key '%s' (`leadrules export "
             "--accounts` lists them)", key);
  }
  xacc x;
  memset(&x, 0, sizeof x);
  lra_init(&x.arena, 8192);
  if (rc == LR_OK) rc = explain_into(&x, &w, &one.v[0], now, err, sizeof err);
  if (rc == LR_OK && emit(&x, cb, ctx))
    rc = lr__err(db, LR_INTERRUPT, "explain stopped by the callback");
  else if (rc != LR_OK)
    lr__err(db, rc, "%s", err[0] ? err : lr_errstr(rc));
  free(x.v);
  lra_free(&x.arena);
  lrs_accounts_free(&one);
  lrp_worker_close(&w);
  return rc == LR_OK ? lr__ok(db) : rc;
}
