/*
** test_realtime.c -- events in, decisions out, through the public API on
** real database files: lr_apply_events (appends, creates, the two create
** modes, fields audited, the touched contacts and what each got, the
** failing event's index, everything rolled back on any error, decisions
** equal to a full lr_run), the outbox (rows for every move and handoff,
** ids in order, lr_outbox_each / lr_outbox_ack / lr_outbox_acked), and
** notify { when } reaching lr_change.notify and the outbox.  With
** LR_TEST_DB=postgresql on PostgreSQL databases (t_pg.h).
*/
#include "leadrules.h"
#include "t_db.h"

static const char *POLICY =
    "stages { 'lead', 'mql', 'sql' }\n"
    "rule 'vp' { group = 'fit', points = 50, when = function(lead)\n"
    "  return (lead.title or ''):find('VP') ~= nil end }\n"
    "rule 'demo' { points = 40, when = function(lead)\n"
    "  return lead:did('demo') end }\n"
    "rule 'boom' { points = 1, when = function(lead)\n"
    "  if lead:did('boom') then error('boom') end return false end }\n"
    "grade 'fit' { A = 50, B = 0 }\n"
    "transition { from = 'lead', to = 'mql', when = function(lead)\n"
    "  return lead.score >= 40 end }\n"
    "transition { from = 'mql', to = 'sql', when = function(lead)\n"
    "  return lead.score >= 80 end }\n"
    "handoff { stage = 'sql', assign = round_robin { 'ana', 'ben' } }\n"
    "notify { when = function(lead, change)\n"
    "  return change.old_score < 80 and change.score >= 80 end }\n";

#define NOW 1790000000LL

static long long count(const char *db, const char *q) { return t_sql_int(db, q); }

typedef struct seen {
  int n;
  char keys[8][64];
  double score[8];
  int moves[8], handoff[8], created[8], n_events[8];
  char stage[8][16];
} seen;

static void on_touched(void *ctx, const lr_touched *t) {
  seen *s = ctx;
  if (s->n >= 8) return;
  snprintf(s->keys[s->n], 64, "%s", t->key);
  snprintf(s->stage[s->n], 16, "%s", t->stage ? t->stage : "-");
  s->score[s->n] = t->score;
  s->moves[s->n] = t->n_moves;
  s->handoff[s->n] = t->handoff != NULL;
  s->created[s->n] = t->created;
  s->n_events[s->n++] = t->n_events;
}

static lr_policy *load(lr_db *db) {
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load_string(db, "policy.lua", POLICY, strlen(POLICY),
                                  NULL, &p), LR_OK);
  return p;
}

static void test_apply(const char *path) {
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p = load(db);
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  ro.now = NOW;
  CHECK_INT(lr_run(p, &ro, NULL), LR_OK);
  lr_apply_opts o = LR_APPLY_OPTS_INIT;
  o.now = NOW;
  /* c3 is a VP (50): a demo takes it to 90, mql then sql, handed off.
  ** c1 gets a demo too (40: mql); new@x.example is created. */
  const char *fields[] = { "title", "VP Ops" };
  lr_event ev[4];
  memset(ev, 0, sizeof ev);
  ev[0].key = " C3@X.example ";           /* an email key: trimmed, lowered */
  ev[0].type = "demo";
  ev[1].key = "c1@x.example";
  ev[1].type = "demo";
  ev[1].at = NOW - 3600;
  ev[1].has_value = 1;
  ev[1].value = 2.5;
  ev[1].campaign = "fall";
  ev[2].key = "c3@x.example";
  ev[2].type = "page";
  ev[3].key = "new@x.example";
  ev[3].type = "demo";
  ev[3].fields = fields;
  ev[3].n_fields = 1;
  ev[3].create = LR_EVENT_CREATE;
  seen s;
  memset(&s, 0, sizeof s);
  long long failed = 99;
  CHECK_INT(lr_apply_events(p, ev, 4, &o, on_touched, &s, &failed), LR_OK);
  CHECK_INT(failed, -1);
  CHECK_INT(s.n, 3);                       /* contact id order */
  CHECK_STR(s.keys[0], "c1@x.example");
  CHECK_STR(s.stage[0], "mql");
  CHECK_STR(s.keys[1], "c3@x.example");
  CHECK_INT(s.n_events[1], 2);
  CHECK_NEAR(s.score[1], 90, 0);
  CHECK_STR(s.stage[1], "sql");
  CHECK_INT(s.moves[1], 1);                /* mql -> sql */
  CHECK_INT(s.handoff[1], 1);
  CHECK_STR(s.keys[2], "new@x.example");
  CHECK_INT(s.created[2], 1);
  CHECK_STR(s.stage[2], "sql");            /* VP Ops + demo = 90 */
  CHECK_INT(count(path, "SELECT count(*) FROM activities"), 4);
  CHECK_INT(count(path, "SELECT count(*) FROM activities WHERE value = 2.5 "
                        "AND campaign = 'fall' AND occurred_at = 1789996400"), 1);
  CHECK_INT(count(path, "SELECT count(*) FROM audit WHERE field = 'title' "
                        "AND by = 'events'"), 1);
  /* Outbox: every move and handoff, the first run's too, and one notify
  ** per crossing of 80. */
  CHECK_INT(count(path, "SELECT count(*) FROM outbox WHERE kind = 'move'"),
            count(path, "SELECT count(*) FROM stage_history"));
  CHECK_INT(count(path, "SELECT count(*) FROM outbox WHERE kind = 'handoff' "
                        "AND run_id > 1"), 2);
  CHECK_INT(count(path, "SELECT count(*) FROM outbox WHERE kind = 'handoff'"),
            count(path, "SELECT count(*) FROM assignments"));
  CHECK_INT(count(path, "SELECT count(*) FROM outbox WHERE kind = 'notify'"), 2);

  /* LR_EVENT_CREATE sets fields only on creation; UPSERT always. */
  const char *f2[] = { "title", "Engineer" };
  lr_event up;
  memset(&up, 0, sizeof up);
  up.key = "new@x.example";
  up.fields = f2;
  up.n_fields = 1;
  up.create = LR_EVENT_CREATE;
  CHECK_INT(lr_apply_events(p, &up, 1, &o, NULL, NULL, NULL), LR_OK);
  CHECK_INT(count(path, "SELECT count(*) FROM contacts WHERE title = 'VP Ops'"), 1);
  up.create = LR_EVENT_UPSERT;
  CHECK_INT(lr_apply_events(p, &up, 1, &o, NULL, NULL, NULL), LR_OK);
  CHECK_INT(count(path, "SELECT count(*) FROM contacts WHERE title = 'VP Ops'"), 0);

  /* Errors: the index of the event at fault, nothing written. */
  long long acts = count(path, "SELECT count(*) FROM activities");
  long long rows = count(path, "SELECT count(*) FROM outbox");
  lr_event bad[2];
  memset(bad, 0, sizeof bad);
  bad[0].key = "c2@x.example";
  bad[0].type = "demo";
  bad[1].key = "nobody@x.example";
  bad[1].type = "demo";
  CHECK_INT(lr_apply_events(p, bad, 2, &o, NULL, NULL, &failed), LR_NOTFOUND);
  CHECK_INT(failed, 1);
  CHECK_CONTAINS(lr_errmsg(db), "event 1: no contact with key 'nobody@x.example'");
  bad[1].key = "c4@x.example";
  bad[1].type = "boom";
  CHECK_INT(lr_apply_events(p, bad, 2, &o, NULL, NULL, &failed), LR_POLICY);
  CHECK_INT(failed, -1);
  CHECK_CONTAINS(lr_errmsg(db), "policy.lua:7:");
  const char *engine_field[] = { "score", "5" };
  bad[1].type = NULL;
  bad[1].fields = engine_field;
  bad[1].n_fields = 1;
  CHECK_INT(lr_apply_events(p, bad, 2, &o, NULL, NULL, &failed), LR_INPUT);
  CHECK_INT(failed, 1);
  /* The store's reason survives in the event's message (it was formatted
  ** from the buffer it replaced, and came out empty). */
  CHECK_CONTAINS(lr_errmsg(db), "event 1: field 'score': 'score' is owned by the engine");
  bad[1].fields = NULL;
  bad[1].n_fields = 0;
  CHECK_INT(lr_apply_events(p, bad, 2, &o, NULL, NULL, &failed), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "event 1: neither a type nor fields");
  CHECK_INT(count(path, "SELECT count(*) FROM activities"), acts);
  CHECK_INT(count(path, "SELECT count(*) FROM outbox"), rows);
  CHECK_INT(lr_apply_events(NULL, bad, 2, &o, NULL, NULL, NULL), LR_MISUSE);
  CHECK_INT(lr_apply_events(p, NULL, 2, &o, NULL, NULL, NULL), LR_MISUSE);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

/* The same events as imported activities and a full run: the same state. */
static void test_equals_run(const char *a, const char *b) {
  const char *q = "SELECT group_concat(key || ':' || coalesce(stage, '') || ':'"
                  " || score || ':' || coalesce(owner, ''), ',') FROM "
                  "(SELECT * FROM contacts WHERE key LIKE 'c%' ORDER BY id)";
  t_sql(b, "INSERT INTO activities(contact_id, type, occurred_at) "
           "SELECT id, 'demo', 1790000000 FROM contacts WHERE key = 'c3@x.example';"
           "INSERT INTO activities(contact_id, type, occurred_at, value, campaign) "
           "SELECT id, 'demo', 1789996400, 2.5, 'fall' FROM contacts "
           "WHERE key = 'c1@x.example';"
           "INSERT INTO activities(contact_id, type, occurred_at) "
           "SELECT id, 'page', 1790000000 FROM contacts WHERE key = 'c3@x.example';");
  lr_db *db = NULL;
  CHECK_INT(lr_open(b, &db), LR_OK);
  lr_policy *p = load(db);
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  ro.now = NOW;
  CHECK_INT(lr_run(p, &ro, NULL), LR_OK);
  lr_policy_free(p);
  lr_close(db);
  char first[2048];
  snprintf(first, sizeof first, "%s", t_sql_text(a, q));
  CHECK_STR(first, t_sql_text(b, q));
  CHECK(strcmp(first, "(none)") != 0);
}

typedef struct rows { int n; long long id[16]; char kind[16][12]; } rows;

static int on_row(void *ctx, const lr_outbox_row *r) {
  rows *x = ctx;
  if (x->n >= 16) return 1;
  x->id[x->n] = r->id;
  snprintf(x->kind[x->n++], 12, "%s", r->kind);
  CHECK(strncmp(r->json, "{\"id\":", 6) == 0);
  return 0;
}

static void test_outbox(const char *path) {
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  rows x;
  memset(&x, 0, sizeof x);
  CHECK_INT(lr_outbox_each(db, 0, 3, on_row, &x), LR_OK);
  CHECK_INT(x.n, 3);
  CHECK(x.id[0] < x.id[1] && x.id[1] < x.id[2]);
  long long acked = -1;
  CHECK_INT(lr_outbox_acked(db, "sync", &acked), LR_OK);
  CHECK_INT(acked, 0);
  CHECK_INT(lr_outbox_ack(db, "sync", x.id[2]), LR_OK);
  CHECK_INT(lr_outbox_ack(db, "sync", x.id[0]), LR_OK);   /* older: ignored */
  CHECK_INT(lr_outbox_acked(db, "sync", &acked), LR_OK);
  CHECK_INT(acked, x.id[2]);
  memset(&x, 0, sizeof x);
  CHECK_INT(lr_outbox_each(db, acked, 0, on_row, &x), LR_OK);
  CHECK_INT(x.n, (int)count(path, "SELECT count(*) FROM outbox") - 3);
  CHECK_INT(lr_outbox_each(NULL, 0, 0, on_row, &x), LR_MISUSE);
  CHECK_INT(lr_outbox_ack(db, NULL, 1), LR_MISUSE);
  lr_close(db);
}

int main(void) {
  t_tmpdir();
  const char *a = t_db("realtime.db"), *b = t_db("twin.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(a, &db), LR_OK);
  lr_close(db);
  t_add_contacts(a, 6);
  CHECK_INT(lr_open(b, &db), LR_OK);
  lr_close(db);
  t_add_contacts(b, 6);
  {   /* the twin starts where a does: one full run */
    CHECK_INT(lr_open(b, &db), LR_OK);
    lr_policy *p = load(db);
    lr_run_opts ro = LR_RUN_OPTS_INIT;
    ro.now = NOW;
    CHECK_INT(lr_run(p, &ro, NULL), LR_OK);
    lr_policy_free(p);
    lr_close(db);
  }
  test_apply(a);
  test_equals_run(a, b);
  test_outbox(a);
  return t_done();
}
