/*
** checkpointer.h -- copying the write-ahead log back into the database
** from a thread of its own, so that the writer's commits do not (serve:
** see README, Design notes).
*/
#ifndef LR_CHECKPOINTER_H
#define LR_CHECKPOINTER_H

#include "store.h"

typedef struct lrs_ckpt lrs_ckpt;

/* Watch db's commits: every `soft` new log pages, a thread with a
** connection of its own copies the log back (passive checkpoints, which
** never wait for and never block the writer).  Once every page is back,
** the writer's next transaction starts the log over.  Under steady load
** that may never happen by itself: the writer then copies what is left
** once the log reaches `hard` pages (as SQLite's autocheckpoint would,
** but finding most pages back), so the log stays bounded (by `hard` plus
** what is committed during one of the thread's passes).  *out is NULL
** when the thread cannot start or db is not a file: the writer then
** checkpoints as before (LR_OK still: it is an optimisation). */
int lrs_ckpt_start(lr_db *db, int soft, int hard, lrs_ckpt **out);
/* Stop the thread, close its connection, give the writer SQLite's
** autocheckpoint back (at `hard`).  NULL is a no-op. */
void lrs_ckpt_stop(lrs_ckpt *c);
/* Passes the thread made (for tests and logs). */
long long lrs_ckpt_passes(lrs_ckpt *c);

/* serve's: one pass per 64 MiB of log with 8 KiB pages (fewer passes,
** each with two syncs, disturb fewer requests), the writer's own at
** 256 MiB. */
#define LRS_CKPT_SOFT 8192
#define LRS_CKPT_HARD 32768

#endif
