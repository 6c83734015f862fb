/*
** host.h -- what every host of the runtime (the policy loader, scripts,
** the shell, test files) does alike: C functions as closures over the
** host's own context, and print().
*/
#ifndef LR_LUA_HOST_H
#define LR_LUA_HOST_H

#include <lauxlib.h>
#include <lua.h>
#include <stddef.h>

/* Push f as a C closure whose one upvalue is the light userdata ctx. */
void lrl_push_closure(lua_State *L, lua_CFunction f, void *ctx);
/* Set global `name` to lrl_push_closure(f, ctx) (raw, like lrl_setglobal:
** frozen globals or not). */
void lrl_set_closure(lua_State *L, const char *name, lua_CFunction f,
                     void *ctx);
/* lrl_set_closure for each of fns (up to the {NULL, NULL} that ends it). */
void lrl_set_closures(lua_State *L, const luaL_Reg *fns, void *ctx);
/* The ctx of the running closure made by lrl_push_closure. */
void *lrl_closure_ctx(lua_State *L);

/* Where print() sends each line (with its '\n').  Returns non-zero when
** the output is closed: print then raises "print: the output was
** closed". */
typedef int (*lrl_print_fn)(void *ctx, const char *line, size_t n);

/* How print() shows its arguments (separated by tabs). */
#define LRL_PRINT_SHOW     0  /* strings and numbers as they are, other
                                 values as lrl_fmt_value shows them (no Lua
                                 code runs); the line is built outside the
                                 state's memory */
#define LRL_PRINT_TOSTRING 1  /* as Lua's own print: tostring() of each
                                 value (__tostring, __name run); the line
                                 is built in the state's memory */

/* Push a print function that shows its arguments `how` (LRL_PRINT_*) and
** hands the line to out(ctx, ...).  May raise a memory error. */
void lrl_push_print(lua_State *L, int how, lrl_print_fn out, void *ctx);

/*
** Lua strings as C strings.  C reads a string up to its first NUL byte, so
** a Lua string holding one ("ana\0evil") would silently become another
** ("ana"); these refuse it, raising "WHAT contains a NUL byte" at the
** policy's current line, and refuse text that is not UTF-8 ("WHAT is not
** valid UTF-8 (byte N)"): the stores keep UTF-8 text only.  The result is Lua's own string, valid while the
** value stays on the stack (or in a table that holds it).
*/
/* lua_tostring (NULL for a value that is neither a string nor a number;
** a number is converted in place) with that refusal. */
const char *lrl_tocstring(lua_State *L, int idx, const char *what);
/* luaL_checkstring with that refusal. */
const char *lrl_checkcstring(lua_State *L, int idx, const char *what);
/* Whether the string (or number) at idx holds a NUL byte, for callers
** that raise their own error. */
int lrl_has_nul(lua_State *L, int idx);
/* Whether the string at idx is not valid UTF-8, likewise. */
int lrl_not_utf8(lua_State *L, int idx);

/* A duration (seconds from 0 to LR_DURATION_MAX, or text such as "30d")
** or a time (unix seconds from LR_TIME_MIN to LR_TIME_MAX, or an ISO date)
** from the value at idx, in seconds.  Anything else (NaN, infinity, out of
** range, unreadable text, a NUL byte) raises "WHAT: ..." at the policy's
** current line. */
long long lrl_duration_arg(lua_State *L, int idx, const char *what);
long long lrl_time_arg(lua_State *L, int idx, const char *what);

#endif
