/*
** test_routing.c -- handoff routing over real database files: weighted
** round robin matching the weights exactly over 10,000 handoffs, owner
** list edits that keep counts, removed and away owners, daily capacity
** with overflow, and by_field territories.
*/
#include "tqdb.h"

#define NOW 1000000LL
#define DAY 86400LL

/* n new contacts with ids from `from`, no stage yet. */
static void add_contacts(int from, int n, const char *country) {
  char q[512];
  snprintf(q, sizeof q,
           "WITH RECURSIVE k(i) AS (SELECT %d UNION ALL SELECT i+1 FROM k "
           "WHERE i < %d) INSERT INTO contacts(id, key, country) "
           "SELECT i, 'c' || i || '@x.example', %s%s%s FROM k",
           from, from + n - 1, country ? "'" : "", country ? country : "NULL",
           country ? "'" : "");
  sql(q);
}

static const char *rr_policy(const char *owners) {
  static char buf[2048];
  snprintf(buf, sizeof buf,
           "stages { 'lead', 'sql' }\n"
           "rule 'all' { points = 1, when = function() return true end }\n"
           "transition { from = 'lead', to = 'sql', when = function() return true end }\n"
           "handoff { stage = 'sql', due = '1d', assign = round_robin { %s } }\n",
           owners);
  return buf;
}

static long long owned(const char *owner) {
  char q[256];
  snprintf(q, sizeof q, "SELECT count(*) FROM assignments WHERE owner='%s'", owner);
  return sql_int(q);
}

static void test_weights_exact(void) {
  fresh_db("routing", NULL);
  add_contacts(1, 10000, NULL);
  lr_policy *p = policy(rr_policy("'ana', { 'ben', weight = 2 }, { 'cy', weight = 2 }"));
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW;
  o.jobs = 4;                       /* routing is decided by the one writer */
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.handoffs, 10000);
  lr_run_result_free(&r);
  CHECK_INT(owned("ana"), 2000);
  CHECK_INT(owned("ben"), 4000);
  CHECK_INT(owned("cy"), 4000);
  /* smooth: after every handoff each owner is within one lead of its share */
  sqlite3 *s;
  sqlite3_stmt *st;
  sqlite3_open(dbpath, &s);
  sqlite3_prepare_v2(s, "SELECT owner FROM assignments ORDER BY contact_id",
                     -1, &st, NULL);
  long long k = 0, a = 0, b = 0, c = 0, worst = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *o2 = (const char *)sqlite3_column_text(st, 0);
    k++;
    if (o2[0] == 'a') a++;
    else if (o2[0] == 'b') b++;
    else c++;
    long long d[3] = {5 * a - k, 5 * b - 2 * k, 5 * c - 2 * k};
    for (int i = 0; i < 3; i++) {
      long long v = d[i] < 0 ? -d[i] : d[i];
      if (v > worst) worst = v;
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(s);
  CHECK(worst <= 5);                 /* |5*count - weight*k| <= 5: one lead */
  CHECK_INT(sql_int("SELECT total FROM routing_state WHERE router='sql' AND owner='ben'"),
            4000);
  /* the same data and clock route the same way (no randomness) */
  char first[128];
  snprintf(first, sizeof first, "%s",
           sql_text("SELECT group_concat(substr(owner, 1, 1), '') FROM (SELECT owner FROM "
                    "assignments ORDER BY contact_id LIMIT 40)"));
  CHECK_STR(first, "bcabcbcabcbcabcbcabcbcabcbcabcbcabcbcabc");
  lr_policy_free(p);
}

static void test_owner_list_edits(void) {
  fresh_db("routing", NULL);
  add_contacts(1, 1000, NULL);
  lr_policy *p = policy(rr_policy("'ana', 'ben'"));
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  lr_policy_free(p);
  CHECK_INT(owned("ana"), 500);
  CHECK_INT(owned("ben"), 500);
  /* cy joins: ana and ben keep their counts, cy starts level with them */
  add_contacts(1001, 900, NULL);
  p = policy(rr_policy("'ana', 'ben', 'cy'"));
  CHECK_INT(run_at(p, NOW + DAY, 0), LR_OK);
  lr_policy_free(p);
  CHECK_INT(owned("ana"), 800);
  CHECK_INT(owned("ben"), 800);
  CHECK_INT(owned("cy"), 300);
  CHECK_INT(sql_int("SELECT total FROM routing_state WHERE owner='cy'"), 800);
  /* ben leaves the list: he gets no new leads, his count is kept */
  add_contacts(1901, 600, NULL);
  p = policy(rr_policy("'ana', 'cy'"));
  CHECK_INT(run_at(p, NOW + 2 * DAY, 0), LR_OK);
  lr_policy_free(p);
  CHECK_INT(owned("ben"), 800);
  CHECK_INT(owned("ana"), 1100);
  CHECK_INT(owned("cy"), 600);
  CHECK_INT(sql_int("SELECT total FROM routing_state WHERE owner='ben'"), 800);
  /* ben comes back: level with the others, not flooded with 300 leads */
  add_contacts(2501, 300, NULL);
  p = policy(rr_policy("'ana', 'ben', 'cy'"));
  CHECK_INT(run_at(p, NOW + 3 * DAY, 0), LR_OK);
  lr_policy_free(p);
  CHECK_INT(owned("ana") + owned("ben") + owned("cy"), 2800);
  CHECK_INT(owned("ana"), 1200);
  CHECK_INT(owned("cy"), 700);
  CHECK_INT(owned("ben"), 900);
  /* an owner marked away gets nothing */
  add_contacts(2801, 90, NULL);
  p = policy(rr_policy("'ana', 'ben', 'cy', away = { 'ana' }"));
  CHECK_INT(run_at(p, NOW + 4 * DAY, 0), LR_OK);
  lr_policy_free(p);
  CHECK_INT(owned("ana"), 1200);
  CHECK_INT(owned("ben") + owned("cy"), 1690);
}

static void test_capacity_overflow(void) {
  fresh_db("routing", NULL);
  add_contacts(1, 10, NULL);
  /* ana takes 3 a day, ben 4 (router default), cy unlimited */
  lr_policy *p = policy(rr_policy("{ 'ana', capacity = 3 }, 'ben', "
                                  "{ 'cy', capacity = 100 }, capacity = 4"));
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_INT(owned("ana"), 3);
  CHECK_INT(owned("ben"), 4);
  CHECK_INT(owned("cy"), 3);
  CHECK_INT(sql_int("SELECT today FROM routing_state WHERE owner='ana'"), 3);
  /* same day: ana and ben are full, cy takes the overflow */
  add_contacts(11, 5, NULL);
  CHECK_INT(run_at(p, NOW + 3600, 0), LR_OK);
  CHECK_INT(owned("ana"), 3);
  CHECK_INT(owned("ben"), 4);
  CHECK_INT(owned("cy"), 8);
  /* next day: capacities reset */
  add_contacts(16, 6, NULL);
  CHECK_INT(run_at(p, NOW + DAY, 0), LR_OK);
  CHECK_INT(owned("ana"), 6);
  CHECK_INT(owned("ben"), 7);
  CHECK_INT(owned("cy"), 8);
  lr_policy_free(p);
  /* everyone full: the lead waits in its stage, unowned, for a later run */
  fresh_db("routing", NULL);
  add_contacts(1, 5, NULL);
  p = policy(rr_policy("'ana', 'ben', capacity = 2"));
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_INT(sql_int("SELECT count(*) FROM assignments"), 4);
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE stage='sql' AND owner IS NULL"), 1);
  CHECK_INT(run_at(p, NOW + 60, 0), LR_OK);
  CHECK_INT(sql_int("SELECT count(*) FROM assignments"), 4);
  CHECK_INT(run_at(p, NOW + DAY, 0), LR_OK);
  CHECK_INT(sql_int("SELECT count(*) FROM assignments"), 5);
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE owner IS NULL"), 0);
  lr_policy_free(p);
}

static void test_territories(void) {
  fresh_db("routing", NULL);
  add_contacts(1, 4, "DE");
  add_contacts(5, 2, "de");
  add_contacts(7, 6, "US");
  add_contacts(13, 3, NULL);
  add_contacts(16, 2, "FR");
  lr_policy *p = policy(
    "stages { 'lead', 'sql' }\n"
    "transition { from = 'lead', to = 'sql', when = function() return true end }\n"
    "handoff { stage = 'sql', assign = by_field('country', {\n"
    "  DE = 'dora',\n"
    "  FR = round_robin { 'fab', 'flo' },\n"
    "  ['*'] = round_robin { 'ana', { 'ben', weight = 2 } } }) }\n");
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_INT(owned("dora"), 6);         /* values match case-insensitively */
  CHECK_INT(owned("fab"), 1);
  CHECK_INT(owned("flo"), 1);
  CHECK_INT(owned("ana"), 3);          /* 9 others: 1:2 */
  CHECK_INT(owned("ben"), 6);
  /* each territory's round robin keeps its own counts */
  CHECK_INT(sql_int("SELECT count(*) FROM routing_state WHERE router='sql/country=FR'"), 2);
  CHECK_INT(sql_int("SELECT total FROM routing_state WHERE router='sql/country=*' "
                    "AND owner='ben'"), 6);
  lr_policy_free(p);
  /* no fallback: contacts outside the territories are not handed off */
  fresh_db("routing", NULL);
  add_contacts(1, 2, "DE");
  add_contacts(3, 2, "US");
  p = policy("stages { 'lead', 'sql' }\n"
             "transition { from = 'lead', to = 'sql', when = function() return true end }\n"
             "handoff { stage = 'sql', assign = by_field('country', { DE = 'dora' }) }\n");
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_INT(owned("dora"), 2);
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE owner IS NULL AND stage='sql'"), 2);
  lr_policy_free(p);
}

int main(void) {
  t_tmpdir();
  test_weights_exact();
  test_owner_list_edits();
  test_capacity_overflow();
  test_territories();
  lr_close(db);
  return t_done();
}
