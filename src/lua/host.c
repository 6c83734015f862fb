/*
** host.c -- a host helper for print and closures: the hosts (policy
** declarations, scripts, the shell, test files) register their C
** functions as closures over their own context, and each configures one
** print(): how it shows values and where the line goes.
*/
#include <lauxlib.h>
#include <lua.h>

#include "format.h"
#include "host.h"
#include "runtime.h"

void lrl_push_closure(lua_State *L, lua_CFunction f, void *ctx) {
  lua_pushlightuserdata(L, ctx);
  lua_pushcclosure(L, f, 1);
}

void lrl_set_closure(lua_State *L, const char *name, lua_CFunction f,
                     void *ctx) {
  lrl_push_closure(L, f, ctx);
  lrl_setglobal(L, name);
}

void lrl_set_closures(lua_State *L, const luaL_Reg *fns, void *ctx) {
  for (; fns->name; fns++) lrl_set_closure(L, fns->name, fns->func, ctx);
}

void *lrl_closure_ctx(lua_State *L) {
  return lua_touserdata(L, lua_upvalueindex(1));
}

typedef struct print_cfg {
  int how;
  lrl_print_fn out;
  void *ctx;
} print_cfg;

/* LRL_PRINT_TOSTRING: the line as a Lua string on the stack. */
static void line_tostring(lua_State *L, int n) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; i++) {
    /* the tab first: the buffer may move only while it is on top */
    if (i > 1) luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_addchar(&b, '\n');
  luaL_pushresult(&b);
}

/* LRL_PRINT_SHOW: the line in b. */
static void line_show(lua_State *L, int n, lr_buf *b) {
  for (int i = 1; i <= n; i++) {
    if (i > 1) lrb_addc(b, '\t');
    if (lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER) {
      size_t len;
      const char *s = lua_tolstring(L, i, &len);
      lrb_add(b, s, len);
    } else {
      lrl_fmt_value(L, i, b, 0);
    }
  }
  lrb_addc(b, '\n');
}

static int host_print(lua_State *L) {
  const print_cfg *c = lua_touserdata(L, lua_upvalueindex(1));
  int n = lua_gettop(L);
  int closed;
  if (c->how == LRL_PRINT_TOSTRING) {
    line_tostring(L, n);
    size_t len;
    const char *line = lua_tolstring(L, -1, &len);
    closed = c->out(c->ctx, line, len);
  } else {
    lr_buf b = LR_BUF_INIT;
    line_show(L, n, &b);
    closed = c->out(c->ctx, lrb_str(&b), b.n);
    lrb_free(&b);
  }
  if (closed) lrl_error(L, "print: the output was closed");
  return 0;
}

void lrl_push_print(lua_State *L, int how, lrl_print_fn out, void *ctx) {
  print_cfg *c = lua_newuserdatauv(L, sizeof *c, 0);
  c->how = how;
  c->out = out;
  c->ctx = ctx;
  lua_pushcclosure(L, host_print, 1);
}
