/*
** sandbox.c -- creation of a sandboxed Lua state: which libraries a
** policy gets (linit.c's advice: a sandbox opens only what it offers),
** strict and frozen globals, read-only shared tables, the protected
** string metatable, the base functions that had to be wrapped, and
** loading of policy files.
**
** Read-only tables are proxies: the table keeps its identity but is
** emptied, its contents move to a hidden storage table reached through
** __index, and writes hit __newindex, which raises.  rawset refuses
** proxies; rawget, rawlen, next and pairs read through to the storage.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "../leadrules.h"
#include "../util/readfile.h"
#include "sandbox_int.h"

/* math.random is seeded with this in every new state (deterministic). */
#define LRL_RANDOM_SEED 20240601

const char lrl_key_state = 0;
static const char key_storage = 0;    /* proxy mt[&key] = storage table */
static const char key_name = 0;       /* proxy mt[&key] = name */
static const char key_anchors = 0;    /* registry: table -> finalizer box */
static const char key_randomseed = 0; /* registry: math.randomseed */
static const char key_stopped = 0;    /* registry: weak set of coroutines
                                         that died from a limit */
#define FINALIZER_MT "lrl.finalizer"

lrl_state *lrl_from(lua_State *L) {
  void *ud = NULL;
  lua_getallocf(L, &ud);      /* the allocator's ud is the state */
  return ud;
}

/*
** {==================================================================
** Read-only proxies and frozen globals
** ===================================================================
*/

/* If the table at idx is a proxy, push its storage and return 1. */
static int push_storage(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return 0;
  if (lua_rawgetp(L, -1, &key_storage) == LUA_TTABLE) {
    lua_remove(L, -2);
    return 1;
  }
  lua_pop(L, 2);
  return 0;
}

/* Name of the proxy at idx ("" when not a proxy); valid while it lives. */
static const char *proxy_name(lua_State *L, int idx) {
  const char *name = "";
  if (lua_getmetatable(L, idx)) {
    if (lua_rawgetp(L, -1, &key_name) == LUA_TSTRING)
      name = lua_tostring(L, -1);   /* kept alive by the metatable */
    lua_pop(L, 2);
  }
  return name;
}

/* Raise the error for a write of key k (at kidx) into proxy t (at tidx). */
static int readonly_error(lua_State *L, int tidx, int kidx) {
  const char *name = proxy_name(L, tidx);
  const char *key = lua_type(L, kidx) == LUA_TSTRING ? lua_tostring(L, kidx)
                                                     : NULL;
  if (strcmp(name, "_G") == 0) {
    if (key)
      return lrl_error(L, "cannot assign global '%s' (globals are frozen)",
                       key);
    return lrl_error(L, "cannot assign a global (globals are frozen)");
  }
  if (key)
    return lrl_error(L, "cannot modify read-only table '%s' (field '%s')",
                     name, key);
  return lrl_error(L, "cannot modify read-only table '%s'", name);
}

static int ro_newindex(lua_State *L) {
  return readonly_error(L, 1, 2);
}

static int ro_len(lua_State *L) {
  if (!push_storage(L, 1)) return 0;
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
  return 1;
}

/* next(t, k), reading a proxy's storage. */
static int s_next(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  if (push_storage(L, 1)) lua_replace(L, 1);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

static int ro_pairs(lua_State *L) {
  lua_pushcfunction(L, s_next);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

static const char key_clock = 0;      /* registry: the global `now` */

/* os.time(), os.date(fmt) and os.clock(): upvalue 1 the original, 2 the
** position of the time argument (0: always the clock).  Without a time
** they read the wall clock, an answer that changes continuously. */
static int os_clock_read(lua_State *L) {
  int at = (int)lua_tointeger(L, lua_upvalueindex(2));
  if (at == 0 || lua_isnoneornil(L, at)) lrl_from(L)->clock_reads++;
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

static int strict_index(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), "now") == 0
      && lua_rawgetp(L, LUA_REGISTRYINDEX, &key_clock) != LUA_TNIL) {
    lrl_from(L)->clock_reads++;
    return 1;
  }
  if (lua_type(L, 2) == LUA_TSTRING)
    return lrl_error(L, "undefined global '%s'", lua_tostring(L, 2));
  return lrl_error(L, "undefined global (a %s key)", luaL_typename(L, 2));
}

static int is_own_metafield(const char *k) {
  static const char *const ours[] = {"__index", "__newindex", "__pairs",
    "__len", "__metatable", "__gc", "__mode", NULL};
  for (int i = 0; ours[i]; i++)
    if (strcmp(k, ours[i]) == 0) return 1;
  return 0;
}

/*
** Turn the table at idx into a proxy named `name`.  `index` is the value
** for the proxy's __index when it is not the storage itself (frozen
** globals chain a strict lookup); 0 means the storage.
*/
static void make_proxy(lua_State *L, int idx, const char *name,
                       int strict) {
  idx = lua_absindex(L, idx);
  if (push_storage(L, idx)) {   /* already a proxy */
    lua_pop(L, 1);
    return;
  }
  luaL_checkstack(L, 8, "make_proxy");
  /* 1. copy everything into the storage (all allocation happens here) */
  lua_newtable(L);
  int storage = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, storage);
  }
  /* 2. the proxy's metatable */
  lua_newtable(L);
  int mt = lua_gettop(L);
  int has_len = 0, has_mt = 0;
  if (lua_getmetatable(L, idx)) {   /* keep the original's metamethods */
    int omt = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, omt)) {
      if (lua_type(L, -2) == LUA_TSTRING) {
        const char *k = lua_tostring(L, -2);
        if (strcmp(k, "__len") == 0) has_len = 1;
        if (strcmp(k, "__metatable") == 0) {
          has_mt = 1;
          lua_pushvalue(L, -2);
          lua_insert(L, -2);
          lua_rawset(L, mt);
          continue;
        }
        if (!is_own_metafield(k) || strcmp(k, "__len") == 0) {
          lua_pushvalue(L, -2);
          lua_insert(L, -2);
          lua_rawset(L, mt);
          continue;
        }
      }
      lua_pop(L, 1);
    }
    /* lookups that miss the storage fall back to the original __index */
    lua_pushvalue(L, omt);
    lua_setmetatable(L, storage);
    lua_pop(L, 1);
  }
  if (strict) {
    lua_newtable(L);
    lua_pushcfunction(L, strict_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, storage);
  }
  lua_pushvalue(L, storage);
  lua_setfield(L, mt, "__index");
  lua_pushcfunction(L, ro_newindex);
  lua_setfield(L, mt, "__newindex");
  lua_pushcfunction(L, ro_pairs);
  lua_setfield(L, mt, "__pairs");
  if (!has_len) {
    lua_pushcfunction(L, ro_len);
    lua_setfield(L, mt, "__len");
  }
  if (!has_mt) {
    lua_pushboolean(L, 0);
    lua_setfield(L, mt, "__metatable");
  }
  lua_pushvalue(L, storage);
  lua_rawsetp(L, mt, &key_storage);
  lua_pushstring(L, name ? name : "?");
  lua_rawsetp(L, mt, &key_name);
  /* 3. empty the original (assigning nil to present keys: no allocation) */
  lua_pushnil(L);
  while (lua_next(L, storage)) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_pushnil(L);
    lua_rawset(L, idx);
  }
  lua_pushvalue(L, mt);
  lua_setmetatable(L, idx);
  lua_settop(L, storage - 1);
}

void lrl_make_readonly(lua_State *L, int idx, const char *name) {
  make_proxy(L, idx, name, 0);
}

static int freeze(lua_State *L) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_pushnil(L);                 /* drop the pre-freeze strict metatable */
  lua_setmetatable(L, -2);
  make_proxy(L, -1, "_G", 1);
  return 0;
}

void lrl_freeze_globals(lrl_state *s) {
  lua_State *L = s->L;
  lua_pushcfunction(L, freeze);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    snprintf(s->errmsg, sizeof s->errmsg, "%s", "cannot freeze globals: "
             "not enough memory");
    lua_pop(L, 1);
  }
}

/* Push the globals' storage (or the globals table if not frozen). */
static void push_globals(lua_State *L) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  if (push_storage(L, -1)) lua_remove(L, -2);
}

int lrl_getglobal(lua_State *L, const char *name) {
  push_globals(L);
  lua_pushstring(L, name);
  int t = lua_rawget(L, -2);           /* raw: no strict error */
  lua_remove(L, -2);
  return t;
}

/* `now` lives in the registry, not among the globals: a read misses the
** globals' storage and reaches strict_index, which counts it. */
void lrl_set_clock(lua_State *L, long long now) {
  lua_pushinteger(L, (lua_Integer)now);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_clock);
  lua_pushnil(L);
  lrl_setglobal(L, "now");
}

void lrl_setglobal(lua_State *L, const char *name) {
  push_globals(L);
  lua_insert(L, -2);
  lua_pushstring(L, name);
  lua_insert(L, -2);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

/* }================================================================== */

/*
** {==================================================================
** Wrapped base functions
** ===================================================================
*/

static int s_rawset(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (push_storage(L, 1)) return readonly_error(L, 1, 2);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

static int s_rawget(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  if (push_storage(L, 1)) lua_replace(L, 1);
  lua_rawget(L, 1);
  return 1;
}

static int s_rawlen(lua_State *L) {
  int t = lua_type(L, 1);
  luaL_argexpected(L, t == LUA_TTABLE || t == LUA_TSTRING, 1,
                   "table or string");
  if (t == LUA_TTABLE && push_storage(L, 1)) lua_replace(L, 1);
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
  return 1;
}

/*
** Finalizers.  Lua runs __gc with debug hooks disabled, so a looping
** __gc would escape the budget.  Tables therefore never get a real __gc:
** setmetatable hides the field while it attaches the metatable, and
** instead anchors a private box (in an ephemeron table keyed by the
** table) whose C finalizer runs the policy's __gc in a fresh coroutine,
** where the count hook works.  At lrl_free no policy finalizer runs.
*/
static int run_finalizer(lua_State *L) {
  lrl_state *s = lrl_from(L);
  if (s->closing) return 0;
  lua_settop(L, 1);
  lua_getiuservalue(L, 1, 1);                       /* 2: the table */
  if (!lua_getmetatable(L, 2)) return 0;            /* 3: its metatable */
  lua_pushliteral(L, "__gc");
  if (lua_rawget(L, 3) != LUA_TFUNCTION) return 0;  /* 4: __gc */
  lua_State *co = lua_newthread(L);
  lrl_arm(co);
  lua_pushvalue(L, 4);
  lua_pushvalue(L, 2);
  lua_xmove(L, co, 2);
  lua_State *prev = s->running;
  s->running = co;
  int nres;
  (void)lua_resume(co, L, 1, &nres);   /* errors are dropped, like Lua's
                                          own __gc warnings; a limit that
                                          fired stays recorded in s */
  s->running = prev;
  return 0;
}

static void attach_finalizer(lua_State *L, int t) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_anchors);
  lua_pushvalue(L, t);
  if (lua_rawget(L, -2) != LUA_TNIL) {   /* one box per table */
    lua_pop(L, 2);
    return;
  }
  lua_pop(L, 1);
  lua_pushvalue(L, t);
  lua_newuserdatauv(L, 0, 1);
  lua_pushvalue(L, t);
  lua_setiuservalue(L, -2, 1);
  luaL_setmetatable(L, FINALIZER_MT);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

static int s_setmetatable(lua_State *L) {
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
    return luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  if (t == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) {          /* 3: the __gc value */
      attach_finalizer(L, 1);
      lua_pushliteral(L, "__gc");
      lua_pushnil(L);
      lua_rawset(L, 2);                 /* hide it from lua_setmetatable */
      lua_pushvalue(L, 2);
      lua_setmetatable(L, 1);
      lua_pushliteral(L, "__gc");
      lua_pushvalue(L, 3);
      lua_rawset(L, 2);                 /* the slot exists: no allocation */
      lua_settop(L, 1);
      return 1;
    }
    lua_pop(L, 1);
  }
  lua_setmetatable(L, 1);
  return 1;
}

/* A reader function for load: each piece it returns is charged for the
** lexer's reading of it (the lexer runs in C, unseen by the hook). */
static int charged_reader(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_call(L, 0, 1);
  if (lua_type(L, -1) == LUA_TSTRING)
    lrl_charge(L, (long long)(lua_rawlen(L, -1) /
                              LRL_SCAN_BYTES_PER_INSTRUCTION));
  return 1;
}

/* load: text chunks only; the default environment is the sandbox's; the
** text is charged to the budget before the lexer reads it. */
static int s_load(lua_State *L) {
  if (lua_type(L, 1) == LUA_TSTRING) {
    lrl_charge(L, (long long)(lua_rawlen(L, 1) /
                              LRL_SCAN_BYTES_PER_INSTRUCTION));
  } else {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, charged_reader, 1);
    lua_replace(L, 1);
  }
  luaL_optstring(L, 2, NULL);
  if (!lua_isnoneornil(L, 3)) {
    const char *mode = luaL_checkstring(L, 3);
    if (strcmp(mode, "t") != 0)
      return luaL_error(L, "load: mode '%s' is not allowed (policies "
                        "load text chunks only)", mode);
  }
  int n = lua_gettop(L);
  if (n < 3) {
    lua_settop(L, 3);
    n = 3;
  }
  lua_pushliteral(L, "t");
  lua_replace(L, 3);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  if (lrl_from(L)->killed) return lrl_raise_kill(L);   /* from a reader */
  return lua_gettop(L);
}

static int s_collectgarbage(lua_State *L) {
  const char *opt = luaL_optstring(L, 1, "collect");
  if (strcmp(opt, "count") == 0) {
    int kb = lua_gc(L, LUA_GCCOUNT, 0), b = lua_gc(L, LUA_GCCOUNTB, 0);
    lua_pushnumber(L, (lua_Number)kb + (lua_Number)b / 1024);
    return 1;
  }
  return luaL_error(L, "collectgarbage('%s') is not allowed in a policy "
                    "(only 'count')", opt);
}

/* An error status seen by a wrapped pcall/resume: memory errors and
** limits are not the policy's to catch. */
static void check_status(lua_State *L, int status) {
  lrl_state *s = lrl_from(L);
  if (status == LUA_ERRMEM && !s->killed)
    lrl_kill(L, s->mem_refused ? LRL_KILL_MEMORY : LRL_KILL_NOMEM, NULL);
  if (s->killed) lrl_raise_kill(L);
}

static int finish_pcall(lua_State *L, int status, lua_KContext extra) {
  if (status != LUA_OK && status != LUA_YIELD) {
    check_status(L, status);
    lua_pushboolean(L, 0);
    lua_pushvalue(L, -2);
    return 2;
  }
  check_status(L, LUA_OK);
  return lua_gettop(L) - (int)extra;
}

static int s_pcall(lua_State *L) {
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);     /* first result when all goes well */
  lua_insert(L, 1);
  int st = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
  return finish_pcall(L, st, 0);
}

/*
** The policy's message handler runs behind this one.  When a limit fired
** it is not called at all: an error raised from a hook reaches message
** handlers while Lua has debug hooks switched off for that thread, so a
** looping handler could never be stopped.  The error goes on unchanged
** and the wrapped xpcall re-raises the limit.
*/
static int xpcall_handler(lua_State *L) {
  if (lrl_from(L)->killed) return 1;
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

static int s_xpcall(lua_State *L) {
  int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, xpcall_handler, 1);
  lua_replace(L, 2);
  lua_pushboolean(L, 1);     /* stack: f h ... true */
  lua_pushvalue(L, 1);       /* f h ... true f */
  lua_rotate(L, 3, 2);       /* f h true f ... */
  int st = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
  return finish_pcall(L, st, 2);
}

/* math.randomseed() without arguments goes back to the fixed seed. */
static int s_randomseed(lua_State *L) {
  int n = lua_gettop(L);
  if (n > 0) {
    luaL_checkinteger(L, 1);
    luaL_optinteger(L, 2, 0);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  if (n == 0) {
    lua_pushinteger(L, LRL_RANDOM_SEED);
    n = 1;
  }
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

void lrl_seed_random(lrl_state *s, long long seed) {
  lua_State *L = s->L;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &key_randomseed) != LUA_TFUNCTION) {
    lua_pop(L, 1);
    return;
  }
  lua_pushinteger(L, (lua_Integer)seed);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
}

/* }================================================================== */

/*
** {==================================================================
** Coroutines: the count hook is per thread.  New threads inherit the
** creator's hook; create arms it explicitly anyway, and resume/wrap keep
** s->running current and re-raise a limit that fired inside.
** ===================================================================
*/

static int s_cocreate(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_State *co = lua_newthread(L);
  lrl_arm(co);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  return 1;
}

/*
** A coroutine that died from an error raised in the count hook keeps
** Lua's debug hooks switched off (nothing restores them on a dead
** thread), so its pending __close handlers must never run: remember it,
** and let coroutine.close refuse it.
*/
static void mark_stopped(lua_State *L, lua_State *co) {
  if (!lrl_from(L)->killed) return;
  int st = lua_status(co);
  if (st == LUA_OK || st == LUA_YIELD) return;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_stopped);
  lua_pushthread(co);
  lua_xmove(co, L, 1);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

static int s_coclose(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  luaL_argexpected(L, co, 1, "coroutine");
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_stopped);
  lua_pushvalue(L, 1);
  int stopped = lua_rawget(L, -2) != LUA_TNIL;
  lua_pop(L, 2);
  if (stopped) {
    luaL_pushfail(L);
    lua_pushliteral(L, "coroutine was stopped by a limit");
    return 2;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  if (lrl_from(L)->killed) return lrl_raise_kill(L);  /* from a __close */
  return lua_gettop(L);
}

static int s_coresume(lua_State *L) {
  lrl_state *s = lrl_from(L);
  lua_State *co = lua_tothread(L, 1);
  luaL_argexpected(L, co, 1, "coroutine");
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));   /* the original resume */
  lua_insert(L, 1);
  lua_State *prev = s->running;
  if (co) s->running = co;
  lua_call(L, n, LUA_MULTRET);
  s->running = prev;
  if (co && lua_toboolean(L, 1) == 0) {
    mark_stopped(L, co);
    check_status(L, lua_status(co));
  }
  check_status(L, LUA_OK);
  return lua_gettop(L);
}

/* Status of a coroutine the way coroutine.status names it. */
static int co_dead_or_busy(lua_State *L, lua_State *co) {
  lua_Debug ar;
  if (L == co) return 1;
  switch (lua_status(co)) {
    case LUA_YIELD: return 0;
    case LUA_OK:
      if (lua_getstack(co, 0, &ar)) return 1;   /* normal (resuming) */
      return lua_gettop(co) == 0 ? 2 : 0;       /* dead : not started */
    default: return 2;                          /* died with an error */
  }
}

static int wrap_call(lua_State *L) {
  lrl_state *s = lrl_from(L);
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  int n = lua_gettop(L);
  switch (co_dead_or_busy(L, co)) {
    case 1: return luaL_error(L, "cannot resume non-suspended coroutine");
    case 2: return luaL_error(L, "cannot resume dead coroutine");
  }
  if (!lua_checkstack(co, n))
    return luaL_error(L, "too many arguments to resume");
  lua_xmove(L, co, n);
  lua_State *prev = s->running;
  s->running = co;
  int nres;
  int st = lua_resume(co, L, n, &nres);
  s->running = prev;
  if (st == LUA_OK || st == LUA_YIELD) {
    check_status(L, LUA_OK);
    if (!lua_checkstack(L, nres + 1)) {
      lua_pop(co, nres);
      return luaL_error(L, "too many results to resume");
    }
    lua_xmove(co, L, nres);
    return nres;
  }
  mark_stopped(L, co);
  check_status(L, st);
  lua_xmove(co, L, 1);          /* the error object */
#if LUA_VERSION_RELEASE_NUM >= 50406
  lua_closethread(co, L);       /* runs pending __close handlers */
#else
  lua_resetthread(co);
#endif
  check_status(L, LUA_OK);
  /* add where the wrap was called, once: a message that already has a
  ** position keeps it (nested wraps would otherwise repeat it per level,
  ** kilobytes for a stack overflow) */
  if (lua_type(L, -1) == LUA_TSTRING &&
      !lrl_position_len(lua_tostring(L, -1))) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

static int s_cowrap(lua_State *L) {
  s_cocreate(L);
  lua_pushcclosure(L, wrap_call, 1);
  return 1;
}

/* }================================================================== */

/*
** {==================================================================
** State creation
** ===================================================================
*/

void lrl_wrap_field(lua_State *L, int t, const char *name,
                    lua_CFunction f) {
  t = lua_absindex(L, t);
  lua_getfield(L, t, name);
  lua_pushcclosure(L, f, 1);
  lua_setfield(L, t, name);
}

static void set_field(lua_State *L, int t, const char *name,
                      lua_CFunction f) {
  t = lua_absindex(L, t);
  if (f) lua_pushcfunction(L, f);
  else lua_pushnil(L);
  lua_setfield(L, t, name);
}

/* Make the library table global `name` read-only, and let LOADED (used
** by tracebacks to name functions) see its storage. */
static void lock_library(lua_State *L, const char *name) {
  lua_getglobal(L, name);
  lrl_make_readonly(L, -1, name);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  push_storage(L, -2);
  lua_setfield(L, -2, name);
  lua_pop(L, 2);
}

/* The sandbox's registry entries: the state, the finalizer anchors, the
** coroutines stopped by a limit, the finalizer boxes' metatable. */
static void setup_registry(lua_State *L, lrl_state *s) {
  lua_pushlightuserdata(L, s);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &lrl_key_state);
  lua_newtable(L);                       /* finalizer anchors: ephemeron */
  lua_newtable(L);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_anchors);
  lua_newtable(L);                       /* coroutines stopped by a limit */
  lua_newtable(L);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_stopped);
  luaL_newmetatable(L, FINALIZER_MT);
  lua_pushcfunction(L, run_finalizer);
  lua_setfield(L, -2, "__gc");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}

/* What the offered libraries (globals at g) may do: no files, printing,
** dumps or warnings; bounded C loops; a fixed seed; hooks on every
** thread; require() from the embedded stdlib. */
static void narrow_libraries(lua_State *L, int g) {
  /* base: no files, no printing, no warnings, no raw access to proxies */
  static const luaL_Reg base[] = {
    {"dofile", NULL}, {"loadfile", NULL}, {"print", NULL}, {"warn", NULL},
    {"collectgarbage", s_collectgarbage}, {"rawset", s_rawset},
    {"rawget", s_rawget}, {"rawlen", s_rawlen}, {"next", s_next},
    {"setmetatable", s_setmetatable}, {"pcall", s_pcall},
    {"xpcall", s_xpcall}, {NULL, NULL}};
  for (const luaL_Reg *r = base; r->name; r++) set_field(L, g, r->name, r->func);
  lrl_wrap_field(L, g, "load", s_load);

  /* string: no dump; bounded rep and pattern functions */
  lua_getfield(L, g, LUA_STRLIBNAME);
  lua_getfield(L, g, LUA_TABLIBNAME);
  set_field(L, -2, "dump", NULL);
  lrl_open_bounded(L, -2, -1);
  lrl_open_patterns(L, -2);
  lua_pop(L, 2);
  lrl_open_charged(L, g);

  /* math: a fixed seed */
  lua_getfield(L, g, LUA_MATHLIBNAME);
  lua_getfield(L, -1, "randomseed");
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_randomseed);
  lua_pushinteger(L, LRL_RANDOM_SEED);
  lua_call(L, 1, 0);
  lrl_wrap_field(L, lua_gettop(L), "randomseed", s_randomseed);
  lua_pop(L, 1);

  /* os: time, date and clock only; reading the wall clock counts as a
  ** read of the clock (lrl_state.clock_reads) */
  lua_getfield(L, g, LUA_OSLIBNAME);
  lua_createtable(L, 0, 3);
  static const char *const os_keep[] = {"time", "date", "clock", NULL};
  for (int i = 0; os_keep[i]; i++) {
    lua_getfield(L, -2, os_keep[i]);
    lua_pushinteger(L, i == 1 ? 2 : i == 0 ? 1 : 0);   /* the time argument */
    lua_pushcclosure(L, os_clock_read, 2);
    lua_setfield(L, -2, os_keep[i]);
  }
  lua_setfield(L, g, LUA_OSLIBNAME);
  lua_pop(L, 1);

  /* coroutine: hooks on every thread */
  lua_getfield(L, g, LUA_COLIBNAME);
  set_field(L, -1, "create", s_cocreate);
  set_field(L, -1, "wrap", s_cowrap);
  lrl_wrap_field(L, lua_gettop(L), "resume", s_coresume);
  lrl_wrap_field(L, lua_gettop(L), "close", s_coclose);
  lua_pop(L, 1);

  lrl_open_require(L, g);
}

/* Shared tables become read-only, the string metatable is hidden and
** globals (at g) are strict. */
static void lock_shared(lua_State *L, int g) {
  static const char *const shared[] = {LUA_STRLIBNAME, LUA_TABLIBNAME,
    LUA_MATHLIBNAME, LUA_OSLIBNAME, LUA_UTF8LIBNAME, LUA_COLIBNAME, NULL};
  for (int i = 0; shared[i]; i++) lock_library(L, shared[i]);
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_getfield(L, g, LUA_STRLIBNAME);
  push_storage(L, -1);
  lua_setfield(L, -3, "__index");        /* methods without the proxy hop */
  lua_pop(L, 1);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  /* Strict globals: reading an undefined one is an error. */
  lua_newtable(L);
  lua_pushcfunction(L, strict_index);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, g);
}

static int setup(lua_State *L) {
  setup_registry(L, lua_touserdata(L, 1));
  /* The libraries offered, and only those. */
  static const luaL_Reg libs[] = {
    {LUA_GNAME, luaopen_base}, {LUA_STRLIBNAME, luaopen_string},
    {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
    {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine},
    {LUA_OSLIBNAME, luaopen_os}, {NULL, NULL}};
  for (const luaL_Reg *lib = libs; lib->func; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  int g = lua_gettop(L);
  narrow_libraries(L, g);
  lock_shared(L, g);
  lua_pop(L, 1);
  return 0;
}

lrl_state *lrl_new(size_t max_memory, long long max_instructions) {
  lrl_state *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->mem_limit = max_memory ? max_memory : LRL_DEFAULT_MEMORY;
  s->max_instructions = max_instructions > 0 ? max_instructions
                                             : LRL_DEFAULT_INSTRUCTIONS;
  lua_State *L = lua_newstate(lrl_alloc, s);
  if (!L) {
    free(s);
    return NULL;
  }
  s->L = s->running = L;
  lua_pushcfunction(L, setup);
  lua_pushlightuserdata(L, s);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    s->closing = 1;
    lua_close(L);
    free(s);
    return NULL;
  }
  lua_gc(L, LUA_GCCOLLECT, 0);
  lrl_budget_reset(s);
  return s;
}

void lrl_free(lrl_state *s) {
  if (!s) return;
  s->closing = 1;              /* no policy finalizer runs from here on */
  if (s->L) {
    lua_sethook(s->L, NULL, 0, 0);
    lua_close(s->L);
  }
  free(s->module_dir);
  free(s);
}

void lrl_set_module_dir(lrl_state *s, const char *dir, int allow) {
  free(s->module_dir);
  s->module_dir = dir ? strdup(dir) : NULL;
  s->allow_local_modules = allow && s->module_dir;
}

void lrl_set_module_dir_of(lrl_state *s, const char *path, int allow) {
  char *dir = strdup(path);
  if (!dir) return;
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
  else strcpy(dir, ".");
  lrl_set_module_dir(s, dir, allow);
  free(dir);
}

/* }================================================================== */

/*
** {==================================================================
** Loading chunks
** ===================================================================
*/

static int load_result(lrl_state *s, lua_State *L, int st) {
  if (st == LUA_OK) return LR_OK;
  if (st == LUA_ERRMEM) {
    char text[128];
    int reason = s->mem_refused ? LRL_KILL_MEMORY : LRL_KILL_NOMEM;
    int saved = s->kill_reason;
    s->kill_reason = reason;
    lrl_kill_text(s, text, sizeof text);
    s->kill_reason = saved;
    snprintf(s->errmsg, sizeof s->errmsg, "%s", text);
    lua_pop(L, 1);
    return reason == LRL_KILL_MEMORY ? LR_LIMIT : LR_NOMEM;
  }
  const char *msg = lua_tostring(L, -1);
  snprintf(s->errmsg, sizeof s->errmsg, "%s", msg ? msg : "load error");
  lua_pop(L, 1);
  return LR_POLICY;
}

/* A chunk whose first line starts with '#' (a shebang) loses that line
** but keeps its newline, so line numbers stay right. */
static const char *skip_shebang(const char *src, size_t *len) {
  if (*len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {   /* BOM */
    src += 3;
    *len -= 3;
  }
  if (*len && src[0] == '#') {
    const char *nl = memchr(src, '\n', *len);
    if (!nl) nl = src + *len;
    *len -= (size_t)(nl - src);
    src = nl;
  }
  return src;
}

int lrl_load_buffer(lrl_state *s, const char *src, size_t len,
                    const char *name) {
  char chunkname[1024];
  snprintf(chunkname, sizeof chunkname, "@%s", name ? name : "?");
  s->errmsg[0] = 0;
  s->mem_refused = 0;
  src = skip_shebang(src, &len);
  return load_result(s, s->L,
                     luaL_loadbufferx(s->L, src, len, chunkname, "t"));
}

int lrl_load_file(lrl_state *s, const char *path, const char *name) {
  return lrl_load_file_on(s, s->L, path, name, NULL);
}

int lrl_load_file_on(lrl_state *s, lua_State *L, const char *path,
                     const char *name, int *unopened) {
  char chunkname[1024];
  char *src;
  size_t len;
  int err;
  s->errmsg[0] = 0;
  switch (lrb_read_file(path, &src, &len, &err)) {
    case LRB_FILE_OK: break;
    case LRB_FILE_OPEN:
      if (unopened) *unopened = 1;
      snprintf(s->errmsg, sizeof s->errmsg, "cannot open %s: %s", path,
               strerror(err));
      return LR_IO;
    case LRB_FILE_READ:
      snprintf(s->errmsg, sizeof s->errmsg, "cannot read %s: %s", path,
               strerror(err));
      return LR_IO;
    default:
      snprintf(s->errmsg, sizeof s->errmsg, "not enough memory");
      return LR_NOMEM;
  }
  snprintf(chunkname, sizeof chunkname, "@%s", name ? name : path);
  s->mem_refused = 0;
  const char *code = skip_shebang(src, &len);
  int st = luaL_loadbufferx(L, code, len, chunkname, "t");
  free(src);
  return load_result(s, L, st);
}

/* }================================================================== */
