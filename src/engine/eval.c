/*
** eval.c -- evaluate one contact: segments, rules, grades, transitions,
** handoff.  The one evaluation path behind run, explain, backtest, diff
** and test.
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
#include "objects.h"
#include "eval.h"
#include "stable.h"
#include "steps.h"

int lrp_result_init(lrp_result *r, const lrp_model *m) {
  memset(r, 0, sizeof *r);
  r->group = calloc((size_t)m->ngroups + 1, sizeof *r->group);
  r->part = calloc((size_t)m->nrules + 1, sizeof *r->part);
  r->fired = calloc((size_t)m->nrules + 1, 1);
  r->member = calloc((size_t)m->nsegments + 1, 1);
  r->grades = calloc((size_t)m->ngrades + 1, sizeof *r->grades);
  r->cap_moves = m->ntransitions + 2;
  r->moves = calloc((size_t)r->cap_moves, sizeof *r->moves);
  if (!r->group || !r->part || !r->fired || !r->member || !r->grades ||
      !r->moves) {
    lrp_result_free(r);
    return LR_NOMEM;
  }
  return LR_OK;
}

void lrp_result_free(lrp_result *r) {
  free(r->group);
  free(r->part);
  free(r->fired);
  free(r->member);
  free(r->grades);
  free(r->moves);
  free(r->fn_owner);
  memset(r, 0, sizeof *r);
}

int lrp_group_find(const lrp_model *m, const char *name) {
  for (int i = 0; i < m->ngroups; i++)
    if (strcmp(m->groups[i], name) == 0) return i;
  return -1;
}

const char *lrp_grade_of(const lrp_grade *g, double v) {
  /* The highest threshold at or below the value; below all: the lowest. */
  for (int i = 0; i < g->n; i++)
    if (v >= g->min[i]) return g->letters[i];
  return g->letters[g->n - 1];
}

int lrp_contact_stage(const lrp_model *m, const lrs_contact *c) {
  if (!c->stage || !*c->stage) return -2;
  return lrp_stage_find(m, c->stage);
}

/* Into the globals' storage, past the freeze: a rule's `now = 0` is then
** refused like any global assignment, never seen by the next contact. */
static void set_now(lua_State *L, long long now) {
  lrl_set_clock(L, now);                /* reads are counted: stable.c */
}

int lrp_eval_init(lrp_eval *ev, lrp_instance *in, lrs_snap *snap,
                  const char *const *colnames, int ncols, long long now) {
  memset(ev, 0, sizeof *ev);
  ev->in = in;
  ev->L = in->rt->L;
  ev->db = in->policy->db;
  ev->snap = snap;
  ev->now = now;
  ev->colnames = colnames;
  ev->ncols = ncols;
  ev->lead_ref = LUA_NOREF;
  in->ev = ev;
  lrx_lead_open(ev->L, ev);
  set_now(ev->L, now);   /* the run's clock, fixed for the whole run */
  return LR_OK;
}

void lrp_eval_free(lrp_eval *ev) {
  if (ev->in && ev->in->ev == ev) ev->in->ev = NULL;
  lrp_stored_accounts_free(ev);
  if (ev->L && ev->lead_ref != LUA_NOREF)
    luaL_unref(ev->L, LUA_REGISTRYINDEX, ev->lead_ref);
  ev->lead_ref = LUA_NOREF;
}

/* Raise "WHERE: message" as a plain string error (no position added). */
int lrp_fail_at(lua_State *L, const char *where, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lua_pushfstring(L, "%s: %s", where, msg);
  return lua_error(L);
}

/* Call registry function `ref` with the lead; leaves one result. */
static void call_with_lead(lrp_eval *ev, int ref) {
  lua_State *L = ev->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  lrx_push_lead(L, ev);
  lua_call(L, 1, 1);
}

static const char *field_text(lrp_eval *ev, const char *field, char *buf,
                              size_t n) {
  for (int i = 0; i < ev->c->ncols && i < ev->ncols; i++) {
    if (strcmp(ev->colnames[i], field) != 0) continue;
    const lrs_value *v = &ev->c->vals[i];
    if (v->type == LRS_STR) return v->s;
    if (v->type == LRS_INT) { snprintf(buf, n, "%lld", v->i); return buf; }
    if (v->type == LRS_FLOAT) { snprintf(buf, n, "%.15g", v->r); return buf; }
    return NULL;
  }
  return NULL;
}

void lrp_add_move(lrp_result *r, int from, int to, int t) {
  if (r->nmoves < r->cap_moves) {
    r->moves[r->nmoves].from = from;
    r->moves[r->nmoves].to = to;
    r->moves[r->nmoves].transition = t;
    r->nmoves++;
  }
}

/* Resolve field routers down to a round robin, fixed owner or function. */
static int resolve_router(lrp_eval *ev, int ri) {
  const lrp_model *m = &ev->in->m;
  for (int depth = 0; depth < 32 && ri >= 0; depth++) {
    const lrp_router *r = &m->routers[ri];
    if (r->kind != LRP_ROUTER_FIELD) return ri;
    char buf[64];
    const char *v = field_text(ev, r->field, buf, sizeof buf);
    int next = r->fallback;
    if (v)
      for (int k = 0; k < r->nvalues; k++)
        if (strcasecmp(r->values[k], v) == 0) { next = r->targets[k]; break; }
    ri = next;
  }
  return ri;
}

static void step_begin(lrp_eval *ev) {
  if (ev->trace) lrb_reset(ev->trace);
}

static void step_end(lrp_eval *ev, int kind, int index, double points,
                     int fired) {
  if (ev->on_step) ev->on_step(ev, kind, index, points, fired);
}

/* The steps of one evaluation.  Each raises a Lua error ("file:LINE:
** message", fail_at) on a value the policy must not return; otherwise it
** returns 0. */

/* The stage the contact starts in: a contact without one enters the
** first funnel stage (an initial move). */
static int start_stage(lua_State *L, lrp_eval *ev) {
  const lrp_model *m = &ev->in->m;
  const lrs_contact *c = ev->c;
  lrp_result *r = ev->r;
  int st = lrp_contact_stage(m, c);
  if (st == -1)
    return lrp_fail_at(L, m->stages[0].where, "stage '%s' is not declared by "
                   "the policy (declare it, or move the contact)", c->stage);
  if (st == -2) {
    st = 0;                                   /* first funnel stage */
    lrp_add_move(r, -1, 0, -1);
  }
  r->start_stage = st;
  ev->cur_stage = st;
  return 0;
}

/* Segment membership: SQL segments from the scan, then Lua ones. */
static int eval_segments(lua_State *L, lrp_eval *ev) {
  const lrp_model *m = &ev->in->m;
  const lrs_contact *c = ev->c;
  lrp_result *r = ev->r;
  for (int i = 0; i < m->nsegments; i++) {
    const lrp_segment *s = &m->segments[i];
    if (s->sql_index >= 0) {
      r->member[i] = c->sql_member ? c->sql_member[s->sql_index] : 0;
      continue;
    }
    r->member[i] = 2;                         /* not yet known */
  }
  for (int i = 0; i < m->nsegments; i++) {
    const lrp_segment *s = &m->segments[i];
    step_begin(ev);
    if (s->sql_index < 0) {
      call_with_lead(ev, s->when_ref);
      r->member[i] = lua_toboolean(L, -1) ? 1 : 0;
      lua_pop(L, 1);
    }
    step_end(ev, LR_EX_SEGMENT, i, 0, r->member[i] == 1);
  }
  return 0;
}

/* The steps shared with accounts (steps.c), on the lead. */
static void steps_call(void *obj, int ref) { call_with_lead(obj, ref); }
static void steps_begin(void *obj) { step_begin(obj); }
static void steps_end(void *obj, int kind, int i, double pts, int fired) {
  step_end(obj, kind, i, pts, fired);
}

static lrp_steps steps_of(lrp_eval *ev) {
  lrp_steps s = { ev->L, &ev->in->m, ev->r, "rule", ev, steps_call,
                  steps_begin, steps_end };
  return s;
}

/* The policy's `total` function, when it has one, replaces the sum; then
** the grades. */
static int eval_total(lua_State *L, lrp_eval *ev) {
  const lrp_model *m = &ev->in->m;
  lrp_result *r = ev->r;
  if (m->total_ref != LUA_NOREF) {
    call_with_lead(ev, m->total_ref);
    if (lua_type(L, -1) != LUA_TNUMBER)
      return lrp_fail_at(L, m->total_where, "total returned %s (it must "
                     "return a number)", luaL_typename(L, -1));
    double t = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (isnan(t) || isinf(t))
      return lrp_fail_at(L, m->total_where, "total returned %s (the score "
                     "must be a finite number)",
                     isnan(t) ? "nan" : t > 0 ? "inf" : "-inf");
    r->score = t;
  }
  lrp_steps_grades(m, r);
  return 0;
}

int lrp_manual_lock(const lrs_contact *c, long long now,
                    int override_manual) {
  if (c->manual_at <= 0) return LRP_LOCK_NONE;
  /* a sale won or lost after the move is news the person did not have */
  if (c->has_outcome && c->closed_at > c->manual_at) return LRP_LOCK_OUTCOME;
  if (c->manual_until > 0 && now >= c->manual_until) return LRP_LOCK_EXPIRED;
  return override_manual ? LRP_LOCK_OVERRIDDEN : LRP_LOCK_HELD;
}

/* Transitions in declaration order, each from the stage the ones before
** left the contact in.  Under a manual lock they are still tried, so
** that the run can count (and explain name) what the lock held back, but
** the contact stays where the person put it. */
static int eval_transitions(lrp_eval *ev) {
  lrp_result *r = ev->r;
  r->lock = lrp_manual_lock(ev->c, ev->now, ev->override_manual);
  r->manual_locked = r->lock == LRP_LOCK_HELD;
  if ((r->lock == LRP_LOCK_HELD || r->lock == LRP_LOCK_OVERRIDDEN) &&
      ev->c->manual_until > 0)
    lrp_stable_note(ev, ev->c->manual_until, "the manual lock's expiry");
  int start = ev->cur_stage;
  lrp_steps st = steps_of(ev);
  lrp_steps_transitions(&st, &ev->cur_stage, r->manual_locked);
  if (r->manual_locked) {
    r->held_to = ev->cur_stage;
    ev->cur_stage = start;
  }
  r->stage = ev->cur_stage;
  return 0;
}

/* Does a transition from -> to recycle the lead: to a side stage, or back
** down the funnel? */
int lrp_recycles(const lrp_model *m, int from, int to) {
  if (m->stages[to].side) return 1;
  return from >= 0 && !m->stages[from].side &&
         m->stages[to].rank < m->stages[from].rank;
}

/* The first handoff of the final stage that routes the contact to an
** owner.  A contact that was in the stage already, or entered it by a
** keep_owner transition, keeps its owner; one that entered it otherwise
** gets the handoff's owner or, when the handoff finds nobody now, waits
** unowned (r->clear_owner) for a later run. */
static int eval_handoff(lrp_eval *ev) {
  const lrp_model *m = &ev->in->m;
  lrp_result *r = ev->r;
  int has_owner = lrp_owner_after_moves(m, ev->c->owner && *ev->c->owner, r);
  for (int h = 0; h < m->nhandoffs; h++) {
    const lrp_handoff *ho = &m->handoffs[h];
    if (ho->stage != r->stage) continue;
    int entered, kept;
    lrp_handoff_entry(m, r, &entered, &kept);
    if ((!entered || kept) && has_owner) break;
    if (entered && !kept) r->clear_owner = 1;
    int leaf = resolve_router(ev, ho->router);
    if (leaf >= 0 && m->routers[leaf].kind == LRP_ROUTER_ACCOUNT) {
      /* account_owner{}: the account's owner once accounts are evaluated
      ** (account_eval.h), else the fallback, resolved here for this lead */
      int acc = lrp_contact_has_account(ev->in, ev->c);
      int fb = resolve_router(ev, m->routers[leaf].fallback);
      if (!acc && fb < 0) break;
      r->via_account = acc;
      leaf = fb;
      if (leaf < 0) {
        r->handoff = h;
        step_end(ev, LR_EX_HANDOFF, h, 0, 1);
        break;
      }
    }
    if (leaf < 0) break;                      /* no route for this contact */
    const lrp_router *ro = &m->routers[leaf];
    lrp_steps st = steps_of(ev);
    if (ro->kind == LRP_ROUTER_FN && !lrp_steps_assign(&st, "handoff", ho, ro))
      break;                                  /* function chose nobody */
    r->handoff = h;
    r->leaf_router = leaf;
    step_end(ev, LR_EX_HANDOFF, h, 0, 1);
    break;
  }
  return 0;
}

/* The whole evaluation of ev->c, inside one protected call. */
static int eval_all(lua_State *L) {
  lrp_eval *ev = (lrp_eval *)lua_touserdata(L, 1);
  start_stage(L, ev);
  ev->phase = LRP_PHASE_SEGMENTS;
  eval_segments(L, ev);
  ev->phase = LRP_PHASE_RULES;
  lrp_steps st = steps_of(ev);
  lrp_steps_rules(&st);
  ev->phase = LRP_PHASE_TRANSITIONS;
  eval_total(L, ev);
  eval_transitions(ev);
  ev->phase = LRP_PHASE_HANDOFF;
  eval_handoff(ev);
  lrp_eval_notify(L, ev);
  ev->phase = LRP_PHASE_IDLE;
  return 0;
}

static void reset_result(const lrp_model *m, lrp_result *r) {
  r->score = 0;
  memset(r->group, 0, (size_t)m->ngroups * sizeof *r->group);
  memset(r->part, 0, (size_t)m->nrules * sizeof *r->part);
  memset(r->fired, 0, (size_t)m->nrules);
  memset(r->member, 0, (size_t)m->nsegments);
  r->nmoves = 0;
  r->handoff = -1;
  r->leaf_router = -1;
  r->manual_locked = 0;
  r->lock = LRP_LOCK_NONE;
  r->nheld = 0;
  r->held_first = -1;
  r->held_to = -1;
  r->clear_owner = 0;
  r->notify = 0;
  r->via_account = 0;
  free(r->fn_owner);
  r->fn_owner = NULL;
}

/* Put "contact KEY: " after the "file:LINE: " prefix of a message. */
static void with_contact(char *out, size_t n, const char *msg,
                         const char *key) {
  const char *p = msg, *colon;
  while ((colon = strchr(p, ':')) != NULL) {
    const char *d = colon + 1;
    if (*d >= '0' && *d <= '9') {
      while (*d >= '0' && *d <= '9') d++;
      if (d[0] == ':' && d[1] == ' ') {
        snprintf(out, n, "%.*s contact %.200s: %.1500s", (int)(d + 1 - msg), msg, key,
                 d + 2);
        return;
      }
    }
    p = colon + 1;
  }
  snprintf(out, n, "contact %.200s: %.1800s", key, msg);
}

int lrp_eval_contact(lrp_eval *ev, const lrs_contact *c, lrp_result *r) {
  lua_State *L = ev->L;
  reset_result(&ev->in->m, r);
  ev->c = c;
  ev->r = r;
  ev->in->ev = ev;
  lrl_budget_reset(ev->in->rt);
  lrp_stable_begin(ev);
  lua_pushcfunction(L, eval_all);
  lua_pushlightuserdata(L, ev);
  int rc = lrl_pcall(ev->in->rt, 1, 0);
  ev->phase = LRP_PHASE_IDLE;
  lrp_stable_end(ev);
  if (rc != LR_OK) {
    with_contact(ev->err, sizeof ev->err, ev->in->rt->errmsg, c->key);
    lrb_utf8_scrub(ev->err);         /* a run stores it: UTF-8 text only */
  }
  return rc;
}

/* Every group, {"fit":35,"engagement":20}, and every grade,
** {"fit":"A","total":"B"} (named by group, "total" for the score), in
** declaration order: what runs store in scores and grades. */
void lrp_json_scores(lr_buf *b, const lrp_model *m, const lrp_result *r) {
  lrb_addc(b, '{');
  for (int g = 0; g < m->ngroups; g++) {
    if (g) lrb_addc(b, ',');
    lrb_json_str(b, m->groups[g], strlen(m->groups[g]));
    lrb_addc(b, ':');
    lrb_json_num(b, r->group[g]);
  }
  lrb_addc(b, '}');
}

void lrp_json_grades(lr_buf *b, const lrp_model *m, const lrp_result *r) {
  lrb_addc(b, '{');
  for (int g = 0; g < m->ngrades; g++) {
    const char *name = m->grades[g].group ? m->grades[g].group : "total";
    if (g) lrb_addc(b, ',');
    lrb_json_str(b, name, strlen(name));
    lrb_addc(b, ':');
    lrb_json_str(b, r->grades[g], strlen(r->grades[g]));
  }
  lrb_addc(b, '}');
}
