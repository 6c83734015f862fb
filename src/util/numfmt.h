/*
** numfmt.h -- numbers as people read them in a report: thousands
** separators, percentages with one decimal, amounts with two decimals
** and an optional currency code.  Every function writes a NUL-terminated
** string into buf (n bytes, truncated when short) and returns buf.
*/
#ifndef LR_NUMFMT_H
#define LR_NUMFMT_H

#include <stddef.h>

#define LRU_NUM_SIZE 48            /* room for any value these write */

/* A whole number with commas: 9240 -> "9,240", -1234567 -> "-1,234,567". */
char *lru_fmt_count(char *buf, size_t n, long long v);
/* A ratio as a percentage with one decimal: 0.3854 -> "38.5%"; "-" for
** NaN (a rate of nothing). */
char *lru_fmt_percent(char *buf, size_t n, double ratio);
/* An amount with two decimals and separators: 12345.6 -> "12,345.60",
** with currency "EUR" -> "12,345.60 EUR"; "-" for NaN; currency NULL or
** "" adds nothing. */
char *lru_fmt_amount(char *buf, size_t n, double v, const char *currency);

#endif
