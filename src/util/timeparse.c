/*
** timeparse.c -- durations ("30d", "2w", "1d12h") and times (ISO-8601 or
** unix seconds).  Strict: anything unexpected is LR_INPUT, never a guess.
** Both are bounded (LR_TIME_MIN..LR_TIME_MAX, LR_DURATION_MAX), so that a
** time plus or minus a duration never overflows, and every time accepted
** prints as an ISO date.
*/
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "../leadrules.h"

int lr_parse_duration(const char *s, long long *out) {
  if (!s || !out) return LR_MISUSE;
  while (isspace((unsigned char)*s)) s++;
  if (!*s) return LR_INPUT;
  long long total = 0;
  int parts = 0;
  while (*s && !isspace((unsigned char)*s)) {
    if (!isdigit((unsigned char)*s)) return LR_INPUT;
    long long n = 0;
    while (isdigit((unsigned char)*s)) {
      if (n > (LLONG_MAX - 9) / 10) return LR_INPUT;
      n = n * 10 + (*s++ - '0');
    }
    long long unit;
    switch (*s) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      case 'y': unit = 365 * 86400; break;
      default: return LR_INPUT;     /* a bare number is ambiguous */
    }
    s++;
    if (n > (LR_DURATION_MAX - total) / unit) return LR_INPUT;
    total += n * unit;
    parts++;
  }
  while (isspace((unsigned char)*s)) s++;
  if (*s || !parts) return LR_INPUT;
  *out = total;
  return LR_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long days_from_civil(long long y, int m, int d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  long long yoe = y - era * 400;
  long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i])) return 0;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return 1;
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int lr_parse_time(const char *s, long long *out) {
  if (!s || !out) return LR_MISUSE;
  while (isspace((unsigned char)*s)) s++;
  size_t len = strlen(s);
  while (len && isspace((unsigned char)s[len - 1])) len--;
  if (!len) return LR_INPUT;
  /* Unix seconds: an optional sign and digits only. */
  size_t i = (s[0] == '-') ? 1 : 0;
  int all_digits = i < len;
  for (size_t k = i; k < len; k++)
    if (!isdigit((unsigned char)s[k])) { all_digits = 0; break; }
  if (all_digits && len - i != 8) {   /* 8 digits would be a YYYYMMDD date */
    if (len - i > 15) return LR_INPUT;
    long long v = 0;
    for (size_t k = i; k < len; k++) v = v * 10 + (s[k] - '0');
    v = i ? -v : v;
    if (v < LR_TIME_MIN || v > LR_TIME_MAX) return LR_INPUT;
    *out = v;
    return LR_OK;
  }
  const char *p = s, *end = s + len;
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!digits(&p, 4, &y)) return LR_INPUT;
  /* 2024-03-05, 20240305, or 2024/03/05 (year first: never ambiguous) */
  char sep = (*p == '-' || *p == '/') ? *p : 0;
  if (sep) p++;
  if (!digits(&p, 2, &mo)) return LR_INPUT;
  if (sep && *p++ != sep) return LR_INPUT;
  if (!digits(&p, 2, &d)) return LR_INPUT;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1) return LR_INPUT;
  if (d > mdays[mo - 1] + (mo == 2 && leap(y))) return LR_INPUT;
  long long offset = 0;
  if (p < end && (*p == 'T' || *p == ' ')) {
    p++;
    if (!digits(&p, 2, &h)) return LR_INPUT;
    if (p < end && *p == ':') p++;
    if (!digits(&p, 2, &mi)) return LR_INPUT;
    if (p < end && (*p == ':' || isdigit((unsigned char)*p))) {
      if (*p == ':') p++;
      if (!digits(&p, 2, &se)) return LR_INPUT;
      if (p < end && (*p == '.' || *p == ',')) {   /* fractions dropped */
        p++;
        if (p >= end || !isdigit((unsigned char)*p)) return LR_INPUT;
        while (p < end && isdigit((unsigned char)*p)) p++;
      }
    }
    if (h > 24 || mi > 59 || se > 60 || (h == 24 && (mi || se)))
      return LR_INPUT;
    /* Exports write the zone after a space too: "... 14:22:10 UTC",
    ** "... 14:22:10 +0100". */
    if (p + 1 < end && *p == ' ') p++;
    if (end - p == 3 && (strncasecmp(p, "UTC", 3) == 0 ||
                         strncasecmp(p, "GMT", 3) == 0)) {
      p += 3;
    } else if (p < end && (*p == 'Z' || *p == 'z')) {
      p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
      int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
      if (!digits(&p, 2, &oh)) return LR_INPUT;
      if (p < end && *p == ':') p++;
      if (p < end && !digits(&p, 2, &om)) return LR_INPUT;
      if (oh > 14 || om > 59) return LR_INPUT;
      offset = sign * (oh * 3600LL + om * 60);
    }
  }
  if (p != end) return LR_INPUT;
  long long t = days_from_civil(y, mo, d) * 86400 + h * 3600LL + mi * 60 + se
                - offset;
  if (t < LR_TIME_MIN || t > LR_TIME_MAX) return LR_INPUT;   /* offsets */
  *out = t;
  return LR_OK;
}
