/*
** test_stdlib.c -- the stdlib/ modules embedded in the library: every
** tests/stdlib/NAME_test.lua runs in a fresh sandbox and must finish
** without error (the files assert pinned values and compare the pure-Lua
** duration/date parsers with the engine's C parsers).  Also: each module
** loads without the host helpers (the pure-Lua path), and every embedded
** module has a header comment.
*/
#include "leadrules.h"
#include "lua/runtime.h"
#include "t.h"

#include <dirent.h>

struct lr_stdlib_module { const char *name; const char *src; size_t len; };
extern const struct lr_stdlib_module lr_stdlib[];

static void run_file(const char *dir, const char *name) {
  char path[2048];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  lrl_state *s = lrl_new(64u << 20, 200000000LL);
  int rc = lrl_load_file(s, path, name);
  if (rc == LR_OK) rc = lrl_pcall(s, 0, 0);
  if (rc != LR_OK) fprintf(stderr, "%s: %s\n", name, s->errmsg);
  CHECK_INT(rc, LR_OK);
  lrl_free(s);
}

/* Each module chunk called with no host helpers still works. */
static void test_without_host(void) {
  int n = 0;
  for (const struct lr_stdlib_module *m = lr_stdlib; m->name; m++, n++) {
    CHECK(strncmp(m->src, "--[==[\n", 7) == 0);   /* documented */
    lrl_state *s = lrl_new(0, 0);
    CHECK_INT(lrl_load_buffer(s, m->src, m->len, m->name), LR_OK);
    lua_pushstring(s->L, m->name);
    CHECK_INT(lrl_pcall(s, 1, 1), LR_OK);          /* no host table */
    CHECK(lua_istable(s->L, -1));
    lua_settop(s->L, 0);
    if (strcmp(m->name, "durations") == 0 || strcmp(m->name, "dates") == 0) {
      const char *src = strcmp(m->name, "dates") == 0
        ? "local d = ...\nassert(d.parse('2024-03-01T12:30:00Z') == "
          "1709296200)\nassert(d.try('2024-02-30') == nil)"
        : "local d = ...\nassert(d.parse('1d12h') == 129600)\n"
          "assert(d.try('1d 12h') == nil)";
      CHECK_INT(lrl_load_buffer(s, m->src, m->len, m->name), LR_OK);
      CHECK_INT(lrl_pcall(s, 0, 1), LR_OK);
      CHECK_INT(lrl_load_buffer(s, src, strlen(src), "t.lua"), LR_OK);
      lua_insert(s->L, -2);
      int rc = lrl_pcall(s, 1, 0);
      if (rc) fprintf(stderr, "%s without host: %s\n", m->name, s->errmsg);
      CHECK_INT(rc, LR_OK);
    }
    lrl_free(s);
  }
  CHECK_INT(n, 5);                 /* with freemail */
}

int main(void) {
  (void)t_tmpdir; (void)t_path; (void)t_write;  /* unused helpers */
  char dir[1200];
  snprintf(dir, sizeof dir, "%s", t_src("tests/stdlib"));
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  int files = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len > 9 && strcmp(e->d_name + len - 9, "_test.lua") == 0) {
      run_file(dir, e->d_name);
      files++;
    }
  }
  if (d) closedir(d);
  CHECK_INT(files, 4);
  test_without_host();
  return t_done();
}
