/*
** timefmt.c -- unix seconds as ISO-8601 UTC text.  Computed from the day
** number (Howard Hinnant's civil_from_days), not gmtime/strftime: those
** depend on time_t's range and write years before 1000 in fewer than
** four digits, which would not read back as a date.
*/
#include <stdio.h>

#include "../leadrules.h"
#include "timefmt.h"

size_t lru_iso(long long t, char *buf, size_t n) {
  if (!buf || n < LRU_ISO_SIZE) return 0;
  buf[0] = '\0';
  if (t < LR_TIME_MIN || t > LR_TIME_MAX) return 0;
  long long days = t / 86400, secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    days--;
  }
  /* civil_from_days: 0000-03-01 based eras of 146097 days */
  long long z = days + 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  long long doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = yoe + era * 400;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  long long d = doy - (153 * mp + 2) / 5 + 1;
  long long m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  snprintf(buf, n, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", y, m, d,
           secs / 3600, secs / 60 % 60, secs % 60);
  return 20;
}
