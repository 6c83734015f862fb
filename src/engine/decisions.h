/*
** decisions.h -- a run's decisions as outbox rows (docs/realtime.md): the
** moves, handoffs, account moves and handoffs, and notify verdicts that
** run, ingest and serve make, each a JSON payload built one way, appended
** in the run's transaction in the order `run --json` lists them: every
** contact move (contact order), every contact handoff (as routed), every
** account move, every account handoff, then the notify rows.  Moves are
** written as they come; the rest is staged and appended by
** lrp_decisions_flush, so that memory does not grow with the run.
*/
#ifndef LR_DECISIONS_H
#define LR_DECISIONS_H

#include "../store/realtime_io.h"
#include "../util/buf.h"
#include "model.h"

enum { LRP_OUT_MOVE, LRP_OUT_HANDOFF, LRP_OUT_ACC_MOVE, LRP_OUT_ACC_HANDOFF,
       LRP_OUT_NOTIFY };

typedef struct lrp_decisions {
  lr_db *db;
  long long now, run_id;
  int on;                      /* 0: write nothing */
  long long staged;            /* rows staged, not yet appended */
  long long scratch;           /* stage rows written and deleted: not
                                  rows of the database (rows_written) */
  lr_buf buf;
  char at[48];                 /* ,"at":"ISO" of now, made once */
  char tail[40];               /* ,"run":N} */
  /* Moves not yet written: LRS_OUTBOX_MANY to a statement.  Their keys
  ** and payloads are in pbuf (offsets: it may move as it grows). */
  struct { long long id; size_t key, payload; } pend[LRS_OUTBOX_MANY];
  int npend;
  lr_buf pbuf;
} lrp_decisions;

/* on 0 (a dry run, run --no-outbox, PostgreSQL, whose store has no
** outbox yet) makes every call below a no-op. */
void lrp_decisions_init(lrp_decisions *d, lr_db *db, long long now,
                        long long run_id, int on);
void lrp_decisions_free(lrp_decisions *d);
/* section LRP_OUT_MOVE or LRP_OUT_ACC_MOVE; id 0 for an account (the
** key is then the account's).  from and transition may be NULL. */
int lrp_decisions_move(lrp_decisions *d, int section, long long id,
                       const char *key, const char *from, const char *to,
                       const char *transition, const char *reason);
/* section LRP_OUT_HANDOFF or LRP_OUT_ACC_HANDOFF; due 0: none. */
int lrp_decisions_handoff(lrp_decisions *d, int section, long long id,
                          const char *key, const char *stage,
                          const char *owner, long long due);
/* A notify { when } verdict: c's old and new values, c->notify the
** declaration that answered true. */
int lrp_decisions_notify(lrp_decisions *d, const lr_change *c);
/* Write the moves not yet written, then append the staged rows; before
** the run's commit. */
int lrp_decisions_flush(lrp_decisions *d);

#endif
