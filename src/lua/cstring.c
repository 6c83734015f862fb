/*
** cstring.c -- Lua strings handed to C as C strings.  A Lua string may
** hold NUL bytes, and C reads it only up to the first one: "ana\0evil"
** would be the owner "ana", and SQL after a NUL would vanish without a
** word.  Every string the engine keeps or passes on as a C string (names,
** owners, SQL, reasons, option keys) comes through here, and one with a
** NUL is refused.
*/
#include <string.h>

#include <lauxlib.h>

#include "host.h"
#include "runtime.h"

const char *lrl_tocstring(lua_State *L, int idx, const char *what) {
  size_t n;
  const char *s = lua_tolstring(L, idx, &n);
  if (s && memchr(s, '\0', n)) lrl_error(L, "%s contains a NUL byte", what);
  return s;
}

const char *lrl_checkcstring(lua_State *L, int idx, const char *what) {
  size_t n;
  const char *s = luaL_checklstring(L, idx, &n);
  if (memchr(s, '\0', n)) lrl_error(L, "%s contains a NUL byte", what);
  return s;
}

int lrl_has_nul(lua_State *L, int idx) {
  size_t n;
  const char *s = lua_tolstring(L, idx, &n);
  return s && memchr(s, '\0', n) != NULL;
}
