/*
** svg.c -- inline SVG charts for the HTML reports (see svg.h).  Layout is
** in fixed columns: labels on the left, bars in the middle, values and
** notes in room kept for them on the right, the legend in a strip above
** the plot, so that no text is drawn over a bar or over another text.
*/
#include "svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../util/numfmt.h"

const char *const LRP_SVG_COLOR[6] = {"#2b6cb0", "#dd6b20", "#2f855a",
                                      "#805ad5", "#c53030", "#718096"};

#define CHAR_W 6.2                     /* mean glyph width at 11px */
#define LEGEND_H 22

void lrp_svg_fmt(char *buf, size_t n, int kind, double v,
                 const char *currency) {
  if (isnan(v)) {
    snprintf(buf, n, "-");
    return;
  }
  switch (kind) {
    case LRP_SVG_PCT: lru_fmt_percent(buf, n, v); break;
    case LRP_SVG_AMOUNT: lru_fmt_amount(buf, n, v, currency); break;
    case LRP_SVG_DAYS: lrp_fmt_days(buf, n, v); break;
    default: lru_fmt_count(buf, n, (long long)llround(v));
  }
}

void lrp_svg_begin(lrp_out *o, const char *name, int w, int h,
                   const char *label, const char *json) {
  /* the figure as wide as its chart: the caption wraps under it */
  lrp_outf(o, "<figure class=\"chart\" style=\"width:%dpx\"><svg "
              "class=\"chart\" id=\"", w);
  lrp_out_html(o, name);
  lrp_outs(o, "\" data-chart=\"");
  lrp_out_html(o, name);
  lrp_outs(o, "\" data-values=\"");
  lrp_out_html(o, json ? json : "null");
  lrp_outf(o, "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
              "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
           w, h, w, h);
  lrp_out_html(o, label);
  lrp_outs(o, "\">\n");
}

void lrp_svg_end(lrp_out *o, const char *caption) {
  lrp_outs(o, "</svg><figcaption>");
  lrp_out_html(o, caption);
  lrp_outs(o, "</figcaption></figure>\n");
  lrp_out_maybe_flush(o);
}

/* Characters, not bytes: a UTF-8 continuation byte takes no room. */
static int glyphs(const char *s) {
  int k = 0;
  for (; *s; s++) k += ((unsigned char)*s & 0xC0) != 0x80;
  return k;
}

void lrp_svg_text(lrp_out *o, double x, double y, const char *anchor,
                  int max, const char *s) {
  lrp_outf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
  if (max > 1 && glyphs(s) > max) {
    lrp_outs(o, "<title>");
    lrp_out_html(o, s);
    lrp_outs(o, "</title>");
    char cut[256];
    int k = 0, g = 0;
    for (const char *p = s; *p && k < (int)sizeof cut - 4; p++) {
      if (((unsigned char)*p & 0xC0) != 0x80 && ++g > max - 1) break;
      cut[k++] = *p;
    }
    memcpy(cut + k, "\xE2\x80\xA6", 4);          /* an ellipsis and NUL */
    lrp_out_html(o, cut);
  } else {
    lrp_out_html(o, s);
  }
  lrp_outs(o, "</text>");
}

void lrp_svg_legend(lrp_out *o, int x, int y, const lrp_svg_key *k, int n) {
  double at = x;
  lrp_outs(o, "<g class=\"legend\">");
  for (int i = 0; i < n; i++) {
    if (k[i].dashed)
      lrp_outf(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                  "stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>",
               at, y + 6, at + 14, y + 6, k[i].color);
    else
      lrp_outf(o, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"12\" "
                  "fill=\"%s\"%s/>", at, y, k[i].color,
               k[i].pale ? " fill-opacity=\"" LRP_SVG_WEAK_OPACITY "\"" : "");
    lrp_svg_text(o, at + 17, y + 10, "start", 0, k[i].name);
    at += 17 + glyphs(k[i].name) * CHAR_W + 14;
  }
  lrp_outs(o, "</g>\n");
}

/* A round axis maximum at or above x (1, 2 or 5 times a power of ten). */
static double nice(double x) {
  if (!(x > 0)) return 1;
  double step = pow(10, floor(log10(x)));
  for (int i = 0; i < 4; i++) {
    static const double M[] = {1, 2, 5, 10};
    if (M[i] * step >= x * (1 - 1e-12)) return M[i] * step;
  }
  return 10 * step;
}

/* "nothing to draw yet", centred at (x, y), in room no bar takes. */
static void empty(lrp_out *o, double x, double y) {
  lrp_svg_text(o, x, y, "middle", 0, "(nothing to draw yet)");
}

/* ---- horizontal bars ------------------------------------------------------ */

static double bars_max(const lrp_svg_bars *b) {
  double top = 0;
  for (int s = 0; s < b->nseries && b->ref; s++)
    if (!isnan(b->ref[s]) && b->ref[s] > top) top = b->ref[s];
  for (int r = 0; r < b->nrows; r++) {
    double sum = 0;
    for (int s = 0; s < b->nseries; s++) {
      double v = b->v[r * b->nseries + s];
      if (isnan(v)) continue;
      if (b->stack) sum += v;
      else if (v > top) top = v;
    }
    if (sum > top) top = sum;
  }
  if (b->kind == LRP_SVG_PCT) return top > 0.5 ? 1 : nice(top);
  return nice(top);
}

static void bars_legend(lrp_out *o, const lrp_svg_bars *b) {
  lrp_svg_key k[8];
  int n = 0, weak = 0;
  for (int s = 0; s < b->nseries && n < 6 && b->series; s++)
    k[n++] = (lrp_svg_key){b->series[s], LRP_SVG_COLOR[s], 0, 0};
  for (int r = 0; r < b->nrows && b->weak; r++) weak |= b->weak[r];
  int refs = 0;
  for (int s = 0; s < b->nseries && b->ref; s++) refs |= !isnan(b->ref[s]);
  if (refs)
    k[n++] = (lrp_svg_key){b->ref_label ? b->ref_label : "overall", "#333",
                           1, 0};
  if (weak)
    k[n++] = (lrp_svg_key){"small sample (pale)", LRP_SVG_COLOR[0], 0, 1};
  if (n) lrp_svg_legend(o, 4, 4, k, n);
}

/* The x axis under the bars: 0, half and the maximum. */
static void bars_axis(lrp_out *o, const lrp_svg_bars *b, double x0, double w,
                      double y, double top) {
  lrp_outf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
              "stroke=\"#999\"/>\n", x0, y, x0 + w, y);
  for (int k = 0; k <= 2; k++) {
    char t[64];
    /* amounts on the axis as round numbers: the bars carry the cents */
    lrp_svg_fmt(t, sizeof t, b->kind == LRP_SVG_AMOUNT ? LRP_SVG_COUNT
                : b->kind, top * k / 2, NULL);
    lrp_svg_text(o, x0 + w * k / 2, y + 13, k == 0 ? "start" : k == 2 ? "end"
                 : "middle", 0, t);
  }
}

void lrp_svg_hbars(lrp_out *o, const lrp_svg_bars *b) {
  int ns = b->nseries < 1 ? 1 : b->nseries;
  int one = b->stack ? 16 : 12;                  /* one bar's thickness */
  int rh = b->stack ? 22 : ns * one + 8;
  double x0 = 150, notew = b->note ? 104 : 0;
  double valw = b->kind == LRP_SVG_AMOUNT ? 104 : b->stack ? 64 : 56;
  double bw = LRP_SVG_WIDTH - x0 - valw - notew - 6;
  int top = LEGEND_H + 4, h = top + b->nrows * rh + 24;
  double max = bars_max(b);
  lrp_svg_begin(o, b->name, LRP_SVG_WIDTH, h, b->label, b->json);
  bars_legend(o, b);
  for (int r = 0; r < b->nrows; r++) {
    double y = top + r * rh, at = x0, sum = 0;
    const char *op = b->weak && b->weak[r]
                       ? " fill-opacity=\"" LRP_SVG_WEAK_OPACITY "\"" : "";
    lrp_svg_text(o, x0 - 6, y + rh / 2.0 + 4, "end", 20, b->row[r]);
    for (int s = 0; s < ns; s++) {
      double v = b->v[r * ns + s];
      if (isnan(v)) continue;
      double len = v / max * bw, by = b->stack ? y + 3 : y + 4 + s * one;
      lrp_outf(o, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                  "height=\"%d\" fill=\"%s\"%s/>", at, by, len, one - 2,
               LRP_SVG_COLOR[s % 6], op);
      if (b->stack) {
        at += len;
        sum += v;
        continue;
      }
      char t[64];
      lrp_svg_fmt(t, sizeof t, b->kind, v, b->currency);
      lrp_svg_text(o, x0 + len + 4, by + one - 4, "start", 0, t);
    }
    if (b->stack) {
      char t[64];
      lrp_svg_fmt(t, sizeof t, b->kind, sum, b->currency);
      lrp_svg_text(o, at + 4, y + 16, "start", 0, t);
    }
    if (b->note && b->note[r])
      lrp_svg_text(o, LRP_SVG_WIDTH - 4, y + rh / 2.0 + 4, "end", 17, b->note[r]);
    lrp_outs(o, "\n");
  }
  for (int s = 0; s < ns && b->ref; s++) {
    if (isnan(b->ref[s])) continue;
    double x = x0 + b->ref[s] / max * bw;
    lrp_outf(o, "<line class=\"ref\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
                "y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\" "
                "stroke-dasharray=\"4 3\"/>\n", x, top, x, top + b->nrows * rh,
             ns > 1 ? LRP_SVG_COLOR[s % 6] : "#333");
  }
  bars_axis(o, b, x0, bw, top + b->nrows * rh + 2, max);
  if (!b->nrows) empty(o, x0 + bw / 2, top - 4);
  lrp_svg_end(o, b->caption);
}

/* ---- columns and lines -------------------------------------------------------- */

#define COL_X0 56
#define COL_TOP (LEGEND_H + 8)
#define COL_H 170

static void cols_axes(lrp_out *o, double pw, double max, int right) {
  for (int k = 0; k <= 2; k++) {
    double y = COL_TOP + COL_H - COL_H * k / 2.0;
    char t[64];
    lrp_svg_fmt(t, sizeof t, LRP_SVG_COUNT, max * k / 2, NULL);
    lrp_outf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#eee\"/>", COL_X0, y, COL_X0 + pw, y);
    lrp_svg_text(o, COL_X0 - 5, y + 4, "end", 0, t);
    if (right) lrp_svg_text(o, COL_X0 + pw + 5, y + 4, "start", 0,
                            k == 0 ? "0%" : k == 1 ? "50%" : "100%");
  }
  lrp_outf(o, "\n<line x1=\"%d\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
              "stroke=\"#999\"/>\n", COL_X0, COL_TOP + COL_H, COL_X0 + pw,
           COL_TOP + COL_H);
}

/* Every k-th x label, k chosen so that labels keep a gap between them. */
static void cols_labels(lrp_out *o, const lrp_svg_cols *c, double slot) {
  int longest = 1;
  for (int i = 0; i < c->n; i++)
    if (glyphs(c->x[i]) > longest) longest = glyphs(c->x[i]);
  int k = (int)ceil((longest * CHAR_W + 10) / slot);
  if (k < 1) k = 1;
  for (int i = 0; i < c->n; i += k)
    lrp_svg_text(o, COL_X0 + slot * (i + 0.5), COL_TOP + COL_H + 14, "middle",
                 0, c->x[i]);
  lrp_outs(o, "\n");
}

static void cols_line(lrp_out *o, const lrp_svg_cols *c, int s, double slot,
                      const char *color) {
  const double *v = c->lines + (size_t)s * (size_t)c->n;
  int open = 0;
  for (int i = 0; i <= c->n; i++) {
    int have = i < c->n && !isnan(v[i]);
    if (have && !open)
      lrp_outf(o, "<polyline class=\"line\" fill=\"none\" stroke=\"%s\" "
                  "stroke-width=\"2\" points=\"", color);
    if (have)
      lrp_outf(o, "%s%.1f,%.1f", open ? " " : "", COL_X0 + slot * (i + 0.5),
               COL_TOP + COL_H - v[i] * COL_H);
    if (!have && open) lrp_outs(o, "\"/>");
    open = have;
  }
  for (int i = 0; i < c->n; i++)
    if (!isnan(v[i]))
      lrp_outf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>",
               COL_X0 + slot * (i + 0.5), COL_TOP + COL_H - v[i] * COL_H,
               color);
  lrp_outs(o, "\n");
}

void lrp_svg_columns(lrp_out *o, const lrp_svg_cols *c) {
  int right = c->nlines > 0;
  double pw = LRP_SVG_WIDTH - COL_X0 - (right ? 44 : 12);
  double slot = c->n ? pw / c->n : pw, max = 0;
  for (int i = 0; i < c->n; i++) {
    double sum = 0;
    for (int s = 0; s < c->nbars; s++) sum += c->bars[s * c->n + i];
    if (sum > max) max = sum;
  }
  max = nice(max);
  lrp_svg_begin(o, c->name, LRP_SVG_WIDTH, COL_TOP + COL_H + 24, c->label,
                c->json);
  lrp_svg_key k[8];
  int nk = 0;
  for (int s = 0; s < c->nbars && nk < 4; s++)
    k[nk++] = (lrp_svg_key){c->bar_name[s], c->bar_color ? c->bar_color[s]
                            : "#a3bfdf", 0, 0};
  for (int s = 0; s < c->nlines && nk < 8; s++)
    k[nk++] = (lrp_svg_key){c->line_name[s], LRP_SVG_COLOR[s % 6], 1, 0};
  lrp_svg_legend(o, 4, 4, k, nk);
  cols_axes(o, pw, max, right);
  for (int i = 0; i < c->n; i++) {
    double y = COL_TOP + COL_H;
    for (int s = 0; s < c->nbars; s++) {
      double h = c->bars[s * c->n + i] / max * COL_H;
      y -= h;
      lrp_outf(o, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                  "height=\"%.1f\" fill=\"%s\"/>", COL_X0 + slot * i + slot * 0.15,
               y, slot * 0.7, h, k[s].color);
    }
  }
  lrp_outs(o, "\n");
  for (int s = 0; s < c->nlines; s++)
    cols_line(o, c, s, slot, LRP_SVG_COLOR[s % 6]);   /* as in the bars */
  cols_labels(o, c, slot);
  if (!c->n) empty(o, COL_X0 + pw / 2, COL_TOP + COL_H / 2);
  lrp_svg_end(o, c->caption);
}

/* ---- funnel -------------------------------------------------------------------- */

void lrp_svg_funnel_chart(lrp_out *o, const lrp_svg_funnel *f) {
  const double lx = 100, bw = 260, cx = lx + bw / 2, rx = lx + bw + 12;
  const int bh = 26, gap = 18, top = 8;
  long long max = 1;
  for (int s = 0; s < f->n; s++) if (f->count[s] > max) max = f->count[s];
  int h = top + f->n * (bh + gap) + 4;
  lrp_svg_begin(o, "funnel", LRP_SVG_WIDTH, h, "Funnel: contacts that "
                "reached each stage", f->json);
  for (int s = 0; s < f->n; s++) {
    double y = top + s * (bh + gap);
    double w = (double)f->count[s] / (double)max * bw;
    if (w < 2 && f->count[s]) w = 2;
    char t[64], e[96];
    lrp_svg_text(o, lx - 8, y + bh / 2.0 + 4, "end", 15, f->stage[s]);
    lrp_outf(o, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%d\" fill=\"%s\"/>", cx - w / 2, y, w, bh,
             LRP_SVG_COLOR[0]);
    lru_fmt_count(t, sizeof t, f->count[s]);
    /* the count inside a wide bar, else beside it (never over its edge) */
    if (w > glyphs(t) * CHAR_W + 12)
      lrp_outf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                  "fill=\"#fff\" style=\"fill:#fff\">%s</text>", cx,
               y + bh / 2.0 + 4, t);
    else
      lrp_svg_text(o, cx + w / 2 + 4, y + bh / 2.0 + 4, "start", 0, t);
    if (f->exits && f->exits[s]) {
      snprintf(e, sizeof e, "\xE2\x86\x92 %s", lru_fmt_count(t, sizeof t,
                                                              f->exits[s]));
      lrp_svg_text(o, rx, y + bh / 2.0 - 1, "start", 0, e);
      if (f->exit_note && f->exit_note[s])
        lrp_svg_text(o, rx, y + bh / 2.0 + 11, "start", 30, f->exit_note[s]);
    }
    if (s + 1 < f->n && f->rate && !isnan(f->rate[s])) {
      lru_fmt_percent(t, sizeof t, f->rate[s]);
      snprintf(e, sizeof e, "\xE2\x86\x93 %s", t);
      lrp_svg_text(o, lx - 8, y + bh + gap / 2.0 + 4, "end", 0, e);
    }
    lrp_outs(o, "\n");
  }
  lrp_svg_end(o, f->caption);
}

/* ---- box plots ----------------------------------------------------------------- */

void lrp_svg_box_chart(lrp_out *o, const lrp_svg_boxes *b) {
  const double x0 = 120, notew = b->note ? 110 : 0;
  const double pw = LRP_SVG_WIDTH - x0 - notew - 16;
  const int rh = 26, top = LEGEND_H + 4;
  double max = 0;
  for (int i = 0; i < b->n; i++) if (b->q3[i] > max) max = b->q3[i];
  double unit = max < 2 * 86400.0 ? 3600 : 86400;   /* hours or days */
  double top_u = nice(max / unit);
  max = top_u * unit;
  int h = top + b->n * rh + 24;
  lrp_svg_begin(o, b->name, LRP_SVG_WIDTH, h, b->label, b->json);
  lrp_svg_key k[2] = {{"quartiles (middle half of stays)", "#a3bfdf", 0, 0},
                      {"median", "#1a365d", 0, 0}};
  lrp_svg_legend(o, 4, 4, k, 2);
  for (int i = 0; i < b->n; i++) {
    double y = top + i * rh;
    lrp_svg_text(o, x0 - 6, y + rh / 2.0 + 4, "end", 18, b->row[i]);
    if (!isnan(b->median[i])) {
      double a = b->q1[i] / max * pw, m = b->median[i] / max * pw;
      double z = b->q3[i] / max * pw;
      lrp_outf(o, "<rect class=\"box\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                  "height=\"16\" fill=\"#a3bfdf\" stroke=\"#2b6cb0\"/>"
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                  "stroke=\"#1a365d\" stroke-width=\"3\"/>",
               x0 + a, y + 5, z - a < 1 ? 1 : z - a, x0 + m, y + 3, x0 + m,
               y + 23);
    }
    if (b->note && b->note[i])
      lrp_svg_text(o, LRP_SVG_WIDTH - 4, y + rh / 2.0 + 4, "end", 18,
                   b->note[i]);
    lrp_outs(o, "\n");
  }
  double y = top + b->n * rh + 2;
  if (!b->n) empty(o, x0 + pw / 2, y - 4);
  lrp_outf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
              "stroke=\"#999\"/>", x0, y, x0 + pw, y);
  for (int t = 0; t <= 4; t++) {
    char s[32];
    snprintf(s, sizeof s, "%g%s", top_u * t / 4, unit == 3600 ? "h" : "d");
    lrp_svg_text(o, x0 + pw * t / 4, y + 13, t == 0 ? "start" : t == 4 ? "end"
                 : "middle", 0, s);
  }
  lrp_svg_end(o, b->caption);
}
