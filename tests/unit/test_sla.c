/*
** test_sla.c -- SLAs and recycling over real database files: stage_since
** kept by runs, moves and scripts (a same-run pass-through enters its last
** stage at `now`); lead.stage_since, lead:time_in_stage(), lead.assigned_at
** and lead.due_at as policies see them, with the cool-down boundary; a
** recycled lead loses its owner unless keep_owner; a lead entering a full
** round robin waits unowned and a later run assigns it; a re-run at the
** same `now` writes no row outside `runs`; an SLA due exactly at `now` is
** not breached.
*/
#include <sqlite3.h>

#include "tqdb.h"

#define NOW 1000000000LL
#define DAY 86400LL

static long long ival(const char *fmt, const char *key) {
  char q[512];
  snprintf(q, sizeof q, fmt, key);
  return sql_int(q);
}

#define SINCE(k) ival("SELECT coalesce(stage_since, -1) FROM contacts WHERE key='%s'", k)
#define STAGE(k) sql_text_key("SELECT coalesce(stage, '-') FROM contacts WHERE key='%s'", k)
#define OWNER(k) sql_text_key("SELECT coalesce(owner, '-') FROM contacts WHERE key='%s'", k)

static const char *sql_text_key(const char *fmt, const char *key) {
  char q[512];
  snprintf(q, sizeof q, fmt, key);
  return sql_text(q);
}

/* What scripts and tests print. */
static char tout[8192];
static size_t ntout;
static int to_buf(void *ctx, const char *d, size_t n) {
  (void)ctx;
  if (ntout + n >= sizeof tout) return 0;
  memcpy(tout + ntout, d, n);
  ntout += n;
  tout[ntout] = 0;
  return 0;
}

/* ---- stage_since kept by every writer of a stage --------------------- */

static const char FUNNEL[] =
  "stages { 'lead', 'mql', 'sql', 'opportunity' }\n"
  "stage 'nurture'\n"
  "rule 'hot' { points = 10, when = function(lead) return lead.hot == 1 end }\n"
  "transition { from = 'lead', to = 'mql', when = function(lead)\n"
  "  return lead.score >= 10 end }\n"
  "transition { from = 'mql', to = 'sql', when = function(lead)\n"
  "  return lead.score >= 10 end }\n"
  "transition { from = 'sql', to = 'nurture', when = function(lead)\n"
  "  return lead.bounce == 1 end }\n"
  "transition { from = 'nurture', to = 'sql', when = function(lead)\n"
  "  return lead.bounce == 1 end }\n";

static void test_stage_since_runs(void) {
  fresh_db("sla", NULL);
  sql("ALTER TABLE contacts ADD COLUMN hot INTEGER;"
      "ALTER TABLE contacts ADD COLUMN bounce INTEGER;"
      "INSERT INTO contacts(key, hot) VALUES ('cold', 0), ('warm', 1);"
      "INSERT INTO contacts(key, stage, stage_since, bounce) VALUES"
      " ('loop', 'sql', 5, 1), ('still', 'sql', 7, 0)");
  lr_policy *p = policy(FUNNEL);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  /* a new contact enters its first stage at now */
  CHECK_INT(SINCE("cold"), NOW);
  CHECK_STR(STAGE("cold"), "lead");
  /* pass-through lead -> mql -> sql: stage_since is the entry into sql,
  ** and each step is in the history at now */
  CHECK_STR(STAGE("warm"), "sql");
  CHECK_INT(SINCE("warm"), NOW);
  CHECK_INT(sql_int("SELECT count(*) FROM stage_history h JOIN contacts c ON "
                    "c.id = h.contact_id WHERE c.key = 'warm' AND h.at = 1000000000"), 3);
  /* sql -> nurture -> sql in one run: it left and came back, now */
  CHECK_STR(STAGE("loop"), "sql");
  CHECK_INT(SINCE("loop"), NOW);
  /* no move: kept as stored */
  CHECK_INT(SINCE("still"), 7);
  /* a later run that moves nothing keeps every stage_since */
  CHECK_INT(run_at(p, NOW + DAY, 0), LR_OK);
  CHECK_INT(SINCE("cold"), NOW);
  CHECK_INT(SINCE("warm"), NOW);
  /* a move on a later day dates it */
  sql("UPDATE contacts SET hot = 1 WHERE key = 'cold'");
  CHECK_INT(run_at(p, NOW + 2 * DAY, 0), LR_OK);
  CHECK_STR(STAGE("cold"), "sql");
  CHECK_INT(SINCE("cold"), NOW + 2 * DAY);
  /* a dry run writes none */
  sql("UPDATE contacts SET stage = 'lead' WHERE key = 'still'");
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW + 3 * DAY;
  o.dry_run = 1;
  CHECK_INT(lr_run(p, &o, NULL), LR_OK);
  CHECK_INT(SINCE("still"), 7);
  lr_policy_free(p);
  /* a manual move dates it with the move's clock */
  CHECK_INT(lr_contact_move(db, "still", "mql", "ana", "called", NOW + 4 * DAY),
            LR_OK);
  CHECK_INT(SINCE("still"), NOW + 4 * DAY);
  /* a script's lead:move_to, with the script's clock */
  const char *path = t_path("mover.lua");
  t_write(path, "stages { 'lead', 'mql', 'sql', 'opportunity' }\n"
                "for lead in leads { where = \"key = 'still'\" } do\n"
                "  lead:move_to('opportunity', 'signed')\n"
                "  print(lead.stage_since, lead:time_in_stage())\n"
                "end\n");
  lr_script_opts so = LR_SCRIPT_OPTS_INIT;
  so.now = NOW + 5 * DAY;
  so.by = "ops";
  lr_script_result sr;
  ntout = 0;
  tout[0] = 0;
  CHECK_INT(lr_script_v2(db, path, &so, to_buf, NULL, &sr), LR_OK);
  CHECK_STR(STAGE("still"), "opportunity");
  CHECK_STR(tout, "1000432000\t0\n");     /* the script sees its own move */
  CHECK_INT(SINCE("still"), NOW + 5 * DAY);
}

/* ---- the lead's times as a policy sees them ------------------------- */

/* Rules see the stored times (-1 for nil); transitions see a move made
** earlier in the same evaluation. */
static const char TIMES[] =
  "stages { 'lead', 'mql', 'sql' }\n"
  "stage 'nurture'\n"
  "rule 'since' { score = function(lead) return lead.stage_since or -1 end }\n"
  "transition { from = 'nurture', to = 'lead', reason = 'cool-down over',\n"
  "  when = function(lead) local t = lead:time_in_stage()\n"
  "    return t ~= nil and t >= 30 * 86400 end }\n"
  "transition { from = 'lead', to = 'mql', when = function(lead)\n"
  "  return lead.go == 1 end }\n"
  /* just entered: time_in_stage 0, due_at nil, so this never fires for a
  ** lead that reached mql in this run */
  "transition { from = 'mql', to = 'sql', when = function(lead)\n"
  "  return lead:time_in_stage() > 0 and lead.due_at == nil end }\n";

static void test_lead_times(void) {
  fresh_db("sla", NULL);
  sql("ALTER TABLE contacts ADD COLUMN go INTEGER;"
      "INSERT INTO contacts(key, stage, stage_since) VALUES"
      /* the cool-down boundary: exactly 30 days moves, a second less not */
      " ('n30', 'nurture', 1000000000 - 30*86400),"
      " ('n30m', 'nurture', 1000000000 - 30*86400 + 1),"
      /* unknown entry time: time_in_stage() is nil */
      " ('nunk', 'nurture', NULL);"
      "INSERT INTO contacts(key, stage, stage_since, go, due_at) VALUES"
      " ('pass', 'lead', 1000000000 - 99*86400, 1, NULL),"
      " ('wait', 'mql', 1000000000 - 2*86400, 0, 1000000000 + 86400),"
      " ('ready', 'mql', 1000000000 - 2*86400, 0, NULL)");
  lr_policy *p = policy(TIMES);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_STR(STAGE("n30"), "lead");
  CHECK_STR(STAGE("n30m"), "nurture");
  CHECK_STR(STAGE("nunk"), "nurture");
  CHECK_STR(STAGE("pass"), "mql");      /* entered mql now: no second step */
  CHECK_STR(STAGE("wait"), "mql");      /* due_at still set */
  CHECK_STR(STAGE("ready"), "sql");
  /* rules read the stored stage_since (nil: -1) */
  CHECK_INT(ival("SELECT score FROM contacts WHERE key='%s'", "n30m"),
            NOW - 30 * DAY + 1);
  CHECK_INT(ival("SELECT score FROM contacts WHERE key='%s'", "nunk"), -1);
  lr_policy_free(p);
}

/* The values themselves, through lr_test fixtures (stage_since given by
** the fixture). */
static void test_fixture_times(void) {
  t_write(t_path("times.lua"),
    "stages { 'lead', 'mql' }\n"
    "stage 'nurture'\n"
    "rule 'age' { score = function(lead) return lead:time_in_stage() or -1 end }\n"
    "rule 'asg' { score = function(lead) return lead.assigned_at or -1 end }\n"
    "rule 'due' { score = function(lead) return lead.due_at or -1 end }\n"
    "transition { from = 'nurture', to = 'lead', when = function(lead)\n"
    "  return lead:time_in_stage() >= 30 * 86400 end }\n");
  t_write(t_path("times_test.lua"),
    "local p = load_policy('times.lua', { now = '2026-11-01' })\n"
    "local now = parse_time('2026-11-01')\n"
    "test('stage_since from the fixture', function()\n"
    "  local r = p:evaluate { stage = 'mql', stage_since = '2026-10-31',\n"
    "    assigned_at = '2026-10-30', due_at = '2026-11-02' }\n"
    "  expect(r.parts.age).to_be(86400)\n"
    "  expect(r.parts.asg).to_be(now - 2 * 86400)\n"
    "  expect(r.parts.due).to_be(now + 86400)\n"
    "  expect(r.clears_owner).to_be(false)\n"
    "end)\n"
    "test('unknown: nil', function()\n"
    "  local r = p:evaluate { stage = 'mql' }\n"
    "  expect(r.parts.age).to_be(-1)\n"
    "  expect(r.parts.asg).to_be(-1)\n"
    "end)\n"
    "test('a new lead entered now', function()\n"
    "  expect(p:evaluate {}.parts.age).to_be(0)\n"
    "end)\n"
    "test('cool-down boundary', function()\n"
    "  expect(p:evaluate { stage = 'nurture', stage_since = now - 30 * 86400 }.stage)\n"
    "    .to_be('lead')\n"
    "  expect(p:evaluate { stage = 'nurture', stage_since = now - 30 * 86400 + 1 }.stage)\n"
    "    .to_be('nurture')\n"
    "end)\n");
  lr_db *mem;
  lr_open(":memory:", &mem);
  int passed = -1, failed = -1;
  ntout = 0;
  tout[0] = 0;
  int rc = lr_test(mem, t_path("times_test.lua"), NULL, to_buf, NULL, &passed,
                   &failed);
  if (rc != LR_OK) fprintf(stderr, "%s\n%s\n", tout, lr_errmsg(mem));
  CHECK_INT(rc, LR_OK);
  CHECK_INT(passed, 4);
  CHECK_INT(failed, 0);
  lr_close(mem);
}

/* ---- recycling and owners ------------------------------------------ */

static const char RECYCLE[] =
  "stages { 'lead', 'mql', 'sql', 'opportunity' }\n"
  "stage 'nurture'\n"
  "stage 'parked'\n"
  "transition { from = 'sql', to = 'nurture', reason = 'SLA breached',\n"
  "  when = function(lead) return lead:sla_breached() end }\n"
  "transition { from = 'sql', to = 'parked', keep_owner = true,\n"
  "  when = function(lead) return lead.park == 1 end }\n"
  "transition { from = 'sql', to = 'lead', when = function(lead)\n"
  "  return lead.back == 1 end }\n"
  "transition { from = 'sql', to = 'opportunity', when = function(lead)\n"
  "  return lead.won == 1 end }\n"
  "handoff { stage = 'sql', due = '2d', assign = 'ana' }\n";

static void test_recycle_owner(void) {
  fresh_db("sla", NULL);
  sql("ALTER TABLE contacts ADD COLUMN park INTEGER;"
      "ALTER TABLE contacts ADD COLUMN back INTEGER;"
      "ALTER TABLE contacts ADD COLUMN won INTEGER;"
      "INSERT INTO contacts(key, stage, owner, assigned_at, due_at, park, back, won)"
      " VALUES"
      /* due one second before now: breached; due exactly now: not */
      " ('late', 'sql', 'ana', 1, 1000000000 - 1, 0, 0, 0),"
      " ('ontime', 'sql', 'ana', 1, 1000000000, 0, 0, 0),"
      " ('park', 'sql', 'ana', 1, 1000000000 + 9, 1, 0, 0),"
      " ('back', 'sql', 'ana', 1, 1000000000 + 9, 0, 1, 0),"
      " ('won', 'sql', 'ana', 1, 1000000000 + 9, 0, 0, 1)");
  lr_policy *p = policy(RECYCLE);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  /* recycled to a side stage: no owner, no assignment, no SLA */
  CHECK_STR(STAGE("late"), "nurture");
  CHECK_STR(OWNER("late"), "-");
  CHECK_INT(ival("SELECT count(*) FROM contacts WHERE key='%s' AND "
                 "assigned_at IS NULL AND due_at IS NULL", "late"), 1);
  /* due exactly at now: not breached, untouched */
  CHECK_STR(STAGE("ontime"), "sql");
  CHECK_STR(OWNER("ontime"), "ana");
  CHECK_INT(ival("SELECT due_at FROM contacts WHERE key='%s'", "ontime"), NOW);
  /* keep_owner: the owner and assigned_at stay; the move ends the SLA */
  CHECK_STR(STAGE("park"), "parked");
  CHECK_STR(OWNER("park"), "ana");
  CHECK_INT(ival("SELECT assigned_at FROM contacts WHERE key='%s'", "park"), 1);
  CHECK_INT(ival("SELECT count(*) FROM contacts WHERE key='%s' AND due_at IS NULL",
                 "park"), 1);
  /* back down the funnel: recycled too */
  CHECK_STR(STAGE("back"), "lead");
  CHECK_STR(OWNER("back"), "-");
  /* forward to a stage without a handoff: sales keeps it */
  CHECK_STR(STAGE("won"), "opportunity");
  CHECK_STR(OWNER("won"), "ana");
  CHECK_INT(ival("SELECT assigned_at FROM contacts WHERE key='%s'", "won"), 1);
  /* one second later the on-time lead breaches */
  CHECK_INT(run_at(p, NOW + 1, 0), LR_OK);
  CHECK_STR(STAGE("ontime"), "nurture");
  CHECK_STR(OWNER("ontime"), "-");
  lr_policy_free(p);
}

/* ---- a full round robin: the lead waits unowned ------------------- */

static const char RR[] =
  "stages { 'lead', 'mql', 'sql' }\n"
  "transition { from = 'lead', to = 'mql', when = function() return true end }\n"
  "transition { from = 'mql', to = 'sql', when = function(lead)\n"
  "  return lead.go == 1 end }\n"
  "handoff { stage = 'mql', assign = 'sdr' }\n"
  "handoff { stage = 'sql', due = '1d', assign = round_robin {\n"
  "  'ana', 'ben', capacity = 1 %s } }\n";

static void test_waits_unowned(int away) {
  fresh_db("sla", NULL);
  sql("ALTER TABLE contacts ADD COLUMN go INTEGER;"
      "INSERT INTO contacts(key, go) VALUES ('a', 0), ('b', 0), ('c', 0)");
  char src[1024];
  snprintf(src, sizeof src, RR, "");
  lr_policy *p = policy(src);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);     /* everyone to mql, owned by sdr */
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE stage='mql' AND owner='sdr'"), 3);
  lr_policy_free(p);
  /* day 1: all three qualify; capacity 1 each (or everyone away) */
  sql("UPDATE contacts SET go = 1");
  snprintf(src, sizeof src, RR, away ? ", away = { 'ana', 'ben' }" : "");
  p = policy(src);
  CHECK_INT(run_at(p, NOW + DAY, 0), LR_OK);
  long long owned = away ? 0 : 2;
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE stage='sql' AND "
                    "owner IN ('ana','ben')"), owned);
  /* the rest waits unowned, not with the SDR of mql */
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE stage='sql' AND "
                    "owner IS NULL AND assigned_at IS NULL AND due_at IS NULL"),
            3 - owned);
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE owner = 'sdr'"), 0);
  /* later the same day: still full, still waiting */
  CHECK_INT(run_at(p, NOW + DAY + 3600, 0), LR_OK);
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE owner IS NULL"), 3 - owned);
  lr_policy_free(p);
  /* day 2: capacity frees up (and the away owners are back) */
  snprintf(src, sizeof src, RR, "");
  p = policy(src);
  CHECK_INT(run_at(p, NOW + 2 * DAY, 0), LR_OK);
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE owner IS NULL"),
            away ? 1 : 0);
  CHECK_INT(sql_int("SELECT count(*) FROM assignments WHERE stage='sql'"),
            away ? 2 : 3);
  CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE due_at = "
                    "1000000000 + 3 * 86400"), away ? 2 : 1);
  if (away) {
    CHECK_INT(run_at(p, NOW + 3 * DAY, 0), LR_OK);
    CHECK_INT(sql_int("SELECT count(*) FROM contacts WHERE owner IS NULL"), 0);
  }
  lr_policy_free(p);
}

/* ---- a re-run at the same now writes nothing but its runs row ------ */

/* Every row of every table but runs, as text. */
static char *dump_tables(void) {
  if (t_pg()) return t_pg_tables(dbpath, "runs");
  sqlite3 *s;
  sqlite3_open(dbpath, &s);
  sqlite3_stmt *t, *st;
  size_t cap = 1 << 16, n = 0;
  char *out = malloc(cap);
  out[0] = 0;
  sqlite3_prepare_v2(s, "SELECT name FROM sqlite_schema WHERE type='table' "
                     "AND name NOT LIKE 'sqlite%' AND name <> 'runs' "
                     "ORDER BY name", -1, &t, NULL);
  while (sqlite3_step(t) == SQLITE_ROW) {
    char q[256];
    snprintf(q, sizeof q, "SELECT * FROM \"%s\" ORDER BY 1, 2",
             (const char *)sqlite3_column_text(t, 0));
    sqlite3_prepare_v2(s, q, -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(st); i++) {
        const char *v = (const char *)sqlite3_column_text(st, i);
        size_t need = n + strlen(q) + (v ? strlen(v) : 4) + 8;
        if (need > cap) {
          while (need > cap) cap *= 2;
          out = realloc(out, cap);
        }
        n += (size_t)sprintf(out + n, "%s%s", i ? "|" : q, v ? v : "NULL");
      }
      out[n++] = '\n';
      out[n] = 0;
    }
    sqlite3_finalize(st);
  }
  sqlite3_finalize(t);
  sqlite3_close(s);
  return out;
}

static void test_rerun_writes_nothing(void) {
  fresh_db("sla", NULL);
  sql("ALTER TABLE contacts ADD COLUMN go INTEGER;"
      "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM k WHERE i < 6)"
      " INSERT INTO contacts(key, go) SELECT 'c' || i, 1 FROM k");
  char src[1024];
  snprintf(src, sizeof src, RR, ", { 'cy', capacity = 2 }");
  lr_policy *p = policy(src);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);   /* 4 routed, 2 wait */
  lr_policy_free(p);
  /* next day ana is away: ben and cy route, ana's day falls behind */
  sql("WITH RECURSIVE k(i) AS (SELECT 7 UNION ALL SELECT i+1 FROM k WHERE i < 9)"
      " INSERT INTO contacts(key, go) SELECT 'c' || i, 1 FROM k");
  snprintf(src, sizeof src, RR, ", { 'cy', capacity = 2 }, away = { 'ana' }");
  p = policy(src);
  CHECK_INT(run_at(p, NOW + DAY, 0), LR_OK);
  long long runs = sql_int("SELECT count(*) FROM runs");
  char *before = dump_tables();
  CHECK(strstr(before, "routing_state") != NULL);
  CHECK(strstr(before, "|ana|") != NULL);
  CHECK_INT(run_at(p, NOW + DAY, 0), LR_OK);
  char *after = dump_tables();
  CHECK_STR(after, before);
  CHECK_INT(sql_int("SELECT count(*) FROM runs"), runs + 1);
  free(before);
  free(after);
  /* and with several jobs */
  before = dump_tables();
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW + DAY;
  o.jobs = 3;
  CHECK_INT(lr_run(p, &o, NULL), LR_OK);
  after = dump_tables();
  CHECK_STR(after, before);
  free(before);
  free(after);
  /* ana's count is levelled when she is back, not while away */
  long long ana = sql_int("SELECT total FROM routing_state WHERE owner='ana'");
  CHECK_INT(ana, 1);
  lr_policy_free(p);
}

int main(void) {
  t_tmpdir();
  test_stage_since_runs();
  test_lead_times();
  test_fixture_times();
  test_recycle_owner();
  test_waits_unowned(0);
  test_waits_unowned(1);
  test_rerun_writes_nothing();
  lr_close(db);
  return t_done();
}
