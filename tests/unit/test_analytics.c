/*
** test_analytics.c -- lr_backtest, lr_diff and lr_report through the
** public API: the backtest summary against brute force on random data
** with many ties, threads, :memory: databases, sinks that fail, cancel,
** and misuse.
*/
#include <math.h>
#include <sqlite3.h>

#include "leadrules.h"
#include "t.h"
#include "tdb.h"

static lr_db *db;

typedef struct sink {
  char buf[1 << 16];
  size_t n;
  int fail;                       /* refuse writes */
  int writes;
} sink;

static int to_sink(void *ctx, const char *data, size_t n) {
  sink *s = ctx;
  s->writes++;
  if (s->fail) return 1;
  size_t k = n < sizeof s->buf - 1 - s->n ? n : sizeof s->buf - 1 - s->n;
  memcpy(s->buf + s->n, data, k);
  s->n += k;
  s->buf[s->n] = '\0';
  return 0;
}

/* Score = the contact's pts column; label in won (NULL: no outcome). */
static const char *POLICY =
  "stages { 'lead', 'mql' }\n"
  "rule 'pts' { score = function(l) return l.pts end }\n"
  "rule 'odd' { points = 0.5, when = function(l) return l.pts % 2 == 1 end }\n"
  "transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 5 end }\n";

static unsigned long long seed = 88172645463325252ull;
static unsigned rnd(unsigned n) {
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return (unsigned)(seed % n);
}

typedef struct row { double score; int label; } row;

/* A database of n contacts with ids spaced by `gap`; fills rows. */
static void make(const char *name, int n, int gap, row *rows, int *nrows) {
  if (db) lr_close(db);
  db = NULL;
  tdb_path = t_db_fresh(name);
  CHECK_INT(lr_open(tdb_path, &db), LR_OK);
  lr_close(db);
  char *q = malloc((size_t)n * 96 + 256);
  size_t k = (size_t)sprintf(q, "ALTER TABLE contacts ADD COLUMN pts;"
                             "ALTER TABLE contacts ADD COLUMN won;"
                             "INSERT INTO fields(name, type, header) VALUES "
                             "('pts', 'integer', 'pts'), ('won', 'text', 'Won');"
                             "INSERT INTO contacts(id, key, pts, won) VALUES ");
  *nrows = 0;
  for (int i = 0; i < n; i++) {
    int pts = (int)rnd(12);
    /* converts more often with more points; a few without outcome */
    int r = (int)rnd(16);
    const char *won = r == 0 ? "NULL" : (int)rnd(14) < pts ? "'yes'" : "0";
    k += (size_t)sprintf(q + k, "%s(%d, 'c%d', %d, %s)", i ? "," : "",
                         1 + i * gap, i, pts, won);
    if (r != 0) {
      rows[*nrows].score = pts + (pts % 2 == 1 ? 0.5 : 0);
      rows[*nrows].label = won[0] == '\'';
      (*nrows)++;
    }
  }
  strcpy(q + k, ";");
  sql(q);
  free(q);
  CHECK_INT(lr_open(tdb_path, &db), LR_OK);
}

static void brute(const row *v, int n, double *auc, double *best_t,
                  double *best_f1, long long capacity, double *cap_t,
                  int *has_cap) {
  long long P = 0, N = 0;
  double good = 0;
  for (int i = 0; i < n; i++) P += v[i].label;
  N = n - P;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      if (v[i].label && !v[j].label)
        good += v[i].score > v[j].score ? 1 : v[i].score == v[j].score ? 0.5 : 0;
  *auc = good / ((double)P * (double)N);
  *best_f1 = -1;
  *has_cap = 0;
  double cap_sel = -1;
  for (int i = 0; i < n; i++) {                 /* each score as a threshold */
    double t = v[i].score;
    long long tp = 0, sel = 0;
    for (int j = 0; j < n; j++)
      if (v[j].score >= t) {
        sel++;
        tp += v[j].label;
      }
    double prec = (double)tp / (double)sel, rec = (double)tp / (double)P;
    double f1 = prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0;
    if (f1 > *best_f1 + 1e-12 || (fabs(f1 - *best_f1) <= 1e-12 && t > *best_t)) {
      *best_f1 = f1;
      *best_t = t;
    }
    if (sel <= capacity && (double)sel > cap_sel) {
      cap_sel = (double)sel;
      *cap_t = t;
      *has_cap = 1;
    }
  }
}

static void test_summary_against_brute_force(void) {
  static row rows[400];
  int n;
  for (int round = 0; round < 6; round++) {
    char name[32];
    snprintf(name, sizeof name, "bt%d.db", round);
    make(name, 40 + (int)rnd(300), round % 2 ? 1500 : 1, rows, &n);
    lr_policy *p = NULL;
    CHECK_INT(lr_policy_load_string(db, "p.lua", POLICY, strlen(POLICY), NULL, &p), LR_OK);
    lr_backtest_opts o = LR_BACKTEST_OPTS_INIT;
    o.outcome = "WON";                           /* any case */
    o.now = 1000000;
    o.capacity = 5 + rnd(40);
    o.jobs = 1 + round % 3;
    lr_backtest_summary s;
    sink out = {0};
    CHECK_INT(lr_backtest(p, &o, to_sink, &out, &s), LR_OK);
    double auc, bt = 0, bf1, ct = 0;
    int has_cap;
    brute(rows, n, &auc, &bt, &bf1, o.capacity, &ct, &has_cap);
    CHECK_INT(s.contacts, n);
    CHECK_INT(s.evaluated + 0, s.contacts + s.excluded);
    CHECK(s.has_auc && s.has_best_f1);
    CHECK_NEAR(s.auc, auc, 1e-12);
    CHECK_NEAR(s.best_f1, bf1, 1e-12);
    CHECK_NEAR(s.best_f1_threshold, bt, 0);
    CHECK_INT(s.has_capacity_threshold, has_cap);
    if (has_cap) CHECK_NEAR(s.capacity_threshold, ct, 0);
    CHECK(s.capacity_selected <= o.capacity);
    CHECK_CONTAINS(out.buf, "ROC AUC");
    lr_policy_free(p);
  }
}

static void test_memory_and_misuse(void) {
  lr_close(db);
  db = NULL;
  CHECK_INT(lr_open(":memory:", &db), LR_OK);
  lr_db *mem = db;
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load_string(mem, "p.lua", POLICY, strlen(POLICY), NULL, &p), LR_OK);
  /* no contacts, no field: the outcome column is checked first */
  lr_backtest_opts o = LR_BACKTEST_OPTS_INIT;
  o.outcome = "won";
  lr_backtest_summary s;
  s.contacts = 99;
  CHECK_INT(lr_backtest(p, &o, to_sink, NULL, &s), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(mem), "no contact field 'won'");
  CHECK_INT(s.contacts, 0);
  o.outcome = NULL;
  o.format = 7;
  CHECK_INT(lr_backtest(p, &o, to_sink, NULL, NULL), LR_MISUSE);
  o.format = LR_FMT_JSON;
  sink out = {0};
  CHECK_INT(lr_backtest(p, &o, to_sink, &out, &s), LR_OK);   /* :memory: works */
  CHECK_CONTAINS(out.buf, "\"auc\": null");
  CHECK_INT(s.has_auc, 0);
  CHECK_INT(lr_backtest(NULL, &o, to_sink, NULL, NULL), LR_MISUSE);
  lr_policy_free(p);
  lr_close(mem);
  db = NULL;
}

static void test_sinks_cancel_threads(void) {
  static row rows[400];
  int n;
  make("sinks.db", 300, 700, rows, &n);         /* ~100 chunks */
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load_string(db, "p.lua", POLICY, strlen(POLICY), NULL, &p), LR_OK);
  lr_backtest_opts o = LR_BACKTEST_OPTS_INIT;
  o.outcome = "won";
  o.now = 1000000;
  sink bad = {0};
  bad.fail = 1;
  CHECK_INT(lr_backtest(p, &o, to_sink, &bad, NULL), LR_IO);
  CHECK_CONTAINS(lr_errmsg(db), "writing the report failed");
  /* the HTML goes to its own sink from the same evaluation */
  static sink text, html;
  o.html_write = to_sink;
  o.html_ctx = &html;
  CHECK_INT(lr_backtest(p, &o, to_sink, &text, NULL), LR_OK);
  CHECK_CONTAINS(text.buf, "backtest   p.lua");
  CHECK_CONTAINS(html.buf, "<svg class=\"chart\" id=\"roc\"");
  CHECK_CONTAINS(html.buf, "</html>");
  o.html_write = NULL;
  /* threads: the same JSON whatever the number */
  static sink one, four;
  o.format = LR_FMT_JSON;
  o.jobs = 1;
  CHECK_INT(lr_backtest(p, &o, to_sink, &one, NULL), LR_OK);
  o.jobs = 4;
  CHECK_INT(lr_backtest(p, &o, to_sink, &four, NULL), LR_OK);
  CHECK(one.n > 1000 && one.n == four.n && memcmp(one.buf, four.buf, one.n) == 0);
  /* cancel */
  volatile int stop = 1;
  o.cancel = &stop;
  CHECK_INT(lr_backtest(p, &o, to_sink, NULL, NULL), LR_INTERRUPT);
  o.jobs = 1;
  CHECK_INT(lr_backtest(p, &o, to_sink, NULL, NULL), LR_INTERRUPT);
  o.cancel = NULL;

  /* diff: the same policy object twice; nothing changes */
  lr_diff_opts d = LR_DIFF_OPTS_INIT;
  d.now = 1000000;
  static sink df;
  CHECK_INT(lr_diff(p, p, &d, to_sink, &df), LR_OK);
  CHECK_CONTAINS(df.buf, "300 evaluated: 0 score changes");
  d.format = LR_FMT_HTML;
  CHECK_INT(lr_diff(p, p, &d, to_sink, NULL), LR_MISUSE);
  /* policies on two databases */
  lr_db *other = NULL;
  CHECK_INT(lr_open(":memory:", &other), LR_OK);
  lr_policy *q = NULL;
  CHECK_INT(lr_policy_load_string(other, "q.lua", POLICY, strlen(POLICY), NULL, &q), LR_OK);
  d.format = LR_FMT_TEXT;
  CHECK_INT(lr_diff(p, q, &d, to_sink, NULL), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "same database");
  lr_report_opts r = LR_REPORT_OPTS_INIT;
  r.policy = q;
  CHECK_INT(lr_report(db, &r, to_sink, NULL), LR_MISUSE);
  r.policy = NULL;
  r.by = "nosuch";
  CHECK_INT(lr_report(db, &r, to_sink, NULL), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "no field 'nosuch'");
  r.by = "pts";                                 /* an added column */
  r.format = LR_FMT_JSON;
  static sink rep;
  CHECK_INT(lr_report(db, &r, to_sink, &rep), LR_OK);
  CHECK_CONTAINS(rep.buf, "\"by\": \"pts\"");
  CHECK_CONTAINS(rep.buf, "\"group\": \"(all)\"");
  lr_policy_free(q);
  lr_close(other);
  lr_policy_free(p);
}

/* Best F1 on a tie goes to the highest threshold (docs/analytics.md):
** scores 4+, 3-, 2-, 1+ give F1 2/3 at both 4 and 1 (0.5 at 3, 0.4 at 2),
** and 4 is the shorter call list. */
static void test_best_f1_tie(void) {
  if (db) lr_close(db);
  db = NULL;
  tdb_path = t_db_fresh("tie.db");
  CHECK_INT(lr_open(tdb_path, &db), LR_OK);
  lr_close(db);
  sql("ALTER TABLE contacts ADD COLUMN pts;"
      "ALTER TABLE contacts ADD COLUMN won;"
      "INSERT INTO fields(name, type, header) VALUES "
      "('pts', 'integer', 'pts'), ('won', 'text', 'Won');"
      "INSERT INTO contacts(id, key, pts, won) VALUES "
      "(1, 'a', 4, 'yes'), (2, 'b', 3, 'no'), (3, 'c', 2, 'no'), (4, 'd', 1, 'yes');");
  CHECK_INT(lr_open(tdb_path, &db), LR_OK);
  static const char *PTS =
    "stages { 'lead' }\n"
    "rule 'pts' { score = function(l) return l.pts end }\n";
  lr_policy *p = NULL;
  CHECK_INT(lr_policy_load_string(db, "p.lua", PTS, strlen(PTS), NULL, &p), LR_OK);
  lr_backtest_opts o = LR_BACKTEST_OPTS_INIT;
  o.outcome = "won";
  o.now = 1000000;
  lr_backtest_summary s;
  sink out = {0};
  CHECK_INT(lr_backtest(p, &o, to_sink, &out, &s), LR_OK);
  CHECK(s.has_best_f1);
  CHECK_NEAR(s.best_f1, 2.0 / 3.0, 1e-15);
  CHECK_NEAR(s.best_f1_threshold, 4, 0);
  CHECK_INT(s.best_f1_selected, 1);
  CHECK_CONTAINS(out.buf, "best F1    score >= 4: F1 0.6667");
  lr_policy_free(p);
}

int main(void) {
  t_tmpdir();
  test_summary_against_brute_force();
  test_best_f1_tie();
  test_memory_and_misuse();
  test_sinks_cancel_threads();
  lr_close(db);
  return t_done();
}
