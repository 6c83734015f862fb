/*
** fuzz_duration.c -- lr_parse_duration and lr_parse_time on arbitrary
** text: no overflow (UBSan), no reads past the string; an accepted
** duration is non-negative; an accepted time in years 1..9999 prints back
** (as ISO-8601 UTC) to text that parses to the same second.
*/
#include <time.h>

#include "fuzz.h"
#include "leadrules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_cstr(data, size);
  long long v = -1;
  int rc = lr_parse_duration(s, &v);
  FUZZ_CHECK(rc == LR_OK || rc == LR_INPUT);
  if (rc == LR_OK) FUZZ_CHECK(v >= 0);
  long long t = 0;
  rc = lr_parse_time(s, &t);
  FUZZ_CHECK(rc == LR_OK || rc == LR_INPUT);
  if (rc == LR_OK && t >= -62135596800LL && t <= 253402300799LL) {
    time_t tt = (time_t)t;
    struct tm tm;
    char iso[64];
    FUZZ_CHECK(gmtime_r(&tt, &tm) != NULL);
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    long long back = 0;
    FUZZ_CHECK(lr_parse_time(iso, &back) == LR_OK);
    FUZZ_CHECK(back == t);
  }
  free(s);
  return 0;
}
