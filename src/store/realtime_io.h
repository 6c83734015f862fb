/*
** realtime_io.h -- the store's side of events in, decisions out: single
** events appended inside the caller's transaction, contacts found or
** created by key, and the outbox (an append-only log of decisions with
** ids that only grow, and the last id each consumer acknowledged).
*/
#ifndef LR_REALTIME_IO_H
#define LR_REALTIME_IO_H

#include "store.h"

/* The contact keyed `key` (as stored: the caller normalises it): *id, 0
** when there is none and `create` is 0; with `create`, a new contact
** (key, the key field's column, data_at = now) and *created = 1. */
int lrs_rt_contact(lr_db *db, const char *key, int create, long long now,
                   long long *id, int *created);
/* Append one activity of contact id and stamp its data_at = now. */
int lrs_rt_activity(lr_db *db, long long id, const char *type, long long at,
                    int has_value, double value, const char *campaign,
                    long long now);

/* Append an outbox row; *id (may be NULL) gets its id. */
int lrs_outbox_add(lr_db *db, long long at, const char *kind,
                   long long contact_id, const char *key, long long run_id,
                   const char *payload, long long *id);
/* Rows with id > after, in id order, at most `limit` (<= 0: all), read
** on the main connection; cb returns non-zero to stop (LR_OK still). */
typedef struct lrs_outbox_row {
  long long id, at, contact_id, run_id;
  const char *kind, *key, *payload;
} lrs_outbox_row;
int lrs_outbox_each(lr_db *db, long long after, long long limit,
                    int (*cb)(void *ctx, const lrs_outbox_row *r), void *ctx);
/* The last id `consumer` acknowledged (0: none) and recording a newer
** one (an older or equal id changes nothing). */
int lrs_outbox_acked(lr_db *db, const char *consumer, long long *id);
int lrs_outbox_ack(lr_db *db, const char *consumer, long long id,
                   long long now);
/* The highest outbox id (0: empty). */
int lrs_outbox_last(lr_db *db, long long *id);

/* Commits of this connection stop waiting for the disk (WAL with
** synchronous=NORMAL): a commit survives a crash of the process, and an
** OS crash or power loss may lose the last commits but never corrupts
** the file.  Used by serve and ingest, where fsync per commit dominated. */
int lrs_sync_normal(lr_db *db);

#endif
