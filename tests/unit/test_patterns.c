/*
** test_patterns.c -- the budgeted matcher of patterns.c against the stock
** string library: the same driver runs in a plain lua_State (luaL_openlibs)
** and in a sandboxed one, over a few hundred pattern/subject pairs with
** find, match, gmatch (with init), gsub with a template, a table and a
** function, and malformed patterns; every result line must be equal,
** error messages included.
*/
#include "leadrules.h"
#include "lua/runtime.h"
#include "t.h"

#include <lauxlib.h>
#include <lualib.h>

static const char driver[] =
  "local patterns = {\n"
  "  'a', 'a*', 'a+', 'a-', 'a?', '^a', 'a$', '^$', '.', '.-', '(a)',\n"
  "  '(a*)', '()', '(a)()', '%a+', '%A+', '%d+', '%D', '%l%u', '%s*',\n"
  "  '%S+', '%w+', '%W', '%x+', '%p', '%c', '%g+', '%G', '%L', '%U+',\n"
  "  '%X', '%P', '%C+', '[abc]', '[^abc]+', '[a-c]+', '[%a_][%w_]*',\n"
  "  '[%d.]+', '[]]', '[^]]', '[a-]', '[-a]', '%bxy', '%b()', '%b<>',\n"
  "  '%f[%w]%w+', '%f[%W]', '%f[%a]', '(a)%1', '(%w+) (%1)', '((a)(b))',\n"
  "  '(a(b)c)', '%', '[a', '(a', 'a)', '%1', '(()', '%b', '%bx', '%f',\n"
  "  '%fa', '%z', '%Z+', '%.', 'a.-b', 'a.*b', '^(%w+)', '(.-)%s*$', '$',\n"
  "  '^', 'x*$', '[%]]', '[a%-z]+', '(h)(e)(l)(l)(o)',\n"
  "  '((((((((((a))))))))))', '(%d+)-(%d+)', '[^%s]+', '%%', '%$', 'a%',\n"
  "  '[%', '[a-%d]', '[%d-z]+', '(a)%2', '%0', '(a)(%1)', '.-$', '[^]',\n"
  "  '[]', '[^a-z%d]+', '%s*(%S+)%s*', '(%a)(%a*)', '^%s*(.-)%s*$',\n"
  "  'o*', '%w*', '[aeiou]-', 'l+', '(l)(l)', '%u%l+', '(%()', '%)',\n"
  "  '[%w%-%.]+@[%w%-%.]+', '%d%d%d%d%-%d%d%-%d%d', '(.)%1', '.?.?.?$',\n"
  "  ('(a)'):rep(33), ('a?'):rep(8) .. ('a'):rep(8), 'b*a', '[b-a]',\n"
  "  '%f[%z]', '%f[^%z]', 'a-b-c', '[+*?]', '%**', '[%^x]', '^^', '$$',\n"
  "}\n"
  "local subjects = {\n"
  "  '', 'a', 'aaa', 'abc', 'hello world', 'x(a(b)c)y', '  trim me  ',\n"
  "  '2024-03-01 12:30', 'aAbB_1.5', 'xyz<tag>q</tag>', 'THE (quick) fox',\n"
  "  'a,b,,c', 'ana.maria@corp.example', 'aaaaaaaa', 'x^y$z', '*?+',\n"
  "}\n"
  "local function ser(...)\n"
  "  local t = {}\n"
  "  for i = 1, select('#', ...) do\n"
  "    local v = select(i, ...)\n"
  "    t[i] = type(v) .. ':' .. tostring(v)\n"
  "  end\n"
  "  return table.concat(t, ',')\n"
  "end\n"
  "local function try(f, ...)\n"
  "  local r = table.pack(pcall(f, ...))\n"
  "  if r[1] then return ser(table.unpack(r, 2, r.n)) end\n"
  "  return 'E:' .. tostring(r[2])\n"
  "end\n"
  "local function all(s, p, init)\n"
  "  local r = {}\n"
  "  for a, b in string.gmatch(s, p, init) do\n"
  "    r[#r + 1] = ser(a, b)\n"
  "    if #r > 40 then break end\n"
  "  end\n"
  "  return table.concat(r, '/')\n"
  "end\n"
  "local repl_t = { a = 'A', ab = 'X', hello = false, l = 7 }\n"
  "local function repl_f(c, d)\n"
  "  if c == 'b' then return false end\n"
  "  if d then return tostring(d) end\n"
  "  return '#' .. tostring(c)\n"
  "end\n"
  "local out, n = {}, 0\n"
  "for _, p in ipairs(patterns) do\n"
  "  for _, s in ipairs(subjects) do\n"
  "    n = n + 1\n"
  "    out[#out + 1] = table.concat({ p, s,\n"
  "      try(string.find, s, p), try(string.find, s, p, 2),\n"
  "      try(string.find, s, p, -3), try(string.find, s, p, 1, true),\n"
  "      try(string.find, s, p, 100), try(string.match, s, p),\n"
  "      try(string.match, s, p, -3), try(all, s, p), try(all, s, p, 3),\n"
  "      try(all, s, p, -2), try(string.gsub, s, p, '<%0>'),\n"
  "      try(string.gsub, s, p, '[%1]'), try(string.gsub, s, p, repl_t),\n"
  "      try(string.gsub, s, p, repl_f, 2), try(string.gsub, s, p, 'z', 0),\n"
  "    }, ' | ')\n"
  "  end\n"
  "end\n"
  "for _, r in ipairs({ '%', '%x', '%2', '%%', '%0%0', '%1', '%1%1', 9 }) do\n"
  "  for _, p in ipairs({ '(a)', 'a', '()', '(a)(b)' }) do\n"
  "    n = n + 1\n"
  "    out[#out + 1] = table.concat({ tostring(r), p,\n"
  "      try(string.gsub, 'abcab', p, r) }, ' | ')\n"
  "  end\n"
  "end\n"
  "out[#out + 1] = try(string.gsub, 'abc', 'b', {b = {}})\n"
  "out[#out + 1] = try(string.gsub, 'abc', 'b', true)\n"
  "out[#out + 1] = try(string.find, 'abc', 1)\n"
  "out[#out + 1] = try(string.find)\n"
  "out[#out + 1] = try(string.rep, 'ab', 3, ',')\n"
  "out[#out + 1] = try(string.rep, 'ab', 0)\n"
  "out[#out + 1] = try(string.rep, '', 5, '-')\n"
  "out[#out + 1] = try(table.concat, {1, 2, 'x'}, '-')\n"
  "out[#out + 1] = try(table.concat, {1, {}, 3})\n"
  "out[#out + 1] = try(table.concat, {1, 2, 3}, ',', 2, 3)\n"
  "return table.concat(out, '\\n'), n\n";

static char *run_plain(int *cases) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  char *res = NULL;
  if (luaL_loadbuffer(L, driver, sizeof driver - 1, "=eq") == LUA_OK &&
      lua_pcall(L, 0, 2, 0) == LUA_OK) {
    res = strdup(lua_tostring(L, -2));
    *cases = (int)lua_tointeger(L, -1);
  } else {
    fprintf(stderr, "plain: %s\n", lua_tostring(L, -1));
  }
  lua_close(L);
  return res;
}

static char *run_sandbox(void) {
  lrl_state *s = lrl_new(0, 1000000000LL);
  char *res = NULL;
  int rc = lrl_load_buffer(s, driver, sizeof driver - 1, "eq");
  if (rc == LR_OK) rc = lrl_pcall(s, 0, 2);
  if (rc == LR_OK) {
    res = strdup(lua_tostring(s->L, -2));
    lua_pop(s->L, 2);
  } else {
    fprintf(stderr, "sandbox: %s\n", s->errmsg);
  }
  lrl_free(s);
  return res;
}

/* The sandbox's chunk is "@eq", the plain one "=eq": both print "eq". */
static void test_equivalence(void) {
  int cases = 0;
  char *a = run_plain(&cases), *b = run_sandbox();
  CHECK(a != NULL);
  CHECK(b != NULL);
  if (!a || !b) return;
  CHECK(cases > 1500);
  int lines = 0, diffs = 0;
  char *sa, *sb;
  char *la = strtok_r(a, "\n", &sa), *lb = strtok_r(b, "\n", &sb);
  while (la || lb) {
    lines++;
    if (!la || !lb || strcmp(la, lb) != 0) {
      if (++diffs <= 20)
        fprintf(stderr, "stock:   %s\nsandbox: %s\n", la ? la : "(none)",
                lb ? lb : "(none)");
    }
    la = la ? strtok_r(NULL, "\n", &sa) : NULL;
    lb = lb ? strtok_r(NULL, "\n", &sb) : NULL;
  }
  CHECK_INT(diffs, 0);
  printf("%d result lines compared (%d pattern/subject cases)\n", lines,
         cases);
  free(a);
  free(b);
}

/* Backtracking blow-ups end with the budget, quickly. */
static void test_catastrophic(void) {
  static const char *const srcs[] = {
    "return string.find(('a'):rep(40), ('a?'):rep(40) .. ('a'):rep(40))",
    "return string.match(('a'):rep(30), ('.-'):rep(10) .. 'b')",
    "return string.gsub(('a'):rep(5000), '.-.-.-.-b', 'x')",
    "for w in string.gmatch(('ab'):rep(3000), '(a.*)*c') do end",
    NULL};
  for (int i = 0; srcs[i]; i++) {
    lrl_state *s = lrl_new(32u << 20, 2000000);
    CHECK_INT(lrl_load_buffer(s, srcs[i], strlen(srcs[i]), "p.lua"), LR_OK);
    CHECK_INT(lrl_pcall(s, 0, 0), LR_LIMIT);
    CHECK_CONTAINS(s->errmsg, "p.lua:1: instruction limit exceeded");
    lrl_free(s);
  }
}

int main(void) {
  (void)t_tmpdir; (void)t_path; (void)t_src; (void)t_write;  /* unused */
  test_equivalence();
  test_catastrophic();
  return t_done();
}
