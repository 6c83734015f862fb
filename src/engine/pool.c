/*
** pool.c -- the engine's one worker pool (see pool.h): job counts, chunk
** ranges, the ring of chunks in flight, cancel, progress and the first
** error.  The only code in the engine that starts threads.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/store.h"
#include "pool.h"

static int ncpu(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static long long count_chunks(const lrp_pool *pl) {
  if (pl->range) return pl->nchunks;
  return pl->total ? (pl->hi - pl->lo) / LRP_CHUNK_IDS + 1 : 0;
}

/* Threads to use: one when a host touched a policy's main state, on an
** in-memory database, or on workers the caller opened; never more than
** there are chunks. */
static int count_jobs(const lrp_pool *pl, long long nchunks) {
  int jobs = pl->jobs > 0 ? pl->jobs : ncpu();
  for (int i = 0; i < pl->npolicies; i++)
    if (pl->policy[i]->lua_touched) jobs = 1;
  /* In memory there is one connection (lrp_worker_open shares it), and it
  ** is opened NOMUTEX: workers on other threads would corrupt it. */
  if (lrs_one_connection(pl->policy[0]->db)) jobs = 1;
  if (pl->workers) jobs = 1;
  if (jobs > nchunks) jobs = nchunks > 0 ? (int)nchunks : 1;
  return jobs;
}

static void set_range(const lrp_pool *pl, lrp_chunk *c, long long k) {
  c->k = k;
  c->evaluated = 0;
  c->err[0] = '\0';
  if (pl->range) {
    pl->range(pl->ctx, c);
  } else {
    c->lo = pl->lo + k * LRP_CHUNK_IDS;
    c->hi = c->lo + LRP_CHUNK_IDS - 1;
  }
}

/* One worker per policy: the main instances on the calling thread
** (threaded 0), else instances of their own.  The same policy twice needs
** a second Lua state for the second.  On failure all are closed. */
static int open_workers(const lrp_pool *pl, lrp_worker *w, int threaded,
                        char *err, size_t errlen) {
  memset(w, 0, (size_t)pl->npolicies * sizeof *w);
  int rc = LR_OK;
  for (int i = 0; i < pl->npolicies && rc == LR_OK; i++) {
    int own = threaded;
    for (int j = 0; j < i; j++) own |= pl->policy[j] == pl->policy[i];
    rc = lrp_worker_open(&w[i], pl->policy[i], own, pl->now,
                         pl->override_manual, pl->cancel, err, errlen);
  }
  if (rc != LR_OK)
    for (int i = pl->npolicies - 1; i >= 0; i--) lrp_worker_close(&w[i]);
  return rc;
}

static void close_workers(const lrp_pool *pl, lrp_worker *w) {
  for (int i = pl->npolicies - 1; i >= 0; i--) lrp_worker_close(&w[i]);
}

/* The calling thread's poll between chunks. */
static int poll(lrp_pool *pl, long long done) {
  if ((pl->cancel && *pl->cancel) ||
      (pl->progress && pl->progress(pl->progress_ctx, done, pl->total))) {
    snprintf(pl->err, sizeof pl->err, "interrupted");
    return LR_INTERRUPT;
  }
  return LR_OK;
}

/* Hand a finished chunk to the caller: its own failure, or consume(). */
static int take(lrp_pool *pl, lrp_chunk *c, int chunk_rc) {
  int rc = chunk_rc;
  if (rc == LR_OK) {
    rc = pl->consume(pl->ctx, c);
    if (rc != LR_OK && rc != LRP_POOL_DONE) pl->in_consume = 1;
  }
  if (rc != LR_OK && rc != LRP_POOL_DONE)
    snprintf(pl->err, sizeof pl->err, "%s", c->err);
  return rc;
}

/* ---- slots ------------------------------------------------------------- */

static void free_slots(lrp_pool *pl, lrp_chunk *c, int n) {
  for (int i = 0; i < n; i++) {
    if (c[i].slot && pl->slot_free) pl->slot_free(pl->ctx, c[i].slot);
    free(c[i].slot);
  }
  free(c);
}

/* n chunks, each with a slot; NULL when out of memory. */
static lrp_chunk *new_slots(lrp_pool *pl, int n) {
  lrp_chunk *c = calloc((size_t)n, sizeof *c);
  if (!c) return NULL;
  for (int i = 0; i < n; i++) {
    c[i].slot = calloc(1, pl->slot_size ? pl->slot_size : 1);
    if (!c[i].slot ||
        (pl->slot_init && pl->slot_init(pl->ctx, c[i].slot) != LR_OK)) {
      if (c[i].slot && pl->slot_free) pl->slot_free(pl->ctx, c[i].slot);
      free(c[i].slot);
      c[i].slot = NULL;
      free_slots(pl, c, i);
      return NULL;
    }
  }
  return c;
}

/* ---- one job: on the calling thread ------------------------------------ */

static int run_inline(lrp_pool *pl, long long nchunks) {
  lrp_worker own[LRP_POOL_POLICIES];
  lrp_worker *w = pl->workers;
  if (!w) {
    int rc = open_workers(pl, own, 0, pl->err, sizeof pl->err);
    if (rc != LR_OK) return rc;
    w = own;
  }
  lrp_chunk *c = new_slots(pl, 1);
  int rc = c ? poll(pl, 0) : LR_NOMEM;
  if (!c) snprintf(pl->err, sizeof pl->err, "out of memory");
  long long done = 0;
  for (long long k = 0; k < nchunks && rc == LR_OK; k++) {
    set_range(pl, c, k);
    rc = take(pl, c, pl->chunk(pl->ctx, w, c));
    done += c->evaluated;
    if (rc == LR_OK) rc = poll(pl, done);
  }
  if (c) free_slots(pl, c, 1);
  if (w == own) close_workers(pl, own);
  return rc == LRP_POOL_DONE ? LR_OK : rc;
}

/* ---- threads ------------------------------------------------------------ */

typedef struct shared {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  lrp_pool *pl;
  long long nchunks;
  long long next;                     /* the next chunk a worker takes */
  long long consumed;                 /* chunks the caller is done with */
  long long last;                     /* no chunk after a failed one starts */
  int ring;
  lrp_chunk *chunks;                  /* [ring]: chunk k in k % ring */
  int *ready, *rc;                    /* [ring] */
  int abort;
  int fail_rc;                        /* a worker that could not open */
  char fail[2048];
} shared;

static void *thread_main(void *arg) {
  shared *sh = arg;
  lrp_pool *pl = sh->pl;
  lrp_worker w[LRP_POOL_POLICIES];
  char err[2048] = "";
  int rc = open_workers(pl, w, 1, err, sizeof err);
  if (rc != LR_OK) {
    pthread_mutex_lock(&sh->mu);
    if (!sh->abort) {
      sh->abort = 1;
      sh->fail_rc = rc;
      snprintf(sh->fail, sizeof sh->fail, "%s", err);
    }
    pthread_cond_broadcast(&sh->cv);
    pthread_mutex_unlock(&sh->mu);
    return NULL;
  }
  for (;;) {
    pthread_mutex_lock(&sh->mu);
    long long k = sh->next;
    if (sh->abort || k >= sh->nchunks || k > sh->last) {
      pthread_mutex_unlock(&sh->mu);
      break;
    }
    sh->next++;
    while (!sh->abort && k - sh->consumed >= sh->ring)
      pthread_cond_wait(&sh->cv, &sh->mu);
    int stop = sh->abort;
    pthread_mutex_unlock(&sh->mu);
    if (stop) break;
    lrp_chunk *c = &sh->chunks[k % sh->ring];
    set_range(pl, c, k);
    rc = pl->chunk(pl->ctx, w, c);
    pthread_mutex_lock(&sh->mu);
    sh->rc[k % sh->ring] = rc;
    sh->ready[k % sh->ring] = 1;
    if (rc != LR_OK && k < sh->last) sh->last = k;
    pthread_cond_broadcast(&sh->cv);
    pthread_mutex_unlock(&sh->mu);
  }
  close_workers(pl, w);
  return NULL;
}

/* The calling thread: consume chunks in order as workers finish them. */
static int consume_in_order(shared *sh) {
  lrp_pool *pl = sh->pl;
  long long done = 0;
  int rc = poll(pl, 0);
  for (long long k = 0; k < sh->nchunks && rc == LR_OK; k++) {
    int i = (int)(k % sh->ring);
    pthread_mutex_lock(&sh->mu);
    while (!sh->ready[i] && !sh->abort) pthread_cond_wait(&sh->cv, &sh->mu);
    int aborted = sh->abort && !sh->ready[i];
    pthread_mutex_unlock(&sh->mu);
    if (aborted) {
      rc = sh->fail_rc ? sh->fail_rc : LR_ERROR;
      snprintf(pl->err, sizeof pl->err, "%s", sh->fail);
      break;
    }
    rc = take(pl, &sh->chunks[i], sh->rc[i]);
    done += sh->chunks[i].evaluated;
    if (rc == LR_OK) rc = poll(pl, done);
    pthread_mutex_lock(&sh->mu);
    sh->ready[i] = 0;
    sh->consumed = k + 1;
    if (rc != LR_OK) sh->abort = 1;
    pthread_cond_broadcast(&sh->cv);
    pthread_mutex_unlock(&sh->mu);
  }
  return rc == LRP_POOL_DONE ? LR_OK : rc;
}

static int run_threads(lrp_pool *pl, long long nchunks, int jobs) {
  shared sh;
  memset(&sh, 0, sizeof sh);
  sh.pl = pl;
  sh.nchunks = nchunks;
  sh.last = nchunks;
  sh.ring = jobs * 2 + 2;
  sh.chunks = new_slots(pl, sh.ring);
  sh.ready = calloc((size_t)sh.ring, sizeof *sh.ready);
  sh.rc = calloc((size_t)sh.ring, sizeof *sh.rc);
  pthread_t *th = calloc((size_t)jobs, sizeof *th);
  if (!sh.chunks || !sh.ready || !sh.rc || !th) {
    if (sh.chunks) free_slots(pl, sh.chunks, sh.ring);
    free(sh.ready);
    free(sh.rc);
    free(th);
    snprintf(pl->err, sizeof pl->err, "out of memory");
    return LR_NOMEM;
  }
  pthread_mutex_init(&sh.mu, NULL);
  pthread_cond_init(&sh.cv, NULL);
  int started = 0;
  for (; started < jobs; started++)
    if (pthread_create(&th[started], NULL, thread_main, &sh) != 0) break;
  int rc;
  if (!started) {
    rc = LR_ERROR;
    snprintf(pl->err, sizeof pl->err, "cannot start worker threads");
  } else {
    rc = consume_in_order(&sh);
  }
  pthread_mutex_lock(&sh.mu);
  sh.abort = 1;                       /* stop workers that are still going */
  pthread_cond_broadcast(&sh.cv);
  pthread_mutex_unlock(&sh.mu);
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  free_slots(pl, sh.chunks, sh.ring);
  free(sh.ready);
  free(sh.rc);
  free(th);
  pthread_mutex_destroy(&sh.mu);
  pthread_cond_destroy(&sh.cv);
  return rc;
}

int lrp_pool_run(lrp_pool *pl) {
  pl->in_consume = 0;
  pl->err[0] = '\0';
  long long nchunks = count_chunks(pl);
  int jobs = count_jobs(pl, nchunks);
  int rc = jobs > 1 ? run_threads(pl, nchunks, jobs) : run_inline(pl, nchunks);
  if (rc == LR_OK && pl->progress)
    pl->progress(pl->progress_ctx, pl->total, pl->total);
  return rc;
}

int lrp_pool_run_as(lrp_pool *pl, lr_db *db, const char *what) {
  int rc = lrp_pool_run(pl);
  if (rc == LR_INTERRUPT || (pl->cancel && *pl->cancel))
    return lr__err(db, LR_INTERRUPT, "%s interrupted", what);
  if (rc != LR_OK) return lr__err(db, rc, "%s", pl->err);
  return LR_OK;
}
