/*
** buf.c -- growable byte buffer.
*/
#include "buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(lr_buf *b, size_t need) {
  if (b->oom) return 0;
  if (b->n + need + 1 <= b->cap) return 1;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->n + need + 1) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) { b->oom = 1; return 0; }
  b->p = p;
  b->cap = cap;
  return 1;
}

void lrb_add(lr_buf *b, const char *s, size_t n) {
  if (!grow(b, n)) return;
  if (n) memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

void lrb_adds(lr_buf *b, const char *s) { lrb_add(b, s, strlen(s)); }

void lrb_addc(lr_buf *b, char c) { lrb_add(b, &c, 1); }

void lrb_vprintf(lr_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0 || !grow(b, (size_t)n)) return;
  vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
  b->n += (size_t)n;
}

void lrb_printf(lr_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lrb_vprintf(b, fmt, ap);
  va_end(ap);
}

/* Length of the valid UTF-8 sequence at s (0 if invalid). */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t len;
  unsigned min;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; }
  else return 0;
  if (n < len) return 0;
  unsigned cp = c & (0x3F >> (len - 1));
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

size_t lrb_utf8_valid(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    if (u[i] < 0x80) { i++; continue; }
    size_t l = utf8_len(u + i, n - i);
    if (l == 0) return i;
    i += l;
  }
  return n;
}

void lrb_utf8_scrub(char *s) {
  size_t n = strlen(s), i = 0;
  while ((i += lrb_utf8_valid(s + i, n - i)) < n) s[i++] = '?';
}

void lrb_json_str(lr_buf *b, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  lrb_addc(b, '"');
  size_t i = 0;
  while (i < n) {
    unsigned c = u[i];
    if (c == '"' || c == '\\') {
      lrb_addc(b, '\\'); lrb_addc(b, (char)c); i++;
    } else if (c < 0x20 || c == 0x7F) {
      switch (c) {
        case '\n': lrb_adds(b, "\\n"); break;
        case '\r': lrb_adds(b, "\\r"); break;
        case '\t': lrb_adds(b, "\\t"); break;
        default: lrb_printf(b, "\\u%04x", c);
      }
      i++;
    } else if (c < 0x80) {               /* a run of plain characters */
      size_t j = i + 1;
      while (j < n && u[j] >= 0x20 && u[j] < 0x7F && u[j] != '"' && u[j] != '\\')
        j++;
      lrb_add(b, s + i, j - i);
      i = j;
    } else {
      size_t l = utf8_len(u + i, n - i);
      if (l == 0) { lrb_adds(b, "\\ufffd"); i++; }
      else { lrb_add(b, s + i, l); i += l; }
    }
  }
  lrb_addc(b, '"');
}

void lrb_json_num(lr_buf *b, double d) {
  if (isnan(d) || isinf(d)) { lrb_adds(b, "null"); return; }
  /* range first: casting a double out of range is undefined behaviour */
  if (fabs(d) < 1e15 && d == (double)(long long)d) lrb_printf(b, "%lld", (long long)d);
  else {
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.15g", d);       /* shortest that round-trips */
    if (strtod(tmp, NULL) != d) snprintf(tmp, sizeof tmp, "%.17g", d);
    lrb_adds(b, tmp);
  }
}

void lrb_reset(lr_buf *b) {
  b->n = 0;
  if (b->p) b->p[0] = '\0';
}

void lrb_free(lr_buf *b) {
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
  b->oom = 0;
}

const char *lrb_str(const lr_buf *b) { return b->p ? b->p : ""; }
