/*
** checkpointer.h -- copying the write-ahead log back into the database
** from a thread of its own, so that the writer's commits do not (serve,
** ingest: see README, Design notes).
*/
#ifndef LR_CHECKPOINTER_H
#define LR_CHECKPOINTER_H

#include "store.h"

typedef struct lrs_ckpt lrs_ckpt;

/* Watch db's commits: every LRS_CKPT_SOFT new log pages, a thread with a
** connection of its own copies the log back (passive checkpoints, which
** never wait for and never block the writer).  Once every page is back
** the writer's next transaction starts the log over.  Under steady load
** that never happens by itself: the writer then copies what is left once
** the log reaches LRS_CKPT_HARD pages (as SQLite's autocheckpoint would,
** but finding most pages back), so the log stays bounded.  Should the
** thread fall behind, the writer copies the log itself once it reaches
** LRS_CKPT_HARD pages (as SQLite's own autocheckpoint would), so the log
** stays bounded.  *out is NULL when the
** thread cannot start: the writer then checkpoints as before (LR_OK
** still: it is an optimisation). */
int lrs_ckpt_start(lr_db *db, lrs_ckpt **out);
/* Stop the thread, close its connection, give the writer SQLite's
** autocheckpoint back.  NULL is a no-op. */
void lrs_ckpt_stop(lrs_ckpt *c);
/* Passes the thread made (for tests and logs). */
long long lrs_ckpt_passes(lrs_ckpt *c);

#define LRS_CKPT_SOFT 1024       /* pages: 8 MiB of log with 8 KiB pages */
#define LRS_CKPT_HARD 16384      /* the writer's own: 128 MiB of log */

#endif
