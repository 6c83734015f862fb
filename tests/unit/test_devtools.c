/*
** test_devtools.c -- lr_check, lr_test and lr_session against real files:
** the policy tools built on the one evaluation path.  With
** LR_TEST_DB=postgresql the sessions' databases are PostgreSQL's (t_pg.h).
*/
#include <sqlite3.h>

#include "leadrules.h"
#include "lua/srcscan.h"
#include "t.h"
#include "t_db.h"

/* Output collected from a write callback. */
typedef struct sink {
  char buf[65536];
  size_t n;
} sink;

static int to_sink(void *ctx, const char *data, size_t n) {
  sink *s = ctx;
  if (s->n + n >= sizeof s->buf) n = sizeof s->buf - 1 - s->n;
  memcpy(s->buf + s->n, data, n);
  s->n += n;
  s->buf[s->n] = '\0';
  return 0;
}

static void reset(sink *s) {
  s->n = 0;
  s->buf[0] = '\0';
}

static void sql(const char *path, const char *q) { t_sql(path, q); }

/* ---- srcscan ---------------------------------------------------------- */

static int has_ref(const lrp_refs *r, int kind, const char *name, int line) {
  for (int i = 0; i < r->n; i++)
    if (r->v[i].kind == kind && strcmp(r->v[i].name, name) == 0 &&
        (line == 0 || r->v[i].line == line))
      return 1;
  return 0;
}

static void test_srcscan(void) {
  const char *src =
      "-- lead.commented_out\n"
      "--[[ lead.also_commented\n"
      "]] rule \"r\" { when = function(lead) return lead.title and\n"
      "  lead[\"company size\"] ~= nil and x.lead.not_a_lead end }\n"
      "local s = \"lead.in_a_string\" .. [[lead.long]]\n"
      "segment \"ent\" { where = [==[\n size > 1 ]==] }\n"
      "r = lead:in_segment(\"ent\") or segment.vip or lead.count(x)\n"
      "print(lead .. lead.x2)\n";
  lrp_refs r;
  CHECK_INT(lrp_scan_source(src, strlen(src), &r), 0);
  CHECK(has_ref(&r, LRP_REF_FIELD, "title", 3));
  CHECK(has_ref(&r, LRP_REF_FIELD, "company size", 4));
  CHECK(has_ref(&r, LRP_REF_FIELD, "x2", 9));     /* the long string spans 6-7 */
  CHECK(!has_ref(&r, LRP_REF_FIELD, "commented_out", 0));
  CHECK(!has_ref(&r, LRP_REF_FIELD, "also_commented", 0));
  CHECK(!has_ref(&r, LRP_REF_FIELD, "not_a_lead", 0));
  CHECK(!has_ref(&r, LRP_REF_FIELD, "in_a_string", 0));
  CHECK(!has_ref(&r, LRP_REF_FIELD, "count", 0));
  CHECK(has_ref(&r, LRP_REF_DECL, "r", 3));
  CHECK(has_ref(&r, LRP_REF_DECL, "ent", 6));
  CHECK(has_ref(&r, LRP_REF_STRING, "ent", 8));
  CHECK(has_ref(&r, LRP_REF_SEGMENT, "vip", 8));
  CHECK(lrp_lead_builtin("score") && lrp_lead_builtin("did"));
  CHECK(!lrp_lead_builtin("title"));
  lrp_refs_free(&r);
}

/* ---- lr_session ------------------------------------------------------- */

static void test_session(void) {
  const char *path = t_db_fresh("session.db");
  lr_db *db;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_close(db);
  sql(path, "INSERT INTO contacts(id,key,email,title,company_size) VALUES"
            " (1,'ann@a.example','ann@a.example','VP',5000),"
            " (2,'bob@b.example','bob@b.example','Intern',10);"
            "INSERT INTO activities(contact_id,type,occurred_at) VALUES"
            " (1,'email_open',100),(1,'demo_request',200);");
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_session *s = NULL;
  CHECK_INT(lr_session_open(db, &s), LR_OK);
  sink o;
  reset(&o);
  CHECK_INT(lr_session_eval(s, "1 + 1", to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "2\n");
  reset(&o);
  CHECK_INT(lr_session_eval(s, "= 'a' .. 1, nil, {x = 1}", to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "\"a1\"\tnil\t{x = 1}\n");
  reset(&o);
  CHECK_INT(lr_session_eval(s, "x = 41", to_sink, &o), LR_OK);
  CHECK_INT(lr_session_eval(s, "x + 1", to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "42\n");
  /* `help` and `now` typed alone; the clock set by lr_session_set_now,
  ** which p:evaluate reads too (below, through `now`). */
  reset(&o);
  CHECK_INT(lr_session_eval(s, " help ", to_sink, &o), LR_OK);
  CHECK_CONTAINS(o.buf, "query(sql, ...)");
  lr_session_set_now(s, 1793491200);
  reset(&o);
  CHECK_INT(lr_session_eval(s, "now", to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "2026-11-01T00:00:00Z (1793491200)\n");
  reset(&o);
  CHECK_INT(lr_session_eval(s, "now - 1", to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "1793491199\n");
  reset(&o);
  CHECK_INT(lr_session_eval(s, "help = 1; return help", to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "1\n");
  reset(&o);
  CHECK_INT(lr_session_eval(s, "now = 'soon'", to_sink, &o), LR_OK);
  CHECK_INT(lr_session_eval(s, "now", to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "\"soon\"\n");          /* not a time: shown as it is */
  lr_session_set_now(s, 1793491200);
  /* Incomplete input asks for more; the whole chunk then runs. */
  reset(&o);
  CHECK_INT(lr_session_eval(s, "for i = 1, 2 do", to_sink, &o), LR_INPUT);
  CHECK_INT(lr_session_eval(s, "for i = 1, 2 do\n print(i)", to_sink, &o),
            LR_INPUT);
  CHECK_INT(lr_session_eval(s, "for i = 1, 2 do\n print(i)\nend", to_sink, &o),
            LR_OK);
  CHECK_STR(o.buf, "1\n2\n");
  CHECK_INT(lr_session_eval(s, "t = {", to_sink, &o), LR_INPUT);
  /* Errors carry stdin:LINE and leave the session usable. */
  CHECK_INT(lr_session_eval(s, "error('boom')", to_sink, &o), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "stdin:1: boom");
  CHECK_INT(lr_session_eval(s, "= 1 +", to_sink, &o), LR_INPUT);
  CHECK_INT(lr_session_eval(s, "1 + + 2", to_sink, &o), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "unexpected symbol");
  CHECK_INT(lr_session_eval(s, "undefined_thing.x", to_sink, &o), LR_POLICY);
  /* query, count, lead */
  reset(&o);
  CHECK_INT(lr_session_eval(s, "query('SELECT key, company_size FROM contacts "
                            "WHERE company_size > ?1 ORDER BY id', 100)",
                            to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "{{company_size = 5000, key = \"ann@a.example\"}}\n");
  reset(&o);
  CHECK_INT(lr_session_eval(s, "count('company_size < 100'), count()",
                            to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "1\t2\n");
  CHECK_INT(lr_session_eval(s, "query('SELECT * FROM runs')", to_sink, &o),
            LR_POLICY);
  CHECK_STR(lr_errmsg(db), "stdin:1: query: it reads the table runs (query() "
            "reads contacts, activities and outcomes only)");
  CHECK_INT(lr_session_eval(s, "query('DELETE FROM contacts')", to_sink, &o),
            LR_POLICY);
  CHECK_INT(lr_session_eval(s, "query('SELECT 1; DROP TABLE contacts')",
                            to_sink, &o), LR_POLICY);
  reset(&o);
  CHECK_INT(lr_session_eval(s, "l = lead('ANN@a.example'); return l.title, "
                            "#l.activities, l.activities[2].type, "
                            "lead('nobody')", to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "\"VP\"\t2\t\"demo_request\"\tnil\n");
  /* A policy loaded in the shell evaluates stored contacts and fixtures. */
  const char *pol = t_path("shell_policy.lua");
  t_write(pol, "stages { 'lead', 'mql' }\n"
               "rule 'big' { points = 50, when = function(lead)\n"
               "  return (lead.company_size or 0) >= 1000 end }\n"
               "rule 'demo' { points = 20, when = function(lead)\n"
               "  return lead:did('demo_request') end }\n"
               "transition { from = 'lead', to = 'mql', when = function(lead)\n"
               "  return lead.score >= 50 end }\n");
  char code[1400];
  snprintf(code, sizeof code, "p = load_policy('%s')", pol);
  CHECK_INT(lr_session_eval(s, code, to_sink, &o), LR_OK);
  reset(&o);
  CHECK_INT(lr_session_eval(s, "r = p:evaluate('ann@a.example'); "
                            "return r.score, r.stage, r.parts.demo",
                            to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "70\t\"mql\"\t20\n");
  reset(&o);
  CHECK_INT(lr_session_eval(s, "p:evaluate{ company_size = 10 }.stage",
                            to_sink, &o), LR_OK);
  CHECK_STR(o.buf, "\"lead\"\n");
  CHECK_INT(lr_session_eval(s, "p:evaluate('nobody')", to_sink, &o), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "no contact 'nobody'");
  /* The session holds the database open until it is closed. */
  CHECK_INT(lr_close(db), LR_MISUSE);
  lr_session_close(s);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- lr_test ---------------------------------------------------------- */

static const char POLICY[] =
  "stages { 'subscriber', 'lead', 'mql', 'sql' }\n"
  "stage 'nurture'\n"
  "segment 'enterprise' { where = 'company_size >= 1000' }\n"
  "segment 'engaged' { where = \"id IN (SELECT contact_id FROM activities \"\n"
  "  .. \"WHERE type = 'webinar_attended')\" }\n"
  "segment 'students' { when = function(lead)\n"
  "  return (lead.title or ''):lower():find('student') ~= nil end }\n"
  "rule 'senior' { group = 'fit', points = 20, when = function(lead)\n"
  "  return (lead.title or ''):find('VP') ~= nil end }\n"
  "rule 'enterprise' { group = 'fit', points = 15, segment = 'enterprise' }\n"
  "rule 'student' { group = 'fit', points = -30, segment = 'students' }\n"
  "rule 'opens' { group = 'engagement', max = 10, score = function(lead)\n"
  "  return 2 * lead:count('email_open', { within = '30d' }) end }\n"
  "rule 'demo' { group = 'engagement', points = 50, when = function(lead)\n"
  "  return lead:did('demo_request', { within = '14d' }) end }\n"
  "rule 'won before' { points = 5, when = function(lead)\n"
  "  local o = lead:outcome(); return o and o.won end }\n"
  "grade 'fit' { A = 30, B = 15, C = 0 }\n"
  "transition { from = 'subscriber', to = 'lead', when = function(lead)\n"
  "  return true end }\n"
  "transition { from = 'lead', to = 'mql', when = function(lead)\n"
  "  return lead.score >= 50 end }\n"
  "transition { from = 'mql', to = 'sql', when = function(lead)\n"
  "  return lead.score >= 80 and lead:in_segment('enterprise') end }\n"
  "transition { from = { 'mql', 'sql' }, to = 'nurture', when = function(lead)\n"
  "  return lead.score < 20 end }\n"
  "handoff { stage = 'sql', assign = by_field('country', { DE = 'dora', "
  "['*'] = 'fallback@corp' }) }\n";

static int run_test_file(const char *name, const char *text, sink *o,
                         int *passed, int *failed) {
  const char *path = t_path(name);
  t_write(path, text);
  reset(o);
  lr_db *mem;
  lr_open(":memory:", &mem);
  int rc = lr_test(mem, path, NULL, to_sink, o, passed, failed);
  if (rc != LR_OK && rc != LR_TESTFAIL) {
    to_sink(o, "ERR: ", 5);
    to_sink(o, lr_errmsg(mem), strlen(lr_errmsg(mem)));
  }
  lr_close(mem);
  return rc;
}

static void test_testing(void) {
  t_write(t_path("p.lua"), POLICY);
  sink o;
  int passed = -1, failed = -1;
  int rc = run_test_file("p_test.lua",
      "local p = load_policy('p.lua', { now = '2026-11-01' })\n"
      "test('activities count inside their window only', function()\n"
      "  local r = p:evaluate { activities = {\n"
      "    { type = 'email_open', ago = '1d' }, { 'email_open', '2026-10-20' },\n"
      "    { type = 'email_open', at = '2026-09-01' },\n"
      "    { type = 'email_open', at = '2026-11-02' },\n"
      "    'demo_request' } }\n"
      "  expect(r.parts.opens).to_be(4)\n"
      "  expect(r.parts.demo).to_be(50)\n"
      "  expect(r.scores).to_equal { fit = 0, engagement = 54 }\n"
      "end)\n"
      "test('a score function is capped by max', function()\n"
      "  local acts = {}\n"
      "  for i = 1, 8 do acts[i] = { type = 'email_open', ago = i .. 'h' } end\n"
      "  expect(p:evaluate{ activities = acts }.parts.opens).to_be(10)\n"
      "end)\n"
      "test('SQL segments run as SQL, on activities too', function()\n"
      "  local r = p:evaluate { company_size = 5000, title = 'VP Sales',\n"
      "    activities = { { type = 'webinar_attended', ago = '3d' } } }\n"
      "  expect(r.segments).to_equal { enterprise = true, engaged = true,\n"
      "                               students = false }\n"
      "  expect(r.grade).to_be('A')\n"
      "  expect(r.grades.fit).to_be('A')\n"
      "end)\n"
      "test('Lua segments and negative points', function()\n"
      "  local r = p:evaluate { title = 'PhD Student' }\n"
      "  expect(r.segments.students).to_be(true)\n"
      "  expect(r.score).to_be(-30)\n"
      "  expect(r.grade).to_be('C')\n"
      "end)\n"
      "test('the funnel: several moves in one run, and a handoff', function()\n"
      "  local r = p:evaluate { company_size = 5000, title = 'VP',\n"
      "    country = 'DE', activities = { { 'demo_request', ago = '2d' } } }\n"
      "  expect(r.path).to_equal { 'subscriber', 'lead', 'mql', 'sql' }\n"
      "  expect(#r.moves).to_be(4)\n"
      "  expect(r.moves[1].reason).to_be('initial stage')\n"
      "  expect(r.moves[3].transition).to_be('lead->mql')\n"
      "  expect(r.handoff.owner).to_be('dora')\n"
      "  local other = p:evaluate { company_size = 5000, title = 'VP',\n"
      "    country = 'FR', activities = { { 'demo_request', ago = '2d' } } }\n"
      "  expect(other.handoff.owner).to_be('fallback@corp')\n"
      "end)\n"
      "test('stored stage, outcome and the manual lock', function()\n"
      "  local r = p:evaluate { stage = 'mql', outcome = 'won' }\n"
      "  expect(r.parts['won before']).to_be(5)\n"
      "  expect(r.stage).to_be('nurture')\n"
      "  r = p:evaluate { stage = 'mql', manual_at = '2026-10-01',\n"
      "                   data_at = '2026-09-01' }\n"
      "  expect(r.manual_locked).to_be(true)\n"
      "  expect(r.held_by_manual).to_be(1)\n"
      "  expect(r.stage).to_be('mql')\n"
      "  r = p:evaluate { stage = 'mql', manual_at = '2026-10-01',\n"
      "                   manual_until = '2026-10-02' }\n"
      "  expect(r.manual_locked).to_be(false)\n"
      "  expect(r.held_by_manual).to_be(0)\n"
      "  expect(r.stage).to_be('nurture')\n"
      "  r = p:evaluate({ stage = 'mql', manual_at = '2026-10-01' },\n"
      "                 { override_manual = true })\n"
      "  expect(r.stage).to_be('nurture')\n"
      "end)\n"
      "test('now can be set per evaluation', function()\n"
      "  local f = { activities = { { 'demo_request', '2026-10-30' } } }\n"
      "  expect(p:evaluate(f).fired.demo).to_be(true)\n"
      "  expect(p:evaluate(f, { now = '2026-12-31' }).fired.demo).to_be(false)\n"
      "  expect(p:evaluate(f, { now = '2026-10-29' }).fired.demo).to_be(false)\n"
      "end)\n"
      "test('matchers', function()\n"
      "  expect(1.5).to_be_near(1.49, 0.02)\n"
      "  expect('hello world').to_contain('o w')\n"
      "  expect({ 1, 2, 3 }).to_contain(2)\n"
      "  expect({ a = 1, b = 2 }).to_contain { a = 1 }\n"
      "  expect(3).to_be_above(2); expect(3).to_be_at_most(3)\n"
      "  expect(nil).to_be_falsy(); expect(0).to_be_truthy()\n"
      "  expect('mql').to_match('^m')\n"
      "  expect(2).not_to_be(3)\n"
      "  eq({ x = { 1 } }, { x = { 1 } }); ok(true)\n"
      "  expect(function() error('nope') end).to_fail('nope')\n"
      "  expect(function() p:evaluate { bad = {} } end)\n"
      "    .to_fail(\"fixture field 'bad' must be a string\")\n"
      "  expect(function() p:evaluate { segments = { students = true } } end)\n"
      "    .to_fail('is a Lua segment')\n"
      "  expect(function() p:evaluate { segments = { nope = true } } end)\n"
      "    .to_fail(\"no segment 'nope'\")\n"
      "  expect(function() return p:evaluate{}.fired.nope end)\n"
      "    .to_fail(\"no rule named 'nope'\")\n"
      "  expect(p.stages).to_equal { 'subscriber', 'lead', 'mql', 'sql', 'nurture' }\n"
      "  expect(p.rules).to_contain('won before')\n"
      "end)\n",
      &o, &passed, &failed);
  CHECK_INT(rc, LR_OK);
  CHECK_INT(passed, 8);
  CHECK_INT(failed, 0);
  if (rc != LR_OK) fprintf(stderr, "%s\n", o.buf);
  CHECK_CONTAINS(o.buf, "ok - activities count inside their window only\n");
  CHECK_CONTAINS(o.buf, "8 passed, 0 failed\n");

  /* Failures: file:line, expected and actual; the other tests still run. */
  rc = run_test_file("fail_test.lua",
      "local p = load_policy('p.lua')\n"
      "test('passes', function() expect(1).to_be(1) end)\n"
      "test('wrong score', function()\n"
      "  local r = p:evaluate { title = 'VP' }\n"
      "  expect(r.score).to_be(25)\n"
      "end)\n"
      "test('wrong table', function()\n"
      "  eq(p:evaluate{}.path, { 'lead' }, 'path')\n"
      "end)\n"
      "test('runtime error', function() local x = nil; return x.y end)\n"
      "test('negated', function() expect('a').not_to_be('a') end)\n"
      "print('printed', 1, {2})\n",
      &o, &passed, &failed);
  CHECK_INT(rc, LR_TESTFAIL);
  CHECK_INT(passed, 1);
  CHECK_INT(failed, 4);
  CHECK_CONTAINS(o.buf, "printed\t1\t{2}\n");
  CHECK_CONTAINS(o.buf, "ok - passes\n");
  CHECK_CONTAINS(o.buf, "FAIL - wrong score\n  ");
  CHECK_CONTAINS(o.buf, "fail_test.lua:5: expected 25, got 20\n");
  CHECK_CONTAINS(o.buf, "fail_test.lua:8: path: expected {\"lead\"}, got "
                        "{\"subscriber\", \"lead\"}\n");
  CHECK_CONTAINS(o.buf, "FAIL - runtime error\n");
  CHECK_CONTAINS(o.buf, "fail_test.lua:10: attempt to index a nil value");
  CHECK_CONTAINS(o.buf, "fail_test.lua:11: expected not: \"a\", got \"a\"");
  CHECK_CONTAINS(o.buf, "1 passed, 4 failed\n");

  /* Strict fields: the exact columns; unknown ones are errors both ways. */
  rc = run_test_file("strict_test.lua",
      "local p = load_policy('p.lua', { fields = { 'visits' } })\n"
      "test('strict', function()\n"
      "  expect(p:evaluate{ title = 'VP' }.score).to_be(20)\n"
      "  expect(function() p:evaluate{ titel = 'VP' } end)\n"
      "    .to_fail(\"fixture field 'titel' is not among the policy's fields\")\n"
      "end)\n"
      "local q = load_policy { name = 'typo.lua', source = [[\n"
      "stages { 'a' }\n"
      "rule 'r' { points = 1, when = function(lead) return lead.titel end }\n"
      "]], fields = {} }\n"
      "test('a policy typo is an error under strict fields', function()\n"
      "  expect(function() q:evaluate{} end)\n"
      "    .to_fail(\"typo.lua:2: contact fixture: unknown field 'lead.titel'\")\n"
      "end)\n"
      "test('lenient: fields the policy reads are nil', function()\n"
      "  local l = load_policy { source = [[\n"
      "stages { 'a' }\n"
      "segment 's' { where = 'no_where_given IS NULL' }\n"
      "rule 'r' { points = 1, when = function(lead) return lead.titel end }\n"
      "rule 'q' { points = 2, segment = 's' }\n"
      "]] }\n"
      "  local r = l:evaluate {}\n"
      "  expect(r.score).to_be(2)\n"
      "end)\n",
      &o, &passed, &failed);
  CHECK_INT(rc, LR_OK);
  CHECK_INT(passed, 3);
  if (rc != LR_OK) fprintf(stderr, "%s\n", o.buf);

  /* A file that cannot run, a policy that cannot load, no tests. */
  rc = run_test_file("syntax_test.lua", "test('x', function() end\n", &o,
                     &passed, &failed);
  CHECK_INT(rc, LR_POLICY);
  CHECK_CONTAINS(o.buf, "syntax_test.lua:");
  rc = run_test_file("noload_test.lua",
      "local p = load_policy('missing.lua')\n"
      "test('x', function() end)\n", &o, &passed, &failed);
  CHECK_INT(rc, LR_POLICY);
  CHECK_CONTAINS(o.buf, "noload_test.lua:1: load_policy: ");
  CHECK_CONTAINS(o.buf, "missing.lua");
  rc = run_test_file("bad_policy_test.lua",
      "test('x', function()\n"
      "  load_policy { name = 'bad.lua', source = 'stages {}' }\n"
      "end)\n", &o, &passed, &failed);
  CHECK_INT(rc, LR_TESTFAIL);
  CHECK_CONTAINS(o.buf, "bad_policy_test.lua:2: load_policy: bad.lua:1: ");
  rc = run_test_file("empty_test.lua", "-- nothing\n", &o, &passed, &failed);
  CHECK_INT(rc, LR_POLICY);
  CHECK_CONTAINS(o.buf, "defines no tests");
  /* A runaway test hits the instruction budget, and the next still runs. */
  rc = run_test_file("loop_test.lua",
      "test('forever', function() while true do end end)\n"
      "test('after', function() end)\n", &o, &passed, &failed);
  CHECK_INT(rc, LR_TESTFAIL);
  CHECK_INT(passed, 1);
  CHECK_CONTAINS(o.buf, "FAIL - forever\n");
  CHECK_CONTAINS(o.buf, "ok - after\n");
  /* Fixture values that would be silently wrong are refused: NaN, a time
  ** out of range, a fractional id, a NUL byte, a clock of 0. */
  rc = run_test_file("refuse_test.lua",
      "local p = load_policy('p.lua', { now = '2026-11-01' })\n"
      "test('nan', function() p:evaluate { title = 0/0 } end)\n"
      "test('due', function() p:evaluate { due_at = 1e300 } end)\n"
      "test('id', function() p:evaluate { id = 1.5 } end)\n"
      "test('nul', function() p:evaluate { stage = 'mql\\0x' } end)\n"
      "test('ago', function() p:evaluate { activities = {\n"
      "  { 'email_open', ago = -1 } } } end)\n"
      "test('clock', function() p:evaluate({}, { now = 0 }) end)\n",
      &o, &passed, &failed);
  CHECK_INT(rc, LR_TESTFAIL);
  CHECK_INT(failed, 6);
  CHECK_CONTAINS(o.buf, "refuse_test.lua:2: fixture field 'title' must be a "
                 "finite number\n");
  CHECK_CONTAINS(o.buf, "refuse_test.lua:3: fixture field 'due_at': 1e+300 "
                 "is not a time");
  CHECK_CONTAINS(o.buf, "refuse_test.lua:4: fixture field 'id' must be a "
                 "whole number\n");
  CHECK_CONTAINS(o.buf, "refuse_test.lua:5: fixture field 'stage' contains a "
                 "NUL byte\n");
  CHECK_CONTAINS(o.buf, "refuse_test.lua:6: activity 1: -1 is not a "
                 "duration");
  CHECK_CONTAINS(o.buf, "refuse_test.lua:8: evaluate: 'now': the clock must "
                 "be after 1970-01-01T00:00:00Z");
}

/* ---- lr_check ----------------------------------------------------------- */

static void test_check(void) {
  const char *path = t_db_fresh("check.db");
  lr_db *db;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_close(db);
  /* 1000 contacts; every 10th is big, none is a student. */
  sql(path, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n "
            "WHERE i < 1000) INSERT INTO contacts(id,key,title,company_size) "
            "SELECT i, 'c' || i || '@x.example', CASE WHEN i % 7 = 0 THEN "
            "NULL ELSE 'Manager' END, CASE WHEN i % 10 = 0 THEN 5000 ELSE 50 "
            "END FROM n;");
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_policy *p;
  const char *src =
      "stages { 'lead', 'mql', 'sql' }\n"
      "stage 'lost'\n"
      "segment 'big' { where = 'company_size >= 1000' }\n"
      "segment 'unused' { where = 'company_size < 10' }\n"
      "rule 'big' { points = 10, segment = 'big' }\n"
      "rule 'student' { points = -5, when = function(lead)\n"
      "  return lead.title == 'Student' end }\n"
      "rule 'all' { points = 1, when = function(lead) return lead.id > 0 end }\n"
      "rule 'lower' { points = 1, when = function(lead)\n"
      "  return lead.title:lower() == 'x' end }\n"
      "rule 'typo' { points = 1, when = function(lead)\n"
      "  return lead.compnay ~= nil end }\n"
      "transition { from = 'lead', to = 'mql', when = function(lead)\n"
      "  return lead.score > 100 end }\n"
      "transition { from = 'lost', to = 'sql', when = function(lead)\n"
      "  return true end }\n"
      "handoff { stage = 'sql', assign = 'x' }\n";
  CHECK_INT(lr_policy_load_string(db, "c.lua", src, strlen(src), NULL, &p),
            LR_OK);
  sink o;
  reset(&o);
  int errors = -1, warnings = -1;
  lr_check_opts co = LR_CHECK_OPTS_INIT;
  co.now = 1000000;
  co.sample = -1;
  CHECK_INT(lr_check_v2(p, &co, to_sink, &o, &errors, &warnings), LR_OK);
  CHECK_CONTAINS(o.buf, "c.lua:12: error: lead.compnay: no such field in the "
                        "database (did you mean 'company'?)\n");
  CHECK_CONTAINS(o.buf, "c.lua:2: warning: stage 'lost' is reached by no "
                        "transition\n");
  CHECK_CONTAINS(o.buf, "c.lua:1: warning: stage 'sql' is unreachable");
  CHECK_CONTAINS(o.buf, "c.lua:4: warning: segment 'unused' is used by no "
                        "rule");
  CHECK_CONTAINS(o.buf, "c.lua:15: warning: transition lost->sql never runs: "
                        "no contact can be in stage 'lost'\n");
  CHECK_CONTAINS(o.buf, "c.lua:17: warning: handoff for stage 'sql' never "
                        "fires");
  /* Contacts without a title fail first on line 10; the others on the
  ** typo, which is reported once, statically. */
  CHECK_CONTAINS(o.buf, "c.lua:10: error: attempt to index a nil value");
  CHECK_CONTAINS(o.buf, "evaluated 1000 contacts at now = "
                        "1970-01-12T13:46:40Z; 1000 failed (858 on the "
                        "errors above)\n");
  CHECK_INT(errors, 2);
  CHECK_CONTAINS(o.buf, "2 errors, 5 warnings\n");
  lr_policy_free(p);

  /* Without the typo, the data speaks: runtime errors and fire counts. */
  const char *src2 =
      "stages { 'lead', 'mql' }\n"
      "segment 'big' { where = 'company_size >= 1000' }\n"
      "rule 'big' { points = 10, segment = 'big' }\n"
      "rule 'student' { points = -5, when = function(lead)\n"
      "  return lead.title == 'Student' end }\n"
      "rule 'all' { points = 1, when = function(lead) return lead.id > 0 end }\n"
      "rule 'lower' { points = 1, when = function(lead)\n"
      "  return lead.title:lower() == 'x' end }\n"
      "transition { from = 'lead', to = 'mql', when = function(lead)\n"
      "  return lead.score > 5 end }\n";
  CHECK_INT(lr_policy_load_string(db, "d.lua", src2, strlen(src2), NULL, &p),
            LR_OK);
  reset(&o);
  CHECK_INT(lr_check_v2(p, &co, to_sink, &o, &errors, &warnings), LR_OK);
  CHECK_CONTAINS(o.buf, "d.lua:8: error: attempt to index a nil value (field "
                        "'title') (fails on 142 of the 1000 contacts "
                        "evaluated, e.g. contact c7@x.example)\n");
  CHECK_CONTAINS(o.buf, "d.lua:4: warning: rule 'student' fired on none of "
                        "the 858 contacts evaluated without error\n");
  CHECK_CONTAINS(o.buf, "d.lua:6: warning: rule 'all' fired on every one of "
                        "the 858 contacts");
  CHECK(!strstr(o.buf, "rule 'big'"));
  CHECK_CONTAINS(o.buf, "1 error, 3 warnings\n");
  /* A sample, spread over the ids. */
  reset(&o);
  co.sample = 100;
  CHECK_INT(lr_check_v2(p, &co, to_sink, &o, &errors, &warnings), LR_OK);
  CHECK_CONTAINS(o.buf, "evaluated 100 contacts (a sample of 1000)");
  CHECK_INT(errors, 1);
  /* lr_check: the defaults. */
  reset(&o);
  CHECK_INT(lr_check(p, to_sink, &o, &errors, &warnings), LR_OK);
  CHECK_CONTAINS(o.buf, "evaluated 1000 contacts at now = ");
  lr_policy_free(p);

  /* An empty database: static checks only, with a note. */
  lr_db *mem;
  lr_open(":memory:", &mem);
  CHECK_INT(lr_policy_load_string(mem, "d.lua", src2, strlen(src2), NULL, &p),
            LR_OK);
  reset(&o);
  CHECK_INT(lr_check(p, to_sink, &o, &errors, &warnings), LR_OK);
  CHECK_CONTAINS(o.buf, "d.lua: note: the database has no contacts");
  CHECK_CONTAINS(o.buf, "0 errors, 0 warnings\n");
  lr_policy_free(p);
  lr_close(mem);
  lr_close(db);
}

/* lr_policy_errors: every failed declaration, each with its line, the
** load going on after each; 0 for a policy that loads; misuse and IO. */
static void test_policy_errors(void) {
  lr_db *db;
  CHECK_INT(lr_open(t_db_fresh("errors.db"), &db), LR_OK);
  const char *bad = t_path("bad.lua");
  t_write(bad, "stages { 'lead', 'mql' }\n"
               "transition { from = 'lead', to = 'sqll', when = function() return true end }\n"
               "rule 'r' { points = 1 }\n"
               "rule 'r2' { points = 1, when = function() return true end }\n"
               "grade 'g' { A = 'x' }\n"
               "rule 'r2' { points = 2, when = function() return true end }\n");
  sink o;
  reset(&o);
  int n = -1;
  CHECK_INT(lr_policy_errors(db, bad, to_sink, &o, &n), LR_OK);
  CHECK_INT(n, 4);
  CHECK_CONTAINS(o.buf, "bad.lua:2: error: transition: unknown stage 'sqll'");
  CHECK_CONTAINS(o.buf, "bad.lua:3: error: rule 'r': 'points' needs a 'when'");
  CHECK_CONTAINS(o.buf, "bad.lua:5: error: grade 'g'");
  /* the load went on: r2 was declared, so the second is a duplicate */
  CHECK_CONTAINS(o.buf, "bad.lua:6: error: rule 'r2' is declared twice");
  /* the same file through lr_policy_load: the first error only */
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load(db, bad, &p), LR_POLICY);
  CHECK_CONTAINS(lr_errmsg(db), "bad.lua:2:");
  const char *good = t_path("good.lua");
  t_write(good, "stages { 'lead' }\n");
  reset(&o);
  CHECK_INT(lr_policy_errors(db, good, to_sink, &o, &n), LR_OK);
  CHECK_INT(n, 0);
  CHECK_STR(o.buf, "");
  CHECK_INT(lr_policy_errors(db, t_path("missing.lua"), to_sink, &o, &n), LR_IO);
  CHECK_INT(lr_policy_errors(db, good, NULL, &o, &n), LR_MISUSE);
  CHECK_INT(lr_policy_errors(NULL, good, to_sink, &o, &n), LR_MISUSE);
  CHECK_INT(lr_close(db), LR_OK);
}

int main(void) {
  t_tmpdir();
  test_policy_errors();
  test_srcscan();
  test_session();
  test_testing();
  test_check();
  return t_done();
}
