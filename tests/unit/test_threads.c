/*
** test_threads.c -- separate handles on one database file, used from
** different threads at once: a second writer waits for the busy timeout
** (or fails LR_BUSY at once with a timeout of 0), readers never fail,
** and concurrent runs all commit.  With LR_TEST_DB=postgresql on a
** PostgreSQL database (t_pg.h).
*/
#include <pthread.h>
#include <time.h>

#include "leadrules.h"
#include "t_db.h"

static const char *POLICY =
    "stages { 'lead', 'mql', 'sql' }\n"
    "rule 'vp' { points = 50, when = function(lead)\n"
    "  return (lead.title or ''):find('VP') ~= nil end }\n"
    "rule 'size' { max = 30, score = function(lead)\n"
    "  return (lead.company_size or 0) // 1000 end }\n"
    "transition { from = 'lead', to = 'mql', when = function(lead)\n"
    "  return lead.score >= 50 end }\n"
    "handoff { stage = 'mql', assign = round_robin { 'ana', 'ben' } }\n";

static const char *dbpath;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static lr_policy *load(lr_db *db) {
  lr_policy *p = NULL;
  if (lr_policy_load_string(db, "policy.lua", POLICY, strlen(POLICY), NULL,
                            &p) != LR_OK)
    fprintf(stderr, "load: %s\n", lr_errmsg(db));
  return p;
}

/* A reader: its own handle.  With WAL it never waits for a writer, so
** while one holds the write lock it works even with busy_ms 0.  (Other
** handles opening or closing the file take a lock for a moment, which is
** why readers normally keep the default busy timeout: busy_ms -1.) */
static int read_once(int busy_ms) {
  lr_db *db = NULL;
  int rc = lr_open_v2(dbpath, &db, 0, busy_ms);
  if (rc == LR_OK) {
    lr_policy *p = load(db);
    if (!p) rc = lr_errcode(db);
    lr_policy_free(p);
  } else {
    fprintf(stderr, "reader: %s\n", lr_errmsg(db));
  }
  lr_close(db);
  return rc;
}

/* ---- 1. a writer holding the lock, a second writer, readers ------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int phase;               /* 0 start, 1 A holds the lock, 2 B tried */

static void set_phase(int p) {
  pthread_mutex_lock(&mu);
  phase = p;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void wait_phase(int p) {
  pthread_mutex_lock(&mu);
  while (phase < p) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
}

/* Called inside A's transaction: hold the write lock until B has been
** refused, then a little longer while B waits. */
static int hold_lock(void *ctx, long long done, long long total) {
  (void)done;
  (void)total;
  int *first = ctx;
  if (*first) {
    *first = 0;
    set_phase(1);
    wait_phase(2);
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return 0;
}

static void *writer_a(void *arg) {
  int *rc = arg;
  lr_db *db = NULL;
  *rc = lr_open(dbpath, &db);
  lr_policy *p = *rc == LR_OK ? load(db) : NULL;
  if (p) {
    int first = 1;
    lr_run_opts o = LR_RUN_OPTS_INIT;
    o.now = 1700000000;
    o.jobs = 1;
    o.progress = hold_lock;
    o.progress_ctx = &first;
    *rc = lr_run(p, &o, NULL);
    if (*rc != LR_OK) fprintf(stderr, "writer A: %s\n", lr_errmsg(db));
  } else {
    *rc = LR_ERROR;
    set_phase(1);                          /* do not leave B waiting */
  }
  lr_policy_free(p);
  lr_close(db);
  return NULL;
}

static void test_busy_writer(void) {
  int rc_a = -1;
  pthread_t a;
  pthread_create(&a, NULL, writer_a, &rc_a);
  wait_phase(1);

  /* B: a second writer with no patience is refused at once... */
  lr_db *db = NULL;
  CHECK_INT(lr_open_v2(dbpath, &db, 0, 0), LR_OK);
  lr_policy *p = load(db);
  CHECK(p != NULL);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = 1700000000;
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_BUSY);
  CHECK_CONTAINS(lr_errmsg(db), "database is locked by another writer");
  lr_run_result_free(&r);
  /* ...while readers go on, and see the last committed state */
  double r0 = now_s();
  for (int i = 0; i < 5; i++) CHECK_INT(read_once(0), LR_OK);
  CHECK(now_s() - r0 < 5.0);
  CHECK_INT(t_sql_int(dbpath, "SELECT count(*) FROM runs"), 0);

  /* with a busy timeout it waits for A to commit, then runs */
  CHECK_INT(lr_busy_timeout(db, 10000), LR_OK);
  double t0 = now_s();
  set_phase(2);
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  double waited = now_s() - t0;
  CHECK(waited > 0.1);                     /* it did wait for A */
  CHECK(r.run_id > 0);
  lr_run_result_free(&r);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
  pthread_join(a, NULL);
  CHECK_INT(rc_a, LR_OK);
  CHECK_INT(t_sql_int(dbpath, "SELECT count(*) FROM runs"), 2);
}

/* ---- 2. two writers and a reader, all at once -------------------------- */

typedef struct job {
  int runs, jobs;
  int ok, busy, other;
  volatile int *stop;
} job;

static void *writer(void *arg) {
  job *j = arg;
  lr_db *db = NULL;
  if (lr_open(dbpath, &db) != LR_OK) {
    j->other++;
    lr_close(db);
    return NULL;
  }
  lr_busy_timeout(db, 30000);
  lr_policy *p = load(db);
  for (int i = 0; p && i < j->runs; i++) {
    lr_run_opts o = LR_RUN_OPTS_INIT;
    o.now = 1700000000 + i;
    o.jobs = j->jobs;
    int rc = lr_run(p, &o, NULL);
    if (rc == LR_OK) j->ok++;
    else if (rc == LR_BUSY) j->busy++;
    else {
      j->other++;
      fprintf(stderr, "writer: %s\n", lr_errmsg(db));
    }
  }
  if (!p) j->other++;
  lr_policy_free(p);
  lr_close(db);
  return NULL;
}

static void *reader(void *arg) {
  job *j = arg;
  while (!*j->stop) {
    if (read_once(-1) == LR_OK) j->ok++;
    else j->other++;
  }
  return NULL;
}

static void test_concurrent(void) {
  volatile int stop = 0;
  job w1 = {4, 1, 0, 0, 0, &stop}, w2 = {4, 2, 0, 0, 0, &stop};
  job rd = {0, 0, 0, 0, 0, &stop};
  pthread_t t1, t2, t3;
  long long before = t_sql_int(dbpath, "SELECT count(*) FROM runs");
  pthread_create(&t3, NULL, reader, &rd);
  pthread_create(&t1, NULL, writer, &w1);
  pthread_create(&t2, NULL, writer, &w2);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  stop = 1;
  pthread_join(t3, NULL);
  CHECK_INT(w1.ok, 4);
  CHECK_INT(w2.ok, 4);
  CHECK_INT(w1.busy + w2.busy + w1.other + w2.other, 0);
  CHECK(rd.ok > 0);
  CHECK_INT(rd.other, 0);                  /* readers never fail */
  CHECK_INT(t_sql_int(dbpath, "SELECT count(*) FROM runs") - before, 8);
  CHECK_INT(t_sql_int(dbpath, "SELECT count(*) FROM runs WHERE finished_at "
                              "IS NULL"), 0);
}

int main(void) {
  t_tmpdir();
  dbpath = t_db("threads.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  lr_close(db);
  t_add_contacts(dbpath, 3000);            /* two chunks of ids */
  test_busy_writer();
  test_concurrent();
  return t_done();
}
