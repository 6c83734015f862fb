/*
** numfmt.c -- numbers for people: 9,240; 38.5%; 12,345.60 EUR.
*/
#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* digits (an optional '-', then digits, then maybe ".dd") with a comma
** every three integer digits, into buf. */
static char *group(char *buf, size_t n, const char *digits) {
  const char *p = digits, *dot = strchr(digits, '.');
  size_t len = dot ? (size_t)(dot - digits) : strlen(digits), k = 0;
  char out[LRU_NUM_SIZE * 2];
  if (*p == '-') out[k++] = *p++, len--;
  for (size_t i = 0; i < len && k < sizeof out - 2; i++) {
    if (i && (len - i) % 3 == 0) out[k++] = ',';
    out[k++] = p[i];
  }
  if (dot) for (const char *d = dot; *d && k < sizeof out - 1; d++) out[k++] = *d;
  out[k] = '\0';
  snprintf(buf, n, "%s", out);
  return buf;
}

char *lru_fmt_count(char *buf, size_t n, long long v) {
  char d[32];
  snprintf(d, sizeof d, "%lld", v);
  return group(buf, n, d);
}

char *lru_fmt_percent(char *buf, size_t n, double ratio) {
  if (isnan(ratio)) snprintf(buf, n, "-");
  else snprintf(buf, n, "%.1f%%", ratio * 100.0 + 0.0);  /* no "-0.0%" */
  return buf;
}

char *lru_fmt_amount(char *buf, size_t n, double v, const char *currency) {
  if (isnan(v)) {
    snprintf(buf, n, "-");
    return buf;
  }
  char d[LRU_NUM_SIZE], g[LRU_NUM_SIZE * 2];
  snprintf(d, sizeof d, "%.2f", v == 0 ? 0.0 : v);
  if (strcmp(d, "-0.00") == 0) snprintf(d, sizeof d, "0.00");
  if (fabs(v) >= 1e18) snprintf(g, sizeof g, "%.3g", v);   /* no 20 digits */
  else group(g, sizeof g, d);
  if (currency && *currency) snprintf(buf, n, "%s %s", g, currency);
  else snprintf(buf, n, "%s", g);
  return buf;
}
