/*
** backtest_html.c -- the backtest as one self-contained HTML page: summary
** cards, the ROC curve and the lift-by-decile chart as inline SVG, and
** the decile, stage, threshold and rule tables.  No scripts, no fetches.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backtest.h"

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

static void roc_chart(const lrp_bt *b, lrp_out *o) {
  long long P = b->pos, N = b->n - b->pos;
  lrp_outf(o, "<figure style=\"width:%dpx\"><svg id=\"roc\" xmlns=\"http://www.w3.org/2000/svg\" "
              "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
              "aria-label=\"ROC curve\">\n",
           ROC_X + ROC_W + 20, ROC_X + ROC_W + 20, ROC_Y + ROC_H + 46, ROC_X + ROC_W + 20,
           ROC_Y + ROC_H + 46);
  /* grid and axes */
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
  lrp_outf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#aaa\" "
              "stroke-dasharray=\"4 4\"/>\n",
           ROC_X, ROC_Y + ROC_H, ROC_X + ROC_W, ROC_Y);
  lrp_outf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">false positive "
              "rate (non-converters called)</text>\n",
           ROC_X + ROC_W / 2, ROC_Y + ROC_H + 32);
  lrp_outf(o, "<text transform=\"translate(14 %d) rotate(-90)\" "
              "text-anchor=\"middle\">true positive rate (recall)</text>\n",
           ROC_Y + ROC_H / 2);
  if (P && N) {
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
    if (b->best >= 0) {
      double fx = (double)b->thr[b->best].fp / (double)N;
      double fy = (double)b->thr[b->best].tp / (double)P;
      char t[64];
      lrp_fmt_num(t, sizeof t, b->thr[b->best].t);
      lrp_outf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#c05621\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\">best F1: score &gt;= %s</text>\n",
               ROC_X + fx * ROC_W, ROC_Y + ROC_H - fy * ROC_H,
               ROC_X + fx * ROC_W + 8, ROC_Y + ROC_H - fy * ROC_H + 14, t);
    }
    lrp_outf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
                "style=\"font-size:14px;font-weight:bold\">AUC %.4f</text>\n",
             ROC_X + ROC_W - 8, ROC_Y + ROC_H - 10, b->auc);
  } else {
    lrp_outf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">needs contacts "
                "of both outcomes</text>\n", ROC_X + ROC_W / 2, ROC_Y + ROC_H / 2);
  }
  lrp_outs(o, "</svg><figcaption>ROC curve: each point is a threshold; the "
              "dashed diagonal is a random order.</figcaption></figure>\n");
}

static void lift_chart(const lrp_bt *b, lrp_out *o) {
  double top = 1;
  for (int d = 0; d < 10; d++) {
    double l = lrp_bt_lift(b, b->decile[d].pos, b->decile[d].n);
    if (!isnan(l) && l > top) top = l;
  }
  top = ceil(top * 1.1 * 2) / 2;      /* room above, to a half */
  lrp_outf(o, "<figure style=\"width:%dpx\"><svg id=\"lift\" xmlns=\"http://www.w3.org/2000/svg\" "
              "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
              "aria-label=\"Lift by score decile\">\n",
           LIFT_X + LIFT_W + 20, LIFT_X + LIFT_W + 20, LIFT_Y + LIFT_H + 46, LIFT_X + LIFT_W + 20,
           LIFT_Y + LIFT_H + 46);
  double step = top <= 2 ? 0.5 : top <= 5 ? 1 : top <= 10 ? 2 : ceil(top / 5);
  for (double v = 0; v <= top + 1e-9; v += step) {
    double y = LIFT_Y + LIFT_H - v / top * LIFT_H;
    lrp_outf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                "stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" "
                "text-anchor=\"end\">%g</text>\n",
             LIFT_X, y, LIFT_X + LIFT_W, y, LIFT_X - 5, y + 4, v);
  }
  double bw = LIFT_W / 10.0;
  for (int d = 0; d < 10; d++) {
    double l = lrp_bt_lift(b, b->decile[d].pos, b->decile[d].n);
    double x = LIFT_X + d * bw;
    lrp_outf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
             x + bw / 2, LIFT_Y + LIFT_H + 14, d + 1);
    if (isnan(l)) continue;
    double h = l / top * LIFT_H, y = LIFT_Y + LIFT_H - h;
    lrp_outf(o, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" "
                "text-anchor=\"middle\">%.2f</text>\n",
             x + 4, y, bw - 8, h, l >= 1 ? "#2f855a" : "#c53030", x + bw / 2,
             y - 4, l);
  }
  double y1 = LIFT_Y + LIFT_H - 1.0 / top * LIFT_H;
  lrp_outf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
              "stroke=\"#555\" stroke-dasharray=\"5 4\"/><text x=\"%d\" "
              "y=\"%.1f\" text-anchor=\"end\">base rate</text>\n",
           LIFT_X, y1, LIFT_X + LIFT_W, y1, LIFT_X + LIFT_W, y1 - 4);
  lrp_outf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n",
           LIFT_X, LIFT_Y + LIFT_H, LIFT_X + LIFT_W, LIFT_Y + LIFT_H);
  lrp_outf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">score decile "
              "(1 = highest scores)</text>\n", LIFT_X + LIFT_W / 2,
           LIFT_Y + LIFT_H + 32);
  lrp_outf(o, "<text transform=\"translate(14 %d) rotate(-90)\" "
              "text-anchor=\"middle\">lift (conversion / base rate)</text>\n",
           LIFT_Y + LIFT_H / 2);
  lrp_outs(o, "</svg><figcaption>Lift by score decile: how many times the "
              "base rate each tenth of the list converts.</figcaption>"
              "</figure>\n");
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
  if (b->leak[0]) {
    lrp_outs(o, "<p><strong>Warning:</strong> ");
    lrp_out_html(o, b->leak);
    lrp_outs(o, ".</p>\n");
  }
  lrp_outs(o, "<div class=\"cards\">\n");
  snprintf(v, sizeof v, "%lld", b->n);
  card(o, "contacts", v);
  snprintf(v, sizeof v, "%lld", b->pos);
  card(o, "converted", v);
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
    snprintf(label, sizeof label, "threshold for %lld calls", b->capacity);
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
  lift_chart(b, o);
  lrp_outs(o, "</div>\n");
  lrp_bt_table_html(b, LRP_BT_DECILES, o);
  lrp_bt_table_html(b, LRP_BT_STAGES, o);
  lrp_bt_table_html(b, LRP_BT_RULES, o);
  lrp_bt_table_html(b, LRP_BT_THRESHOLDS, o);
  lrp_html_end(o);
}
