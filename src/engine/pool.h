/*
** pool.h -- the engine's one worker pool: evaluate contacts in id ranges
** ("chunks") on threads, hand the chunks back in id order.
**
** Each thread opens one lrp_worker per policy given (a Lua state of its
** own and a read connection on the committed snapshot), and calls
** chunk() to evaluate a range of ids into a slot of the caller's; the
** calling thread calls consume() on the chunks strictly in id order, so
** whatever consume() builds is the same for any number of jobs.  Only the
** chunks in flight are held: a ring of 2 * jobs + 2 slots.
**
** With one job (or a single chunk) it all runs on the calling thread, on
** the policies' main instances: host functions that scripts register live
** in the main Lua state, so a policy whose state a host touched
** (p->lua_touched) always runs that way, and so does an in-memory
** database (its one connection must not be shared by threads).
**
** Between chunks the calling thread polls: the cancel flag, then
** progress(done, total); either stops the pool with LR_INTERRUPT.  It
** polls once before the first chunk (done 0) and after each chunk it
** consumes, and calls progress(total, total) once more on success.  The
** first failure in id order wins (a worker that cannot open fails at
** once): no chunk after it is consumed, and workers stop taking more.
*/
#ifndef LR_POOL_H
#define LR_POOL_H

#include "worker.h"

#define LRP_CHUNK_IDS 2048            /* contact ids per chunk */
#define LRP_POOL_POLICIES 2           /* diff evaluates two at once */
#define LRP_POOL_DONE (-1)            /* consume(): enough, stop (success) */

typedef struct lrp_chunk {
  long long k;                        /* index: 0, 1, ... in id order */
  long long lo, hi;                   /* contact ids, inclusive */
  long long evaluated;                /* contacts, set by chunk(): progress */
  void *slot;                         /* the caller's (slot_size bytes) */
  char err[2048];                     /* why chunk() or consume() failed */
} lrp_chunk;

typedef struct lrp_pool {
  /* What to evaluate: npolicies workers per thread, in this order (the
  ** same policy twice gets a second instance for the second). */
  lr_policy *policy[LRP_POOL_POLICIES];
  int npolicies;
  long long now;
  int override_manual;
  volatile int *cancel;               /* also stops Lua and policy SQL */
  int jobs;                           /* threads; <= 0: one per CPU (<= 64) */
  /* The chunks: ids lo..hi in LRP_CHUNK_IDS steps, none when total is 0;
  ** or, with range(), nchunks chunks whose ids range(ctx, c) sets from
  ** c->k.  total (contacts) is what progress counts to. */
  long long lo, hi, total;
  long long nchunks;
  void (*range)(void *ctx, lrp_chunk *c);
  /* Workers the caller already opened on its thread, npolicies of them:
  ** the pool then runs inline on them (one job) and leaves them open. */
  lrp_worker *workers;
  /* The caller's side.  slot_init (may be NULL: zeroed) prepares each
  ** slot, slot_free (may be NULL) releases it at the end.  chunk() runs
  ** on a worker's thread (w: its npolicies workers) and finds the slot as
  ** the chunk before left it; it returns an LR code, with c->err set on
  ** failure.  consume() runs on the calling thread, in id order; it
  ** returns LR_OK, LRP_POOL_DONE to stop early, or an LR code (the
  ** caller's own failure: the pool sets in_consume). */
  void *ctx;
  size_t slot_size;
  int (*slot_init)(void *ctx, void *slot);
  void (*slot_free)(void *ctx, void *slot);
  int (*chunk)(void *ctx, lrp_worker *w, lrp_chunk *c);
  int (*consume)(void *ctx, lrp_chunk *c);
  int (*progress)(void *ctx, long long done, long long total);
  void *progress_ctx;
  /* Set by lrp_pool_run on failure. */
  int in_consume;                     /* consume() failed */
  char err[2048];                     /* why (consume(): its c->err) */
} lrp_pool;

/* Evaluate every chunk and consume it.  Returns LR_OK (also when consume()
** said LRP_POOL_DONE), or the first failure's LR code with pl->err set:
** a worker's (lrp_worker_open's message), a chunk's or consume()'s,
** LR_INTERRUPT ("interrupted") from the cancel flag or progress,
** LR_NOMEM, or LR_ERROR when no thread starts. */
int lrp_pool_run(lrp_pool *pl);
/* lrp_pool_run for a command that only reads (backtest, diff): a failure
** is set on db, a cancel (the flag, or progress) as "WHAT interrupted". */
int lrp_pool_run_as(lrp_pool *pl, lr_db *db, const char *what);

#endif
