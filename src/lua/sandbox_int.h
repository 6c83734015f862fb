/*
** sandbox_int.h -- private glue between the files of the sandboxed
** runtime (sandbox.c, limits.c, pcall.c, patterns.c, modules.c).  Not
** part of the contract in runtime.h; nothing outside src/lua/ should
** include it.
*/
#ifndef LR_SANDBOX_INT_H
#define LR_SANDBOX_INT_H

#include <lua.h>
#include <lauxlib.h>

#include "runtime.h"

/* Instructions between two count-hook ticks, and in kill mode. */
#define LRL_HOOK_INTERVAL 1000
#define LRL_KILL_INTERVAL 1
/* One instruction of budget is charged per this many bytes allocated, so
** that C work proportional to its output (big concatenations, copies)
** is paid for even between hook ticks. */
#define LRL_BYTES_PER_INSTRUCTION 64
/* C work that handles one byte at a time (UTF-8 decoding, case mapping,
** reading a format or a chunk, comparing strings) is charged one
** instruction per this many bytes: about the time of one VM instruction. */
#define LRL_SCAN_BYTES_PER_INSTRUCTION 4

/* limits.c */
void *lrl_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
void lrl_hook(lua_State *L, lua_Debug *ar);
/* Arm the count hook on L (normal interval, or kill mode if killed). */
void lrl_arm(lua_State *L);
/* Record a limit (first one wins) and put the running threads in kill
** mode.  `where` may be NULL or "". */
void lrl_kill(lua_State *L, int reason, const char *where);
/* Raise the error for the current kill; never returns. */
int lrl_raise_kill(lua_State *L);
/* The one-line text of the current kill (without "file:LINE: "). */
const char *lrl_kill_text(lrl_state *s, char *buf, size_t n);
/* Charge n instructions of work done in C; raises when over budget, when
** cancelled or when already killed. */
void lrl_charge(lua_State *L, long long n);
/* Make sure `bytes` more can be allocated under the cap (collecting
** garbage once if needed); otherwise kill with the memory limit and
** raise.  Never returns on failure. */
void lrl_need_memory(lua_State *L, size_t bytes);
/* Replace string.rep and the table functions that loop in C. */
void lrl_open_bounded(lua_State *L, int string_idx, int table_idx);

/* charges.c: charge the library functions (in the globals at idx) whose
** work grows with their input: case mapping, byte ranges, formats,
** packing, utf8, tonumber and string arithmetic. */
void lrl_open_charged(lua_State *L, int globals_idx);

/* patterns.c: replace find, match, gmatch, gsub in the table at idx. */
void lrl_open_patterns(lua_State *L, int string_idx);

/* modules.c: define require() in the table at idx (the globals). */
void lrl_open_require(lua_State *L, int globals_idx);

/* pcall.c: the message handler used by lrl_pcall. */
int lrl_msghandler(lua_State *L);
/* pcall.c: length of the "chunk:LINE: " position msg starts with, or 0. */
size_t lrl_position_len(const char *msg);

/* sandbox.c: lrl_load_file onto thread L (which may be a coroutine).
** When the file cannot be opened, *unopened (if given) is set to 1. */
int lrl_load_file_on(lrl_state *s, lua_State *L, const char *path,
                     const char *name, int *unopened);

/* sandbox.c: replace t[name] (t at index t) by a closure of f over the
** original value. */
void lrl_wrap_field(lua_State *L, int t, const char *name, lua_CFunction f);

/* sandbox.c: registry keys. */
extern const char lrl_key_state;      /* registry[&key] = light ud state */

#endif
