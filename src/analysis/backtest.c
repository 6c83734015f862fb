/*
** backtest.c -- lr_backtest: score every contact without writing and
** measure the scores against what happened (an outcome column, or the
** outcomes table).
**
** Contacts are evaluated through lrp_worker + lrp_eval_contact, the path
** lr_run uses, in id chunks spread over threads.  Each contact leaves
** only (score, label, final stage) behind: 16 bytes; rule and stage
** counts are summed as we go.  The records are then sorted by score once,
** and every figure comes from one pass over the tied-score groups.
*/
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../store/query.h"
#include "../store/store.h"
#include "backtest.h"
#include "../engine/worker.h"

#define CHUNK_IDS 2048

typedef struct rec {
  double score;
  int stage;                          /* final stage index */
  int label;                          /* 1 converted, 0 not */
} rec;

/* What one thread gathered. */
typedef struct acc {
  rec *v;
  long long n, cap;
  long long evaluated, excluded;
  long long *rule_n, *rule_pos;       /* per rule */
  long long *stage_n, *stage_pos;     /* per stage */
} acc;

typedef struct pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  lr_policy *p;
  long long now;
  const char *column;                 /* outcome column, or NULL */
  volatile int *cancel;
  const lr_backtest_opts *o;
  int inline_progress;                /* one job, in the caller's thread */
  long long total;
  int own_instance;
  long long lo, nchunks, next, done_chunks, done_contacts;
  int abort, rc;
  char err[2048];
} pool;

/* ---- outcome labels ----------------------------------------------------- */

/* 1, 0, or -1 when the value says neither (NULL, "maybe", 2). */
static int label_of(const lrs_value *v) {
  switch (v->type) {
    case LRS_INT:
      return v->i == 1 ? 1 : v->i == 0 ? 0 : -1;
    case LRS_FLOAT:
      return v->r == 1.0 ? 1 : v->r == 0.0 ? 0 : -1;
    case LRS_STR: {
      const char *s = v->s;
      size_t n = (size_t)v->n;
      while (n && isspace((unsigned char)*s)) s++, n--;
      while (n && isspace((unsigned char)s[n - 1])) n--;
      static const char *const yes[] = {"1", "yes", "true", "won"};
      static const char *const no[] = {"0", "no", "false", "lost"};
      for (int i = 0; i < 4; i++) {
        if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0) return 1;
        if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0) return 0;
      }
      return -1;
    }
    default:
      return -1;
  }
}

/* The contacts column named by `want`: exact, then ignoring case, then
** folded like an imported header.  NULL when none. */
static const char *find_column(char **cols, int n, const char *want) {
  for (int i = 0; i < n; i++)
    if (strcmp(cols[i], want) == 0) return cols[i];
  for (int i = 0; i < n; i++)
    if (strcasecmp(cols[i], want) == 0) return cols[i];
  char f[256];
  lr_fold_name(want, f, sizeof f);
  for (int i = 0; i < n; i++)
    if (strcmp(cols[i], f) == 0) return cols[i];
  return NULL;
}

/* Does the policy's text read what the backtest measures?  (A rule that
** looks at the outcome makes every figure look better than it is.) */
static int is_ident(char c) {
  return c == '_' || isalnum((unsigned char)c);
}

static void find_leak(const lr_policy *p, const char *column, char *out,
                      size_t n) {
  out[0] = '\0';
  const char *src = p->source;
  if (!src) return;
  if (!column) {
    const char *q = strstr(src, "outcome(");
    if (q && q > src && (q[-1] == ':' || q[-1] == '.'))
      snprintf(out, n, "the policy calls lead:outcome(), the outcome being "
               "measured: these figures overstate it");
    return;
  }
  size_t len = strlen(column);
  for (const char *q = strstr(src, column); q; q = strstr(q + 1, column)) {
    char before = q > src ? q[-1] : ' ', after = q[len];
    int field = before == '.' && !is_ident(after);
    int quoted = (before == '"' || before == '\'') && after == before;
    if (field || quoted) {
      snprintf(out, n, "the policy reads '%s', the outcome being measured: "
               "these figures overstate it", column);
      return;
    }
  }
}

/* ---- evaluation ------------------------------------------------------------ */

static int acc_init(acc *a, const lrp_model *m) {
  memset(a, 0, sizeof *a);
  a->rule_n = calloc((size_t)m->nrules + 1, sizeof *a->rule_n);
  a->rule_pos = calloc((size_t)m->nrules + 1, sizeof *a->rule_pos);
  a->stage_n = calloc((size_t)m->nstages + 1, sizeof *a->stage_n);
  a->stage_pos = calloc((size_t)m->nstages + 1, sizeof *a->stage_pos);
  return a->rule_n && a->rule_pos && a->stage_n && a->stage_pos ? LR_OK
                                                                 : LR_NOMEM;
}

static void acc_free(acc *a) {
  free(a->v);
  free(a->rule_n);
  free(a->rule_pos);
  free(a->stage_n);
  free(a->stage_pos);
  memset(a, 0, sizeof *a);
}

/* Evaluate ids lo..hi into a.  err gets the engine's message. */
static int eval_range(lrp_worker *w, int col, acc *a, long long lo,
                      long long hi, char *err, size_t errlen) {
  const lrp_model *m = &w->in->m;
  int src = lrs_scan_range(w->scan, lo, hi);
  const lrs_contact *c;
  int got = 0;
  while (src == LR_OK && (got = lrs_scan_next(w->scan, &c)) == 1) {
    int rc = lrp_eval_contact(&w->ev, c, &w->res);
    if (rc != LR_OK) {
      snprintf(err, errlen, "%s", w->ev.err);
      return rc;
    }
    a->evaluated++;
    int label;
    if (col >= 0) label = label_of(&c->vals[col]);
    else label = c->has_outcome ? strcmp(c->outcome, "won") == 0 : -1;
    if (label < 0) {
      a->excluded++;
      continue;
    }
    if (a->n == a->cap) {
      long long cap = a->cap ? a->cap * 2 : 4096;
      rec *v = realloc(a->v, (size_t)cap * sizeof *v);
      if (!v) return LR_NOMEM;
      a->v = v;
      a->cap = cap;
    }
    rec *r = &a->v[a->n++];
    r->score = w->res.score;
    r->stage = w->res.stage;
    r->label = label;
    for (int i = 0; i < m->nrules; i++)
      if (w->res.fired[i]) {
        a->rule_n[i]++;
        a->rule_pos[i] += label;
      }
    a->stage_n[r->stage]++;
    a->stage_pos[r->stage] += label;
  }
  if (src == LR_OK && got < 0) src = -got;
  if (src != LR_OK) {
    snprintf(err, errlen, "reading contacts: %s", lrs_snap_errmsg(w->snap));
    return src;
  }
  return LR_OK;
}

typedef struct job {
  pool *pl;
  acc a;
  pthread_t th;
  int started;
} job;

static void fail(pool *pl, int rc, const char *err) {
  pthread_mutex_lock(&pl->mu);
  if (!pl->abort) {
    pl->abort = 1;
    pl->rc = rc;
    snprintf(pl->err, sizeof pl->err, "%s", err);
  }
  pthread_cond_broadcast(&pl->cv);
  pthread_mutex_unlock(&pl->mu);
}

static void *job_main(void *arg) {
  job *j = arg;
  pool *pl = j->pl;
  lrp_worker w;
  char err[2048] = "";
  int rc = lrp_worker_open(&w, pl->p, pl->own_instance, pl->now, 0,
                           pl->cancel, err, sizeof err);
  int col = -1;
  if (rc == LR_OK && pl->column) {
    const char *const *names;
    int n = lrs_scan_columns(w.scan, &names);
    for (int i = 0; i < n; i++)
      if (strcmp(names[i], pl->column) == 0) col = i;
    if (col < 0) {
      rc = LR_INPUT;
      snprintf(err, sizeof err, "no contact field '%s'", pl->column);
    }
  }
  if (rc != LR_OK) {
    fail(pl, rc, err);
    lrp_worker_close(&w);
    return NULL;
  }
  for (;;) {
    pthread_mutex_lock(&pl->mu);
    long long k = pl->next;
    int stop = pl->abort || k >= pl->nchunks;
    if (!stop) pl->next++;
    pthread_mutex_unlock(&pl->mu);
    if (stop) break;
    long long lo = pl->lo + k * CHUNK_IDS, before = j->a.evaluated;
    rc = eval_range(&w, col, &j->a, lo, lo + CHUNK_IDS - 1, err, sizeof err);
    if (rc != LR_OK) {
      fail(pl, rc, rc == LR_NOMEM ? "out of memory" : err);
      break;
    }
    pthread_mutex_lock(&pl->mu);
    pl->done_chunks++;
    pl->done_contacts += j->a.evaluated - before;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    const lr_backtest_opts *o = pl->o;
    if (pl->inline_progress && o->progress &&
        o->progress(o->progress_ctx, pl->done_contacts, pl->total)) {
      fail(pl, LR_INTERRUPT, "interrupted");
      break;
    }
  }
  lrp_worker_close(&w);
  return NULL;
}

static int ncpu(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* Evaluate every contact into one accumulator. */
static int evaluate(lr_policy *p, const lr_backtest_opts *o, long long now,
                    const char *column, acc *out) {
  lr_db *db = p->db;
  const lrp_model *m = &p->main.m;
  long long total = 0, lo = 0, hi = -1;
  if (lrs_contact_span(lrs_snap_main(db), &total, &lo, &hi) != LR_OK)
    return lrs_snap_report(lrs_snap_main(db), "counting contacts");
  long long nchunks = total ? (hi - lo) / CHUNK_IDS + 1 : 0;
  int jobs = o->jobs > 0 ? o->jobs : ncpu();
  if (p->lua_touched) jobs = 1;       /* host functions live in the main state */
  if (jobs > nchunks) jobs = nchunks > 0 ? (int)nchunks : 1;
  pool pl;
  memset(&pl, 0, sizeof pl);
  pthread_mutex_init(&pl.mu, NULL);
  pthread_cond_init(&pl.cv, NULL);
  pl.p = p;
  pl.now = now;
  pl.column = column;
  pl.cancel = o->cancel;
  pl.own_instance = jobs > 1;
  pl.o = o;
  pl.total = total;
  pl.inline_progress = jobs == 1;
  pl.lo = lo;
  pl.nchunks = nchunks;
  job *js = calloc((size_t)jobs, sizeof *js);
  int rc = js ? LR_OK : LR_NOMEM;
  for (int i = 0; i < jobs && rc == LR_OK; i++) {
    js[i].pl = &pl;
    rc = acc_init(&js[i].a, m);
  }
  if (rc == LR_OK && jobs == 1) {
    job_main(&js[0]);                 /* in this thread: the main instance */
  } else if (rc == LR_OK) {
    int started = 0;
    for (int i = 0; i < jobs; i++) {
      js[i].started = pthread_create(&js[i].th, NULL, job_main, &js[i]) == 0;
      started += js[i].started;
    }
    if (!started) fail(&pl, LR_ERROR, "cannot start worker threads");
    pthread_mutex_lock(&pl.mu);
    while (!pl.abort && pl.done_chunks < pl.nchunks) {
      pthread_cond_wait(&pl.cv, &pl.mu);
      long long d = pl.done_contacts;
      pthread_mutex_unlock(&pl.mu);
      int stop = (o->cancel && *o->cancel) ||
                 (o->progress && o->progress(o->progress_ctx, d, total));
      if (stop) fail(&pl, LR_INTERRUPT, "interrupted");
      pthread_mutex_lock(&pl.mu);
    }
    pthread_mutex_unlock(&pl.mu);
    for (int i = 0; i < jobs; i++)
      if (js[i].started) pthread_join(js[i].th, NULL);
  }
  if (rc == LR_OK && pl.abort) {
    rc = pl.rc;
    if (rc == LR_INTERRUPT || (o->cancel && *o->cancel))
      rc = lr__err(db, LR_INTERRUPT, "backtest interrupted");
    else
      lr__err(db, rc, "%s", pl.err);
  } else if (rc == LR_OK && o->cancel && *o->cancel) {
    rc = lr__err(db, LR_INTERRUPT, "backtest interrupted");
  }
  if (rc == LR_OK && o->progress) o->progress(o->progress_ctx, total, total);
  /* Merge into the first accumulator. */
  if (rc == LR_OK) {
    acc *a = &js[0].a;
    long long n = 0;
    for (int i = 0; i < jobs; i++) n += js[i].a.n;
    if (n > a->cap) {
      rec *v = realloc(a->v, (size_t)n * sizeof *v);
      if (!v) rc = LR_NOMEM;
      else {
        a->v = v;
        a->cap = n;
      }
    }
    for (int i = 1; i < jobs && rc == LR_OK; i++) {
      acc *b = &js[i].a;
      if (b->n) memcpy(a->v + a->n, b->v, (size_t)b->n * sizeof *b->v);
      a->n += b->n;
      a->evaluated += b->evaluated;
      a->excluded += b->excluded;
      for (int r = 0; r < m->nrules; r++) {
        a->rule_n[r] += b->rule_n[r];
        a->rule_pos[r] += b->rule_pos[r];
      }
      for (int s = 0; s < m->nstages; s++) {
        a->stage_n[s] += b->stage_n[s];
        a->stage_pos[s] += b->stage_pos[s];
      }
    }
    if (rc == LR_NOMEM) lr__err(db, rc, "out of memory");
  } else if (rc == LR_NOMEM) {
    lr__err(db, rc, "out of memory");
  }
  if (rc == LR_OK) {
    *out = js[0].a;
    memset(&js[0].a, 0, sizeof js[0].a);
  }
  for (int i = 0; js && i < jobs; i++) acc_free(&js[i].a);
  free(js);
  pthread_mutex_destroy(&pl.mu);
  pthread_cond_destroy(&pl.cv);
  return rc;
}

/* ---- figures ---------------------------------------------------------------- */

static int by_score_desc(const void *a, const void *b) {
  double x = ((const rec *)a)->score, y = ((const rec *)b)->score;
  return x > y ? -1 : x < y ? 1 : 0;
}

double lrp_bt_rate(long long pos, long long n) {
  return n > 0 ? (double)pos / (double)n : NAN;
}

double lrp_bt_lift(const lrp_bt *b, long long pos, long long n) {
  return lrp_bt_rate(pos, n) / b->base_rate;
}

double lrp_bt_precision(const lrp_bt *b, long long i) {
  return lrp_bt_rate(b->thr[i].tp, b->thr[i].tp + b->thr[i].fp);
}

double lrp_bt_recall(const lrp_bt *b, long long i) {
  return lrp_bt_rate(b->thr[i].tp, b->pos);
}

double lrp_bt_f1(const lrp_bt *b, long long i) {
  /* 2PR/(P+R) = 2TP / (2TP + FP + FN), with FN = positives - TP */
  if (b->pos == 0) return NAN;
  return (double)(2 * b->thr[i].tp) / (double)(b->thr[i].tp + b->thr[i].fp + b->pos);
}

/* Sorts a->v; fills everything in b but p, m, now, outcome. */
static int compute(lrp_bt *b, acc *a) {
  const lrp_model *m = b->m;
  b->evaluated = a->evaluated;
  b->excluded = a->excluded;
  b->n = a->n;
  b->pos = 0;
  for (long long i = 0; i < a->n; i++) b->pos += a->v[i].label;
  long long n = b->n, P = b->pos, N = n - P;
  b->base_rate = lrp_bt_rate(P, n);
  b->stage = calloc((size_t)m->nstages + 1, sizeof *b->stage);
  b->rule_n = a->rule_n;
  b->rule_pos = a->rule_pos;
  a->rule_n = a->rule_pos = NULL;
  if (!b->stage) return LR_NOMEM;
  for (int s = 0; s < m->nstages; s++) {
    b->stage[s].n = a->stage_n[s];
    b->stage[s].pos = a->stage_pos[s];
  }
  if (n) qsort(a->v, (size_t)n, sizeof *a->v, by_score_desc);
  long long groups = 0;
  for (long long i = 0; i < n; i++)
    groups += i == 0 || a->v[i].score != a->v[i - 1].score;
  b->thr = malloc((size_t)(groups + 1) * sizeof *b->thr);
  if (!b->thr) return LR_NOMEM;
  for (int d = 0; d < 10; d++) b->decile[d].lo = b->decile[d].hi = NAN;
  /* One pass over the groups of equal scores, highest first.  AUC counts
  ** (positive, negative) pairs the score orders right, ties as half:
  ** twice the count stays an exact integer. */
  long long tp = 0, fp = 0, twice = 0, k = 0;
  for (long long i = 0, j; i < n; i = j) {
    long long gp = 0;
    for (j = i; j < n && a->v[j].score == a->v[i].score; j++) gp += a->v[j].label;
    long long cnt = j - i, gn = cnt - gp;
    twice += 2 * gp * (N - fp - gn) + gp * gn;
    tp += gp;
    fp += gn;
    b->thr[k].t = a->v[i].score;
    b->thr[k].tp = tp;
    b->thr[k].fp = fp;
    k++;
    /* A tie group stays whole, in the decile holding its middle rank:
    ** positions i..j-1 (0-based), middle (i+j-1)/2. */
    long long d = (10 * (i + j - 1)) / (2 * n);
    if (d > 9) d = 9;
    lrp_bt_band *band = &b->decile[d];
    if (band->n == 0) band->hi = a->v[i].score;
    band->lo = a->v[i].score;
    band->n += cnt;
    band->pos += gp;
  }
  b->nthr = k;
  b->auc = P && N ? (double)twice / (2.0 * (double)P * (double)N) : NAN;
  /* Best F1: the highest threshold among equals (the shorter call list). */
  b->best = -1;
  double best = -1;
  for (long long i = 0; i < k && P; i++) {
    double f = lrp_bt_f1(b, i);
    if (f > best) {
      best = f;
      b->best = i;
    }
  }
  /* Capacity: the lowest threshold whose call list still fits. */
  b->cap_idx = -1;
  for (long long i = 0; i < k && b->capacity > 0; i++)
    if (b->thr[i].tp + b->thr[i].fp <= b->capacity) b->cap_idx = i;
  return LR_OK;
}

static void bt_free(lrp_bt *b) {
  free(b->stage);
  free(b->thr);
  free(b->rule_n);
  free(b->rule_pos);
}

int lrp_bt_pick_thresholds(const lrp_bt *b, long long *idx) {
  int k = 0;
  if (b->nthr <= 40) {
    for (long long i = 0; i < b->nthr; i++) idx[k++] = i;
    return k;
  }
  long long i = 0;
  for (int step = 1; step <= 20; step++) {
    long long want = (b->n * step + 19) / 20;
    while (i < b->nthr - 1 && b->thr[i].tp + b->thr[i].fp < want) i++;
    if (!k || idx[k - 1] != i) idx[k++] = i;
  }
  long long extra[2] = {b->best, b->cap_idx};
  for (int e = 0; e < 2; e++) {
    if (extra[e] < 0) continue;
    int pos = 0;
    while (pos < k && idx[pos] < extra[e]) pos++;
    if (pos < k && idx[pos] == extra[e]) continue;
    memmove(idx + pos + 1, idx + pos, (size_t)(k - pos) * sizeof *idx);
    idx[pos] = extra[e];
    k++;
  }
  return k;
}

/* ---- text ------------------------------------------------------------------- */

static const char *policy_path(const lrp_bt *b) {
  return b->p->path ? b->p->path : b->p->name;
}

static void write_text(const lrp_bt *b, lrp_out *o) {
  const lrp_model *m = b->m;
  char when[40], t1[64], t2[64], t3[64], t4[64];
  lrp_iso(b->now, when, sizeof when);
  lrp_outf(o, "backtest   %s (sha256 %.12s)\n", policy_path(b), b->p->hash);
  lrp_outf(o, "now        %s\n", when);
  if (b->outcome)
    lrp_outf(o, "outcome    column '%s' (1/0, yes/no, true/false, won/lost)\n",
             b->outcome);
  else
    lrp_outs(o, "outcome    outcomes table (latest outcome per contact; won "
                "is positive)\n");
  if (b->leak[0]) lrp_outf(o, "WARNING    %s\n", b->leak);
  lrp_outf(o, "contacts   %lld evaluated, %lld with an outcome, %lld without "
              "(left out)\n", b->evaluated, b->n, b->excluded);
  lrp_fmt_pct(t1, sizeof t1, b->base_rate);
  lrp_outf(o, "positives  %lld (base rate %s)\n", b->pos, t1);
  if (isnan(b->auc))
    lrp_outs(o, "ROC AUC    n/a (needs contacts of both outcomes)\n");
  else
    lrp_outf(o, "ROC AUC    %.4f\n", b->auc);
  if (!b->n) {
    lrp_outs(o, "\nNo contact has an outcome: nothing to measure.\n");
    return;
  }

  lrp_outs(o, "\nConversion by score decile (highest scores first; equal "
              "scores stay in one\ndecile, the one holding their middle "
              "rank)\n");
  lrp_table t;
  lrp_table_init(&t, "rrrrrrr");
  lrp_table_cell(&t, "decile");
  lrp_table_cell(&t, "scores");
  lrp_table_cell(&t, "contacts");
  lrp_table_cell(&t, "converted");
  lrp_table_cell(&t, "rate");
  lrp_table_cell(&t, "lift");
  lrp_table_cell(&t, "captured");
  long long cum = 0;
  for (int d = 0; d < 10; d++) {
    const lrp_bt_band *x = &b->decile[d];
    cum += x->pos;
    lrp_table_cell(&t, "%d", d + 1);
    if (x->n) {
      lrp_fmt_num(t1, sizeof t1, x->lo);
      lrp_fmt_num(t2, sizeof t2, x->hi);
      if (x->lo == x->hi) lrp_table_cell(&t, "%s", t1);
      else lrp_table_cell(&t, "%s to %s", t1, t2);
    } else {
      lrp_table_cell(&t, "-");
    }
    lrp_table_cell(&t, "%lld", x->n);
    lrp_table_cell(&t, "%lld", x->pos);
    lrp_fmt_pct(t1, sizeof t1, lrp_bt_rate(x->pos, x->n));
    lrp_table_cell(&t, "%s", t1);
    double lift = lrp_bt_lift(b, x->pos, x->n);
    if (isnan(lift)) lrp_table_cell(&t, "-");
    else lrp_table_cell(&t, "%.2f", lift);
    lrp_fmt_pct(t1, sizeof t1, lrp_bt_rate(cum, b->pos));
    lrp_table_cell(&t, "%s", t1);
  }
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);

  lrp_outs(o, "\nConversion by final stage\n");
  lrp_table_init(&t, "lrrrr");
  lrp_table_cell(&t, "stage");
  lrp_table_cell(&t, "contacts");
  lrp_table_cell(&t, "converted");
  lrp_table_cell(&t, "rate");
  lrp_table_cell(&t, "lift");
  for (int s = 0; s < m->nstages; s++) {
    const lrp_bt_band *x = &b->stage[s];
    lrp_table_cell(&t, "%s", m->stages[s].name);
    lrp_table_cell(&t, "%lld", x->n);
    lrp_table_cell(&t, "%lld", x->pos);
    lrp_fmt_pct(t1, sizeof t1, lrp_bt_rate(x->pos, x->n));
    lrp_table_cell(&t, "%s", t1);
    double lift = lrp_bt_lift(b, x->pos, x->n);
    if (isnan(lift)) lrp_table_cell(&t, "-");
    else lrp_table_cell(&t, "%.2f", lift);
  }
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);

  long long idx[64];
  int nidx = lrp_bt_pick_thresholds(b, idx);
  if (nidx < b->nthr)
    lrp_outf(o, "\nThresholds: call everyone with score >= threshold (%d of "
                "%lld distinct scores;\n--json lists all)\n", nidx, b->nthr);
  else
    lrp_outs(o, "\nThresholds: call everyone with score >= threshold\n");
  lrp_table_init(&t, "rrrrrrl");
  lrp_table_cell(&t, "threshold");
  lrp_table_cell(&t, "called");
  lrp_table_cell(&t, "converted");
  lrp_table_cell(&t, "precision");
  lrp_table_cell(&t, "recall");
  lrp_table_cell(&t, "F1");
  lrp_table_cell(&t, "%s", "");
  for (int k = 0; k < nidx; k++) {
    long long i = idx[k];
    lrp_fmt_num(t1, sizeof t1, b->thr[i].t);
    lrp_table_cell(&t, "%s", t1);
    lrp_table_cell(&t, "%lld", b->thr[i].tp + b->thr[i].fp);
    lrp_table_cell(&t, "%lld", b->thr[i].tp);
    lrp_fmt_pct(t1, sizeof t1, lrp_bt_precision(b, i));
    lrp_table_cell(&t, "%s", t1);
    lrp_fmt_pct(t1, sizeof t1, lrp_bt_recall(b, i));
    lrp_table_cell(&t, "%s", t1);
    double f = lrp_bt_f1(b, i);
    if (isnan(f)) lrp_table_cell(&t, "-");
    else lrp_table_cell(&t, "%.4f", f);
    lrp_table_cell(&t, "%s%s%s", i == b->best ? "best F1" : "",
                   i == b->best && i == b->cap_idx ? ", " : "",
                   i == b->cap_idx ? "capacity" : "");
  }
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);

  lrp_outs(o, "\n");
  if (b->best >= 0) {
    long long i = b->best;
    lrp_fmt_num(t1, sizeof t1, b->thr[i].t);
    lrp_fmt_pct(t2, sizeof t2, lrp_bt_precision(b, i));
    lrp_fmt_pct(t3, sizeof t3, lrp_bt_recall(b, i));
    lrp_outf(o, "best F1    score >= %s: F1 %.4f (precision %s, recall %s, "
                "%lld called)\n", t1, lrp_bt_f1(b, i), t2, t3,
             b->thr[i].tp + b->thr[i].fp);
  } else {
    lrp_outs(o, "best F1    n/a (no positive outcome)\n");
  }
  if (b->capacity > 0 && b->cap_idx >= 0) {
    long long i = b->cap_idx;
    lrp_fmt_num(t1, sizeof t1, b->thr[i].t);
    lrp_fmt_pct(t2, sizeof t2, lrp_bt_precision(b, i));
    lrp_fmt_pct(t3, sizeof t3, lrp_bt_recall(b, i));
    lrp_outf(o, "capacity   %lld calls: score >= %s (%lld called, precision "
                "%s, recall %s)\n", b->capacity, t1,
             b->thr[i].tp + b->thr[i].fp, t2, t3);
  } else if (b->capacity > 0) {
    lrp_fmt_num(t1, sizeof t1, b->thr[0].t);
    lrp_outf(o, "capacity   %lld calls: no threshold fits (%lld contacts "
                "share the top score %s)\n", b->capacity,
             b->thr[0].tp + b->thr[0].fp, t1);
  }

  lrp_outs(o, "\nRules: conversion when the rule fires and when it does not "
              "(lift = rate when\nfired / base rate)\n");
  lrp_table_init(&t, "llrrrrr");
  lrp_table_cell(&t, "rule");
  lrp_table_cell(&t, "group");
  lrp_table_cell(&t, "fired");
  lrp_table_cell(&t, "share");
  lrp_table_cell(&t, "rate fired");
  lrp_table_cell(&t, "rate not fired");
  lrp_table_cell(&t, "lift");
  for (int r = 0; r < m->nrules; r++) {
    long long f = b->rule_n[r], fp = b->rule_pos[r];
    lrp_table_cell(&t, "%s", m->rules[r].name);
    lrp_table_cell(&t, "%s", m->rules[r].group ? m->rules[r].group : "");
    lrp_table_cell(&t, "%lld", f);
    lrp_fmt_pct(t1, sizeof t1, lrp_bt_rate(f, b->n));
    lrp_table_cell(&t, "%s", t1);
    lrp_fmt_pct(t2, sizeof t2, lrp_bt_rate(fp, f));
    lrp_table_cell(&t, "%s", t2);
    lrp_fmt_pct(t3, sizeof t3, lrp_bt_rate(b->pos - fp, b->n - f));
    lrp_table_cell(&t, "%s", t3);
    double lift = lrp_bt_lift(b, fp, f);
    if (isnan(lift)) snprintf(t4, sizeof t4, "-");
    else snprintf(t4, sizeof t4, "%.2f", lift);
    lrp_table_cell(&t, "%s", t4);
  }
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);
}

/* ---- JSON ------------------------------------------------------------------- */

static void jnum(lrp_out *o, const char *key, double v, int comma) {
  lrp_outf(o, "\"%s\": ", key);
  lrp_out_json_num(o, v);
  if (comma) lrp_outs(o, ", ");
}

static void write_json(const lrp_bt *b, lrp_out *o) {
  const lrp_model *m = b->m;
  char when[40];
  lrp_iso(b->now, when, sizeof when);
  lrp_outs(o, "{\n  \"policy\": ");
  lrp_out_json_str(o, policy_path(b));
  lrp_outf(o, ",\n  \"policy_hash\": \"%s\",\n  \"now\": \"%s\",\n"
              "  \"outcome\": ", b->p->hash, when);
  lrp_out_json_str(o, b->outcome);
  lrp_outs(o, ",\n  \"warning\": ");
  lrp_out_json_str(o, b->leak[0] ? b->leak : NULL);
  lrp_outf(o, ",\n  \"evaluated\": %lld,\n  \"contacts\": %lld,\n"
              "  \"no_outcome\": %lld,\n  \"positives\": %lld,\n",
           b->evaluated, b->n, b->excluded, b->pos);
  lrp_outs(o, "  ");
  jnum(o, "base_rate", b->base_rate, 0);
  lrp_outs(o, ",\n  ");
  jnum(o, "auc", b->auc, 0);
  lrp_outs(o, ",\n  \"deciles\": [");
  long long cum = 0;
  for (int d = 0; d < 10; d++) {
    const lrp_bt_band *x = &b->decile[d];
    cum += x->pos;
    lrp_outf(o, "%s\n    {\"decile\": %d, \"contacts\": %lld, \"positives\": "
                "%lld, ", d ? "," : "", d + 1, x->n, x->pos);
    jnum(o, "min_score", x->lo, 1);
    jnum(o, "max_score", x->hi, 1);
    jnum(o, "rate", lrp_bt_rate(x->pos, x->n), 1);
    jnum(o, "lift", lrp_bt_lift(b, x->pos, x->n), 1);
    jnum(o, "captured", lrp_bt_rate(cum, b->pos), 0);
    lrp_outs(o, "}");
  }
  lrp_outs(o, "\n  ],\n  \"stages\": [");
  for (int s = 0; s < m->nstages; s++) {
    const lrp_bt_band *x = &b->stage[s];
    lrp_outf(o, "%s\n    {\"stage\": ", s ? "," : "");
    lrp_out_json_str(o, m->stages[s].name);
    lrp_outf(o, ", \"contacts\": %lld, \"positives\": %lld, ", x->n, x->pos);
    jnum(o, "rate", lrp_bt_rate(x->pos, x->n), 1);
    jnum(o, "lift", lrp_bt_lift(b, x->pos, x->n), 0);
    lrp_outs(o, "}");
  }
  lrp_outs(o, "\n  ],\n  \"thresholds\": [");
  for (long long i = 0; i < b->nthr; i++) {
    lrp_outf(o, "%s\n    {", i ? "," : "");
    jnum(o, "threshold", b->thr[i].t, 1);
    lrp_outf(o, "\"selected\": %lld, \"tp\": %lld, \"fp\": %lld, ",
             b->thr[i].tp + b->thr[i].fp, b->thr[i].tp, b->thr[i].fp);
    jnum(o, "precision", lrp_bt_precision(b, i), 1);
    jnum(o, "recall", lrp_bt_recall(b, i), 1);
    jnum(o, "f1", lrp_bt_f1(b, i), 1);
    jnum(o, "fpr", lrp_bt_rate(b->thr[i].fp, b->n - b->pos), 0);
    lrp_outs(o, "}");
    lrp_out_maybe_flush(o);
  }
  lrp_outs(o, "\n  ],\n  \"best_f1\": ");
  if (b->best >= 0) {
    long long i = b->best;
    lrp_outs(o, "{");
    jnum(o, "threshold", b->thr[i].t, 1);
    jnum(o, "f1", lrp_bt_f1(b, i), 1);
    jnum(o, "precision", lrp_bt_precision(b, i), 1);
    jnum(o, "recall", lrp_bt_recall(b, i), 1);
    lrp_outf(o, "\"selected\": %lld}", b->thr[i].tp + b->thr[i].fp);
  } else {
    lrp_outs(o, "null");
  }
  lrp_outs(o, ",\n  \"capacity\": ");
  if (b->capacity > 0) {
    lrp_outf(o, "{\"calls\": %lld, ", b->capacity);
    if (b->cap_idx >= 0) {
      long long i = b->cap_idx;
      jnum(o, "threshold", b->thr[i].t, 1);
      lrp_outf(o, "\"selected\": %lld, ", b->thr[i].tp + b->thr[i].fp);
      jnum(o, "precision", lrp_bt_precision(b, i), 1);
      jnum(o, "recall", lrp_bt_recall(b, i), 0);
    } else {
      lrp_outs(o, "\"threshold\": null, \"selected\": 0, \"precision\": null, "
                  "\"recall\": null");
    }
    lrp_outs(o, "}");
  } else {
    lrp_outs(o, "null");
  }
  lrp_outs(o, ",\n  \"rules\": [");
  for (int r = 0; r < m->nrules; r++) {
    long long f = b->rule_n[r], fp = b->rule_pos[r];
    lrp_outf(o, "%s\n    {\"rule\": ", r ? "," : "");
    lrp_out_json_str(o, m->rules[r].name);
    lrp_outs(o, ", \"group\": ");
    lrp_out_json_str(o, m->rules[r].group);
    lrp_outf(o, ", \"fired\": %lld, \"positives_fired\": %lld, ", f, fp);
    jnum(o, "rate_fired", lrp_bt_rate(fp, f), 1);
    jnum(o, "rate_not_fired", lrp_bt_rate(b->pos - fp, b->n - f), 1);
    jnum(o, "lift", lrp_bt_lift(b, fp, f), 0);
    lrp_outs(o, "}");
  }
  lrp_outs(o, "\n  ]\n}\n");
}

/* ---- the entry point ---------------------------------------------------------- */

static void summarise(const lrp_bt *b, lr_backtest_summary *s) {
  lr_backtest_summary x;
  memset(&x, 0, sizeof x);
  x.contacts = b->n;
  x.positives = b->pos;
  x.base_rate = b->n ? b->base_rate : 0;
  x.has_auc = !isnan(b->auc);
  x.auc = x.has_auc ? b->auc : 0;
  x.evaluated = b->evaluated;
  x.excluded = b->excluded;
  if (b->best >= 0) {
    x.has_best_f1 = 1;
    x.best_f1 = lrp_bt_f1(b, b->best);
    x.best_f1_threshold = b->thr[b->best].t;
    x.best_f1_selected = b->thr[b->best].tp + b->thr[b->best].fp;
  }
  if (b->cap_idx >= 0) {
    x.has_capacity_threshold = 1;
    x.capacity_threshold = b->thr[b->cap_idx].t;
    x.capacity_selected = b->thr[b->cap_idx].tp + b->thr[b->cap_idx].fp;
  }
  *s = x;
}

int lr_backtest(lr_policy *p, const lr_backtest_opts *opts, lr_write_fn write,
                void *ctx, lr_backtest_summary *summary) {
  if (summary) memset(summary, 0, sizeof *summary);
  if (!p) return LR_MISUSE;
  lr_db *db = p->db;
  lr_backtest_opts o;
  if (lr__opts(db, &o, sizeof o, opts, "lr_backtest") != LR_OK)
    return lr_errcode(db);
  if (o.format < LR_FMT_TEXT || o.format > LR_FMT_HTML)
    return lr__err(db, LR_MISUSE, "backtest: unknown output format %d",
                   o.format);
  if (o.capacity < 0)
    return lr__err(db, LR_MISUSE, "backtest: capacity must be positive");
  long long now = o.now ? o.now : (long long)time(NULL);
  const char *column = NULL;
  char **cols = NULL;
  if (o.outcome) {
    int ncols = 0;
    cols = lrs_contact_columns(lrs_snap_main(db), &ncols);
    if (!cols) return lr__err(db, LR_NOMEM, "out of memory");
    column = find_column(cols, ncols, o.outcome);
    if (!column) {
      free(cols);
      return lr__err(db, LR_INPUT, "backtest: no contact field '%s' for the "
                     "outcome", o.outcome);
    }
  }
  acc a;
  memset(&a, 0, sizeof a);
  int rc = evaluate(p, &o, now, column, &a);
  lrp_bt b;
  memset(&b, 0, sizeof b);
  b.p = p;
  b.m = &p->main.m;
  b.now = now;
  b.outcome = column;
  b.capacity = o.capacity;
  find_leak(p, column, b.leak, sizeof b.leak);
  if (rc == LR_OK && compute(&b, &a) != LR_OK)
    rc = lr__err(db, LR_NOMEM, "out of memory");
  if (rc == LR_OK) {
    lrp_out out;
    lrp_out_init(&out, write, ctx);
    if (o.format == LR_FMT_JSON) write_json(&b, &out);
    else if (o.format == LR_FMT_HTML) lrp_bt_write_html(&b, &out);
    else write_text(&b, &out);
    rc = lrp_out_done(&out);
    if (rc == LR_OK && o.html_write) {
      lrp_out_init(&out, o.html_write, o.html_ctx);
      lrp_bt_write_html(&b, &out);
      rc = lrp_out_done(&out);
    }
    if (rc != LR_OK)
      lr__err(db, rc, rc == LR_NOMEM ? "out of memory"
                                     : "backtest: writing the report failed");
  }
  if (rc == LR_OK && summary) summarise(&b, summary);
  bt_free(&b);
  acc_free(&a);
  free(cols);
  return rc == LR_OK ? lr__ok(db) : rc;
}
