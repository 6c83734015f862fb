/*
** test_objects.c -- the Lua-visible objects (lead, stage, segment) as a
** policy sees them, checked through score parts written to a real file.
*/
#include "leadrules.h"
#include "t.h"
#include "tdb.h"

static lr_db *db;
#define NOW "1000000"

static void setup(void) {
  tdb_path = t_db_fresh("objects.db");
  CHECK_INT(lr_open(tdb_path, &db), LR_OK);
  lr_close(db);
  sql("ALTER TABLE contacts ADD COLUMN revenue;"
      "INSERT INTO fields(name,type,header) VALUES('revenue','real','Revenue');"
      "INSERT INTO contacts(id,key,email,title,company_size,revenue,stage,owner,due_at) VALUES"
      " (1,'ann@a.example','ann@a.example','VP',5000,2.5,'mql','ana',999000),"
      " (2,'bob@b.example','bob@b.example',NULL,NULL,NULL,NULL,NULL,NULL);"
      "INSERT INTO activities(contact_id,type,occurred_at,value,campaign) VALUES"
      " (1,'email_open'," NOW "-86400*2,NULL,'fall'),"
      " (1,'email_open'," NOW "-86400*40,NULL,NULL),"
      " (1,'email_open'," NOW "-86400*10,NULL,'spring'),"
      " (1,'page_view'," NOW "-3600,3.5,NULL),"
      " (1,'page_view'," NOW "+3600,1,NULL);"
      "INSERT INTO outcomes(contact_id,result,amount,closed_at) VALUES"
      " (1,'lost',100," NOW "-500), (1,'won',2500," NOW "-100);");
  CHECK_INT(lr_open(tdb_path, &db), LR_OK);
}

/* Run a policy whose rules are score functions; return LR code. */
static int run(const char *src) {
  lr_policy *p;
  int rc = lr_policy_load_string(db, "policy.lua", src, strlen(src), NULL, &p);
  if (rc != LR_OK) return rc;
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = 1000000;
  o.jobs = 1;
  rc = lr_run(p, &o, NULL);
  lr_policy_free(p);
  return rc;
}

static double part(long long id, const char *rule) {
  char q[256];
  snprintf(q, sizeof q, "SELECT coalesce((SELECT points*1000 FROM score_parts "
           "WHERE contact_id=%lld AND rule='%s'),0)", id, rule);
  return sql_int(q) / 1000.0;
}

static void test_activity_queries(void) {
  CHECK_INT(run("stages { 'lead', 'mql' }\n"
    "rule 'all opens' { score = function(l) return l:count('email_open') end }\n"
    "rule 'recent opens' { score = function(l) return l:count('email_open', { within = '30d' }) end }\n"
    "rule 'fall opens' { score = function(l) return l:count('email_open', { campaign = 'fall' }) end }\n"
    "rule 'since' { score = function(l) return l:count('email_open', { since = " NOW " - 86400*11 }) end }\n"
    "rule 'any type' { score = function(l) return l:count('*') end }\n"
    "rule 'did view' { points = 7, when = function(l) return l:did('page_view', { within = '2h' }) end }\n"
    "rule 'last' { score = function(l) local t = l:last('email_open') return t and (" NOW " - t) / 86400 or -1 end }\n"
    "rule 'days' { score = function(l) local d = l:days_since('page_view') return d == math.huge and -1 or d * 24 end }\n"
    "rule 'values' { score = function(l) local s = 0 for _, a in ipairs(l:activities('page_view')) do s = s + (a.value or 0) end return s end }\n"
    "rule 'never' { score = function(l) return l:days_since('webinar') == math.huge and 1 or 0 end }\n"),
    LR_OK);
  CHECK_NEAR(part(1, "all opens"), 3, 1e-9);
  CHECK_NEAR(part(1, "recent opens"), 2, 1e-9);
  CHECK_NEAR(part(1, "fall opens"), 1, 1e-9);
  CHECK_NEAR(part(1, "since"), 2, 1e-9);
  CHECK_NEAR(part(1, "any type"), 4, 1e-9);     /* the future view is ignored */
  CHECK_NEAR(part(1, "did view"), 7, 1e-9);
  CHECK_NEAR(part(1, "last"), 2, 1e-9);
  CHECK_NEAR(part(1, "days"), 1, 1e-9);
  CHECK_NEAR(part(1, "values"), 3.5, 1e-9);
  CHECK_NEAR(part(1, "never"), 1, 1e-9);
  CHECK_NEAR(part(2, "all opens"), 0, 1e-9);
  CHECK_NEAR(part(2, "last"), -1, 1e-9);
}

static void test_fields_and_outcome(void) {
  CHECK_INT(run("stages { 'lead', 'mql' }\n"
    "rule 'size' { score = function(l) return l.company_size or -1 end }\n"
    "rule 'revenue' { score = function(l) return l.revenue or -1 end }\n"
    "rule 'id' { score = function(l) return l.id end }\n"
    "rule 'won' { score = function(l) local o = l:outcome() return o and (o.won and o.amount or -o.amount) or 0 end }\n"
    "rule 'sla' { points = 3, when = function(l) return l:sla_breached() end }\n"
    "rule 'key' { points = 1, when = function(l) return l.key == 'ann@a.example' end }\n"),
    LR_OK);
  CHECK_NEAR(part(1, "size"), 5000, 1e-9);
  CHECK_NEAR(part(1, "revenue"), 2.5, 1e-9);
  CHECK_NEAR(part(2, "size"), -1, 1e-9);
  CHECK_NEAR(part(2, "id"), 2, 1e-9);
  CHECK_NEAR(part(1, "won"), 2500, 1e-9);       /* the latest outcome */
  CHECK_NEAR(part(2, "won"), 0, 1e-9);
  CHECK_NEAR(part(1, "sla"), 3, 1e-9);
  CHECK_NEAR(part(2, "sla"), 0, 1e-9);
  CHECK_NEAR(part(1, "key"), 1, 1e-9);
}

static void test_stages_and_segments(void) {
  CHECK_INT(run("stages { 'lead', 'mql', 'sql' }\nstage 'nurture'\n"
    "segment 'big' { where = 'company_size >= 1000' }\n"
    "segment 'vip' { when = function(l) return l:in_segment('big') and l.title == 'VP' end }\n"
    "rule 'vip' { points = 5, segment = 'vip' }\n"
    "rule 'contains' { points = 2, when = function(l) return segment.big:contains(l) end }\n"
    "rule 'count' { score = function(l) return segment.big:count() * 10 + stage.mql:count() end }\n"
    "transition { from = 'mql', to = 'sql', when = function(l)\n"
    "  return l.stage >= stage.mql and l.stage < 'sql' and l.stage == stage.mql\n"
    "    and l.stage.name == 'mql' and l.stage.rank == 2 and tostring(l.stage) == 'mql'\n"
    "    and l.stage:is('mql') and ('at ' .. l.stage) == 'at mql' end }\n"),
    LR_OK);
  CHECK_NEAR(part(1, "vip"), 5, 1e-9);
  CHECK_NEAR(part(2, "vip"), 0, 1e-9);
  CHECK_NEAR(part(1, "contains"), 2, 1e-9);
  CHECK_NEAR(part(1, "count"), 11, 1e-9);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "sql");
  CHECK_INT(sql_int("SELECT count(*) FROM segment_members WHERE segment='vip'"), 1);
}

static void expect_error(const char *body, const char *msg) {
  char src[2048];
  snprintf(src, sizeof src, "stages { 'lead', 'mql', 'sql' }\n%s", body);
  int rc = run(src);
  CHECK(rc == LR_POLICY || rc == LR_LIMIT);
  CHECK_CONTAINS(lr_errmsg(db), msg);
}

static void test_errors(void) {
  expect_error("rule 'x' { score = function(l)\n"
               "  return l:count('email_open', { withn = '30d' }) end }\n",
               "policy.lua:3: contact ann@a.example: unknown activity option 'withn'");
  expect_error("rule 'x' { score = function(l)\n"
               "  return l:count('email_open', { within = '30 days' }) end }\n",
               "'within': cannot read '30 days' as a duration");
  expect_error("rule 'x' { score = function(l) return l.score end }\n",
               "lead.score is not known while rules are evaluated");
  expect_error("stage 'nurture'\nrule 'x' { points = 1, when = function(l)\n"
               "  return stage.nurture > stage.lead end }\n",
               "'nurture' is a side stage and has no funnel order");
  expect_error("rule 'x' { points = 1, when = function(l)\n"
               "  l.title = 'x' end }\n", "lead is read-only");
  expect_error("rule 'x' { points = 1, when = function(l)\n"
               "  return l:in_segment('nope') end }\n", "unknown segment 'nope'");
  expect_error("rule 'x' { points = 1, when = function(l)\n"
               "  return stage.nope end }\n", "unknown stage 'nope'");
  /* (PostgreSQL's guard says it its own way, pg_usersql.c) */
  expect_error("segment 'x' { where = 'nosuchcolumn > 1' }\n",
               t_pg() ? "policy.lua:2: segment SQL failed on PostgreSQL: "
                        "ERROR:  column \"nosuchcolumn\" does not exist"
                      : "policy.lua:2: segment SQL does not prepare");
  expect_error("segment 'x' { where = '1) UNION SELECT id FROM runs --' }\n",
               "policy.lua:2: segment SQL");
  expect_error("segment 'x' { where = '(SELECT count(*) FROM runs) >= 0' }\n",
               "policy.lua:2: segment SQL: it reads the table runs (a "
               "segment's SQL reads contacts, activities and outcomes only)");
}

int main(void) {
  t_tmpdir();
  setup();
  test_activity_queries();
  test_fields_and_outcome();
  test_stages_and_segments();
  test_errors();
  lr_close(db);
  return t_done();
}
