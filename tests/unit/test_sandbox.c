/*
** test_sandbox.c -- the sandbox-escape suite: every Lua file in tests/sandbox/ is
** one attack.  Its first line says what must happen:
**
**   -- expect: LR_POLICY undefined global 'io'
**
** (a result code name, then a substring of the message; LR_OK for an
** attack that must run harmlessly to its end).  A second line
** "-- setup: freeze" freezes the globals before the chunk runs.  Each file
** is loaded with lrl_load_file and run with lrl_pcall under a 5,000,000
** instruction budget and a 32 MiB cap; the test checks the code, the
** message, the wall time, that nothing was written outside, that the same
** state works again after lrl_budget_reset, that it can be freed, and
** that a new state works.
*/
#include "leadrules.h"
#include "lua/runtime.h"
#include "t.h"

#include <dirent.h>
#include <time.h>

#define BUDGET 5000000LL
#define CAP (32u << 20)
#define MAX_SECONDS 20.0            /* generous: ASan builds are slower */
#define PWNED "/tmp/lr_sandbox_pwned"

static const struct { const char *name; int code; } codes[] = {
  {"LR_OK", LR_OK}, {"LR_POLICY", LR_POLICY}, {"LR_LIMIT", LR_LIMIT},
  {"LR_NOMEM", LR_NOMEM}, {"LR_INTERRUPT", LR_INTERRUPT}, {NULL, 0}};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A fresh state can still run Lua. */
static int fresh_state_works(void) {
  lrl_state *s = lrl_new(CAP, BUDGET);
  if (!s) return 0;
  int ok = lrl_load_buffer(s, "return 6 * 7", 12, "ok.lua") == LR_OK &&
           lrl_pcall(s, 0, 1) == LR_OK && lua_tointeger(s->L, -1) == 42;
  lrl_free(s);
  return ok;
}

static double slowest;
static char slowest_name[256];

static void run_attack(const char *dir, const char *name) {
  char path[2048], line1[512] = "", line2[512] = "";
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  if (!f || !fgets(line1, sizeof line1, f)) {
    fprintf(stderr, "%s: unreadable\n", path);
    t_failed++;
    if (f) fclose(f);
    return;
  }
  if (!fgets(line2, sizeof line2, f)) line2[0] = 0;
  fclose(f);
  line1[strcspn(line1, "\n")] = 0;
  char codename[64] = "", want[400] = "";
  if (sscanf(line1, "-- expect: %63s %399[^\n]", codename, want) < 1) {
    fprintf(stderr, "%s: no '-- expect:' line\n", name);
    t_failed++;
    return;
  }
  int code = -1;
  for (int i = 0; codes[i].name; i++)
    if (strcmp(codes[i].name, codename) == 0) code = codes[i].code;
  if (code < 0) {
    fprintf(stderr, "%s: unknown code %s\n", name, codename);
    t_failed++;
    return;
  }

  unlink(PWNED);
  lrl_state *s = lrl_new(CAP, BUDGET);
  CHECK(s != NULL);
  if (!s) return;
  if (strstr(line2, "-- setup: freeze")) lrl_freeze_globals(s);
  double t0 = now();
  int rc = lrl_load_file(s, path, name);
  if (rc == LR_OK) rc = lrl_pcall(s, 0, 0);
  double dt = now() - t0;
  if (dt > slowest) {
    slowest = dt;
    snprintf(slowest_name, sizeof slowest_name, "%s", name);
  }
  if (rc != code || !strstr(s->errmsg, want)) {
    t_failed++;
    fprintf(stderr, "%s: got %d \"%s\", expected %s \"%s\"\n", name, rc,
            s->errmsg, codename, want);
  } else {
    t_passed++;
  }
  if (rc != LR_OK && rc != LR_POLICY) CHECK(s->killed);
  if (strlen(s->errmsg) > 1100) {              /* short, one position */
    t_failed++;
    fprintf(stderr, "%s: message of %zu bytes\n", name, strlen(s->errmsg));
  }
  if (dt > MAX_SECONDS) {
    t_failed++;
    fprintf(stderr, "%s: took %.2f s\n", name, dt);
  }
  CHECK(access(PWNED, F_OK) != 0);            /* nothing written outside */
  CHECK_INT(lua_gettop(s->L), 0);             /* stack restored */
  /* the same state is usable again after a budget reset */
  lrl_budget_reset(s);
  int again = lrl_load_buffer(s, "return 1 + 1", 12, "again.lua");
  if (again == LR_OK) again = lrl_pcall(s, 0, 1);
  if (again != LR_OK)
    fprintf(stderr, "%s: state unusable after reset: %s\n", name, s->errmsg);
  CHECK_INT(again, LR_OK);
  lua_settop(s->L, 0);
  t0 = now();
  lrl_free(s);                                 /* finalizers cannot hang */
  CHECK(now() - t0 < MAX_SECONDS);
  CHECK(fresh_state_works());
}

int main(void) {
  (void)t_tmpdir; (void)t_path; (void)t_write;  /* unused helpers */
  const char *dir = t_src("tests/sandbox");
  char dirbuf[1200];
  snprintf(dirbuf, sizeof dirbuf, "%s", dir);
  DIR *d = opendir(dirbuf);
  CHECK(d != NULL);
  if (!d) return t_done();
  char *names[512];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 512) {
    size_t len = strlen(e->d_name);
    if (len > 4 && strcmp(e->d_name + len - 4, ".lua") == 0)
      names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp);
  for (int i = 0; i < n; i++) {
    run_attack(dirbuf, names[i]);
    free(names[i]);
  }
  CHECK(n >= 110);
  printf("%d attacks; slowest %s: %.3f s\n", n, slowest_name, slowest);
  return t_done();
}
