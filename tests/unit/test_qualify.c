/*
** test_qualify.c -- qualification depth on real database files: score
** groups and total(), grades, lead:activities(), outcomes (won ->
** customer, lost -> nurture with a reason), the due SLA and a recycle
** transition on sla_breached().
*/
#include <math.h>

#include "tqdb.h"

#define NOW 1000000LL
#define DAY 86400LL

static const char *SETUP =
  "INSERT INTO contacts(id,key,email,title,company_size) VALUES"
  " (1,'ann@a.example','ann@a.example','VP Sales',5000),"
  " (2,'bob@b.example','bob@b.example','Intern',10),"
  " (3,'cy@c.example','cy@c.example','Director',300),"
  " (4,'dee@d.example','dee@d.example',NULL,NULL);"
  "INSERT INTO activities(contact_id,type,occurred_at,value,campaign) VALUES"
  " (1,'email_open',1000000-86400,NULL,'nl-1'),"
  " (1,'page_view',1000000-2*86400,120,NULL),"
  " (1,'page_view',1000000-40*86400,30,NULL),"
  " (1,'webinar_attended',1000000-5*86400,45,'webinar-roi'),"
  " (2,'email_open',1000000-3600,NULL,NULL),"
  " (2,'email_open',1000000+3600,NULL,NULL);";

static void test_groups_grades_total(void) {
  fresh_db("qualify", SETUP);
  lr_policy *p = policy(
    "stages { 'lead', 'mql' }\n"
    "rule 'senior' { group = 'fit', points = 40, when = function(l)\n"
    "  local t = l.title or '' return t:find('VP') or t:find('Director') end }\n"
    "rule 'big' { group = 'fit', points = 25, when = function(l)\n"
    "  return (l.company_size or 0) >= 1000 end }\n"
    "rule 'small' { group = 'fit', points = -10, when = function(l)\n"
    "  return (l.company_size or 0) < 50 end }\n"
    "rule 'views' { group = 'engagement', score = function(l)\n"
    "  local s = 0\n"
    "  for _, a in ipairs(l:activities('page_view', { within = '30d' })) do\n"
    "    s = s + a.value / 60 end\n"
    "  return s end }\n"
    "rule 'opens' { group = 'engagement', score = function(l)\n"
    "  return 3 * #l:activities('email_open') end }\n"
    "total(function(l) return 2 * l.scores.fit + l.scores.engagement end)\n"
    "grade 'fit' { A = 60, B = 40, C = 20, D = 0 }\n"
    "grade 'engagement' { hot = 5, warm = 2, cold = 0 }\n"
    "transition { from = 'lead', to = 'mql', when = function(l)\n"
    "  return l.grade == 'A' or l.grades.engagement == 'hot' end }\n");
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  /* ann: fit 65 (A), engagement 2 (views within 30d) + 3 = 5 (hot) */
  CHECK_STR(sql_text("SELECT scores FROM contacts WHERE id=1"),
            "{\"fit\":65,\"engagement\":5}");
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=1"), 135);
  CHECK_STR(sql_text("SELECT grade FROM contacts WHERE id=1"), "A");
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "mql");
  /* bob: fit -10, below every threshold: the lowest letter */
  CHECK_STR(sql_text("SELECT grade FROM contacts WHERE id=2"), "D");
  CHECK_STR(sql_text("SELECT scores FROM contacts WHERE id=2"),
            "{\"fit\":-10,\"engagement\":3}");
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=2"), -17);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=2"), "lead");
  /* cy: fit 40 exactly at B's threshold */
  CHECK_STR(sql_text("SELECT grade FROM contacts WHERE id=3"), "B");
  /* parts remember each rule's group */
  CHECK_STR(sql_text("SELECT grp FROM score_parts WHERE contact_id=1 AND rule='views'"),
            "engagement");
  lr_policy_free(p);
  /* lead.score is not known while rules run */
  p = policy("stages { 'lead', 'mql' }\n"
             "rule 'x' { score = function(l) return l.score end }\n");
  CHECK_INT(run_at(p, NOW, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "lead.score is not known while rules are evaluated");
  lr_policy_free(p);
}

static void test_activities_list(void) {
  fresh_db("qualify", SETUP);
  lr_policy *p = policy(
    "stages { 'lead' }\n"
    "rule 'shape' { score = function(l)\n"
    "  local all = l:activities()\n"
    "  local w = l:activities('webinar_attended', { campaign = 'webinar-roi' })\n"
    "  local a = w[1]\n"
    "  if #all ~= 4 or #w ~= 1 then return -1 end\n"
    "  if a.type ~= 'webinar_attended' or a.at ~= now - 5 * 86400 or a.value ~= 45\n"
    "     or a.campaign ~= 'webinar-roi' then return -2 end\n"
    "  local pv = l:activities('page_view', { since = now - 3 * 86400 })\n"
    "  if #pv ~= 1 or pv[1].campaign ~= nil then return -3 end\n"
    "  return #all end }\n");
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=1"), 4);
  /* activities after now never count */
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=2"), -1);
  lr_policy_free(p);
}

static void test_outcomes(void) {
  fresh_db("qualify", SETUP);
  sql("UPDATE contacts SET stage='opportunity';"
      "INSERT INTO outcomes(contact_id,result,amount,closed_at) VALUES"
      " (1,'won',12000,1000000-86400),"
      " (2,'lost',NULL,1000000-86400),"
      " (3,'lost',NULL,1000000-30*86400),(3,'won',5000,1000000-2*86400);");
  lr_policy *p = policy(
    "stages { 'lead', 'mql', 'sql', 'opportunity', 'customer' }\n"
    "stage 'nurture'\n"
    "rule 'upsell' { points = 10, when = function(l)\n"
    "  local o = l:outcome() return o and o.won and o.amount >= 10000 end }\n"
    "transition { from = '*', to = 'customer', reason = 'won the deal',\n"
    "  when = function(l) local o = l:outcome() return o and o.won end }\n"
    "transition { from = { 'sql', 'opportunity' }, to = 'nurture',\n"
    "  reason = 'lost: recycle to nurture',\n"
    "  when = function(l) local o = l:outcome() return o and not o.won end }\n");
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "customer");
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=1"), 10);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=2"), "nurture");
  CHECK_STR(sql_text("SELECT reason FROM stage_history WHERE contact_id=2"),
            "lost: recycle to nurture");
  CHECK_STR(sql_text("SELECT reason FROM stage_history WHERE contact_id=1"),
            "won the deal");
  /* the latest outcome counts */
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=3"), "customer");
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=4"), "opportunity");
  /* a second run: nothing moves again */
  CHECK_INT(run_at(p, NOW + 60, 0), LR_OK);
  CHECK_INT(sql_int("SELECT count(*) FROM stage_history"), 3);
  lr_policy_free(p);
}

static const char *SLA =
  "stages { 'lead', 'mql', 'sql', 'opportunity' }\n"
  "stage 'nurture'\n"
  "rule 'senior' { points = 100, when = function(l)\n"
  "  return (l.title or ''):find('VP') ~= nil end }\n"
  "transition { from = 'sql', to = 'nurture', reason = 'SLA breached: sales "
  "did not act within 2 days',\n"
  "  when = function(l) return l:sla_breached() end }\n"
  "transition { from = 'lead', to = 'sql', when = function(l) return l.score >= 100 end }\n"
  "handoff { stage = 'sql', due = '2d', assign = round_robin { 'ana', 'ben' } }\n";

static void test_sla_recycle(void) {
  fresh_db("qualify", SETUP);
  lr_policy *p = policy(SLA);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage || ' ' || owner FROM contacts WHERE id=1"), "sql ana");
  CHECK_INT(sql_int("SELECT due_at FROM contacts WHERE id=1"), NOW + 2 * DAY);
  CHECK_INT(sql_int("SELECT due FROM assignments WHERE contact_id=1"), NOW + 2 * DAY);
  /* one day later: within the SLA */
  CHECK_INT(run_at(p, NOW + DAY, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "sql");
  /* due time itself: not yet breached */
  CHECK_INT(run_at(p, NOW + 2 * DAY, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "sql");
  /* past due and untouched: recycled with the reason */
  CHECK_INT(run_at(p, NOW + 2 * DAY + 1, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "nurture");
  CHECK_STR(sql_text("SELECT reason FROM stage_history WHERE contact_id=1 "
                     "ORDER BY id DESC"),
            "SLA breached: sales did not act within 2 days");
  lr_policy_free(p);

  /* sales acted (moved it on by hand): no breach, and the SLA is met */
  fresh_db("qualify", SETUP);
  p = policy(SLA);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_INT(lr_contact_move(db, "ann@a.example", "opportunity", "ana",
                            "call booked", NOW + DAY), LR_OK);
  CHECK_INT(sql_int("SELECT due_at IS NULL FROM contacts WHERE id=1"), 1);
  CHECK_INT(lr_contact_set(db, "ann@a.example", "title", "VP Sales EMEA",
                           "ana", "new title", NOW + DAY + 1), LR_OK);
  CHECK_INT(run_at(p, NOW + 5 * DAY, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "opportunity");
  lr_policy_free(p);

  /* a lead that left the handoff stage by policy is not breached either */
  fresh_db("qualify", SETUP);
  p = policy("stages { 'lead', 'sql', 'opportunity' }\n"
             "stage 'nurture'\n"
             "rule 'r' { points = 1, when = function() return true end }\n"
             "transition { from = 'lead', to = 'sql', when = function(l)\n"
             "  return l.title == 'VP Sales' end }\n"
             "transition { from = 'sql', to = 'opportunity', when = function(l)\n"
             "  return now > 1000000 + 86400 end }\n"
             "transition { from = '*', to = 'nurture', when = function(l)\n"
             "  return l:sla_breached() end }\n"
             "handoff { stage = 'sql', due = '2d', assign = 'ana' }\n");
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_INT(run_at(p, NOW + 3 * DAY, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "opportunity");
  CHECK_INT(run_at(p, NOW + 4 * DAY, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "opportunity");
  lr_policy_free(p);
}

/* decay weights pinned exactly, reproducible with the run's clock */
static void test_decay(void) {
  fresh_db("qualify", "INSERT INTO contacts(id,key) VALUES (1,'ann@a.example'),"
           " (2,'bob@b.example');"
           "INSERT INTO activities(contact_id,type,occurred_at,value) VALUES"
           " (1,'email_open',1000000,NULL),"
           " (1,'email_open',1000000-14*86400,NULL),"
           " (1,'email_open',1000000-28*86400,NULL),"
           " (1,'page_view',1000000-15*86400,60),"
           " (1,'page_view',1000000-45*86400,60),"
           " (2,'email_open',1000000+86400,NULL);");
  lr_policy *p = policy(
    "local decay = require 'decay'\n"
    "stages { 'lead' }\n"
    "local hl, lin = decay.half_life('14d'), decay.linear('30d')\n"
    "rule 'opens' { group = 'engagement', score = function(l)\n"
    "  return 3 * hl:sum(l:activities('email_open'), now) end }\n"
    "rule 'views' { group = 'engagement', score = function(l)\n"
    "  return lin:sum(l:activities('page_view'), now) end }\n"
    "rule 'weight' { score = function(l)\n"
    "  return 8 * decay.half_life('7d'):weight(21 * 86400) end }\n");
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  /* (1 + 1/2 + 1/4) * 3; 60 * (1 - 15/30) + 60 * 0; 8 / 2^3 */
  CHECK(sql_real("SELECT points FROM score_parts WHERE contact_id=1 AND rule='opens'") == 5.25);
  CHECK(sql_real("SELECT points FROM score_parts WHERE contact_id=1 AND rule='views'") == 30);
  CHECK(sql_real("SELECT points FROM score_parts WHERE contact_id=1 AND rule='weight'") == 1);
  CHECK(sql_real("SELECT score FROM contacts WHERE id=1") == 36.25);
  CHECK_STR(sql_text("SELECT scores FROM contacts WHERE id=1"), "{\"engagement\":35.25}");
  /* the future open never counts: bob has only the 'weight' rule */
  CHECK(sql_real("SELECT score FROM contacts WHERE id=2") == 1);
  /* two weeks later everything halved: (1/2 + 1/4 + 1/8) * 3; the view is
  ** 29 days old: 60/30 */
  CHECK_INT(run_at(p, NOW + 14 * DAY, 0), LR_OK);
  CHECK(sql_real("SELECT points FROM score_parts WHERE contact_id=1 AND rule='opens'") == 2.625);
  CHECK_NEAR(sql_real("SELECT points FROM score_parts WHERE contact_id=1 AND rule='views'"),
             60 * (1 - 29.0 / 30), 0);
  /* bob's open is now 13 days old: 3 * 2^(-13/14) */
  CHECK_NEAR(sql_real("SELECT points FROM score_parts WHERE contact_id=2 AND rule='opens'"),
             3 * pow(0.5, 13.0 / 14), 0);
  lr_policy_free(p);
}

int main(void) {
  t_tmpdir();
  test_groups_grades_total();
  test_activities_list();
  test_outcomes();
  test_sla_recycle();
  test_decay();
  lr_close(db);
  return t_done();
}
