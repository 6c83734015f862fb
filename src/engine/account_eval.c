/*
** account_eval.c -- evaluate one account: account rules, grades, account
** transitions, account handoff (order: account_eval.h).  Rules, grades,
** transitions and recycling are the contact's steps (steps.c) on the
** account model (in->acc), so that an account behaves as a contact does;
** what differs is the object the policy's functions receive (the account,
** account_object.c), how routers read fields, and that accounts have no
** manual lock.
*/
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lua/host.h"
#include "../store/query.h"
#include "account_eval.h"
#include "objects.h"
#include "steps.h"

int lrp_acc_eval_init(lrp_acc_eval *ae, lrp_instance *in, lrs_snap *snap,
                      long long now) {
  memset(ae, 0, sizeof *ae);
  ae->in = in;
  ae->L = in->rt->L;
  ae->snap = snap;
  ae->rows = snap ? lrs_row_cache_new(snap) : NULL;   /* NULL: read direct */
  ae->now = now;
  ae->list_ref = LUA_NOREF;
  ae->ud_ref = LUA_NOREF;
  ae->fields_ref = LUA_NOREF;
  lua_pushinteger(ae->L, (lua_Integer)now);   /* the run's clock */
  lrl_setglobal(ae->L, "now");
  lrx_account_open(ae->L, ae);
  return LR_OK;
}

void lrp_acc_eval_free(lrp_acc_eval *ae) {
  if (!ae->L) return;
  lrs_row_cache_free(ae->rows);
  ae->rows = NULL;
  if (ae->ud_ref != LUA_NOREF) luaL_unref(ae->L, LUA_REGISTRYINDEX, ae->ud_ref);
  if (ae->list_ref != LUA_NOREF) luaL_unref(ae->L, LUA_REGISTRYINDEX, ae->list_ref);
  if (ae->fields_ref != LUA_NOREF)
    luaL_unref(ae->L, LUA_REGISTRYINDEX, ae->fields_ref);
  lua_pushnil(ae->L);
  lua_setfield(ae->L, LUA_REGISTRYINDEX, "leadrules.acc_eval");
  ae->L = NULL;
}

static void call_with_account(lrp_acc_eval *ae, int ref) {
  lua_State *L = ae->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  lrx_push_account(L, ae);
  lua_call(L, 1, 1);
}

static void step_begin(lrp_acc_eval *ae) {
  if (ae->trace) lrb_reset(ae->trace);
}

static void step_end(lrp_acc_eval *ae, int kind, int i, double pts, int fired) {
  if (ae->on_step) ae->on_step(ae, kind, i, pts, fired);
}

static int start_stage(lua_State *L, lrp_acc_eval *ae) {
  const lrp_model *m = &ae->in->acc;
  lrp_result *r = ae->r;
  int st = -2;
  if (!m->nstages) st = -3;                  /* no account stages at all */
  else if (ae->a->stage && *ae->a->stage) st = lrp_stage_find(m, ae->a->stage);
  if (st == -1)
    return lrp_fail_at(L, m->stages[0].where, "account stage '%s' is not "
                   "declared by the policy", ae->a->stage);
  if (st == -2) {
    st = 0;
    lrp_add_move(r, -1, 0, -1);
  }
  if (st == -3) st = -1;
  r->start_stage = st;
  ae->cur_stage = st;
  return 0;
}

/* The steps shared with contacts (steps.c), on the account. */
static void steps_call(void *obj, int ref) { call_with_account(obj, ref); }
static void steps_begin(void *obj) { step_begin(obj); }
static void steps_end(void *obj, int kind, int i, double pts, int fired) {
  step_end(obj, kind, i, pts, fired);
}

static lrp_steps steps_of(lrp_acc_eval *ae) {
  lrp_steps s = { ae->L, &ae->in->acc, ae->r, "account_rule", ae,
                  steps_call, steps_begin, steps_end };
  return s;
}

/* Field routers read the account's fields. */
static int resolve_router(lrp_acc_eval *ae, int ri) {
  const lrp_model *m = &ae->in->m;
  for (int depth = 0; depth < 32 && ri >= 0; depth++) {
    const lrp_router *ro = &m->routers[ri];
    if (ro->kind != LRP_ROUTER_FIELD) return ri;
    char buf[256];
    const char *v = lrp_json_get(ae->a->data, ro->field, buf, sizeof buf, NULL);
    int next = ro->fallback;
    for (int k = 0; v && k < ro->nvalues; k++)
      if (strcasecmp(ro->values[k], v) == 0) { next = ro->targets[k]; break; }
    ri = next;
  }
  return ri;
}

static int eval_handoff(lrp_acc_eval *ae) {
  const lrp_model *m = &ae->in->acc;
  lrp_result *r = ae->r;
  int has_owner = lrp_owner_after_moves(m, ae->a->owner && *ae->a->owner, r);
  for (int h = 0; h < m->nhandoffs && r->stage >= 0; h++) {
    const lrp_handoff *ho = &m->handoffs[h];
    if (ho->stage != r->stage) continue;
    int entered, kept;
    lrp_handoff_entry(m, r, &entered, &kept);
    if ((!entered || kept) && has_owner) break;
    if (entered && !kept) r->clear_owner = 1;
    int leaf = resolve_router(ae, ho->router);
    if (leaf < 0) break;
    const lrp_router *ro = &ae->in->m.routers[leaf];
    lrp_steps st = steps_of(ae);
    if (ro->kind == LRP_ROUTER_FN &&
        !lrp_steps_assign(&st, "account_handoff", ho, ro))
      break;
    r->handoff = h;
    r->leaf_router = leaf;
    step_end(ae, LR_EX_HANDOFF, h, 0, 1);
    break;
  }
  return 0;
}

static int eval_all(lua_State *L) {
  lrp_acc_eval *ae = (lrp_acc_eval *)lua_touserdata(L, 1);
  start_stage(L, ae);
  lrp_steps st = steps_of(ae);
  ae->phase = LRP_PHASE_RULES;
  lrp_steps_rules(&st);
  lrp_steps_grades(&ae->in->acc, ae->r);
  ae->phase = LRP_PHASE_TRANSITIONS;
  lrp_steps_transitions(&st, &ae->cur_stage, 0);
  ae->r->stage = ae->cur_stage;
  ae->phase = LRP_PHASE_HANDOFF;
  eval_handoff(ae);
  ae->phase = LRP_PHASE_IDLE;
  return 0;
}

static void reset(const lrp_model *m, lrp_result *r) {
  r->score = 0;
  memset(r->group, 0, (size_t)m->ngroups * sizeof *r->group);
  memset(r->part, 0, (size_t)m->nrules * sizeof *r->part);
  memset(r->fired, 0, (size_t)m->nrules);
  r->nmoves = 0;
  r->stage = -1;
  r->handoff = -1;
  r->leaf_router = -1;
  r->clear_owner = 0;
  r->via_account = 0;
  free(r->fn_owner);
  r->fn_owner = NULL;
}

int lrp_acc_eval_account(lrp_acc_eval *ae, const lrs_account *a,
                         const lrp_member *mem, int nmem, lrp_result *r) {
  lua_State *L = ae->L;
  reset(&ae->in->acc, r);
  ae->a = a;
  ae->mem = mem;
  ae->nmem = nmem;
  ae->r = r;
  if (ae->list_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ae->list_ref);
  ae->list_ref = LUA_NOREF;              /* contact tables: built on use */
  lua_pushlightuserdata(L, ae);
  lua_setfield(L, LUA_REGISTRYINDEX, "leadrules.acc_eval");
  lrl_budget_reset(ae->in->rt);
  lua_pushcfunction(L, eval_all);
  lua_pushlightuserdata(L, ae);
  int rc = lrl_pcall(ae->in->rt, 1, 0);
  ae->phase = LRP_PHASE_IDLE;
  if (rc != LR_OK) {
    const char *msg = ae->in->rt->errmsg;
    const char *p = strstr(msg, ": ");
    /* "file:LINE: msg" -> "file:LINE: account KEY: msg" */
    if (p && p > msg && p[-1] >= '0' && p[-1] <= '9')
      snprintf(ae->err, sizeof ae->err, "%.*s: account %.200s: %.1500s",
               (int)(p - msg), msg, a->key, p + 2);
    else
      snprintf(ae->err, sizeof ae->err, "account %.200s: %.1800s", a->key, msg);
    lrb_utf8_scrub(ae->err);         /* a run stores it: UTF-8 text only */
  }
  return rc;
}

int lrp_accounts_each(lrp_acc_eval *ae, const lrs_accounts *accounts,
                      const lrp_members *ms, lrp_acc_fn fn, void *ctx) {
  lrp_result r;
  if (lrp_result_init(&r, &ae->in->acc) != LR_OK) {
    snprintf(ae->err, sizeof ae->err, "out of memory");
    return LR_NOMEM;
  }
  long long j = 0;
  int rc = LR_OK;
  for (int i = 0; i < accounts->n && rc == LR_OK; i++) {
    const lrs_account *a = &accounts->v[i];
    while (j < ms->n && strcmp(ms->v[j].account, a->key) < 0) j++;
    long long k = j;
    while (k < ms->n && strcmp(ms->v[k].account, a->key) == 0) k++;
    rc = lrp_acc_eval_account(ae, a, ms->v + j, (int)(k - j), &r);
    if (rc == LR_OK) rc = fn(ctx, ae, a, &r);
    j = k;
  }
  lrp_result_free(&r);
  return rc;
}
