/*
** report_trend.c -- daily counts summed into weeks or months for the
** report's trend charts.  Buckets run without gaps from the first to the
** last, so that the x axis of a chart is proportional to time.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

#define DAY 86400LL
#define WEEK (7 * DAY)

int lrp_trend_monthly(long long first, long long last) {
  return last - first > 26 * WEEK;
}

/* The start of the bucket holding t: its week's Monday, or the 1st. */
static long long bucket_of(int monthly, long long t) {
  long long day = t / DAY - (t % DAY < 0);
  if (!monthly) return (day - ((day + 3) % 7 + 7) % 7) * DAY;  /* 1970-01-01: a Thursday */
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return (long long)timegm(&tm);
}

static long long next_bucket(int monthly, long long start) {
  if (!monthly) return start + WEEK;
  time_t tt = (time_t)start;
  struct tm tm;
  gmtime_r(&tt, &tm);
  tm.tm_mon++;                          /* timegm carries December over */
  return (long long)timegm(&tm);
}

int lrp_trend_build(lrp_trend *t, int monthly, const long long *day,
                    const long long *vals, long long nrows, int width) {
  memset(t, 0, sizeof *t);
  t->monthly = monthly;
  t->width = width;
  if (!nrows) return LR_OK;
  long long first = bucket_of(monthly, day[0]), last = first;
  for (long long i = 0; i < nrows; i++) {
    long long b = bucket_of(monthly, day[i]);
    if (b < first) first = b;
    if (b > last) last = b;
  }
  int n = 0;
  for (long long b = first; b <= last && n < 100000; b = next_bucket(monthly, b)) n++;
  t->start = calloc((size_t)n, sizeof *t->start);
  t->v = calloc((size_t)n * (size_t)(width ? width : 1), sizeof *t->v);
  if (!t->start || !t->v) {
    lrp_trend_free(t);
    return LR_NOMEM;
  }
  t->n = n;
  long long b = first;
  for (int i = 0; i < n; i++, b = next_bucket(monthly, b)) t->start[i] = b;
  for (long long i = 0; i < nrows; i++) {
    long long at = bucket_of(monthly, day[i]);
    int k = 0;
    while (k + 1 < n && t->start[k + 1] <= at) k++;   /* few buckets */
    for (int j = 0; j < width; j++) t->v[k * width + j] += vals[i * width + j];
  }
  return LR_OK;
}

void lrp_trend_label(const lrp_trend *t, int i, char *buf, size_t n) {
  time_t tt = (time_t)t->start[i];
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, n, t->monthly ? "%Y-%m" : "%Y-%m-%d", &tm);
}

void lrp_trend_free(lrp_trend *t) {
  free(t->start);
  free(t->v);
  memset(t, 0, sizeof *t);
}
