/*
** collect.c -- lr_policy_errors: load a policy only to list what is wrong
** with it.  The declarations (stages, rule, transition, ...) are wrapped
** so that one that fails records its "file:LINE: message" and the chunk
** goes on with the next; a rule "x" { ... } that fails in either call is
** skipped whole.  Errors outside a declaration (a syntax error, a runtime
** error in the policy's own code) end the load as usual, and are listed
** last.  `leadrules check` uses it to report every load error at once.
*/
#include <ctype.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store.h"
#include "collect.h"

static const char *const DECLS[] = {"stages", "rule", "transition",
  "handoff", "round_robin", "by_field", "grade", "total", NULL};

/* Takes anything, returns itself: what a failed declaration returns, so
** that `rule "x" { ... }` and round_robin { ... } inside a handoff go on. */
static int swallow(lua_State *L) {
  lua_settop(L, 0);
  lua_pushvalue(L, lua_upvalueindex(1));
  return 1;
}

static void push_swallow(lua_State *L) {
  lua_pushnil(L);
  lua_pushcclosure(L, swallow, 1);
  lua_pushvalue(L, -1);
  lua_setupvalue(L, -2, 1);            /* the closure is its own result */
}

static int wrapped(lua_State *L);

static void push_wrapped(lua_State *L, int fn, lr_policy *p) {
  lua_pushvalue(L, fn);
  lua_pushlightuserdata(L, p);
  lua_pushcclosure(L, wrapped, 2);
}

/* "file:LINE: message" -> "file:LINE: error: message" (or "file: error:
** message" when it names no line) into the policy's collection. */
static void record(lr_policy *p, const char *msg) {
  lr_buf *b = p->collect;
  p->ncollected++;
  for (const char *c = strchr(msg, ':'); c; c = strchr(c + 1, ':')) {
    const char *d = c + 1;
    if (!isdigit((unsigned char)*d)) continue;
    while (isdigit((unsigned char)*d)) d++;
    if (d[0] == ':' && d[1] == ' ') {
      lrb_printf(b, "%.*s error: %s\n", (int)(d + 1 - msg), msg, d + 2);
      return;
    }
  }
  lrb_printf(b, "%s: error: %s\n", p->path ? p->path : p->name, msg);
}

static int wrapped(lua_State *L) {
  lr_policy *p = lua_touserdata(L, lua_upvalueindex(2));
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  int rc = lua_pcall(L, n, LUA_MULTRET, 0);
  if (rc != LUA_OK) {
    if (rc == LUA_ERRMEM || !lua_isstring(L, -1)) return lua_error(L);
    record(p, lua_tostring(L, -1));
    lua_settop(L, 0);
    push_swallow(L);
    return 1;
  }
  /* a declaration that returns a function (rule "x" returns the call
  ** that takes the table) returns it wrapped too */
  for (int i = 1, top = lua_gettop(L); i <= top; i++) {
    if (lua_type(L, i) != LUA_TFUNCTION) continue;
    push_wrapped(L, i, p);
    lua_replace(L, i);
  }
  return lua_gettop(L);
}

void lrp_collect_wrap(lrp_instance *in) {
  lua_State *L = in->rt->L;
  for (const char *const *d = DECLS; *d; d++) {
    if (lua_getglobal(L, *d) == LUA_TFUNCTION) {
      push_wrapped(L, lua_gettop(L), in->policy);
      lrl_setglobal(L, *d);
    }
    lua_pop(L, 1);
  }
}

void lrp_collect_error(lr_policy *p, const char *msg) { record(p, msg); }

int lr_policy_errors(lr_db *db, const char *path, lr_write_fn write,
                     void *ctx, int *errors) {
  if (errors) *errors = 0;
  if (!db || !path || !write) return LR_MISUSE;
  lr_buf found = LR_BUF_INIT;
  lr_policy_opts o = LR_POLICY_OPTS_INIT;
  lr_policy *p = NULL;
  int n = 0;
  int rc = lrp_policy_load_collect(db, path, &o, &found, &n, &p);
  lr_policy_free(p);
  if (rc == LR_IO || rc == LR_NOMEM || rc == LR_MISUSE) {
    lrb_free(&found);
    return rc;
  }
  if (found.oom) {
    lrb_free(&found);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  int wrc = found.n ? write(ctx, found.p, found.n) : 0;
  lrb_free(&found);
  if (wrc) return lr__err(db, LR_IO, "writing the errors failed");
  if (errors) *errors = n;
  return lr__ok(db);
}
