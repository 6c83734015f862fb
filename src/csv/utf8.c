/*
** utf8.c -- validate a cell's bytes and count the line breaks inside it.
**
** One pass per cell: printable ASCII is skipped eight bytes at a time;
** anything else (control characters, non-ASCII) is looked at closely.
** NUL is refused: SQLite text and C strings would silently cut the cell.
*/
#include <stdint.h>
#include <string.h>

#include "csv.h"

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Non-zero when some byte of v is < 0x20 or >= 0x80. */
static uint64_t special(uint64_t v) {
  return (v | ((v - ONES * 0x20) & ~v)) & HIGHS;
}

int lrc_utf8_check(const unsigned char *s, size_t n, long long *lines,
                   size_t *bad) {
  size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t v;
      memcpy(&v, s + i, 8);
      if (!special(v)) { i += 8; continue; }
    }
    unsigned c = s[i];
    if (c >= 0x20 && c < 0x80) { i++; continue; }
    if (c < 0x80) {
      if (c == 0) { *bad = i; return 1; }
      if (c == '\n') (*lines)++;
      else if (c == '\r' && (i + 1 == n || s[i + 1] != '\n')) (*lines)++;
      i++;
      continue;
    }
    size_t len;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
    else { *bad = i; return 1; }
    if (i + len > n) { *bad = i; return 1; }
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) { *bad = i; return 1; }
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      *bad = i;
      return 1;
    }
    i += len;
  }
  return 0;
}
