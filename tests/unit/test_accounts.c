/*
** test_accounts.c -- accounts through the library: the run's account
** counts and lists, lr_export_accounts, lr_explain_account, and the
** real-time hook lrp_account_reeval, which must leave an account exactly
** as the account step of a full run does.  With LR_TEST_DB=postgresql
** on PostgreSQL databases (t_pg.h).
*/
#include <sqlite3.h>

#include "engine/account_run.h"
#include "leadrules.h"
#include "t.h"
#include "t_db.h"

#define T0 2000000000LL                 /* 2033-05-18 */

static const char *POLICY =
  "stages { 'lead', 'mql', 'sql' }\n"
  "rule 'vp' { group = 'fit', points = 30, when = function(l)\n"
  "  return (l.title or ''):find('VP') ~= nil end }\n"
  "rule 'demo' { group = 'intent', points = 40, when = function(l)\n"
  "  return l:did('demo_request', { within = '14d' }) end }\n"
  "transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 30 end }\n"
  "transition { from = 'mql', to = 'sql', when = function(l) return l.score >= 70 end }\n"
  "handoff { stage = 'sql', assign = account_owner { fallback = function(l)\n"
  "  return 'desk-' .. (l.country or 'xx') end } }\n"
  "account_stages { 'target', 'engaged', 'qualified' }\n"
  "account_rule 'people' { group = 'reach', score = function(a)\n"
  "  return a:sum('score') end }\n"
  "account_rule 'an sql' { points = 100, when = function(a)\n"
  "  return a:count { stage = 'sql' } > 0 end }\n"
  "account_rule 'best' { score = function(a) return a:max('intent') or 0 end }\n"
  "account_transition { from = 'target', to = 'engaged', when = function(a)\n"
  "  return a.score >= 30 end }\n"
  "account_transition { from = 'engaged', to = 'qualified', reason = 'an sql',\n"
  "  when = function(a) return a.score >= 140 end }\n"
  "account_handoff { stage = 'qualified', due = '1d',\n"
  "  assign = round_robin { 'ae1', 'ae2' } }\n";

static void make(const char *path) {
  const char *c = t_path("contacts.csv"), *a = t_path("accounts.csv");
  t_write(c, "email,title,country\n"
             "ana@acme.example,VP Sales,DE\nbo@acme.example,Engineer,US\n"
             "cy@globex.example,VP Ops,US\ndi@gmail.com,VP IT,FR\n");
  t_write(a, "Domain,Name\nacme.example,Acme\nglobex.example,Globex\n");
  remove(path);
  lr_db *db;
  CHECK_INT(lr_open(path, &db), LR_OK);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, c, NULL, NULL), LR_OK);
  lr_import_report rep;
  CHECK_INT(lr_import_csv(db, LR_ACCOUNTS, a, NULL, &rep), LR_OK);
  CHECK_INT(rep.inserted, 2);
  CHECK_STR(rep.key_field, "domain");
  lr_close(db);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM contacts WHERE "
                      "account_key IS NOT NULL"), 3);
}

static lr_policy *load(lr_db *db) {
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load_string(db, "policy.lua", POLICY, strlen(POLICY),
                                  NULL, &p), LR_OK);
  return p;
}

static void run_at(const char *path, long long now, lr_run_result *r) {
  lr_db *db;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p = load(db);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = now;
  o.collect = 1;
  int rc = lr_run(p, &o, r);
  if (rc != LR_OK) fprintf(stderr, "lr_run: %s\n", lr_errmsg(db));
  CHECK_INT(rc, LR_OK);
  lr_policy_free(p);
  lr_close(db);
}

static void demo(const char *path, const char *key, long long at) {
  char q[512];
  snprintf(q, sizeof q, "INSERT INTO activities(contact_id, type, occurred_at)"
           " SELECT id, 'demo_request', %lld FROM contacts WHERE key = '%s'",
           at, key);
  t_sql(path, q);
}

static void test_run_counts(const char *path) {
  lr_run_result r;
  run_at(path, T0, &r);
  long long sc, mv, ho;
  CHECK_INT(lr_run_accounts(&r, &sc, &mv, &ho), 2);
  CHECK_INT(sc, 2);
  CHECK_INT(mv, 4);                     /* two initial, two to engaged */
  CHECK_INT(ho, 0);
  CHECK_INT(lr_run_account_move_count(&r), 4);
  const lr_move *m = lr_run_account_move(&r, 1);
  CHECK_STR(m->key, "acme.example");
  CHECK_STR(m->to, "engaged");
  CHECK(lr_run_account_move(&r, 4) == NULL);
  CHECK_INT(lr_run_account_handoff_count(&r), 0);
  lr_run_result_free(&r);
  CHECK_STR(t_sql_text(path, "SELECT stage || ' ' || score FROM accounts "
                       "WHERE key = 'acme.example'"), "engaged 30.0");
}

static int collect(void *ctx, const char *s, size_t n) {
  strncat((char *)ctx, s, n);
  return 0;
}

static int count_members(void *ctx, const lr_explain_item *e) {
  if (e->kind == LR_EX_MEMBER) (*(int *)ctx)++;
  return 0;
}

static void test_export_explain(const char *path) {
  lr_db *db;
  CHECK_INT(lr_open(path, &db), LR_OK);
  static char out[4096];
  out[0] = '\0';
  lr_export_opts o = LR_EXPORT_OPTS_INIT;
  CHECK_INT(lr_export_accounts(db, &o, collect, out), LR_OK);
  CHECK_CONTAINS(out, "domain,Name,score,score_reach,grade,stage,owner,contacts\r\n");
  CHECK_CONTAINS(out, "acme.example,Acme,30,30,,engaged,,2\r\n");
  lr_policy *p = load(db);
  int members = 0;
  CHECK_INT(lr_explain_account(p, "acme.example", T0, count_members,
                               &members), LR_OK);
  CHECK_INT(members, 2);
  CHECK_INT(lr_explain_account(p, "nosuch.example", T0, count_members,
                               &members), LR_NOTFOUND);
  CHECK_CONTAINS(lr_errmsg(db), "no account with key 'nosuch.example'");
  lr_policy_free(p);
  lr_close(db);
}

static const char *TABLES[] = { "accounts", "account_history",
                                "account_parts", "account_assignments" };

static void same_accounts(const char *a, const char *b) {
  if (t_is_uri(a)) {
    for (size_t i = 0; i < sizeof TABLES / sizeof *TABLES; i++)
      CHECK_INT(t_pg_diff(a, b, TABLES[i]), 0);
    return;
  }
  sqlite3 *s;
  sqlite3_open(a, &s);
  char q[1024];
  snprintf(q, sizeof q, "ATTACH '%s' AS b", b);
  sqlite3_exec(s, q, 0, 0, NULL);
  for (size_t i = 0; i < sizeof TABLES / sizeof *TABLES; i++) {
    sqlite3_stmt *st;
    const char *t = TABLES[i];
    snprintf(q, sizeof q, "SELECT (SELECT count(*) FROM (SELECT * FROM "
             "main.%s EXCEPT SELECT * FROM b.%s)) + (SELECT count(*) FROM "
             "(SELECT * FROM b.%s EXCEPT SELECT * FROM main.%s))", t, t, t, t);
    long long d = -1;
    if (sqlite3_prepare_v2(s, q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      d = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (d) fprintf(stderr, "table %s differs in %lld rows\n", t, d);
    CHECK_INT(d, 0);
  }
  sqlite3_close(s);
}

/* An event: ana asks for a demo.  A full run, and the hook on a copy,
** leave the account alike (score, stage, history, parts, handoff). */
static void test_reeval(const char *a) {
  const char *b = t_path("reeval.db");
  char q[1200];
  remove(b);
  snprintf(q, sizeof q, "VACUUM INTO '%s'", b);
  if (t_pg())
    b = t_pg_copy(a, "reeval.db");
  else
    t_sql(a, q);
  long long now = T0 + 3600;
  demo(a, "ana@acme.example", now - 60);
  demo(b, "ana@acme.example", now - 60);
  lr_run_result r;
  run_at(a, now, &r);
  CHECK_INT(lr_run_account_handoff_count(&r), 1);
  CHECK_STR(lr_run_account_handoff(&r, 0)->owner, "ae1");
  lr_run_result_free(&r);
  /* ana went to the owner acme got in the same run */
  CHECK_STR(t_sql_text(a, "SELECT owner FROM contacts WHERE key = "
                       "'ana@acme.example'"), "ae1");
  lr_db *db;
  CHECK_INT(lr_open(b, &db), LR_OK);
  lr_policy *p = load(db);
  long long id = t_sql_int(b, "SELECT id FROM accounts WHERE key = 'acme.example'");
  CHECK_INT(lrp_account_reeval(p, id, now), LR_OK);
  CHECK_INT(lrp_account_reeval(p, 999, now), LR_NOTFOUND);
  lr_policy_free(p);
  lr_close(db);
  CHECK_STR(t_sql_text(b, "SELECT kind FROM runs WHERE id = 2"), "account");
  CHECK_STR(t_sql_text(b, "SELECT stage || ' ' || owner FROM accounts WHERE "
                       "key = 'acme.example'"), "qualified ae1");
  /* globex is another account: untouched by the hook; the full run
  ** re-evaluated it to the same state */
  same_accounts(a, b);
  /* the hook writes no contact */
  CHECK_INT(t_sql_int(b, "SELECT count(*) FROM contacts WHERE owner IS NOT NULL"), 0);
  /* its moves and handoff go to the outbox with its run, as the full
  ** run's account rows do (keyed by the account, no contact) */
  const char *rows = "SELECT group_concat(kind || ' ' || key || ' ' || "
                     "ifnull(contact_id, '-') || ' ' || json_remove(payload, "
                     "'$.run'), ';') FROM outbox WHERE kind LIKE 'account_%%' "
                     "AND run_id = %s";
  char qa[600], qb[600];
  snprintf(qa, sizeof qa, rows, "(SELECT max(id) FROM runs)");
  snprintf(qb, sizeof qb, rows, "2");
  const char *ra = t_sql_text(a, qa);
  CHECK_CONTAINS(ra, "account_handoff acme.example - ");
  CHECK_STR(t_sql_text(b, qb), ra);
}

int main(void) {
  t_tmpdir();
  const char *path = t_db("accounts.db");
  make(path);
  test_run_counts(path);
  test_export_explain(path);
  test_reeval(path);
  return t_done();
}
