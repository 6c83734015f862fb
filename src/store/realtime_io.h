/*
** realtime_io.h -- the store's side of events in, decisions out: single
** events appended inside the caller's transaction, contacts found or
** created by key, and the outbox (an append-only log of decisions with
** ids that only grow, and the last id each consumer acknowledged).
*/
#ifndef LR_REALTIME_IO_H
#define LR_REALTIME_IO_H

#include "store.h"

/* The transaction of a group of events: lrs_begin on SQLite; on
** PostgreSQL the run lock too (one writer at a time, as a run), which
** lrs_rt_end, after its commit or rollback, gives back. */
int lrs_rt_begin(lr_db *db);
void lrs_rt_end(lr_db *db);
/* The group's contact keys (normalised), before its first lrs_rt_contact:
** PostgreSQL finds them all with one query (SQLite does nothing). */
int lrs_rt_keys(lr_db *db, const char *const *keys, long long n);
/* Write what the group's lrs_rt_activity calls left pending (PostgreSQL
** sends them with one COPY), before anything reads activities. */
int lrs_rt_flush(lr_db *db);

/* The contact keyed `key` (as stored: the caller normalises it): *id, 0
** when there is none and `create` is 0; with `create`, a new contact
** (key, the key field's column, data_at = now) and *created = 1. */
int lrs_rt_contact(lr_db *db, const char *key, int create, long long now,
                   long long *id, int *created);
/* Append one activity of contact id and stamp its data_at = now. */
int lrs_rt_activity(lr_db *db, long long id, const char *type, long long at,
                    int has_value, double value, const char *campaign,
                    long long now);

/* A contact as stored after an evaluation: what serve answers.  The
** strings point into the statement's row: valid until the next call. */
typedef struct lrs_rt_state {
  const char *stage, *grade, *grades, *scores, *owner;
  double score;
} lrs_rt_state;
/* LR_NOTFOUND when no contact has that id.  Between lrs_rt_state_begin
** (the n ids to be read, in order) and lrs_rt_state_end the reads share
** one read transaction (outside one, each read would take and drop the
** file's read lock; PostgreSQL reads all n with one query); begin
** returns 1 when it opened one, which end then closes, and end lets the
** statement go (it holds a read snapshot until then). */
int lrs_rt_state_begin(lr_db *db, const long long *ids, long long n);
int lrs_rt_state_read(lr_db *db, long long id, lrs_rt_state *out);
void lrs_rt_state_end(lr_db *db, int began);

/* The schema's version (PRAGMA schema_version): it changes when any
** table does (an import adding a field), which statements kept prepared
** across transactions must notice. */
int lrs_schema_version(lr_db *db, int *version);

/* Append an outbox row; *id (may be NULL) gets its id. */
int lrs_outbox_add(lr_db *db, long long at, const char *kind,
                   long long contact_id, const char *key, long long run_id,
                   const char *payload, long long *id);
/* Append n rows in order (LRS_OUTBOX_MANY of them: one statement). */
#define LRS_OUTBOX_MANY 32
typedef struct lrs_outbox_new {
  long long at, contact_id, run_id;  /* 0: NULL */
  const char *kind, *key, *payload;
} lrs_outbox_new;
int lrs_outbox_add_rows(lr_db *db, const lrs_outbox_new *rows, int n);
/* Rows a run appends after rows it writes later (its handoffs after its
** moves): lrs_outbox_stage_open once per transaction before the first
** lrs_outbox_stage; lrs_outbox_unstage appends every staged row to the
** outbox, by section then seq, and empties the stage.  All inside the
** caller's transaction. */
int lrs_outbox_stage_open(lr_db *db);
int lrs_outbox_stage(lr_db *db, int section, long long seq, long long at,
                     const char *kind, long long contact_id, const char *key,
                     long long run_id, const char *payload);
int lrs_outbox_unstage(lr_db *db);
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

/* Tune db's connection for many small transactions (serve, ingest):
** commits stop waiting for the disk (WAL with synchronous=NORMAL: a
** commit survives a crash of the process; an OS crash or power loss may
** lose the last commits but never corrupts the file), a page cache of
** 256 MiB, so that a batch touching ten thousand random contacts (the
** default --batch) neither re-reads their pages nor spills them to the
** log before its commit, and
** a checkpoint every 32768 log pages (256 MiB with 8 KiB pages) instead
** of 1000: with a checkpoint after nearly every batch, the pages every
** batch rewrites (the tails of activities, history, outbox and their
** indexes, and at 100k contacts most contact pages) were copied back
** each time (serve replaces it: checkpointer.h); and the file mapped in
** memory (up to 1 GiB): a batch reads thousands of random pages, each a
** pread call without. */
int lrs_sync_normal(lr_db *db);
/* lrs_sync_normal for ingest's batches of `batch` events, and more: a
** cache for a batch's pages, foreign-key checks off, the log file kept
** at its size (realtime_io.c says why); lrs_ingest_untune turns the
** checks on again and puts back the synchronous, cache, checkpoint and
** mmap settings the handle had before.  Outside a transaction. */
int lrs_ingest_tune(lr_db *db, long long batch);
void lrs_ingest_untune(lr_db *db);

#endif
