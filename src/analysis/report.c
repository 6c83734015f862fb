/*
** report.c -- lr_report: is the targeting working, and where do leads
** stall?  Funnel counts, stage-to-stage conversion, median time in stage,
** handoffs and SLA breaches, close ratio and average sale, each overall
** and split by a dimension (segment, or a contacts field such as source
** or owner), plus a grade x engagement matrix.  All SQL is in
** src/store/report_sql.c; this file orders, aggregates and writes.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "report.h"
#include "report_accounts.h"

static const char *const BAND[NBANDS] = {"< 0", "0-10", "10-25", "25-50",
                                         ">= 50", "none"};

typedef struct seen {
  char *name;
  long long first;                     /* -1: only in contacts.stage */
  double mean;
} seen;

static char *dupstr(rpt *r, const char *s) {
  char *d = strdup(s ? s : "");
  if (!d) r->oom = 1;
  return d;
}

static const char *text_of(const lrs_value *v) {
  return v->type == LRS_STR ? v->s : NULL;
}

/* Group index of a row's dimension value. */
static int group_of(rpt *r, const lrs_value *v) {
  if (r->all) return r->ngroups - 1;
  const char *d = text_of(v);                  /* values come CAST AS TEXT */
  if (!d) d = "(none)";
  for (int g = 0; g < r->ngroups - 1; g++)
    if (strcmp(r->group[g], d) == 0) return g;
  return -1;
}

static int stage_index(rpt *r, const char *name) {
  if (!name) return r->nstages;                /* the NULL-stage column */
  for (int s = 0; s < r->nstages; s++)
    if (strcmp(r->stage[s], name) == 0) return s;
  return -1;
}

/* ---- groups ----------------------------------------------------------------- */

typedef struct grp_ctx {
  rpt *r;
  char **v;
  int n, cap, has_null, more;
} grp_ctx;

static int on_group(void *ctx, const lrs_value *v, int n) {
  (void)n;
  grp_ctx *c = ctx;
  const char *d = text_of(&v[0]);
  if (!d) {
    c->has_null = 1;
    return 0;
  }
  if (c->n == MAX_GROUPS) {
    c->more = 1;
    return 0;
  }
  if (c->n == c->cap) {
    int cap = c->cap ? c->cap * 2 : 16;
    char **x = realloc(c->v, (size_t)cap * sizeof *x);
    if (!x) return c->r->oom = 1;
    c->v = x;
    c->cap = cap;
  }
  c->v[c->n++] = dupstr(c->r, d);
  return c->r->oom;
}

static int load_groups(rpt *r) {
  grp_ctx c;
  memset(&c, 0, sizeof c);
  c.r = r;
  if (r->dim.kind != LRS_DIM_ALL) {
    int src = lrp_pass_groups(r, on_group, &c);
    if (src != LR_OK && !r->oom) {
      for (int i = 0; i < c.n; i++) free(c.v[i]);
      free(c.v);
      return lr_errcode(r->db);
    }
  }
  r->group = calloc((size_t)c.n + 4, sizeof *r->group);
  if (!r->group) r->oom = 1;
  for (int i = 0; i < c.n && r->group; i++) r->group[r->ngroups++] = c.v[i];
  r->nkept = r->ngroups;
  if (!r->group)
    for (int i = 0; i < c.n; i++) free(c.v[i]);
  free(c.v);
  if (r->oom) return LR_NOMEM;
  if (c.more) {
    lrb_addc(&r->keep, '[');
    for (int i = 0; i < r->ngroups; i++) {
      if (i) lrb_addc(&r->keep, ',');
      lrb_json_str(&r->keep, r->group[i], strlen(r->group[i]));
    }
    lrb_addc(&r->keep, ']');
    r->dim.keep = lrb_str(&r->keep);
    r->group[r->ngroups++] = dupstr(r, "(other)");
  }
  if (c.has_null) r->group[r->ngroups++] = dupstr(r, "(none)");
  r->group[r->ngroups++] = dupstr(r, "(all)");
  return r->oom ? LR_NOMEM : LR_OK;
}

/* ---- stages and the pairs to convert between ---------------------------------- */

typedef struct seen_ctx {
  rpt *r;
  seen *v;
  int n, cap;
} seen_ctx;

static int on_seen(void *ctx, const lrs_value *v, int n) {
  (void)n;
  seen_ctx *c = ctx;
  if (!text_of(&v[0])) return 0;
  if (c->n == c->cap) {
    int cap = c->cap ? c->cap * 2 : 16;
    seen *x = realloc(c->v, (size_t)cap * sizeof *x);
    if (!x) return c->r->oom = 1;
    c->v = x;
    c->cap = cap;
  }
  seen *s = &c->v[c->n++];
  s->name = dupstr(c->r, v[0].s);
  s->first = v[1].type == LRS_NULL ? -1 : v[1].i;
  s->mean = v[2].type == LRS_NULL ? 0 : v[2].r;
  return c->r->oom;
}

/* History stages by first position, then mean position, then name;
** stages only in contacts.stage after them, by name. */
static int by_position(const void *a, const void *b) {
  const seen *x = a, *y = b;
  if ((x->first < 0) != (y->first < 0)) return x->first < 0 ? 1 : -1;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  if (x->mean != y->mean) return x->mean < y->mean ? -1 : 1;
  return strcmp(x->name, y->name);
}

typedef struct move_ctx {
  rpt *r;
} move_ctx;

static int add_pair(rpt *r, int a, int b) {
  if (a < 0 || b < 0 || a >= r->nstages || b >= r->nstages) return 0;
  for (int i = 0; i < r->npairs; i++)
    if (r->pair[i][0] == a && r->pair[i][1] == b) return 0;
  int (*v)[2] = realloc(r->pair, (size_t)(r->npairs + 1) * sizeof *v);
  if (!v) return r->oom = 1;
  r->pair = v;
  r->pair[r->npairs][0] = a;
  r->pair[r->npairs][1] = b;
  r->npairs++;
  return 0;
}

static int on_move(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  return add_pair(r, stage_index(r, text_of(&v[0])), stage_index(r, text_of(&v[1])));
}

static int by_pair(const void *a, const void *b) {
  const int *x = a, *y = b;
  return x[0] != y[0] ? x[0] - y[0] : x[1] - y[1];
}

typedef struct names {
  rpt *r;
  char **v;
  int n, nfunnel;
} names;

static int on_run_stage(void *ctx, const lrs_value *v, int n) {
  (void)n;
  names *c = ctx;
  char **x = realloc(c->v, (size_t)(c->n + 1) * sizeof *x);
  if (!x) return c->r->oom = 1;
  c->v = x;
  c->v[c->n++] = dupstr(c->r, v[0].s);
  if (v[1].i) c->nfunnel = c->n;
  return c->r->oom;
}

/* The declared stages, funnel first: the policy's, or else those the
** latest run recorded; none (history order) when neither. */
static int declared_stages(rpt *r, names *c) {
  memset(c, 0, sizeof *c);
  c->r = r;
  if (r->m) {
    r->order = ORDER_POLICY;
    c->v = calloc((size_t)r->m->nstages + 1, sizeof *c->v);
    if (!c->v) return LR_NOMEM;
    for (int i = 0; i < r->m->nstages; i++)
      c->v[c->n++] = dupstr(r, r->m->stages[i].name);
    c->nfunnel = r->m->nfunnel;
    return r->oom ? LR_NOMEM : LR_OK;
  }
  int src = lrs_report_run_stages(r->db, on_run_stage, c);
  if (r->oom) return LR_NOMEM;
  if (src != LR_OK) return lr_errcode(r->db);
  r->order = c->n ? ORDER_RUN : ORDER_HISTORY;
  return LR_OK;
}

/* The declared stages, funnel first, before the pass (which ranks the
** history's stages by the funnel). */
static int declare_stages(rpt *r) {
  names dn;
  int rc = declared_stages(r, &dn);
  if (rc == LR_OK && !r->oom) {
    r->stage = calloc((size_t)dn.n + 1, sizeof *r->stage);
    if (!r->stage) r->oom = 1;
    for (int i = 0; i < dn.n && r->stage; i++) {
      r->stage[r->nstages++] = dn.v[i];
      dn.v[i] = NULL;
    }
    r->nfunnel = r->stage ? dn.nfunnel : 0;
  }
  for (int i = 0; i < dn.n; i++) free(dn.v[i]);
  free(dn.v);
  return rc != LR_OK ? rc : r->oom ? LR_NOMEM : LR_OK;
}

/* Then the stages only the history or contacts.stage know, by position. */
static int load_stages(rpt *r, lrp_pass *p) {
  seen_ctx c;
  memset(&c, 0, sizeof c);
  c.r = r;
  int src = lrp_pass_stage_seen(p, on_seen, &c);
  int rc = src == LR_OK ? LR_OK : LR_NOMEM;
  int ndeclared = r->nstages;
  if (rc == LR_OK && !r->oom) {
    if (c.n) qsort(c.v, (size_t)c.n, sizeof *c.v, by_position);
    char **x = realloc(r->stage, (size_t)(r->nstages + c.n + 1) * sizeof *x);
    if (!x) r->oom = 1;
    else r->stage = x;
    for (int i = 0; i < c.n && x; i++) {
      int known = 0;
      for (int k = 0; k < ndeclared; k++)
        if (strcmp(r->stage[k], c.v[i].name) == 0) known = 1;
      if (!known) r->stage[r->nstages++] = dupstr(r, c.v[i].name);
    }
  }
  for (int i = 0; i < c.n; i++) free(c.v[i].name);
  free(c.v);
  if (rc != LR_OK || r->oom) return LR_NOMEM;
  /* The pairs: with a funnel, each funnel stage and the next; without
  ** one, the order alone cannot tell funnel stages from side stages, so
  ** every direct move seen in the history is a pair. */
  if (r->nfunnel) {
    lrb_addc(&r->funnel_json, '[');
    for (int i = 0; i < r->nfunnel; i++) {
      if (i) lrb_addc(&r->funnel_json, ',');
      lrb_json_str(&r->funnel_json, r->stage[i], strlen(r->stage[i]));
    }
    lrb_addc(&r->funnel_json, ']');
    if (r->funnel_json.oom) r->oom = 1;
    for (int i = 0; i + 1 < r->nfunnel; i++) add_pair(r, i, i + 1);
  } else {
    if (lrp_pass_moves(p, on_move, r) != LR_OK) return LR_NOMEM;
    if (r->npairs) qsort(r->pair, (size_t)r->npairs, sizeof *r->pair, by_pair);
  }
  return r->oom ? LR_NOMEM : LR_OK;
}

/* ---- figures ------------------------------------------------------------------ */

static int on_funnel(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  int g = group_of(r, &v[0]), s = stage_index(r, text_of(&v[1]));
  if (g >= 0 && s >= 0) r->funnel[g * (r->nstages + 1) + s] += v[2].i;
  return 0;
}

static int on_conversion(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  int g = group_of(r, &v[0]);
  if (g < 0) return 0;
  r->entered[g * r->npairs + r->cur_pair] += v[1].i;
  r->converted[g * r->npairs + r->cur_pair] += v[2].i;
  return 0;
}

static int by_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Quantile q of k sorted values, interpolated between the two nearest
** (at position (k - 1) * q; q = 0.5 gives the median above). */
static double quantile(const double *v, long long k, double q) {
  double pos = (double)(k - 1) * q;
  long long i = (long long)pos;
  double f = pos - (double)i;
  return i + 1 < k ? v[i] + f * (v[i + 1] - v[i]) : v[i];
}

static void flush_stays(rpt *r) {
  if (r->nbuf && r->buf_g >= 0 && r->buf_s >= 0 && r->buf_s < r->nstages) {
    /* rows come sorted, but a group folded into (other) may interleave */
    qsort(r->buf, (size_t)r->nbuf, sizeof *r->buf, by_double);
    long long k = r->nbuf;
    double med = k % 2 ? r->buf[k / 2] : (r->buf[k / 2 - 1] + r->buf[k / 2]) / 2;
    int at = r->buf_g * r->nstages + r->buf_s;
    r->stays[at] = k;
    r->median[at] = med;
    r->q1[at] = quantile(r->buf, k, 0.25);
    r->q3[at] = quantile(r->buf, k, 0.75);
  }
  r->nbuf = 0;
}

static int on_stay(void *ctx, const lrs_value *v, int n) {
  rpt *r = ctx;
  int g = group_of(r, &v[0]), s = stage_index(r, text_of(&v[1]));
  /* zero seconds: passed through within one run; counted apart */
  if (v[2].r == 0) {
    if (g >= 0 && s >= 0 && s < r->nstages)
      r->through[g * r->nstages + s] += n > 3 ? v[3].i : 1;
    return 0;
  }
  if (g != r->buf_g || s != r->buf_s) {
    flush_stays(r);
    r->buf_g = g;
    r->buf_s = s;
  }
  if (r->nbuf == r->capbuf) {
    long long cap = r->capbuf ? r->capbuf * 2 : 1024;
    double *x = realloc(r->buf, (size_t)cap * sizeof *x);
    if (!x) return r->oom = 1;
    r->buf = x;
    r->capbuf = cap;
  }
  r->buf[r->nbuf++] = v[2].r;
  return 0;
}

static int on_handoff(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  int g = group_of(r, &v[0]);
  if (g < 0) return 0;
  if (r->nhand == r->caphand) {
    int cap = r->caphand ? r->caphand * 2 : 16;
    handrow *x = realloc(r->hand, (size_t)cap * sizeof *x);
    if (!x) return r->oom = 1;
    r->hand = x;
    r->caphand = cap;
  }
  handrow *h = &r->hand[r->nhand++];
  h->g = g;
  h->owner = dupstr(r, text_of(&v[1]) ? v[1].s : "(none)");
  h->n = v[2].i;
  h->with_due = v[3].i;
  h->breached = v[4].i;
  return r->oom;
}

static int on_outcome(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  int g = group_of(r, &v[0]);
  if (g < 0) return 0;
  r->won[g] += v[1].i;
  r->lost[g] += v[2].i;
  r->amount[g] += v[3].r;
  r->amount_n[g] += v[4].i;
  return 0;
}

static int on_grade(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  int g = group_of(r, &v[0]);
  const char *grade = text_of(&v[1]);
  if (!grade || g < 0) return 0;
  graderow *last = r->ngrades ? &r->grades[r->ngrades - 1] : NULL;
  if (!last || last->g != g || strcmp(last->grade, grade)) {
    /* (other) rows may come back to a group seen before */
    last = NULL;
    for (int i = 0; i < r->ngrades && !last; i++)
      if (r->grades[i].g == g && strcmp(r->grades[i].grade, grade) == 0)
        last = &r->grades[i];
  }
  if (!last) {
    graderow *x = realloc(r->grades, (size_t)(r->ngrades + 1) * sizeof *x);
    if (!x) return r->oom = 1;
    r->grades = x;
    last = &r->grades[r->ngrades++];
    memset(last, 0, sizeof *last);
    last->g = g;
    last->grade = dupstr(r, grade);
  }
  int b = (int)v[2].i;
  if (b >= 0 && b < NBANDS) last->n[b] += v[3].i;
  return r->oom;
}

/* ---- the dashboard's figures -------------------------------------------------- */

static int on_reached(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  int g = group_of(r, &v[0]), F = r->nfunnel;
  if (g < 0) return 0;
  long long top = v[1].type == LRS_INT ? v[1].i : -1, k = v[2].i;
  long long *row = &r->reach[g * (F + 1)];
  row[F] += k;
  for (long long s = 0; s <= top && s < F; s++) row[s] += k;
  return 0;
}

/* Append a row of `w` integers to a growing array (rows counted in *n). */
static int push_row(rpt *r, long long **v, long long *n, long long *cap,
                    const long long *row, int w) {
  if (*n == *cap) {
    long long c = *cap ? *cap * 2 : 64;
    long long *x = realloc(*v, (size_t)c * (size_t)w * sizeof *x);
    if (!x) return r->oom = 1;
    *v = x;
    *cap = c;
  }
  memcpy(*v + *n * w, row, (size_t)w * sizeof *row);
  (*n)++;
  return 0;
}

static long long int_of(const lrs_value *v) {
  return v->type == LRS_INT ? v->i : v->type == LRS_FLOAT ? (long long)v->r : 0;
}

static int on_cohort(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  long long row[3] = {int_of(&v[0]), v[1].type == LRS_INT ? v[1].i : -1,
                      int_of(&v[2])};
  return push_row(r, &r->coh, &r->ncoh, &r->capcoh, row, 3);
}

static int on_hday(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  long long row[4] = {int_of(&v[0]), int_of(&v[1]), int_of(&v[2]),
                      int_of(&v[3])};
  return push_row(r, &r->hday, &r->nhday, &r->caphday, row, 4);
}

static int on_side_exit(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  int a = stage_index(r, text_of(&v[0])), b = stage_index(r, text_of(&v[1]));
  if (a < 0 || b < 0 || a >= r->nstages || b >= r->nstages) return 0;
  struct rexit *x = realloc(r->exits, (size_t)(r->nexits + 1) * sizeof *x);
  if (!x) return r->oom = 1;
  r->exits = x;
  r->exits[r->nexits++] = (struct rexit){a, b, int_of(&v[2])};
  return 0;
}

static int on_window(void *ctx, const lrs_value *v, int n) {
  (void)n;
  rpt *r = ctx;
  r->win_first = int_of(&v[0]);
  r->win_last = int_of(&v[1]);
  r->win_rows = int_of(&v[2]);
  return 0;
}

/* Cohorts and handoffs by week or month, on one scale for both. */
static int build_trends(rpt *r) {
  int F = r->nfunnel, w = F > 1 ? F : 1;
  long long lo = 0, hi = 0, have = 0;
  for (long long i = 0; i < r->ncoh; i++, have = 1) {
    long long d = r->coh[i * 3];
    if (!have || d < lo) lo = d;
    if (!have || d > hi) hi = d;
  }
  for (long long i = 0; i < r->nhday; i++, have = 1) {
    long long d = r->hday[i * 4];
    if (!have || d < lo) lo = d;
    if (!have || d > hi) hi = d;
  }
  int monthly = lrp_trend_monthly(lo, hi);
  long long *day = malloc((size_t)(r->ncoh + r->nhday + 1) * sizeof *day);
  long long *val = calloc((size_t)(r->ncoh + r->nhday + 1) * (size_t)(w + 2),
                         sizeof *val);
  int rc = day && val ? LR_OK : LR_NOMEM;
  for (long long i = 0; i < r->ncoh && rc == LR_OK; i++) {
    day[i] = r->coh[i * 3];
    val[i * w] = r->coh[i * 3 + 2];                 /* contacts */
    for (int k = 1; k < w; k++)
      if (r->coh[i * 3 + 1] >= k) val[i * w + k] = r->coh[i * 3 + 2];
  }
  if (rc == LR_OK) rc = lrp_trend_build(&r->trend, monthly, day, val, r->ncoh, w);
  for (long long i = 0; i < r->nhday && rc == LR_OK; i++) {
    day[i] = r->hday[i * 4];
    val[i * 2] = r->hday[i * 4 + 1];
    val[i * 2 + 1] = r->hday[i * 4 + 3];
  }
  if (rc == LR_OK) rc = lrp_trend_build(&r->htrend, monthly, day, val, r->nhday, 2);
  free(day);
  free(val);
  return rc;
}

/* Everything the dashboard adds: how far each group got through the
** funnel, the overall trends, the moves to side stages, the window. */
static int gather_dashboard(rpt *r, lrp_pass *p) {
  int src = LR_OK;
  for (int pass = r->dim.kind == LRS_DIM_ALL; pass < 2 && src == LR_OK; pass++) {
    r->all = pass;
    src = lrp_pass_reached(p, pass, on_reached, r);
  }
  r->all = 0;
  if (src == LR_OK) src = lrp_pass_cohorts(p, on_cohort, r);
  if (src == LR_OK) src = lrp_pass_exits(p, on_side_exit, r);
  if (src == LR_OK) src = lrp_pass_handoff_days(p, on_hday, r);
  if (src == LR_OK) src = lrp_pass_window(p, on_window, r);
  if (r->oom || src != LR_OK) return LR_NOMEM;
  return build_trends(r);
}

/* Grade rows by group (in group order), then grade. */
static int by_group_grade(const void *a, const void *b) {
  const graderow *x = a, *y = b;
  if (x->g != y->g) return x->g - y->g;
  return strcmp(x->grade, y->grade);
}

/* Every figure, split (when asked) and overall. */
static int gather(rpt *r, lrp_pass *p) {
  int G = r->ngroups, S = r->nstages, P = r->npairs;
  r->funnel = calloc((size_t)G * (size_t)(S + 1), sizeof *r->funnel);
  r->entered = calloc((size_t)G * (size_t)P + 1, sizeof *r->entered);
  r->converted = calloc((size_t)G * (size_t)P + 1, sizeof *r->converted);
  r->stays = calloc((size_t)G * (size_t)S + 1, sizeof *r->stays);
  r->through = calloc((size_t)G * (size_t)S + 1, sizeof *r->through);
  r->median = calloc((size_t)G * (size_t)S + 1, sizeof *r->median);
  r->won = calloc((size_t)G, sizeof *r->won);
  r->lost = calloc((size_t)G, sizeof *r->lost);
  r->amount_n = calloc((size_t)G, sizeof *r->amount_n);
  r->amount = calloc((size_t)G, sizeof *r->amount);
  r->reach = calloc((size_t)G * (size_t)(r->nfunnel + 1), sizeof *r->reach);
  r->q1 = calloc((size_t)G * (size_t)S + 1, sizeof *r->q1);
  r->q3 = calloc((size_t)G * (size_t)S + 1, sizeof *r->q3);
  if (!r->reach || !r->q1 || !r->q3) return LR_NOMEM;
  if (!r->funnel || !r->entered || !r->converted || !r->stays || !r->through || !r->median ||
      !r->won || !r->lost || !r->amount_n || !r->amount)
    return LR_NOMEM;
  lrs_dim all = {LRS_DIM_ALL, NULL, NULL};
  long long since = r->o.since;
  for (int pass = r->dim.kind == LRS_DIM_ALL; pass < 2; pass++) {
    const lrs_dim *d = pass ? &all : &r->dim;
    r->all = pass;
    int src = lrp_pass_funnel(p, pass, on_funnel, r);
    for (int i = 0; i < P && src == LR_OK; i++) {
      r->cur_pair = i;
      if (r->nfunnel)
        src = lrp_pass_passed(p, pass, r->pair[i][0], on_conversion, r);
      else
        src = lrp_pass_conversion(p, pass, r->stage[r->pair[i][0]],
                                  r->stage[r->pair[i][1]], on_conversion, r);
    }
    r->buf_g = r->buf_s = -1;
    r->nbuf = 0;
    if (src == LR_OK) src = lrp_pass_stays(p, pass, on_stay, r);
    if (src == LR_OK) flush_stays(r);
    if (src == LR_OK) src = lrp_pass_handoffs(p, pass, on_handoff, r);
    if (src == LR_OK) src = lrp_pass_grades(p, pass, on_grade, r);
    if (r->oom || (src != LR_OK && src != LR_INTERRUPT)) return LR_NOMEM;
    /* the sums of amounts stay in SQL: a sum of doubles depends on its
    ** order, and this one is the order the figures always had */
    if (src == LR_OK) src = lrp_pass_outcomes(p, pass, on_outcome, r);
    if (src == -1) src = lrs_report_outcomes(r->db, d, since, on_outcome, r);
    if (r->oom) return LR_NOMEM;
    if (src != LR_OK) return lr_errcode(r->db);
  }
  r->all = 0;
  if (r->ngrades)
    qsort(r->grades, (size_t)r->ngrades, sizeof *r->grades, by_group_grade);
  return gather_dashboard(r, p);
}

/* ---- output helpers ------------------------------------------------------------ */

static double ratio(long long a, long long b) {
  return b > 0 ? (double)a / (double)b : NAN;
}

static const char *group_head(const rpt *r) { return r->by ? r->by : "group"; }

/* Start a table split by group: its alignment, the group's heading, then
** the other headings (NULL-terminated). */
static void heads(const rpt *r, lrp_table *t, const char *align,
                  const char *const *names) {
  lrp_table_init(t, align);
  lrp_table_cell(t, "%s", group_head(r));
  for (; *names; names++) lrp_table_cell(t, "%s", *names);
}

static void cell_pct(lrp_table *t, double x) {
  char s[32];
  lrp_fmt_pct(s, sizeof s, x);
  lrp_table_cell(t, "%s", s);
}

static int any_null_stage(const rpt *r) {
  for (int g = 0; g < r->ngroups; g++)
    if (r->funnel[g * (r->nstages + 1) + r->nstages]) return 1;
  return 0;
}

/* The tables, shared by text and HTML. */
static void t_funnel(const rpt *r, lrp_table *t) {
  int nul = any_null_stage(r);
  char align[32] = "l";
  int cols = r->nstages + nul + 2;
  if (cols > 31) cols = 31;
  for (int i = 1; i < cols; i++) align[i] = 'r';
  align[cols] = '\0';
  lrp_table_init(t, align);
  lrp_table_cell(t, "%s", group_head(r));
  int shown = cols - 2 - nul;
  for (int s = 0; s < shown; s++) lrp_table_cell(t, "%s", r->stage[s]);
  if (nul) lrp_table_cell(t, "(no stage)");
  lrp_table_cell(t, "total");
  for (int g = 0; g < r->ngroups; g++) {
    const long long *row = &r->funnel[g * (r->nstages + 1)];
    long long total = 0;
    for (int s = 0; s <= r->nstages; s++) total += row[s];
    lrp_table_cell(t, "%s", r->group[g]);
    for (int s = 0; s < shown; s++) lrp_table_cell(t, "%lld", row[s]);
    if (nul) lrp_table_cell(t, "%lld", row[r->nstages]);
    lrp_table_cell(t, "%lld", total);
  }
}

static void t_conversion(const rpt *r, lrp_table *t) {
  static const char *const head[] = {
    "from", "to", "entered", "moved on", "rate", NULL};
  heads(r, t, "lllrrr", head);
  for (int g = 0; g < r->ngroups; g++)
    for (int p = 0; p < r->npairs; p++) {
      long long e = r->entered[g * r->npairs + p];
      long long c = r->converted[g * r->npairs + p];
      if (!e && g < r->ngroups - 1) continue;   /* keep (all) complete */
      lrp_table_cell(t, "%s", r->group[g]);
      lrp_table_cell(t, "%s", r->stage[r->pair[p][0]]);
      lrp_table_cell(t, "%s", r->stage[r->pair[p][1]]);
      lrp_table_cell(t, "%lld", e);
      lrp_table_cell(t, "%lld", c);
      cell_pct(t, ratio(c, e));
    }
}

static void t_time(const rpt *r, lrp_table *t) {
  static const char *const head[] = {"stage", "stays", "median",
                                     "passed through", NULL};
  heads(r, t, "llrrr", head);
  for (int g = 0; g < r->ngroups; g++)
    for (int s = 0; s < r->nstages; s++) {
      long long k = r->stays[g * r->nstages + s];
      long long z = r->through[g * r->nstages + s];
      if (!k && !z) continue;
      char d[32];
      lrp_fmt_days(d, sizeof d, r->median[g * r->nstages + s]);
      lrp_table_cell(t, "%s", r->group[g]);
      lrp_table_cell(t, "%s", r->stage[s]);
      lrp_table_cell(t, "%lld", k);
      lrp_table_cell(t, "%s", k ? d : "-");
      lrp_table_cell(t, "%lld", z);
    }
}

static void t_handoffs(const rpt *r, lrp_table *t) {
  static const char *const head[] = {
    "owner", "handoffs", "with SLA", "breached", "breach rate", NULL};
  heads(r, t, "llrrrr", head);
  for (int g = 0; g < r->ngroups; g++)
    for (int i = 0; i < r->nhand; i++) {
      const handrow *h = &r->hand[i];
      if (h->g != g) continue;
      lrp_table_cell(t, "%s", r->group[g]);
      lrp_table_cell(t, "%s", h->owner);
      lrp_table_cell(t, "%lld", h->n);
      lrp_table_cell(t, "%lld", h->with_due);
      lrp_table_cell(t, "%lld", h->breached);
      cell_pct(t, ratio(h->breached, h->with_due));
    }
}

/* Amounts: whole numbers plain, else two decimals. */
static void money(char *buf, size_t n, double v) {
  if (v == floor(v) && fabs(v) < 1e15) snprintf(buf, n, "%.0f", v);
  else snprintf(buf, n, "%.2f", v);
}

static void t_outcomes(const rpt *r, lrp_table *t) {
  static const char *const head[] = {
    "won", "lost", "close ratio", "average sale", "won amount", NULL};
  heads(r, t, "lrrrrr", head);
  for (int g = 0; g < r->ngroups; g++) {
    if (!r->won[g] && !r->lost[g] && g < r->ngroups - 1) continue;
    char a[64], b[64];
    lrp_table_cell(t, "%s", r->group[g]);
    lrp_table_cell(t, "%lld", r->won[g]);
    lrp_table_cell(t, "%lld", r->lost[g]);
    cell_pct(t, ratio(r->won[g], r->won[g] + r->lost[g]));
    money(a, sizeof a, r->amount_n[g] ? r->amount[g] / (double)r->amount_n[g] : 0);
    money(b, sizeof b, r->amount[g]);
    lrp_table_cell(t, "%s", r->amount_n[g] ? a : "-");
    lrp_table_cell(t, "%s", b);
  }
}

static int band_used(const rpt *r, int b) {
  for (int i = 0; i < r->ngrades; i++)
    if (r->grades[i].n[b]) return 1;
  return 0;
}

static void t_grades(const rpt *r, lrp_table *t) {
  char align[16] = "ll";
  int k = 2;
  for (int b = 0; b < NBANDS; b++)
    if (b < NBANDS - 1 || band_used(r, b)) align[k++] = 'r';
  align[k++] = 'r';
  align[k] = '\0';
  lrp_table_init(t, align);
  lrp_table_cell(t, "%s", group_head(r));
  lrp_table_cell(t, "grade");
  for (int b = 0; b < NBANDS; b++)
    if (b < NBANDS - 1 || band_used(r, b)) lrp_table_cell(t, "%s", BAND[b]);
  lrp_table_cell(t, "total");
  for (int i = 0; i < r->ngrades; i++) {
    long long total = 0;
    lrp_table_cell(t, "%s", r->group[r->grades[i].g]);
    lrp_table_cell(t, "%s", r->grades[i].grade);
    for (int b = 0; b < NBANDS; b++) {
      total += r->grades[i].n[b];
      if (b < NBANDS - 1 || band_used(r, b))
        lrp_table_cell(t, "%lld", r->grades[i].n[b]);
    }
    lrp_table_cell(t, "%lld", total);
  }
}

typedef void (*table_fn)(const rpt *r, lrp_table *t);

typedef struct section {
  const char *title;
  const char *note;                    /* printf with the since text */
  table_fn fill;
} section;

static const section SECTIONS[] = {
  {"Funnel: contacts by current stage", NULL, t_funnel},
  {"Stage-to-stage conversion",
   "Of the contacts whose first entry into a stage was %s, how many later "
   "entered the next stage.", t_conversion},
  {"Median time in stage",
   "Completed stays that began %s; a stay ends at the contact's next move. "
   "A stay of zero seconds (a run moved the contact on through the stage) "
   "is counted as passed through, not in the median.",
   t_time},
  {"Handoffs and SLA",
   "Handoffs made %s. Breached: the due time is before now and the owner "
   "had not acted by then (no stage move and no outcome after the handoff, "
   "at or before due), whatever happened later.", t_handoffs},
  {"Outcomes",
   "Deals closed %s. Close ratio = won / (won + lost); average sale = mean "
   "amount of the won deals that have one.", t_outcomes},
};

void lrp_report_since_text(const rpt *r, char *buf, size_t n) {
  if (!r->o.since) {
    snprintf(buf, n, "at any time");
    return;
  }
  char w[40];
  lrp_iso(r->o.since, w, sizeof w);
  snprintf(buf, n, "since %s", w);
}

/* Where the clock came from, for people. */
void lrp_report_clock_text(const rpt *r, char *buf, size_t n) {
  if (r->clock == CLOCK_GIVEN) snprintf(buf, n, "from --now");
  else if (r->clock == CLOCK_RUN)
    snprintf(buf, n, "the latest run's now, run %lld", r->clock_run);
  else snprintf(buf, n, "the wall clock: no run recorded");
}

static void header_lines(const rpt *r, lrp_out *o, int html) {
  char when[40], since[64], clock[80];
  lrp_iso(r->now, when, sizeof when);
  lrp_report_clock_text(r, clock, sizeof clock);
  lrp_report_since_text(r, since, sizeof since);
  static const char *const ORDER[] = {
    "the policy's funnel order", "the funnel order the latest run recorded",
    "order of first entry in stage_history"};
  const char *order = ORDER[r->order];
  if (html) {
    lrp_outs(o, "<p class=\"note\">now = ");
    lrp_out_html(o, when);
    lrp_outs(o, " (");
    lrp_out_html(o, clock);
    lrp_outs(o, "); history ");
    lrp_out_html(o, since);
    lrp_outs(o, "; split by ");
    lrp_out_html(o, r->by ? r->by : "nothing");
    lrp_outs(o, "; stages in ");
    lrp_out_html(o, order);
    lrp_outs(o, ".</p>\n");
    return;
  }
  lrp_outf(o, "report     %s\n", lr_db_path(r->db));
  lrp_outf(o, "now        %s (%s)\n", when, clock);
  lrp_outf(o, "history    %s\n", since);
  lrp_outf(o, "split by   %s\n", r->by ? r->by : "nothing (--by segment|source|owner|stage|FIELD)");
  lrp_outs(o, "stages     ");
  for (int s = 0; s < r->nstages; s++)
    lrp_outf(o, "%s%s", s ? ", " : "", r->stage[s]);
  lrp_outf(o, "%s(%s)\n", r->nstages ? "\n           " : "", order);
}

/* A note for people, wrapped at 78 columns and indented by 2. */
static void wrap(lrp_out *o, const char *text) {
  const char *p = text;
  while (*p) {
    const char *end = p, *cut = NULL;
    while (*end && end - p < 76) {
      if (*end == ' ') cut = end;
      end++;
    }
    if (!*end) cut = end;
    else if (!cut) cut = end;
    lrp_outf(o, "  %.*s\n", (int)(cut - p), p);
    p = *cut == ' ' ? cut + 1 : cut;
  }
}

static void write_text(const rpt *r, lrp_out *o) {
  header_lines(r, o, 0);
  char since[64], note[512];
  lrp_report_since_text(r, since, sizeof since);
  for (size_t i = 0; i < sizeof SECTIONS / sizeof *SECTIONS; i++) {
    lrp_outf(o, "\n%s\n", SECTIONS[i].title);
    if (SECTIONS[i].note) {
      snprintf(note, sizeof note, SECTIONS[i].note, since);
      wrap(o, note);
    }
    lrp_table t;
    SECTIONS[i].fill(r, &t);
    if (lrp_table_rows(&t) > 1) lrp_table_text(&t, o, 2);
    else lrp_outs(o, "  (none)\n");
    lrp_table_free(&t);
  }
  if (r->ngrades) {
    lrp_outs(o, "\nGrade x engagement\n");
    wrap(o, "Contacts by grade and by the band of their 'engagement' score "
            "group.");
    lrp_table t;
    t_grades(r, &t);
    lrp_table_text(&t, o, 2);
    lrp_table_free(&t);
  }
  lrp_table at;
  lrp_account_funnel(r->db, r->o.policy ? &r->o.policy->main.acc : NULL, &at);
  if (lrp_table_rows(&at) > 1) {
    lrp_outs(o, "\nAccount funnel\n");
    wrap(o, "Accounts per account stage, as the last run left them, and the "
            "contacts matched to them.");
    lrp_table_text(&at, o, 2);
  }
  lrp_table_free(&at);
}

/* ---- HTML ------------------------------------------------------------------------ */

void lrp_report_tables_html(const rpt *r, lrp_out *o) {
  char since[64], note[512];
  lrp_report_since_text(r, since, sizeof since);
  for (size_t i = 0; i < sizeof SECTIONS / sizeof *SECTIONS; i++) {
    lrp_outs(o, "<h3>");
    lrp_out_html(o, SECTIONS[i].title);
    lrp_outs(o, "</h3>\n");
    if (SECTIONS[i].note) {
      snprintf(note, sizeof note, SECTIONS[i].note, since);
      lrp_outs(o, "<p class=\"note\">");
      lrp_out_html(o, note);
      lrp_outs(o, "</p>\n");
    }
    lrp_table t;
    SECTIONS[i].fill(r, &t);
    if (lrp_table_rows(&t) > 1) lrp_table_html(&t, o);
    else lrp_outs(o, "<p>(none)</p>\n");
    lrp_table_free(&t);
  }
  if (r->ngrades) {
    lrp_outs(o, "<h3>Grade x engagement</h3>\n<p class=\"note\">Contacts by "
                "grade and by the band of their 'engagement' score group."
                "</p>\n");
    lrp_table t;
    t_grades(r, &t);
    lrp_table_html(&t, o);
    lrp_table_free(&t);
  }
}

/* ---- JSON ------------------------------------------------------------------------ */

static void jgroup(const rpt *r, lrp_out *o, int g) {
  lrp_outs(o, "{\"group\": ");
  lrp_out_json_str(o, r->group[g]);
}

/* Before the k-th object of an array (counting from 0). */
static void jitem(lrp_out *o, int k) { lrp_outs(o, k ? ",\n    " : "\n    "); }

/* The clock, the split and the names of the stages and groups. */
static void json_header(const rpt *r, lrp_out *o) {
  char when[40];
  lrp_iso(r->now, when, sizeof when);
  static const char *const CLOCK[] = {"given", "latest_run", "wall_clock"};
  lrp_outf(o, "{\n  \"now\": \"%s\",\n  \"clock\": \"%s\",\n  "
              "\"clock_run\": ", when, CLOCK[r->clock]);
  if (r->clock == CLOCK_RUN) lrp_outf(o, "%lld", r->clock_run);
  else lrp_outs(o, "null");
  lrp_outs(o, ",\n  \"since\": ");
  if (r->o.since) {
    lrp_iso(r->o.since, when, sizeof when);
    lrp_outf(o, "\"%s\"", when);
  } else {
    lrp_outs(o, "null");
  }
  lrp_outs(o, ",\n  \"by\": ");
  lrp_out_json_str(o, r->by);
  lrp_outf(o, ",\n  \"stage_order\": \"%s\",\n  \"stages\": [",
           r->order == ORDER_POLICY ? "policy"
           : r->order == ORDER_RUN ? "run" : "history");
  for (int s = 0; s < r->nstages; s++) {
    if (s) lrp_outs(o, ", ");
    lrp_out_json_str(o, r->stage[s]);
  }
  lrp_outs(o, "],\n  \"groups\": [");
  for (int g = 0; g < r->ngroups; g++) {
    if (g) lrp_outs(o, ", ");
    lrp_out_json_str(o, r->group[g]);
  }
  lrp_outs(o, "]");
}

static void json_funnel(const rpt *r, lrp_out *o) {
  lrp_outs(o, ",\n  \"funnel\": [");
  for (int g = 0; g < r->ngroups; g++) {
    const long long *row = &r->funnel[g * (r->nstages + 1)];
    long long total = 0;
    jitem(o, g);
    jgroup(r, o, g);
    lrp_outs(o, ", \"stages\": {");
    for (int s = 0; s < r->nstages; s++) {
      lrp_outs(o, s ? ", " : "");
      lrp_out_json_str(o, r->stage[s]);
      lrp_outf(o, ": %lld", row[s]);
      total += row[s];
    }
    total += row[r->nstages];
    lrp_outf(o, "}, \"no_stage\": %lld, \"total\": %lld}", row[r->nstages], total);
  }
  lrp_outs(o, "\n  ]");
}

static void json_conversion(const rpt *r, lrp_out *o) {
  lrp_outs(o, ",\n  \"conversion\": [");
  int k = 0;
  for (int g = 0; g < r->ngroups; g++)
    for (int p = 0; p < r->npairs; p++) {
      long long e = r->entered[g * r->npairs + p], c = r->converted[g * r->npairs + p];
      jitem(o, k++);
      jgroup(r, o, g);
      lrp_outs(o, ", \"from\": ");
      lrp_out_json_str(o, r->stage[r->pair[p][0]]);
      lrp_outs(o, ", \"to\": ");
      lrp_out_json_str(o, r->stage[r->pair[p][1]]);
      lrp_outf(o, ", \"entered\": %lld, \"converted\": %lld, \"rate\": ", e, c);
      lrp_out_json_num(o, ratio(c, e));
      lrp_outs(o, "}");
    }
  lrp_outs(o, k ? "\n  ]" : "]");
}

static void json_time(const rpt *r, lrp_out *o) {
  lrp_outs(o, ",\n  \"time_in_stage\": [");
  int k = 0;
  for (int g = 0; g < r->ngroups; g++)
    for (int s = 0; s < r->nstages; s++) {
      long long n = r->stays[g * r->nstages + s];
      long long z = r->through[g * r->nstages + s];
      if (!n && !z) continue;
      jitem(o, k++);
      jgroup(r, o, g);
      lrp_outs(o, ", \"stage\": ");
      lrp_out_json_str(o, r->stage[s]);
      lrp_outf(o, ", \"stays\": %lld, \"median_seconds\": ", n);
      lrp_out_json_num(o, n ? r->median[g * r->nstages + s] : NAN);
      lrp_outs(o, ", \"q1_seconds\": ");
      lrp_out_json_num(o, n ? r->q1[g * r->nstages + s] : NAN);
      lrp_outs(o, ", \"q3_seconds\": ");
      lrp_out_json_num(o, n ? r->q3[g * r->nstages + s] : NAN);
      lrp_outf(o, ", \"passed_through\": %lld}", z);
    }
  lrp_outs(o, k ? "\n  ]" : "]");
}

static void json_handoffs(const rpt *r, lrp_out *o) {
  lrp_outs(o, ",\n  \"handoffs\": [");
  int k = 0;
  for (int g = 0; g < r->ngroups; g++)
    for (int i = 0; i < r->nhand; i++) {
      const handrow *h = &r->hand[i];
      if (h->g != g) continue;
      jitem(o, k++);
      jgroup(r, o, g);
      lrp_outs(o, ", \"owner\": ");
      lrp_out_json_str(o, h->owner);
      lrp_outf(o, ", \"handoffs\": %lld, \"with_sla\": %lld, \"breached\": %lld}",
               h->n, h->with_due, h->breached);
    }
  lrp_outs(o, k ? "\n  ]" : "]");
}

static void json_outcomes(const rpt *r, lrp_out *o) {
  lrp_outs(o, ",\n  \"outcomes\": [");
  for (int g = 0; g < r->ngroups; g++) {
    jitem(o, g);
    jgroup(r, o, g);
    lrp_outf(o, ", \"won\": %lld, \"lost\": %lld, \"close_ratio\": ", r->won[g],
             r->lost[g]);
    lrp_out_json_num(o, ratio(r->won[g], r->won[g] + r->lost[g]));
    lrp_outs(o, ", \"average_sale\": ");
    lrp_out_json_num(o, r->amount_n[g] ? r->amount[g] / (double)r->amount_n[g] : NAN);
    lrp_outs(o, ", \"won_amount\": ");
    lrp_out_json_num(o, r->amount[g]);
    lrp_outf(o, ", \"sales\": %lld}", r->amount_n[g]);
  }
  lrp_outs(o, "\n  ]");
}

/* Grade by engagement band, or null when no contact has a grade. */
static void json_grades(const rpt *r, lrp_out *o) {
  lrp_outs(o, ",\n  \"grade_engagement\": ");
  if (!r->ngrades) {
    lrp_outs(o, "null");
    return;
  }
  lrp_outs(o, "{\"bands\": [");
  for (int b = 0; b < NBANDS; b++) lrp_outf(o, "%s\"%s\"", b ? ", " : "", BAND[b]);
  lrp_outs(o, "], \"grades\": [");
  for (int i = 0; i < r->ngrades; i++) {
    lrp_outs(o, i ? ",\n    " : "\n    ");
    jgroup(r, o, r->grades[i].g);
    lrp_outs(o, ", \"grade\": ");
    lrp_out_json_str(o, r->grades[i].grade);
    lrp_outs(o, ", \"contacts\": [");
    for (int b = 0; b < NBANDS; b++)
      lrp_outf(o, "%s%lld", b ? ", " : "", r->grades[i].n[b]);
    lrp_outs(o, "]}");
  }
  lrp_outs(o, "\n  ]}");
}

static void write_json(const rpt *r, lrp_out *o) {
  json_header(r, o);
  json_funnel(r, o);
  json_conversion(r, o);
  json_time(r, o);
  json_handoffs(r, o);
  json_outcomes(r, o);
  json_grades(r, o);
  lrp_report_json_dashboard(r, o);
  lrp_table at;
  lrp_account_funnel(r->db, r->o.policy ? &r->o.policy->main.acc : NULL, &at);
  if (lrp_table_rows(&at) > 1) {
    lrp_outs(o, ",\n  \"account_funnel\": [");
    for (int i = 1; i < lrp_table_rows(&at); i++) {
      lrp_outs(o, i > 1 ? ",\n    {\"stage\": " : "\n    {\"stage\": ");
      lrp_out_json_str(o, at.cells[i * 3]);
      lrp_outf(o, ", \"accounts\": %s, \"contacts\": %s}", at.cells[i * 3 + 1],
               at.cells[i * 3 + 2]);
    }
    lrp_outs(o, "\n  ]");
  }
  lrp_table_free(&at);
  lrp_outs(o, "\n}\n");
}

/* ---- the entry point ------------------------------------------------------------- */

/* The clock: opts->now when given, else the latest run's now (a report on
** data from the past is read as of its last run, not as of today), else
** the wall clock; then `since` when given as a span before the clock. */
static int set_clock(rpt *r) {
  if (r->o.now) {
    r->clock = CLOCK_GIVEN;
  } else {
    if (lrs_report_clock(r->db, &r->now, &r->clock_run) != LR_OK)
      return lr_errcode(r->db);
    r->clock = r->clock_run ? CLOCK_RUN : CLOCK_WALL;
    if (!r->clock_run) r->now = (long long)time(NULL);
  }
  if (r->o.since_ago) {
    r->o.since = r->now - r->o.since_ago;
    if (r->o.since < 1) r->o.since = 1;
  }
  return LR_OK;
}

static void rpt_free(rpt *r) {
  for (int g = 0; g < r->ngroups; g++) free(r->group[g]);
  free(r->group);
  for (int s = 0; s < r->nstages; s++) free(r->stage[s]);
  free(r->stage);
  free(r->pair);
  free(r->funnel);
  free(r->entered);
  free(r->converted);
  free(r->stays);
  free(r->through);
  lrb_free(&r->funnel_json);
  free(r->median);
  for (int i = 0; i < r->nhand; i++) free(r->hand[i].owner);
  free(r->hand);
  free(r->won);
  free(r->lost);
  free(r->amount_n);
  free(r->amount);
  for (int i = 0; i < r->ngrades; i++) free(r->grades[i].grade);
  free(r->grades);
  free(r->buf);
  lrb_free(&r->keep);
  free(r->reach);
  free(r->q1);
  free(r->q3);
  free(r->coh);
  free(r->exits);
  free(r->hday);
  lrp_trend_free(&r->trend);
  lrp_trend_free(&r->htrend);
}

int lr_report(lr_db *db, const lr_report_opts *opts, lr_write_fn write,
              void *ctx) {
  if (!db) return LR_MISUSE;
  rpt r;
  memset(&r, 0, sizeof r);
  r.db = db;
  lr_report_opts dflt = LR_REPORT_OPTS_INIT;
  r.o = dflt;
  if (opts) memcpy(&r.o, opts, opts->size < sizeof r.o ? opts->size : sizeof r.o);
  if (r.o.format < LR_FMT_TEXT || r.o.format > LR_FMT_HTML)
    return lr__err(db, LR_MISUSE, "report: unknown output format %d", r.o.format);
  if (r.o.policy && r.o.policy->db != db)
    return lr__err(db, LR_MISUSE, "report: the policy is loaded on another "
                   "database");
  if (r.o.now && lr__clock(db, r.o.now, "lr_report", &r.now) != LR_OK)
    return lr_errcode(db);
  if (r.o.since_ago < 0)
    return lr__err(db, LR_MISUSE, "report: since_ago must not be negative");
  r.m = r.o.policy ? &r.o.policy->main.m : NULL;
  r.by = r.o.by && *r.o.by ? r.o.by : NULL;
  char field[LRS_NAME_FOLD];
  int rc = LR_OK;
  if (!r.by) {
    r.dim.kind = LRS_DIM_ALL;
  } else if (strcmp(r.by, "segment") == 0) {
    r.dim.kind = LRS_DIM_SEGMENT;
  } else if (strcmp(r.by, "account") == 0) {
    r.dim.kind = LRS_DIM_FIELD;        /* the contact's matched account */
    r.dim.field = "account_key";
  } else {
    r.dim.kind = LRS_DIM_FIELD;
    rc = lrs_report_field_check(db, r.by, field, sizeof field);
    r.by = r.dim.field = field;           /* "Lead Source" splits by source */
  }
  int began = 0;
  if (rc == LR_OK) {
    rc = lrs_report_begin(db) == LR_OK ? LR_OK : lr_errcode(db);
    began = rc == LR_OK;
  }
  if (rc == LR_OK) rc = set_clock(&r);
  if (rc == LR_OK) rc = load_groups(&r);
  if (rc == LR_OK) rc = declare_stages(&r);
  lrp_pass *pass = NULL;
  if (rc == LR_OK) rc = lrp_pass_run(&r, &pass);
  if (rc == LR_OK) rc = load_stages(&r, pass);
  if (rc == LR_OK) rc = gather(&r, pass);
  lrp_pass_free(pass);
  if (began) lrs_report_end(db);
  if (rc == LR_NOMEM || (rc == LR_OK && r.oom)) rc = lr__err(db, LR_NOMEM, "out of memory");
  if (rc == LR_OK) {
    lrp_out out;
    lrp_out_init(&out, write, ctx);
    if (r.o.format == LR_FMT_JSON) write_json(&r, &out);
    else if (r.o.format == LR_FMT_HTML) lrp_report_write_html(&r, &out);
    else write_text(&r, &out);
    rc = lrp_out_done(&out);
    if (rc == LR_OK && r.o.html_write) {
      lrp_out_init(&out, r.o.html_write, r.o.html_ctx);
      lrp_report_write_html(&r, &out);
      rc = lrp_out_done(&out);
    }
    if (rc != LR_OK)
      lr__err(db, rc, rc == LR_NOMEM ? "out of memory"
                                     : "report: writing the report failed");
  }
  rpt_free(&r);
  return rc == LR_OK ? lr__ok(db) : rc;
}
