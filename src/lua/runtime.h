/*
** runtime.h -- the sandboxed Lua runtime shared by policies, scripts,
** tests and the shell: one lrl_state per Lua state, holding the memory cap,
** the instruction budget and the protected-call helper.
**
** Every entry into Lua goes through lrl_pcall(), which installs the
** message handler (policy file:line + traceback), arms the budget, and
** turns every failure into an LR_* code and a message that is safe to
** print (a misbehaving __tostring is never called).
*/
#ifndef LR_RUNTIME_H
#define LR_RUNTIME_H

#include <lua.h>
#include <stddef.h>

#define LRL_DEFAULT_INSTRUCTIONS 10000000LL   /* per lrl_budget_reset */
#define LRL_DEFAULT_MEMORY (256u << 20)       /* bytes per state */

typedef struct lrl_state {
  lua_State *L;
  size_t mem_used, mem_limit;   /* allocator accounting (bytes) */
  long long max_instructions;   /* budget given by lrl_budget_reset */
  long long spent;              /* instructions used since the reset */
  int killed;                   /* a limit fired: every hook tick errors */
  int limit_kind;               /* LR_LIMIT (instr/memory), LR_INTERRUPT */
  volatile int *cancel;         /* polled by the hook; non-zero cancels */
  int allow_local_modules;
  char *module_dir;             /* directory of the policy (local modules) */
  char errmsg[2048];            /* last error, NUL-terminated */
  void *owner;                  /* the policy/session that owns this state */
  /* Added by the sandbox implementation (read-only for hosts). */
  char traceback[4096];         /* traceback of the last LR_POLICY error */
  int kill_reason;              /* LRL_KILL_*: why `killed` is set */
  int mem_refused;              /* the cap refused a growth since last call */
  int closing;                  /* lrl_free is closing the state */
  lua_State *running;           /* thread running now (best effort) */
  char kill_where[256];         /* "file:LINE" where the limit fired */
  char tick_where[256];         /* "file:LINE" at the last hook tick */
  char mem_where[256];          /* "file:LINE" where the cap first refused */
  size_t near_mark;             /* memory use that makes the hook tick now */
  long long clock_reads;        /* reads of the global `now` (lrl_set_clock) */
} lrl_state;

/* Why a state was killed (lrl_state.kill_reason). */
#define LRL_KILL_NONE    0
#define LRL_KILL_INSTR   1      /* instruction budget (LR_LIMIT) */
#define LRL_KILL_MEMORY  2      /* memory cap (LR_LIMIT) */
#define LRL_KILL_NOMEM   3      /* the system allocator failed (LR_NOMEM) */
#define LRL_KILL_CANCEL  4      /* cancel flag (LR_INTERRUPT) */

/*
** Create a sandboxed state: base functions without dofile/loadfile/
** collectgarbage (except "count"), load in text mode only, string (no
** dump), table, math, utf8, coroutine, os.time/date/clock; strict globals
** (reading an undefined global is an error naming it); shared library
** tables and the string metatable read-only; require() reaching the
** embedded stdlib/ (and, when allowed, *.lua beside module_dir).
** Pattern functions (find, match, gmatch, gsub) and string.rep are bounded.
** max_memory/max_instructions of 0 take the defaults.  NULL on OOM.
**
** Limits, in detail:
**  - memory: the allocator refuses any growth past max_memory (frees and
**    shrinks always succeed); results whose size is known first
**    (string.rep, table.concat) are checked before allocating.
**  - instructions: a count hook every 1000 VM instructions; work done in
**    C is charged too, before it runs (pattern-matching steps,
**    table.concat elements, table.insert/remove shifts, table.move/unpack
**    ranges, n*log n for table.sort times its longest string, one
**    instruction per 64 bytes allocated, and charges.c: case mapping,
**    byte/codepoint/char values, format/pack/unpack, utf8, tonumber,
**    string arithmetic, load); every charge also polls *cancel.
**  - errors: every message starts with the policy's "file:LINE: " (the
**    innermost policy frame when the error itself named none).
**  - kill mode: once a limit fires (or *cancel is non-zero) the state is
**    "killed": every further Lua instruction raises the limit again,
**    pcall/xpcall/coroutine.resume/wrap re-raise it, memory errors are
**    never catchable, and lrl_pcall refuses to run until
**    lrl_budget_reset().
**  - __gc: a policy's finalizers run in a fresh coroutine under the
**    budget (Lua runs __gc with hooks off); their errors are dropped (no
**    warnings are emitted); lrl_free() runs none of them.
**  - math.random starts from a fixed seed (see lrl_seed_random).
*/
lrl_state *lrl_new(size_t max_memory, long long max_instructions);
void lrl_free(lrl_state *s);
/* The state owning L (stored in the registry). */
lrl_state *lrl_from(lua_State *L);

/* Set the directory for local modules (copied); allow them if `allow`. */
void lrl_set_module_dir(lrl_state *s, const char *dir, int allow);
/* The same with the directory of the file at path ("." when path names
** none): local modules live beside the policy or script. */
void lrl_set_module_dir_of(lrl_state *s, const char *path, int allow);

/*
** Load a chunk in text mode with chunk name "@name" so that errors read
** "name:LINE: ...".  On success pushes the function and returns LR_OK;
** otherwise returns LR_POLICY/LR_IO/LR_NOMEM with s->errmsg set.
*/
int lrl_load_file(lrl_state *s, const char *path, const char *name);
int lrl_load_buffer(lrl_state *s, const char *src, size_t len,
                    const char *name);

/* Give the next calls a fresh instruction budget. */
void lrl_budget_reset(lrl_state *s);

/*
** Call the function below nargs arguments (like lua_pcall) in protected
** mode.  Returns LR_OK, LR_POLICY (runtime error), LR_LIMIT (instruction
** budget, memory cap, pattern/recursion limits), LR_NOMEM or LR_INTERRUPT
** (cancel flag).  On error s->errmsg holds "file:LINE: message" and the
** stack is restored to below the function.  After a limit fired the state
** stays usable once lrl_budget_reset() is called.
*/
int lrl_pcall(lrl_state *s, int nargs, int nresults);

/* Freeze the globals table: later assignments to globals are errors. */
void lrl_freeze_globals(lrl_state *s);

/* Raise a Lua error "msg" at the policy's current line (level 1 of the
** calling Lua function), like luaL_error; never returns. */
#define lrl_error(L, ...) lrl_error_at((L), 1, __VA_ARGS__)
/* The same at `level` (as for lrl_where): for C functions that other C
** functions call, such as require's below its protected wrapper. */
int lrl_error_at(lua_State *L, int level, const char *fmt, ...);

/* "file:LINE" of the first Lua function from `level` up (1 = the caller
** of the current C function; C functions in between are skipped), into
** buf; "" when unknown. */
void lrl_where(lua_State *L, int level, char *buf, size_t n);

/* Make the table at `idx` read-only (writes raise an error naming it).
** The table keeps its identity: its contents move to a hidden storage
** table reached through __index, and writes (also rawset) raise
** "cannot modify read-only table 'NAME' (field 'k')".  rawget, rawlen,
** next, pairs and ipairs read through.  Metamethods of an existing
** metatable are kept (except __gc, __newindex, __mode); its __index
** still answers what the storage lacks; getmetatable() returns false
** unless the original had __metatable.  May raise a memory error. */
void lrl_make_readonly(lua_State *L, int idx, const char *name);

/*
** Globals are strict: lua_getglobal() of an undefined name raises (use
** lrl_getglobal), and after lrl_freeze_globals() lua_setglobal() raises
** (use lrl_setglobal).  Both helpers bypass the sandbox's checks and are
** for host code only.
*/
/* Push global `name` (nil if undefined, never an error); return its type. */
int lrl_getglobal(lua_State *L, const char *name);
/* Pop a value and store it as global `name`, frozen or not. */
void lrl_setglobal(lua_State *L, const char *name);
/* Set the global `now` (unix seconds) so that every read of it counts in
** lrl_state.clock_reads: a rule that reads the clock gives an answer that
** changes continuously (run --changed re-evaluates its contact each run). */
void lrl_set_clock(lua_State *L, long long now);

/* Reseed math.random (every state starts with the same fixed seed, so
** runs are reproducible; a host may reseed per contact). */
void lrl_seed_random(lrl_state *s, long long seed);

#endif
