/*
** pcall.c -- the one protected-call helper through which the host enters
** Lua, in the manner of lua.c's pmain/msghandler: a C message handler
** turns the error object into a one-line "file:LINE: message" and keeps
** a short traceback aside (s->traceback); the result is mapped to an
** LR_* code.  The handler never calls __tostring or __name, so a
** misbehaving error object cannot hang or crash the host.  LUA_ERRMEM
** never reaches a message handler; it is recognised by its status.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "../leadrules.h"
#include "sandbox_int.h"

/* "file:LINE" of the first function from `level` up that has a current
** line (a Lua function): a C function called by another C function
** (table.insert writing to a read-only table) is charged to the policy
** line that started the chain.  With `skip_stdlib`, frames of the
** embedded stdlib are passed over when a policy frame lies above them. */
static void where_from(lua_State *L, int level, int skip_stdlib, char *buf,
                       size_t n) {
  lua_Debug ar;
  buf[0] = 0;
  for (; lua_getstack(L, level, &ar); level++) {
    if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
    int stdlib = strncmp(ar.source, "@stdlib/", 8) == 0;
    if (!buf[0] || !stdlib)
      snprintf(buf, n, "%s:%d", ar.short_src, ar.currentline);
    if (!skip_stdlib || !stdlib) return;
  }
}

void lrl_where(lua_State *L, int level, char *buf, size_t n) {
  if (!buf || n == 0) return;
  where_from(L, level, 0, buf, n);
}

int lrl_error_at(lua_State *L, int level, const char *fmt, ...) {
  char msg[1024], where[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lrl_where(L, level, where, sizeof where);
  if (where[0]) lua_pushfstring(L, "%s: %s", where, msg);
  else lua_pushstring(L, msg);
  return lua_error(L);
}

size_t lrl_position_len(const char *msg) {
  const char *c = strchr(msg, ':');
  if (!c || c == msg) return 0;
  const char *d = c + 1;
  while (*d >= '0' && *d <= '9') d++;
  if (d == c + 1 || *d != ':') return 0;
  return (size_t)(d - msg) + (d[1] == ' ' ? 2 : 1);
}

/* Longest message kept: a policy's own text beyond this is cut. */
#define MSG_MAX 1024

/*
** Replace the message at index 1 by "WHERE: text": the position of the
** innermost policy frame when the text has none (error("msg", 0),
** error(42), errors raised by C functions called from C), one copy of a
** position repeated at its front (errors passed out through nested
** coroutine.wrap), cut to MSG_MAX bytes.
*/
static void position_message(lua_State *L) {
  size_t len;
  const char *msg = lua_tolstring(L, 1, &len);
  size_t p = lrl_position_len(msg);
  if (p == 0) {
    char where[256];
    where_from(L, 1, 1, where, sizeof where);
    if (where[0]) {
      lua_pushfstring(L, "%s: %s", where, msg);
      lua_replace(L, 1);
      msg = lua_tolstring(L, 1, &len);
    }
    p = lrl_position_len(msg);
  }
  const char *m = msg;
  while (p && (size_t)(msg + len - m) >= 2 * p && memcmp(m, m + p, p) == 0)
    m += p;
  if (m != msg || len > MSG_MAX) {
    char *buf = lua_newuserdatauv(L, MSG_MAX + 4, 0);
    size_t k = (size_t)(msg + len - m);
    memcpy(buf, msg, p);                      /* one position */
    if (k > MSG_MAX) {
      memcpy(buf + p, m + p, MSG_MAX - p - 3);
      memcpy(buf + MSG_MAX - 3, "...", 3);
      k = MSG_MAX;
    } else {
      memcpy(buf + p, m + p, k - p);
    }
    lua_pushlstring(L, buf, k);
    lua_replace(L, 1);
    lua_pop(L, 1);
  }
}

/*
** Message handler: every message starts with the position of the policy
** code that raised it (see position_message); an error object that is
** neither string nor number is described by its basic type only.  The
** traceback goes to s->traceback, not into the message.
*/
int lrl_msghandler(lua_State *L) {
  lrl_state *s = lrl_from(L);
  if (s->killed && s->kill_reason != LRL_KILL_INSTR &&
      s->kill_reason != LRL_KILL_CANCEL)
    return 1;   /* out of memory: do not allocate a traceback */
  int t = lua_type(L, 1);
  if (t != LUA_TSTRING && t != LUA_TNUMBER) {
    lua_pushfstring(L, "(error object is a %s value)", lua_typename(L, t));
    lua_replace(L, 1);
  } else if (t == LUA_TNUMBER) {
    lua_tostring(L, 1);   /* converts in place: the slot is ours */
  }
  position_message(L);
  luaL_traceback(L, L, NULL, 1);
  snprintf(s->traceback, sizeof s->traceback, "%s", lua_tostring(L, -1));
  lua_pop(L, 1);
  return 1;
}

static int kill_result(lrl_state *s) {
  char text[128];
  lrl_kill_text(s, text, sizeof text);
  if (s->kill_where[0])
    snprintf(s->errmsg, sizeof s->errmsg, "%s: %s", s->kill_where, text);
  else
    snprintf(s->errmsg, sizeof s->errmsg, "%s", text);
  return s->limit_kind ? s->limit_kind : LR_LIMIT;
}

int lrl_pcall(lrl_state *s, int nargs, int nresults) {
  lua_State *L = s->L;
  int fidx = lua_gettop(L) - nargs;
  s->errmsg[0] = 0;
  s->traceback[0] = 0;
  if (!s->killed) s->tick_where[0] = 0;
  if (!s->killed && s->cancel && *s->cancel)
    lrl_kill(L, LRL_KILL_CANCEL, NULL);
  if (s->killed) {                /* refuse until lrl_budget_reset() */
    lua_settop(L, fidx - 1);
    return kill_result(s);
  }
  s->mem_refused = 0;
  s->mem_where[0] = 0;
  s->near_mark = s->mem_used < s->mem_limit
                     ? s->mem_used + (s->mem_limit - s->mem_used) / 2
                     : (size_t)-1;
  lua_State *prev = s->running;
  s->running = L;
  lrl_arm(L);
  lua_pushcfunction(L, lrl_msghandler);
  lua_insert(L, fidx);
  int st = lua_pcall(L, nargs, nresults, fidx);
  lua_remove(L, fidx);
  s->running = prev;
  if (st == LUA_OK) {
    if (!s->killed) return LR_OK;
    /* a limit fired in code whose error was dropped (a finalizer) */
    lua_settop(L, fidx - 1);
    return kill_result(s);
  }
  if (st == LUA_ERRMEM && !s->killed)
    lrl_kill(L, s->mem_refused ? LRL_KILL_MEMORY : LRL_KILL_NOMEM, NULL);
  if (s->killed) {
    lua_pop(L, 1);
    return kill_result(s);
  }
  const char *msg = lua_tostring(L, -1);
  snprintf(s->errmsg, sizeof s->errmsg, "%s",
           msg ? msg : "(error object is not a string)");
  lua_pop(L, 1);
  return LR_POLICY;
}
