/*
** backtest_tables.c -- the backtest's four tables (deciles, stages,
** thresholds, rules), described once and written as aligned text, as
** HTML or as a JSON array, as report.c's SECTIONS[] does.
**
** A table is a list of columns, each with a text heading (NULL: JSON
** only), a JSON key (NULL: text and HTML only) and a kind that says how
** its value reads: text and HTML show "38.5%" or "1.25" where JSON holds
** the plain number.  A row function computes the values of one row once,
** for every output.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backtest.h"

enum {
  K_INT,                              /* %lld everywhere */
  K_STR,                              /* NULL: "" in text, null in JSON */
  K_NUM,                              /* lrp_fmt_num */
  K_PCT,                              /* lrp_fmt_pct */
  K_X2,                               /* %.2f, "-" for NaN */
  K_X4,                               /* %.4f, "-" for NaN */
};

typedef struct col {
  const char *head;                   /* text and HTML heading, or NULL */
  char align;                         /* 'l' or 'r' */
  const char *key;                    /* JSON key, or NULL */
  int kind;
} col;

#define MAXCOLS 10

/* One row's values, in column order; strings may point into buf. */
typedef struct row {
  long long i[MAXCOLS];
  double d[MAXCOLS];
  const char *s[MAXCOLS];
  char buf[192];
} row;

typedef struct section {
  const char *key;                    /* the JSON array */
  const char *text, *html;            /* heading when every row is shown */
  /* Heading when text and HTML show lrp_bt_pick_thresholds' rows only,
  ** fewer than all: printf with (shown, total).  NULL: every row. */
  const char *text_some, *html_some;
  const col *cols;
  int ncols;
  long long (*count)(const lrp_bt *b);
  void (*fill)(const lrp_bt *b, long long i, row *r);
} section;

/* ---- the rows --------------------------------------------------------------- */

static long long n_deciles(const lrp_bt *b) {
  (void)b;
  return 10;
}

static void f_decile(const lrp_bt *b, long long d, row *r) {
  const lrp_bt_band *x = &b->decile[d];
  long long cum = 0;
  for (long long k = 0; k <= d; k++) cum += b->decile[k].pos;
  char lo[64], hi[64];
  lrp_fmt_num(lo, sizeof lo, x->lo);
  lrp_fmt_num(hi, sizeof hi, x->hi);
  if (!x->n) snprintf(r->buf, sizeof r->buf, "-");
  else if (x->lo == x->hi) snprintf(r->buf, sizeof r->buf, "%s", lo);
  else snprintf(r->buf, sizeof r->buf, "%s to %s", lo, hi);
  r->i[0] = d + 1;
  r->s[1] = r->buf;
  r->i[2] = x->n;
  r->i[3] = x->pos;
  r->d[4] = x->lo;
  r->d[5] = x->hi;
  r->d[6] = lrp_bt_rate(x->pos, x->n);
  r->d[7] = lrp_bt_lift(b, x->pos, x->n);
  r->d[8] = lrp_bt_rate(cum, b->pos);
}

static const col DECILE_COLS[] = {
  {"decile", 'r', "decile", K_INT},
  {"scores", 'r', NULL, K_STR},
  {"contacts", 'r', "contacts", K_INT},
  {"converted", 'r', "positives", K_INT},
  {NULL, 0, "min_score", K_NUM},
  {NULL, 0, "max_score", K_NUM},
  {"rate", 'r', "rate", K_PCT},
  {"lift", 'r', "lift", K_X2},
  {"captured", 'r', "captured", K_PCT},
};

static long long n_stages(const lrp_bt *b) { return b->m->nstages; }

static void f_stage(const lrp_bt *b, long long s, row *r) {
  const lrp_bt_band *x = &b->stage[s];
  r->s[0] = b->m->stages[s].name;
  r->i[1] = x->n;
  r->i[2] = x->pos;
  r->d[3] = lrp_bt_rate(x->pos, x->n);
  r->d[4] = lrp_bt_lift(b, x->pos, x->n);
}

static const col STAGE_COLS[] = {
  {"stage", 'l', "stage", K_STR},
  {"contacts", 'r', "contacts", K_INT},
  {"converted", 'r', "positives", K_INT},
  {"rate", 'r', "rate", K_PCT},
  {"lift", 'r', "lift", K_X2},
};

static long long n_thresholds(const lrp_bt *b) { return b->nthr; }

static void f_threshold(const lrp_bt *b, long long i, row *r) {
  const lrp_bt_thr *t = &b->thr[i];
  r->d[0] = t->t;
  r->i[1] = t->tp + t->fp;
  r->i[2] = t->tp;
  r->i[3] = t->fp;
  r->d[4] = lrp_bt_precision(b, i);
  r->d[5] = lrp_bt_recall(b, i);
  r->d[6] = lrp_bt_f1(b, i);
  r->d[7] = lrp_bt_rate(t->fp, b->n - b->pos);
  snprintf(r->buf, sizeof r->buf, "%s%s%s", i == b->best ? "best F1" : "",
           i == b->best && i == b->cap_idx ? ", " : "",
           i == b->cap_idx ? "capacity" : "");
  r->s[8] = r->buf;
}

static const col THRESHOLD_COLS[] = {
  {"threshold", 'r', "threshold", K_NUM},
  {"called", 'r', "selected", K_INT},
  {"converted", 'r', "tp", K_INT},
  {NULL, 0, "fp", K_INT},
  {"precision", 'r', "precision", K_PCT},
  {"recall", 'r', "recall", K_PCT},
  {"F1", 'r', "f1", K_X4},
  {NULL, 0, "fpr", K_NUM},
  {"", 'l', NULL, K_STR},             /* best F1, capacity */
};

static long long n_rules(const lrp_bt *b) { return b->m->nrules; }

static void f_rule(const lrp_bt *b, long long k, row *r) {
  const lrp_rule *x = &b->m->rules[k];
  long long f = b->rule_n[k], fp = b->rule_pos[k];
  r->s[0] = x->name;
  r->s[1] = x->group;
  r->i[2] = f;
  r->d[3] = lrp_bt_rate(f, b->n);
  r->i[4] = fp;
  r->d[5] = lrp_bt_rate(fp, f);
  r->d[6] = lrp_bt_rate(b->pos - fp, b->n - f);
  r->d[7] = lrp_bt_lift(b, fp, f);
}

static const col RULE_COLS[] = {
  {"rule", 'l', "rule", K_STR},
  {"group", 'l', "group", K_STR},
  {"fired", 'r', "fired", K_INT},
  {"share", 'r', NULL, K_PCT},
  {NULL, 0, "positives_fired", K_INT},
  {"rate fired", 'r', "rate_fired", K_PCT},
  {"rate not fired", 'r', "rate_not_fired", K_PCT},
  {"lift", 'r', "lift", K_X2},
};

#define COLS(a) a, (int)(sizeof a / sizeof *a)

static const section SECTIONS[] = {
  [LRP_BT_DECILES] = {
    "deciles",
    "\nConversion by score decile (highest scores first; equal scores stay "
    "in one\ndecile, the one holding their middle rank)\n",
    "<h2>Conversion by score decile</h2>\n<p class=\"note\">Highest scores "
    "first; equal scores stay in one decile, the one holding their middle "
    "rank.</p>\n",
    NULL, NULL, COLS(DECILE_COLS), n_deciles, f_decile},
  [LRP_BT_STAGES] = {
    "stages", "\nConversion by final stage\n",
    "<h2>Conversion by final stage</h2>\n",
    NULL, NULL, COLS(STAGE_COLS), n_stages, f_stage},
  [LRP_BT_THRESHOLDS] = {
    "thresholds", "\nThresholds: call everyone with score >= threshold\n",
    "<h2>Thresholds</h2>\n<p class=\"note\">Call everyone with score &gt;= "
    "threshold.</p>\n",
    "\nThresholds: call everyone with score >= threshold (%d of %lld "
    "distinct scores;\n--json lists all)\n",
    "<h2>Thresholds</h2>\n<p class=\"note\">Call everyone with score &gt;= "
    "threshold. %d of %lld distinct scores shown; the JSON report lists "
    "all.</p>\n",
    COLS(THRESHOLD_COLS), n_thresholds, f_threshold},
  [LRP_BT_RULES] = {
    "rules",
    "\nRules: conversion when the rule fires and when it does not (lift = "
    "rate when\nfired / base rate)\n",
    "<h2>Rules</h2>\n<p class=\"note\">Conversion when the rule fires and "
    "when it does not; lift = rate when fired / base rate.</p>\n",
    NULL, NULL, COLS(RULE_COLS), n_rules, f_rule},
};

/* ---- text and HTML ---------------------------------------------------------- */

static void cell_text(lrp_table *t, int kind, const row *r, int c) {
  char s[64];
  double d = r->d[c];
  switch (kind) {
    case K_INT:
      lrp_table_cell(t, "%lld", r->i[c]);
      return;
    case K_STR:
      lrp_table_cell(t, "%s", r->s[c] ? r->s[c] : "");
      return;
    case K_NUM:
      lrp_fmt_num(s, sizeof s, d);
      break;
    case K_PCT:
      lrp_fmt_pct(s, sizeof s, d);
      break;
    default:
      if (isnan(d)) snprintf(s, sizeof s, "-");
      else snprintf(s, sizeof s, kind == K_X2 ? "%.2f" : "%.4f", d);
  }
  lrp_table_cell(t, "%s", s);
}

/* The table people see, its heading written to o: every row, or the
** picked thresholds. */
static void build(const lrp_bt *b, const section *s, int html, lrp_out *o,
                  lrp_table *t) {
  long long idx[64], n = s->count(b);
  int some = 0;
  if (s->text_some) {
    int k = lrp_bt_pick_thresholds(b, idx);
    some = k < n;
    n = k;
  }
  if (some) lrp_outf(o, html ? s->html_some : s->text_some, (int)n, b->nthr);
  else lrp_outs(o, html ? s->html : s->text);
  char align[MAXCOLS + 1];
  int k = 0;
  for (int c = 0; c < s->ncols; c++)
    if (s->cols[c].head) align[k++] = s->cols[c].align;
  align[k] = '\0';
  lrp_table_init(t, align);
  for (int c = 0; c < s->ncols; c++)
    if (s->cols[c].head) lrp_table_cell(t, "%s", s->cols[c].head);
  for (long long i = 0; i < n; i++) {
    row r;
    memset(&r, 0, sizeof r);
    s->fill(b, s->text_some ? idx[i] : i, &r);
    for (int c = 0; c < s->ncols; c++)
      if (s->cols[c].head) cell_text(t, s->cols[c].kind, &r, c);
  }
}

void lrp_bt_table_text(const lrp_bt *b, lrp_bt_table_id id, lrp_out *o) {
  lrp_table t;
  build(b, &SECTIONS[id], 0, o, &t);
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);
}

void lrp_bt_table_html(const lrp_bt *b, lrp_bt_table_id id, lrp_out *o) {
  lrp_table t;
  build(b, &SECTIONS[id], 1, o, &t);
  lrp_table_html(&t, o);
  lrp_table_free(&t);
}

/* ---- JSON ------------------------------------------------------------------- */

void lrp_bt_table_json(const lrp_bt *b, lrp_bt_table_id id, lrp_out *o) {
  const section *s = &SECTIONS[id];
  long long n = s->count(b);
  lrp_outf(o, ",\n  \"%s\": [", s->key);
  for (long long i = 0; i < n; i++) {
    row r;
    memset(&r, 0, sizeof r);
    s->fill(b, i, &r);
    lrp_outs(o, i ? ",\n    {" : "\n    {");
    int first = 1;
    for (int c = 0; c < s->ncols; c++) {
      const col *x = &s->cols[c];
      if (!x->key) continue;
      lrp_outf(o, "%s\"%s\": ", first ? "" : ", ", x->key);
      first = 0;
      if (x->kind == K_INT) lrp_outf(o, "%lld", r.i[c]);
      else if (x->kind == K_STR) lrp_out_json_str(o, r.s[c]);
      else lrp_out_json_num(o, r.d[c]);
    }
    lrp_outs(o, "}");
    lrp_out_maybe_flush(o);
  }
  lrp_outs(o, "\n  ]");
}
