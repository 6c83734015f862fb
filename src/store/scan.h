/*
** scan.h -- stream contacts in id order with their activities, latest
** outcome, stored score parts and segment memberships, and their
** membership in the policy's SQL segments: one statement per table, merged
** by contact id, so evaluation makes no query per contact.
*/
#ifndef LR_SCAN_H
#define LR_SCAN_H

#include <stddef.h>

#include "contact.h"
#include "snap.h"

typedef struct lrs_scan lrs_scan;

/* Open a scan on snapshot `snap` for the SQL segments given (the scan
** keeps snap, which must outlive it).  Returns an LR code: LR_POLICY when
** a segment's SQL does not prepare or reads what it may not (*bad is its
** index, else -1); err gets a message, else lrs_snap_errmsg(snap) says
** why.  Call lrs_scan_range (or
** lrs_scan_one) before lrs_scan_next. */
int lrs_scan_open(lrs_snap *snap, const char *const *sql_segments, int nsql,
                  lrs_scan **out, int *bad, char *err, size_t errlen);
/* Bound the SQL the scan runs (a progress handler on its connection, until
** lrs_scan_close): any statement stops with LR_INTERRUPT once *cancel
** is non-zero (NULL: never), and an SQL segment stops after max_steps VM
** steps spent on one contact (0: no limit), a runaway `where` written by a
** policy; lrs_scan_overrun() then gives the segment's index, else -1. */
void lrs_scan_limits(lrs_scan *s, volatile int *cancel, long long max_steps);
int lrs_scan_overrun(const lrs_scan *s);
/* The SQL segment whose statement failed on its own (a value over the
** length limit of user SQL, an error raised by a function), or -1; *why
** says what failed ("SQL failed: string or blob too big (...)"). */
int lrs_scan_failed(const lrs_scan *s, const char **why);
/* Columns of the contacts table as the scan reads them (owned by scan). */
int lrs_scan_columns(lrs_scan *s, const char *const **names);
/* Restrict to ids lo..hi (inclusive) and rewind.  LR code (as for
** lrs_scan_next). */
int lrs_scan_range(lrs_scan *s, long long lo, long long hi);
/* Restrict to the contacts ids[0..n) (strictly increasing; ids missing
** from the table are skipped) and rewind; ids must stay valid until the
** scan ends or is restricted again.  LR code (as for lrs_scan_next). */
int lrs_scan_ids(lrs_scan *s, const long long *ids, long long n);
/* Restrict to one contact; used by explain. */
int lrs_scan_one(lrs_scan *s, long long id);
/* Next contact: 1 and *c set, 0 at the end, or a negative LR code
** (-LR_INTERRUPT after a cancel or an overrun; lrs_snap_errmsg says why).
** *c is valid until the next call. */
int lrs_scan_next(lrs_scan *s, const lrs_contact **c);
void lrs_scan_close(lrs_scan *s);
/* Reset every statement of the scan, so that a scan kept open between
** transactions holds no read snapshot (the next range or seek starts it
** again). */
void lrs_scan_idle(lrs_scan *s);

/* Where the engine's own columns are among a contacts row's (-1: not
** there): SQLite's scan and PostgreSQL's find them the same way. */
typedef struct lrs_engine_cols {
  int c_id, c_key, c_score, c_stage, c_owner, c_grade, c_scores, c_due,
      c_assigned, c_manual, c_data, c_manual_until, c_stage_since, c_grades,
      c_stable, c_account;
} lrs_engine_cols;
void lrs_engine_cols_find(lrs_engine_cols *c, char *const *names, int n);

/* Contact ids: count, min and max (for splitting into ranges).  LR code;
** lrs_snap_errmsg / lrs_snap_report say why. */
int lrs_contact_span(lrs_snap *snap, long long *count, long long *lo,
                     long long *hi);
/* Find a contact id by key (or "#ID"); *id 0 when missing.  LR code. */
int lrs_contact_id(lrs_snap *snap, const char *key, long long *id);

#endif
