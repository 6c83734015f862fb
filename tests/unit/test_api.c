/*
** test_api.c -- the public contract of leadrules.h, function by function:
** versions, result codes, handles and their errors, option structs of
** other sizes, result ownership, host functions, cancellation.
** (Concurrency is in test_threads.c.)
*/
#include <lauxlib.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include "leadrules.h"
#include "t_db.h"

static const char *POLICY =
    "stages { 'lead', 'mql', 'sql' }\n"
    "rule 'vp' { points = 50, when = function(lead)\n"
    "  return (lead.title or ''):find('VP') ~= nil end }\n"
    "transition { from = 'lead', to = 'mql', when = function(lead)\n"
    "  return lead.score >= 50 end }\n"
    "transition { from = 'mql', to = 'sql', when = function(lead)\n"
    "  return lead.score >= 50 end }\n"
    "handoff { stage = 'sql', due = '2d',\n"
    "  assign = round_robin { 'ana@corp.example', 'ben@corp.example' } }\n";

#define NOW 1700000000LL

/* A fresh database file holding n contacts; returns its path. */
static const char *fresh_db(const char *name, int n) {
  const char *path = t_db_fresh(name);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  CHECK_INT(lr_close(db), LR_OK);
  if (n) t_add_contacts(path, n);
  return path;
}

static lr_policy *load(lr_db *db, const char *src) {
  lr_policy *p = NULL;
  int rc = lr_policy_load_string(db, "policy.lua", src, strlen(src), NULL, &p);
  if (rc != LR_OK) fprintf(stderr, "load: %s\n", lr_errmsg(db));
  CHECK_INT(rc, LR_OK);
  return p;
}

/* ---- versions and result codes ----------------------------------------- */

static void test_version(void) {
  CHECK_STR(lr_libversion(), LR_VERSION);
  CHECK_INT(lr_libversion_number(), LR_VERSION_NUMBER);
  int a = -1, b = -1, c = -1;
  CHECK_INT(sscanf(LR_VERSION, "%d.%d.%d", &a, &b, &c), 3);
  CHECK_INT(a * 1000000 + b * 1000 + c, LR_VERSION_NUMBER);
}

static void test_errstr(void) {
  const char *seen[LR_TESTFAIL + 1];
  for (int rc = LR_OK; rc <= LR_TESTFAIL; rc++) {
    seen[rc] = lr_errstr(rc);
    CHECK(seen[rc] != NULL && seen[rc][0] != '\0');
    CHECK(strcmp(seen[rc], "unknown error") != 0);
    for (int k = 0; k < rc; k++) CHECK(strcmp(seen[k], seen[rc]) != 0);
  }
  CHECK_STR(lr_errstr(LR_OK), "not an error");
  CHECK_STR(lr_errstr(-1), "unknown error");
  CHECK_STR(lr_errstr(LR_TESTFAIL + 1), "unknown error");
  CHECK_STR(lr_errstr(1 << 20), "unknown error");
}

/* ---- lr_open / lr_close / errors ---------------------------------------- */

static void test_open_errors(void) {
  lr_db *db = (lr_db *)&db;               /* must be overwritten */
  CHECK_INT(lr_open(NULL, &db), LR_MISUSE);
  CHECK(db != NULL);                      /* set even on failure */
  CHECK_INT(lr_errcode(db), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "path");
  CHECK_INT(lr_close(db), LR_OK);

  CHECK_INT(lr_open("", &db), LR_MISUSE);
  CHECK_INT(lr_close(db), LR_OK);
  CHECK_INT(lr_open(t_path("x.db"), NULL), LR_MISUSE);
  CHECK_INT(lr_open_v2(t_path("x.db"), NULL, 0, -1), LR_MISUSE);

  /* a directory */
  CHECK_INT(lr_open(t_path(""), &db), LR_IO);
  CHECK_CONTAINS(lr_errmsg(db), "directory");
  CHECK_INT(lr_busy_timeout(db, 10), LR_MISUSE);   /* failed handle */
  CHECK_INT(lr_close(db), LR_OK);

  /* a missing directory */
  CHECK_INT(lr_open(t_path("no/such/dir/x.db"), &db), LR_IO);
  CHECK_CONTAINS(lr_errmsg(db), "no/such/dir/x.db: no such directory ");
  CHECK_INT(lr_close(db), LR_OK);

  /* a text file: refused and left unchanged */
  const char *txt = t_path("notes.txt");
  t_write(txt, "this is not a database, just some text that is long enough\n"
               "to fill more than the sqlite header of one hundred bytes...\n");
  size_t n0, n1;
  char *before = t_slurp(txt, &n0);
  CHECK_INT(lr_open(txt, &db), LR_NOTADB);
  CHECK_CONTAINS(lr_errmsg(db), "notes.txt");
  CHECK_INT(lr_close(db), LR_OK);
  char *after = t_slurp(txt, &n1);
  CHECK(n0 == n1 && memcmp(before, after, n0) == 0);
  free(before);
  free(after);

  /* another application's SQLite database */
  const char *other = t_path("other.db");
  remove(other);
  t_sql(other, "CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL);");
  CHECK_INT(lr_open(other, &db), LR_NOTADB);
  CHECK_CONTAINS(lr_errmsg(db), "not a leadrules database");
  CHECK_INT(lr_close(db), LR_OK);
  CHECK_INT(t_sql_int(other, "SELECT count(*) FROM sqlite_schema"), 1);

  /* a database from a newer leadrules */
  const char *newer = fresh_db("newer.db", 0);
  t_sql(newer, t_pg() ? "UPDATE meta SET v = '999' WHERE k = 'schema_version'"
                      : "PRAGMA user_version = 999;");
  CHECK_INT(lr_open(newer, &db), LR_SCHEMA);
  CHECK_CONTAINS(lr_errmsg(db), "newer");
  CHECK_INT(lr_close(db), LR_OK);
  CHECK_INT(t_sql_int(newer, t_pg() ? "SELECT v FROM meta WHERE k = "
                      "'schema_version'" : "PRAGMA user_version"), 999);

  /* flags */
  const char *missing = t_path("missing.db");
  remove(missing);
  CHECK_INT(lr_open_v2(missing, &db, LR_OPEN_READONLY, -1), LR_NOTFOUND);
  CHECK_INT(lr_close(db), LR_OK);
  CHECK_INT(lr_open_v2(missing, &db, LR_OPEN_NOCREATE, -1), LR_NOTFOUND);
  CHECK_INT(lr_close(db), LR_OK);
  CHECK(access(missing, F_OK) != 0);       /* not created */
}

static void test_handle_basics(void) {
  /* NULL handles: LR_MISUSE or a harmless answer, never a crash */
  CHECK_INT(lr_close(NULL), LR_OK);
  CHECK(lr_errmsg(NULL) != NULL);
  CHECK_CONTAINS(lr_errmsg(NULL), "no database handle");
  CHECK_INT(lr_errcode(NULL), LR_NOMEM);
  CHECK_INT(lr_busy_timeout(NULL, 100), LR_MISUSE);
  CHECK(lr_db_path(NULL) == NULL);

  const char *path = fresh_db("basics.db", 3);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  CHECK_STR(lr_errmsg(db), "not an error");
  CHECK_INT(lr_errcode(db), LR_OK);
  CHECK_STR(lr_db_path(db), path);
  CHECK_INT(lr_busy_timeout(db, 250), LR_OK);
  CHECK_INT(lr_busy_timeout(db, -5), LR_OK);   /* counts as 0 */

  /* read-only handle: opens, refuses to write */
  lr_db *ro = NULL;
  CHECK_INT(lr_open_v2(path, &ro, LR_OPEN_READONLY, 0), LR_OK);
  lr_policy *p = load(ro, POLICY);
  if (p) {
    lr_run_opts o = LR_RUN_OPTS_INIT;
    o.now = NOW;
    CHECK_INT(lr_run(p, &o, NULL), LR_READONLY);
    CHECK_INT(lr_errcode(ro), LR_READONLY);
    o.dry_run = 1;
    int rc = lr_run(p, &o, NULL);
    CHECK(rc == LR_OK || rc == LR_READONLY);
  }
  lr_policy_free(p);
  CHECK_INT(lr_close(ro), LR_OK);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM runs"), 0);
  CHECK_INT(lr_close(db), LR_OK);
}

/* The message belongs to the handle: stable until the next call on it,
** independent of other handles, reset by a success. */
static void test_errmsg_lifetime(void) {
  const char *path = fresh_db("errmsg.db", 0);
  lr_db *db = NULL, *other = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  CHECK_INT(lr_open(path, &other), LR_OK);
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load(db, t_path("nope.lua"), &p), LR_IO);
  CHECK(p == NULL);
  const char *m1 = lr_errmsg(db);
  char copy[512];
  snprintf(copy, sizeof copy, "%s", m1);
  CHECK_CONTAINS(copy, "nope.lua");
  /* calls without a handle, and failures on another handle, leave it */
  lr_errstr(LR_IO);
  lr_libversion();
  CHECK_INT(lr_policy_load(other, t_path("other.lua"), &p), LR_IO);
  CHECK_STR(lr_errmsg(db), copy);
  CHECK(lr_errmsg(db) == m1);             /* same storage, not rebuilt */
  CHECK_INT(lr_errcode(db), LR_IO);
  /* the next call on db replaces it */
  p = load(db, POLICY);
  CHECK_STR(lr_errmsg(db), "not an error");
  CHECK_INT(lr_errcode(db), LR_OK);
  CHECK_CONTAINS(lr_errmsg(other), "other.lua");
  lr_policy_free(p);
  CHECK_INT(lr_close(other), LR_OK);
  CHECK_INT(lr_close(db), LR_OK);
}

static void test_close_with_live_policy(void) {
  const char *path = fresh_db("live.db", 3);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p1 = load(db, POLICY), *p2 = load(db, POLICY);
  CHECK_INT(lr_close(db), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "still open");
  /* refused means untouched: the handle and the policies still work */
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW;
  CHECK_INT(lr_run(p1, &o, NULL), LR_OK);
  lr_policy_free(p1);
  CHECK_INT(lr_close(db), LR_MISUSE);     /* p2 still alive */
  lr_policy_free(p2);
  lr_policy_free(NULL);
  CHECK_INT(lr_close(db), LR_OK);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM runs"), 1);
}

/* ---- policies ----------------------------------------------------------- */

static int load_err(lr_db *db, const char *src, const char *want) {
  lr_policy *p = (lr_policy *)&p;
  int rc = lr_policy_load_string(db, "bad.lua", src, strlen(src), NULL, &p);
  CHECK(p == NULL);
  CHECK_CONTAINS(lr_errmsg(db), want);
  return rc;
}

static void test_policy_errors(void) {
  const char *path = fresh_db("policy.db", 0);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p = (lr_policy *)&p;

  CHECK_INT(lr_policy_load(NULL, "x.lua", &p), LR_MISUSE);
  CHECK(p == NULL);
  CHECK_INT(lr_policy_load(db, "x.lua", NULL), LR_MISUSE);
  p = (lr_policy *)&p;
  CHECK_INT(lr_policy_load(db, NULL, &p), LR_MISUSE);
  CHECK(p == NULL);
  CHECK_INT(lr_policy_load_v2(NULL, "x.lua", NULL, &p), LR_MISUSE);
  CHECK_INT(lr_policy_load_string(NULL, "x", "", 0, NULL, &p), LR_MISUSE);
  CHECK_INT(lr_policy_load_string(db, "x", NULL, 0, NULL, &p), LR_MISUSE);
  CHECK_INT(lr_policy_load_string(db, "x", "", 0, NULL, NULL), LR_MISUSE);

  /* bad paths */
  CHECK_INT(lr_policy_load(db, t_path("missing.lua"), &p), LR_IO);
  CHECK_CONTAINS(lr_errmsg(db), "missing.lua");
  CHECK_INT(lr_policy_load(db, t_path(""), &p), LR_IO);   /* a directory */

  /* bad policies, each naming the file and line */
  CHECK_INT(load_err(db, "stages { 'a', 'b' }\nrule 'x' { points = }\n",
                     "bad.lua:2:"), LR_POLICY);
  CHECK_INT(load_err(db, "stages { 'a' }\n\nerror('boom')\n", "bad.lua:3:"),
            LR_POLICY);
  CHECK_INT(load_err(db, "stages { 'a', 'b' }\n"
                         "transition { from = 'a', to = 'zzz', when = "
                         "function() return true end }\n", "zzz"),
            LR_POLICY);
  CHECK_INT(load_err(db, "\x1bLua binary", "binary"), LR_POLICY);
  /* the same from a file */
  const char *bad = t_path("bad.lua");
  t_write(bad, "stages { 'a' }\nlocal x = = 1\n");
  CHECK_INT(lr_policy_load(db, bad, &p), LR_POLICY);
  CHECK(p == NULL);
  CHECK_CONTAINS(lr_errmsg(db), "bad.lua:2:");
  const char *bin = t_path("bin.lua");
  t_write(bin, "\x1bLuaT");
  CHECK_INT(lr_policy_load(db, bin, &p), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "binary");

  /* a policy that never finishes loading hits the instruction limit */
  lr_policy_opts po = LR_POLICY_OPTS_INIT;
  po.max_instructions = 100000;
  const char *loop = "stages { 'a' }\nwhile true do end\n";
  CHECK_INT(lr_policy_load_string(db, "loop.lua", loop, strlen(loop), &po, &p),
            LR_LIMIT);
  CHECK(p == NULL);

  /* name NULL: messages say "policy" */
  const char *broken = "stages {\n";
  CHECK_INT(lr_policy_load_string(db, NULL, broken, strlen(broken), NULL, &p),
            LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "policy");

  /* accessors on NULL */
  CHECK(lr_policy_lua(NULL) == NULL);
  CHECK(lr_policy_hash(NULL) == NULL);

  /* a good one: the hash is the SHA-256 of the source */
  p = load(db, "stages { 'a' }\n");
  const char *h = lr_policy_hash(p);
  CHECK_INT(strlen(h), 64);
  CHECK_STR(h, "e4f38dd98dd49be5c5e2bde4596a9e38a633e207ba56b572956ab5dae40bc61a");
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- option structs of other sizes -------------------------------------- */

static int setup_calls;
static int setup_fail(void *ctx, struct lua_State *L) {
  (void)ctx;
  (void)L;
  setup_calls++;
  return 1;
}

static void test_opts_sizes(void) {
  const char *path = fresh_db("opts.db", 6);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p = NULL;

  /* policy opts: size 0 is a misuse (a memset struct) */
  lr_policy_opts po;
  memset(&po, 0, sizeof po);
  CHECK_INT(lr_policy_load_string(db, "p", POLICY, strlen(POLICY), &po, &p),
            LR_MISUSE);
  CHECK(p == NULL);
  CHECK_CONTAINS(lr_errmsg(db), "LR_*_INIT");
  /* an older caller: fields past its size are not read */
  po = (lr_policy_opts)LR_POLICY_OPTS_INIT;
  po.setup = setup_fail;                   /* garbage an old caller has */
  po.size = offsetof(lr_policy_opts, setup);
  setup_calls = 0;
  CHECK_INT(lr_policy_load_string(db, "p", POLICY, strlen(POLICY), &po, &p),
            LR_OK);
  CHECK_INT(setup_calls, 0);
  lr_policy_free(p);
  p = NULL;
  /* a newer caller: unknown fields must be zero */
  struct { lr_policy_opts o; long long future; } big;
  memset(&big, 0, sizeof big);
  big.o.size = sizeof big;
  CHECK_INT(lr_policy_load_string(db, "p", POLICY, strlen(POLICY), &big.o, &p),
            LR_OK);
  lr_policy_free(p);
  p = NULL;
  big.future = 1;
  CHECK_INT(lr_policy_load_string(db, "p", POLICY, strlen(POLICY), &big.o, &p),
            LR_MISUSE);
  CHECK(p == NULL);
  CHECK_CONTAINS(lr_errmsg(db), "does not know");

  /* run opts */
  p = load(db, POLICY);
  lr_run_opts o;
  memset(&o, 0, sizeof o);
  o.dry_run = 1;                           /* forgotten size: not a real run */
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_MISUSE);
  lr_run_result_free(&r);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM runs"), 0);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM contacts WHERE stage IS NOT NULL"), 0);

  o = (lr_run_opts)LR_RUN_OPTS_INIT;
  o.dry_run = 1;
  o.now = NOW;
  o.collect = 1;
  o.size = offsetof(lr_run_opts, collect);  /* caller predates collect */
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK(r.moves > 0);
  CHECK_INT(lr_run_move_count(&r), 0);      /* collect not seen */
  lr_run_result_free(&r);

  struct { lr_run_opts o; int future[4]; } bigr;
  memset(&bigr, 0, sizeof bigr);
  bigr.o.size = sizeof bigr;
  bigr.o.dry_run = 1;
  bigr.o.now = NOW;
  CHECK_INT(lr_run(p, &bigr.o, NULL), LR_OK);
  bigr.future[3] = 7;
  CHECK_INT(lr_run(p, &bigr.o, NULL), LR_MISUSE);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM runs"), 0);

  /* NULL opts: defaults (a real run at the current time) */
  CHECK_INT(lr_run(p, NULL, NULL), LR_OK);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM runs"), 1);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- lr_run: results, collection, ownership ------------------------------ */

static void test_run_results(void) {
  const char *path = fresh_db("run.db", 9);   /* c3, c6, c9 are VPs */
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p = load(db, POLICY);

  /* NULL policy: misuse, and the result is zeroed so freeing is safe */
  lr_run_result r;
  memset(&r, 0xab, sizeof r);
  CHECK_INT(lr_run(NULL, NULL, &r), LR_MISUSE);
  CHECK(r.move_list == NULL && r.priv_ == NULL && r.evaluated == 0);
  lr_run_result_free(&r);
  lr_run_result_free(&r);                  /* zeroed: again is fine */
  lr_run_result_free(NULL);
  CHECK_INT(lr_run(NULL, NULL, NULL), LR_MISUSE);

  /* accessors on NULL and empty results */
  CHECK_INT(lr_run_move_count(NULL), 0);
  CHECK(lr_run_move(NULL, 0) == NULL);
  CHECK_INT(lr_run_handoff_count(NULL), 0);
  CHECK(lr_run_handoff(NULL, 0) == NULL);
  CHECK_INT(lr_run_error_count(NULL), 0);
  CHECK(lr_run_error(NULL, 0) == NULL);

  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW;
  o.collect = 1;
  o.jobs = 1;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.evaluated, 9);
  CHECK_INT(r.now, NOW);
  CHECK(r.run_id > 0);
  CHECK_INT(r.handoffs, 3);
  /* 9 initial stages + 3 contacts moving lead->mql->sql */
  CHECK_INT(r.moves, 15);
  CHECK_INT(lr_run_move_count(&r), 15);
  CHECK_INT(lr_run_handoff_count(&r), 3);
  CHECK_INT(lr_run_error_count(&r), 0);
  CHECK(lr_run_move(&r, -1) == NULL);
  CHECK(lr_run_move(&r, 15) == NULL);
  CHECK(lr_run_handoff(&r, 3) == NULL);
  CHECK(lr_run_move(&r, 0) == &r.move_list[0]);

  /* the result outlives the policy (ASan checks every string) */
  lr_policy_free(p);
  const lr_handoff *h0 = lr_run_handoff(&r, 0), *h1 = lr_run_handoff(&r, 1);
  CHECK_STR(h0->key, "c3@x.example");
  CHECK_STR(h0->owner, "ana@corp.example");
  CHECK_STR(h1->owner, "ben@corp.example");
  CHECK_STR(h0->stage, "sql");
  CHECK_INT(h0->at, NOW);
  CHECK_INT(h0->due, NOW + 2 * 86400);
  int sql_moves = 0, initial = 0;
  for (long long i = 0; i < lr_run_move_count(&r); i++) {
    const lr_move *m = lr_run_move(&r, i);
    CHECK(m->key && m->to && m->reason);
    if (m->from == NULL) {
      initial++;
      CHECK(m->transition == NULL);
    } else {
      CHECK_CONTAINS(m->transition, "policy.lua:");
    }
    if (strcmp(m->to, "sql") == 0) sql_moves++;
  }
  CHECK_INT(initial, 9);
  CHECK_INT(sql_moves, 3);
  long long by_t = 0;
  for (int i = 0; i < r.n_by_transition; i++) {
    CHECK(r.by_transition[i].name[0] != '\0');
    by_t += r.by_transition[i].n;
  }
  CHECK_INT(by_t, 15);
  CHECK_INT(r.n_by_owner, 2);
  lr_run_result_free(&r);
  CHECK(r.move_list == NULL && r.n_move_list == 0);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM assignments"), 3);

  /* without collect: counts only */
  p = load(db, POLICY);
  o.collect = 0;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(lr_run_move_count(&r), 0);
  CHECK_INT(lr_run_handoff_count(&r), 0);
  lr_run_result_free(&r);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

static void test_run_failures(void) {
  const char *path = fresh_db("fail.db", 4);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  const char *failing =
      "stages { 'lead', 'mql' }\n"
      "rule 'r' { points = 1, when = function(lead)\n"
      "  if lead.email == 'c2@x.example' then error('no data') end\n"
      "  return true end }\n";
  lr_policy *p = load(db, failing);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW;
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "policy.lua:3:");
  CHECK_CONTAINS(lr_errmsg(db), "c2@x.example");
  CHECK_CONTAINS(lr_errmsg(db), "no data");
  lr_run_result_free(&r);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM runs"), 0);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM contacts WHERE stage IS NOT NULL"), 0);

  o.keep_going = 1;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.errors, 1);
  CHECK_INT(lr_run_error_count(&r), 1);
  CHECK_CONTAINS(lr_run_error(&r, 0), "c2@x.example");
  CHECK(lr_run_error(&r, 1) == NULL);
  lr_run_result_free(&r);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- cancellation ------------------------------------------------------- */

static int stop_progress(void *ctx, long long done, long long total) {
  (void)done;
  (void)total;
  ++*(int *)ctx;
  return 1;
}

static int stop_change(void *ctx, const lr_change *c) {
  CHECK(c->key != NULL);
  ++*(int *)ctx;
  return 1;
}

static void test_cancel(void) {
  const char *path = fresh_db("cancel.db", 30);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p = load(db, POLICY);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW;
  volatile int flag = 1;
  o.cancel = &flag;
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_INTERRUPT);
  lr_run_result_free(&r);

  int calls = 0;
  o.cancel = NULL;
  o.progress = stop_progress;
  o.progress_ctx = &calls;
  CHECK_INT(lr_run(p, &o, NULL), LR_INTERRUPT);
  CHECK_INT(calls, 1);

  calls = 0;
  o.progress = NULL;
  o.on_change = stop_change;
  o.change_ctx = &calls;
  CHECK_INT(lr_run(p, &o, NULL), LR_INTERRUPT);
  CHECK_INT(calls, 1);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM runs"), 0);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM stage_history"), 0);

  /* a rule that loops is stopped by the cancel flag through the hook */
  const char *slow = "stages { 'a' }\n"
                     "rule 'spin' { points = 1, when = function(lead)\n"
                     "  local n = 0 while true do n = n + 1 end end }\n";
  lr_policy *ps = load(db, slow);
  flag = 1;
  o.on_change = NULL;
  o.cancel = &flag;
  int rc = lr_run(ps, &o, NULL);
  CHECK(rc == LR_INTERRUPT || rc == LR_LIMIT);
  lr_policy_free(ps);

  /* after all that the handle still works */
  o.cancel = NULL;
  CHECK_INT(lr_run(p, &o, NULL), LR_OK);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM runs"), 1);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- host functions: lr_policy_lua and lr_policy_opts.setup ------------- */

/* size_of(email): a tiny enrichment table, as an embedder would have. */
static int size_of(lua_State *L) {
  const char *email = luaL_optstring(L, 1, "");
  lua_pushinteger(L, strstr(email, "c1@") == email ? 5000 : 10);
  return 1;
}

static const char *HOST_POLICY =
    "stages { 'lead', 'mql' }\n"
    "rule 'big' { points = 40, when = function(lead)\n"
    "  return size_of(lead.email) >= 1000 end }\n"
    "transition { from = 'lead', to = 'mql', when = function(lead)\n"
    "  return lead.score >= 40 end }\n";

static void test_policy_lua(void) {
  const char *path = fresh_db("host.db", 3);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p = load(db, HOST_POLICY);
  /* before registering, the rule fails naming the missing global */
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW;
  o.dry_run = 1;
  CHECK(lr_run(p, &o, NULL) != LR_OK);
  CHECK_CONTAINS(lr_errmsg(db), "size_of");
  lua_State *L = lr_policy_lua(p);
  CHECK(L != NULL);
  CHECK(lr_policy_lua(p) == L);
  int top = lua_gettop(L);
  /* misuse: nothing pushed, no name (the value is popped anyway) */
  CHECK_INT(lr_policy_setglobal(NULL, "x"), LR_MISUSE);
  CHECK_INT(lr_policy_setglobal(p, "size_of"), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "push the value");
  lua_pushinteger(L, 1);
  CHECK_INT(lr_policy_setglobal(p, NULL), LR_MISUSE);
  CHECK_INT(lua_gettop(L), top);
  lua_pushinteger(L, 1);
  CHECK_INT(lr_policy_setglobal(p, ""), LR_MISUSE);
  CHECK_INT(lua_gettop(L), top);
  /* registering and replacing */
  lua_pushinteger(L, 7);
  CHECK_INT(lr_policy_setglobal(p, "size_of"), LR_OK);
  CHECK_INT(lua_gettop(L), top);
  lua_pushcfunction(L, size_of);
  CHECK_INT(lr_policy_setglobal(p, "size_of"), LR_OK);
  CHECK_INT(lua_gettop(L), top);
  CHECK_STR(lr_errmsg(db), "not an error");
  o.dry_run = 0;
  o.jobs = 4;                              /* runs on the main state anyway */
  CHECK_INT(lr_run(p, &o, NULL), LR_OK);
  CHECK_INT(t_sql_int(path, "SELECT score FROM contacts WHERE key='c1@x.example'"), 40);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM contacts WHERE stage='mql'"), 1);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

typedef struct setup_ctx {
  int calls;
  long long big;
} setup_ctx;

static int host_setup(void *ctx, struct lua_State *L) {
  setup_ctx *c = ctx;
  __atomic_add_fetch(&c->calls, 1, __ATOMIC_SEQ_CST);  /* worker threads */
  lua_pushinteger(L, (lua_Integer)c->big);
  lua_setglobal(L, "BIG");
  lua_register(L, "size_of", size_of);
  return 0;
}

static int setup_raises(void *ctx, struct lua_State *L) {
  (void)ctx;
  return luaL_error(L, "enrichment service unreachable");
}

static void test_setup_hook(void) {
  const char *path = fresh_db("setup.db", 5000);  /* several chunks */
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  /* BIG is read while the policy loads: setup runs before the chunk */
  const char *src =
      "local big = BIG\n"
      "stages { 'lead', 'mql' }\n"
      "rule 'big' { points = 40, when = function(lead)\n"
      "  return size_of(lead.email) >= big end }\n"
      "transition { from = 'lead', to = 'mql', when = function(lead)\n"
      "  return lead.score >= 40 end }\n";
  setup_ctx ctx = {0, 1000};
  lr_policy_opts po = LR_POLICY_OPTS_INIT;
  po.setup = host_setup;
  po.setup_ctx = &ctx;
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load_string(db, "setup.lua", src, strlen(src), &po, &p),
            LR_OK);
  CHECK_INT(ctx.calls, 1);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW;
  o.jobs = 2;
  CHECK_INT(lr_run(p, &o, NULL), LR_OK);
  CHECK(ctx.calls >= 2);                   /* workers got their own */
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM contacts WHERE stage='mql'"), 1);
  lr_policy_free(p);

  /* setup failing: by return value, or by raising a Lua error */
  po.setup = setup_fail;
  p = (lr_policy *)&p;
  CHECK_INT(lr_policy_load_string(db, "setup.lua", src, strlen(src), &po, &p),
            LR_POLICY);
  CHECK(p == NULL);
  CHECK_CONTAINS(lr_errmsg(db), "setup");
  po.setup = setup_raises;
  CHECK_INT(lr_policy_load_string(db, "setup.lua", src, strlen(src), &po, &p),
            LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "enrichment service unreachable");
  CHECK_INT(lr_close(db), LR_OK);           /* nothing left alive */
}

/* ---- log(...): whole lines to the host's callback, from every worker ---- */

typedef struct log_sink {
  pthread_mutex_t mu;
  long long lines, bad, at_load, c3;
  char c3_line[256];
} log_sink;

static void on_log(void *ctx, const char *line, size_t n) {
  log_sink *k = ctx;
  pthread_mutex_lock(&k->mu);
  k->lines++;
  /* one line each call: a single '\n', at the end */
  if (!n || line[n - 1] != '\n' || memchr(line, '\n', n - 1)) k->bad++;
  if (n > 17 && memcmp(line, "log.lua:1: log: 1", 17) == 0) k->at_load++;
  else if (strncmp(line, "log.lua:4: log: contact c", 25) != 0) k->bad++;
  if (strncmp(line, "log.lua:4: log: contact c3@x.example: ", 38) == 0) {
    k->c3++;
    snprintf(k->c3_line, sizeof k->c3_line, "%.*s", (int)n, line);
  }
  pthread_mutex_unlock(&k->mu);
}

static void test_log_hook(void) {
  const char *path = fresh_db("log.db", 3000);   /* several chunks */
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  const char *src =
      "log(1, 'loading')\n"
      "stages { 'lead', 'mql' }\n"
      "rule 'vp' { points = 40, when = function(lead)\n"
      "  log(lead.company_size, {t = lead.title}, 'a\\nb\\27[0m')\n"
      "  return lead.title == 'VP Sales' end }\n";
  log_sink k;
  memset(&k, 0, sizeof k);
  pthread_mutex_init(&k.mu, NULL);
  lr_policy_opts po = LR_POLICY_OPTS_INIT;
  po.log = on_log;
  po.log_ctx = &k;
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load_string(db, "log.lua", src, strlen(src), &po, &p),
            LR_OK);
  CHECK_INT(k.lines, 1);                  /* the top level, at load */
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW;
  o.jobs = 2;
  CHECK_INT(lr_run(p, &o, NULL), LR_OK);
  CHECK_INT(k.bad, 0);
  CHECK_INT(k.lines - k.at_load, 3000);   /* one per contact, none lost */
  CHECK(k.at_load >= 2);                  /* each worker state loads it */
  CHECK_INT(k.c3, 1);
  /* control characters escaped: no forged line, no terminal escape */
  CHECK_STR(k.c3_line, "log.lua:4: log: contact c3@x.example: 30\t"
            "{t = \"VP Sales\"}\ta\\nb\\x1b[0m\n");
  lr_policy_free(p);
  pthread_mutex_destroy(&k.mu);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- clocks: 0 is the current time, anything else must be a real time -- */

static int count_explain(void *ctx, const lr_explain_item *it) {
  (void)it;
  ++*(int *)ctx;
  return 0;
}

/* A report refused for its clock writes nothing: count what it writes. */
static int count_bytes(void *ctx, const char *data, size_t n) {
  (void)data;
  *(size_t *)ctx += n;
  return 0;
}

/* Every entry point that takes a `now` refuses one before
** 1970-01-01T00:00:01Z (0 would be the current time, so a negative one is
** no way around it) or after LR_TIME_MAX, with a message and nothing
** written; LR_TIME_MAX itself is a clock like any other. */
static void test_clock_bounds(void) {
  const char *path = fresh_db("clock.db", 3);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p = load(db, POLICY);
  const long long bad[] = { -1, -86400, LR_TIME_MAX + 1, LLONG_MAX };
  for (int i = 0; i < 4; i++) {
    long long now = bad[i];
    char want[64];
    snprintf(want, sizeof want, "now %lld is out of range", now);
    lr_run_opts ro = LR_RUN_OPTS_INIT;
    ro.now = now;
    lr_run_result r;
    CHECK_INT(lr_run(p, &ro, &r), LR_MISUSE);
    CHECK_CONTAINS(lr_errmsg(db), "lr_run: ");
    CHECK_CONTAINS(lr_errmsg(db), want);
    CHECK_CONTAINS(lr_errmsg(db), "0 for the current time");
    lr_run_result_free(&r);
    int n = 0;
    CHECK_INT(lr_explain_v2(p, "c1@x.example", now, count_explain, &n),
              LR_MISUSE);
    CHECK_CONTAINS(lr_errmsg(db), want);
    CHECK_INT(n, 0);
    CHECK_INT(lr_contact_move(db, "c1@x.example", "mql", "t", "why", now),
              LR_MISUSE);
    CHECK_CONTAINS(lr_errmsg(db), want);
    CHECK_INT(lr_contact_set(db, "c1@x.example", "title", "x", "t", "why",
                             now), LR_MISUSE);
    CHECK_CONTAINS(lr_errmsg(db), want);
    lr_backtest_opts bo = LR_BACKTEST_OPTS_INIT;
    bo.now = now;
    CHECK_INT(lr_backtest(p, &bo, NULL, NULL, NULL), LR_MISUSE);
    CHECK_CONTAINS(lr_errmsg(db), want);
    lr_report_opts rpo = LR_REPORT_OPTS_INIT;
    rpo.now = now;
    size_t written = 0;
    CHECK_INT(lr_report(db, &rpo, count_bytes, &written), LR_MISUSE);
    CHECK_CONTAINS(lr_errmsg(db), want);
    CHECK_INT(written, 0);
    lr_diff_opts dopt = LR_DIFF_OPTS_INIT;
    dopt.now = now;
    CHECK_INT(lr_diff(p, p, &dopt, NULL, NULL), LR_MISUSE);
    CHECK_CONTAINS(lr_errmsg(db), want);
    lr_check_opts co = LR_CHECK_OPTS_INIT;
    co.now = now;
    CHECK_INT(lr_check_v2(p, &co, NULL, NULL, NULL, NULL), LR_MISUSE);
    CHECK_CONTAINS(lr_errmsg(db), want);
    lr_script_opts so = LR_SCRIPT_OPTS_INIT;
    so.now = now;
    const char *script = t_path("clock_script.lua");
    t_write(script, "for lead in leads{} do lead:set('title', 'x') end\n");
    CHECK_INT(lr_script(db, script, &so, NULL, NULL), LR_MISUSE);
    CHECK_CONTAINS(lr_errmsg(db), want);
  }
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM runs"), 0);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM audit"), 0);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM stage_history"), 0);
  /* the last second of 9999 is a clock (a due time 2d later still fits) */
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  ro.now = LR_TIME_MAX;
  lr_run_result r;
  CHECK_INT(lr_run(p, &ro, &r), LR_OK);
  CHECK_INT(r.now, LR_TIME_MAX);
  lr_run_result_free(&r);
  CHECK_INT(t_sql_int(path, "SELECT max(now) FROM runs"), LR_TIME_MAX);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- utilities ---------------------------------------------------------- */

static void test_utilities(void) {
  long long v = 0;
  /* did you mean: two edits at most, swaps count one, case ignored */
  const char *const names[] = { "import", "info", NULL, "export", "Nurture" };
  CHECK_STR(lr_nearest("improt", names, 5), "import");
  CHECK_STR(lr_nearest("nurtrue", names, 5), "Nurture");
  CHECK_STR(lr_nearest("exprot", names, 5), "export");
  CHECK_INT(lr_nearest("in", names, 5) == NULL, 1);   /* too little kept */
  CHECK_INT(lr_nearest("xyzzy", names, 5) == NULL, 1);
  CHECK_INT(lr_nearest(NULL, names, 5) == NULL, 1);
  CHECK_INT(lr_nearest("info", NULL, 5) == NULL, 1);
  CHECK_INT(lr_parse_duration("1d12h", &v), LR_OK);
  CHECK_INT(v, 36 * 3600);
  CHECK_INT(lr_parse_duration("soon", &v), LR_INPUT);
  CHECK_INT(lr_parse_duration(NULL, &v), LR_MISUSE);
  CHECK_INT(lr_parse_duration("1d", NULL), LR_MISUSE);
  CHECK_INT(lr_parse_time("2024-06-01T09:00:00Z", &v), LR_OK);
  CHECK_INT(v, 1717232400);
  CHECK_INT(lr_parse_time("yesterday", &v), LR_INPUT);
  /* the forms exports write: a zone after a space, year-first slashes */
  CHECK_INT(lr_parse_time("2024-06-01 09:00:00 UTC", &v), LR_OK);
  CHECK_INT(v, 1717232400);
  CHECK_INT(lr_parse_time("2024-06-01 10:00 gmt", &v), LR_OK);
  CHECK_INT(v, 1717236000);
  CHECK_INT(lr_parse_time("2024-06-01 11:00:00 +0200", &v), LR_OK);
  CHECK_INT(v, 1717232400);
  CHECK_INT(lr_parse_time("2024/06/01", &v), LR_OK);
  CHECK_INT(v, 1717200000);
  CHECK_INT(lr_parse_time("2024/06/01 09:00", &v), LR_OK);
  CHECK_INT(v, 1717232400);
  v = 7;  /* still refused: mixed separators, day-first, 12-hour clocks */
  CHECK_INT(lr_parse_time("2024/06-01", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("01/06/2024", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("05.03.2024", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("2024-06-01 9:00 PM", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("2024-06-01 09:00:00 CET", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("2024-06-01 09:00:00  UTC", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("2024-06-01 UTC", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("1717232400000", &v), LR_INPUT);
  CHECK_INT(v, 7);
  CHECK_INT(lr_parse_time(NULL, &v), LR_MISUSE);
  CHECK_INT(lr_parse_time("0", NULL), LR_MISUSE);
  /* bounded: years 0000 to 9999, durations up to 10000 years */
  CHECK_INT(lr_parse_time("9999-12-31T23:59:59Z", &v), LR_OK);
  CHECK_INT(v, LR_TIME_MAX);
  CHECK_INT(lr_parse_time("0000-01-01", &v), LR_OK);
  CHECK_INT(v, LR_TIME_MIN);
  v = 7;
  CHECK_INT(lr_parse_time("253402300800", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("-62167219201", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("999999999999999", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("9999-12-31T23:59:59-01:00", &v), LR_INPUT);
  CHECK_INT(lr_parse_time("0000-01-01T00:00:00+01:00", &v), LR_INPUT);
  CHECK_INT(v, 7);
  CHECK_INT(lr_parse_time("-86400", &v), LR_OK);   /* before 1970: exact */
  CHECK_INT(v, -86400);
  CHECK_INT(lr_parse_duration("10000y", &v), LR_OK);
  CHECK_INT(v, LR_DURATION_MAX);
  CHECK_INT(lr_parse_duration("10000y1s", &v), LR_INPUT);
  CHECK_INT(lr_parse_duration("9223372036854775807s", &v), LR_INPUT);
}

/* ---- handles freed twice --------------------------------------------- */

static lr_db *misuse_db;

/* Run fn in a child process with stderr in a file; its wait status, and
** the file's text in *msg. */
static int in_child(void (*fn)(void), char *msg, size_t n) {
  const char *errpath = t_path("child.err");
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(errpath, "w", stderr)) _exit(3);
    fn();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  msg[0] = '\0';
  FILE *f = fopen(errpath, "r");
  if (f) {
    size_t got = fread(msg, 1, n - 1, f);
    msg[got] = '\0';
    fclose(f);
  }
  return status;
}

static void free_policy_twice(void) {
  lr_policy *p = NULL;
  lr_policy_load_string(misuse_db, "p", POLICY, strlen(POLICY), NULL, &p);
  lr_policy_free(p);
  lr_policy_free(p);
}

static void close_session_twice(void) {
  lr_session *s = NULL;
  lr_session_open(misuse_db, &s);
  lr_session_close(s);
  lr_session_close(s);
}

/* Memory that was never a handle: zeroes, where the magic field is. */
static void *fake_handle(void) {
  static long long zeroes[512];
  return zeroes;
}

static void free_fake_policy(void) { lr_policy_free(fake_handle()); }
static void close_fake_session(void) { lr_session_close(fake_handle()); }

/* A debugging aid, not a promise: a magic field cleared on free catches a
** second free while the memory is not reused.  The fake handles test the
** check itself; the real double frees read freed memory, which
** AddressSanitizer reports first (that report is the check there). */
static void test_double_free(void) {
  lr_db *db = NULL;
  CHECK_INT(lr_open(fresh_db("misuse.db", 3), &db), LR_OK);
  misuse_db = db;
  char msg[2048];
  int st = in_child(free_fake_policy, msg, sizeof msg);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
  CHECK_STR(msg, "leadrules: lr_policy_free: not a live policy (freed twice, "
                 "or not made by leadrules); aborting\n");
  st = in_child(close_fake_session, msg, sizeof msg);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
  CHECK_STR(msg, "leadrules: lr_session_close: not a live session (freed "
                 "twice, or not made by leadrules); aborting\n");
  /* Functions that return a code refuse a dead handle. */
  lr_run_result res;
  CHECK_INT(lr_run(fake_handle(), NULL, &res), LR_MISUSE);
  CHECK_INT(lr_check(fake_handle(), NULL, NULL, NULL, NULL), LR_MISUSE);
  CHECK(lr_policy_hash(fake_handle()) == NULL);
  CHECK(lr_policy_lua(fake_handle()) == NULL);
  CHECK_INT(lr_session_eval(fake_handle(), "1", NULL, NULL), LR_MISUSE);
  int asan = 0;
#if defined(__SANITIZE_ADDRESS__)
  asan = 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  asan = 1;
#endif
#endif
  st = in_child(free_policy_twice, msg, sizeof msg);
  if (asan) {
    CHECK(!WIFEXITED(st) || WEXITSTATUS(st) != 0);
    CHECK_CONTAINS(msg, "AddressSanitizer: heap-use-after-free");
  } else {
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    CHECK_CONTAINS(msg, "lr_policy_free: not a live policy (freed twice");
  }
  st = in_child(close_session_twice, msg, sizeof msg);
  if (asan) {
    CHECK_CONTAINS(msg, "AddressSanitizer: heap-use-after-free");
  } else {
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    CHECK_CONTAINS(msg, "lr_session_close: not a live session (freed twice");
  }
  CHECK_INT(lr_close(db), LR_OK);
}

int main(void) {
  t_tmpdir();
  test_version();
  test_errstr();
  test_open_errors();
  test_handle_basics();
  test_errmsg_lifetime();
  test_close_with_live_policy();
  test_policy_errors();
  test_opts_sizes();
  test_run_results();
  test_run_failures();
  test_cancel();
  test_policy_lua();
  test_setup_hook();
  test_log_hook();
  test_clock_bounds();
  test_utilities();
  test_double_free();
  return t_done();
}
