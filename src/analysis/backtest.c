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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/grow.h"
#include "../store/query.h"
#include "../store/store.h"
#include "backtest.h"
#include "../engine/pool.h"

typedef lrp_bt_rec rec;
/* What a chunk gathered, and then all of them. */
typedef lrp_bt_acc acc;

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

int lrp_bt_acc_init(lrp_bt_acc *a, const lrp_model *m) {
  return acc_init(a, m);
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
    rec *v = lru_grow(a->v, a->n, &a->cap, sizeof *v, 4096);
    if (!v) return LR_NOMEM;
    a->v = v;
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

/* The evaluation's state, for the pool's callbacks. */
typedef struct bt_eval {
  const lrp_model *m;
  const char *column;                 /* outcome column, or NULL */
  acc *out;                           /* the chunks, merged in id order */
} bt_eval;

static int on_slot_init(void *ctx, void *slot) {
  const bt_eval *e = ctx;
  return acc_init(slot, e->m);
}

static void on_slot_free(void *ctx, void *slot) {
  (void)ctx;
  acc_free(slot);
}

static int on_chunk(void *ctx, lrp_worker *w, lrp_chunk *c) {
  const bt_eval *e = ctx;
  acc *a = c->slot;
  a->n = a->evaluated = a->excluded = 0;
  memset(a->rule_n, 0, (size_t)e->m->nrules * sizeof *a->rule_n);
  memset(a->rule_pos, 0, (size_t)e->m->nrules * sizeof *a->rule_pos);
  memset(a->stage_n, 0, (size_t)e->m->nstages * sizeof *a->stage_n);
  memset(a->stage_pos, 0, (size_t)e->m->nstages * sizeof *a->stage_pos);
  int col = -1;
  if (e->column) {
    const char *const *names;
    int n = lrs_scan_columns(w->scan, &names);
    for (int i = 0; i < n; i++)
      if (strcmp(names[i], e->column) == 0) col = i;
    if (col < 0) {
      snprintf(c->err, sizeof c->err, "no contact field '%s'", e->column);
      return LR_INPUT;
    }
  }
  int rc = eval_range(w, col, a, c->lo, c->hi, c->err, sizeof c->err);
  c->evaluated = a->evaluated;
  if (rc == LR_NOMEM) snprintf(c->err, sizeof c->err, "out of memory");
  return rc;
}

/* Add a chunk to the total.  The order of the records does not matter:
** compute() sorts them and reads whole groups of equal scores. */
static int on_consume(void *ctx, lrp_chunk *c) {
  const bt_eval *e = ctx;
  acc *a = e->out;
  const acc *b = c->slot;
  if (a->n + b->n > a->cap) {
    long long cap = a->cap ? a->cap : 4096;
    while (cap < a->n + b->n) cap *= 2;
    rec *v = realloc(a->v, (size_t)cap * sizeof *v);
    if (!v) {
      snprintf(c->err, sizeof c->err, "out of memory");
      return LR_NOMEM;
    }
    a->v = v;
    a->cap = cap;
  }
  if (b->n) memcpy(a->v + a->n, b->v, (size_t)b->n * sizeof *b->v);
  a->n += b->n;
  a->evaluated += b->evaluated;
  a->excluded += b->excluded;
  for (int r = 0; r < e->m->nrules; r++) {
    a->rule_n[r] += b->rule_n[r];
    a->rule_pos[r] += b->rule_pos[r];
  }
  for (int s = 0; s < e->m->nstages; s++) {
    a->stage_n[s] += b->stage_n[s];
    a->stage_pos[s] += b->stage_pos[s];
  }
  return LR_OK;
}

/* Evaluate every contact into one accumulator (out: acc_free it). */
static int evaluate(lr_policy *p, const lr_backtest_opts *o, long long now,
                    const char *column, acc *out) {
  lr_db *db = p->db;
  const lrp_model *m = &p->main.m;
  long long total = 0, lo = 0, hi = -1;
  if (lrs_contact_span(lrs_snap_main(db), &total, &lo, &hi) != LR_OK)
    return lrs_snap_report(lrs_snap_main(db), "counting contacts");
  if (acc_init(out, m) != LR_OK) return lr__err(db, LR_NOMEM, "out of memory");
  bt_eval e = {m, column, out};
  lrp_pool pl = {
    .policy = { p }, .npolicies = 1,
    .now = now, .cancel = o->cancel, .jobs = o->jobs, .lo = lo, .hi = hi,
    .total = total, .ctx = &e, .slot_size = sizeof(acc),
    .slot_init = on_slot_init, .slot_free = on_slot_free, .chunk = on_chunk,
    .consume = on_consume, .progress = o->progress,
    .progress_ctx = o->progress_ctx,
  };
  return lrp_pool_run_as(&pl, db, "backtest");
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

/* Threshold i as the summary lines quote it. */
typedef struct call_figs {
  char t[64], precision[64], recall[64];
  long long called;
} call_figs;

static void call_figures(const lrp_bt *b, long long i, call_figs *f) {
  lrp_fmt_num(f->t, sizeof f->t, b->thr[i].t);
  lrp_fmt_pct(f->precision, sizeof f->precision, lrp_bt_precision(b, i));
  lrp_fmt_pct(f->recall, sizeof f->recall, lrp_bt_recall(b, i));
  f->called = b->thr[i].tp + b->thr[i].fp;
}

/* The policy, the clock, the outcome, the counts and the AUC. */
static void text_summary(const lrp_bt *b, lrp_out *o) {
  char when[40], rate[64];
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
  for (int i = 0; i < b->nwarn; i++) lrp_outf(o, "WARNING    %s\n", b->warn[i]);
  if (b->accounts)
    lrp_outs(o, "accounts   won when any of their contacts has a won "
                "outcome\n");
  lrp_outf(o, "%s   %lld evaluated, %lld with an outcome, %lld without "
              "(left out)\n", b->accounts ? "accounts" : "contacts",
           b->evaluated, b->n, b->excluded);
  lrp_fmt_pct(rate, sizeof rate, b->base_rate);
  lrp_outf(o, "positives  %lld (base rate %s)\n", b->pos, rate);
  if (isnan(b->auc))
    lrp_outs(o, "ROC AUC    n/a (needs contacts of both outcomes)\n");
  else
    lrp_outf(o, "ROC AUC    %.4f\n", b->auc);
}

/* The best-F1 and capacity thresholds, one line each. */
static void text_calls(const lrp_bt *b, lrp_out *o) {
  call_figs f;
  lrp_outs(o, "\n");
  if (b->best >= 0) {
    call_figures(b, b->best, &f);
    lrp_outf(o, "best F1    score >= %s: F1 %.4f (precision %s, recall %s, "
                "%lld called)\n", f.t, lrp_bt_f1(b, b->best), f.precision,
             f.recall, f.called);
  } else {
    lrp_outs(o, "best F1    n/a (no positive outcome)\n");
  }
  if (b->capacity > 0 && b->cap_idx >= 0) {
    call_figures(b, b->cap_idx, &f);
    lrp_outf(o, "capacity   %lld calls: score >= %s (%lld called, precision "
                "%s, recall %s)\n", b->capacity, f.t, f.called, f.precision,
             f.recall);
  } else if (b->capacity > 0) {
    call_figures(b, 0, &f);
    lrp_outf(o, "capacity   %lld calls: no threshold fits (%lld contacts "
                "share the top score %s)\n", b->capacity, f.called, f.t);
  }
}

static void write_text(const lrp_bt *b, lrp_out *o) {
  text_summary(b, o);
  if (!b->n) {
    lrp_outs(o, "\nNo contact has an outcome: nothing to measure.\n");
    return;
  }
  lrp_bt_table_text(b, LRP_BT_DECILES, o);
  lrp_bt_table_text(b, LRP_BT_STAGES, o);
  lrp_bt_table_text(b, LRP_BT_THRESHOLDS, o);
  text_calls(b, o);
  lrp_bt_table_text(b, LRP_BT_RULES, o);
}

/* ---- JSON ------------------------------------------------------------------- */

static void jnum(lrp_out *o, const char *key, double v, int comma) {
  lrp_outf(o, "\"%s\": ", key);
  lrp_out_json_num(o, v);
  if (comma) lrp_outs(o, ", ");
}

/* The members before the tables: policy, clock, outcome, counts, AUC. */
static void json_summary(const lrp_bt *b, lrp_out *o) {
  char when[40];
  lrp_iso(b->now, when, sizeof when);
  lrp_outs(o, "{\n  \"policy\": ");
  lrp_out_json_str(o, policy_path(b));
  lrp_outf(o, ",\n  \"policy_hash\": \"%s\",\n  \"now\": \"%s\",\n"
              "  \"outcome\": ", b->p->hash, when);
  lrp_out_json_str(o, b->outcome);
  lrp_outs(o, ",\n  \"warning\": ");
  lrp_out_json_str(o, b->leak[0] ? b->leak : NULL);
  lrp_outs(o, ",\n  \"warnings\": [");
  for (int i = 0; i < b->nwarn; i++) {
    lrp_outs(o, i ? ", " : "");
    lrp_out_json_str(o, b->warn[i]);
  }
  lrp_outs(o, "]");
  lrp_outf(o, ",\n  \"evaluated\": %lld,\n  \"contacts\": %lld,\n"
              "  \"no_outcome\": %lld,\n  \"positives\": %lld,\n",
           b->evaluated, b->n, b->excluded, b->pos);
  lrp_outs(o, "  ");
  jnum(o, "base_rate", b->base_rate, 0);
  lrp_outs(o, ",\n  ");
  jnum(o, "auc", b->auc, 0);
}

/* "best_f1" and "capacity": an object each, or null. */
static void json_calls(const lrp_bt *b, lrp_out *o) {
  lrp_outs(o, ",\n  \"best_f1\": ");
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
}

static void write_json(const lrp_bt *b, lrp_out *o) {
  json_summary(b, o);
  lrp_bt_table_json(b, LRP_BT_DECILES, o);
  lrp_bt_table_json(b, LRP_BT_STAGES, o);
  lrp_bt_table_json(b, LRP_BT_THRESHOLDS, o);
  json_calls(b, o);
  lrp_bt_table_json(b, LRP_BT_RULES, o);
  lrp_outs(o, "\n}\n");
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

static int backtest(lr_policy *p, const lr_backtest_opts *opts,
                    lr_write_fn write, void *ctx,
                    lr_backtest_summary *summary, int accounts);

int lr_backtest(lr_policy *p, const lr_backtest_opts *opts, lr_write_fn write,
                void *ctx, lr_backtest_summary *summary) {
  return backtest(p, opts, write, ctx, summary, 0);
}

int lr_backtest_accounts(lr_policy *p, const lr_backtest_opts *opts,
                         lr_write_fn write, void *ctx,
                         lr_backtest_summary *summary) {
  return backtest(p, opts, write, ctx, summary, 1);
}

static int backtest(lr_policy *p, const lr_backtest_opts *opts,
                    lr_write_fn write, void *ctx,
                    lr_backtest_summary *summary, int accounts) {
  if (summary) memset(summary, 0, sizeof *summary);
  if (!lrp_policy_ok(p)) return LR_MISUSE;
  lr_db *db = p->db;
  lr_backtest_opts o;
  if (lr__opts(db, &o, sizeof o, opts, "lr_backtest") != LR_OK)
    return lr_errcode(db);
  if (o.format < LR_FMT_TEXT || o.format > LR_FMT_HTML)
    return lr__err(db, LR_MISUSE, "backtest: unknown output format %d",
                   o.format);
  if (o.capacity < 0)
    return lr__err(db, LR_MISUSE, "backtest: capacity must be positive");
  if (lrp_accounts_pg_refuse(p) != LR_OK) return lr_errcode(db);
  long long now;
  if (lr__clock(db, o.now, "lr_backtest", &now) != LR_OK)
    return lr_errcode(db);
  const char *column = NULL;
  char **cols = NULL;
  if (o.outcome && accounts)
    return lr__err(db, LR_MISUSE, "backtest --accounts: accounts are "
                   "measured against the outcomes table (an account is won "
                   "when any of its contacts is); --outcome is for contacts");
  if (o.outcome) {
    int ncols = 0;
    cols = lrs_contact_columns(lrs_snap_main(db), &ncols);
    if (!cols && lrs_is_pg(db))                 /* the server's error */
      return lrs_snap_report(lrs_snap_main(db), "backtest: reading the "
                             "contacts' columns");
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
  int rc = accounts ? lrp_bt_accounts_evaluate(p, &o, now, &a)
                    : evaluate(p, &o, now, column, &a);
  lrp_bt b;
  memset(&b, 0, sizeof b);
  b.accounts = accounts;
  b.p = p;
  b.m = accounts ? &p->main.acc : &p->main.m;
  b.now = now;
  b.outcome = column;
  b.capacity = o.capacity;
  find_leak(p, column, b.leak, sizeof b.leak);
  if (rc == LR_OK && compute(&b, &a) != LR_OK)
    rc = lr__err(db, LR_NOMEM, "out of memory");
  if (rc == LR_OK) lrp_bt_warnings(&b);
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
