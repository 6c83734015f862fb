/*
** sniff.c -- find the first record and guess its delimiter.
**
** Only the header line is looked at: it names every column, rarely holds
** quoted text, and is the one line read before streaming starts.  Quotes
** are honoured, so "Name, Title" in quotes does not count as a comma.
*/
#include "csv.h"

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
