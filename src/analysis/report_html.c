/*
** report_html.c -- lr_report as a dashboard a marketing manager reads:
** one self-contained page (inline CSS and SVG, no scripts, no fetches)
** with a header (clock, policy and hash, data window, small samples),
** summary cards, the funnel, conversion, close ratio and average sale by
** group, trends per week or month, time in stage and SLA breaches per
** owner; the tables below with --tables.  Each chart carries the numbers
** it draws (data-values), the same numbers `--json` gives.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/numfmt.h"
#include "report.h"
#include "svg.h"

#define MAX_SERIES 4                   /* conversion bars per group */

/* ---- JSON for data-values --------------------------------------------------- */

static void jstrs(lr_buf *b, const char *key, const char *const *v, int n) {
  lrb_printf(b, "\"%s\": [", key);
  for (int i = 0; i < n; i++) {
    if (i) lrb_adds(b, ", ");
    lrb_json_str(b, v[i], strlen(v[i]));
  }
  lrb_adds(b, "]");
}

static void jnums(lr_buf *b, const char *key, const double *v, int n) {
  lrb_printf(b, ", \"%s\": [", key);
  for (int i = 0; i < n; i++) {
    if (i) lrb_adds(b, ", ");
    lrb_json_num(b, v[i]);
  }
  lrb_adds(b, "]");
}

static void jints(lr_buf *b, const char *key, const long long *v, int n) {
  lrb_printf(b, ", \"%s\": [", key);
  for (int i = 0; i < n; i++) lrb_printf(b, "%s%lld", i ? ", " : "", v[i]);
  lrb_adds(b, "]");
}

static void done_json(lr_buf *b, lrp_out *o) {
  if (b->oom) o->b.oom = 1;
  lrb_free(b);
}

/* ---- the header ---------------------------------------------------------------- */

static void header(const rpt *r, lrp_out *o) {
  char when[40], clock[96], since[64], a[40], z[40], n[LRU_NUM_SIZE];
  lrp_iso(r->now, when, sizeof when);
  lrp_report_clock_text(r, clock, sizeof clock);
  lrp_report_since_text(r, since, sizeof since);
  lrp_outs(o, "<h1>leadrules report</h1>\n<dl class=\"head\">\n<dt>Clock</dt><dd>");
  lrp_out_html(o, when);
  lrp_outs(o, " (");
  lrp_out_html(o, clock);
  lrp_outs(o, ")</dd>\n<dt>Policy</dt><dd>");
  if (r->o.policy) {
    lrp_outs(o, "<code>");
    lrp_out_html(o, r->o.policy->path);
    lrp_outf(o, "</code>, sha256 <code class=\"hash\">%s</code>",
             r->o.policy->hash);
  } else {
    lrp_outs(o, "none given (stages as the latest run recorded them)");
  }
  lrp_outs(o, "</dd>\n<dt>Data</dt><dd>");
  if (r->win_rows) {
    lrp_iso(r->win_first, a, sizeof a);
    lrp_iso(r->win_last, z, sizeof z);
    lrp_outf(o, "stage history from %.10s to %.10s (%s moves); figures use "
                "history ", a, z, lru_fmt_count(n, sizeof n, r->win_rows));
    lrp_out_html(o, since);
  } else {
    lrp_outs(o, "no stage history yet");
  }
  lrp_outs(o, "; split by ");
  lrp_out_html(o, r->by ? r->by : "nothing (--by source, segment, ...)");
  lrp_outs(o, "</dd>\n");
  lrp_small v[64];
  int k = lrp_report_small(r, v, 64);
  lrp_outf(o, "<dt>Small samples</dt><dd%s>", k ? " class=\"warn\"" : "");
  if (!k) lrp_outf(o, "none: every figure rests on %d or more", LRP_SMALL_SAMPLE);
  for (int i = 0; i < k; i++) {
    lrp_outs(o, i ? "; " : "");
    lrp_out_html(o, r->group[v[i].g]);
    lrp_outf(o, ": %lld %s", v[i].n, v[i].what);
  }
  if (k) lrp_outf(o, " (fewer than %d: read those rates with care; pale on "
                     "the charts)", LRP_SMALL_SAMPLE);
  lrp_outs(o, "</dd>\n</dl>\n");
}

static void card(lrp_out *o, const char *label, const char *value,
                 const char *sub) {
  lrp_outs(o, "<div class=\"card\">");
  lrp_out_html(o, label);
  lrp_outs(o, "<b>");
  lrp_out_html(o, value);
  lrp_outs(o, "</b>");
  if (sub) {
    lrp_outs(o, "<small>");
    lrp_out_html(o, sub);
    lrp_outs(o, "</small>");
  }
  lrp_outs(o, "</div>\n");
}

static void cards(const rpt *r, lrp_out *o) {
  int g = r->ngroups - 1, F = r->nfunnel;
  const long long *reach = &r->reach[g * (F + 1)];
  char v[LRU_NUM_SIZE], s[96], p[LRU_NUM_SIZE];
  long long total = 0, hand = 0, due = 0, breached = 0;
  for (int k = 0; k <= r->nstages; k++) total += r->funnel[g * (r->nstages + 1) + k];
  lrp_outs(o, "<div class=\"cards\">\n");
  card(o, "contacts", lru_fmt_count(v, sizeof v, total), NULL);
  for (int k = 1; k < F; k++) {
    char label[96];
    snprintf(label, sizeof label, "reached %s", r->stage[k]);
    snprintf(s, sizeof s, "%s of %s", lru_fmt_count(p, sizeof p, reach[k]),
             lru_fmt_count(v, sizeof v, reach[F]));
    card(o, label, lru_fmt_percent(v, sizeof v,
                                   lrp_report_ratio(reach[k], reach[F])), s);
  }
  snprintf(s, sizeof s, "%s won, %s lost", lru_fmt_count(v, sizeof v, r->won[g]),
           lru_fmt_count(p, sizeof p, r->lost[g]));
  card(o, "close ratio", lru_fmt_percent(v, sizeof v, lrp_report_ratio(
         r->won[g], r->won[g] + r->lost[g])), s);
  snprintf(s, sizeof s, "%s sales", lru_fmt_count(p, sizeof p, r->amount_n[g]));
  card(o, "average sale", lru_fmt_amount(v, sizeof v, r->amount_n[g]
         ? r->amount[g] / (double)r->amount_n[g] : NAN, r->o.currency), s);
  for (int i = 0; i < r->nhand; i++)
    if (r->hand[i].g == g) {
      hand += r->hand[i].n;
      due += r->hand[i].with_due;
      breached += r->hand[i].breached;
    }
  snprintf(s, sizeof s, "%s of %s with an SLA", lru_fmt_count(v, sizeof v, breached),
           lru_fmt_count(p, sizeof p, due));
  card(o, "SLA breached", lru_fmt_percent(v, sizeof v,
                                          lrp_report_ratio(breached, due)), s);
  card(o, "handoffs", lru_fmt_count(v, sizeof v, hand), NULL);
  lrp_outs(o, "</div>\n");
}

/* ---- the funnel ---------------------------------------------------------------- */

/* Contacts that left each funnel stage for a side stage, and where to. */
static void side_exits(const rpt *r, int s, long long *n, char *note, size_t cap) {
  *n = 0;
  note[0] = '\0';
  size_t len = 0;
  for (int i = 0; i < r->nexits; i++) {
    if (r->exits[i].from != s || r->exits[i].to < r->nfunnel) continue;
    char k[LRU_NUM_SIZE];
    *n += r->exits[i].n;
    if (len < cap)
      len += (size_t)snprintf(note + len, cap - len, "%s%s %s", len ? ", " : "to ",
                              lru_fmt_count(k, sizeof k, r->exits[i].n),
                              r->stage[r->exits[i].to]);
  }
}

static void funnel(const rpt *r, lrp_out *o) {
  int F = r->nfunnel, g = r->ngroups - 1;
  const long long *reach = &r->reach[g * (F + 1)];
  long long exits[64];
  char notes[64][128];
  const char *note[64];
  double rate[64];
  int n = F < 64 ? F : 64;
  for (int s = 0; s < n; s++) {
    side_exits(r, s, &exits[s], notes[s], sizeof notes[s]);
    note[s] = notes[s];
    rate[s] = s + 1 < n ? lrp_report_ratio(reach[s + 1], reach[s]) : NAN;
  }
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "{");
  jstrs(&b, "stages", (const char *const *)r->stage, n);
  jints(&b, "reached", reach, n);
  jints(&b, "to_side_stages", exits, n);
  lrb_adds(&b, "}");
  lrp_svg_funnel f = {lrb_str(&b), "Funnel: contacts whose history began in "
                      "the window, by the furthest funnel stage they reached "
                      "(a contact that reached sql counts for lead and mql "
                      "too); between stages, the share that went on; on the "
                      "right, how many left a stage for a side stage.",
                      n, (const char *const *)r->stage, reach, rate, exits, note};
  lrp_svg_funnel_chart(o, &f);
  done_json(&b, o);
}

/* Without a funnel (no policy, no run recorded one): current stages. */
static void stage_bars(const rpt *r, lrp_out *o) {
  int g = r->ngroups - 1, n = r->nstages;
  double *v = calloc((size_t)n + 1, sizeof *v);
  long long *c = calloc((size_t)n + 1, sizeof *c);
  if (!v || !c) {
    o->b.oom = 1;
    free(v);
    free(c);
    return;
  }
  for (int s = 0; s < n; s++) v[s] = (double)(c[s] = r->funnel[g * (n + 1) + s]);
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "{");
  jstrs(&b, "stages", (const char *const *)r->stage, n);
  jints(&b, "contacts", c, n);
  lrb_adds(&b, "}");
  lrp_svg_bars bars = {"funnel", "Contacts by current stage",
                       "Contacts by current stage (no funnel is known: give "
                       "--policy, or run a policy first).", lrb_str(&b), n, 1,
                       (const char *const *)r->stage, NULL, v, NULL, NULL,
                       LRP_SVG_COUNT, NULL, NULL, NULL, 0};
  lrp_svg_hbars(o, &bars);
  done_json(&b, o);
  free(v);
  free(c);
}

/* ---- by group -------------------------------------------------------------------- */

/* The groups as a chart shows them, each figure summed over the groups
** folded into a row. */
typedef struct rows {
  int n, F;
  const char *name[LRP_CHART_GROUPS + 1];
  long long *reach;                    /* [row][F + 1] */
  long long won[LRP_CHART_GROUPS + 1], lost[LRP_CHART_GROUPS + 1];
  long long sales[LRP_CHART_GROUPS + 1];
  double amount[LRP_CHART_GROUPS + 1];
  int order[LRP_CHART_GROUPS + 1];     /* rows in the order drawn */
  double key[LRP_CHART_GROUPS + 1];    /* what they are sorted by */
} rows;

static int fold_rows(const rpt *r, rows *w) {
  memset(w, 0, sizeof *w);
  int *row = calloc((size_t)r->ngroups + 1, sizeof *row), F = r->nfunnel;
  w->reach = calloc((size_t)(LRP_CHART_GROUPS + 1) * (size_t)(F + 1), sizeof *w->reach);
  if (!row || !w->reach) {
    free(row);
    free(w->reach);
    return LR_NOMEM;
  }
  w->F = F;
  w->n = lrp_report_chart_groups(r, row, w->name);
  for (int g = 0; g < r->ngroups - 1; g++) {
    int k = row[g];
    for (int s = 0; s <= F; s++) w->reach[k * (F + 1) + s] += r->reach[g * (F + 1) + s];
    w->won[k] += r->won[g];
    w->lost[k] += r->lost[g];
    w->sales[k] += r->amount_n[g];
    w->amount[k] += r->amount[g];
  }
  free(row);
  return LR_OK;
}

/* Highest first; NaN last; "(other)" at the bottom whatever it holds. */
static const rows *sorting;
static int by_key(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  int ox = strcmp(sorting->name[x], "(other)") == 0;
  int oy = strcmp(sorting->name[y], "(other)") == 0;
  if (ox != oy) return ox - oy;
  double kx = sorting->key[x], ky = sorting->key[y];
  if (isnan(kx) != isnan(ky)) return isnan(kx) ? 1 : -1;
  if (!isnan(kx) && kx != ky) return kx > ky ? -1 : 1;
  return x - y;
}

static void sort_rows(rows *w) {
  for (int i = 0; i < w->n; i++) w->order[i] = i;
  sorting = w;
  qsort(w->order, (size_t)w->n, sizeof *w->order, by_key);
}

/* Lead -> each later funnel stage, per group, with the overall rates. */
static void conversion_chart(const rpt *r, rows *w, lrp_out *o) {
  int F = w->F, ns = F - 1 < MAX_SERIES ? F - 1 : MAX_SERIES, n = w->n;
  const long long *all = &r->reach[(r->ngroups - 1) * (F + 1)];
  double v[(LRP_CHART_GROUPS + 1) * MAX_SERIES], ref[MAX_SERIES];
  const char *label[LRP_CHART_GROUPS + 1], *note[LRP_CHART_GROUPS + 1];
  char notes[LRP_CHART_GROUPS + 1][48];
  int weak[LRP_CHART_GROUPS + 1];
  for (int i = 0; i < n; i++)
    w->key[i] = lrp_report_ratio(w->reach[i * (F + 1) + ns], w->reach[i * (F + 1) + F]);
  sort_rows(w);
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "{\"groups\": [");
  for (int j = 0; j < n; j++) {
    int i = w->order[j];
    long long c = w->reach[i * (F + 1) + F];
    label[j] = w->name[i];
    lru_fmt_count(notes[j], sizeof notes[j], c);
    strncat(notes[j], " contacts", sizeof notes[j] - strlen(notes[j]) - 1);
    note[j] = notes[j];
    weak[j] = c < LRP_SMALL_SAMPLE;
    for (int s = 0; s < ns; s++)
      v[j * ns + s] = lrp_report_ratio(w->reach[i * (F + 1) + s + 1], c);
    lrb_adds(&b, j ? ", " : "");
    lrb_json_str(&b, w->name[i], strlen(w->name[i]));
  }
  lrb_adds(&b, "], ");
  jstrs(&b, "series", (const char *const *)r->stage + 1, ns);
  lrb_adds(&b, ", \"contacts\": [");
  for (int j = 0; j < n; j++)
    lrb_printf(&b, "%s%lld", j ? ", " : "", w->reach[w->order[j] * (F + 1) + F]);
  lrb_adds(&b, "], \"rates\": [");
  for (int j = 0; j < n; j++) {
    lrb_adds(&b, j ? ", [" : "[");
    for (int s = 0; s < ns; s++) {
      if (s) lrb_adds(&b, ", ");
      lrb_json_num(&b, v[j * ns + s]);
    }
    lrb_adds(&b, "]");
  }
  lrb_adds(&b, "]");
  for (int s = 0; s < ns; s++) ref[s] = lrp_report_ratio(all[s + 1], all[F]);
  jnums(&b, "overall", ref, ns);
  lrb_adds(&b, "}");
  char caption[256];
  snprintf(caption, sizeof caption, "Of the contacts whose history began in "
           "the window, the share that reached each stage (or a later one), "
           "by %s; dashed: the overall rate.", r->by);
  lrp_svg_bars bars = {"conversion", "Conversion by group", caption,
                       lrb_str(&b), n, ns, label,
                       (const char *const *)r->stage + 1, v, note, weak,
                       LRP_SVG_PCT, NULL, ref, "overall rate", 0};
  lrp_svg_hbars(o, &bars);
  done_json(&b, o);
}

/* Close ratio (won / (won + lost)) or average sale per group, sorted,
** with the number of deals or sales beside each bar. */
static void deal_chart(const rpt *r, rows *w, lrp_out *o, int sale) {
  int n = w->n, g = r->ngroups - 1;
  double v[LRP_CHART_GROUPS + 1], ref;
  const char *label[LRP_CHART_GROUPS + 1], *note[LRP_CHART_GROUPS + 1];
  char notes[LRP_CHART_GROUPS + 1][48];
  int weak[LRP_CHART_GROUPS + 1];
  for (int i = 0; i < n; i++)
    w->key[i] = sale ? (w->sales[i] ? w->amount[i] / (double)w->sales[i] : NAN)
                     : lrp_report_ratio(w->won[i], w->won[i] + w->lost[i]);
  sort_rows(w);
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "{\"groups\": [");
  for (int j = 0; j < n; j++) {
    int i = w->order[j];
    long long k = sale ? w->sales[i] : w->won[i] + w->lost[i];
    label[j] = w->name[i];
    v[j] = w->key[i];
    weak[j] = k < LRP_SMALL_SAMPLE;
    lru_fmt_count(notes[j], sizeof notes[j], k);
    strncat(notes[j], sale ? (k == 1 ? " sale" : " sales")
                           : (k == 1 ? " deal" : " deals"),
            sizeof notes[j] - strlen(notes[j]) - 1);
    note[j] = notes[j];
    lrb_adds(&b, j ? ", " : "");
    lrb_json_str(&b, w->name[i], strlen(w->name[i]));
  }
  lrb_adds(&b, "]");
  long long won[LRP_CHART_GROUPS + 1], lost[LRP_CHART_GROUPS + 1];
  for (int j = 0; j < n; j++) {
    won[j] = sale ? w->sales[w->order[j]] : w->won[w->order[j]];
    lost[j] = w->lost[w->order[j]];
  }
  jints(&b, sale ? "sales" : "won", won, n);
  if (!sale) jints(&b, "lost", lost, n);
  jnums(&b, sale ? "average_sale" : "close_ratio", v, n);
  ref = sale ? (r->amount_n[g] ? r->amount[g] / (double)r->amount_n[g] : NAN)
             : lrp_report_ratio(r->won[g], r->won[g] + r->lost[g]);
  jnums(&b, "overall", &ref, 1);
  lrb_adds(&b, "}");
  char caption[256];
  snprintf(caption, sizeof caption, sale
           ? "Average sale by %s: the mean amount of won deals that have one "
             "(beside each bar: how many); dashed: overall."
           : "Close ratio by %s: won / (won + lost) of the deals closed in the "
             "window (beside each bar: how many deals); dashed: overall.", r->by);
  lrp_svg_bars bars = {sale ? "sale" : "close", sale ? "Average sale by group"
                       : "Close ratio by group", caption, lrb_str(&b), n, 1,
                       label, NULL, v, note, weak,
                       sale ? LRP_SVG_AMOUNT : LRP_SVG_PCT, r->o.currency, &ref,
                       "overall", 0};
  lrp_svg_hbars(o, &bars);
  done_json(&b, o);
}

static void group_charts(const rpt *r, lrp_out *o) {
  rows w;
  if (fold_rows(r, &w) != LR_OK) {
    o->b.oom = 1;
    return;
  }
  lrp_outs(o, "<h2>Is our targeting working?</h2>\n<div class=\"charts\">\n");
  if (w.F > 1) conversion_chart(r, &w, o);
  deal_chart(r, &w, o, 0);
  deal_chart(r, &w, o, 1);
  lrp_outs(o, "</div>\n");
  free(w.reach);
}

/* ---- over time ------------------------------------------------------------------- */

static char **trend_labels(const lrp_trend *t) {
  char **x = calloc((size_t)t->n + 1, sizeof *x);
  for (int i = 0; x && i < t->n; i++) {
    x[i] = malloc(16);
    if (x[i]) lrp_trend_label(t, i, x[i], 16);
    else x[i] = NULL;
  }
  for (int i = 0; x && i < t->n; i++)
    if (!x[i]) {
      for (int k = 0; k < t->n; k++) free(x[k]);
      free(x);
      return NULL;
    }
  return x;
}

static void free_labels(char **x, int n) {
  for (int i = 0; x && i < n; i++) free(x[i]);
  free(x);
}

/* New contacts per bucket, and the share of them that reached the
** funnel stages after the first. */
static void trend_chart(const rpt *r, lrp_out *o) {
  const lrp_trend *t = &r->trend;
  int n = t->n, nl = t->width - 1 < MAX_SERIES ? t->width - 1 : MAX_SERIES;
  char **x = trend_labels(t);
  double *bars = calloc((size_t)n + 1, sizeof *bars);
  double *lines = calloc((size_t)(n + 1) * (size_t)(nl + 1), sizeof *lines);
  long long *c = calloc((size_t)n + 1, sizeof *c);
  if (!x || !bars || !lines || !c) {
    o->b.oom = 1;
  } else {
    lr_buf b = LR_BUF_INIT;
    lrb_printf(&b, "{\"bucket\": \"%s\", ", t->monthly ? "month" : "week");
    jstrs(&b, "starts", (const char *const *)x, n);
    for (int i = 0; i < n; i++) bars[i] = (double)(c[i] = t->v[i * t->width]);
    jints(&b, "contacts", c, n);
    lrb_adds(&b, ", \"reached\": {");
    for (int s = 0; s < nl; s++) {
      for (int i = 0; i < n; i++) {
        lines[s * n + i] = lrp_report_ratio(t->v[i * t->width + s + 1], c[i]);
        c[i] = t->v[i * t->width + s + 1];
      }
      lrb_adds(&b, s ? ", " : "");
      lrb_json_str(&b, r->stage[s + 1], strlen(r->stage[s + 1]));
      lrb_adds(&b, ": [");
      for (int i = 0; i < n; i++) lrb_printf(&b, "%s%lld", i ? ", " : "", c[i]);
      lrb_adds(&b, "]");
      for (int i = 0; i < n; i++) c[i] = t->v[i * t->width];
    }
    lrb_adds(&b, "}}");
    static const char *const BAR[] = {"new contacts"};
    char names[MAX_SERIES][96];
    const char *line[MAX_SERIES];
    for (int s = 0; s < nl; s++) {
      snprintf(names[s], sizeof names[s], "reached %s", r->stage[s + 1]);
      line[s] = names[s];
    }
    char caption[200];
    snprintf(caption, sizeof caption, "Contacts by the %s their history began "
             "(bars, left axis) and the share of them that reached each "
             "stage so far (lines, right axis).", t->monthly ? "month" : "week");
    lrp_svg_cols cols = {"trend", "New contacts and conversion over time",
                         caption, lrb_str(&b), n, (const char *const *)x, 1,
                         BAR, bars, NULL, nl, line, lines};
    lrp_svg_columns(o, &cols);
    done_json(&b, o);
  }
  free_labels(x, n);
  free(bars);
  free(lines);
  free(c);
}

/* Handoffs per bucket: answered or still open in time, and breached. */
static void handoff_chart(const rpt *r, lrp_out *o) {
  const lrp_trend *t = &r->htrend;
  int n = t->n;
  char **x = trend_labels(t);
  double *bars = calloc((size_t)(2 * n) + 1, sizeof *bars);
  long long *h = calloc((size_t)n + 1, sizeof *h), *k = calloc((size_t)n + 1, sizeof *k);
  if (!x || !bars || !h || !k) {
    o->b.oom = 1;
  } else {
    for (int i = 0; i < n; i++) {
      h[i] = t->v[i * 2];
      k[i] = t->v[i * 2 + 1];
      bars[i] = (double)(h[i] - k[i]);
      bars[n + i] = (double)k[i];
    }
    lr_buf b = LR_BUF_INIT;
    lrb_printf(&b, "{\"bucket\": \"%s\", ", t->monthly ? "month" : "week");
    jstrs(&b, "starts", (const char *const *)x, n);
    jints(&b, "handoffs", h, n);
    jints(&b, "breached", k, n);
    lrb_adds(&b, "}");
    static const char *const NAME[] = {"handoffs not breached", "SLA breached"};
    static const char *const COLOR[] = {"#a3bfdf", "#c53030"};
    lrp_svg_cols cols = {"handoffs", "Handoffs and SLA breaches over time",
                         "Handoffs to sales by the week (or month) they were "
                         "made; red: the owner had not acted by the due time.",
                         lrb_str(&b), n, (const char *const *)x, 2, NAME, bars,
                         COLOR, 0, NULL, NULL};
    lrp_svg_columns(o, &cols);
    done_json(&b, o);
  }
  free_labels(x, n);
  free(bars);
  free(h);
  free(k);
}

/* ---- where leads stall ----------------------------------------------------------- */

static void time_chart(const rpt *r, lrp_out *o) {
  int g = r->ngroups - 1, S = r->nstages, n = 0;
  const char **label = calloc((size_t)S + 1, sizeof *label);
  const char **note = calloc((size_t)S + 1, sizeof *note);
  char (*notes)[48] = calloc((size_t)S + 1, sizeof *notes);
  double *q = calloc((size_t)(3 * S) + 3, sizeof *q);
  long long *k = calloc((size_t)S + 1, sizeof *k);
  if (!label || !note || !notes || !q || !k) {
    o->b.oom = 1;
  } else {
    lr_buf b = LR_BUF_INIT;
    lrb_adds(&b, "{\"stages\": [");
    for (int s = 0; s < S; s++) {
      long long m = r->stays[g * S + s];
      if (!m) continue;
      label[n] = r->stage[s];
      q[n] = r->q1[g * S + s];
      q[S + 1 + n] = r->median[g * S + s];
      q[2 * S + 2 + n] = r->q3[g * S + s];
      k[n] = m;
      lru_fmt_count(notes[n], sizeof notes[n], m);
      strncat(notes[n], m == 1 ? " stay" : " stays", sizeof notes[n] - strlen(notes[n]) - 1);
      note[n] = notes[n];
      lrb_adds(&b, n ? ", " : "");
      lrb_json_str(&b, r->stage[s], strlen(r->stage[s]));
      n++;
    }
    lrb_adds(&b, "]");
    jints(&b, "stays", k, n);
    jnums(&b, "q1_seconds", q, n);
    jnums(&b, "median_seconds", q + S + 1, n);
    jnums(&b, "q3_seconds", q + 2 * S + 2, n);
    lrb_adds(&b, "}");
    lrp_svg_boxes bx = {"time", "Time in stage", "Time in stage: completed "
                        "stays that began in the window; the box holds the "
                        "middle half of them, the line is the median.",
                        lrb_str(&b), n, label, q, q + S + 1, q + 2 * S + 2, note};
    lrp_svg_box_chart(o, &bx);
    done_json(&b, o);
  }
  free(label);
  free(note);
  free(notes);
  free(q);
  free(k);
}

/* The owners of (all) with the most handoffs, the rest folded into
** "(other)": their handoffs h, with an SLA d, breached k.  Returns the
** rows, -1 out of memory. */
static int fold_owners(const rpt *r, const char **label, long long *h,
                       long long *d, long long *k) {
  int g = r->ngroups - 1, n = 0, cap = LRP_CHART_GROUPS + 1;
  int *idx = calloc((size_t)r->nhand + 1, sizeof *idx), m = 0;
  if (!idx) return -1;
  for (int i = 0; i < r->nhand; i++) if (r->hand[i].g == g) idx[m++] = i;
  /* most handoffs first (a stable selection: owners come sorted by name) */
  for (int a = 1; a < m; a++)
    for (int z = a; z > 0 && r->hand[idx[z]].n > r->hand[idx[z - 1]].n; z--) {
      int t = idx[z];
      idx[z] = idx[z - 1];
      idx[z - 1] = t;
    }
  for (int i = 0; i < m; i++) {
    const handrow *x = &r->hand[idx[i]];
    int row = i < LRP_CHART_GROUPS || m == cap ? i : LRP_CHART_GROUPS;
    if (row == n) label[n++] = row == LRP_CHART_GROUPS && m > cap ? "(other)" : x->owner;
    h[row] += x->n;
    d[row] += x->with_due;
    k[row] += x->breached;
  }
  free(idx);
  return n;
}

/* SLA per owner: handoffs that breached and those that did not. */
static void owner_chart(const rpt *r, lrp_out *o) {
  const char *label[LRP_CHART_GROUPS + 1];
  long long h[LRP_CHART_GROUPS + 1] = {0}, d[LRP_CHART_GROUPS + 1] = {0};
  long long k[LRP_CHART_GROUPS + 1] = {0};
  int n = fold_owners(r, label, h, d, k);
  if (n < 0) {
    o->b.oom = 1;
    return;
  }
  double v[2 * (LRP_CHART_GROUPS + 1)];
  char notes[LRP_CHART_GROUPS + 1][48];
  const char *note[LRP_CHART_GROUPS + 1];
  for (int i = 0; i < n; i++) {
    v[i * 2] = (double)(h[i] - k[i]);
    v[i * 2 + 1] = (double)k[i];
    char p[LRU_NUM_SIZE];
    snprintf(notes[i], sizeof notes[i], "%s breached",
             lru_fmt_percent(p, sizeof p, lrp_report_ratio(k[i], d[i])));
    note[i] = notes[i];
  }
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "{");
  jstrs(&b, "owners", label, n);
  jints(&b, "handoffs", h, n);
  jints(&b, "with_sla", d, n);
  jints(&b, "breached", k, n);
  lrb_adds(&b, "}");
  static const char *const SERIES[] = {"not breached", "breached"};
  lrp_svg_bars bars = {"owners", "SLA breaches per owner", "Handoffs per owner "
                       "(the owners with the most; others folded into "
                       "(other)) and how many breached their SLA; on the "
                       "right: breaches / handoffs with an SLA.", lrb_str(&b),
                       n, 2, label, SERIES, v, note, NULL, LRP_SVG_COUNT, NULL,
                       NULL, NULL, 1};
  lrp_svg_hbars(o, &bars);
  done_json(&b, o);
}

/* ---- the page -------------------------------------------------------------------- */

void lrp_report_write_html(const rpt *r, lrp_out *o) {
  lrp_html_begin(o, "leadrules report");
  header(r, o);
  cards(r, o);
  lrp_outs(o, "<h2>Where does the funnel leak?</h2>\n<div class=\"charts\">\n");
  if (r->nfunnel > 1) funnel(r, o);
  else stage_bars(r, o);
  time_chart(r, o);
  owner_chart(r, o);
  lrp_outs(o, "</div>\n");
  if (r->by) group_charts(r, o);
  lrp_outs(o, "<h2>Over time</h2>\n<div class=\"charts\">\n");
  trend_chart(r, o);
  handoff_chart(r, o);
  lrp_outs(o, "</div>\n");
  if (r->o.tables) {
    lrp_outs(o, "<h2>Tables</h2>\n");
    lrp_report_tables_html(r, o);
  } else {
    lrp_outs(o, "<p class=\"note\">Every number above, and the tables, are "
                "in <code>leadrules report --json</code>; "
                "<code>--tables</code> adds the tables to this page.</p>\n");
  }
  lrp_html_end(o);
}
