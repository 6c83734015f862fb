/*
** sniff.c -- find the first record and guess its delimiter; recognise a
** file in UTF-16 or UTF-32 by its start.
**
** Only the header line is looked at: it names every column, rarely holds
** quoted text, and is the one line read before streaming starts.  Quotes
** are honoured, so "Name, Title" in quotes does not count as a comma.
** A first line "sep=;", which Excel writes and reads to name the
** delimiter, names it instead and is not the header.
*/
#include "csv.h"

#include <string.h>
#include <strings.h>

size_t lrc_first_record_end(const char *s, size_t n) {
  int q = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '"') q = !q;            /* "" inside quotes toggles twice */
    else if (!q && c == '\n') return i + 1;
    else if (!q && c == '\r') {
      if (i + 1 == n) return 0;      /* CR at the end: LF may follow */
      return i + 1 + (s[i + 1] == '\n');
    }
  }
  return 0;
}

size_t lrc_sep_line(const char *s, size_t n, char *delim) {
  if (n < 5 || strncasecmp(s, "sep=", 4) != 0 || s[4] == '\r' ||
      s[4] == '\n' || s[4] == '"')
    return 0;
  if (n == 5) { *delim = s[4]; return 5; }
  if (s[5] == '\n') { *delim = s[4]; return 6; }
  if (s[5] != '\r') return 0;
  *delim = s[4];
  return n > 6 && s[6] == '\n' ? 7 : 6;
}

char lrc_sniff_delimiter(const char *s, size_t n) {
  size_t end = lrc_first_record_end(s, n);
  if (end) n = end;
  long comma = 0, semi = 0, tab = 0;
  int q = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '"') q = !q;
    else if (!q && c == ',') comma++;
    else if (!q && c == ';') semi++;
    else if (!q && c == '\t') tab++;
  }
  if (semi > comma && semi >= tab) return ';';
  if (tab > comma && tab > semi) return '\t';
  return ',';
}

/* Byte-order marks, UTF-32 first: its little-endian mark begins with
** UTF-16's. */
static const struct { const char *bom; int n; const char *name; } BOMS[] = {
  { "\xFF\xFE\0\0", 4, "UTF-32" }, { "\0\0\xFE\xFF", 4, "UTF-32" },
  { "\xFF\xFE", 2, "UTF-16" }, { "\xFE\xFF", 2, "UTF-16" },
};

const char *lrc_sniff_wide(const unsigned char *u, size_t n, int *bom) {
  *bom = 0;
  for (size_t i = 0; i < sizeof BOMS / sizeof BOMS[0]; i++)
    if (n >= (size_t)BOMS[i].n && memcmp(u, BOMS[i].bom, (size_t)BOMS[i].n) == 0) {
      *bom = 1;
      return BOMS[i].name;
    }
  if (n < 4) return NULL;
  /* No mark: the first character of a header is ASCII or Latin, so its
  ** code unit shows where the zero bytes are. */
  int z0 = !u[0], z1 = !u[1], z2 = !u[2], z3 = !u[3];
  if (!z0 && z1 && z2 && z3) return "UTF-32LE";
  if (z0 && z1 && z2 && !z3) return "UTF-32BE";
  if (!z0 && z1 && !z2 && z3) return "UTF-16LE";
  if (z0 && !z1 && z2 && !z3) return "UTF-16BE";
  return NULL;
}
