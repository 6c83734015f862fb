/*
** checkpointer.c -- the log copied back from a thread (checkpointer.h).
**
** SQLite's autocheckpoint runs inside the commit that crosses its
** threshold: that request waits for thousands of pages to be copied and
** the file synced (hundreds of milliseconds: serve's slowest requests).
** A passive checkpoint on another connection copies the same pages while
** the writer goes on; the writer's own, at the hard limit, then finds
** only the last pages left.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "checkpointer.h"

struct lrs_ckpt {
  lr_db *db;
  sqlite3 *conn;                   /* the thread's */
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;                /* the thread: want, stop */
  pthread_cond_t idle;              /* the writer: the pass is over */
  int stop, want, busy, hurry;
  int soft, hard;                  /* lrs_ckpt_start's */
  int next;                        /* log pages at which to wake it next */
  long long passes;
};

/* After each commit of the writer, on the writer's thread. */
static int on_commit(void *ctx, sqlite3 *conn, const char *name, int pages) {
  lrs_ckpt *c = ctx;
  if (pages >= c->hard) {
    /* The thread fell behind: let its pass end (its checkpoint lock
    ** would make ours a no-op), then copy the rest here. */
    pthread_mutex_lock(&c->mu);
    __atomic_store_n(&c->hurry, 1, __ATOMIC_RELAXED);
    while (c->busy) pthread_cond_wait(&c->idle, &c->mu);
    __atomic_store_n(&c->hurry, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&c->mu);
    sqlite3_wal_checkpoint_v2(conn, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
                              NULL);
    c->next = c->soft;
    return SQLITE_OK;
  }
  if (pages < c->next - c->soft) c->next = c->soft;     /* started over */
  if (pages < c->next) return SQLITE_OK;
  c->next = pages + c->soft;
  pthread_mutex_lock(&c->mu);
  c->want = 1;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
  return SQLITE_OK;
}

/* Passive passes, again while the writer appended meanwhile.  Once
** every page is back, the writer's next transaction starts the log over
** (when the writer is idle now and then); under steady load the writer's
** own checkpoint at `hard` does, finding most pages back; `hurry` (atomic:
** read without the lock) tells the passes to end for it. */
static void pass(lrs_ckpt *c) {
  int log = 0, done = 0;
  for (int k = 0; k < 4 && !__atomic_load_n(&c->hurry, __ATOMIC_RELAXED); k++)
    if (sqlite3_wal_checkpoint_v2(c->conn, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                  &log, &done) != SQLITE_OK ||
        done >= log)
      break;
}

static void *run(void *arg) {
  lrs_ckpt *c = arg;
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (!c->stop && !c->want) pthread_cond_wait(&c->cv, &c->mu);
    if (c->stop) break;
    c->want = 0;
    c->busy = 1;
    pthread_mutex_unlock(&c->mu);
    pass(c);
    pthread_mutex_lock(&c->mu);
    c->busy = 0;
    c->passes++;
    pthread_cond_signal(&c->idle);
  }
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

int lrs_ckpt_start(lr_db *db, int soft, int hard, lrs_ckpt **out) {
  *out = NULL;
  if (db->pg) return LR_OK;          /* SQLite's log only */
  if (!db->path || !db->path[0] || strcmp(db->path, ":memory:") == 0 ||
      (db->flags & LR_OPEN_READONLY))
    return LR_OK;
  lrs_ckpt *c = calloc(1, sizeof *c);
  if (!c) return LR_OK;
  c->db = db;
  c->soft = soft > 0 ? soft : LRS_CKPT_SOFT;
  c->hard = hard > c->soft ? hard : 4 * c->soft;
  c->next = c->soft;
  if (sqlite3_open_v2(db->path, &c->conn,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK ||
      /* A first read opens the log: until then, no checkpoint. */
      sqlite3_exec(c->conn, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL,
                   NULL) != SQLITE_OK) {
    sqlite3_close(c->conn);
    free(c);
    return LR_OK;
  }
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  pthread_cond_init(&c->idle, NULL);
  if (pthread_create(&c->thread, NULL, run, c) != 0) {
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    pthread_cond_destroy(&c->idle);
    sqlite3_close(c->conn);
    free(c);
    return LR_OK;
  }
  sqlite3_wal_hook(db->sql, on_commit, c);
  *out = c;
  return LR_OK;
}

void lrs_ckpt_stop(lrs_ckpt *c) {
  if (!c) return;
  sqlite3_wal_autocheckpoint(c->db->sql, c->hard);   /* unhooks */
  pthread_mutex_lock(&c->mu);
  c->stop = 1;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
  pthread_join(c->thread, NULL);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  pthread_cond_destroy(&c->idle);
  sqlite3_close(c->conn);
  free(c);
}

long long lrs_ckpt_passes(lrs_ckpt *c) {
  if (!c) return 0;
  pthread_mutex_lock(&c->mu);
  long long n = c->passes;
  pthread_mutex_unlock(&c->mu);
  return n;
}
