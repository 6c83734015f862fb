/*
** json.c -- JSON and time formatting for CLI output.
*/
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0], cp, min;
  size_t len;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; }
  else return 0;
  if (n < len) return 0;
  cp = c & (0x3F >> (len - 1));
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void cli_json_str(FILE *f, const char *s) {
  if (!s) {
    fputs("null", f);
    return;
  }
  const unsigned char *u = (const unsigned char *)s;
  size_t n = strlen(s), i = 0;
  fputc('"', f);
  while (i < n) {
    unsigned c = u[i];
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc((int)c, f);
      i++;
    } else if (c < 0x20 || c == 0x7f) {
      if (c == '\n') fputs("\\n", f);
      else if (c == '\t') fputs("\\t", f);
      else if (c == '\r') fputs("\\r", f);
      else fprintf(f, "\\u%04x", c);
      i++;
    } else if (c < 0x80) {
      fputc((int)c, f);
      i++;
    } else {
      size_t l = utf8_len(u + i, n - i);
      if (!l) {
        fputs("\\ufffd", f);
        i++;
      } else {
        fwrite(u + i, 1, l, f);
        i += l;
      }
    }
  }
  fputc('"', f);
}

void cli_json_num(FILE *f, double d) {
  if (isnan(d) || isinf(d)) fputs("null", f);
  else if (d == floor(d) && fabs(d) < 1e15) fprintf(f, "%lld", (long long)d);
  else {
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.15g", d);
    if (strtod(tmp, NULL) != d) snprintf(tmp, sizeof tmp, "%.17g", d);
    fputs(tmp, f);
  }
}

void cli_iso(long long t, char *buf, size_t n) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
