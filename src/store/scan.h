/*
** scan.h -- stream contacts in id order with their activities, latest
** outcome, stored score parts and segment memberships, and their
** membership in the policy's SQL segments: one statement per table, merged
** by contact id, so evaluation makes no query per contact.
*/
#ifndef LR_SCAN_H
#define LR_SCAN_H

#include <sqlite3.h>
#include <stddef.h>

#include "contact.h"

typedef struct lrs_scan lrs_scan;

/* Open a scan on `conn` (a read connection) for the SQL segments given.
** Returns an SQLite code; err gets a message.  Call lrs_scan_range (or
** lrs_scan_one) before lrs_scan_next. */
int lrs_scan_open(sqlite3 *conn, const char *const *sql_segments, int nsql,
                  lrs_scan **out, char *err, size_t errlen);
/* Bound the SQL the scan runs (a progress handler on its connection, until
** lrs_scan_close): any statement stops with SQLITE_INTERRUPT once *cancel
** is non-zero (NULL: never), and an SQL segment stops after max_steps VM
** steps spent on one contact (0: no limit), a runaway `where` written by a
** policy; lrs_scan_overrun() then gives the segment's index, else -1. */
void lrs_scan_limits(lrs_scan *s, volatile int *cancel, long long max_steps);
int lrs_scan_overrun(const lrs_scan *s);
/* Columns of the contacts table as the scan reads them (owned by scan). */
int lrs_scan_columns(lrs_scan *s, const char *const **names);
/* Restrict to ids lo..hi (inclusive) and rewind. */
int lrs_scan_range(lrs_scan *s, long long lo, long long hi);
/* Restrict to one contact; used by explain. */
int lrs_scan_one(lrs_scan *s, long long id);
/* Next contact: 1 and *c set, 0 at the end, or a negative SQLite code.
** *c is valid until the next call. */
int lrs_scan_next(lrs_scan *s, const lrs_contact **c);
void lrs_scan_close(lrs_scan *s);

/* Contact ids: count, min and max (for splitting into ranges). */
int lrs_contact_span(sqlite3 *conn, long long *count, long long *lo,
                     long long *hi);
/* Find a contact id by key (or "#ID"); 0 when missing. */
int lrs_contact_id(sqlite3 *conn, const char *key, long long *id);

#endif
