/*
** readfile.c -- read a whole file into memory.
*/
#include "readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int lrb_read_file(const char *path, char **out, size_t *len, int *err) {
  *out = NULL;
  *len = 0;
  *err = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    *err = errno;
    return LRB_FILE_OPEN;
  }
  lr_buf b = LR_BUF_INIT;
  char chunk[65536];
  size_t got;
  errno = 0;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) lrb_add(&b, chunk, got);
  if (ferror(f)) *err = errno ? errno : EIO;
  fclose(f);
  if (*err || b.oom) {
    lrb_free(&b);
    return *err ? LRB_FILE_READ : LRB_FILE_NOMEM;
  }
  *out = b.p ? b.p : strdup("");
  if (!*out) return LRB_FILE_NOMEM;
  *len = b.n;
  return LRB_FILE_OK;
}

char *lrb_read_named(const char *path, const char *what, size_t *len,
                     char *err, size_t errlen) {
  char *src;
  int e;
  switch (lrb_read_file(path, &src, len, &e)) {
    case LRB_FILE_OK: return src;
    case LRB_FILE_OPEN:
      snprintf(err, errlen, "%s: cannot open %s: %s", path, what, strerror(e));
      return NULL;
    default:
      snprintf(err, errlen, "%s: cannot read %s", path, what);
      return NULL;
  }
}
