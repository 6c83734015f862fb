/*
** test_handoffs.c -- handing leads to sales, through the public API on real
** database files: every grade stored (contacts.grades) and written only
** when it changes, lr_change's grade, lr_contact_get, the handoff list
** (lr_handoffs_each / lr_handoffs: order, filters, refusals, the cursor
** across runs), run results capped by collect_max, and export's sort,
** ISO-8601 times and grade_NAME columns.  With LR_TEST_DB=postgresql on
** PostgreSQL databases (t_pg.h).
*/
#include "leadrules.h"
#include "t_db.h"
#include "../../src/util/timefmt.h"

/* fit: VP 50, company_size >= 100 adds 5; grades fit (A/B/C) and total
** (hot/cold).  c3, c6, c9 are VPs: sql and handed off on the first run. */
static const char *POLICY =
    "stages { 'lead', 'mql', 'sql' }\n"
    "rule 'vp' { group = 'fit', points = 50, when = function(lead)\n"
    "  return (lead.title or ''):find('VP') ~= nil end }\n"
    "rule 'big' { group = 'size', points = 5, when = function(lead)\n"
    "  return (lead.company_size or 0) >= 100 end }\n"
    "grade 'fit' { A = 50, B = 5, C = 0 }\n"
    "grade 'total' { hot = 55, cold = 0 }\n"
    "transition { from = 'lead', to = 'mql', when = function(lead)\n"
    "  return lead.score >= 50 end }\n"
    "transition { from = 'mql', to = 'sql', reason = 'VP: straight to sales',\n"
    "  when = function(lead) return lead.score >= 50 end }\n"
    "handoff { stage = 'sql', due = '2d',\n"
    "  assign = round_robin { 'ana@corp.example', 'ben@corp.example' } }\n";

#define NOW 1790000000LL              /* 2026-09-21T14:13:20Z */

static const char *db_path;

static lr_db *open_db(void) {
  lr_db *db = NULL;
  CHECK_INT(lr_open(db_path, &db), LR_OK);
  return db;
}

static lr_policy *load(lr_db *db, const char *src) {
  lr_policy *p = NULL;
  int rc = lr_policy_load_string(db, "policy.lua", src, strlen(src), NULL, &p);
  if (rc != LR_OK) fprintf(stderr, "load: %s\n", lr_errmsg(db));
  CHECK_INT(rc, LR_OK);
  return p;
}

static int run_at(lr_db *db, const char *src, long long now,
                  lr_run_result *res) {
  lr_policy *p = load(db, src);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = now;
  o.jobs = 1;
  int rc = lr_run(p, &o, res);
  lr_policy_free(p);
  return rc;
}

/* An lr_write_fn into a growing string. */
typedef struct sink { char *p; size_t n; } sink;
static int to_sink(void *ctx, const char *d, size_t n) {
  sink *s = ctx;
  char *q = realloc(s->p, s->n + n + 1);
  if (!q) return 1;
  memcpy(q + s->n, d, n);
  s->p = q;
  s->n += n;
  s->p[s->n] = '\0';
  return 0;
}

/* ---- time text ----------------------------------------------------------- */

static void test_iso(void) {
  char b[LRU_ISO_SIZE];
  CHECK_INT(lru_iso(0, b, sizeof b), 20);
  CHECK_STR(b, "1970-01-01T00:00:00Z");
  lru_iso(NOW, b, sizeof b);
  CHECK_STR(b, "2026-09-21T14:13:20Z");
  lru_iso(951782400, b, sizeof b);                /* a leap day */
  CHECK_STR(b, "2000-02-29T00:00:00Z");
  lru_iso(-1, b, sizeof b);
  CHECK_STR(b, "1969-12-31T23:59:59Z");
  lru_iso(LR_TIME_MIN, b, sizeof b);
  CHECK_STR(b, "0000-01-01T00:00:00Z");
  lru_iso(LR_TIME_MAX, b, sizeof b);
  CHECK_STR(b, "9999-12-31T23:59:59Z");
  CHECK_INT(lru_iso(LR_TIME_MAX + 1, b, sizeof b), 0);
  CHECK_STR(b, "");
  CHECK_INT(lru_iso(LR_TIME_MIN - 1, b, sizeof b), 0);
  CHECK_INT(lru_iso(0, b, LRU_ISO_SIZE - 1), 0);   /* too short */
  /* every ISO text parses back to the same second */
  long long ts[] = { LR_TIME_MIN, -86401, 0, 68256000, NOW, LR_TIME_MAX };
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
    long long back = 0;
    lru_iso(ts[i], b, sizeof b);
    CHECK_INT(lr_parse_time(b, &back), LR_OK);
    CHECK_INT(back, ts[i]);
  }
}

/* ---- grades ------------------------------------------------------------- */

static int changes_seen, grade_changes;
static char last_old_grade[16], last_new_grade[16];
static int on_change(void *ctx, const lr_change *c) {
  (void)ctx;
  changes_seen++;
  if ((c->old_grade == NULL) != (c->new_grade == NULL) ||
      (c->old_grade && strcmp(c->old_grade, c->new_grade))) {
    grade_changes++;
    snprintf(last_old_grade, sizeof last_old_grade, "%s",
             c->old_grade ? c->old_grade : "(null)");
    snprintf(last_new_grade, sizeof last_new_grade, "%s",
             c->new_grade ? c->new_grade : "(null)");
  }
  return 0;
}

static void test_grades_stored(void) {
  lr_db *db = open_db();
  lr_run_result r;
  CHECK_INT(run_at(db, POLICY, NOW, &r), LR_OK);
  lr_run_result_free(&r);
  /* c3: VP (50), size 30 -> fit A, total 50 -> cold; c12: VP, size 120 ->
  ** fit A, total 55 -> hot; c10: size 100 -> fit C, total 5 -> cold */
  CHECK_STR(t_sql_text(db_path, "SELECT grades FROM contacts WHERE "
                       "key='c3@x.example'"), "{\"fit\":\"A\",\"total\":\"cold\"}");
  CHECK_STR(t_sql_text(db_path, "SELECT grade||' '||grades FROM contacts "
                       "WHERE key='c12@x.example'"),
            "A {\"fit\":\"A\",\"total\":\"hot\"}");
  CHECK_STR(t_sql_text(db_path, "SELECT grades FROM contacts WHERE "
                       "key='c10@x.example'"), "{\"fit\":\"C\",\"total\":\"cold\"}");
  CHECK_INT(t_sql_int(db_path, "SELECT count(*) FROM contacts WHERE grades "
                      "IS NULL"), 0);
  /* The same run again writes no contact: grades are compared first. */
  t_sql(db_path, "UPDATE contacts SET updated_at = 1");
  CHECK_INT(run_at(db, POLICY, NOW, &r), LR_OK);
  CHECK_INT(r.score_changes, 0);
  lr_run_result_free(&r);
  CHECK_INT(t_sql_int(db_path, "SELECT count(*) FROM contacts WHERE "
                      "updated_at != 1"), 0);
  /* A grade that changes alone (total's thresholds move, the first grade
  ** and every score stay): grades is rewritten, lr_change tells it. */
  char moved[4096];
  snprintf(moved, sizeof moved, "%s", POLICY);
  char *at = strstr(moved, "hot = 55");
  memcpy(at, "hot = 50", 8);
  lr_policy *p = load(db, moved);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW;
  o.on_change = on_change;
  changes_seen = grade_changes = 0;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.score_changes, 0);
  lr_run_result_free(&r);
  lr_policy_free(p);
  CHECK_STR(t_sql_text(db_path, "SELECT grades FROM contacts WHERE "
                       "key='c3@x.example'"), "{\"fit\":\"A\",\"total\":\"hot\"}");
  /* the VPs with size < 55... every VP now has total >= 50: c3 c6 c9 (size
  ** < 100) went cold -> hot; their first grade (fit) did not change */
  CHECK_INT(t_sql_int(db_path, "SELECT count(*) FROM contacts WHERE "
                      "updated_at != 1"), 3);
  CHECK_INT(changes_seen, 3);       /* on_change hears of a grades change */
  CHECK_INT(grade_changes, 0);      /* ... but the first grade is the same */
  /* Back: the first grade changes for nobody, then a policy whose first
  ** grade is total: lr_change carries old and new. */
  const char *total_first =
      "stages { 'lead', 'mql', 'sql' }\n"
      "rule 'vp' { points = 50, when = function(lead)\n"
      "  return (lead.title or ''):find('VP') ~= nil end }\n"
      "grade 'total' { hot = 50, cold = 0 }\n";
  p = load(db, total_first);
  changes_seen = grade_changes = 0;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  lr_run_result_free(&r);
  lr_policy_free(p);
  CHECK_INT(grade_changes, 12);     /* fit's letter -> total's, for all */
  CHECK_STR(last_old_grade, "A");   /* c12, the last contact */
  CHECK_STR(last_new_grade, "hot");
  CHECK_STR(t_sql_text(db_path, "SELECT grade||' '||grades FROM contacts "
                       "WHERE key='c10@x.example'"), "cold {\"total\":\"cold\"}");
  /* and a policy without grades clears both */
  p = load(db, "stages { 'lead', 'mql', 'sql' }\n");
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  lr_run_result_free(&r);
  lr_policy_free(p);
  CHECK_INT(t_sql_int(db_path, "SELECT count(*) FROM contacts WHERE grade "
                      "IS NOT NULL OR grades IS NOT NULL"), 0);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- lr_contact_get ------------------------------------------------------ */

static void test_contact_get(void) {
  lr_db *db = open_db();
  lr_run_result r;
  CHECK_INT(run_at(db, POLICY, NOW, &r), LR_OK);
  lr_run_result_free(&r);
  lr_contact *c = (lr_contact *)&c;
  CHECK_INT(lr_contact_get(db, "c12@x.example", &c), LR_OK);
  CHECK(c != NULL);
  if (c) {
    CHECK_STR(c->key, "c12@x.example");
    CHECK_STR(c->stage, "sql");
    CHECK_NEAR(c->score, 55, 0);
    CHECK_STR(c->grade, "A");
    CHECK_INT(c->n_grades, 2);
    if (c->n_grades == 2) {
      CHECK_STR(c->grades[0].name, "fit");
      CHECK_STR(c->grades[0].grade, "A");
      CHECK_STR(c->grades[1].name, "total");
      CHECK_STR(c->grades[1].grade, "hot");
    }
    CHECK_INT(c->n_scores, 2);
    if (c->n_scores == 2) {
      CHECK_STR(c->scores[0].name, "fit");
      CHECK_NEAR(c->scores[0].score, 50, 0);
      CHECK_STR(c->scores[1].name, "size");
      CHECK_NEAR(c->scores[1].score, 5, 0);
    }
    CHECK(c->owner != NULL);
    CHECK_INT(c->assigned_at, NOW);
    CHECK_INT(c->due_at, NOW + 2 * 86400);
    CHECK_INT(c->updated_at, NOW);
    CHECK_INT(c->manual_at, 0);
    CHECK_INT(c->id, t_sql_int(db_path, "SELECT id FROM contacts WHERE "
                               "key='c12@x.example'"));
  }
  /* "#ID" reads the same contact; strings are the contact's own */
  char hash[32];
  snprintf(hash, sizeof hash, "#%lld", c ? c->id : 0);
  lr_contact *d = NULL;
  CHECK_INT(lr_contact_get(db, hash, &d), LR_OK);
  if (d && c) {
    CHECK_STR(d->key, c->key);
    CHECK(d->key != c->key);
  }
  lr_contact_free(c);
  lr_contact_free(d);
  /* a contact the policy never graded: no grades, no owner, no times */
  t_sql(db_path, "INSERT INTO contacts(key) VALUES('new@x.example')");
  CHECK_INT(lr_contact_get(db, "new@x.example", &c), LR_OK);
  if (c) {
    CHECK(c->stage == NULL && c->grade == NULL && c->owner == NULL);
    CHECK_INT(c->n_grades, 0);
    CHECK_INT(c->n_scores, 0);
    CHECK(c->grades == NULL && c->scores == NULL);
    CHECK_INT(c->due_at, 0);
  }
  lr_contact_free(c);
  c = (lr_contact *)&c;
  CHECK_INT(lr_contact_get(db, "nobody@x.example", &c), LR_NOTFOUND);
  CHECK(c == NULL);
  CHECK_CONTAINS(lr_errmsg(db), "nobody@x.example");
  CHECK_INT(lr_contact_get(db, NULL, &c), LR_MISUSE);
  CHECK_INT(lr_contact_get(db, "c1@x.example", NULL), LR_MISUSE);
  CHECK_INT(lr_contact_get(NULL, "c1@x.example", &c), LR_MISUSE);
  lr_contact_free(NULL);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- the handoff list ---------------------------------------------------- */

typedef struct seen {
  long long cursors[64];
  char keys[64][32], owners[64][32], reasons[64][64];
  long long due[64], at[64];
  int n, stop_at;
} seen;

static int on_row(void *ctx, const lr_handoff_row *r) {
  seen *s = ctx;
  if (s->n < 64) {
    s->cursors[s->n] = r->cursor;
    snprintf(s->keys[s->n], 32, "%s", r->key);
    snprintf(s->owners[s->n], 32, "%s", r->owner);
    snprintf(s->reasons[s->n], 64, "%s", r->reason ? r->reason : "(null)");
    s->due[s->n] = r->due_at;
    s->at[s->n] = r->assigned_at;
  }
  s->n++;
  return s->stop_at && s->n >= s->stop_at;
}

static void test_handoff_list(void) {
  lr_db *db = open_db();
  lr_run_result r;
  /* first run: c3, c6, c9, c12 are VPs among 12 contacts */
  CHECK_INT(run_at(db, POLICY, NOW, &r), LR_OK);
  CHECK_INT(r.handoffs, 4);
  lr_run_result_free(&r);
  seen s = { 0 };
  long long cur = -1;
  CHECK_INT(lr_handoffs_each(db, NULL, on_row, &s, &cur), LR_OK);
  CHECK_INT(s.n, 4);
  /* newest first: same time, so by cursor, highest first */
  CHECK_STR(s.keys[0], "c12@x.example");
  CHECK_STR(s.keys[3], "c3@x.example");
  CHECK(s.cursors[0] > s.cursors[1] && s.cursors[2] > s.cursors[3]);
  CHECK_INT(cur, s.cursors[0]);
  CHECK_STR(s.reasons[0], "VP: straight to sales");
  CHECK_INT(s.due[0], NOW + 2 * 86400);
  CHECK_INT(s.at[0], NOW);
  CHECK_STR(s.owners[0], "ben@corp.example");     /* round robin */
  CHECK_STR(s.owners[3], "ana@corp.example");

  /* A sync takes everything after its cursor: nothing new yet. */
  lr_handoffs_opts o = LR_HANDOFFS_OPTS_INIT;
  o.after = cur;
  memset(&s, 0, sizeof s);
  long long cur2 = -1;
  CHECK_INT(lr_handoffs_each(db, &o, on_row, &s, &cur2), LR_OK);
  CHECK_INT(s.n, 0);
  CHECK_INT(cur2, cur);
  /* New VPs arrive and a later run hands them off: exactly those. */
  t_sql(db_path, "INSERT INTO contacts(key, title, company_size) VALUES "
                 "('n1@x.example', 'VP', 5), ('n2@x.example', 'VP', 5)");
  CHECK_INT(run_at(db, POLICY, NOW + 3600, &r), LR_OK);
  long long run2 = r.run_id;
  lr_run_result_free(&r);
  memset(&s, 0, sizeof s);
  CHECK_INT(lr_handoffs_each(db, &o, on_row, &s, &cur2), LR_OK);
  CHECK_INT(s.n, 2);
  CHECK_STR(s.keys[0], "n2@x.example");
  CHECK_STR(s.keys[1], "n1@x.example");
  CHECK(cur2 > cur);
  CHECK_INT(cur2, s.cursors[0]);
  /* filters narrow the list: by run, by time, by owner, by stage */
  lr_handoffs_opts f = LR_HANDOFFS_OPTS_INIT;
  f.since_run = run2;
  memset(&s, 0, sizeof s);
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_OK);
  CHECK_INT(s.n, 2);
  f = (lr_handoffs_opts)LR_HANDOFFS_OPTS_INIT;
  f.since = NOW + 3600;                     /* at or after: the boundary in */
  memset(&s, 0, sizeof s);
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_OK);
  CHECK_INT(s.n, 2);
  f.since = NOW + 3601;
  memset(&s, 0, sizeof s);
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_OK);
  CHECK_INT(s.n, 0);
  f = (lr_handoffs_opts)LR_HANDOFFS_OPTS_INIT;
  f.owner = "ana@corp.example";
  memset(&s, 0, sizeof s);
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_OK);
  CHECK_INT(s.n, t_sql_int(db_path, "SELECT count(*) FROM assignments WHERE "
                           "owner='ana@corp.example'"));
  for (int i = 0; i < s.n && i < 64; i++) CHECK_STR(s.owners[i], "ana@corp.example");
  f = (lr_handoffs_opts)LR_HANDOFFS_OPTS_INIT;
  f.stage = "sql";
  f.run = run2;
  memset(&s, 0, sizeof s);
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_OK);
  CHECK_INT(s.n, 2);
  /* refusals name what exists */
  f = (lr_handoffs_opts)LR_HANDOFFS_OPTS_INIT;
  f.owner = "bob@corp.example";
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "bob@corp.example");
  CHECK_CONTAINS(lr_errmsg(db), "ana@corp.example");
  f = (lr_handoffs_opts)LR_HANDOFFS_OPTS_INIT;
  f.stage = "SQL";
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "stages with handoffs: sql");
  f = (lr_handoffs_opts)LR_HANDOFFS_OPTS_INIT;
  f.since_run = run2 + 1;
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "no run");
  f = (lr_handoffs_opts)LR_HANDOFFS_OPTS_INIT;
  f.after = cur2 + 1;                       /* a cursor from elsewhere */
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "another database");
  f.after = -1;
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_MISUSE);
  CHECK_INT(lr_handoffs_each(db, NULL, NULL, NULL, NULL), LR_MISUSE);
  f = (lr_handoffs_opts)LR_HANDOFFS_OPTS_INIT;
  f.size = 0;
  CHECK_INT(lr_handoffs_each(db, &f, on_row, &s, NULL), LR_MISUSE);
  /* a callback that stops */
  memset(&s, 0, sizeof s);
  s.stop_at = 1;
  CHECK_INT(lr_handoffs_each(db, NULL, on_row, &s, NULL), LR_INTERRUPT);
  CHECK_INT(s.n, 1);
  CHECK_INT(lr_close(db), LR_OK);
}

/* A second writer that runs between a sync's reads changes nothing the
** sync misses or repeats: the cursor taken with one snapshot is the line
** between what it listed and what it lists next. */
static void test_cursor_between_runs(void) {
  lr_db *reader = open_db(), *writer = open_db();
  long long cur = 0, total = 0;
  seen s = { 0 };
  CHECK_INT(lr_handoffs_each(reader, NULL, on_row, &s, &cur), LR_OK);
  total += s.n;
  for (int k = 0; k < 3; k++) {
    char q[256];
    snprintf(q, sizeof q, "INSERT INTO contacts(key, title) VALUES "
             "('w%da@x.example', 'VP'), ('w%db@x.example', 'VP')", k, k);
    t_sql(db_path, q);
    lr_run_result r;
    CHECK_INT(run_at(writer, POLICY, NOW + 7200 + k, &r), LR_OK);
    CHECK_INT(r.handoffs, 2);
    lr_run_result_free(&r);
    lr_handoffs_opts o = LR_HANDOFFS_OPTS_INIT;
    o.after = cur;
    memset(&s, 0, sizeof s);
    CHECK_INT(lr_handoffs_each(reader, &o, on_row, &s, &cur), LR_OK);
    CHECK_INT(s.n, 2);
    total += s.n;
  }
  CHECK_INT(total, t_sql_int(db_path, "SELECT count(*) FROM assignments"));
  CHECK_INT(t_sql_int(db_path, "SELECT count(DISTINCT id) FROM assignments"),
            total);
  CHECK_INT(lr_close(writer), LR_OK);
  CHECK_INT(lr_close(reader), LR_OK);
}

static void test_handoffs_formats(void) {
  lr_db *db = open_db();
  /* a company a spreadsheet would run as a formula */
  t_sql(db_path, "UPDATE contacts SET company='=HYPERLINK(\"x\")', "
                 "first_name='Ann', last_name='Lee' WHERE key='c12@x.example'");
  lr_handoffs_opts o = LR_HANDOFFS_OPTS_INIT;
  o.format = LR_FMT_CSV;
  o.run = 1;                                /* c3 c6 c9 c12 */
  sink csv = { 0 }, raw = { 0 }, json = { 0 }, text = { 0 }, epoch = { 0 };
  long long cur = 0;
  CHECK_INT(lr_handoffs(db, &o, to_sink, &csv, &cur), LR_OK);
  const char *hdr = "cursor,key,name,company,stage,current_stage,score,grade,"
                    "owner,assigned_at,due_at,reason,run\r\n";
  CHECK(csv.p && strncmp(csv.p, hdr, strlen(hdr)) == 0);
  CHECK_CONTAINS(csv.p, ",Ann Lee,\"'=HYPERLINK(\"\"x\"\")\",sql,sql,55,A,"
                 "ben@corp.example,2026-09-21T14:13:20Z,2026-09-23T14:13:20Z,"
                 "VP: straight to sales,");
  o.raw = 1;
  CHECK_INT(lr_handoffs(db, &o, to_sink, &raw, NULL), LR_OK);
  CHECK_CONTAINS(raw.p, ",\"=HYPERLINK(\"\"x\"\")\",");
  o.raw = 0;
  o.format = LR_FMT_JSON;
  CHECK_INT(lr_handoffs(db, &o, to_sink, &json, NULL), LR_OK);
  CHECK_CONTAINS(json.p, "\"company\": \"=HYPERLINK(\\\"x\\\")\"");
  CHECK_CONTAINS(json.p, "\"assigned_at\": \"2026-09-21T14:13:20Z\"");
  char want[64];
  snprintf(want, sizeof want, "\"cursor\": %lld\n}\n", cur);
  CHECK_CONTAINS(json.p, want);
  o.epoch = 1;
  CHECK_INT(lr_handoffs(db, &o, to_sink, &epoch, NULL), LR_OK);
  CHECK_CONTAINS(epoch.p, "\"assigned_at\": 1790000000, \"due_at\": 1790172800");
  o = (lr_handoffs_opts)LR_HANDOFFS_OPTS_INIT;
  CHECK_INT(lr_handoffs(db, &o, to_sink, &text, NULL), LR_OK);
  CHECK_CONTAINS(text.p, "Ann Lee, =HYPERLINK");
  snprintf(want, sizeof want, "handoffs; cursor %lld", cur);
  CHECK_CONTAINS(text.p, want);
  o.format = 7;
  CHECK_INT(lr_handoffs(db, &o, to_sink, &text, NULL), LR_MISUSE);
  CHECK_INT(lr_handoffs(db, NULL, NULL, NULL, NULL), LR_MISUSE);
  free(csv.p);
  free(raw.p);
  free(json.p);
  free(text.p);
  free(epoch.p);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- run results are bounded by collect_max ------------------------------ */

static void test_collect_max(void) {
  const char *path = t_db("collect.db");
  remove(path);
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  t_add_contacts(path, 30);
  lr_policy *p = load(db, POLICY);
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = NOW;
  o.collect = 1;
  o.collect_max = 4;
  o.dry_run = 1;
  lr_run_result r;
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(r.moves, 30 + 10 + 10);        /* initial, lead->mql, mql->sql */
  CHECK_INT(lr_run_move_count(&r), 4);
  CHECK_INT(r.handoffs, 10);
  CHECK_INT(lr_run_handoff_count(&r), 4);
  CHECK(lr_run_move(&r, 3) != NULL && lr_run_move(&r, 4) == NULL);
  lr_run_result_free(&r);
  o.collect_max = 0;                        /* all of them */
  CHECK_INT(lr_run(p, &o, &r), LR_OK);
  CHECK_INT(lr_run_move_count(&r), 50);
  CHECK_INT(lr_run_handoff_count(&r), 10);
  lr_run_result_free(&r);
  o.collect_max = -1;
  CHECK_INT(lr_run(p, &o, &r), LR_MISUSE);
  lr_run_result_free(&r);
  lr_policy_free(p);
  CHECK_INT(lr_close(db), LR_OK);
}

/* ---- export: sort, times, grades ----------------------------------------- */

static char *export_with(lr_db *db, const lr_export_opts *o, int *rc) {
  sink s = { 0 };
  *rc = lr_export(db, o, to_sink, &s);
  return s.p;
}

static void test_export(void) {
  lr_db *db = open_db();
  lr_run_result r;
  CHECK_INT(run_at(db, POLICY, NOW, &r), LR_OK);
  lr_run_result_free(&r);
  t_sql(db_path, "UPDATE contacts SET created_at = 86400 * id");
  lr_export_opts o = LR_EXPORT_OPTS_INIT;
  int rc;
  /* default columns end with grade and one grade_NAME per grade */
  o.stage = "sql";
  char *out = export_with(db, &o, &rc);
  CHECK_INT(rc, LR_OK);
  CHECK_CONTAINS(out, "stage,owner,score,grade,grade_fit,grade_total\r\n");
  CHECK_CONTAINS(out, ",55,A,A,hot\r\n");
  free(out);
  /* sort by a grade and the score, descending, ties by id ascending */
  o = (lr_export_opts)LR_EXPORT_OPTS_INIT;
  o.fields = "key,score,grade_total,created_at,due_at";
  o.sort = "grade_total, score";
  o.desc = 1;
  out = export_with(db, &o, &rc);
  CHECK_INT(rc, LR_OK);
  /* hot first, then cold, score 50 (c3 c6 c9 in id order), ... */
  CHECK_CONTAINS(out, "due_at\r\nc12@x.example,55,hot,1970-01-13T00:00:00Z,"
                 "2026-09-23T14:13:20Z\r\nc3@x.example,50,cold,"
                 "1970-01-04T00:00:00Z,2026-09-23T14:13:20Z\r\nc6@x.example,");
  free(out);
  o.desc = 0;
  o.epoch = 1;
  o.json = 1;
  o.sort = "score";
  o.fields = "key,created_at,due_at";
  out = export_with(db, &o, &rc);
  CHECK_INT(rc, LR_OK);
  CHECK_CONTAINS(out, "{\"key\":\"c1@x.example\",\"created_at\":86400,"
                 "\"due_at\":null}");
  CHECK_CONTAINS(out, "{\"key\":\"c12@x.example\",\"created_at\":1036800,"
                 "\"due_at\":1790172800}\n]");
  free(out);
  o.epoch = 0;
  out = export_with(db, &o, &rc);
  CHECK_CONTAINS(out, "\"created_at\":\"1970-01-02T00:00:00Z\"");
  free(out);
  /* unknown names are refused, saying where */
  o = (lr_export_opts)LR_EXPORT_OPTS_INIT;
  o.sort = "scor";
  out = export_with(db, &o, &rc);
  CHECK_INT(rc, LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "--sort: no field 'scor'");
  free(out);
  o.sort = NULL;
  o.fields = "grade_nope";
  out = export_with(db, &o, &rc);
  CHECK_INT(rc, LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "grade_NAME");
  free(out);
  /* a field named like a grade column wins over the grade */
  t_sql(db_path, "ALTER TABLE contacts ADD COLUMN grade_fit TEXT;"
                 "INSERT INTO fields(name, type, header) VALUES('grade_fit', "
                 "'text', 'Grade Fit'); UPDATE contacts SET grade_fit='mine'");
  o = (lr_export_opts)LR_EXPORT_OPTS_INIT;
  o.stage = "sql";
  o.field_names = 1;
  out = export_with(db, &o, &rc);
  CHECK_INT(rc, LR_OK);
  CHECK_CONTAINS(out, "grade_fit,stage,owner,score,grade,grade_total\r\n");
  CHECK_CONTAINS(out, "mine,sql,");
  free(out);
  CHECK_INT(lr_close(db), LR_OK);
}

int main(void) {
  t_tmpdir();
  test_iso();
  db_path = t_db("grades.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(db_path, &db), LR_OK);
  CHECK_INT(lr_close(db), LR_OK);
  t_add_contacts(db_path, 12);
  test_grades_stored();
  db_path = t_db("contact.db");
  CHECK_INT(lr_open(db_path, &db), LR_OK);
  CHECK_INT(lr_close(db), LR_OK);
  t_add_contacts(db_path, 12);
  test_contact_get();
  db_path = t_db("handoffs.db");
  CHECK_INT(lr_open(db_path, &db), LR_OK);
  CHECK_INT(lr_close(db), LR_OK);
  t_add_contacts(db_path, 12);
  test_handoff_list();
  test_cursor_between_runs();
  test_handoffs_formats();
  test_collect_max();
  db_path = t_db("export.db");
  CHECK_INT(lr_open(db_path, &db), LR_OK);
  CHECK_INT(lr_close(db), LR_OK);
  t_add_contacts(db_path, 12);
  test_export();
  return t_done();
}
