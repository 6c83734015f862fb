/*
** svg.h -- a small writer of inline SVG charts for the HTML reports:
** horizontal bars (grouped or stacked, with a reference line), columns
** with lines (a trend), a funnel, and box plots.  Every chart is one
** <figure> holding <svg class="chart" data-chart=NAME data-values=JSON>:
** the data it draws, as JSON, so that a test (or a reader) can check the
** picture against `--json`.  Labels are laid out in their own columns so
** that they never overlap a bar; long labels are cut with an ellipsis
** and given whole in a <title>.  No scripts, no fetches.
*/
#ifndef LR_SVG_H
#define LR_SVG_H

#include "outfmt.h"

/* How values are written on a chart. */
#define LRP_SVG_COUNT 0                /* 9,240 */
#define LRP_SVG_PCT 1                  /* a ratio as 38.5% */
#define LRP_SVG_AMOUNT 2               /* 12,345.60 EUR */
#define LRP_SVG_DAYS 3                 /* seconds as 2.5d or 3.0h */

#define LRP_SVG_WIDTH 560              /* every chart's width (user units) */

extern const char *const LRP_SVG_COLOR[6];  /* series colours, in order */
#define LRP_SVG_WEAK_OPACITY "0.35"    /* small-sample bars are drawn pale */

/* A value as a chart writes it (kind LRP_SVG_*; currency for amounts). */
void lrp_svg_fmt(char *buf, size_t n, int kind, double v,
                 const char *currency);

/* <figure class="chart"><svg ...> of w x h, named `name` (also its id),
** described by `label`, carrying `json` as data-values; and its end,
** with `caption` (escaped). */
void lrp_svg_begin(lrp_out *o, const char *name, int w, int h,
                   const char *label, const char *json);
void lrp_svg_end(lrp_out *o, const char *caption);

/* Escaped text at (x, y); anchor "start", "middle" or "end".  Longer than
** max characters (0: any), it is cut with an ellipsis and the whole text
** goes in a <title>. */
void lrp_svg_text(lrp_out *o, double x, double y, const char *anchor,
                  int max, const char *s);

/* A legend in a row from (x, y): a swatch and a name per key; a dashed
** key is drawn as a dashed line, a pale one at the small-sample opacity. */
typedef struct lrp_svg_key {
  const char *name, *color;
  int dashed, pale;
} lrp_svg_key;
void lrp_svg_legend(lrp_out *o, int x, int y, const lrp_svg_key *k, int n);

/* Horizontal bars: one row per label, nseries bars per row (side by side,
** or stacked when `stack`), the value written after the bar, a note per
** row in a column on the right, and optional reference lines (one per series, in its colour,
** dashed). */
typedef struct lrp_svg_bars {
  const char *name, *label, *caption, *json;
  int nrows, nseries;
  const char *const *row;              /* row labels */
  const char *const *series;           /* series names (legend) */
  const double *v;                     /* [row * nseries + s]; NaN: none */
  const char *const *note;             /* per row, or NULL */
  const int *weak;                     /* per row: small sample, or NULL */
  int kind;                            /* LRP_SVG_* of the values */
  const char *currency;
  const double *ref;                   /* per series: a reference line
                                          (NaN: none); NULL: none */
  const char *ref_label;               /* their legend entry */
  int stack;
} lrp_svg_bars;
void lrp_svg_hbars(lrp_out *o, const lrp_svg_bars *b);

/* Columns over time: stacked count bars on the left axis and ratio lines
** (0..100%) on the right axis; x labels thinned so they do not touch. */
typedef struct lrp_svg_cols {
  const char *name, *label, *caption, *json;
  int n;
  const char *const *x;                /* bucket labels */
  int nbars;
  const char *const *bar_name;
  const double *bars;                  /* [s * n + i] */
  const char *const *bar_color;        /* per bar series, or NULL */
  int nlines;
  const char *const *line_name;
  const double *lines;                 /* [s * n + i], ratios; NaN: gap */
} lrp_svg_cols;
void lrp_svg_columns(lrp_out *o, const lrp_svg_cols *c);

/* A funnel: a centred bar per stage, its count, the rate to the next
** stage between them, and on the right what left to side stages. */
typedef struct lrp_svg_funnel {
  const char *json, *caption;
  int n;
  const char *const *stage;
  const long long *count;
  const double *rate;                  /* n - 1 rates; NaN: none */
  const long long *exits;              /* per stage, or NULL */
  const char *const *exit_note;        /* per stage: where they went */
} lrp_svg_funnel;
void lrp_svg_funnel_chart(lrp_out *o, const lrp_svg_funnel *f);

/* Box plots in a row per label: the box from q1 to q3, a line at the
** median, values in seconds on an axis of days (or hours). */
typedef struct lrp_svg_boxes {
  const char *name, *label, *caption, *json;
  int n;
  const char *const *row;
  const double *q1, *median, *q3;
  const char *const *note;             /* per row, or NULL */
} lrp_svg_boxes;
void lrp_svg_box_chart(lrp_out *o, const lrp_svg_boxes *b);

#endif
