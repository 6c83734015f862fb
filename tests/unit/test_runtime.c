/*
** test_runtime.c -- the contract of src/lua/runtime.h: messages with
** the chunk name and line, the traceback kept aside, result codes, the
** budget and its reset, the memory cap and accounting, the cancel flag,
** strict and frozen globals, read-only tables, lrl_where/lrl_error, the
** library set, deterministic math.random, and require().
*/
#include "leadrules.h"
#include "lua/runtime.h"
#include "t.h"

#include <lauxlib.h>

/* Load `src` as "policy.lua" and run it; returns the LR_* code. */
static int run(lrl_state *s, const char *src) {
  int rc = lrl_load_buffer(s, src, strlen(src), "policy.lua");
  if (rc == LR_OK) rc = lrl_pcall(s, 0, 0);
  return rc;
}

static void test_messages(void) {
  lrl_state *s = lrl_new(0, 0);
  CHECK(s != NULL);
  CHECK_INT(s->mem_limit, LRL_DEFAULT_MEMORY);
  CHECK_INT(s->max_instructions, LRL_DEFAULT_INSTRUCTIONS);
  CHECK_INT(run(s, "local x = 1\nlocal y = 2\nerror('boom')"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:3: boom");
  CHECK(strchr(s->errmsg, '\n') == NULL);         /* one line */
  CHECK_CONTAINS(s->traceback, "stack traceback:");
  CHECK_CONTAINS(s->traceback, "policy.lua:3: in main chunk");
  CHECK_INT(run(s, "local t\n\nreturn t.x"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:3: attempt to index a nil value "
            "(local 't')");
  CHECK_INT(run(s, "local function f()\n  return 1 + {}\nend\nf()"),
            LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:2: attempt to perform arithmetic on a "
            "table value");
  CHECK_CONTAINS(s->traceback, "in local 'f'");
  /* every message names the line: syntax errors, error objects that are
  ** not strings, and error() told to add no position or a level above */
  static const char *const cases[][2] = {
    {"x = = 1", "policy.lua:1: unexpected symbol near '='"},
    {"\n\nerror({})", "policy.lua:3: (error object is a table value)"},
    {"error(setmetatable({}, {__tostring = function() return 'x' end, "
     "__name = 'Evil'}))", "policy.lua:1: (error object is a table value)"},
    {"error('plain', 0)", "policy.lua:1: plain"},
    {"\nerror(42)", "policy.lua:2: 42"},
    {"local function f() error('up', 2) end\npcall(f)\nf()",
     "policy.lua:3: up"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    CHECK_INT(run(s, cases[i][0]), LR_POLICY);
    CHECK_STR(s->errmsg, cases[i][1]);
  }
  CHECK_INT(run(s, "local x = scroe"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:1: undefined global 'scroe'");
  CHECK_INT(run(s, "string.rep = nil"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:1: cannot modify read-only table "
            "'string' (field 'rep')");
  CHECK_INT(lua_gettop(s->L), 0);
  /* arguments and results */
  CHECK_INT(lrl_load_buffer(s, "local a, b = ...\nreturn a + b, a * b", 36,
                            "policy.lua"), LR_OK);
  lua_pushinteger(s->L, 6);
  lua_pushinteger(s->L, 7);
  CHECK_INT(lrl_pcall(s, 2, 2), LR_OK);
  CHECK_INT(lua_tointeger(s->L, -2), 13);
  CHECK_INT(lua_tointeger(s->L, -1), 42);
  lua_settop(s->L, 0);
  lrl_free(s);
  lrl_free(NULL);
}

static void test_load_file(void) {
  lrl_state *s = lrl_new(0, 0);
  CHECK_INT(lrl_load_file(s, t_path("missing.lua"), NULL), LR_IO);
  CHECK_CONTAINS(s->errmsg, "cannot open");
  CHECK_CONTAINS(s->errmsg, "missing.lua");
  t_write(t_path("shebang.lua"), "#!/usr/bin/env leadrules\n\nerror('x')\n");
  CHECK_INT(lrl_load_file(s, t_path("shebang.lua"), "policy.lua"), LR_OK);
  CHECK_INT(lrl_pcall(s, 0, 0), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:3: x");
  t_write(t_path("bin.lua"), "\033Lua\x54");
  CHECK_INT(lrl_load_file(s, t_path("bin.lua"), "bin.lua"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "attempt to load a binary chunk (mode is 't')");
  CHECK_INT(lrl_load_buffer(s, "\033Lua", 4, "b.lua"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "attempt to load a binary chunk");
  /* the default chunk name is the path */
  t_write(t_path("named.lua"), "error('y')");
  CHECK_INT(lrl_load_file(s, t_path("named.lua"), NULL), LR_OK);
  CHECK_INT(lrl_pcall(s, 0, 0), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "named.lua:1: y");
  CHECK_INT(lua_gettop(s->L), 0);
  lrl_free(s);
}

static void test_budget(void) {
  lrl_state *s = lrl_new(0, 100000);
  CHECK_INT(run(s, "local n = 0\nfor i = 1, 1000 do n = n + i end"), LR_OK);
  CHECK(s->spent > 0 && s->spent < 100000);
  CHECK_INT(run(s, "local n = 0\nwhile true do\n  n = n + 1\nend"), LR_LIMIT);
  CHECK_STR(s->errmsg, "policy.lua:3: instruction limit exceeded "
            "(100000 instructions)");
  CHECK(s->killed);
  CHECK_INT(s->limit_kind, LR_LIMIT);
  CHECK_INT(s->kill_reason, LRL_KILL_INSTR);
  /* without a reset the state refuses to run */
  CHECK_INT(run(s, "return 1"), LR_LIMIT);
  CHECK_CONTAINS(s->errmsg, "instruction limit exceeded");
  lrl_budget_reset(s);
  CHECK(!s->killed);
  CHECK_INT(s->spent, 0);
  CHECK_INT(run(s, "local n = 0\nfor i = 1, 1000 do n = n + i end"), LR_OK);
  /* pcall and coroutines cannot swallow the kill */
  lrl_budget_reset(s);
  CHECK_INT(run(s, "for i = 1, 10 do pcall(function() while true do end "
                   "end) end\nreturn 1"), LR_LIMIT);
  lrl_budget_reset(s);
  CHECK_INT(run(s, "local co = coroutine.wrap(function() while true do "
                   "end end)\nprint = pcall(co)"), LR_LIMIT);
  lrl_budget_reset(s);
  CHECK_INT(run(s, "return 1"), LR_OK);
  /* the budget is per reset, not per call */
  lrl_budget_reset(s);
  const char *chunk = "for i = 1, 10000 do end";
  int rc = LR_OK, calls = 0;
  while (rc == LR_OK && calls < 100) {
    rc = run(s, chunk);
    calls++;
  }
  CHECK_INT(rc, LR_LIMIT);
  CHECK(calls > 2 && calls < 100);
  lrl_free(s);
}

static void test_memory(void) {
  lrl_state *s = lrl_new(32u << 20, 0);
  lua_gc(s->L, LUA_GCCOLLECT, 0);
  size_t base = s->mem_used;
  CHECK(base > 0 && base < (1u << 20));
  CHECK_INT(run(s, "big = {}\nfor i = 1, 100000 do big[i] = { i } end"),
            LR_OK);
  CHECK(s->mem_used > base + (4u << 20));
  CHECK_INT(run(s, "big = nil"), LR_OK);
  lua_gc(s->L, LUA_GCCOLLECT, 0);
  CHECK(s->mem_used < base + (64u << 10));      /* back near the baseline */
  CHECK_INT(run(s, "local t = {}\nfor i = 1, 1e9 do t[i] = ('x'):rep(64) "
                   ".. i end"), LR_LIMIT);
  CHECK_CONTAINS(s->errmsg, "memory limit of 32 MiB exceeded");
  CHECK_CONTAINS(s->errmsg, "policy.lua:");
  CHECK(s->mem_used <= s->mem_limit);
  lrl_budget_reset(s);
  /* the string table shrinks by half per cycle: collect a few times */
  for (int i = 0; i < 8; i++) lua_gc(s->L, LUA_GCCOLLECT, 0);
  CHECK(s->mem_used < base + (64u << 10));
  CHECK_INT(run(s, "return ('x'):rep(1000)"), LR_OK);
  /* a precise line when the size is known in advance */
  CHECK_INT(run(s, "local a = 1\nlocal s = ('x'):rep(1e9)"), LR_LIMIT);
  CHECK_STR(s->errmsg, "policy.lua:2: memory limit of 32 MiB exceeded");
  lrl_free(s);
  s = lrl_new(1536u << 10, 0);                   /* not whole MiB */
  CHECK_INT(run(s, "local s = ('x'):rep(1e7)"), LR_LIMIT);
  CHECK_STR(s->errmsg, "policy.lua:1: memory limit of 1536 KiB exceeded");
  lrl_free(s);
  /* a state too small to be created at all */
  CHECK(lrl_new(4096, 0) == NULL);
}

static volatile int cancel_flag;
static int calls_before_cancel;

static int l_tick(lua_State *L) {
  (void)L;
  if (--calls_before_cancel <= 0) cancel_flag = 1;
  return 0;
}

static void test_cancel(void) {
  lrl_state *s = lrl_new(0, 0);
  s->cancel = &cancel_flag;
  lua_pushcfunction(s->L, l_tick);
  lrl_setglobal(s->L, "tick");
  cancel_flag = 0;
  calls_before_cancel = 3;
  CHECK_INT(run(s, "while true do\n  tick()\nend"), LR_INTERRUPT);
  CHECK_CONTAINS(s->errmsg, "policy.lua:");
  CHECK_CONTAINS(s->errmsg, ": interrupted");
  CHECK_INT(s->limit_kind, LR_INTERRUPT);
  cancel_flag = 0;
  lrl_budget_reset(s);
  CHECK_INT(run(s, "return 1"), LR_OK);
  cancel_flag = 1;                                /* set before the call */
  CHECK_INT(run(s, "return 1"), LR_INTERRUPT);
  CHECK_STR(s->errmsg, "interrupted");
  cancel_flag = 0;
  lrl_budget_reset(s);
  /* inside a pattern match (C code): the flag is polled there too */
  calls_before_cancel = 1;
  CHECK_INT(run(s, "tick()\nreturn string.find(('a'):rep(40), "
                   "('a?'):rep(40) .. ('a'):rep(40))"), LR_INTERRUPT);
  CHECK_CONTAINS(s->errmsg, "policy.lua:2: interrupted");
  cancel_flag = 0;
  lrl_free(s);
}

static int l_where(lua_State *L) {
  char buf[256];
  lrl_where(L, (int)luaL_optinteger(L, 1, 1), buf, sizeof buf);
  lua_pushstring(L, buf);
  return 1;
}

static int l_fail(lua_State *L) {
  return lrl_error(L, "bad %s %d (%.1f)", "thing", 7, 2.5);
}

static int done_calls;

static int l_done(lua_State *L) {
  (void)L;
  done_calls++;
  return 0;
}

/*
** Ctrl-C during C work: a big call made after the flag is set is the last
** one (each charges the budget before it works, and the charge sees the
** flag; an allocation makes the next instruction see it).  Counted, not
** timed: without the charges the hook would tick only after hundreds of
** such calls, each a whole pass over 8 MB.
*/
static void test_cancel_in_c(void) {
  static const char *const calls[] = {
    "utf8.len(s)", "s:upper()", "s:lower()", "s:reverse()",
    "select('#', s:byte(1, 1e5))", "string.format('%.1s', s)",
    "string.packsize(s:gsub('a', 'b', 10))", "tonumber(s)",
    "load('--' .. s)", "utf8.offset(s, -1, #s) and utf8.offset(s, 2)",
    "utf8.codes(s)", "table.sort({s, s, s})",
    "s:sub(2)", "(s .. 'x')", NULL};
  lrl_state *s = lrl_new(0, 0);
  s->cancel = &cancel_flag;
  lua_pushcfunction(s->L, l_tick);
  lrl_setglobal(s->L, "tick");
  lua_pushcfunction(s->L, l_done);
  lrl_setglobal(s->L, "done");
  for (int i = 0; calls[i]; i++) {
    char src[512];
    snprintf(src, sizeof src, "local s = ('a'):rep(8e6)\ntick()\n"
             "for i = 1, 1000 do\n  local x = %s\n  done()\nend", calls[i]);
    cancel_flag = 0;
    calls_before_cancel = 1;
    done_calls = 0;
    lrl_budget_reset(s);
    int rc = run(s, src);
    if (rc != LR_INTERRUPT || done_calls != 0)
      fprintf(stderr, "cancel during %s: rc %d, %d calls after it: %s\n",
              calls[i], rc, done_calls, s->errmsg);
    CHECK_INT(rc, LR_INTERRUPT);
    CHECK_INT(done_calls, 0);
    /* charged calls stop on their own line; after an allocation the
    ** next instruction stops */
    CHECK_STR(s->errmsg, i < 12 ? "policy.lua:4: interrupted"
                                : "policy.lua:5: interrupted");
  }
  cancel_flag = 0;
  lrl_free(s);
}

static void test_where_error(void) {
  lrl_state *s = lrl_new(0, 0);
  lua_pushcfunction(s->L, l_where);
  lrl_setglobal(s->L, "where");
  lua_pushcfunction(s->L, l_fail);
  lrl_setglobal(s->L, "fail");
  const char *src = "local a\nlocal w = where()\nlocal c = where(0)\n"
                    "return w, c, where(5)";
  CHECK_INT(lrl_load_buffer(s, src, strlen(src), "policy.lua"), LR_OK);
  CHECK_INT(lrl_pcall(s, 0, 3), LR_OK);
  CHECK_STR(lua_tostring(s->L, 1), "policy.lua:2");
  /* level 0 is the C function: the first Lua function above it */
  CHECK_STR(lua_tostring(s->L, 2), "policy.lua:3");
  CHECK_STR(lua_tostring(s->L, 3), "");          /* no such level */
  lua_settop(s->L, 0);
  CHECK_INT(run(s, "\n\nfail()"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:3: bad thing 7 (2.5)");
  lrl_free(s);
}

static void test_globals(void) {
  lrl_state *s = lrl_new(0, 0);
  lua_State *L = s->L;
  CHECK_INT(lrl_getglobal(L, "nothing_here"), LUA_TNIL);   /* no error */
  lua_pop(L, 1);
  CHECK_INT(lrl_getglobal(L, "string"), LUA_TTABLE);
  lua_pop(L, 1);
  CHECK_INT(run(s, "score_of = function() return 3 end\nlimit = 10"), LR_OK);
  lrl_freeze_globals(s);
  CHECK_INT(run(s, "return score_of() + limit"), LR_OK);
  CHECK_INT(run(s, "limit = 11"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:1: cannot assign global 'limit' "
            "(globals are frozen)");
  CHECK_INT(run(s, "newname = 1"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:1: cannot assign global 'newname' "
            "(globals are frozen)");
  CHECK_INT(run(s, "return scroe"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:1: undefined global 'scroe'");
  CHECK_INT(run(s, "local n = 0\nfor k in pairs(_G) do n = n + 1 end\n"
                   "assert(n > 20)\nassert(rawget(_G, 'limit') == 10)\n"
                   "assert(_G._G == _G)"), LR_OK);
  /* the host can still define globals */
  lua_pushinteger(L, 99);
  lrl_setglobal(L, "host_value");
  CHECK_INT(lrl_getglobal(L, "host_value"), LUA_TNUMBER);
  CHECK_INT(lua_tointeger(L, -1), 99);
  lua_pop(L, 1);
  CHECK_INT(run(s, "assert(host_value == 99)"), LR_OK);
  CHECK_INT(lrl_getglobal(L, "still_nothing"), LUA_TNIL);
  lua_pop(L, 1);
  CHECK_INT(lua_gettop(L), 0);
  lrl_free(s);
}

static int l_method(lua_State *L) {
  lua_pushliteral(L, "method called");
  return 1;
}

static void test_readonly(void) {
  lrl_state *s = lrl_new(0, 0);
  lua_State *L = s->L;
  /* two "stage" objects sharing a metatable with methods and __lt */
  CHECK_INT(run(s, "stage_mt = { __index = { hello = function(self) return "
                   "'hi ' .. self.name end }, __lt = function(a, b) return "
                   "a.rank < b.rank end }"), LR_OK);
  for (int i = 0; i < 2; i++) {
    lua_newtable(L);
    lua_pushstring(L, i ? "mql" : "lead");
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, i + 1);
    lua_setfield(L, -2, "rank");
    lua_pushcfunction(L, l_method);
    lua_setfield(L, -2, "method");
    lua_pushinteger(L, 10);
    lua_rawseti(L, -2, 1);
    lrl_getglobal(L, "stage_mt");
    lua_setmetatable(L, -2);
    lrl_make_readonly(L, -1, "stage");
    lrl_make_readonly(L, -1, "stage");            /* twice is harmless */
    lrl_setglobal(L, i ? "mql" : "lead");
  }
  CHECK_INT(lua_gettop(L), 0);
  CHECK_INT(run(s, "assert(lead.name == 'lead' and mql.rank == 2)\n"
                   "assert(lead:method() == 'method called')\n"
                   "assert(lead:hello() == 'hi lead')\n"
                   "assert(lead < mql and not (mql < lead))\n"
                   "assert(rawget(lead, 'name') == 'lead')\n"
                   "assert(#lead == 1 and lead[1] == 10)\n"
                   "assert(getmetatable(lead) == false)\n"
                   "local n = 0 for k, v in pairs(lead) do n = n + 1 end\n"
                   "assert(n == 4)\n"
                   "for i, v in ipairs(lead) do assert(v == 10) end"), LR_OK);
  CHECK_INT(run(s, "lead.name = 'x'"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:1: cannot modify read-only table "
            "'stage' (field 'name')");
  CHECK_INT(run(s, "lead[2] = 'x'"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:1: cannot modify read-only table "
            "'stage'");
  CHECK_INT(run(s, "rawset(lead, 'rank', 0)"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "cannot modify read-only table 'stage'");
  CHECK_INT(run(s, "setmetatable(lead, {})"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "cannot change a protected metatable");
  CHECK_INT(run(s, "table.insert(lead, 1)"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "cannot modify read-only table 'stage'");
  CHECK_INT(run(s, "assert(lead.name == 'lead' and lead.rank == 1)"), LR_OK);
  lrl_free(s);
}

static void test_library_set(void) {
  lrl_state *s = lrl_new(0, 0);
  CHECK_INT(run(s,
    "for _, name in ipairs({ 'io', 'debug', 'package', 'dofile', "
    "'loadfile', 'print', 'warn' }) do\n"
    "  assert(rawget(_G, name) == nil, name)\n"
    "end\n"
    "for _, name in ipairs({ 'assert', 'error', 'ipairs', 'next', 'pairs', "
    "'pcall', 'xpcall', 'rawequal', 'rawlen', 'rawget', 'rawset', 'select', "
    "'tonumber', 'tostring', 'type', 'setmetatable', 'getmetatable', "
    "'load', 'require', 'collectgarbage', '_G', '_VERSION', 'string', "
    "'table', 'math', 'utf8', 'coroutine', 'os' }) do\n"
    "  assert(rawget(_G, name) ~= nil, name)\n"
    "end\n"
    "local keys = {}\n"
    "for k in pairs(os) do keys[#keys + 1] = k end\n"
    "table.sort(keys)\n"
    "assert(table.concat(keys, ',') == 'clock,date,time')\n"
    "assert(string.dump == nil)\n"
    "assert(_VERSION == 'Lua 5.4')\n"
    "assert(utf8.char(72, 228) == 'H\\xC3\\xA4')\n"
    "assert(os.date('!%Y-%m-%d', 0) == '1970-01-01')\n"
    "assert(type(os.time()) == 'number' and type(os.clock()) == 'number')\n"
    "assert(select('#', load('return 1, 2')()) == 2)\n"
    "local f = load(function() local done; return nil end)\n"
    "assert(coroutine.isyieldable() == false)\n"
    "local co = coroutine.create(function(a) local b = coroutine.yield(a + "
    "1) return b * 2 end)\n"
    "local ok, v = coroutine.resume(co, 1) assert(ok and v == 2)\n"
    "ok, v = coroutine.resume(co, 5) assert(ok and v == 10)\n"
    "assert(coroutine.status(co) == 'dead')\n"
    "local gen = coroutine.wrap(function() for i = 1, 3 do "
    "coroutine.yield(i) end end)\n"
    "assert(gen() == 1 and gen() == 2 and gen() == 3)\n"
    "local w = coroutine.wrap(function() error('inside') end)\n"
    "local ok2, e = pcall(w)\n"
    "assert(not ok2 and e:find('policy.lua:%d+: inside'), e)\n"
    "assert(select(2, pcall(coroutine.resume, 1)):find('coroutine expected'))\n"
    "assert(select(2, pcall(coroutine.wrap(function() end))) == nil)\n"
    "local dead = coroutine.wrap(function() end) dead()\n"
    "assert(select(2, pcall(dead)):find('cannot resume dead coroutine'))\n"
    "local ok3, a, b = xpcall(function(x) return x, 2 end, "
    "function(m) return 'h' end, 1)\n"
    "assert(ok3 and a == 1 and b == 2)\n"
    "local ok4, m = xpcall(error, function(m) return 'handled ' .. m end, "
    "'oops', 0)\n"
    "assert(not ok4 and m == 'handled oops')\n"
    "assert(select(2, pcall(table.concat, {1, {}}))"
    ":find(\"invalid value %(table%) at index 2 in table for 'concat'\"))\n"
    "assert(table.concat({1, 2, 3}, '-') == '1-2-3')\n"
    "local t = {1, 2, 3} table.insert(t, 1, 0) table.insert(t, 4)\n"
    "assert(table.concat(t, ',') == '0,1,2,3,4')\n"
    "assert(table.remove(t, 1) == 0 and table.remove(t) == 4)\n"
    "assert(table.concat(t, ',') == '1,2,3')\n"
    "table.sort(t, function(a, b) return a > b end)\n"
    "assert(table.concat(t, ',') == '3,2,1')\n"
    "assert(select('#', table.unpack(t)) == 3)\n"
    "assert(table.concat(table.move({1, 2, 3}, 1, 3, 2, {}), ',', 2, 4) "
    "== '1,2,3')\n"
    "assert(select(2, pcall(table.insert, {}, 5, 1)):find('position out "
    "of bounds'))\n"
    "assert(select(2, pcall(table.sort, {3, 1, 2}, 1)):find(\"bad argument "
    "#2 to 'table.sort'\"))\n"
    "assert(('x'):rep(3, ',') == 'x,x,x')\n"), LR_OK);
  if (s->errmsg[0]) fprintf(stderr, "%s\n", s->errmsg);
  lrl_free(s);
}

static void test_random(void) {
  lrl_state *a = lrl_new(0, 0), *b = lrl_new(0, 0);
  const char *src = "return math.random(1, 1000000), math.random()";
  CHECK_INT(lrl_load_buffer(a, src, strlen(src), "r.lua"), LR_OK);
  CHECK_INT(lrl_pcall(a, 0, 2), LR_OK);
  CHECK_INT(lrl_load_buffer(b, src, strlen(src), "r.lua"), LR_OK);
  CHECK_INT(lrl_pcall(b, 0, 2), LR_OK);
  long long first = lua_tointeger(a->L, 1);
  CHECK_INT(first, lua_tointeger(b->L, 1));
  CHECK(lua_tonumber(a->L, 2) == lua_tonumber(b->L, 2));
  lua_settop(a->L, 0);
  /* randomseed() goes back to the fixed seed */
  CHECK_INT(run(a, "math.randomseed()\nfirst = math.random(1, 1000000)"),
            LR_OK);
  lrl_getglobal(a->L, "first");
  CHECK_INT(lua_tointeger(a->L, -1), first);
  lua_settop(a->L, 0);
  lrl_seed_random(a, 12345);
  CHECK_INT(run(a, "first = math.random(1, 1000000)"), LR_OK);
  lrl_getglobal(a->L, "first");
  CHECK(lua_tointeger(a->L, -1) != first);
  lua_settop(a->L, 0);
  lrl_free(a);
  lrl_free(b);
}

static void test_require(void) {
  lrl_state *s = lrl_new(0, 0);
  CHECK_INT(run(s, "local d = require('durations')\n"
                   "assert(d == require('durations'))\n"
                   "assert(d.parse('1d12h') == 129600)\n"
                   "assert(require('decay') and require('dates') and "
                   "require('strings'))"), LR_OK);
  CHECK_INT(run(s, "require('durations').parse = nil"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "cannot modify read-only table 'durations'");
  CHECK_INT(run(s, "\nrequire('helper')"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:2: module 'helper' not found (local "
            "modules need --allow-local-modules)");
  CHECK_INT(run(s, "require('durations').parse('soon')"), LR_POLICY);
  CHECK_STR(s->errmsg, "policy.lua:1: invalid duration 'soon'");
  /* local modules beside the policy, when allowed */
  t_write(t_path("helper.lua"), "local name = ...\nreturn { name = name, "
          "twice = function(x) return 2 * x end,\n  fail = function() "
          "error('from helper') end }\n");
  t_write(t_path("selfish.lua"), "return require('selfish')\n");
  t_write(t_path("broken.lua"), "return {\n");
  lrl_set_module_dir(s, t_path(""), 1);
  CHECK_INT(run(s, "local h = require('helper')\nassert(h.twice(21) == 42)\n"
                   "assert(h.name == 'helper')\nassert(require('helper') == "
                   "h)"), LR_OK);
  CHECK_INT(run(s, "require('helper').fail()"), LR_POLICY);
  CHECK_STR(s->errmsg, "helper.lua:3: from helper");
  CHECK_INT(run(s, "require('../helper')"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "module '../helper' not found (local module "
                 "names are made of letters, digits and '_')");
  CHECK_INT(run(s, "require('a.b')"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "letters, digits and '_'");
  CHECK_INT(run(s, "require('nothing')"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "module 'nothing' not found (no stdlib module");
  CHECK_INT(run(s, "require('selfish')"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "module 'selfish' requires itself");
  CHECK_INT(run(s, "require('broken')"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "error loading module 'broken'");
  CHECK_CONTAINS(s->errmsg, "broken.lua:");
  /* a failed module is not cached as loading: the error repeats */
  CHECK_INT(run(s, "require('broken')"), LR_POLICY);
  CHECK_CONTAINS(s->errmsg, "error loading module 'broken'");
  /* require works inside a coroutine too */
  CHECK_INT(run(s, "local f = coroutine.wrap(function() return "
                   "require('helper').twice(2) end)\nassert(f() == 4)"),
            LR_OK);
  lrl_set_module_dir(s, t_path(""), 0);
  CHECK_INT(run(s, "require('strings')"), LR_OK);
  lrl_free(s);
}

/* A limit that fires in a finalizer is reported by the call it ran in. */
static void test_finalizer_limits(void) {
  lrl_state *s = lrl_new(0, 200000);
  CHECK_INT(run(s, "setmetatable({}, { __gc = function() while true do "
                   "end end })"), LR_OK);
  lua_gc(s->L, LUA_GCCOLLECT, 0);   /* the finalizer runs, and is killed */
  CHECK(s->killed);
  CHECK_INT(run(s, "return 1"), LR_LIMIT);
  lrl_budget_reset(s);
  CHECK_INT(run(s, "return 1"), LR_OK);
  CHECK_INT(run(s, "keep = setmetatable({}, { __gc = function() while true "
                   "do end end })"), LR_OK);
  lrl_free(s);                      /* does not run it: no hang */
}

/* A coroutine killed by the hook keeps hooks off: its __close handlers
** must never run, not even from coroutine.close after a reset. */
static void test_stopped_coroutine(void) {
  lrl_state *s = lrl_new(0, 1000000);
  CHECK_INT(run(s, "co = coroutine.create(function()\n  local x <close> = "
                   "setmetatable({}, { __close = function() while true do "
                   "end end })\n  while true do end\nend)\n"
                   "coroutine.resume(co)"), LR_LIMIT);
  lrl_budget_reset(s);
  CHECK_INT(run(s, "local ok, err = coroutine.close(co)\nassert(ok == nil "
                   "and err == 'coroutine was stopped by a limit')\n"
                   "assert(coroutine.status(co) == 'dead')"), LR_OK);
  CHECK_INT(run(s, "local co2 = coroutine.create(function() "
                   "coroutine.yield(1) end)\ncoroutine.resume(co2)\n"
                   "assert(coroutine.close(co2) == true)"), LR_OK);
  lrl_free(s);
}

int main(void) {
  t_tmpdir();
  (void)t_src;
  test_messages();
  test_load_file();
  test_budget();
  test_memory();
  test_cancel();
  test_cancel_in_c();
  test_where_error();
  test_globals();
  test_readonly();
  test_library_set();
  test_random();
  test_require();
  test_finalizer_limits();
  test_stopped_coroutine();
  return t_done();
}
