/*
** snap.h -- read snapshots: how the engine reads the store.  A snapshot is
** one consistent view of the committed data (a read-only connection
** holding one read transaction), or a view of the main connection: for
** ":memory:" databases, which have one connection only, and for reads
** inside the writer's own transaction.  Every read function of the store
** that the engine calls takes one.
*/
#ifndef LR_SNAP_H
#define LR_SNAP_H

#include "../leadrules.h"

typedef struct lrs_snap lrs_snap;

/* Open a snapshot of db: a read-only connection whose read transaction is
** started and pinned by a first read, both checked (in memory: the main
** connection, no transaction of its own).  Returns LR_OK, or an LR code
** with lr_errmsg(db) set and *out NULL.  Close it before db. */
int lrs_snap_open(lr_db *db, lrs_snap **out);
/* End the read transaction and close the connection (NULL: no-op). */
void lrs_snap_close(lrs_snap *s);
/* The main connection as a snapshot, owned by db (lrs_snap_close leaves
** it alone): what it reads includes the caller's uncommitted writes.
** NULL when db is NULL or not open. */
lrs_snap *lrs_snap_main(lr_db *db);

/* While on, every snapshot of db is the main connection (as in memory):
** an evaluation inside the caller's open write transaction reads what
** that transaction wrote (serve and ingest append events, then evaluate
** the contacts they touched, then commit, all at once), and runs on the
** calling thread.  The caller turns it off after its commit or rollback. */
void lrs_read_own_writes(lr_db *db, int on);

/* The message of the last failed read on s (SQLite's words, as shown to
** users today), owned by s and valid until its next read. */
const char *lrs_snap_errmsg(lrs_snap *s);
/* Set lr_errmsg of s's database to "what: <why>" for the last failed read
** on s (a lock says which database and how long it waited); returns its
** LR code. */
int lrs_snap_report(lrs_snap *s, const char *what);

/* While *cancel is non-zero, reads on s stop with LR_INTERRUPT (checked
** every thousand steps); NULL stops watching.  A scan sets a budget too
** (lrs_scan_limits). */
void lrs_watch_cancel(lrs_snap *s, volatile int *cancel);
/* The user SQL that ran over the budget of lrs_scan_limits: a segment's
** index (lrs_scan_overrun), LRS_OVERRUN_SELECT (a script's leads{where=}),
** or -1. */
#define LRS_OVERRUN_SELECT 1000002
int lrs_snap_overrun(const lrs_snap *s);

#endif
