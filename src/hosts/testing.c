/*
** testing.c -- lr_test: policy unit tests written in Lua.
**
** A test file runs in its own sandboxed state with test(), expect(), eq()
** and load_policy() (devlua.c).  test() only records; once the file has
** run, each test runs in order under a fresh instruction budget and
** prints "ok - NAME" or "FAIL - NAME" and the failure's file:line.  No
** database is needed: policies load on a private in-memory one, which is
** also where fixtures meet segment SQL.
*/
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store.h"
#include "../util/buf.h"
#include "../lua/format.h"
#include "../lua/host.h"
#include "devlua.h"
#include "../engine/model.h"

/*
** The assertions, in Lua: failures raise error(message, 2), which puts the
** test file's line in front.  `fmt` shows values (C, never runs
** metamethods); deep equality reads with rawget for the same reason.
*/
static const char PRELUDE[] =
  "local fmt, tests = ...\n"
  "local rawget, type, pairs, tostring = rawget, type, pairs, tostring\n"
  "local function deq(a, b, depth)\n"
  "  if a == b then return true end\n"
  "  if type(a) ~= 'table' or type(b) ~= 'table' or depth > 20 then\n"
  "    return false\n"
  "  end\n"
  "  for k, v in pairs(a) do\n"
  "    if not deq(v, rawget(b, k), depth + 1) then return false end\n"
  "  end\n"
  "  for k in pairs(b) do\n"
  "    if rawget(a, k) == nil then return false end\n"
  "  end\n"
  "  return true\n"
  "end\n"
  "local function contains(hay, x)\n"
  "  if type(hay) == 'string' and type(x) == 'string' then\n"
  "    return hay:find(x, 1, true) ~= nil\n"
  "  end\n"
  "  if type(hay) ~= 'table' then return false end\n"
  "  if type(x) == 'table' then\n"
  "    for k, v in pairs(x) do\n"
  "      if not deq(rawget(hay, k), v, 0) then return false end\n"
  "    end\n"
  "    return true\n"
  "  end\n"
  "  for _, v in pairs(hay) do\n"
  "    if deq(v, x, 0) then return true end\n"
  "  end\n"
  "  return false\n"
  "end\n"
  "local function num(x, what)\n"
  "  if type(x) ~= 'number' then\n"
  "    error(what .. ': expected a number, got ' .. fmt(x), 4)\n"
  "  end\n"
  "  return x\n"
  "end\n"
  "-- name -> function(actual, ...) returning ok, message when ok is false\n"
  "local M = {}\n"
  "function M.to_be(v, want)\n"
  "  return deq(v, want, 0), 'expected ' .. fmt(want) .. ', got ' .. fmt(v)\n"
  "end\n"
  "M.to_equal = M.to_be\n"
  "function M.to_be_near(v, want, tol)\n"
  "  tol = tol or 1e-9\n"
  "  return type(v) == 'number' and math.abs(v - num(want, 'to_be_near')) <= tol,\n"
  "    'expected ' .. fmt(want) .. ' (within ' .. fmt(tol) .. '), got ' .. fmt(v)\n"
  "end\n"
  "function M.to_be_truthy(v)\n"
  "  return v ~= nil and v ~= false, 'expected a true value, got ' .. fmt(v)\n"
  "end\n"
  "function M.to_be_falsy(v)\n"
  "  return v == nil or v == false, 'expected false or nil, got ' .. fmt(v)\n"
  "end\n"
  "function M.to_be_nil(v) return v == nil, 'expected nil, got ' .. fmt(v) end\n"
  "function M.to_be_at_least(v, x)\n"
  "  return num(v, 'to_be_at_least') >= x,\n"
  "    'expected at least ' .. fmt(x) .. ', got ' .. fmt(v)\n"
  "end\n"
  "function M.to_be_at_most(v, x)\n"
  "  return num(v, 'to_be_at_most') <= x,\n"
  "    'expected at most ' .. fmt(x) .. ', got ' .. fmt(v)\n"
  "end\n"
  "function M.to_be_above(v, x)\n"
  "  return num(v, 'to_be_above') > x,\n"
  "    'expected more than ' .. fmt(x) .. ', got ' .. fmt(v)\n"
  "end\n"
  "function M.to_be_below(v, x)\n"
  "  return num(v, 'to_be_below') < x,\n"
  "    'expected less than ' .. fmt(x) .. ', got ' .. fmt(v)\n"
  "end\n"
  "function M.to_contain(v, x)\n"
  "  return contains(v, x), 'expected ' .. fmt(v) .. ' to contain ' .. fmt(x)\n"
  "end\n"
  "function M.to_match(v, pat)\n"
  "  return type(v) == 'string' and v:match(pat) ~= nil,\n"
  "    'expected ' .. fmt(v) .. ' to match ' .. fmt(pat)\n"
  "end\n"
  "function M.to_fail(f, text)\n"
  "  if type(f) ~= 'function' then\n"
  "    return false, 'to_fail: expected a function, got ' .. fmt(f)\n"
  "  end\n"
  "  local ok, err = pcall(f)\n"
  "  if ok then\n"
  "    return false, 'expected an error' ..\n"
  "      (text and (' containing ' .. fmt(text)) or '') .. ', got none'\n"
  "  end\n"
  "  err = type(err) == 'string' and err or fmt(err)\n"
  "  if text and not err:find(text, 1, true) then\n"
  "    return false, 'expected an error containing ' .. fmt(text) ..\n"
  "      ', got ' .. fmt(err)\n"
  "  end\n"
  "  return true\n"
  "end\n"
  "function expect(v, label)\n"
  "  local prefix = label and (tostring(label) .. ': ') or ''\n"
  "  local e = {}\n"
  "  for name, m in pairs(M) do\n"
  "    e[name] = function(...)\n"
  "      local ok, msg = m(v, ...)\n"
  "      if not ok then error(prefix .. msg, 2) end\n"
  "    end\n"
  "    e['not_' .. name] = function(...)\n"
  "      local ok, msg = m(v, ...)\n"
  "      if ok then\n"
  "        error(prefix .. 'expected not: ' .. (msg:gsub('^expected ', '')), 2)\n"
  "      end\n"
  "    end\n"
  "  end\n"
  "  return e\n"
  "end\n"
  "function eq(actual, want, label)\n"
  "  if not deq(actual, want, 0) then\n"
  "    error((label and (tostring(label) .. ': ') or '') .. 'expected ' ..\n"
  "      fmt(want) .. ', got ' .. fmt(actual), 2)\n"
  "  end\n"
  "end\n"
  "function ok(v, label)\n"
  "  if v == nil or v == false then\n"
  "    error((label and (tostring(label) .. ': ') or '') ..\n"
  "      'expected a true value, got ' .. fmt(v), 2)\n"
  "  end\n"
  "end\n"
  "function test(name, f)\n"
  "  if type(name) ~= 'string' or type(f) ~= 'function' then\n"
  "    error('test(name, function() ... end): give a name and a function', 2)\n"
  "  end\n"
  "  tests[#tests + 1] = { name = name, f = f }\n"
  "end\n";

typedef struct tctx {
  lr_write_fn write;
  void *ctx;
  int failed_write;
} tctx;

static void out(tctx *t, const char *s, size_t n) {
  if (!t->write || t->failed_write) return;
  if (t->write(t->ctx, s, n)) t->failed_write = 1;
}

static void outs(tctx *t, const char *s) { out(t, s, strlen(s)); }

/* fmt(v): the formatter, for the prelude's messages. */
static int l_fmt(lua_State *L) {
  lua_settop(L, 1);
  lr_buf b = LR_BUF_INIT;
  lrl_fmt_value(L, 1, &b, 0);
  if (b.oom) {
    lrb_free(&b);
    return luaL_error(L, "out of memory");
  }
  /* Long values are cut, so one failure cannot flood the output. */
  if (b.n > 600) {
    lua_pushlstring(L, b.p, 600);
    lua_pushliteral(L, "...");
    lua_concat(L, 2);
  } else {
    lua_pushlstring(L, lrb_str(&b), b.n);
  }
  lrb_free(&b);
  return 1;
}

/* print(...) in a test file: through the write callback. */
static int print_out(void *ctx, const char *line, size_t n) {
  out(ctx, line, n);
  return 0;
}

static char *dir_of(const char *path) {
  char *d = strdup(path);
  if (!d) return NULL;
  char *slash = strrchr(d, '/');
  if (slash == d) slash[1] = '\0';
  else if (slash) *slash = '\0';
  else strcpy(d, ".");
  return d;
}

/* A policy given where a test file belongs fails on its first declaration,
** which is no global in a test file: "undefined global 'stages'". */
static int is_policy_error(const char *err) {
  static const char *const words[] = { "stages", "stage", "segment", "rule",
    "grade", "total", "transition", "handoff", "account_stages",
    "account_rule", "account_transition", "account_handoff", NULL };
  const char *p = strstr(err, "undefined global '");
  if (!p) return 0;
  p += strlen("undefined global '");
  for (int i = 0; words[i]; i++) {
    size_t n = strlen(words[i]);
    if (strncmp(p, words[i], n) == 0 && p[n] == '\'') return 1;
  }
  return 0;
}

/* Run the file's tests; returns LR_OK or an error code with msg set. */
static int run_file(lrl_state *rt, lrp_dev *dev, tctx *t, const char *path,
                    int *passed, int *failed, char *msg, size_t msglen) {
  lua_State *L = rt->L;
  /* The prelude gets fmt and the tests table; the registry keeps both. */
  int rc = lrl_load_buffer(rt, PRELUDE, sizeof PRELUDE - 1, "=(test prelude)");
  if (rc != LR_OK) {
    snprintf(msg, msglen, "test prelude: %.1900s", rt->errmsg);
    return LR_ERROR;
  }
  lua_pushcfunction(L, l_fmt);
  lua_newtable(L);
  lua_pushvalue(L, -1);
  int tests_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lrl_budget_reset(rt);
  rc = lrl_pcall(rt, 2, 0);
  if (rc != LR_OK) {
    snprintf(msg, msglen, "test prelude: %.1900s", rt->errmsg);
    return rc;
  }
  lrl_push_print(L, LRL_PRINT_SHOW, print_out, t);
  lrl_setglobal(L, "print");
  lrp_dev_register(L, dev);

  rc = lrl_load_file(rt, path, path);
  if (rc == LR_OK) {
    lrl_budget_reset(rt);
    rc = lrl_pcall(rt, 0, 0);
  }
  if (rc != LR_OK) {
    snprintf(msg, msglen, "%.1700s%s", rt->errmsg, is_policy_error(rt->errmsg)
             ? " (this file is a policy: `leadrules test` takes a test file "
               "that loads it with load_policy(\"FILE.lua\") and declares "
               "test(\"name\", function() ... end); see docs/devtools.md)"
             : "");
    return rc == LR_IO ? LR_IO : rc == LR_LIMIT ? LR_LIMIT : LR_POLICY;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, tests_ref);
  int tests = lua_gettop(L);
  lua_Integer n = (lua_Integer)lua_rawlen(L, tests);
  if (n == 0) {
    snprintf(msg, msglen, "%s: defines no tests (write test(\"name\", "
             "function() ... end))", path);
    lua_pop(L, 1);
    return LR_POLICY;
  }
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, tests, i);
    lua_getfield(L, -1, "name");
    char name[512];
    snprintf(name, sizeof name, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    lua_getfield(L, -1, "f");
    lua_remove(L, -2);
    lrl_budget_reset(rt);
    rc = lrl_pcall(rt, 0, 0);
    if (rc == LR_OK) {
      (*passed)++;
      outs(t, "ok - ");
      outs(t, name);
      outs(t, "\n");
    } else {
      (*failed)++;
      outs(t, "FAIL - ");
      outs(t, name);
      outs(t, "\n  ");
      outs(t, rt->errmsg);
      outs(t, "\n");
      if (rc == LR_INTERRUPT) {
        snprintf(msg, msglen, "interrupted");
        lua_pop(L, 1);
        return LR_INTERRUPT;
      }
    }
  }
  lua_pop(L, 1);
  return LR_OK;
}

int lr_test(lr_db *db, const char *test_path, const lr_policy_opts *opts,
            lr_write_fn write, void *ctx, int *passed, int *failed) {
  int np = 0, nf = 0;
  if (passed) *passed = 0;
  if (failed) *failed = 0;
  if (!test_path) return db ? lr__err(db, LR_MISUSE, "lr_test: no path")
                            : LR_MISUSE;
  lr_policy_opts po;
  if (lr__opts(db, &po, sizeof po, opts, "lr_test") != LR_OK)
    return LR_MISUSE;
  /* A private in-memory database: the tests never touch the caller's. */
  lr_db *mem = NULL;
  int rc = lr_open(":memory:", &mem);
  if (rc != LR_OK) {
    if (db) lr__err(db, rc, "lr_test: %s", lr_errmsg(mem));
    lr_close(mem);
    return rc;
  }
  lrl_state *rt = lrl_new(po.max_memory, po.max_instructions);
  if (!rt) {
    lr_close(mem);
    return db ? lr__err(db, LR_NOMEM, "out of memory") : LR_NOMEM;
  }
  char *dir = dir_of(test_path);
  lrp_dev dev;
  lrp_dev_init(&dev, mem, mem, dir, &po);
  lrl_set_module_dir(rt, dir ? dir : ".", po.allow_local_modules);
  free(dir);
  tctx t = {write, ctx, 0};
  char msg[2048] = "";
  rc = run_file(rt, &dev, &t, test_path, &np, &nf, msg, sizeof msg);
  lrl_free(rt);                      /* before the policies it points to */
  lrp_dev_free(&dev);
  lr_close(mem);
  if (passed) *passed = np;
  if (failed) *failed = nf;
  if (rc != LR_OK) return db ? lr__err(db, rc, "%s", msg) : rc;
  char line[64];
  snprintf(line, sizeof line, "%d passed, %d failed\n", np, nf);
  outs(&t, line);
  if (t.failed_write) return db ? lr__err(db, LR_IO, "writing test output") : LR_IO;
  if (nf) return db ? lr__err(db, LR_TESTFAIL, "%d of %d tests failed", nf,
                              np + nf) : LR_TESTFAIL;
  return db ? lr__ok(db) : LR_OK;
}
