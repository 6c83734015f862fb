/*
** buf.h -- a growable byte buffer, always NUL-terminated.
*/
#ifndef LR_BUF_H
#define LR_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct lr_buf {
  char *p;        /* NUL-terminated contents (NULL until first write) */
  size_t n;       /* bytes used, excluding the NUL */
  size_t cap;
  int oom;        /* set when an allocation failed; later writes no-op */
} lr_buf;

#define LR_BUF_INIT { 0, 0, 0, 0 }

void lrb_add(lr_buf *b, const char *s, size_t n);
void lrb_adds(lr_buf *b, const char *s);
void lrb_addc(lr_buf *b, char c);
void lrb_printf(lr_buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
void lrb_vprintf(lr_buf *b, const char *fmt, va_list ap);
/* Append s as a JSON string literal (quotes included); invalid UTF-8 bytes
** become U+FFFD, control characters \u00XX. */
void lrb_json_str(lr_buf *b, const char *s, size_t n);
/* Bytes of s before its first invalid UTF-8 sequence (n when s is all
** valid UTF-8; a NUL byte counts as valid).  Text that reaches a store
** must be UTF-8: PostgreSQL refuses anything else, SQLite would keep
** bytes that no export gives back. */
size_t lrb_utf8_valid(const char *s, size_t n);
/* Replace each byte of the C string s that is not part of valid UTF-8 with
** '?', in place: for messages, whose bytes may come from a policy's error()
** or be cut in the middle of a character, and which a run stores. */
void lrb_utf8_scrub(char *s);
/* Append a double as JSON (integers without ".0"; NaN/inf as null). */
void lrb_json_num(lr_buf *b, double d);
void lrb_reset(lr_buf *b);               /* keep memory, empty contents */
void lrb_free(lr_buf *b);
const char *lrb_str(const lr_buf *b);    /* "" when empty */

#endif
