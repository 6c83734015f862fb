/*
** test_reliability.c -- the library side of the reliability guarantees:
** cancellation (a cancel flag set from another thread stops a Lua loop
** through the hook; a cancel seen only at the end still rolls back), a
** second writer failing LR_BUSY after its busy timeout with a clear
** message, runs over an in-memory database with several jobs, and
** LR_OPEN_READONLY handles refusing writes.  With LR_TEST_DB=postgresql
** on PostgreSQL databases (t_pg.h; the in-memory run stays SQLite's).
*/
#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

#include "leadrules.h"
#include "t.h"
#include "tdb.h"
#include "../fuzz/oracle.h"

#define NOW 1793404800LL

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t file_digest(const char *path) {
  if (t_is_uri(path)) return t_pg_digest(path);
  sqlite3 *s = NULL;
  sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL);
  uint64_t h = or_digest(s);
  sqlite3_close(s);
  return h;
}

/* A database with n contacts (ids 1..n) and a few activities. */
static void make_db(const char *path, int n) {
  lr_db *db = NULL;
  unlink(path);
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_close(db);
  tdb_path = path;
  char q[512];
  snprintf(q, sizeof q,
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n "
           "WHERE i < %d) INSERT INTO contacts(id, key, email, title, "
           "company_size) SELECT i, 'c' || i || '@x.example', 'c' || i || "
           "'@x.example', CASE i %% 3 WHEN 0 THEN 'VP' ELSE 'Intern' END, "
           "i * 7 %% 3000 FROM n;"
           "INSERT INTO activities(contact_id, type, occurred_at) SELECT id, "
           "'email_open', %lld - id %% 40 * 86400 FROM contacts;", n, NOW);
  sql(q);
}

static const char POLICY[] =
  "stages { 'subscriber', 'lead', 'mql' }\n"
  "segment 'big' { where = 'company_size >= 1000' }\n"
  "rule 'vp' { points = 20, when = function(l) return l.title == 'VP' end }\n"
  "rule 'big' { points = 15, segment = 'big' }\n"
  "rule 'opens' { max = 10, score = function(l)\n"
  "  return 5 * l:count('email_open', { within = '30d' }) end }\n"
  "transition { from = 'subscriber', to = 'lead', when = function(l)\n"
  "  return l.score > 0 end }\n"
  "transition { from = 'lead', to = 'mql', when = function(l)\n"
  "  return l.score >= 30 end }\n";

/* ---- cancel from another thread stops an endless Lua loop ------------ */

typedef struct canceller { volatile int *flag; int ms; } canceller;

static void *cancel_later(void *arg) {
  canceller *c = arg;
  struct timespec ts = { c->ms / 1000, (c->ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
  *c->flag = 2;                       /* as a SIGINT handler would */
  return NULL;
}

static void test_cancel_loop(int jobs) {
  const char *path = t_db_fresh("cancel.db");
  make_db(path, 300);
  uint64_t before = file_digest(path);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  /* A budget large enough that only the cancel can stop the loop. */
  lr_policy_opts po = LR_POLICY_OPTS_INIT;
  po.max_instructions = 1LL << 50;
  lr_policy *p = NULL;
  static const char LOOP[] =
      "stages { 'a', 'b' }\n"
      "rule 'spin' { points = 1, when = function(l)\n"
      "  while true do end\n"
      "end }\n";
  CHECK_INT(lr_policy_load_string(db, "loop.lua", LOOP, sizeof LOOP - 1, &po,
                                  &p), LR_OK);
  if (!p) fprintf(stderr, "loop.lua: %s\n", lr_errmsg(db));
  if (!p) { lr_close(db); return; }
  volatile int flag = 0;
  canceller c = { &flag, 200 };
  pthread_t th;
  pthread_create(&th, NULL, cancel_later, &c);
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  ro.now = NOW;
  ro.jobs = jobs;
  ro.cancel = &flag;
  double t0 = mono();
  int rc = lr_run(p, &ro, NULL);
  double took = mono() - t0;
  pthread_join(th, NULL);
  CHECK_INT(rc, LR_INTERRUPT);
  CHECK(took < 2.0);
  lr_policy_free(p);
  lr_close(db);
  CHECK(file_digest(path) == before);
}

/* ---- a cancel seen only after the last contact still rolls back ------- */

static volatile int late_flag;
static long long changes_seen;

static int set_cancel_at_last(void *ctx, const lr_change *c) {
  (void)ctx;
  (void)c;
  if (++changes_seen == 500) late_flag = 15;   /* during the last change */
  return 0;
}

static void test_cancel_late(void) {
  const char *path = t_db_fresh("late.db");
  make_db(path, 500);
  uint64_t before = file_digest(path);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load_string(db, "p.lua", POLICY, sizeof POLICY - 1,
                                  NULL, &p), LR_OK);
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  ro.now = NOW;
  ro.jobs = 1;
  ro.cancel = &late_flag;
  ro.on_change = set_cancel_at_last;
  CHECK_INT(lr_run(p, &ro, NULL), LR_INTERRUPT);
  CHECK_INT(changes_seen, 500);
  lr_policy_free(p);
  lr_close(db);
  CHECK(file_digest(path) == before);
}

/* ---- a second writer: LR_BUSY after the timeout, clear message -------- */

static void test_busy(void) {
  const char *path = t_db_fresh("busy.db");
  make_db(path, 50);
  uint64_t before = file_digest(path);
  sqlite3 *holder = NULL;
  PGconn *pg = NULL;     /* PostgreSQL's writer holds the store's lock */
  if (t_pg()) {
    pg = t_pg_connect(path);
    PGresult *r = PQexec(pg, "BEGIN; SELECT pg_advisory_xact_lock("
                         "478186697070)");
    CHECK_INT(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
  } else {
    sqlite3_open(path, &holder);
    CHECK_INT(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL),
              SQLITE_OK);
  }
  lr_db *db = NULL;
  CHECK_INT(lr_open_v2(path, &db, 0, 300), LR_OK);
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load_string(db, "p.lua", POLICY, sizeof POLICY - 1,
                                  NULL, &p), LR_OK);
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  ro.now = NOW;
  double t0 = mono();
  CHECK_INT(lr_run(p, &ro, NULL), LR_BUSY);
  double took = mono() - t0;
  CHECK(took >= 0.29 && took < 3.0);
  /* The same words on both stores. */
  CHECK_CONTAINS(lr_errmsg(db), ": database is locked by another writer "
                 "(gave up after 300 ms; see --busy-timeout)");
  /* lr_busy_timeout changes the wait. */
  CHECK_INT(lr_busy_timeout(db, 100), LR_OK);
  t0 = mono();
  CHECK_INT(lr_run(p, &ro, NULL), LR_BUSY);
  took = mono() - t0;
  CHECK(took >= 0.09 && took < 2.0);
  CHECK_CONTAINS(lr_errmsg(db), "100 ms");
  /* An import, too. */
  const char *csv = t_path("busy.csv");
  FILE *f = fopen(csv, "w");
  fputs("email,title\nnew@x.example,CEO\n", f);
  fclose(f);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, NULL, NULL), LR_BUSY);
  CHECK_CONTAINS(lr_errmsg(db), ": database is locked by another writer "
                 "(gave up after 100 ms; see --busy-timeout)");
  /* A busy timeout of 0 gives up at once, on PostgreSQL too (its
  ** lock_timeout 0 would wait for ever: a hang here). */
  CHECK_INT(lr_busy_timeout(db, 0), LR_OK);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, NULL, NULL), LR_BUSY);
  CHECK_CONTAINS(lr_errmsg(db), ": database is locked by another writer "
                 "(gave up after 0 ms; see --busy-timeout)");
  CHECK_INT(lr_run(p, &ro, NULL), LR_BUSY);
  CHECK_CONTAINS(lr_errmsg(db), "(gave up after 0 ms; see --busy-timeout)");
  if (pg) {
    PQclear(PQexec(pg, "ROLLBACK"));
    PQfinish(pg);
  } else {
    sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(holder);
  }
  CHECK(file_digest(path) == before);
  /* Once the lock is gone, the same handle works. */
  CHECK_INT(lr_run(p, &ro, NULL), LR_OK);
  lr_policy_free(p);
  lr_close(db);
}

/* ---- an in-memory database with several jobs ------------------------- */

/* Import the same 6,000 contacts into `path` and run POLICY with `jobs`. */
static int run_imported(const char *path, int jobs, lr_run_result *r) {
  const char *csv = t_path("mem.csv");
  FILE *f = fopen(csv, "w");
  fputs("email,title,company_size\n", f);
  for (int i = 1; i <= 6000; i++)
    fprintf(f, "c%d@x.example,%s,%d\n", i, i % 3 == 0 ? "VP" : "Intern",
            i * 7 % 3000);
  fclose(f);
  lr_db *db = NULL;
  int rc = lr_open(path, &db);
  if (rc == LR_OK) rc = lr_import_csv(db, LR_CONTACTS, csv, NULL, NULL);
  lr_policy *p = NULL;
  if (rc == LR_OK)
    rc = lr_policy_load_string(db, "p.lua", POLICY, sizeof POLICY - 1, NULL,
                               &p);
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  ro.now = NOW;
  ro.jobs = jobs;
  if (rc == LR_OK) rc = lr_run(p, &ro, r);
  if (rc != LR_OK) fprintf(stderr, "%s, jobs %d: %s\n", path, jobs, lr_errmsg(db));
  lr_policy_free(p);
  lr_close(db);
  return rc;
}

static void test_memory_jobs(void) {
  const char *path = t_db_fresh("ref.db");
  unlink(path);
  lr_run_result want, got;
  CHECK_INT(run_imported(path, 1, &want), LR_OK);
  /* In memory there is one connection: several jobs must still work and
  ** give the same result (3 chunks, 4 workers). */
  CHECK_INT(run_imported(":memory:", 4, &got), LR_OK);
  CHECK_INT(got.evaluated, 6000);
  CHECK_INT(got.score_changes, want.score_changes);
  CHECK_INT(got.stage_changes, want.stage_changes);
  CHECK_INT(got.moves, want.moves);
  lr_run_result_free(&got);
  lr_run_result_free(&want);
}

/* ---- read-only handles refuse writes ---------------------------------- */

static void test_readonly(void) {
  const char *path = t_db_fresh("ro.db");
  make_db(path, 20);
  uint64_t before = file_digest(path);
  lr_db *db = NULL;
  CHECK_INT(lr_open_v2(path, &db, LR_OPEN_READONLY, -1), LR_OK);
  lr_policy *p = NULL;
  int rc = lr_policy_load_string(db, "p.lua", POLICY, sizeof POLICY - 1, NULL,
                                 &p);
  CHECK_INT(rc, LR_OK);
  if (p) {
    lr_run_opts ro = LR_RUN_OPTS_INIT;
    ro.now = NOW;
    rc = lr_run(p, &ro, NULL);
    CHECK_INT(rc, LR_READONLY);
    CHECK(lr_errmsg(db)[0] != 0);
    ro.dry_run = 1;                    /* a dry run reads only */
    CHECK_INT(lr_run(p, &ro, NULL), LR_OK);
    lr_policy_free(p);
  }
  const char *csv = t_path("ro.csv");
  FILE *f = fopen(csv, "w");
  fputs("email\nz@x.example\n", f);
  fclose(f);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, NULL, NULL), LR_READONLY);
  lr_close(db);
  CHECK(file_digest(path) == before);
}

int main(void) {
  t_tmpdir();
  test_cancel_loop(1);
  test_cancel_loop(2);
  test_cancel_late();
  test_busy();
  test_memory_jobs();
  test_readonly();
  return t_done();
}
