/*
** test_api_io.c -- the contract of leadrules.h for the entry points of
** the import/export, info, check, test, session and analytics work: NULL handles and
** arguments, option structs of other sizes, NULL report and count
** arguments, write functions that stop, live sessions and lr_close.
** (test_api.c covers databases, policies and runs.)  With
** LR_TEST_DB=postgresql on PostgreSQL databases (t_pg.h).
*/
#include <stddef.h>

#include "leadrules.h"
#include "t_db.h"

static const char *CSV =
    "email,first_name,title,company_size\n"
    "ann@a.example,Ann,VP Sales,5000\n"
    "bob@b.example,Bob,Engineer,20\n";

static const char *POLICY =
    "stages { 'lead', 'mql' }\n"
    "rule 'vp' { points = 50, when = function(lead)\n"
    "  return (lead.title or ''):find('VP') ~= nil end }\n"
    "transition { from = 'lead', to = 'mql', when = function(lead)\n"
    "  return lead.score >= 50 end }\n";

typedef struct sink {
  char buf[65536];
  size_t n;
  int calls, stop_after;          /* stop_after > 0: fail that call */
} sink;

static int to_sink(void *ctx, const char *data, size_t n) {
  sink *s = ctx;
  s->calls++;
  if (s->stop_after && s->calls >= s->stop_after) return 1;
  size_t room = sizeof s->buf - 1 - s->n;
  if (n > room) n = room;
  memcpy(s->buf + s->n, data, n);
  s->n += n;
  s->buf[s->n] = '\0';
  return 0;
}

static lr_db *open_db(const char *name) {
  const char *path = t_db_fresh(name);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  return db;
}

/* ---- lr_import_csv ------------------------------------------------------ */

static int stop_rows(void *ctx, long long rows) {
  (void)rows;
  ++*(int *)ctx;
  return 1;
}

static void test_import(void) {
  lr_db *db = open_db("import.db");
  const char *csv = t_path("leads.csv");
  t_write(csv, CSV);
  lr_import_report rep;
  memset(&rep, 0x5a, sizeof rep);

  CHECK_INT(lr_import_csv(NULL, LR_CONTACTS, csv, NULL, NULL), LR_MISUSE);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, NULL, NULL, &rep), LR_MISUSE);
  CHECK_INT(rep.rows_read, 0);                 /* zeroed first */
  CHECK_INT(lr_import_csv(db, 42, csv, NULL, NULL), LR_MISUSE);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, t_path("missing.csv"), NULL, NULL),
            LR_NOTFOUND);
  CHECK_CONTAINS(lr_errmsg(db), "missing.csv");

  /* options: size 0, a newer caller's non-zero tail */
  lr_import_opts o;
  memset(&o, 0, sizeof o);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, &o, NULL), LR_MISUSE);
  struct { lr_import_opts o; int future; } big;
  memset(&big, 0, sizeof big);
  big.o.size = sizeof big;
  big.future = 1;
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, &big.o, NULL), LR_MISUSE);
  lr_db *check = NULL;
  CHECK_INT(lr_open(lr_db_path(db), &check), LR_OK);
  lr_close(check);
  CHECK_INT(t_sql_int(lr_db_path(db), "SELECT count(*) FROM contacts"), 0);

  /* a cancel flag already set, a progress callback that stops */
  volatile int flag = 1;
  o = (lr_import_opts)LR_IMPORT_OPTS_INIT;
  o.cancel = &flag;
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, &o, NULL), LR_INTERRUPT);
  CHECK_INT(t_sql_int(lr_db_path(db), "SELECT count(*) FROM contacts"), 0);
  const char *many = t_path("many.csv");
  FILE *f = fopen(many, "w");
  fputs("email\n", f);
  for (int i = 0; i < 20000; i++) fprintf(f, "p%d@m.example\n", i);
  fclose(f);
  int calls = 0;
  o = (lr_import_opts)LR_IMPORT_OPTS_INIT;
  o.progress = stop_rows;
  o.progress_ctx = &calls;
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, many, &o, NULL), LR_INTERRUPT);
  CHECK_INT(calls, 1);
  CHECK_INT(t_sql_int(lr_db_path(db), "SELECT count(*) FROM contacts"), 0);

  /* an older caller without the callbacks; report NULL */
  o = (lr_import_opts)LR_IMPORT_OPTS_INIT;
  o.cancel = &flag;                            /* beyond its size: unseen */
  o.size = offsetof(lr_import_opts, progress);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, &o, NULL), LR_OK);
  CHECK_INT(t_sql_int(lr_db_path(db), "SELECT count(*) FROM contacts"), 2);

  /* a bad row: rolled back, named by line and column */
  const char *bad = t_path("bad.csv");
  t_write(bad, "email,created_at\ncy@c.example,2024-01-01\n"
               "dee@d.example,not a date\n");
  int rc = lr_import_csv(db, LR_CONTACTS, bad, NULL, &rep);
  CHECK(rc == LR_INPUT || rc == LR_OK);        /* inference may take text */
  if (rc == LR_INPUT) {
    CHECK_CONTAINS(lr_errmsg(db), "bad.csv:3");
    CHECK_INT(t_sql_int(lr_db_path(db), "SELECT count(*) FROM contacts"), 2);
  }
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, NULL, &rep), LR_OK);
  CHECK_INT(rep.rows_read, 2);
  CHECK_INT(rep.inserted + rep.updated, 2);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- lr_close after a failed first import (PostgreSQL) ------------------ */

/* The one number sql answers on uri's database, through a connection of
** the test's own (another session than the library's). */
static long long pg_number(const char *uri, const char *sql) {
  PGresult *r = PQexec(t_pg_conn(uri), sql);
  long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r)
                    ? atoll(PQgetvalue(r, 0, 0)) : -1;
  if (v < 0) fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(r));
  PQclear(r);
  return v;
}

static void pg_run(const char *uri, const char *sql) {
  PGresult *r = PQexec(t_pg_conn(uri), sql);
  CHECK_INT(PQresultStatus(r), PGRES_COMMAND_OK);
  PQclear(r);
}

#define PG_OURS "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" \
                "  AND tablename IN ('meta', 'contacts', 'imports')"

/* A handle that made the schema drops it at lr_close when its import
** failed, unless something else was made in that schema, or on its
** tables, meanwhile (by another connection): then it leaves it all. */
static void test_close_unmake(void) {
  if (!t_pg()) {
    printf("skipped on SQLite: %s: the library leaves a new file to the "
           "caller (the CLI removes it)\n", __func__);
    return;
  }
  char bad[1200], good[1200];                  /* t_path's buffer is reused */
  snprintf(bad, sizeof bad, "%s", t_path("unmake_bad.csv"));
  snprintf(good, sizeof good, "%s", t_path("unmake_good.csv"));
  t_write(bad, "email,title\nann@a.example,x,y\n");   /* 3 cells, 2 named */
  t_write(good, CSV);
  static const struct { const char *make, *left; } other[] = {
    { NULL, NULL },                                    /* nothing: dropped */
    { "CREATE TABLE public.theirs(x int); INSERT INTO theirs VALUES (1)",
      "SELECT count(*) FROM public.theirs" },
    { "CREATE SEQUENCE public.theirs_seq",
      "SELECT count(*) FROM pg_class WHERE relname = 'theirs_seq'" },
    { "CREATE FUNCTION public.theirs() RETURNS int LANGUAGE sql AS "
      "'SELECT 1'", "SELECT public.theirs()" },
    /* in another schema, on leadrules' table: CASCADE would drop it */
    { "CREATE VIEW lr_compat.theirs AS SELECT id FROM public.contacts",
      "SELECT count(*) + 1 FROM lr_compat.theirs" },
    { "CREATE INDEX theirs_ix ON public.contacts(email)",
      "SELECT count(*) FROM pg_class WHERE relname = 'theirs_ix'" },
  };
  for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
    const char *uri = t_db_fresh("unmake.db");
    lr_db *db = NULL;
    CHECK_INT(lr_open(uri, &db), LR_OK);
    CHECK_INT(lr_import_csv(db, LR_CONTACTS, bad, NULL, NULL), LR_INPUT);
    if (other[i].make) pg_run(uri, other[i].make);
    CHECK_INT(lr_close(db), LR_OK);
    if (!other[i].make) {
      CHECK_INT(pg_number(uri, "SELECT count(*) FROM pg_tables WHERE "
                          "schemaname = 'public'"), 0);
      continue;
    }
    CHECK_INT(pg_number(uri, other[i].left), 1);     /* theirs survived */
    CHECK_INT(pg_number(uri, PG_OURS), 3);           /* and ours, whole */
    /* the next import fills the database as it is */
    CHECK_INT(lr_open(uri, &db), LR_OK);
    CHECK_INT(lr_import_csv(db, LR_CONTACTS, good, NULL, NULL), LR_OK);
    CHECK_INT(lr_close(db), LR_OK);
    CHECK_INT(pg_number(uri, "SELECT count(*) FROM public.contacts"), 2);
  }
  /* An import that failed before its transaction began (nothing rolled
  ** back): its schema goes all the same. */
  static const struct { const char *file, *encoding; int rejects, rc; }
  early[] = {
    { "unmake_missing.csv", NULL, 0, LR_NOTFOUND },
    { NULL, "NOPE", 0, LR_MISUSE },                 /* --encoding refused */
    { NULL, NULL, 1, LR_MISUSE },                   /* --rejects: the CSV */
  };
  for (size_t i = 0; i < sizeof early / sizeof *early; i++) {
    const char *uri = t_db_fresh("unmake.db");
    lr_db *db = NULL;
    lr_import_opts o = LR_IMPORT_OPTS_INIT;
    o.encoding = early[i].encoding;
    o.rejects = early[i].rejects ? good : NULL;
    CHECK_INT(lr_open(uri, &db), LR_OK);
    CHECK_INT(lr_import_csv(db, LR_CONTACTS, early[i].file ? t_path(early[i].file)
                            : good, &o, NULL), early[i].rc);
    CHECK_INT(lr_close(db), LR_OK);
    CHECK_INT(pg_number(uri, "SELECT count(*) FROM pg_tables WHERE "
                        "schemaname = 'public'"), 0);
  }
}

/* ---- lr_export, lr_info -------------------------------------------------- */

static void test_export_info(void) {
  lr_db *db = open_db("export.db");
  const char *csv = t_path("leads.csv");
  t_write(csv, CSV);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, NULL, NULL), LR_OK);
  sink *s = calloc(1, sizeof *s);

  CHECK_INT(lr_export(NULL, NULL, to_sink, s), LR_MISUSE);
  CHECK_INT(lr_export(db, NULL, NULL, NULL), LR_MISUSE);
  CHECK_INT(lr_export(db, NULL, to_sink, s), LR_OK);
  CHECK_CONTAINS(s->buf, "ann@a.example");
  lr_export_opts o;
  memset(&o, 0, sizeof o);
  o.json = 1;
  CHECK_INT(lr_export(db, &o, to_sink, s), LR_MISUSE);
  o = (lr_export_opts)LR_EXPORT_OPTS_INIT;
  o.fields = "email,no_such_field";
  CHECK_INT(lr_export(db, &o, to_sink, s), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "no_such_field");
  memset(s, 0, sizeof *s);
  s->stop_after = 1;
  CHECK_INT(lr_export(db, NULL, to_sink, s), LR_IO);
  /* an older caller: json is past its size */
  memset(s, 0, sizeof *s);
  o = (lr_export_opts)LR_EXPORT_OPTS_INIT;
  o.json = 1;
  o.size = offsetof(lr_export_opts, json);
  CHECK_INT(lr_export(db, &o, to_sink, s), LR_OK);
  CHECK(s->buf[0] != '[');

  memset(s, 0, sizeof *s);
  CHECK_INT(lr_info(NULL, LR_FMT_TEXT, to_sink, s), LR_MISUSE);
  CHECK_INT(lr_info(db, LR_FMT_TEXT, NULL, NULL), LR_MISUSE);
  CHECK_INT(lr_info(db, LR_FMT_TEXT, to_sink, s), LR_OK);
  CHECK_CONTAINS(s->buf, "contacts");
  memset(s, 0, sizeof *s);
  CHECK_INT(lr_info(db, LR_FMT_JSON, to_sink, s), LR_OK);
  CHECK(s->buf[0] == '{');
  free(s);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- lr_check, lr_check_v2 ---------------------------------------------- */

static void test_check(void) {
  lr_db *db = open_db("check.db");
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load_string(db, "policy.lua", POLICY, strlen(POLICY),
                                  NULL, &p), LR_OK);
  int errors = -1, warnings = -1;
  CHECK_INT(lr_check(NULL, NULL, NULL, &errors, &warnings), LR_MISUSE);
  CHECK_INT(errors, 0);
  CHECK_INT(warnings, 0);
  CHECK_INT(lr_check(p, NULL, NULL, NULL, NULL), LR_OK);   /* all NULL */
  sink *s = calloc(1, sizeof *s);
  CHECK_INT(lr_check(p, to_sink, s, &errors, &warnings), LR_OK);
  CHECK_CONTAINS(s->buf, "errors");
  lr_check_opts o;
  memset(&o, 0, sizeof o);
  CHECK_INT(lr_check_v2(p, &o, to_sink, s, &errors, &warnings), LR_MISUSE);
  o = (lr_check_opts)LR_CHECK_OPTS_INIT;
  o.sample = -1;
  CHECK_INT(lr_check_v2(p, &o, NULL, NULL, &errors, &warnings), LR_OK);
  CHECK_INT(errors, 0);
  free(s);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- lr_test -------------------------------------------------------------- */

static void test_test(void) {
  lr_db *db = open_db("test.db");
  t_write(t_path("p.lua"), POLICY);
  const char *tf = t_path("p_test.lua");
  t_write(tf, "local policy = load_policy('p.lua', { now = '2024-06-01' })\n"
              "test('a VP is an MQL', function()\n"
              "  expect(policy:evaluate { title = 'VP Sales' }.score).to_be(50)\n"
              "end)\n"
              "test('an engineer is not', function()\n"
              "  expect(policy:evaluate { title = 'Engineer' }.score).to_be(50)\n"
              "end)\n");
  int passed = -1, failed = -1;
  CHECK_INT(lr_test(db, NULL, NULL, NULL, NULL, &passed, &failed), LR_MISUSE);
  CHECK_INT(passed, 0);
  CHECK_INT(lr_test(NULL, NULL, NULL, NULL, NULL, NULL, NULL), LR_MISUSE);
  sink *s = calloc(1, sizeof *s);
  CHECK_INT(lr_test(db, tf, NULL, to_sink, s, &passed, &failed), LR_TESTFAIL);
  CHECK_INT(passed, 1);
  CHECK_INT(failed, 1);
  CHECK_CONTAINS(s->buf, "1 passed, 1 failed");
  CHECK_INT(lr_test(db, tf, NULL, NULL, NULL, NULL, NULL), LR_TESTFAIL);
  CHECK_INT(lr_test(NULL, tf, NULL, NULL, NULL, NULL, NULL), LR_TESTFAIL);
  lr_policy_opts po;
  memset(&po, 0, sizeof po);
  CHECK_INT(lr_test(db, tf, &po, NULL, NULL, NULL, NULL), LR_MISUSE);
  CHECK_INT(lr_test(db, t_path("none_test.lua"), NULL, NULL, NULL, NULL, NULL),
            LR_IO);
  free(s);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- sessions -------------------------------------------------------------- */

static void test_session(void) {
  lr_db *db = open_db("session.db");
  lr_session *se = (lr_session *)&se;
  CHECK_INT(lr_session_open(NULL, &se), LR_MISUSE);
  CHECK(se == NULL);
  CHECK_INT(lr_session_open(db, NULL), LR_MISUSE);
  CHECK_INT(lr_session_eval(NULL, "1", NULL, NULL), LR_MISUSE);
  lr_session_close(NULL);
  lr_session_set_cancel(NULL, NULL);

  CHECK_INT(lr_session_open(db, &se), LR_OK);
  CHECK_INT(lr_session_eval(se, NULL, NULL, NULL), LR_MISUSE);
  sink *s = calloc(1, sizeof *s);
  CHECK_INT(lr_session_eval(se, "x = 20", to_sink, s), LR_OK);
  CHECK_INT(lr_session_eval(se, "x + 22", to_sink, s), LR_OK);
  CHECK_CONTAINS(s->buf, "42");
  CHECK_INT(lr_session_eval(se, "for i = 1, 2 do", to_sink, s), LR_INPUT);
  CHECK_INT(lr_session_eval(se, "error('boom')", to_sink, s), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "boom");
  CHECK_INT(lr_session_eval(se, "print('quiet')", NULL, NULL), LR_OK);
  volatile int flag = 1;
  lr_session_set_cancel(se, &flag);
  CHECK_INT(lr_session_eval(se, "while true do end", NULL, NULL), LR_INTERRUPT);
  lr_session_set_cancel(se, NULL);

  /* a live session keeps the database open */
  CHECK_INT(lr_close(db), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "still open");
  lr_session_close(se);
  free(s);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- lr_backtest, lr_diff ------------------------------------------------ */

static void test_backtest_diff(void) {
  lr_db *db = open_db("analytics.db");
  const char *csv = t_path("outcomes.csv");
  t_write(csv, "email,title,converted\n"
               "a@x.example,VP Sales,yes\nb@x.example,Engineer,no\n"
               "c@x.example,VP Ops,yes\nd@x.example,Intern,no\n"
               "e@x.example,VP Data,no\nf@x.example,Clerk,yes\n");
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, NULL, NULL), LR_OK);
  lr_policy *p = NULL, *q = NULL;
  CHECK_INT(lr_policy_load_string(db, "p.lua", POLICY, strlen(POLICY), NULL,
                                  &p), LR_OK);
  const char *other = "stages { 'lead', 'mql' }\n";
  CHECK_INT(lr_policy_load_string(db, "q.lua", other, strlen(other), NULL,
                                  &q), LR_OK);
  sink *s = calloc(1, sizeof *s);

  lr_backtest_summary sum;
  memset(&sum, 0x5a, sizeof sum);
  CHECK_INT(lr_backtest(NULL, NULL, NULL, NULL, &sum), LR_MISUSE);
  CHECK_INT(sum.contacts, 0);                  /* zeroed first */
  lr_backtest_opts bo;
  memset(&bo, 0, sizeof bo);
  bo.outcome = "converted";
  CHECK_INT(lr_backtest(p, &bo, NULL, NULL, &sum), LR_MISUSE);
  bo = (lr_backtest_opts)LR_BACKTEST_OPTS_INIT;
  bo.outcome = "converted";
  bo.now = 1700000000;
  CHECK_INT(lr_backtest(p, &bo, NULL, NULL, &sum), LR_OK);   /* discarded */
  CHECK_INT(sum.contacts, 6);
  CHECK_INT(sum.positives, 3);
  CHECK_INT(lr_backtest(p, &bo, to_sink, s, NULL), LR_OK);
  CHECK(s->n > 0);
  bo.outcome = "no_such_column";
  CHECK(lr_backtest(p, &bo, NULL, NULL, NULL) != LR_OK);
  CHECK_CONTAINS(lr_errmsg(db), "no_such_column");

  CHECK_INT(lr_diff(NULL, q, NULL, NULL, NULL), LR_MISUSE);
  CHECK_INT(lr_diff(p, NULL, NULL, NULL, NULL), LR_MISUSE);
  lr_diff_opts dopt;
  memset(&dopt, 0, sizeof dopt);
  CHECK_INT(lr_diff(p, q, &dopt, NULL, NULL), LR_MISUSE);
  dopt = (lr_diff_opts)LR_DIFF_OPTS_INIT;
  dopt.now = 1700000000;
  CHECK_INT(lr_diff(p, q, &dopt, NULL, NULL), LR_OK);         /* discarded */
  memset(s, 0, sizeof *s);
  CHECK_INT(lr_diff(p, q, &dopt, to_sink, s), LR_OK);
  CHECK(s->n > 0);
  /* policies on two databases */
  lr_db *db2 = open_db("analytics2.db");
  lr_policy *r = NULL;
  CHECK_INT(lr_policy_load_string(db2, "r.lua", other, strlen(other), NULL,
                                  &r), LR_OK);
  CHECK_INT(lr_diff(p, r, NULL, NULL, NULL), LR_MISUSE);
  lr_policy_free(r);
  CHECK_INT(lr_close(db2), LR_OK);
  free(s);
  lr_policy_free(q);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- lr_fold_name ---------------------------------------------------------- */

static void test_fold(void) {
  char buf[64] = "unchanged";
  lr_fold_name("Total Time Spent", NULL, 10);      /* no crash */
  lr_fold_name("Total Time Spent", buf, 0);
  CHECK_STR(buf, "unchanged");
  lr_fold_name(NULL, buf, sizeof buf);
  CHECK_STR(buf, "");
  lr_fold_name("Total Time Spent on Website", buf, sizeof buf);
  CHECK_STR(buf, "total_time_spent_on_website");
  lr_fold_name("Total Time Spent", buf, 6);
  CHECK_INT(strlen(buf), 5);
}

int main(void) {
  t_tmpdir();
  test_import();
  test_close_unmake();
  test_export_info();
  test_check();
  test_test();
  test_session();
  test_backtest_diff();
  test_fold();
  return t_done();
}
