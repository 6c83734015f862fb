/*
** opts.c -- copy a caller's options struct, of any header version, into
** the library's own (the `size` rule of leadrules.h); read its clock.
*/
#include "store.h"

#include <string.h>
#include <time.h>

int lr__opts(lr_db *db, void *dst, size_t dstsize, const void *src,
             const char *fn) {
  memset(dst, 0, dstsize);
  *(size_t *)dst = dstsize;
  if (!src) return LR_OK;                       /* NULL: the defaults */
  size_t size = *(const size_t *)src;
  if (size < sizeof(size_t))                    /* cleared with memset/{0} */
    return lr__err(db, LR_MISUSE, "%s: options have size %zu; initialise "
                   "them with their LR_*_INIT macro", fn, size);
  if (size > dstsize) {                         /* newer header: only zeros */
    const unsigned char *extra = (const unsigned char *)src + dstsize;
    for (size_t i = 0; i < size - dstsize; i++)
      if (extra[i])
        return lr__err(db, LR_MISUSE, "%s: options set a field this "
                       "library (%s) does not know (size %zu > %zu); link "
                       "the library matching your leadrules.h", fn,
                       LR_VERSION, size, dstsize);
  }
  memcpy(dst, src, size < dstsize ? size : dstsize);
  *(size_t *)dst = dstsize;
  return LR_OK;
}

int lr__clock(lr_db *db, long long now, const char *fn, long long *out) {
  if (now < 0 || now > LR_TIME_MAX)
    return lr__err(db, LR_MISUSE, "%s: now %lld is out of range (0 for the "
                   "current time, or unix seconds from 1, "
                   "1970-01-01T00:00:01Z, to %lld, 9999-12-31T23:59:59Z)",
                   fn, now, LR_TIME_MAX);
  *out = now ? now : (long long)time(NULL);
  return LR_OK;
}
