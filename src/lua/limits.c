/*
** limits.c -- what a policy may spend: memory (a capped lua_Alloc), time
** (an instruction budget counted by a count hook) and the C functions
** that would otherwise work for a long time without the hook ticking
** (string.rep, table.concat, table.insert/remove/move/sort/unpack).
**
** Kill mode: once a limit fires the state is "killed".  The hook of every
** thread we touch then fires every instruction and raises the limit error
** again, so a pcall inside the policy cannot swallow it; the wrapped
** pcall/xpcall/coroutine.resume re-raise it as soon as they return.  Only
** lrl_budget_reset() clears it.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "../leadrules.h"
#include "sandbox_int.h"

/*
** {==================================================================
** Allocator
** ===================================================================
*/

/*
** A cap in the manner of ltests.c: only growth can be refused; frees and
** shrinks always go through, so that the collector can make room and a
** failing state can always be closed.  When ptr is NULL, osize is a type
** tag, not a size.  Growth is also charged to the instruction budget
** (see LRL_BYTES_PER_INSTRUCTION); the allocator never raises, it only
** makes the next hook tick come sooner once the budget is spent.
*/
void *lrl_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  lrl_state *s = ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    s->mem_used -= old;
    return NULL;
  }
  if (nsize > old) {
    size_t grow = nsize - old;
    if (s->mem_limit && !s->closing &&
        (s->mem_used > s->mem_limit || grow > s->mem_limit - s->mem_used)) {
      s->mem_refused = 1;     /* Lua collects and retries once */
      /* The error unwinds before any hook or handler sees the line: take
      ** it now (lua_getinfo only reads the call stack). */
      if (s->running)
        lrl_where(s->running, 0, s->mem_where, sizeof s->mem_where);
      return NULL;
    }
    s->spent += (long long)(grow / LRL_BYTES_PER_INSTRUCTION);
    /* Over budget or cancelled: tick at the next instruction, which then
    ** raises (a C function that allocates much is seen right after). */
    if ((s->spent > s->max_instructions || (s->cancel && *s->cancel)) &&
        s->running && !s->killed)
      lua_sethook(s->running, lrl_hook, LUA_MASKCOUNT, LRL_KILL_INTERVAL);
    else if (s->mem_limit && s->running && !s->killed &&
             s->mem_used + grow > s->near_mark) {
      /* Each time the free memory halves, tick at the next instruction so
      ** that tick_where names the line: a memory error raised by the VM
      ** itself (s .. s) never reaches the message handler.  Only a few
      ** times per call: lua_sethook walks the whole call stack. */
      size_t used = s->mem_used + grow;
      s->near_mark = used < s->mem_limit ? used + (s->mem_limit - used) / 2
                                         : (size_t)-1;
      lua_sethook(s->running, lrl_hook, LUA_MASKCOUNT, 1);
    }
  }
  void *p = realloc(ptr, nsize);
  if (!p) return NULL;
  s->mem_used = s->mem_used - old + nsize;
  return p;
}

/* }================================================================== */

/*
** {==================================================================
** Instruction budget and kill mode
** ===================================================================
*/

static void set_where(char *dst, size_t n, const char *where) {
  snprintf(dst, n, "%s", where ? where : "");
}

const char *lrl_kill_text(lrl_state *s, char *buf, size_t n) {
  switch (s->kill_reason) {
    case LRL_KILL_INSTR:
      snprintf(buf, n, "instruction limit exceeded (%lld instructions)",
               s->max_instructions);
      break;
    case LRL_KILL_MEMORY:
      if (s->mem_limit % (1u << 20) == 0)
        snprintf(buf, n, "memory limit of %zu MiB exceeded",
                 s->mem_limit >> 20);
      else
        snprintf(buf, n, "memory limit of %zu KiB exceeded",
                 s->mem_limit >> 10);
      break;
    case LRL_KILL_NOMEM: snprintf(buf, n, "not enough memory"); break;
    case LRL_KILL_CANCEL: snprintf(buf, n, "interrupted"); break;
    default: snprintf(buf, n, "no limit fired"); break;
  }
  return buf;
}

void lrl_arm(lua_State *L) {
  lrl_state *s = lrl_from(L);
  lua_sethook(L, lrl_hook, LUA_MASKCOUNT,
              s->killed ? LRL_KILL_INTERVAL : LRL_HOOK_INTERVAL);
}

void lrl_kill(lua_State *L, int reason, const char *where) {
  lrl_state *s = lrl_from(L);
  if (!s->killed) {
    s->killed = 1;
    s->kill_reason = reason;
    s->limit_kind = reason == LRL_KILL_CANCEL ? LR_INTERRUPT
                  : reason == LRL_KILL_NOMEM ? LR_NOMEM : LR_LIMIT;
    if (!(where && *where))
      where = reason == LRL_KILL_MEMORY && s->mem_where[0] ? s->mem_where
                                                            : s->tick_where;
    set_where(s->kill_where, sizeof s->kill_where, where);
  }
  /* Every instruction of this thread and of the main thread now errors;
  ** other threads error at their next tick or when resumed. */
  lua_sethook(L, lrl_hook, LUA_MASKCOUNT, LRL_KILL_INTERVAL);
  if (L != s->L)
    lua_sethook(s->L, lrl_hook, LUA_MASKCOUNT, LRL_KILL_INTERVAL);
}

int lrl_raise_kill(lua_State *L) {
  lrl_state *s = lrl_from(L);
  char text[128];
  lrl_kill_text(s, text, sizeof text);
  if (s->kill_where[0])
    lua_pushfstring(L, "%s: %s", s->kill_where, text);
  else
    lua_pushstring(L, text);
  return lua_error(L);
}

/*
** The count hook.  Never touches anything but the state's counters (the
** cancel flag may be set from a signal handler or another thread; it is
** only read here).
*/
void lrl_hook(lua_State *L, lua_Debug *ar) {
  lrl_state *s = lrl_from(L);
  int count = lua_gethookcount(L);
  if (s->killed) {
    if (count != LRL_KILL_INTERVAL)
      lua_sethook(L, lrl_hook, LUA_MASKCOUNT, LRL_KILL_INTERVAL);
    lrl_raise_kill(L);
  }
  s->spent += count;
  if (count != LRL_HOOK_INTERVAL)   /* left in kill mode before a reset */
    lua_sethook(L, lrl_hook, LUA_MASKCOUNT, LRL_HOOK_INTERVAL);
  if (lua_getinfo(L, "Sl", ar))
    snprintf(s->tick_where, sizeof s->tick_where, "%s:%d", ar->short_src,
             ar->currentline);
  if (s->cancel && *s->cancel) {
    lrl_kill(L, LRL_KILL_CANCEL, s->tick_where);
    lrl_raise_kill(L);
  }
  if (s->spent > s->max_instructions) {
    lrl_kill(L, LRL_KILL_INSTR, s->tick_where);
    lrl_raise_kill(L);
  }
}

void lrl_charge(lua_State *L, long long n) {
  lrl_state *s = lrl_from(L);
  if (n > 0) {
    if (n > LLONG_MAX - s->spent) s->spent = LLONG_MAX;
    else s->spent += n;
  }
  if (!s->killed) {
    char where[256];
    if (s->cancel && *s->cancel) {
      lrl_where(L, 1, where, sizeof where);
      lrl_kill(L, LRL_KILL_CANCEL, where);
    } else if (s->spent > s->max_instructions) {
      lrl_where(L, 1, where, sizeof where);
      lrl_kill(L, LRL_KILL_INSTR, where);
    }
  }
  if (s->killed) lrl_raise_kill(L);
}

void lrl_budget_reset(lrl_state *s) {
  if (!s) return;
  s->spent = 0;
  s->killed = 0;
  s->kill_reason = LRL_KILL_NONE;
  s->limit_kind = 0;
  s->mem_refused = 0;
  s->kill_where[0] = s->tick_where[0] = s->mem_where[0] = 0;
  if (s->L) lrl_arm(s->L);
}

static size_t mem_free(lrl_state *s) {
  if (!s->mem_limit) return (size_t)-1;
  return s->mem_used >= s->mem_limit ? 0 : s->mem_limit - s->mem_used;
}

void lrl_need_memory(lua_State *L, size_t bytes) {
  lrl_state *s = lrl_from(L);
  if (bytes <= mem_free(s)) return;
  lua_gc(L, LUA_GCCOLLECT, 0);      /* garbage may be what is in the way */
  if (bytes <= mem_free(s)) return;
  char where[256];
  lrl_where(L, 1, where, sizeof where);
  lrl_kill(L, LRL_KILL_MEMORY, where);
  lrl_raise_kill(L);
}

/* }================================================================== */

/*
** {==================================================================
** Bounded library functions
** ===================================================================
*/

/*
** string.rep: the result size is known in advance, so it is checked
** against the memory left before anything is allocated.  An empty result
** returns at once (stock Lua would loop n times copying nothing).
*/
static int b_rep(lua_State *L) {
  size_t l, lsep;
  const char *s = luaL_checklstring(L, 1, &l);
  lua_Integer n = luaL_checkinteger(L, 2);
  const char *sep = luaL_optlstring(L, 3, "", &lsep);
  if (n <= 0 || (l == 0 && (lsep == 0 || n == 1))) {
    lua_pushliteral(L, "");
    return 1;
  }
  /* total = n*l + (n-1)*lsep, refused on overflow */
  size_t unit = l + lsep;
  if (unit < l || (lua_Unsigned)n > ((size_t)-1 / 2) / unit) {
    lrl_need_memory(L, (size_t)-1);
    return 0;
  }
  size_t total = (size_t)n * unit - lsep;
  lrl_need_memory(L, total);
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, total);
  /* one copy, then double the filled part */
  memcpy(p, s, l);
  if (lsep && n > 1) memcpy(p + l, sep, lsep);
  size_t done = (n > 1) ? unit : l;
  while (done < total) {
    size_t k = done < total - done ? done : total - done;
    memcpy(p + done, p, k);
    done += k;
  }
  luaL_pushresultsize(&b, total);
  return 1;
}

/* A table argument, or an object with the metamethods the call needs. */
static void check_tab(lua_State *L, int arg, int need_write) {
  if (lua_type(L, arg) == LUA_TTABLE) return;
  int ok = 0;
  if (lua_getmetatable(L, arg)) {
    ok = (luaL_getmetafield(L, arg, "__index") != LUA_TNIL);
    if (ok) lua_pop(L, 1);
    if (ok && need_write) {
      ok = (luaL_getmetafield(L, arg, "__newindex") != LUA_TNIL);
      if (ok) lua_pop(L, 1);
    }
    if (ok) {
      ok = (luaL_getmetafield(L, arg, "__len") != LUA_TNIL);
      if (ok) lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  if (!ok) luaL_checktype(L, arg, LUA_TTABLE);   /* raises */
}

/*
** table.concat: every element is charged to the budget up front (so a
** range of 1e15 fails at once) and the result size is checked against
** the memory left as it grows.
*/
static int b_concat(lua_State *L) {
  check_tab(L, 1, 0);
  size_t lsep;
  const char *sep = luaL_optlstring(L, 2, "", &lsep);
  lua_Integer i = luaL_optinteger(L, 3, 1);
  lua_Integer last = lua_isnoneornil(L, 4) ? luaL_len(L, 1)
                                           : luaL_checkinteger(L, 4);
  if (i > last) {
    lua_pushliteral(L, "");
    return 1;
  }
  lua_Unsigned count = (lua_Unsigned)last - (lua_Unsigned)i + 1u;
  lrl_charge(L, count > (lua_Unsigned)LLONG_MAX ? LLONG_MAX
                                                 : (long long)count);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  size_t total = 0;
  for (;;) {
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1))
      return luaL_error(L, "invalid value (%s) at index %I in table for "
                        "'concat'", luaL_typename(L, -1), (LUAI_UACINT)i);
    size_t len;
    lua_tolstring(L, -1, &len);
    size_t add = len + (i < last ? lsep : 0);
    if (add < len || total + add < total) lrl_need_memory(L, (size_t)-1);
    total += add;
    lrl_need_memory(L, total);
    luaL_addvalue(&b);
    if (i == last) break;
    luaL_addlstring(&b, sep, lsep);
    i++;
  }
  luaL_pushresult(&b);
  return 1;
}

/* table.insert: shifting is charged one instruction per element moved. */
static int b_insert(lua_State *L) {
  check_tab(L, 1, 1);
  lua_Integer e = luaL_len(L, 1);
  e = (lua_Integer)((lua_Unsigned)e + 1u);   /* first empty slot */
  lua_Integer pos;
  switch (lua_gettop(L)) {
    case 2:
      pos = e;
      break;
    case 3:
      pos = luaL_checkinteger(L, 2);
      luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2,
                    "position out of bounds");
      lrl_charge(L, (long long)(e - pos));
      for (lua_Integer i = e; i > pos; i--) {
        lua_geti(L, 1, i - 1);
        lua_seti(L, 1, i);
      }
      break;
    default:
      return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, pos);
  return 0;
}

/* table.remove: likewise. */
static int b_remove(lua_State *L) {
  check_tab(L, 1, 1);
  lua_Integer size = luaL_len(L, 1);
  lua_Integer pos = luaL_optinteger(L, 2, size);
  if (pos != size)
    luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
                  "position out of bounds");
  lua_geti(L, 1, pos);
  if (pos < size) lrl_charge(L, (long long)(size - pos));
  for (; pos < size; pos++) {
    lua_geti(L, 1, pos + 1);
    lua_seti(L, 1, pos);
  }
  lua_pushnil(L);      /* the old last element goes away */
  lua_seti(L, 1, pos);
  return 1;
}

/* table.move, table.sort, table.unpack: charge, then call the original
** (upvalue 1) with the same arguments. */
static long long span(lua_State *L, int a, int b) {
  lua_Integer f = luaL_optinteger(L, a, 1);
  lua_Integer e = luaL_optinteger(L, b, 0);
  if (e < f) return 0;
  lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)f + 1u;
  return n > (lua_Unsigned)LLONG_MAX ? LLONG_MAX : (long long)n;
}

/* Call the original library function (upvalue 1) with our arguments.
** Argument errors were checked by the caller (so they name the function
** the policy called); errors the original raises itself lack a position
** because its caller is C, so the policy's line is added here. */
static int call_original(lua_State *L) {
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  int st = lua_pcall(L, n, LUA_MULTRET, 0);
  if (st == LUA_OK) return lua_gettop(L);
  lrl_state *s = lrl_from(L);
  if (st == LUA_ERRMEM && !s->killed)
    lrl_kill(L, s->mem_refused ? LRL_KILL_MEMORY : LRL_KILL_NOMEM, NULL);
  if (s->killed) return lrl_raise_kill(L);
  if (lua_type(L, -1) == LUA_TSTRING && !lrl_position_len(lua_tostring(L, -1))) {
    char where[256];
    lrl_where(L, 1, where, sizeof where);
    if (where[0]) {
      lua_pushfstring(L, "%s: %s", where, lua_tostring(L, -1));
      lua_remove(L, -2);
    }
  }
  return lua_error(L);
}

static int b_move(lua_State *L) {
  check_tab(L, 1, 0);
  lua_Integer f = luaL_checkinteger(L, 2);
  lua_Integer e = luaL_checkinteger(L, 3);
  luaL_checkinteger(L, 4);
  if (!lua_isnoneornil(L, 5)) check_tab(L, 5, 1);
  if (e >= f) lrl_charge(L, span(L, 2, 3));
  return call_original(L);
}

static int b_unpack(lua_State *L) {
  luaL_optinteger(L, 2, 1);
  if (!lua_isnoneornil(L, 3)) {
    luaL_checkinteger(L, 3);
    lrl_charge(L, span(L, 2, 3));
  } else if (lua_type(L, 1) == LUA_TTABLE) {
    lrl_charge(L, (long long)lua_rawlen(L, 1));
  }
  return call_original(L);
}

static int b_sort(lua_State *L) {
  check_tab(L, 1, 1);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
  if (lua_type(L, 1) == LUA_TTABLE) {
    long long n = (long long)lua_rawlen(L, 1), lg = 1;
    for (long long k = n; k > 1; k >>= 1) lg++;
    /* Comparing two strings reads them (strcoll, also for `a < b` in a
    ** comparator): each comparison costs up to the longest one. */
    size_t longest = 0;
    for (long long i = 1; i <= n; i++) {
      if (lua_rawgeti(L, 1, (lua_Integer)i) == LUA_TSTRING &&
          lua_rawlen(L, -1) > longest)
        longest = lua_rawlen(L, -1);
      lua_pop(L, 1);
    }
    long long per = 1 + (long long)(longest / LRL_SCAN_BYTES_PER_INSTRUCTION);
    lrl_charge(L, n * lg > LLONG_MAX / per ? LLONG_MAX : n * lg * per);
  }
  return call_original(L);
}

void lrl_open_bounded(lua_State *L, int string_idx, int table_idx) {
  string_idx = lua_absindex(L, string_idx);
  table_idx = lua_absindex(L, table_idx);
  lua_pushcfunction(L, b_rep);
  lua_setfield(L, string_idx, "rep");
  static const luaL_Reg table_fns[] = {{"concat", b_concat},
    {"insert", b_insert}, {"remove", b_remove}, {NULL, NULL}};
  lua_pushvalue(L, table_idx);
  luaL_setfuncs(L, table_fns, 0);
  lua_pop(L, 1);
  lrl_wrap_field(L, table_idx, "move", b_move);
  lrl_wrap_field(L, table_idx, "sort", b_sort);
  lrl_wrap_field(L, table_idx, "unpack", b_unpack);
}

/* }================================================================== */
