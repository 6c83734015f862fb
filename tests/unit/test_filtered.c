/*
** test_filtered.c -- a filtered run (lr_run_opts.ids) goes through the
** same path as a full run: after new activity for some contacts, a run
** over a superset of them leaves every table as a full run does (routing
** order, history, assignments, SQL segments), on one thread or two, but
** for the stable_until of contacts outside the set.  With
** LR_TEST_DB=postgresql on PostgreSQL databases (t_pg.h).
*/
#include <sqlite3.h>

#include "leadrules.h"
#include "t.h"
#include "t_db.h"

#define T0 2000000000LL
#define N 1500                        /* three chunks of a filtered run */

static const char *POLICY =
  "stages { 'subscriber', 'lead', 'mql', 'sql' }\n"
  "segment 'big' { where = 'company_size >= 7000' }\n"
  "rule 'vp' { points = 20, when = function(l) return l.title == 'VP Sales' end }\n"
  "rule 'big' { points = 15, segment = 'big' }\n"
  "rule 'opens' { max = 10, score = function(l)\n"
  "  return 2 * l:count('email_open', { within = '30d' }) end }\n"
  "rule 'demo' { points = 50, when = function(l)\n"
  "  return l:did('demo_request', { within = '14d' }) end }\n"
  "transition { from = 'subscriber', to = 'lead', when = function(l) return l.score > 0 end }\n"
  "transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 50 end }\n"
  "transition { from = 'mql', to = 'sql', when = function(l) return l.score >= 65 end }\n"
  "handoff { stage = 'sql', due = '2d', assign = round_robin { 'ana', 'ben', 'cy' } }\n";

static const char *TABLES[] = {
  "contacts", "score_parts", "segment_members", "stage_history",
  "assignments", "routing_state", "audit", "run_errors", "activities",
};

/* Rows in one database's table and not in the other's, both ways. */
static long long table_diff(const char *a, const char *b, const char *t) {
  if (t_is_uri(a)) {   /* and the run's state beside contacts */
    long long n = t_pg_diff(a, b, t);
    if (strcmp(t, "contacts") == 0) n += t_pg_diff(a, b, "contact_state");
    return n;
  }
  sqlite3 *s;
  sqlite3_stmt *st;
  char q[1024];
  long long n = -1;
  sqlite3_open(a, &s);
  snprintf(q, sizeof q, "ATTACH '%s' AS b", b);
  sqlite3_exec(s, q, 0, 0, NULL);
  snprintf(q, sizeof q, "SELECT (SELECT count(*) FROM (SELECT * FROM main.%s "
           "EXCEPT SELECT * FROM b.%s)) + (SELECT count(*) FROM (SELECT * "
           "FROM b.%s EXCEPT SELECT * FROM main.%s))", t, t, t, t);
  if (sqlite3_prepare_v2(s, q, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  else
    fprintf(stderr, "%s: %s\n", q, sqlite3_errmsg(s));
  sqlite3_finalize(st);
  sqlite3_close(s);
  return n;
}

static void same_tables(const char *a, const char *b) {
  for (size_t i = 0; i < sizeof TABLES / sizeof *TABLES; i++) {
    long long d = table_diff(a, b, TABLES[i]);
    if (d) fprintf(stderr, "table %s differs in %lld rows\n", TABLES[i], d);
    CHECK_INT(d, 0);
  }
}

static int run_at(const char *path, long long now, const long long *ids,
                  long long n, int jobs, lr_run_result *r) {
  lr_db *db;
  lr_policy *p;
  CHECK_INT(lr_open(path, &db), LR_OK);
  CHECK_INT(lr_policy_load_string(db, "policy.lua", POLICY, strlen(POLICY),
                                  NULL, &p), LR_OK);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = now;
  o.jobs = jobs;
  o.ids = ids;
  o.n_ids = n;
  int rc = lr_run(p, &o, r);
  if (rc != LR_OK) fprintf(stderr, "lr_run: %s\n", lr_errmsg(db));
  lr_policy_free(p);
  lr_close(db);
  return rc;
}

/* N contacts, opens of the last five days for some of them. */
static void make(const char *path) {
  lr_db *db;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_close(db);
  t_add_contacts(path, N);
  char q[512];
  snprintf(q, sizeof q, "INSERT INTO activities(contact_id,type,occurred_at) "
           "SELECT id, 'email_open', %lld - (id %% 5) * 86400 FROM contacts "
           "WHERE id %% 4 <> 0", T0);
  t_sql(path, q);
}

/* A demo request for every 7th contact, an hour before now. */
static void new_activity(const char *path, long long now) {
  char q[512];
  snprintf(q, sizeof q, "INSERT INTO activities(contact_id,type,occurred_at) "
           "SELECT id, 'demo_request', %lld FROM contacts WHERE id %% 7 = 3",
           now - 3600);
  t_sql(path, q);
}

static void test_equals_full_run(int jobs) {
  const char *a = t_db_fresh(jobs == 1 ? "full1.db" : "full2.db");
  const char *b = t_db_fresh(jobs == 1 ? "filtered1.db" : "filtered2.db");
  char q[1400];
  make(a);
  lr_run_result r;
  CHECK_INT(run_at(a, T0, NULL, 0, jobs, &r), LR_OK);
  lr_run_result_free(&r);
  snprintf(q, sizeof q, "VACUUM INTO '%s'", b);
  remove(b);
  if (t_pg())
    b = t_pg_copy(a, jobs == 1 ? "filtered1.db" : "filtered2.db");
  else
    t_sql(a, q);
  long long now = T0 + 3600;
  new_activity(a, now);
  new_activity(b, now);
  CHECK_INT(run_at(a, now, NULL, 0, jobs, &r), LR_OK);
  CHECK(r.handoffs > 3);              /* round robin goes round */
  long long full_moves = r.moves, full_handoffs = r.handoffs;
  lr_run_result_free(&r);
  /* the touched contacts and every 11th, plus ids of no contact */
  static long long ids[N + 2];
  long long n = 0;
  for (long long id = 1; id <= N + 2; id++)
    if (id % 7 == 3 || id % 11 == 0 || id > N) ids[n++] = id;
  CHECK_INT(run_at(b, now, ids, n, jobs, &r), LR_OK);
  CHECK_INT(r.evaluated, n - 2);
  CHECK_INT(r.moves, full_moves);
  CHECK_INT(r.handoffs, full_handoffs);
  lr_run_result_free(&r);
  /* A contact outside the set keeps its stable_until (the full run may
  ** record a later one: docs/incremental.md); all else is the same. */
  CHECK(table_diff(a, b, "contacts") > 0);
  const char *unset = "UPDATE contacts SET stable_until = NULL WHERE NOT "
                      "(id % 7 = 3 OR id % 11 = 0)";
  t_sql(a, unset);
  t_sql(b, unset);
  same_tables(a, b);
  CHECK_INT(t_sql_int(b, "SELECT evaluated FROM runs WHERE id = 2"), n - 2);
}

static void test_bad_sets(void) {
  const char *a = t_db_fresh("bad.db");
  make(a);
  lr_run_result r;
  long long unsorted[] = { 5, 3 }, dup[] = { 3, 3 }, neg[] = { -1 };
  CHECK_INT(run_at(a, T0, unsorted, 2, 1, &r), LR_MISUSE);
  CHECK_INT(run_at(a, T0, dup, 2, 1, &r), LR_MISUSE);
  CHECK_INT(run_at(a, T0, neg, 1, 1, &r), LR_MISUSE);
  CHECK_INT(t_sql_int(a, "SELECT count(*) FROM runs"), 0);
  /* an empty set evaluates nobody and still records the run */
  CHECK_INT(run_at(a, T0, unsorted, 0, 1, &r), LR_OK);
  CHECK_INT(r.evaluated, 0);
  lr_run_result_free(&r);
  CHECK_INT(t_sql_int(a, "SELECT count(*) FROM contacts WHERE stage IS NOT NULL"), 0);
  /* one contact: only it is scored */
  long long one[] = { 702 };
  CHECK_INT(run_at(a, T0, one, 1, 1, &r), LR_OK);
  CHECK_INT(r.evaluated, 1);
  lr_run_result_free(&r);
  CHECK_INT(t_sql_int(a, "SELECT count(*) FROM contacts WHERE stage IS NOT NULL"), 1);
  CHECK_INT(t_sql_int(a, "SELECT score FROM contacts WHERE id = 702"), 20 + 15 + 2);
}

int main(void) {
  t_tmpdir();
  test_equals_full_run(1);
  test_equals_full_run(2);
  test_bad_sets();
  return t_done();
}
