/*
** samefile.c -- whether two names are one file (samefile.h).
*/
#include "samefile.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#define MAX_LINKS 40                 /* as the kernel's ELOOP limit */

/* The name a symlink at p points to, relative to p's directory when the
** link is relative.  NULL with *err set. */
static char *link_target(const char *p, int *err) {
  char to[PATH_MAX];
  ssize_t n = readlink(p, to, sizeof to - 1);
  if (n < 0) {
    *err = errno;
    return NULL;
  }
  to[n] = '\0';
  lr_buf b = LR_BUF_INIT;
  const char *slash = strrchr(p, '/');
  if (to[0] != '/' && slash) lrb_add(&b, p, (size_t)(slash - p) + 1);
  lrb_adds(&b, to);
  if (b.oom) *err = ENOMEM;
  return b.oom ? NULL : b.p;
}

/* path with its symlinks followed (the last component only: realpath
** does the directories). */
static char *follow(const char *path, int *err) {
  char *p = strdup(path);
  for (int hops = 0; p; hops++) {
    struct stat st;
    if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    char *next = hops < MAX_LINKS ? link_target(p, err) : NULL;
    if (hops >= MAX_LINKS) *err = ELOOP;
    free(p);
    p = next;
    if (!p) return NULL;
  }
  *err = ENOMEM;
  return NULL;
}

char *lrb_path_final(const char *path, int *err) {
  *err = 0;
  char *p = follow(path, err);
  if (!p) return NULL;
  char *slash = strrchr(p, '/');
  const char *base = slash ? slash + 1 : p;
  if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
    char *r = realpath(p, NULL);          /* names a directory */
    if (!r) *err = errno;
    free(p);
    return r;
  }
  char *dir = slash ? strndup(p, slash == p ? 1 : (size_t)(slash - p))
                    : strdup(".");
  char *rdir = dir ? realpath(dir, NULL) : NULL;
  if (!rdir) *err = dir ? errno : ENOMEM;
  lr_buf b = LR_BUF_INIT;
  if (rdir) {
    lrb_adds(&b, rdir);
    if (b.n == 0 || b.p[b.n - 1] != '/') lrb_addc(&b, '/');
    lrb_adds(&b, base);
    if (b.oom) *err = ENOMEM;
  }
  free(rdir);
  free(dir);
  free(p);
  if (b.oom) return NULL;
  return b.p;
}

/* stat of a name ("-": the standard input); 1 when it exists. */
static int stat_of(const char *name, struct stat *st) {
  if (strcmp(name, "-") == 0) return fstat(STDIN_FILENO, st) == 0;
  return stat(name, st) == 0;
}

int lrb_same_file(const char *a, const char *b) {
  struct stat sa, sb;
  int ha = stat_of(a, &sa), hb = stat_of(b, &sb);
  if (ha && hb) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (ha || hb || strcmp(a, "-") == 0 || strcmp(b, "-") == 0) return 0;
  int err;
  char *fa = lrb_path_final(a, &err), *fb = lrb_path_final(b, &err);
  int same = fa && fb && strcmp(fa, fb) == 0;
  free(fa);
  free(fb);
  return same;
}
