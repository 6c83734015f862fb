/*
** stage.c -- stage objects: stage.mql, lead.stage.
**
** Funnel stages compare by rank (lead.stage >= stage.mql, or >= "mql");
** side stages (nurture, disqualified) have no funnel order, so ordering
** them is an error rather than a silent false.
*/
#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "../lua/host.h"
#include "eval.h"
#include "../store/counts.h"
#include "../store/store.h"
#include "objects.h"

typedef struct stage_ud {
  int idx;
  int acc;                           /* an account stage (in->acc) */
} stage_ud;

static const lrp_model *model_of(lua_State *L, const stage_ud *u) {
  lrp_instance *in = lrx_instance(L);
  return u && u->acc ? &in->acc : &in->m;
}

lrp_instance *lrx_instance(lua_State *L) {
  lrl_state *s = lrl_from(L);
  return s ? (lrp_instance *)s->owner : NULL;
}

lrp_eval *lrx_eval(lua_State *L) {
  lrp_instance *in = lrx_instance(L);
  return in ? in->ev : NULL;
}

void lrx_set_eval(lua_State *L, lrp_eval *ev) {
  lrp_instance *in = lrx_instance(L);
  if (in) in->ev = ev;
}

static void stage_mt(lua_State *L);

static void push_stage(lua_State *L, int idx, int acc) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, "leadrules.stage.cache") != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "leadrules.stage.cache");
  }
  int slot = acc ? -(idx + 1) : idx + 1;
  if (lua_rawgeti(L, -1, slot) == LUA_TNIL) {
    lua_pop(L, 1);
    stage_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->idx = idx;
    u->acc = acc;
    stage_mt(L);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, slot);
  }
  lua_remove(L, -2);
}

void lrx_push_stage(lua_State *L, lrp_instance *in, int idx) {
  (void)in;
  push_stage(L, idx, 0);
}

void lrx_push_account_stage(lua_State *L, lrp_instance *in, int idx) {
  (void)in;
  push_stage(L, idx, 1);
}

/* The stage object among the two operands of a comparison (its model
** names the other operand when that is a string). */
static const stage_ud *operand(lua_State *L) {
  stage_ud *u = luaL_testudata(L, 1, LRX_STAGE);
  return u ? u : luaL_testudata(L, 2, LRX_STAGE);
}

/* A stage from a stage object or a stage name (of the model of `like`:
** an account stage's names are account stages). */
static int to_stage(lua_State *L, int idx, const stage_ud *like) {
  stage_ud *u = luaL_testudata(L, idx, LRX_STAGE);
  if (u) {
    if (like && u->acc != like->acc)
      lrl_error(L, "cannot compare an account stage with a contact stage");
    return u->idx;
  }
  if (lua_type(L, idx) == LUA_TSTRING) {
    const lrp_model *m = model_of(L, like);
    int i = lrp_stage_find(m, lrl_tocstring(L, idx, "stage name"));
    if (i < 0) lrl_error(L, "unknown %sstage '%s'", like && like->acc ?
                         "account " : "", lua_tostring(L, idx));
    return i;
  }
  return lrl_error(L, "cannot compare a stage with a %s", luaL_typename(L, idx));
}

static int funnel_rank(lua_State *L, const stage_ud *like, int i) {
  const lrp_stage *s = &model_of(L, like)->stages[i];
  if (s->side)
    lrl_error(L, "'%s' is a side stage and has no funnel order (compare "
              "with == or use .name)", s->name);
  return s->rank;
}

static int s_lt(lua_State *L) {
  const stage_ud *k = operand(L);
  lua_pushboolean(L, funnel_rank(L, k, to_stage(L, 1, k)) <
                     funnel_rank(L, k, to_stage(L, 2, k)));
  return 1;
}

static int s_le(lua_State *L) {
  const stage_ud *k = operand(L);
  lua_pushboolean(L, funnel_rank(L, k, to_stage(L, 1, k)) <=
                     funnel_rank(L, k, to_stage(L, 2, k)));
  return 1;
}

static int s_eq(lua_State *L) {
  stage_ud *a = luaL_testudata(L, 1, LRX_STAGE), *b = luaL_testudata(L, 2, LRX_STAGE);
  lua_pushboolean(L, a && b && a->idx == b->idx && a->acc == b->acc);
  return 1;
}

static int s_tostring(lua_State *L) {
  stage_ud *u = luaL_checkudata(L, 1, LRX_STAGE);
  lua_pushstring(L, model_of(L, u)->stages[u->idx].name);
  return 1;
}

static int s_concat(lua_State *L) {
  for (int i = 1; i <= 2; i++) {
    stage_ud *u = luaL_testudata(L, i, LRX_STAGE);
    if (u) lua_pushstring(L, model_of(L, u)->stages[u->idx].name);
    else if (lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER)
      lua_pushvalue(L, i);
    else
      return lrl_error(L, "cannot concatenate a stage with a %s",
                       luaL_typename(L, i));
  }
  lua_concat(L, 2);
  return 1;
}

/* stage:count() -> contacts in this stage (as stored, before this run) */
static int s_count(lua_State *L) {
  stage_ud *u = luaL_checkudata(L, 1, LRX_STAGE);
  lrp_instance *in = lrx_instance(L);
  if (u->acc)
    return lrl_error(L, "stage:count() counts contacts; an account stage "
                     "has none");
  lrp_eval *ev = in->ev;
  lrs_snap *snap = ev && ev->snap ? ev->snap : lrs_snap_main(in->policy->db);
  if (!snap) return lrl_error(L, "stage:count() needs a database");
  if (ev) ev->reads_others = 1;             /* run --changed: a full run */
  long long n = 0;
  const lrp_stage *s = &in->m.stages[u->idx];
  if (lrs_count_stage(snap, s->name, s->rank == 1, &n) != LR_OK)
    return lrl_error(L, "stage:count(): %s", lrs_snap_errmsg(snap));
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/* stage:is("mql") -> boolean */
static int s_is(lua_State *L) {
  stage_ud *u = luaL_checkudata(L, 1, LRX_STAGE);
  lua_pushboolean(L, to_stage(L, 2, u) == u->idx);
  return 1;
}

static int s_index(lua_State *L) {
  stage_ud *u = luaL_checkudata(L, 1, LRX_STAGE);
  const char *k = lrl_checkcstring(L, 2, "stage field name");
  const lrp_stage *s = &model_of(L, u)->stages[u->idx];
  if (strcmp(k, "name") == 0) lua_pushstring(L, s->name);
  else if (strcmp(k, "rank") == 0) {
    if (s->side) lua_pushnil(L);
    else lua_pushinteger(L, s->rank);
  } else if (strcmp(k, "side") == 0) lua_pushboolean(L, s->side);
  else if (strcmp(k, "count") == 0) lua_pushcfunction(L, s_count);
  else if (strcmp(k, "is") == 0) lua_pushcfunction(L, s_is);
  else return lrl_error(L, "stage has no field '%s' (name, rank, side, "
                        "count, is)", k);
  return 1;
}

static int s_newindex(lua_State *L) {
  return lrl_error(L, "stages are read-only");
}

static void stage_mt(lua_State *L) {
  if (luaL_newmetatable(L, LRX_STAGE)) {
    static const luaL_Reg mt[] = {
      {"__index", s_index}, {"__newindex", s_newindex}, {"__lt", s_lt},
      {"__le", s_le}, {"__eq", s_eq}, {"__tostring", s_tostring},
      {"__concat", s_concat}, {NULL, NULL}};
    luaL_setfuncs(L, mt, 0);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  }
}

/* stage.mql */
int lrp_stage_namespace(lua_State *L) {
  lrp_instance *in = (lrp_instance *)lua_touserdata(L, lua_upvalueindex(1));
  const char *k = lrl_checkcstring(L, 2, "stage name");
  int i = lrp_stage_find(&in->m, k);
  if (i < 0) return lrl_error(L, "unknown stage '%s'", k);
  lrx_push_stage(L, in, i);
  return 1;
}

int lrp_readonly_newindex(lua_State *L) {
  return lrl_error(L, "declarations cannot be assigned; call them instead "
                   "(e.g. stage \"nurture\")");
}
