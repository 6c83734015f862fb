/*
** report_dash.c -- the figures the dashboard adds to lr_report, as JSON
** members (`--json` carries every number a chart draws), plus the two
** rules the charts share: which groups a chart shows (the ten largest,
** the rest folded into "(other)") and which samples are too small.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

double lrp_report_ratio(long long a, long long b) {
  return b > 0 ? (double)a / (double)b : NAN;
}

int lrp_report_chart_groups(const rpt *r, int *row, const char **name) {
  int n = r->ngroups - 1, rows = 0;          /* (all) is not a bar */
  for (int g = 0; g < n; g++) {
    if (g < LRP_CHART_GROUPS || n == LRP_CHART_GROUPS + 1) {
      row[g] = rows;
      name[rows++] = r->group[g];
    } else {
      if (g == LRP_CHART_GROUPS) name[rows++] = "(other)";
      row[g] = LRP_CHART_GROUPS;
    }
  }
  return rows;
}

static void add_small(lrp_small *v, int *n, int max, int g, const char *what,
                      long long k) {
  if (k > 0 && k < LRP_SMALL_SAMPLE && *n < max)
    v[(*n)++] = (lrp_small){g, what, k};
}

int lrp_report_small(const rpt *r, lrp_small *v, int max) {
  int n = 0, F = r->nfunnel;
  for (int g = r->ngroups - 1; g >= 0; g--) {     /* (all) first */
    add_small(v, &n, max, g, "contacts", r->reach[g * (F + 1) + F]);
    add_small(v, &n, max, g, "deals", r->won[g] + r->lost[g]);
    add_small(v, &n, max, g, "sales", r->amount_n[g]);
  }
  return n;
}

/* ---- JSON ------------------------------------------------------------------ */

static void iso_or_null(lrp_out *o, long long t, int have) {
  char when[40];
  if (!have) {
    lrp_outs(o, "null");
    return;
  }
  lrp_iso(t, when, sizeof when);
  lrp_outf(o, "\"%s\"", when);
}

static void json_head(const rpt *r, lrp_out *o) {
  lrp_outs(o, ",\n  \"policy\": ");
  if (r->o.policy) {
    lrp_outs(o, "{\"path\": ");
    lrp_out_json_str(o, r->o.policy->path);
    lrp_outf(o, ", \"sha256\": \"%s\"}", r->o.policy->hash);
  } else {
    lrp_outs(o, "null");
  }
  lrp_outs(o, ",\n  \"window\": {\"first\": ");
  iso_or_null(o, r->win_first, r->win_rows > 0);
  lrp_outs(o, ", \"last\": ");
  iso_or_null(o, r->win_last, r->win_rows > 0);
  lrp_outf(o, ", \"history_rows\": %lld}", r->win_rows);
  lrp_outs(o, ",\n  \"currency\": ");
  lrp_out_json_str(o, r->o.currency && *r->o.currency ? r->o.currency : NULL);
}

/* How far each group's cohort got through the funnel. */
static void json_reached(const rpt *r, lrp_out *o) {
  int F = r->nfunnel;
  lrp_outs(o, ",\n  \"reached\": [");
  for (int g = 0; g < r->ngroups; g++) {
    const long long *row = &r->reach[g * (F + 1)];
    lrp_outs(o, g ? ",\n    {\"group\": " : "\n    {\"group\": ");
    lrp_out_json_str(o, r->group[g]);
    lrp_outf(o, ", \"contacts\": %lld, \"stages\": {", row[F]);
    for (int s = 0; s < F; s++) {
      lrp_outs(o, s ? ", " : "");
      lrp_out_json_str(o, r->stage[s]);
      lrp_outf(o, ": %lld", row[s]);
    }
    lrp_outs(o, "}}");
  }
  lrp_outs(o, "\n  ]");
}

static void json_exits(const rpt *r, lrp_out *o) {
  lrp_outs(o, ",\n  \"moves\": [");
  for (int i = 0; i < r->nexits; i++) {
    lrp_outs(o, i ? ",\n    {\"from\": " : "\n    {\"from\": ");
    lrp_out_json_str(o, r->stage[r->exits[i].from]);
    lrp_outs(o, ", \"to\": ");
    lrp_out_json_str(o, r->stage[r->exits[i].to]);
    lrp_outf(o, ", \"contacts\": %lld}", r->exits[i].n);
  }
  lrp_outs(o, r->nexits ? "\n  ]" : "]");
}

static void json_trend(const rpt *r, lrp_out *o) {
  const lrp_trend *t = &r->trend;
  lrp_outf(o, ",\n  \"trend\": {\"bucket\": \"%s\", \"rows\": [",
           t->monthly ? "month" : "week");
  for (int i = 0; i < t->n; i++) {
    char b[32];
    lrp_trend_label(t, i, b, sizeof b);
    lrp_outf(o, "%s{\"start\": \"%s\", \"contacts\": %lld, \"reached\": {",
             i ? ",\n    " : "\n    ", b, t->v[i * t->width]);
    for (int k = 1; k < t->width; k++) {
      lrp_outs(o, k > 1 ? ", " : "");
      lrp_out_json_str(o, r->stage[k]);
      lrp_outf(o, ": %lld", t->v[i * t->width + k]);
    }
    lrp_outs(o, "}}");
  }
  lrp_outs(o, t->n ? "\n  ]}" : "]}");
  const lrp_trend *h = &r->htrend;
  lrp_outf(o, ",\n  \"handoff_trend\": {\"bucket\": \"%s\", \"rows\": [",
           h->monthly ? "month" : "week");
  for (int i = 0; i < h->n; i++) {
    char b[32];
    lrp_trend_label(h, i, b, sizeof b);
    lrp_outf(o, "%s{\"start\": \"%s\", \"handoffs\": %lld, \"breached\": %lld}",
             i ? ",\n    " : "\n    ", b, h->v[i * 2], h->v[i * 2 + 1]);
  }
  lrp_outs(o, h->n ? "\n  ]}" : "]}");
}

static void json_small(const rpt *r, lrp_out *o) {
  lrp_small v[256];
  int n = lrp_report_small(r, v, 256);
  lrp_outf(o, ",\n  \"small_sample_below\": %d,\n  \"small_samples\": [",
           LRP_SMALL_SAMPLE);
  for (int i = 0; i < n; i++) {
    lrp_outs(o, i ? ",\n    {\"group\": " : "\n    {\"group\": ");
    lrp_out_json_str(o, r->group[v[i].g]);
    lrp_outf(o, ", \"of\": \"%s\", \"n\": %lld}", v[i].what, v[i].n);
  }
  lrp_outs(o, n ? "\n  ]" : "]");
}

void lrp_report_json_dashboard(const rpt *r, lrp_out *o) {
  json_head(r, o);
  json_reached(r, o);
  json_exits(r, o);
  json_trend(r, o);
  json_small(r, o);
}
