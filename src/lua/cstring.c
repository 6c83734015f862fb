/*
** cstring.c -- Lua strings handed to C as C strings.  A Lua string may
** hold NUL bytes, and C reads it only up to the first one: "ana\0evil"
** would be the owner "ana", and SQL after a NUL would vanish without a
** word.  Every string the engine keeps or passes on as a C string (names,
** owners, SQL, reasons, option keys) comes through here, and one with a
** NUL is refused, and so is one that is not UTF-8: what the engine keeps
** goes to a store, and PostgreSQL takes UTF-8 text only (SQLite would
** keep bytes no export gives back).
*/
#include <string.h>

#include <lauxlib.h>

#include "../util/buf.h"
#include "host.h"
#include "runtime.h"

static void check(lua_State *L, const char *s, size_t n, const char *what) {
  if (memchr(s, '\0', n)) lrl_error(L, "%s contains a NUL byte", what);
  size_t ok = lrb_utf8_valid(s, n);
  if (ok < n) lrl_error(L, "%s is not valid UTF-8 (byte %d)", what, (int)ok + 1);
}

const char *lrl_tocstring(lua_State *L, int idx, const char *what) {
  size_t n;
  const char *s = lua_tolstring(L, idx, &n);
  if (s) check(L, s, n, what);
  return s;
}

const char *lrl_checkcstring(lua_State *L, int idx, const char *what) {
  size_t n;
  const char *s = luaL_checklstring(L, idx, &n);
  check(L, s, n, what);
  return s;
}

int lrl_not_utf8(lua_State *L, int idx) {
  size_t n;
  const char *s = lua_tolstring(L, idx, &n);
  return s && lrb_utf8_valid(s, n) < n;
}

int lrl_has_nul(lua_State *L, int idx) {
  size_t n;
  const char *s = lua_tolstring(L, idx, &n);
  return s && memchr(s, '\0', n) != NULL;
}
