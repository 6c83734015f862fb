/*
** test_explain.c -- lr_explain_v2 against real database files: each rule's
** points and reads, groups and grades, segments, transitions, what is
** missing for the next stage, the handoff owner (without counting it),
** manual moves and the lock, and that explain writes nothing.
*/
#include "tqdb.h"

#define NOW 1000000LL
#define DAY 86400LL

/* Items of one explain call, copied. */
typedef struct xitem {
  int kind;
  char name[128], group[64], detail[1024], where[96], note[1024];
  double points;
  int fired;
} xitem;

static xitem items[256];
static int nitems, stop_after;

static void cp(char *dst, size_t n, const char *s) {
  snprintf(dst, n, "%s", s ? s : "(null)");
}

static int collect(void *ctx, const lr_explain_item *e) {
  (void)ctx;
  if (nitems < 256) {
    xitem *x = &items[nitems++];
    x->kind = e->kind;
    cp(x->name, sizeof x->name, e->name);
    cp(x->group, sizeof x->group, e->group);
    cp(x->detail, sizeof x->detail, e->detail);
    cp(x->where, sizeof x->where, e->where);
    cp(x->note, sizeof x->note, e->note);
    x->points = e->points;
    x->fired = e->fired;
  }
  return stop_after && nitems >= stop_after;
}

static int explain(lr_policy *p, const char *key, long long now) {
  nitems = 0;
  return lr_explain_v2(p, key, now, collect, NULL);
}

static const xitem *find(int kind, const char *name) {
  for (int i = 0; i < nitems; i++)
    if (items[i].kind == kind && (!name || strcmp(items[i].name, name) == 0))
      return &items[i];
  return NULL;
}

static int count_kind(int kind) {
  int n = 0;
  for (int i = 0; i < nitems; i++) n += items[i].kind == kind;
  return n;
}

static const char *SETUP =
  "INSERT INTO contacts(id,key,email,title,company_size,country) VALUES"
  " (1,'ann@a.example','ann@a.example','VP Sales',5000,'US'),"
  " (2,'bob@b.example','bob@b.example','Intern',10,'DE'),"
  " (3,'cat@c.example','cat@c.example','Director',50,'de'),"
  " (4,'dan@d.example','dan@d.example','Engineer',20,'FR');"
  "INSERT INTO activities(contact_id,type,occurred_at) VALUES"
  " (1,'email_open',1000000-2*86400),(1,'demo_request',1000000-86400),"
  " (2,'email_open',1000000-3600),"
  " (3,'email_open',1000000-3600),(3,'email_open',1000000-7200),"
  " (3,'email_open',1000000-3*86400),"
  " (4,'webinar_attended',1000000-86400);";

/* cat: senior 20 + opens min(18, 6*3)=18 = 38 -> needs 12 for mql. */
static const char *POLICY =
  "stages { 'subscriber', 'lead', 'mql', 'sql' }\n"
  "stage 'nurture'\n"
  "segment 'enterprise' { where = 'company_size >= 1000' }\n"
  "rule 'senior title' { points = 20, group = 'fit', when = function(lead)\n"
  "  local t = lead.title or ''\n"
  "  return t:find('VP') or t:find('Director') end }\n"
  "rule 'enterprise' { points = 15, group = 'fit', segment = 'enterprise' }\n"
  "rule 'opens' { max = 18, group = 'engagement', score = function(lead)\n"
  "  return 6 * lead:count('email_open', { within = '30d' }) end }\n"
  "rule 'demo request' { points = 50, group = 'engagement', when = function(lead)\n"
  "  return lead:did('demo_request', { within = '14d' }) end }\n"
  "rule 'webinar' { points = 10, group = 'engagement', when = function(lead)\n"
  "  return lead:did('webinar_attended', { within = '30d' }) end }\n"
  "grade 'fit' { A = 30, B = 15, C = 0 }\n"
  "transition { from = 'subscriber', to = 'lead', when = function(l) return l.score > 0 end }\n"
  "transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 50 end }\n"
  "transition { from = 'mql', to = 'sql', when = function(l)\n"
  "  return l.score >= 80 and l:in_segment('enterprise') end }\n"
  "transition { from = { 'mql', 'sql' }, to = 'nurture', when = function(l) return l.score < 0 end }\n"
  "handoff { stage = 'sql', due = '2d', assign = by_field('country', {\n"
  "  DE = 'dora', ['*'] = round_robin { 'ana', { 'ben', weight = 2 } } }) }\n";

static void test_rules_groups_transitions(void) {
  fresh_db("explain", SETUP);
  lr_policy *p = policy(POLICY);
  CHECK_INT(explain(p, "ann@a.example", NOW), LR_OK);
  const xitem *c = find(LR_EX_CONTACT, "ann@a.example");
  CHECK(c != NULL);
  if (c) {
    CHECK_STR(c->detail, "(null)");       /* no stage stored yet */
    CHECK_CONTAINS(c->note, "id 1");
  }
  CHECK(items[0].kind == LR_EX_CONTACT);
  const xitem *r = find(LR_EX_RULE, "senior title");
  CHECK(r && r->fired && r->points == 20);
  if (r) {
    CHECK_STR(r->detail, "title='VP Sales'");
    CHECK_STR(r->group, "fit");
    CHECK_STR(r->where, "policy.lua:4");
  }
  r = find(LR_EX_RULE, "enterprise");
  CHECK(r && r->fired && r->points == 15);
  if (r) CHECK_STR(r->detail, "in segment 'enterprise'");
  r = find(LR_EX_RULE, "opens");
  CHECK(r && r->fired && r->points == 6);
  if (r) CHECK_STR(r->detail, "count(email_open within 30d)=1");
  r = find(LR_EX_RULE, "webinar");
  CHECK(r && !r->fired && r->points == 0);
  if (r) CHECK_STR(r->detail, "did(webinar_attended within 30d)=no");
  const xitem *s = find(LR_EX_SEGMENT, "enterprise");
  CHECK(s && s->fired);
  if (s) CHECK_STR(s->detail, "SQL: company_size >= 1000");
  const xitem *g = find(LR_EX_GROUP, "fit");
  CHECK(g && g->points == 35);
  if (g) CHECK_STR(g->detail, "A");
  g = find(LR_EX_GROUP, "engagement");
  CHECK(g && g->points == 56);
  g = find(LR_EX_GROUP, "total");
  CHECK(g && g->points == 91);
  /* transitions as tried, from the stage at that point */
  CHECK_INT(count_kind(LR_EX_TRANSITION), 4);
  const xitem *t = find(LR_EX_TRANSITION, "subscriber->lead");
  CHECK(t && t->fired);
  if (t) CHECK_STR(t->detail, "score=91");
  t = find(LR_EX_TRANSITION, "mql->sql");
  CHECK(t && t->fired);
  if (t) CHECK_STR(t->detail, "score=91, in_segment(enterprise)=yes");
  t = find(LR_EX_TRANSITION, "sql->nurture");
  CHECK(t && !t->fired);
  const xitem *n = find(LR_EX_NEXT, NULL);
  CHECK(n != NULL);
  if (n) CHECK_STR(n->detail, "sql is the last funnel stage");
  /* handoff: country US -> the round robin; ben (weight 2) is first */
  const xitem *h = find(LR_EX_HANDOFF, "sql");
  CHECK(h && h->fired);
  if (h) {
    CHECK_STR(h->detail, "ben");
    CHECK_CONTAINS(h->note, "by_field country: no territory matched");
    CHECK_CONTAINS(h->note, "ana 0, ben 0 (weight 2)");
    CHECK_CONTAINS(h->note, "due 1970-01-14T13:46:40Z");
  }
  /* it hands off: a run stores its clock as stable_until */
  const xitem *st = find(LR_EX_STABLE, NULL);
  CHECK(st && st->fired);
  if (st) CHECK_CONTAINS(st->note, "moves or hands off");
  /* the order: contact, segments, rules, groups, transitions, next,
  ** handoff, stable */
  int last = 0, ordered = 1;
  /* by kind: LR_EX_MEMBER (10) is an account's, never a contact's */
  static const int rank[] = {0, 0, 3, 4, 2, 5, 6, 7, 1, 9, 0, 8};
  for (int i = 0; i < nitems; i++) {
    if (rank[items[i].kind] < last) ordered = 0;
    last = rank[items[i].kind];
  }
  CHECK(ordered);
  lr_policy_free(p);
}

static void test_needs_points(void) {
  fresh_db("explain", SETUP);
  lr_policy *p = policy(POLICY);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=3"), "lead");
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=3"), 38);
  CHECK_INT(explain(p, "cat@c.example", NOW), LR_OK);
  const xitem *c = find(LR_EX_CONTACT, NULL);
  if (c) {
    CHECK_STR(c->detail, "lead");
    CHECK(c->points == 38);
  }
  const xitem *o = find(LR_EX_RULE, "opens");
  CHECK(o && o->points == 18);
  if (o) CHECK_STR(o->detail, "count(email_open within 30d)=3; capped at max 18");
  const xitem *n = find(LR_EX_NEXT, "mql");
  CHECK(n != NULL);
  if (n) {
    CHECK(n->points == 12);
    CHECK(!n->fired);
    CHECK_STR(n->detail, "needs 12 more points for mql (score 38): demo request "
                         "would add 50, enterprise would add 15");
    CHECK_STR(n->where, "policy.lua:16");
  }
  /* cat is in DE: by_field sends her to dora (when she gets there) */
  const xitem *h = find(LR_EX_HANDOFF, NULL);
  CHECK(h && !h->fired);
  if (h) CHECK_STR(h->note, "lead has no handoff");

  /* bob: 6 points; demo request covers the 44, webinar (10) does not */
  CHECK_INT(explain(p, "bob@b.example", NOW), LR_OK);
  n = find(LR_EX_NEXT, "mql");
  if (n) CHECK_STR(n->detail, "needs 44 more points for mql (score 6): demo "
                              "request would add 50");
  /* dan: 10 points; demo 50 covers 40, nothing else does */
  CHECK_INT(explain(p, "dan@d.example", NOW), LR_OK);
  n = find(LR_EX_NEXT, "mql");
  if (n) CHECK_STR(n->detail, "needs 40 more points for mql (score 10): demo "
                              "request would add 50");
  lr_policy_free(p);
}

static void test_not_a_matter_of_points(void) {
  fresh_db("explain", SETUP);
  /* mql -> sql needs the enterprise segment: points alone never do it */
  lr_policy *p = policy(
    "stages { 'lead', 'mql', 'sql' }\n"
    "segment 'enterprise' { where = 'company_size >= 1000' }\n"
    "rule 'opens' { score = function(l) return 10 * l:count('email_open') end }\n"
    "rule 'webinar' { points = 5, when = function(l) return l:did('webinar_attended') end }\n"
    "transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 10 end }\n"
    "transition { from = 'mql', to = 'sql', when = function(l)\n"
    "  return l.score >= 100 and l:in_segment('enterprise') end }\n");
  CHECK_INT(explain(p, "cat@c.example", NOW), LR_OK);
  const xitem *n = find(LR_EX_NEXT, "sql");
  CHECK(n != NULL);
  if (n) {
    CHECK(n->points == 0);
    CHECK_STR(n->detail, "more points alone do not reach sql: even at score "
              "1030, mql->sql reads in_segment(enterprise)=no");
  }
  /* a transition that does not read the score says what it reads */
  lr_policy_free(p);
  p = policy(
    "stages { 'lead', 'mql' }\n"
    "rule 'any' { points = 1, when = function() return true end }\n"
    "transition { from = 'lead', to = 'mql', when = function(l)\n"
    "  return l:did('demo_request', { within = '14d' }) end }\n");
  CHECK_INT(explain(p, "bob@b.example", NOW), LR_OK);
  n = find(LR_EX_NEXT, "mql");
  if (n) CHECK_STR(n->detail, "lead->mql does not depend on the score; it "
                              "reads: did(demo_request within 14d)=no");
  lr_policy_free(p);
  /* the nearest stage up is the one explained, whatever the order */
  p = policy(
    "stages { 'lead', 'mql', 'customer' }\n"
    "rule 'opens' { score = function(l) return 10 * l:count('email_open') end }\n"
    "transition { from = '*', to = 'customer', when = function(l)\n"
    "  return l:outcome() ~= nil end }\n"
    "transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 25 end }\n");
  CHECK_INT(explain(p, "bob@b.example", NOW), LR_OK);
  n = find(LR_EX_NEXT, NULL);
  CHECK(n != NULL);
  if (n) {
    CHECK_STR(n->name, "mql");
    CHECK_STR(n->detail, "needs 15 more points for mql (score 10): no rule that "
                         "has not fired could add points");
  }
  lr_policy_free(p);
  /* declared out of funnel order: the way up passes now, on the next run */
  p = policy(
    "stages { 'lead', 'mql', 'sql' }\n"
    "rule 'any' { points = 60, when = function() return true end }\n"
    "transition { from = 'mql', to = 'sql', when = function(l) return l.score >= 50 end }\n"
    "transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 50 end }\n");
  CHECK_INT(explain(p, "bob@b.example", NOW), LR_OK);
  n = find(LR_EX_NEXT, "sql");
  CHECK(n && n->fired);
  if (n) CHECK_CONTAINS(n->detail, "mql->sql would pass now (score=60)");
  lr_policy_free(p);
}

static void test_writes_nothing_and_predicts_owner(void) {
  fresh_db("explain", SETUP);
  /* give the round robin some history: ben 2, ana 1 */
  sql("INSERT INTO routing_state(router, owner, day, total, today) VALUES"
      " ('sql/country=*', 'ana', 11, 1, 1), ('sql/country=*', 'ben', 11, 2, 2)");
  char before[128], after[128];
  CHECK_INT(lr_close(db), LR_OK);
  db = NULL;
  file_hash(before);
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  lr_policy *p = policy(POLICY);
  CHECK_INT(explain(p, "ann@a.example", NOW), LR_OK);
  const xitem *h = find(LR_EX_HANDOFF, "sql");
  /* (1+1)/1 = 2 vs (2+1)/2 = 1.5: ben is next */
  CHECK(h && h->fired);
  if (h) {
    CHECK_STR(h->detail, "ben");
    CHECK_CONTAINS(h->note, "ana 1, ben 2 (weight 2); ben is next in turn");
  }
  CHECK_INT(explain(p, "ann@a.example", NOW), LR_OK);   /* not counted */
  h = find(LR_EX_HANDOFF, "sql");
  if (h) CHECK_STR(h->detail, "ben");
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
  db = NULL;
  file_hash(after);
  CHECK_STR(after, before);
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  /* the run assigns exactly the owner explain named; the scores agree */
  p = policy(POLICY);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_STR(sql_text("SELECT owner FROM contacts WHERE id=1"), "ben");
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=1"), 91);
  /* by key or #id; owned now: no new handoff */
  CHECK_INT(explain(p, "#1", NOW + 60), LR_OK);
  h = find(LR_EX_HANDOFF, "sql");
  CHECK(h && !h->fired);
  if (h) {
    CHECK_STR(h->detail, "ben");
    CHECK_CONTAINS(h->note, "already assigned to ben at 1970-01-12T13:46:40Z, "
                            "due 1970-01-14T13:46:40Z");
  }
  const xitem *c = find(LR_EX_CONTACT, NULL);
  if (c) {
    CHECK_STR(c->name, "ann@a.example");
    CHECK_STR(c->detail, "sql");
    CHECK(c->points == 91);
    CHECK_CONTAINS(c->note, "grade A, owner ben (due 1970-01-14T13:46:40Z)");
  }
  /* a territory: cat (country 'de') would go to dora */
  sql("INSERT INTO activities(contact_id,type,occurred_at) VALUES"
      " (3,'demo_request',1000000-600)");
  sql("UPDATE contacts SET company_size=2000 WHERE id=3");
  CHECK_INT(explain(p, "cat@c.example", NOW), LR_OK);
  h = find(LR_EX_HANDOFF, "sql");
  CHECK(h && h->fired);
  if (h) {
    CHECK_STR(h->detail, "dora");
    CHECK_CONTAINS(h->note, "by_field country = DE; fixed owner");
  }
  lr_policy_free(p);
}

static void test_manual_lock_shown(void) {
  fresh_db("explain", SETUP);
  lr_policy *p = policy(POLICY);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_INT(lr_contact_move(db, "bob@b.example", "mql", "ops@corp",
                            "asked for a call", NOW + 100), LR_OK);
  CHECK_INT(explain(p, "bob@b.example", NOW + 200), LR_OK);
  const xitem *m = find(LR_EX_MANUAL, "move");
  CHECK(m != NULL);
  if (m) {
    CHECK_STR(m->detail, "moved lead -> mql by ops@corp at 1970-01-12T13:48:20Z");
    CHECK_STR(m->note, "asked for a call");
  }
  const xitem *l = find(LR_EX_MANUAL, "lock");
  CHECK(l && l->fired);
  if (l) CHECK_CONTAINS(l->detail, "moved by hand to mql at 1970-01-12T13:48:20Z; the lock holds");
  /* transitions are shown as they would go, marked as held back */
  const xitem *t = find(LR_EX_TRANSITION, "mql->sql");
  CHECK(t && !t->fired);
  if (t) CHECK_CONTAINS(t->note, "not applied: a manual move locks the stage");
  const xitem *n = find(LR_EX_NEXT, NULL);
  if (n) CHECK_CONTAINS(n->detail, "the manual lock holds");
  /* a data change does not release the lock: explain still says it holds */
  CHECK_INT(lr_contact_set(db, "bob@b.example", "title", "Head of IT",
                           "ops@corp", "LinkedIn says so", NOW + 300), LR_OK);
  CHECK_INT(explain(p, "bob@b.example", NOW + 400), LR_OK);
  l = find(LR_EX_MANUAL, "lock");
  CHECK(l && l->fired);
  if (l) CHECK_STR(l->detail, "moved by hand to mql at 1970-01-12T13:48:20Z; "
                   "the lock holds until a later move, an outcome closed "
                   "after the move, or run --override-manual (no expiry); "
                   "no transition would fire now");
  m = find(LR_EX_MANUAL, "set");
  if (m) {
    CHECK_STR(m->detail, "set title = Head of IT (was Intern) by ops@corp at "
                         "1970-01-12T13:51:40Z");
    CHECK_STR(m->note, "LinkedIn says so");
  }
  /* newest first */
  CHECK(items[1].kind == LR_EX_MANUAL);
  CHECK_STR(items[1].name, "set");
  /* an outcome closed after the move releases it; explain says which */
  sql("INSERT INTO outcomes(contact_id,result,closed_at) VALUES(2,'lost',"
      "1000000+350)");
  CHECK_INT(explain(p, "bob@b.example", NOW + 400), LR_OK);
  l = find(LR_EX_MANUAL, "lock");
  CHECK(l && !l->fired);
  if (l) CHECK_CONTAINS(l->detail, "released by the lost outcome closed at "
                        "1970-01-12T13:52:30Z, after the move");
  /* no lock any more: mql -> sql is tried for real */
  t = find(LR_EX_TRANSITION, "mql->sql");
  CHECK(t && !strcmp(t->note, "(null)"));
  /* a lock with an expiry names it, and the transitions it held back */
  CHECK_INT(run_at(p, NOW + 500, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "sql");
  CHECK_INT(lr_contact_move_v2(db, "ann@a.example", "lead", "ops", "wait",
                               NOW + 600, NOW + 86400), LR_OK);
  CHECK_INT(explain(p, "ann@a.example", NOW + 700), LR_OK);
  l = find(LR_EX_MANUAL, "lock");
  CHECK(l && l->fired);
  if (l) {
    CHECK_CONTAINS(l->detail, "the lock holds until 1970-01-13T13:46:40Z "
                   "(its expiry), a later move");
    CHECK_CONTAINS(l->detail, "it held back lead->mql (policy.lua:");
    CHECK_CONTAINS(l->detail, "and 1 more, to sql");
  }
  t = find(LR_EX_TRANSITION, "lead->mql");
  CHECK(t && t->fired);
  if (t) CHECK_CONTAINS(t->note, "not applied: a manual move locks");
  const xitem *n2 = find(LR_EX_NEXT, NULL);
  CHECK(n2 != NULL);
  if (n2) CHECK_CONTAINS(n2->detail, "until 1970-01-13T13:46:40Z (its expiry)");
  /* at the expiry, the policy moves it again */
  CHECK_INT(explain(p, "ann@a.example", NOW + 86400), LR_OK);
  l = find(LR_EX_MANUAL, "lock");
  CHECK(l && !l->fired);
  if (l) CHECK_CONTAINS(l->detail, "the lock expired at 1970-01-13T13:46:40Z");
  lr_policy_free(p);
}

/* A lock that ended (expiry, outcome) and a run that moved the contact on
** since: the lock line names the stage of the manual move, from its
** history row, not the stage the contact is in now. */
static void test_released_lock_names_move_stage(void) {
  fresh_db("explain", SETUP);
  sql("INSERT INTO outcomes(contact_id,result,closed_at) VALUES(2,'lost',"
      "1000000+200)");
  lr_policy *p = policy(
    "stages { 'lead', 'mql', 'sql', 'customer' }\n"
    "stage 'nurture'\n"
    "rule 'demo' { points = 50, when = function(lead)\n"
    "  return lead:did('demo_request', { within = '14d' }) end }\n"
    "transition { from = { 'lead', 'nurture' }, to = 'mql',\n"
    "  when = function(l) return l.score >= 50 end }\n"
    "transition { from = 'mql', to = 'sql', when = function(l) return l.score >= 50 end }\n"
    "transition { from = '*', to = 'nurture', when = function(l)\n"
    "  local o = l:outcome() return o and not o.won end }\n");
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "sql");
  /* ann: nurture for a day; the run after it takes her on to sql */
  CHECK_INT(lr_contact_move_v2(db, "ann@a.example", "nurture", "ops", "wait",
                               NOW + 100, NOW + DAY), LR_OK);
  /* bob: customer by hand, then the lost outcome (closed at NOW + 200,
  ** after the move) releases him to nurture */
  CHECK_INT(lr_contact_move(db, "bob@b.example", "customer", "ops",
                            "signed on paper", NOW + 50), LR_OK);
  CHECK_INT(run_at(p, NOW + 2 * DAY, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "sql");
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=2"), "nurture");
  CHECK_INT(explain(p, "ann@a.example", NOW + 2 * DAY + 10), LR_OK);
  const xitem *l = find(LR_EX_MANUAL, "lock");
  CHECK(l && !l->fired);
  if (l) CHECK_STR(l->detail, "moved by hand to nurture at 1970-01-12T13:48:20Z; "
                   "the lock expired at 1970-01-13T13:46:40Z: the policy "
                   "moves it again");
  CHECK_INT(explain(p, "bob@b.example", NOW + 2 * DAY + 10), LR_OK);
  l = find(LR_EX_MANUAL, "lock");
  CHECK(l && !l->fired);
  if (l) CHECK_CONTAINS(l->detail, "moved by hand to customer at "
                        "1970-01-12T13:47:30Z; released by the lost outcome");
  /* a later manual move is the one that counts: the lock's own stage */
  CHECK_INT(lr_contact_move(db, "bob@b.example", "mql", "ops", "call",
                            NOW + 3 * DAY), LR_OK);
  CHECK_INT(explain(p, "bob@b.example", NOW + 3 * DAY + 10), LR_OK);
  l = find(LR_EX_MANUAL, "lock");
  CHECK(l && l->fired);
  if (l) CHECK_CONTAINS(l->detail, "moved by hand to mql at 1970-01-15T13:46:40Z; "
                        "the lock holds");
  /* the move's row gone (a database trimmed by hand): the stage is not
  ** guessed from where a run put the contact */
  sql("DELETE FROM stage_history WHERE contact_id=1 AND by IS NOT NULL");
  CHECK_INT(explain(p, "ann@a.example", NOW + 2 * DAY + 10), LR_OK);
  l = find(LR_EX_MANUAL, "lock");
  if (l) CHECK_STR(l->detail, "moved by hand at 1970-01-12T13:48:20Z; "
                   "the lock expired at 1970-01-13T13:46:40Z: the policy "
                   "moves it again");
  lr_policy_free(p);
}

static void test_errors_and_stop(void) {
  fresh_db("explain", SETUP);
  lr_policy *p = policy(POLICY);
  CHECK_INT(explain(p, "nobody@x.example", NOW), LR_NOTFOUND);
  CHECK_CONTAINS(lr_errmsg(db), "no contact with key 'nobody@x.example'");
  CHECK_INT(nitems, 0);
  CHECK_INT(explain(p, "#99", NOW), LR_NOTFOUND);
  /* keys are matched like the store normalises them */
  CHECK_INT(explain(p, "  ANN@A.example ", NOW), LR_OK);
  /* the callback stops the stream */
  stop_after = 3;
  CHECK_INT(explain(p, "ann@a.example", NOW), LR_INTERRUPT);
  CHECK_INT(nitems, 3);
  stop_after = 0;
  lr_policy_free(p);
  /* a failing rule: the error item, after what was evaluated */
  p = policy("stages { 'lead' }\n"
             "rule 'ok' { points = 1, when = function() return true end }\n"
             "rule 'bad' { score = function(l) return l.titel end }\n");
  CHECK_INT(explain(p, "ann@a.example", NOW), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "unknown field 'lead.titel'");
  CHECK(find(LR_EX_RULE, "ok") != NULL);
  const xitem *e = find(LR_EX_ERROR, NULL);
  CHECK(e != NULL);
  if (e) CHECK_CONTAINS(e->detail, "policy.lua:3: contact ann@a.example:");
  lr_policy_free(p);
}

int main(void) {
  t_tmpdir();
  test_rules_groups_transitions();
  test_needs_points();
  test_not_a_matter_of_points();
  test_writes_nothing_and_predicts_owner();
  test_manual_lock_shown();
  test_released_lock_names_move_stage();
  test_errors_and_stop();
  lr_close(db);
  return t_done();
}
