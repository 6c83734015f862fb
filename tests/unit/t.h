/*
** t.h -- a tiny test harness for the C unit tests.  Each test program
** prints one line per failure ("file:line: expected ...") and ends with
** "N passed, N failed"; its exit status is 1 on any failure.
*/
#ifndef LR_T_H
#define LR_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int t_passed, t_failed;

#define CHECK(cond) do { \
  if (cond) t_passed++; \
  else { t_failed++; fprintf(stderr, "%s:%d: check failed: %s\n", \
                             __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_INT(a, b) do { \
  long long a_ = (long long)(a), b_ = (long long)(b); \
  if (a_ == b_) t_passed++; \
  else { t_failed++; fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
                             __FILE__, __LINE__, #a, a_, b_); } \
} while (0)

#define CHECK_STR(a, b) do { \
  const char *a_ = (a), *b_ = (b); \
  if (a_ && b_ && strcmp(a_, b_) == 0) t_passed++; \
  else { t_failed++; fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", \
                             __FILE__, __LINE__, #a, a_ ? a_ : "(null)", \
                             b_ ? b_ : "(null)"); } \
} while (0)

#define CHECK_CONTAINS(hay, needle) do { \
  const char *h_ = (hay), *n_ = (needle); \
  if (h_ && strstr(h_, n_)) t_passed++; \
  else { t_failed++; fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", \
                             __FILE__, __LINE__, h_ ? h_ : "(null)", n_); } \
} while (0)

#define CHECK_NEAR(a, b, eps) do { \
  double a_ = (a), b_ = (b); \
  if (a_ - b_ <= (eps) && b_ - a_ <= (eps)) t_passed++; \
  else { t_failed++; fprintf(stderr, "%s:%d: %s == %.17g, expected %.17g\n", \
                             __FILE__, __LINE__, #a, a_, b_); } \
} while (0)

static inline int t_done(void) {
  printf("%d passed, %d failed\n", t_passed, t_failed);
  return t_failed ? 1 : 0;
}

/* A fresh scratch directory for this test program ($LR_TMP).  The tests'
** databases on PostgreSQL (LR_TEST_DB=postgresql, t_pg.h) need a server:
** without LEADRULES_TEST_PG the program is skipped (77) here. */
static inline const char *t_tmpdir(void) {
  static char dir[1024];
  const char *store = getenv("LR_TEST_DB");
  if (store && strcmp(store, "postgresql") == 0 &&
      !getenv("LEADRULES_TEST_PG")) {
    printf("skipped: LEADRULES_TEST_PG is not set (scripts/pg-up starts "
           "a server)\n");
    exit(77);
  }
  const char *env = getenv("LR_TMP");
  snprintf(dir, sizeof dir, "%s", env ? env : "/tmp/lr_test");
  char cmd[2200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  if (system(cmd) != 0) { perror(cmd); exit(2); }
  return dir;
}

/* Path inside the scratch directory (static buffer rotation of 8). */
static inline const char *t_path(const char *name) {
  static char bufs[8][1200];
  static int k;
  const char *env = getenv("LR_TMP");
  char *b = bufs[k++ % 8];
  snprintf(b, 1200, "%s/%s", env ? env : "/tmp/lr_test", name);
  return b;
}

/* Path inside the source tree ($LR_SRC). */
static inline const char *t_src(const char *rel) {
  static char bufs[8][1200];
  static int k;
  const char *env = getenv("LR_SRC");
  char *b = bufs[k++ % 8];
  snprintf(b, 1200, "%s/%s", env ? env : ".", rel);
  return b;
}

static inline void t_write(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); exit(2); }
  fwrite(text, 1, strlen(text), f);
  fclose(f);
}

#endif
