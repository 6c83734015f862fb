/*
** backtest_html.c -- the backtest as one self-contained HTML page: summary
** cards, warnings, the ROC curve, precision and recall by the share
** called (both marking the best-F1 and --capacity thresholds) and the
** lift-by-decile chart as inline SVG with legends, and the decile, stage,
** threshold and rule tables.  No scripts, no fetches.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../util/numfmt.h"
#include "backtest.h"
#include "svg.h"

#define MARK_F1 "#c05621"           /* the best-F1 threshold */
#define MARK_CAP "#6b46c1"          /* the --capacity threshold */

/* Plot areas (SVG user units). */
#define ROC_X 50
#define ROC_Y 16
#define ROC_W 300
#define ROC_H 300
#define LIFT_X 50
#define LIFT_Y 16
#define LIFT_W 400
#define LIFT_H 260

static void card(lrp_out *o, const char *label, const char *value) {
  lrp_outs(o, "<div class=\"card\">");
  lrp_out_html(o, label);
  lrp_outs(o, "<b>");
  lrp_out_html(o, value);
  lrp_outs(o, "</b></div>\n");
}

/* A legend as a column of rows under a chart, from (x, y): a dot, a
** dashed line or a swatch, and the text. */
typedef struct key {
  const char *kind;                 /* "dot", "dash" or "box" */
  const char *color;
  char text[96];
} key;

static void legend(lrp_out *o, int x, int y, const key *k, int n) {
  lrp_outs(o, "<g class=\"legend\">");
  for (int i = 0; i < n; i++, y += 16) {
    if (k[i].kind[0] == 'd' && k[i].kind[1] == 'o')
      lrp_outf(o, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\"/>", x + 6,
               y - 4, k[i].color);
    else if (k[i].kind[0] == 'd')
      lrp_outf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                  "stroke-width=\"2\" stroke-dasharray=\"4 3\"/>", x, y - 4,
               x + 14, y - 4, k[i].color);
    else
      lrp_outf(o, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" "
                  "fill=\"%s\"/>", x + 1, y - 9, k[i].color);
    lrp_svg_text(o, x + 20, y, "start", 0, k[i].text);
  }
  lrp_outs(o, "</g>\n");
}

/* The figures a chart marks, as data-values: what `--json` also says. */
static void marks_json(const lrp_bt *b, lr_buf *j) {
  lrb_printf(j, "\"contacts\": %lld, \"positives\": %lld, \"best_f1\": ",
             b->n, b->pos);
  if (b->best >= 0) {
    lrb_adds(j, "{\"threshold\": ");
    lrb_json_num(j, b->thr[b->best].t);
    lrb_printf(j, ", \"selected\": %lld}", b->thr[b->best].tp + b->thr[b->best].fp);
  } else {
    lrb_adds(j, "null");
  }
  lrb_adds(j, ", \"capacity\": ");
  if (b->capacity > 0 && b->cap_idx >= 0) {
    lrb_printf(j, "{\"calls\": %lld, \"threshold\": ", b->capacity);
    lrb_json_num(j, b->thr[b->cap_idx].t);
    lrb_printf(j, ", \"selected\": %lld}",
               b->thr[b->cap_idx].tp + b->thr[b->cap_idx].fp);
  } else if (b->capacity > 0) {
    lrb_printf(j, "{\"calls\": %lld, \"threshold\": null, \"selected\": 0}",
               b->capacity);
  } else {
    lrb_adds(j, "null");
  }
}

/* The legend rows for the best-F1 and capacity marks. */
static int mark_keys(const lrp_bt *b, key *k, const char *kind) {
  int n = 0;
  char t[64], c[LRU_NUM_SIZE];
  if (b->best >= 0) {
    lrp_fmt_num(t, sizeof t, b->thr[b->best].t);
    k[n] = (key){kind, MARK_F1, ""};
    snprintf(k[n++].text, sizeof k[0].text, "best F1: score >= %s", t);
  }
  if (b->capacity > 0 && b->cap_idx >= 0) {
    lrp_fmt_num(t, sizeof t, b->thr[b->cap_idx].t);
    k[n] = (key){kind, MARK_CAP, ""};
    snprintf(k[n++].text, sizeof k[0].text, "capacity %s calls: score >= %s",
             lru_fmt_count(c, sizeof c, b->capacity), t);
  }
  return n;
}

static void roc_axes(lrp_out *o, const char *xlabel, const char *ylabel) {
  for (int k = 0; k <= 4; k++) {
    double f = k / 4.0;
    int x = ROC_X + (int)(f * ROC_W), y = ROC_Y + ROC_H - (int)(f * ROC_H);
    lrp_outf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>"
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n",
             x, ROC_Y, x, ROC_Y + ROC_H, ROC_X, y, ROC_X + ROC_W, y);
    lrp_outf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%g</text>"
                "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%g</text>\n",
             x, ROC_Y + ROC_H + 14, f, ROC_X - 5, y + 4, f);
  }
  lrp_outf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
              "stroke=\"#999\"/>\n", ROC_X, ROC_Y, ROC_W, ROC_H);
  lrp_outf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
           ROC_X + ROC_W / 2, ROC_Y + ROC_H + 32, xlabel);
  lrp_outf(o, "<text transform=\"translate(14 %d) rotate(-90)\" "
              "text-anchor=\"middle\">%s</text>\n", ROC_Y + ROC_H / 2, ylabel);
}

/* A threshold's point on the ROC curve. */
static void roc_point(const lrp_bt *b, lrp_out *o, long long i, const char *color,
                      const char *cls) {
  double fx = (double)b->thr[i].fp / (double)(b->n - b->pos);
  double fy = (double)b->thr[i].tp / (double)b->pos;
  lrp_outf(o, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" "
              "fill=\"%s\" stroke=\"#fff\"/>\n", cls, ROC_X + fx * ROC_W,
           ROC_Y + ROC_H - fy * ROC_H, color);
}

static void roc_curve(const lrp_bt *b, lrp_out *o) {
  long long P = b->pos, N = b->n - b->pos;
  /* The curve through every threshold, thinned to what a screen shows;
  ** straight segments between points, as the AUC counts ties. */
  lr_buf pts = LR_BUF_INIT;
  double lx = -1, ly = -1;
  lrb_printf(&pts, "%d,%d", ROC_X, ROC_Y + ROC_H);
  for (long long i = 0; i < b->nthr; i++) {
    double fx = (double)b->thr[i].fp / (double)N;
    double fy = (double)b->thr[i].tp / (double)P;
    if (i < b->nthr - 1 && fabs(fx - lx) < 0.002 && fabs(fy - ly) < 0.002)
      continue;
    lx = fx;
    ly = fy;
    lrb_printf(&pts, " %.1f,%.1f", ROC_X + fx * ROC_W,
               ROC_Y + ROC_H - fy * ROC_H);
  }
  lrp_outf(o, "<path d=\"M%s L%d,%d Z\" fill=\"#2b6cb0\" fill-opacity=\"0.12\" "
              "stroke=\"none\"/>\n", lrb_str(&pts), ROC_X + ROC_W,
           ROC_Y + ROC_H);
  lrp_outf(o, "<polyline class=\"roc\" points=\"%s\" fill=\"none\" "
              "stroke=\"#2b6cb0\" stroke-width=\"2.5\"/>\n", lrb_str(&pts));
  if (pts.oom) o->b.oom = 1;
  lrb_free(&pts);
  if (b->best >= 0) roc_point(b, o, b->best, MARK_F1, "best");
  if (b->capacity > 0 && b->cap_idx >= 0)
    roc_point(b, o, b->cap_idx, MARK_CAP, "capacity");
  lrp_outf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
              "style=\"font-size:14px;font-weight:bold\">AUC %.4f</text>\n",
           ROC_X + ROC_W - 8, ROC_Y + ROC_H - 10, b->auc);
}

static void roc_chart(const lrp_bt *b, lrp_out *o) {
  int w = ROC_X + ROC_W + 20, h = ROC_Y + ROC_H + 46 + 5 * 16;
  lr_buf j = LR_BUF_INIT;
  lrb_adds(&j, "{");
  marks_json(b, &j);
  lrb_adds(&j, ", \"auc\": ");
  lrb_json_num(&j, b->auc);
  lrb_adds(&j, "}");
  lrp_svg_begin(o, "roc", w, h, "ROC curve", lrb_str(&j));
  if (j.oom) o->b.oom = 1;
  lrb_free(&j);
  roc_axes(o, "false positive rate (non-converters called)",
           "true positive rate (recall)");
  lrp_outf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#aaa\" "
              "stroke-dasharray=\"4 4\"/>\n",
           ROC_X, ROC_Y + ROC_H, ROC_X + ROC_W, ROC_Y);
  if (b->pos && b->n - b->pos) roc_curve(b, o);
  else
    lrp_outf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">needs contacts "
                "of both outcomes</text>\n", ROC_X + ROC_W / 2, ROC_Y + ROC_H / 2);
  key k[4] = {{"box", "#2b6cb0", "ROC curve (shaded: the area, AUC)"},
              {"dash", "#aaa", "random order"}};
  int n = 2 + mark_keys(b, k + 2, "dot");
  legend(o, ROC_X, ROC_Y + ROC_H + 56, k, n);
  lrp_svg_end(o, "ROC curve: each point is a threshold; the dots mark the "
                 "best-F1 and the capacity thresholds.");
}

/* Precision and recall against the share of contacts called. */
static void pr_line(const lrp_bt *b, lrp_out *o, int recall, const char *color) {
  lrp_outf(o, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" "
              "stroke-width=\"2\" points=\"", recall ? "recall" : "precision",
           color);
  double lx = -1;
  for (long long i = 0; i < b->nthr; i++) {
    double x = (double)(b->thr[i].tp + b->thr[i].fp) / (double)b->n;
    if (i < b->nthr - 1 && x - lx < 0.002) continue;
    lx = x;
    double y = recall ? lrp_bt_recall(b, i) : lrp_bt_precision(b, i);
    lrp_outf(o, "%s%.1f,%.1f", i ? " " : "", ROC_X + x * ROC_W,
             ROC_Y + ROC_H - y * ROC_H);
  }
  lrp_outs(o, "\"/>\n");
}

static void pr_mark(const lrp_bt *b, lrp_out *o, long long i, const char *color,
                    const char *cls) {
  double x = ROC_X + (double)(b->thr[i].tp + b->thr[i].fp) / (double)b->n * ROC_W;
  lrp_outf(o, "<line class=\"%s\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
              "stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n",
           cls, x, ROC_Y, x, ROC_Y + ROC_H, color);
}

static void pr_chart(const lrp_bt *b, lrp_out *o) {
  int w = ROC_X + ROC_W + 20, h = ROC_Y + ROC_H + 46 + 5 * 16;
  lr_buf j = LR_BUF_INIT;
  lrb_adds(&j, "{");
  marks_json(b, &j);
  lrb_adds(&j, ", \"base_rate\": ");
  lrb_json_num(&j, b->base_rate);
  lrb_adds(&j, "}");
  lrp_svg_begin(o, "pr", w, h, "Precision and recall by the share called",
                lrb_str(&j));
  if (j.oom) o->b.oom = 1;
  lrb_free(&j);
  roc_axes(o, "share of contacts called (highest scores first)",
           "precision / recall");
  double y = ROC_Y + ROC_H - b->base_rate * ROC_H;
  lrp_outf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#aaa\" "
              "stroke-dasharray=\"4 4\"/>\n", ROC_X, y, ROC_X + ROC_W, y);
  if (b->pos) {
    pr_line(b, o, 0, "#2b6cb0");
    pr_line(b, o, 1, "#2f855a");
  }
  if (b->best >= 0) pr_mark(b, o, b->best, MARK_F1, "best");
  if (b->capacity > 0 && b->cap_idx >= 0) pr_mark(b, o, b->cap_idx, MARK_CAP, "capacity");
  key k[5] = {{"box", "#2b6cb0", "precision: share of those called who converted"},
              {"box", "#2f855a", "recall: share of converters called"},
              {"dash", "#aaa", "base rate (precision of a random list)"}};
  int n = 3 + mark_keys(b, k + 3, "dash");
  legend(o, ROC_X, ROC_Y + ROC_H + 56, k, n);
  lrp_svg_end(o, "Precision and recall when everyone down to a score is "
                 "called; the dashed lines mark the best-F1 and capacity "
                 "thresholds.");
}

/* Grid lines and values on the y axis, 0 to top. */
static void lift_grid(lrp_out *o, double top) {
  double step = top <= 2 ? 0.5 : top <= 5 ? 1 : top <= 10 ? 2 : ceil(top / 5);
  for (double v = 0; v <= top + 1e-9; v += step) {
    double y = LIFT_Y + LIFT_H - v / top * LIFT_H;
    lrp_outf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                "stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" "
                "text-anchor=\"end\">%g</text>\n",
             LIFT_X, y, LIFT_X + LIFT_W, y, LIFT_X - 5, y + 4, v);
  }
}

/* The base-rate line (lift 1), the x axis and both axis titles. */
static void lift_axes(lrp_out *o, double top) {
  double y1 = LIFT_Y + LIFT_H - 1.0 / top * LIFT_H;
  lrp_outf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
              "stroke=\"#555\" stroke-dasharray=\"5 4\"/>\n",
           LIFT_X, y1, LIFT_X + LIFT_W, y1);
  lrp_outf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n",
           LIFT_X, LIFT_Y + LIFT_H, LIFT_X + LIFT_W, LIFT_Y + LIFT_H);
  lrp_outf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">score decile "
              "(1 = highest scores)</text>\n", LIFT_X + LIFT_W / 2,
           LIFT_Y + LIFT_H + 32);
  lrp_outf(o, "<text transform=\"translate(14 %d) rotate(-90)\" "
              "text-anchor=\"middle\">lift (conversion / base rate)</text>\n",
           LIFT_Y + LIFT_H / 2);
}

static void lift_chart(const lrp_bt *b, lrp_out *o) {
  double top = 1, lift[10];
  for (int d = 0; d < 10; d++) {
    lift[d] = lrp_bt_lift(b, b->decile[d].pos, b->decile[d].n);
    if (!isnan(lift[d]) && lift[d] > top) top = lift[d];
  }
  top = ceil(top * 1.1 * 2) / 2;      /* room above, to a half */
  lr_buf j = LR_BUF_INIT;
  lrb_adds(&j, "{\"lift\": [");
  for (int d = 0; d < 10; d++) {
    if (d) lrb_adds(&j, ", ");
    lrb_json_num(&j, lift[d]);
  }
  lrb_adds(&j, "]}");
  lrp_svg_begin(o, "lift", LIFT_X + LIFT_W + 20, LIFT_Y + LIFT_H + 46 + 2 * 16,
                "Lift by score decile", lrb_str(&j));
  if (j.oom) o->b.oom = 1;
  lrb_free(&j);
  lift_grid(o, top);
  double bw = LIFT_W / 10.0;
  for (int d = 0; d < 10; d++) {
    double l = lift[d], x = LIFT_X + d * bw;
    lrp_outf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
             x + bw / 2, LIFT_Y + LIFT_H + 14, d + 1);
    if (isnan(l)) continue;
    double h = l / top * LIFT_H, y = LIFT_Y + LIFT_H - h;
    /* the value above the bar: `top` keeps 10% of room over the tallest */
    lrp_outf(o, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" "
                "text-anchor=\"middle\">%.2f</text>\n",
             x + 4, y, bw - 8, h, l >= 1 ? "#2f855a" : "#c53030", x + bw / 2,
             y - 4, l);
  }
  lift_axes(o, top);
  key k[3] = {{"box", "#2f855a", "converts above the base rate"},
              {"box", "#c53030", "below it"},
              {"dash", "#555", "base rate (lift 1)"}};
  legend(o, LIFT_X, LIFT_Y + LIFT_H + 52, k, 1);
  legend(o, LIFT_X + 190, LIFT_Y + LIFT_H + 52, k + 1, 1);
  legend(o, LIFT_X + 270, LIFT_Y + LIFT_H + 52, k + 2, 1);
  lrp_svg_end(o, "Lift by score decile: how many times the base rate each "
                 "tenth of the list converts.");
}

/* The title, the note under it and the summary cards. */
static void html_summary(const lrp_bt *b, const char *title, lrp_out *o) {
  char v[128], when[40], t1[64];
  lrp_iso(b->now, when, sizeof when);
  lrp_outs(o, "<h1>");
  lrp_out_html(o, title);
  lrp_outs(o, "</h1>\n<p class=\"note\">now = ");
  lrp_out_html(o, when);
  lrp_outf(o, ", policy sha256 %.12s; outcome: ", b->p->hash);
  if (b->outcome) {
    lrp_outs(o, "column <code>");
    lrp_out_html(o, b->outcome);
    lrp_outs(o, "</code>");
  } else {
    lrp_outs(o, "the outcomes table (latest per contact; won is positive)");
  }
  lrp_outf(o, ". %lld contacts evaluated, %lld without an outcome left out."
              "</p>\n", b->evaluated, b->excluded);
  if (b->leak[0] || b->nwarn) {
    lrp_outs(o, "<div class=\"warnings\"><strong>Warning</strong><ul>\n");
    if (b->leak[0]) {
      lrp_outs(o, "<li>");
      lrp_out_html(o, b->leak);
      lrp_outs(o, ".</li>\n");
    }
    for (int i = 0; i < b->nwarn; i++) {
      lrp_outs(o, "<li>");
      lrp_out_html(o, b->warn[i]);
      lrp_outs(o, ".</li>\n");
    }
    lrp_outs(o, "</ul></div>\n");
  }
  lrp_outs(o, "<div class=\"cards\">\n");
  card(o, "contacts", lru_fmt_count(v, sizeof v, b->n));
  card(o, "converted", lru_fmt_count(v, sizeof v, b->pos));
  lrp_fmt_pct(v, sizeof v, b->base_rate);
  card(o, "base rate", v);
  if (isnan(b->auc)) snprintf(v, sizeof v, "n/a");
  else snprintf(v, sizeof v, "%.4f", b->auc);
  card(o, "ROC AUC", v);
  if (b->best >= 0) {
    lrp_fmt_num(t1, sizeof t1, b->thr[b->best].t);
    snprintf(v, sizeof v, "score >= %s", t1);
    card(o, "best F1 threshold", v);
    snprintf(v, sizeof v, "%.4f", lrp_bt_f1(b, b->best));
    card(o, "best F1", v);
  }
  if (b->capacity > 0) {
    char label[64];
    snprintf(label, sizeof label, "threshold for %s calls",
             lru_fmt_count(t1, sizeof t1, b->capacity));
    if (b->cap_idx >= 0) {
      lrp_fmt_num(t1, sizeof t1, b->thr[b->cap_idx].t);
      snprintf(v, sizeof v, "score >= %s", t1);
    } else {
      snprintf(v, sizeof v, "none fits");
    }
    card(o, label, v);
  }
  lrp_outs(o, "</div>\n");
}

void lrp_bt_write_html(const lrp_bt *b, lrp_out *o) {
  const char *path = b->p->path ? b->p->path : b->p->name;
  char title[512];
  snprintf(title, sizeof title, "Backtest of %s", path);
  lrp_html_begin(o, title);
  html_summary(b, title, o);
  if (!b->n) {
    lrp_outs(o, "<p>No contact has an outcome: nothing to measure.</p>\n");
    lrp_html_end(o);
    return;
  }
  lrp_outs(o, "<h2>Charts</h2>\n<div class=\"charts\">\n");
  roc_chart(b, o);
  pr_chart(b, o);
  lift_chart(b, o);
  lrp_outs(o, "</div>\n");
  lrp_bt_table_html(b, LRP_BT_DECILES, o);
  lrp_bt_table_html(b, LRP_BT_STAGES, o);
  lrp_bt_table_html(b, LRP_BT_RULES, o);
  lrp_bt_table_html(b, LRP_BT_THRESHOLDS, o);
  lrp_html_end(o);
}
