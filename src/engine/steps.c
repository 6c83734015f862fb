/*
** steps.c -- the evaluation steps contacts and accounts share (steps.h).
*/
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lua/host.h"

#include "steps.h"

static void begin(lrp_steps *s) {
  if (s->step_begin) s->step_begin(s->obj);
}

static void end(lrp_steps *s, int kind, int i, double pts, int fired) {
  if (s->step_end) s->step_end(s->obj, kind, i, pts, fired);
}

/* One rule's points: a score function's clamped number, a `when`'s
** points, or a segment-only rule's. */
static void rule_points(lrp_steps *s, const lrp_rule *ru, double *pts,
                        int *fired) {
  lua_State *L = s->L;
  if (ru->score_ref != LUA_NOREF) {
    s->call(s->obj, ru->score_ref);
    if (lua_type(L, -1) != LUA_TNUMBER)
      lrp_fail_at(L, ru->where, "%s '%s' returned %s (a score function must "
                  "return a number)", s->rule_kind, ru->name,
                  luaL_typename(L, -1));
    double p = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!isfinite(p))
      lrp_fail_at(L, ru->where, "%s '%s' returned %s (scores must be finite "
                  "numbers)", s->rule_kind, ru->name, isnan(p) ? "nan" : "inf");
    if (ru->has_max && p > ru->max) p = ru->max;
    if (ru->has_min && p < ru->min) p = ru->min;
    *pts = p;
    *fired = p != 0;
  } else if (ru->when_ref != LUA_NOREF) {
    s->call(s->obj, ru->when_ref);
    *fired = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (*fired) *pts = ru->points;
  } else {
    *fired = 1;                               /* segment-only rule */
    *pts = ru->points;
  }
}

int lrp_steps_rules(lrp_steps *s) {
  const lrp_model *m = s->m;
  lrp_result *r = s->r;
  double total = 0;
  for (int i = 0; i < m->nrules; i++) {
    const lrp_rule *ru = &m->rules[i];
    double pts = 0;
    int fired = 0;
    begin(s);
    if (ru->segment < 0 || r->member[ru->segment] == 1)
      rule_points(s, ru, &pts, &fired);
    if (pts == 0) pts = 0;                    /* no -0 in the store */
    r->part[i] = pts;
    r->fired[i] = (unsigned char)fired;
    end(s, LR_EX_RULE, i, pts, fired);
    total += pts;
    if (ru->group) r->group[lrp_group_find(m, ru->group)] += pts;
  }
  r->score = total;
  return 0;
}

void lrp_steps_grades(const lrp_model *m, lrp_result *r) {
  for (int g = 0; g < m->ngrades; g++) {
    const lrp_grade *gr = &m->grades[g];
    double v = r->score;
    if (gr->group) {                /* validated: some rule has the group */
      int gi = lrp_group_find(m, gr->group);
      v = gi >= 0 ? r->group[gi] : 0;
    }
    r->grades[g] = lrp_grade_of(gr, v);
  }
}

int lrp_steps_transitions(lrp_steps *s, int *cur, int held) {
  const lrp_model *m = s->m;
  lrp_result *r = s->r;
  for (int t = 0; t < m->ntransitions && *cur >= 0; t++) {
    const lrp_transition *tr = &m->transitions[t];
    int from_ok = tr->any_from && *cur != tr->to;
    for (int k = 0; k < tr->nfrom && !from_ok; k++)
      if (tr->from[k] == *cur) from_ok = 1;
    if (!from_ok) continue;
    begin(s);
    s->call(s->obj, tr->when_ref);
    int go = lua_toboolean(s->L, -1);
    lua_pop(s->L, 1);
    end(s, LR_EX_TRANSITION, t, 0, go && tr->to != *cur);
    if (!go || tr->to == *cur) continue;
    if (held) {
      if (!r->nheld++) r->held_first = t;
    } else {
      lrp_add_move(r, *cur, tr->to, t);
    }
    *cur = tr->to;
  }
  return 0;
}

int lrp_owner_after_moves(const lrp_model *m, int has_owner, lrp_result *r) {
  for (int k = 0; k < r->nmoves; k++) {
    const lrp_move *mv = &r->moves[k];
    if (mv->transition < 0 || m->transitions[mv->transition].keep_owner ||
        !lrp_recycles(m, mv->from, mv->to))
      continue;
    r->clear_owner = 1;
    has_owner = 0;
  }
  return has_owner;
}

void lrp_handoff_entry(const lrp_model *m, const lrp_result *r, int *entered,
                       int *kept) {
  *entered = *kept = 0;
  for (int k = 0; k < r->nmoves; k++)
    if (r->moves[k].to == r->stage) {
      *entered = 1;
      *kept = r->moves[k].transition >= 0 &&
              m->transitions[r->moves[k].transition].keep_owner;
    }
}

/* "file:LINE" where registry function `ref` is defined. */
static void function_where(lua_State *L, int ref, char *buf, size_t n) {
  lua_Debug ar;
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  if (lua_getinfo(L, ">S", &ar) && ar.linedefined > 0)
    snprintf(buf, n, "%s:%d", ar.short_src, ar.linedefined);
  else
    snprintf(buf, n, "?");
}

int lrp_steps_assign(lrp_steps *s, const char *kind, const lrp_handoff *ho,
                     const lrp_router *ro) {
  lua_State *L = s->L;
  s->call(s->obj, ro->fn_ref);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return 0;                                 /* the function chose nobody */
  }
  if (lua_type(L, -1) != LUA_TSTRING)
    lrp_fail_at(L, ho->where, "%s assign function returned %s (an owner "
                "name or nil)", kind, luaL_typename(L, -1));
  if (lrl_has_nul(L, -1)) {
    char where[LRP_WHERE];
    function_where(L, ro->fn_ref, where, sizeof where);
    lrp_fail_at(L, where, "the owner the assign function returned contains "
                "a NUL byte");
  }
  if (lrl_not_utf8(L, -1)) {
    char where[LRP_WHERE];
    function_where(L, ro->fn_ref, where, sizeof where);
    lrp_fail_at(L, where, "the owner the assign function returned is not "
                "valid UTF-8");
  }
  s->r->fn_owner = strdup(lua_tostring(L, -1));
  lua_pop(L, 1);
  if (!s->r->fn_owner) luaL_error(L, "out of memory");
  return 1;
}
