/*
** test_script.c -- lr_script against real database files: leads{} and its
** filters, lead objects, lead:set / lead:move_to with their trace, one
** transaction recorded as a run, dry runs, errors that roll back, the
** snapshot rule, and the example scripts shipped in scripts/.
*/
#include "tqdb.h"

#define NOW 1000000LL
#define DAY 86400LL

static char out[65536];
static size_t nout;

static int capture(void *ctx, const char *data, size_t n) {
  (void)ctx;
  if (nout + n >= sizeof out) return 1;
  memcpy(out + nout, data, n);
  nout += n;
  out[nout] = 0;
  return 0;
}

static lr_script_result res;

/* Write `src` to a script file and run it with args. */
static int run_script(const char *src, int dry, const char *const *argv,
                      int argc) {
  const char *path = t_path("script.lua");
  t_write(path, src);
  lr_script_opts o = LR_SCRIPT_OPTS_INIT;
  o.now = NOW;
  o.by = "tester";
  o.dry_run = dry;
  o.argv = argv;
  o.argc = argc;
  nout = 0;
  out[0] = 0;
  return lr_script_v2(db, path, &o, capture, NULL, &res);
}

static int run_file(const char *path, const char *const *argv, int argc,
                    long long now) {
  lr_script_opts o = LR_SCRIPT_OPTS_INIT;
  o.now = now;
  o.by = "ops@corp";
  o.argv = argv;
  o.argc = argc;
  nout = 0;
  out[0] = 0;
  int rc = lr_script_v2(db, path, &o, capture, NULL, &res);
  if (rc != LR_OK) fprintf(stderr, "%s: %s\n", path, lr_errmsg(db));
  return rc;
}

static const char *SETUP =
  "INSERT INTO contacts(id,key,email,title,company_size,country,stage,owner,"
  " score,grade,scores,assigned_at,updated_at) VALUES"
  " (1,'ann@a.example','ann@a.example','VP Sales',5000,'US','sql','ana',90,'A',"
  "  '{\"fit\":35,\"engagement\":55}',1000000-40*86400,1000000-40*86400),"
  " (2,'bob@b.example','bob@b.example','Intern',10,'DE','lead',NULL,6,'C',"
  "  '{\"fit\":0,\"engagement\":6}',NULL,1000000-86400),"
  " (3,'cy@c.example','cy@c.example','Director',300,'GB','sql','ana',70,'B',"
  "  NULL,1000000-40*86400,1000000-40*86400),"
  " (4,'dee@d.example','dee@d.example',NULL,NULL,NULL,'sql','ben',80,NULL,"
  "  NULL,1000000-2*86400,1000000-2*86400),"
  " (5,'eve@e.example','eve@e.example','CTO',2000,'US','customer','ana',99,'A',"
  "  NULL,NULL,NULL);"
  "INSERT INTO activities(contact_id,type,occurred_at,campaign) VALUES"
  " (1,'email_open',1000000-50*86400,NULL),"
  " (3,'page_view',1000000-5*86400,NULL),"
  " (2,'webinar_attended',1000000-3*86400,'webinar-roi'),"
  " (4,'webinar_attended',1000000-3*86400,'webinar-roi'),"
  " (5,'webinar_attended',1000000-9*86400,'webinar-security');"
  "INSERT INTO segment_members(segment, contact_id) VALUES"
  " ('enterprise', 1), ('enterprise', 5), ('students', 2);";

static void test_leads_and_filters(void) {
  fresh_db("script", SETUP);
  CHECK_INT(run_script(
    "local keys = {}\n"
    "for lead in leads{} do keys[#keys+1] = lead.key end\n"
    "print(table.concat(keys, ','))\n"
    "keys = {}\n"
    "for lead in leads{ stage = 'SQL' } do keys[#keys+1] = lead.id end\n"
    "print('sql', table.concat(keys, ','))\n"
    "keys = {}\n"
    "for lead in leads{ where = \"country = 'US'\", limit = 1 } do keys[#keys+1] = lead.id end\n"
    "print('us1', table.concat(keys, ','))\n"
    "keys = {}\n"
    "for lead in leads{ segment = 'enterprise', stage = 'sql' } do keys[#keys+1] = lead.id end\n"
    "print('ent+sql', table.concat(keys, ','))\n"
    "keys = {}\n"
    "for lead in segment.enterprise:leads() do keys[#keys+1] = lead.id end\n"
    "print('seg', table.concat(keys, ','), segment.enterprise:count())\n"
    "for lead in leads{ where = 'id = 1' } do\n"
    "  print(lead.score, lead.stage, lead.grade, lead.scores.fit, lead.owner,\n"
    "        lead:in_segment('enterprise'), lead:in_segment('students'),\n"
    "        lead:count('email_open'), lead:days_since('email_open'),\n"
    "        segment.enterprise:contains(lead))\n"
    "end\n"
    "print(arg[0] ~= nil, arg[1], arg[2], #arg, now)\n", 0,
    (const char *const[]){"one", "two"}, 2), LR_OK);
  CHECK_CONTAINS(out, "ann@a.example,bob@b.example,cy@c.example,dee@d.example,eve@e.example\n");
  CHECK_CONTAINS(out, "sql\t1,3,4\n");
  CHECK_CONTAINS(out, "us1\t1\n");
  CHECK_CONTAINS(out, "ent+sql\t1\n");
  CHECK_CONTAINS(out, "seg\t1,5\t2\n");
  CHECK_CONTAINS(out, "90\tsql\tA\t35\tana\ttrue\tfalse\t1\t50.0\ttrue\n");
  CHECK_CONTAINS(out, "true\tone\ttwo\t2\t1000000\n");
  CHECK_INT(res.leads, 5 + 3 + 1 + 1 + 2 + 1);
  CHECK_INT(res.moves, 0);
  /* a run row even when nothing changed: who ran what, when */
  CHECK_STR(sql_text("SELECT kind || '|' || by || '|' || evaluated FROM runs"),
            "script|tester|13");
  CHECK(res.run_id > 0);
}

static void test_writes_recorded(void) {
  fresh_db("script", SETUP);
  CHECK_INT(run_script(
    "stages { 'lead', 'mql', 'sql', 'customer' }\n"
    "stage 'nurture'\n"
    "for lead in leads{ stage = 'sql' } do\n"
    "  if lead.stage >= stage.sql and lead.owner == 'ana' then\n"
    "    print(lead:set('owner', 'cy', 'ana left'), lead.owner)\n"
    "    print(lead:move_to('nurture', 'parked'), lead.stage.name, lead.owner)\n"
    "    print(lead:move_to(stage.nurture))\n"
    "  end\n"
    "end\n"
    "for lead in leads{ where = 'id = 2' } do\n"
    "  lead:set('company_size', 12)\n"
    "  lead:set('title', nil)\n"
    "  print(lead:set('company_size', 12))\n"
    "end\n", 0, NULL, 0), LR_OK);
  CHECK_STR(out, "true\tcy\ntrue\tnurture\tcy\nfalse\n"
                 "true\tcy\ntrue\tnurture\tcy\nfalse\nfalse\n");
  CHECK_INT(res.moves, 2);
  CHECK_INT(res.sets, 4);
  long long run = res.run_id;
  CHECK_STR(sql_text("SELECT group_concat(stage || '/' || ifnull(owner, ''), ',') FROM "
                     "(SELECT stage, owner FROM contacts ORDER BY id)"),
            "nurture/cy,lead/,nurture/cy,sql/ben,customer/ana");
  /* stage history: from, to, by, reason, this run; the lock is set */
  CHECK_STR(sql_text("SELECT from_stage || '>' || to_stage || '|' || by || '|' || "
                     "reason FROM stage_history WHERE contact_id=1"),
            "sql>nurture|tester|parked");
  char q[256];
  snprintf(q, sizeof q, "SELECT count(*) FROM stage_history WHERE run_id=%lld", run);
  CHECK_INT(sql_int(q), 2);
  CHECK_INT(sql_int("SELECT manual_at FROM contacts WHERE id=1"), NOW);
  CHECK_INT(sql_int("SELECT due_at IS NULL FROM contacts WHERE id=3"), 1);
  /* audit: old and new values, the default reason names the script */
  CHECK_STR(sql_text("SELECT old_value || '>' || new_value || '|' || by || '|' || "
                     "reason FROM audit WHERE contact_id=1"),
            "ana>cy|tester|ana left");
  CHECK_STR(sql_text("SELECT reason FROM audit WHERE contact_id=2 AND field='title'"),
            "script script.lua");
  CHECK_STR(sql_text("SELECT typeof(company_size) || company_size FROM contacts WHERE id=2"),
            "integer12");
  CHECK_INT(sql_int("SELECT data_at FROM contacts WHERE id=2"), NOW);
  snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE run_id=%lld", run);
  CHECK_INT(sql_int(q), 4);
  CHECK_STR(sql_text("SELECT kind || '|' || moves FROM runs"), "script|2");
}

/* lead:move_to's lock expiry: hold_for (from the script's clock) or
** hold_until; refused when both, unreadable, or not after the move. */
static void test_move_hold(void) {
  fresh_db("script", SETUP);
  CHECK_INT(run_script("stages { 'lead', 'mql', 'sql', 'customer' }\n"
                       "stage 'nurture'\n"
                       "for lead in leads{ where = 'id = 1' } do\n"
                       "  print(lead:move_to('nurture', { hold_for = '30d' }))\n"
                       "end\n"
                       "for lead in leads{ where = 'id = 2' } do\n"
                       "  lead:move_to('nurture', 'wait', { hold_until = 1000001 })\n"
                       "end\n"
                       "for lead in leads{ where = 'id = 3' } do\n"
                       "  lead:move_to('nurture', 'no expiry')\n"
                       "end\n", 0, NULL, 0), LR_OK);
  CHECK_STR(out, "true\n");
  CHECK_STR(sql_text("SELECT group_concat(manual_at || '/' || "
                     "ifnull(manual_until, '-'), ',') FROM (SELECT * FROM "
                     "contacts WHERE id <= 3 ORDER BY id)"),
            "1000000/3592000,1000000/1000001,1000000/-");
  CHECK_STR(sql_text("SELECT reason FROM stage_history WHERE contact_id=1"),
            "script script.lua");
  static const struct { const char *opts, *err; } bad[] = {
    { "{ hold_for = '1d', hold_until = '2030-01-01' }",
      "give hold_for or hold_until, not both" },
    { "{ hold_until = 1000000 }", "is not after the move" },
    { "{ hold_for = 'soon' }", "hold_for" },
    { "{ hold_for = 0 }", "is not after the move" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char src[512];
    snprintf(src, sizeof src, "stage 'nurture'\nstage 'mql'\n"
             "for lead in leads{ where = 'id = 1' } do\n"
             "  lead:move_to('mql', 'x', %s)\nend\n", bad[i].opts);
    CHECK_INT(run_script(src, 0, NULL, 0), LR_POLICY);
    CHECK_CONTAINS(lr_errmsg(db), bad[i].err);
    CHECK_CONTAINS(lr_errmsg(db), "script.lua:4: lead:move_to: ");
  }
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "nurture");
}

static void test_move_targets(void) {
  fresh_db("script", SETUP);
  sql("INSERT INTO stage_history(contact_id, from_stage, to_stage, at) VALUES"
      " (2, 'lead', 'Nurture', 1)");
  /* without declarations: stages in the data, spelled as the data has it */
  CHECK_INT(run_script("for lead in leads{ where = 'id = 2' } do\n"
                       "  lead:move_to('NURTURE', 'x') end\n", 0, NULL, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=2"), "Nurture");
  CHECK_INT(run_script("for lead in leads{ where = 'id = 2' } do\n"
                       "  lead:move_to('nuture', 'typo') end\n", 0, NULL, 0),
            LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "script.lua:2: lead:move_to: unknown stage "
                                "'nuture' (stages in the data or the last "
                                "run: customer, Nurture, sql;");
  /* with declarations: only those */
  CHECK_INT(run_script("stage 'recycled'\n"
                       "for lead in leads{ where = 'id = 2' } do\n"
                       "  lead:move_to('sql', 'x') end\n", 0, NULL, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "unknown stage 'sql' (the script declares: recycled)");
  CHECK_INT(run_script("stage 'recycled'\n"
                       "for lead in leads{ where = 'id = 2' } do\n"
                       "  print(lead.stage) lead:move_to('recycled', 'x') end\n",
                       0, NULL, 0), LR_OK);
  CHECK_STR(out, "Nurture\n");
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=2"), "recycled");
  /* the stages the last run's policy declared are known too (the rule of
  ** `leadrules move`), though no contact has been in them */
  sql("INSERT INTO runs(kind, now, started_at, stages) VALUES('run', 1, 1,"
      " '{\"funnel\": [\"lead\", \"won\"], \"side\": []}')");
  CHECK_INT(run_script("for lead in leads{ where = 'id = 2' } do\n"
                       "  lead:move_to('Won', 'x') end\n", 0, NULL, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=2"), "won");
}

static void test_dry_run_and_errors(void) {
  fresh_db("script", SETUP);
  char before[128], after[128];
  lr_close(db);
  db = NULL;
  file_hash(before);
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  const char *writes =
    "field 'tag'\n"
    "for lead in leads{} do lead:set('tag', 'x') lead:move_to('lead') end\n";
  CHECK_INT(run_script(writes, 1, NULL, 0), LR_OK);
  CHECK_INT(res.sets, 5);
  CHECK_INT(res.moves, 4);
  CHECK_INT(res.fields_created, 1);
  CHECK_INT(res.run_id, 0);
  /* an error after some writes rolls everything back */
  CHECK_INT(run_script("for lead in leads{} do\n"
                       "  lead:set('title', 'x')\n"
                       "  if lead.id == 3 then error('stop here') end\n"
                       "end\n", 0, NULL, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "script.lua:3: stop here");
  CHECK_INT(run_script("for lead in leads{} do lead:set('score', 1) end\n", 0,
                       NULL, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "script.lua:1: lead:set: 'score' is owned by the engine");
  CHECK_INT(run_script("for lead in leads{} do lead:set('titel', 1) end\n", 0,
                       NULL, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "unknown field 'titel'");
  CHECK_INT(run_script("for lead in leads{} do lead:set('title', true) end\n", 0,
                       NULL, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "must be a string, a number or nil (got boolean)");
  CHECK_INT(run_script("for lead in leads{ wher = 'x' } do end\n", 0, NULL, 0),
            LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "unknown option 'wher'");
  CHECK_INT(run_script("for lead in leads{ where = 'nope(' } do end\n", 0, NULL, 0),
            LR_POLICY);
  /* (PostgreSQL's guard says it its own way: pg_usersql.c) */
  CHECK_CONTAINS(lr_errmsg(db), t_pg() ? "leads{}: 'where' nope() may not be "
                 "called here" : "leads{}: 'where' SQL does not prepare");
  CHECK_INT(run_script("for l in leads{ where = 'id IN (SELECT contact_id FROM "
                       "audit)' } do end\n", 0, NULL, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "leads{}: 'where' SQL: it reads the table "
                 "audit (a segment's SQL reads contacts, activities and "
                 "outcomes only)");
  CHECK_INT(run_script("for l in leads{ segment = 'nope' } do end\n", 0, NULL, 0),
            LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "unknown segment 'nope'");
  CHECK_INT(run_script("for a in leads{} do for b in leads{} do end end\n", 0,
                       NULL, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "loops cannot be nested");
  CHECK_INT(run_script("local k\nfor l in leads{} do if k then k:set('title', 'x') "
                       "end k = l end\n", 0, NULL, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "belongs to an earlier step");
  CHECK_INT(run_script("local k\nfor l in leads{} do k = l end\nprint(k.key)\n",
                       0, NULL, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "script.lua:3:");
  CHECK_INT(run_script("rule 'x' { points = 1 }\n", 0, NULL, 0), LR_POLICY);
  CHECK_INT(run_script("while true do end\n", 0, NULL, 0), LR_LIMIT);
  CHECK_INT(run_script("syntax error here\n", 0, NULL, 0), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "script.lua:1:");
  CHECK_INT(lr_script(db, t_path("missing.lua"), NULL, NULL, NULL), LR_IO);
  lr_close(db);
  db = NULL;
  file_hash(after);
  CHECK_STR(after, before);
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
}

static void test_snapshot_and_budget(void) {
  fresh_db("script", SETUP);
  /* a later loop reads the data as it was when the script started; a
  ** lead shows its own changes */
  CHECK_INT(run_script(
    "for lead in leads{ stage = 'sql' } do lead:move_to('lead', 'x') end\n"
    "local n = 0\n"
    "for lead in leads{ stage = 'sql' } do n = n + 1 end\n"
    "print(n)\n", 0, NULL, 0), LR_OK);
  CHECK_STR(out, "3\n");
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE stage='sql'"), 0);
  /* every lead gets a fresh instruction budget: long loops are fine */
  sql("WITH RECURSIVE k(i) AS (SELECT 10 UNION ALL SELECT i+1 FROM k WHERE i < 3000)"
      " INSERT INTO contacts(id, key, stage) SELECT i, 'c' || i, 'lead' FROM k");
  CHECK_INT(run_script("local n = 0\n"
                       "for lead in leads{ stage = 'lead' } do\n"
                       "  for i = 1, 2000 do n = n + 1 end end\n"
                       "print(n)\n", 0, NULL, 0), LR_OK);
  CHECK_STR(out, "5990000\n");   /* 2,995 leads */
  /* sparse and dense selections read the same contacts */
  CHECK_INT(run_script("local s = 0\n"
                       "for l in leads{ where = 'id % 97 = 0' } do s = s + l.id end\n"
                       "print(s)\n", 0, NULL, 0), LR_OK);
  CHECK_STR(out, sql_text("SELECT sum(id) || char(10) FROM contacts WHERE id % 97 = 0"));
}

static void test_shebang_and_print(void) {
  fresh_db("script", SETUP);
  CHECK_INT(run_script("#!/usr/bin/env leadrules\n"
                       "print('a', 1, nil, true)\n"
                       "error('line three')\n", 0, NULL, 0), LR_POLICY);
  CHECK_STR(out, "a\t1\tnil\ttrue\n");
  CHECK_CONTAINS(lr_errmsg(db), "script.lua:3: line three");
}

static void test_shipped_scripts(void) {
  fresh_db("script", SETUP);
  /* reassign-owner: ana's open leads (not the customer) go to cy */
  CHECK_INT(run_file(t_src("scripts/reassign-owner.lua"),
                     (const char *const[]){"ana", "cy"}, 2, NOW), LR_OK);
  CHECK_CONTAINS(out, "2 open lead(s) of ana reassigned to cy");
  CHECK_STR(sql_text("SELECT group_concat(owner, ',') FROM (SELECT owner FROM "
                     "contacts ORDER BY id)"), "cy,cy,ben,ana");
  CHECK_STR(sql_text("SELECT by || '|' || reason FROM audit LIMIT 1"),
            "ops@corp|reassigned from ana to cy");
  CHECK_INT(run_file(t_src("scripts/reassign-owner.lua"), NULL, 0, NOW),
            LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "usage: leadrules scripts/reassign-owner.lua");

  /* recycle-stale-sql: ann (assigned 40 days ago, quiet) goes; cy had a
  ** page view 5 days ago; dee was assigned 2 days ago */
  CHECK_INT(run_file(t_src("scripts/recycle-stale-sql.lua"), NULL, 0, NOW), LR_OK);
  CHECK_CONTAINS(out, "ann@a.example\tcy\n1 stale SQL(s) recycled to nurture");
  CHECK_STR(sql_text("SELECT group_concat(stage, ',') FROM (SELECT stage FROM "
                     "contacts ORDER BY id)"), "nurture,lead,sql,sql,customer");
  CHECK_STR(sql_text("SELECT reason FROM stage_history"),
            "untouched in sql for 30 days: recycled to nurture");
  /* recycled: no sales owner any more, and the lock rests 30 days */
  CHECK_INT(sql_int("SELECT owner IS NULL FROM contacts WHERE id=1"), 1);
  CHECK_INT(sql_int("SELECT manual_until - manual_at FROM contacts WHERE "
                    "id=1"), 30 * DAY);
  /* a shorter window: cy's page view is 5 days old */
  CHECK_INT(run_file(t_src("scripts/recycle-stale-sql.lua"),
                     (const char *const[]){"4"}, 1, NOW + 10 * DAY), LR_OK);
  CHECK_CONTAINS(out, "2 stale SQL(s) recycled");

  /* tag-webinar-attendees: creates the field, tags the attendees */
  CHECK_INT(run_file(t_src("scripts/tag-webinar-attendees.lua"),
                     (const char *const[]){"webinar-roi"}, 1, NOW), LR_OK);
  CHECK_CONTAINS(out, "new field last_webinar\n");
  CHECK_CONTAINS(out, "2 attendee(s) of webinar-roi, 2 newly tagged last_webinar = webinar-roi");
  CHECK_STR(sql_text("SELECT group_concat(id, ',') FROM contacts WHERE "
                     "last_webinar = 'webinar-roi'"), "2,4");
  CHECK_STR(sql_text("SELECT type FROM fields WHERE name='last_webinar'"), "text");
  CHECK_INT(run_file(t_src("scripts/tag-webinar-attendees.lua"),
                     (const char *const[]){"webinar-roi"}, 1, NOW), LR_OK);
  CHECK_CONTAINS(out, "2 attendee(s) of webinar-roi, 0 newly tagged");
  CHECK_INT(run_file(t_src("scripts/tag-webinar-attendees.lua"),
                     (const char *const[]){"webinar-security", "vip", "yes"}, 3,
                     NOW), LR_OK);
  CHECK_STR(sql_text("SELECT vip FROM contacts WHERE id=5"), "yes");
}

int main(void) {
  t_tmpdir();
  test_leads_and_filters();
  test_writes_recorded();
  test_move_targets();
  test_move_hold();
  test_dry_run_and_errors();
  test_snapshot_and_budget();
  test_shebang_and_print();
  test_shipped_scripts();
  lr_close(db);
  return t_done();
}
