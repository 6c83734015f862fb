/*
** segment.c -- segment objects: segment.enterprise.
*/
#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "../lua/host.h"
#include "eval.h"
#include "../store/counts.h"
#include "../store/store.h"
#include "objects.h"

typedef struct segment_ud {
  int idx;
} segment_ud;

static void segment_mt(lua_State *L);

void lrx_push_segment(lua_State *L, lrp_instance *in, int idx) {
  (void)in;
  if (lua_getfield(L, LUA_REGISTRYINDEX, "leadrules.segment.cache") != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "leadrules.segment.cache");
  }
  if (lua_rawgeti(L, -1, idx + 1) == LUA_TNIL) {
    lua_pop(L, 1);
    segment_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->idx = idx;
    segment_mt(L);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, idx + 1);
  }
  lua_remove(L, -2);
}

/* segment:contains(lead) -> boolean (for the lead being evaluated) */
static int g_contains(lua_State *L) {
  segment_ud *u = luaL_checkudata(L, 1, LRX_SEGMENT);
  luaL_checkudata(L, 2, LRX_LEAD);
  lrp_eval *ev = lrx_eval(L);
  if (!ev || !ev->r) return lrl_error(L, "segment:contains needs a lead being evaluated");
  if (ev->phase == LRP_PHASE_SEGMENTS && ev->r->member[u->idx] == 2)
    return lrl_error(L, "segment '%s' is not evaluated yet",
                     ev->in->m.segments[u->idx].name);
  lua_pushboolean(L, ev->r->member[u->idx] == 1);
  return 1;
}

/* segment:count() -> members: SQL segments now; Lua segments as of the
** last run (segment_members). */
static int g_count(lua_State *L) {
  segment_ud *u = luaL_checkudata(L, 1, LRX_SEGMENT);
  lrp_instance *in = lrx_instance(L);
  lrp_eval *ev = in->ev;
  lrs_snap *snap = ev && ev->snap ? ev->snap : lrs_snap_main(in->policy->db);
  if (!snap) return lrl_error(L, "segment:count() needs a database");
  if (ev) ev->reads_others = 1;             /* run --changed: a full run */
  const lrp_segment *s = &in->m.segments[u->idx];
  long long n = 0;
  char err[512] = "";
  int rc = s->sql ? lrs_count_where(snap, s->sql, &n, err, sizeof err)
                  : lrs_count_members(snap, s->name, &n);
  if (rc != LR_OK)
    return lrl_error(L, "segment '%s': %s", s->name,
                     err[0] ? err : lrs_snap_errmsg(snap));
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

static int g_index(lua_State *L) {
  segment_ud *u = luaL_checkudata(L, 1, LRX_SEGMENT);
  const char *k = lrl_checkcstring(L, 2, "segment field name");
  const lrp_segment *s = &lrx_instance(L)->m.segments[u->idx];
  if (strcmp(k, "name") == 0) lua_pushstring(L, s->name);
  else if (strcmp(k, "sql") == 0) {
    if (s->sql) lua_pushstring(L, s->sql);
    else lua_pushnil(L);
  } else if (strcmp(k, "contains") == 0) lua_pushcfunction(L, g_contains);
  else if (strcmp(k, "count") == 0) lua_pushcfunction(L, g_count);
  else if (strcmp(k, "leads") == 0) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, "leadrules.segment.leads") == LUA_TNIL)
      return lrl_error(L, "segment:leads() is available in scripts "
                       "(leadrules script.lua), not inside a policy run");
  } else return lrl_error(L, "segment has no field '%s' (name, sql, "
                          "contains, count, leads)", k);
  return 1;
}

static int g_tostring(lua_State *L) {
  segment_ud *u = luaL_checkudata(L, 1, LRX_SEGMENT);
  lua_pushfstring(L, "segment(%s)", lrx_instance(L)->m.segments[u->idx].name);
  return 1;
}

static int g_newindex(lua_State *L) {
  return lrl_error(L, "segments are read-only");
}

static void segment_mt(lua_State *L) {
  if (luaL_newmetatable(L, LRX_SEGMENT)) {
    static const luaL_Reg mt[] = {
      {"__index", g_index}, {"__newindex", g_newindex},
      {"__tostring", g_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, mt, 0);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  }
}

/* segment.enterprise */
int lrp_segment_namespace(lua_State *L) {
  lrp_instance *in = (lrp_instance *)lua_touserdata(L, lua_upvalueindex(1));
  const char *k = lrl_checkcstring(L, 2, "segment name");
  int i = lrp_segment_find(&in->m, k);
  if (i < 0) return lrl_error(L, "unknown segment '%s'", k);
  lrx_push_segment(L, in, i);
  return 1;
}
