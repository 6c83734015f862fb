/*
** timefmt.h -- unix seconds as ISO-8601 text, the way every time the
** library writes for people or other programs (export, handoffs) reads.
*/
#ifndef LR_TIMEFMT_H
#define LR_TIMEFMT_H

#include <stddef.h>

#define LRU_ISO_SIZE 21            /* "YYYY-MM-DDTHH:MM:SSZ" and its NUL */

/* Write t as "YYYY-MM-DDTHH:MM:SSZ" (UTC, four-digit year, so 0000 to
** 9999) into buf of n >= LRU_ISO_SIZE bytes.  Returns the length, 20;
** 0 (buf "") for a time outside LR_TIME_MIN..LR_TIME_MAX or a short buf. */
size_t lru_iso(long long t, char *buf, size_t n);

#endif
