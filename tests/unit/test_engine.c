/*
** test_engine.c -- policies loaded and run against real SQLite files
** (or PostgreSQL databases: LR_TEST_DB=postgresql, t_pg.h):
** declarations, scoring, transitions, handoffs, errors, dry runs.
*/
#include <sqlite3.h>

#include "leadrules.h"
#include "t.h"
#include "tdb.h"

static lr_db *db;
#define dbpath tdb_path

/* A fresh database with a few contacts and activities. */
static void fresh(void) {
  if (db) lr_close(db);
  static int n;
  static char path[64];
  snprintf(path, sizeof path, "engine%d.db", n++);
  dbpath = t_db(path);
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  lr_close(db);
  sql("ALTER TABLE contacts ADD COLUMN visits;"
      "INSERT INTO fields(name,type,header) VALUES('visits','integer','Visits');"
      "INSERT INTO contacts(id,key,email,title,company_size,country,visits) VALUES"
      " (1,'ann@a.example','ann@a.example','VP Sales',5000,'US',12),"
      " (2,'bob@b.example','bob@b.example','Intern',10,'DE',0),"
      " (3,'cy@rival.example','cy@rival.example','Director',2000,'GB',3),"
      " (4,'dee@d.example','dee@d.example',NULL,NULL,NULL,NULL);"
      "INSERT INTO activities(contact_id,type,occurred_at,value,campaign) VALUES"
      " (1,'email_open',1000000-86400*2,NULL,'fall'),"
      " (1,'email_open',1000000-86400*40,NULL,NULL),"
      " (1,'demo_request',1000000-86400,NULL,NULL),"
      " (2,'email_open',1000000-3600,NULL,NULL),"
      " (2,'page_view',1000000+3600,NULL,NULL);");   /* future: ignored */
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
}

static int load(const char *src, lr_policy **p) {
  return lr_policy_load_string(db, "policy.lua", src, strlen(src), NULL, p);
}

static const char *BASIC =
  "stages { 'subscriber', 'lead', 'mql', 'sql' }\n"
  "stage 'nurture'\n"
  "segment 'enterprise' { where = 'company_size >= 1000' }\n"
  "rule 'senior' { points = 20, group = 'fit', when = function(lead)\n"
  "  return (lead.title or ''):find('VP') or (lead.title or ''):find('Director') end }\n"
  "rule 'enterprise' { points = 15, group = 'fit', segment = 'enterprise' }\n"
  "rule 'opens' { max = 5, group = 'engagement', score = function(lead)\n"
  "  return 2 * lead:count('email_open', { within = '30d' }) end }\n"
  "rule 'demo' { points = 50, group = 'engagement', when = function(lead)\n"
  "  return lead:did('demo_request', { within = '14d' }) end }\n"
  "rule 'rival' { points = -100, when = function(lead)\n"
  "  return lead.email:match('@rival%.example$') end }\n"
  "grade 'fit' { A = 30, B = 15, C = 0 }\n"
  "transition { from = 'subscriber', to = 'lead', when = function(l) return l.score > 0 end }\n"
  "transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 50 end }\n"
  "transition { from = 'mql', to = 'sql', when = function(l)\n"
  "  return l.score >= 80 and l:in_segment('enterprise') end }\n"
  "transition { from = { 'mql', 'sql' }, to = 'nurture', when = function(l) return l.score < 0 end }\n"
  "handoff { stage = 'sql', due = '2d', assign = round_robin { 'ana', 'ben' } }\n";

static void test_basic_run(void) {
  fresh();
  lr_policy *p;
  CHECK_INT(load(BASIC, &p), LR_OK);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = 1000000;
  o.jobs = 1;
  o.collect = 1;
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.evaluated, 4);
  /* ann: senior 20 + enterprise 15 + opens min(5, 2*1) + demo 50 = 87 */
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=1"), 87);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "sql");
  CHECK_STR(sql_text("SELECT grade FROM contacts WHERE id=1"), "A");
  CHECK_STR(sql_text("SELECT scores FROM contacts WHERE id=1"),
            "{\"fit\":35,\"engagement\":52}");
  CHECK_STR(sql_text("SELECT owner FROM contacts WHERE id=1"), "ana");
  CHECK_INT(sql_int("SELECT due_at FROM contacts WHERE id=1"), 1000000 + 2 * 86400);
  /* one run moved ann subscriber -> lead -> mql -> sql, each recorded */
  CHECK_INT(sql_int("SELECT count(*) FROM stage_history WHERE contact_id=1"), 4);
  CHECK_STR(sql_text("SELECT group_concat(to_stage, ',') FROM (SELECT to_stage "
                     "FROM stage_history WHERE contact_id=1 ORDER BY id)"),
            "subscriber,lead,mql,sql");
  CHECK_INT(sql_int("SELECT count(*) FROM score_parts WHERE contact_id=1"), 4);
  CHECK_INT(sql_int("SELECT points FROM score_parts WHERE contact_id=1 AND rule='demo'"), 50);
  /* bob: one open in window (2 points); the future page view is ignored */
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=2"), 2);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=2"), "lead");
  CHECK_STR(sql_text("SELECT grade FROM contacts WHERE id=2"), "C");
  /* cy: director 20 + enterprise 15 - 100 */
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=3"), -65);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=3"), "subscriber");
  CHECK_INT(sql_int("SELECT count(*) FROM segment_members WHERE segment='enterprise'"), 2);
  CHECK_INT(sql_int("SELECT count(*) FROM assignments"), 1);
  CHECK_INT(r.handoffs, 1);
  CHECK_INT(r.n_handoff_list, 1);
  if (r.n_handoff_list) CHECK_STR(r.handoff_list[0].owner, "ana");
  CHECK_INT(r.moves, 4 + 2 + 1 + 1);
  CHECK_INT(sql_int("SELECT count(*) FROM runs"), 1);
  CHECK_INT(sql_int("SELECT evaluated FROM runs"), 4);
  lr_run_result_free(&r);

  /* Same policy, same now: nothing to write but the run record. */
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.score_changes, 0);
  CHECK_INT(r.moves, 0);
  CHECK_INT(r.handoffs, 0);
  CHECK_INT(r.rows_written, 2);   /* the runs row: insert + finish */
  lr_run_result_free(&r);
  lr_policy_free(p);
}

static void test_dry_run_changes_nothing(void) {
  fresh();
  lr_close(db);
  db = NULL;
  unsigned long long before = t_pg() ? t_pg_digest(dbpath) : 0;
  char cmd[1200];
  if (!t_pg()) {
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null", dbpath);
    CHECK_INT(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "sha256sum < '%s' > '%s.before'", dbpath, dbpath);
    CHECK_INT(system(cmd), 0);
  }
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  lr_policy *p;
  CHECK_INT(load(BASIC, &p), LR_OK);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = 1000000;
  o.dry_run = 1;
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.score_changes, 3);
  CHECK_INT(r.handoffs, 1);
  CHECK_INT(r.run_id, 0);
  lr_run_result_free(&r);
  lr_policy_free(p);
  lr_close(db);
  db = NULL;
  if (t_pg()) {                 /* every table's rows, as they were */
    CHECK(t_pg_digest(dbpath) == before);
    return;
  }
  snprintf(cmd, sizeof cmd, "sha256sum < '%s' | cmp -s - '%s.before'", dbpath, dbpath);
  CHECK_INT(system(cmd), 0);
}

static void expect_load_error(const char *src, int code, const char *msg) {
  lr_policy *p = (lr_policy *)1;
  int rc = load(src, &p);
  CHECK_INT(rc, code);
  CHECK(p == NULL);
  CHECK_CONTAINS(lr_errmsg(db), msg);
  lr_policy_free(p);
}

static void test_load_errors(void) {
  fresh();
  expect_load_error("stages { 'a', 'b' }\nrule 'x' { points = 1, wen = function() end }\n",
                    LR_POLICY, "policy.lua:2: rule 'x': unknown option 'wen'");
  expect_load_error("stages { 'a', 'b' }\ntransition { from = 'a', to = 'c', when = function() end }\n",
                    LR_POLICY, "policy.lua:2: transition: unknown stage 'c'");
  expect_load_error("stages { 'a' }\nrule 'x' { points = 1, when = function() return true end }\n"
                    "rule 'x' { points = 2, when = function() return true end }\n",
                    LR_POLICY, "policy.lua:3: rule 'x' is declared twice");
  expect_load_error("stages { 'a' }\nrule 'x' { description = 'nothing' }\n",
                    LR_POLICY, "policy.lua:2: rule 'x' needs 'points'");
  expect_load_error("rule 'x' { points = 1, when = function() return true end }\n",
                    LR_POLICY, "declares no funnel");
  expect_load_error("stages { 'a' }\nlocal x = undefined_thing + 1\n",
                    LR_POLICY, "policy.lua:2:");
  expect_load_error("stages { 'a' }\nhandoff { stage = 'a', assign = 'x', due = '2 days' }\n",
                    LR_POLICY, "policy.lua:2: handoff: bad 'due' duration");
  expect_load_error("stages { 'a' }\nstage 'a'\n", LR_POLICY,
                    "policy.lua:2: stage 'a' is declared twice");
}

static void expect_run_error(const char *src, const char *msg) {
  lr_policy *p;
  CHECK_INT(load(src, &p), LR_OK);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = 1000000;
  o.jobs = 1;
  int rc = lr_run(p, &o, NULL);
  CHECK(rc == LR_POLICY || rc == LR_LIMIT);
  CHECK_CONTAINS(lr_errmsg(db), msg);
  CHECK_INT(sql_int("SELECT count(*) FROM runs"), 0);
  CHECK_INT(sql_int("SELECT count(*) FROM stage_history"), 0);
  lr_policy_free(p);
}

static void test_run_errors(void) {
  fresh();
  expect_run_error("stages { 'a' }\nrule 'x' { points = 1, when = function(lead)\n"
                   "  return lead.scroe > 1 end }\n",
                   "policy.lua:3: contact ann@a.example: unknown field 'lead.scroe'");
  expect_run_error("stages { 'a' }\nrule 'x' { score = function(lead)\n"
                   "  return 0/0 end }\n",
                   "policy.lua:2: contact ann@a.example: rule 'x' returned nan");
  expect_run_error("stages { 'a' }\nrule 'x' { score = function(lead)\n"
                   "  return 'ten' end }\n",
                   "rule 'x' returned string");
  expect_run_error("stages { 'a' }\nrule 'x' { score = function(lead) return 1 end }\n"
                   "transition { from = 'a', to = 'a', when = function(l) return l.stage > 'b' end }\n",
                   "unknown stage 'b'");
  /* keep-going records the error and goes on */
  lr_policy *p;
  CHECK_INT(load("stages { 'a' }\nrule 'x' { score = function(lead)\n"
                 "  return #lead.title end }\n", &p), LR_OK);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = 1000000;
  o.keep_going = 1;
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.errors, 1);
  CHECK_INT(r.evaluated, 4);
  CHECK_INT(sql_int("SELECT count(*) FROM run_errors"), 1);
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=1"), 8);
  if (r.n_error_list) CHECK_CONTAINS(r.error_list[0], "contact dee@d.example");
  lr_run_result_free(&r);
  lr_policy_free(p);
}

static void test_round_robin_weights(void) {
  fresh();
  lr_close(db);
  /* 10,000 leads that all qualify */
  sql("WITH RECURSIVE n(i) AS (SELECT 100 UNION ALL SELECT i+1 FROM n WHERE i < 10099)"
      " INSERT INTO contacts(id, key) SELECT i, 'c' || i || '@x.example' FROM n;");
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  lr_policy *p;
  CHECK_INT(load("stages { 'lead', 'sql' }\n"
                 "rule 'all' { points = 1, when = function() return true end }\n"
                 "transition { from = 'lead', to = 'sql', when = function() return true end }\n"
                 "handoff { stage = 'sql', assign = round_robin { 'ana', { 'ben', weight = 2 },"
                 " 'cy', away = { 'cy' } } }\n", &p), LR_OK);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = 1000000;
  o.jobs = 2;
  CHECK_INT(lr_run(p, &o, NULL), LR_OK);
  long long ana = sql_int("SELECT count(*) FROM assignments WHERE owner='ana'");
  long long ben = sql_int("SELECT count(*) FROM assignments WHERE owner='ben'");
  CHECK_INT(ana + ben, 10004);
  CHECK(ben - 2 * ana >= -2 && ben - 2 * ana <= 2);
  CHECK_INT(sql_int("SELECT count(*) FROM assignments WHERE owner='cy'"), 0);
  CHECK_INT(sql_int("SELECT total FROM routing_state WHERE owner='ben'"), ben);
  lr_policy_free(p);
}

/* Dump what a run writes (not the run's own timing) to a file. */
static void dump(const char *db_file, const char *out) {
  static const char q[] = "SELECT * FROM contacts ORDER BY id;"
    " SELECT contact_id, from_stage, to_stage, at, reason, transition FROM"
    " stage_history ORDER BY id; SELECT * FROM score_parts ORDER BY 1, 2;"
    " SELECT * FROM segment_members ORDER BY 2, 1; SELECT contact_id, owner,"
    " stage, at, due FROM assignments ORDER BY id; SELECT * FROM routing_state;"
    " SELECT evaluated, score_changes, moves, handoffs FROM runs";
  if (t_pg()) {
    t_pg_dump(db_file, q, out);
    return;
  }
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"%s\" > '%s'", db_file, q, out);
  CHECK_INT(system(cmd), 0);
}

/* --jobs N gives byte-identical results to --jobs 1. */
static void test_jobs_identical(void) {
  fresh();
  lr_close(db);
  db = NULL;
  /* 30,000 contacts (15 chunks); on PostgreSQL 10,000 (5 chunks, for
  ** jobs 3 as many), which keep its suite's time modest */
  long long nc = t_pg() ? 10000 : 30000, na = nc * 5;
  char fill[1400];
  snprintf(fill, sizeof fill,
      "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i+1 FROM n WHERE i < %lld)"
      " INSERT INTO contacts(id, key, email, title, company_size, country)"
      " SELECT i, 'c' || i || '@x.example', 'c' || i || '@x.example',"
      " CASE i %% 5 WHEN 0 THEN 'VP Sales' WHEN 1 THEN 'Director' ELSE 'Analyst' END,"
      " (i * 37) %% 4000, CASE i %% 3 WHEN 0 THEN 'US' ELSE 'DE' END FROM n;"
      /* bigint: i * 104729 passes 2^31 (PostgreSQL's int is 32-bit) */
      "WITH RECURSIVE n(i) AS (SELECT CAST(1 AS bigint) UNION ALL SELECT i+1"
      " FROM n WHERE i < %lld)"
      " INSERT INTO activities(contact_id, type, occurred_at)"
      " SELECT (i * 7919) %% %lld + 10, CASE i %% 3 WHEN 0 THEN 'email_open'"
      " WHEN 1 THEN 'demo_request' ELSE 'page_view' END, 1000000 - (i * 104729) %% 5000000 FROM n;"
      "PRAGMA wal_checkpoint(TRUNCATE);", nc, na, nc - 9);
  sql(fill);
  char a[1100], b[1100], cmd[2400];
  snprintf(a, sizeof a, "%s", tdb_path);
  snprintf(b, sizeof b, "%s.copy", tdb_path);
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", a, b);
  if (t_pg())
    snprintf(b, sizeof b, "%s", t_pg_copy(a, "jobs_copy"));
  else
    CHECK_INT(system(cmd), 0);
  const char *files[2] = {a, b};
  int jobs[2] = {1, 3};
  for (int k = 0; k < 2; k++) {
    CHECK_INT(lr_open(files[k], &db), LR_OK);
    lr_policy *p;
    CHECK_INT(load(BASIC, &p), LR_OK);
    lr_run_opts o = LR_RUN_OPTS_INIT;
    o.now = 1000000;
    o.jobs = jobs[k];
    CHECK_INT(lr_run(p, &o, NULL), LR_OK);
    lr_policy_free(p);
    lr_close(db);
    db = NULL;
  }
  char da[1200], dbb[1200], cmd2[2600];
  snprintf(da, sizeof da, "%s", t_path("jobs1.dump"));
  snprintf(dbb, sizeof dbb, "%s", t_path("jobs3.dump"));
  dump(a, da);
  dump(b, dbb);
  snprintf(cmd2, sizeof cmd2, "cmp '%s' '%s'", da, dbb);
  CHECK_INT(system(cmd2), 0);
  CHECK(sql_int("SELECT count(*) FROM assignments") > 100);
  CHECK_INT(lr_open(a, &db), LR_OK);
}

/* The boundaries of activity windows and of `min`, each on a fixture that
** fails if the boundary moves: an activity exactly at now - 30d counts for
** within = "30d" and one a second earlier does not; `since` is inclusive
** too; `within` and `since` together intersect, whichever is later wins;
** `min` and `max` clamp a score rule's result and leave values between
** them alone. */
static const char *EDGES =
  "stages { 'lead' }\n"
  "rule 'w30' { group = 'w30', score = function(l)\n"
  "  return l:count('email_open', { within = '30d' }) end }\n"
  "rule 'did30' { group = 'did30', points = 1, when = function(l)\n"
  "  return l:did('email_open', { within = '30d' }) end }\n"
  "rule 'since10' { group = 'since10', score = function(l)\n"
  "  return l:count('page_view', { since = now - 10 * 86400 }) end }\n"
  "rule 'since10b' { group = 'since10b', score = function(l)\n"
  "  return l:count('page_view', { since = now - 10 * 86400 + 1 }) end }\n"
  "rule 'both_late' { group = 'both_late', score = function(l)\n"
  "  return l:count('page_view', { within = '15d', since = now - 5 * 86400 }) end }\n"
  "rule 'both_early' { group = 'both_early', score = function(l)\n"
  "  return l:count('page_view', { since = now - 25 * 86400, within = '15d' }) end }\n"
  "rule 'clamp' { group = 'clamp', min = -5, max = 10, score = function(l)\n"
  "  return l.visits end }\n"
  "rule 'floor' { group = 'floor', min = 2, score = function(l)\n"
  "  return l.visits end }\n";

static void test_window_and_clamp_edges(void) {
  fresh();
  lr_close(db);
  const long long N = 100000000, D = 86400;
  char q[2048];
  snprintf(q, sizeof q,
           "UPDATE contacts SET visits = CASE id WHEN 1 THEN -9 WHEN 2 THEN -3"
           " WHEN 3 THEN 12 ELSE 2 END;"
           "DELETE FROM activities;"
           "INSERT INTO activities(contact_id,type,occurred_at) VALUES"
           " (1,'email_open',%lld),"            /* exactly now - 30d: in */
           " (2,'email_open',%lld),"            /* a second earlier: out */
           " (3,'page_view',%lld), (3,'page_view',%lld), (3,'page_view',%lld);",
           N - 30 * D, N - 30 * D - 1, N - 20 * D, N - 10 * D, N - 2 * D);
  sql(q);
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  lr_policy *p;
  CHECK_INT(load(EDGES, &p), LR_OK);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = N;
  o.jobs = 1;
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  lr_run_result_free(&r);
  lr_policy_free(p);
#define G(id, g) sql_int("SELECT coalesce(json_extract(scores, '$." g "'), '0')" \
                         " FROM contacts WHERE id = " #id)
  CHECK_INT(G(1, "w30"), 1);           /* at now - 30d exactly */
  CHECK_INT(G(1, "did30"), 1);
  CHECK_INT(G(2, "w30"), 0);           /* one second before it */
  CHECK_INT(G(2, "did30"), 0);
  CHECK_INT(G(3, "since10"), 2);       /* since is inclusive: now-10d, now-2d */
  CHECK_INT(G(3, "since10b"), 1);
  CHECK_INT(G(3, "both_late"), 1);     /* [now-5d, now]: since is later */
  CHECK_INT(G(3, "both_early"), 2);    /* [now-15d, now]: within is later */
  CHECK_INT(G(1, "clamp"), -5);        /* -9 held at min */
  CHECK_INT(G(2, "clamp"), -3);        /* between: as returned */
  CHECK_INT(G(3, "clamp"), 10);        /* 12 held at max */
  CHECK_INT(G(1, "floor"), 2);         /* min alone, no max */
  CHECK_INT(G(3, "floor"), 12);
#undef G
}

/* Stage names match in any case; a run stores the declared spelling of a
** stage the contact is already in without moving it: no history row, the
** SLA and stage_since as they were, not a stage change; a re-run writes
** nothing to the contacts. */
static void test_stage_spelling(void) {
  fresh();
  lr_close(db);
  sql("UPDATE contacts SET stage='SQL', stage_since=500, owner='ana',"
      " assigned_at=600, due_at=900000 WHERE id=1;"
      "UPDATE contacts SET stage='Mql', stage_since=700 WHERE id=2;"
      "UPDATE contacts SET stage='sql', stage_since=800, owner='ben',"
      " assigned_at=800 WHERE id=3;");
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  lr_policy *p;
  CHECK_INT(load("stages { 'lead', 'mql', 'sql' }\n"
                 "handoff { stage = 'sql', due = '2d', assign = round_robin { 'cy' } }\n",
                 &p), LR_OK);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = 1000000;
  o.jobs = 1;
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.stage_changes, 1);                 /* dee's first stage only */
  CHECK_INT(r.moves, 1);
  CHECK_INT(r.handoffs, 0);                      /* ann keeps her owner */
  /* runs row (insert, finish) 2 + ann, bob respelled 2 + dee's stage 1
  ** (with its stable_until: the run's clock, as a moved contact is
  ** evaluated again by the next run, docs/incremental.md), its history
  ** row 1 and its outbox row 1 */
  CHECK_INT(r.rows_written, 7);
  CHECK_INT(sql_int("SELECT stable_until FROM contacts WHERE id=4"), 1000000);
  lr_run_result_free(&r);
  CHECK_STR(sql_text("SELECT group_concat(stage, ',') FROM"
                     " (SELECT stage FROM contacts ORDER BY id)"),
            "sql,mql,sql,lead");
  CHECK_INT(sql_int("SELECT count(*) FROM stage_history"), 1);
  CHECK_INT(sql_int("SELECT count(*) FROM stage_history WHERE contact_id<4"), 0);
  CHECK_INT(sql_int("SELECT stage_since FROM contacts WHERE id=1"), 500);
  CHECK_INT(sql_int("SELECT due_at FROM contacts WHERE id=1"), 900000);
  CHECK_STR(sql_text("SELECT owner FROM contacts WHERE id=1"), "ana");
  CHECK_INT(sql_int("SELECT stage_since FROM contacts WHERE id=2"), 700);
  CHECK_INT(sql_int("SELECT updated_at FROM contacts WHERE id=1"), 1000000);
  /* a re-run: nothing to respell, no contact data written; dee's
  ** stable_until settles (NULL: no rule reads the clock) */
  o.now = 2000000;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.stage_changes, 0);
  CHECK_INT(r.rows_written, 3);                  /* its runs row, dee's */
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE stable_until IS NOT NULL"), 0);
  lr_run_result_free(&r);
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE updated_at=2000000"), 0);
  lr_policy_free(p);
}

int main(void) {
  t_tmpdir();
  test_basic_run();
  test_dry_run_changes_nothing();
  test_load_errors();
  test_run_errors();
  test_round_robin_weights();
  test_jobs_identical();
  test_window_and_clamp_edges();
  test_stage_spelling();
  lr_close(db);
  return t_done();
}
