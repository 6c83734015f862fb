/*
** charges.c -- the price of the library functions whose work grows with
** their input: case mapping, byte and character ranges, formats and
** packing, UTF-8 scans, string-to-number conversions.  The count hook
** never ticks inside a C function, so a loop of such calls over a 100 MB
** string would spend seconds per thousand instructions and never reach
** the budget.  Each one is wrapped: the work is priced from its
** arguments and charged (lrl_charge, which also sees a cancel) before the
** original runs.  Allocation is charged separately, by the allocator.
**
** The original is called in the wrapper's own frame (no lua_call), so
** its argument errors name the function and the policy line as before;
** none of the wrapped functions uses upvalues of its own.
*/
#include <lauxlib.h>
#include <lualib.h>

#include "sandbox_int.h"

#define COPY LRL_BYTES_PER_INSTRUCTION
#define SCAN LRL_SCAN_BYTES_PER_INSTRUCTION

static long long slen(lua_State *L, int i) {
  return lua_type(L, i) == LUA_TSTRING ? (long long)lua_rawlen(L, i) : 0;
}

/* Integer argument i, or def when absent or not an integer (the original
** then raises the argument error itself). */
static lua_Integer optint(lua_State *L, int i, lua_Integer def) {
  int ok;
  lua_Integer v = lua_tointegerx(L, i, &ok);
  return ok ? v : def;
}

/* Bytes of s[i..j] after Lua's index rules (negatives from the end). */
static long long span_of(long long len, lua_Integer i, lua_Integer j) {
  if (i < 0) i = i < -len ? 1 : len + i + 1;
  if (i == 0) i = 1;
  if (j < 0) j = j < -len ? 0 : len + j + 1;
  if (j > len) j = len;
  return i > j ? 0 : (long long)(j - i + 1);
}

/* upper, lower, reverse: every byte, one at a time. */
static long long c_whole(lua_State *L) { return slen(L, 1) / SCAN; }

/* string.byte(s, i, j), utf8.codepoint(s, i, j): a value per byte. */
static long long c_values(lua_State *L) {
  lua_Integer i = optint(L, 2, 1);
  return span_of(slen(L, 1), i, optint(L, 3, i));
}

/* utf8.len(s, i, j): decodes s[i..j]. */
static long long c_utf8len(lua_State *L) {
  return span_of(slen(L, 1), optint(L, 2, 1), optint(L, 3, -1)) / SCAN;
}

/* string.char, utf8.char: one character per argument. */
static long long c_args(lua_State *L) { return lua_gettop(L); }

/* format, pack, unpack, packsize: the format is read a byte at a time,
** string arguments are copied or measured. */
static long long c_format(lua_State *L) {
  long long n = slen(L, 1) / SCAN;
  for (int i = 2, top = lua_gettop(L); i <= top; i++) n += slen(L, i) / COPY;
  return n;
}

/* utf8.codes(s): the iteration decodes all of s (charged at the start,
** so a loop that stops early pays for the whole string). */
static long long c_codes(lua_State *L) { return slen(L, 1) / SCAN; }

/* tonumber(s), and string arithmetic ("10" + 1): s is scanned a byte at
** a time (leading spaces, then the digits). */
static long long c_strings(lua_State *L) {
  long long n = 0;
  for (int i = 1, top = lua_gettop(L); i <= top; i++) n += slen(L, i) / SCAN;
  return n;
}

typedef long long (*cost_fn)(lua_State *L);
static const cost_fn costs[] = {c_whole, c_values, c_utf8len, c_args,
                                c_format, c_codes, c_strings};
enum { WHOLE, VALUES, UTF8LEN, ARGS, FORMAT, CODES, STRINGS };

/* upvalue 1: the original; upvalue 2: index of its price in costs[]. */
static int charged(lua_State *L) {
  lrl_charge(L, costs[lua_tointeger(L, lua_upvalueindex(2))](L));
  return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

/*
** utf8.offset(s, n, i): how far it scans depends on the text (a run of
** continuation bytes is skipped in one step), so the bytes between i and
** the answer are charged once it is known.  One call is bounded by the
** string, which the memory cap bounds.
*/
static int charged_offset(lua_State *L) {
  long long len = slen(L, 1);
  lua_Integer n = optint(L, 2, 0);
  lua_Integer i = optint(L, 3, n >= 0 ? 1 : len + 1);
  if (i < 0) i = i < -len ? 0 : len + i + 1;
  int r = lua_tocfunction(L, lua_upvalueindex(1))(L);
  long long end = lua_isinteger(L, -1) ? lua_tointeger(L, -1)
                                       : (n >= 0 ? len + 1 : 0);
  lrl_charge(L, (end > i ? end - i : i - end) / SCAN);
  return r;
}

static void wrap(lua_State *L, int t, const char *name, int cost) {
  if (lua_getfield(L, t, name) != LUA_TFUNCTION ||
      !lua_tocfunction(L, -1)) {
    lua_pop(L, 1);
    return;
  }
  lua_pushinteger(L, cost);
  lua_pushcclosure(L, charged, 2);
  lua_setfield(L, t, name);
}

void lrl_open_charged(lua_State *L, int globals_idx) {
  int g = lua_absindex(L, globals_idx);
  wrap(L, g, "tonumber", STRINGS);
  lua_getfield(L, g, LUA_STRLIBNAME);
  static const struct { const char *name; int cost; } str[] = {
    {"upper", WHOLE}, {"lower", WHOLE}, {"reverse", WHOLE},
    {"byte", VALUES}, {"char", ARGS}, {"format", FORMAT}, {"pack", FORMAT},
    {"unpack", FORMAT}, {"packsize", FORMAT}, {NULL, 0}};
  for (int k = 0; str[k].name; k++)
    wrap(L, lua_gettop(L), str[k].name, str[k].cost);
  lua_pop(L, 1);
  lua_getfield(L, g, LUA_UTF8LIBNAME);
  int u = lua_gettop(L);
  wrap(L, u, "len", UTF8LEN);
  wrap(L, u, "codepoint", VALUES);
  wrap(L, u, "char", ARGS);
  wrap(L, u, "codes", CODES);
  lua_getfield(L, u, "offset");
  lua_pushcclosure(L, charged_offset, 1);
  lua_setfield(L, u, "offset");
  lua_pop(L, 1);
  /* "10" + 1 goes through the string metatable's arithmetic */
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  static const char *const arith[] = {"__add", "__sub", "__mul", "__mod",
    "__pow", "__div", "__idiv", "__unm", NULL};
  for (int k = 0; arith[k]; k++) wrap(L, lua_gettop(L), arith[k], STRINGS);
  lua_pop(L, 2);
}
