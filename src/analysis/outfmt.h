/*
** outfmt.h -- output helpers shared by the reports (backtest, report,
** diff): a buffered writer onto an lr_write_fn, aligned text tables that
** also render as HTML, and small formatting helpers.
*/
#ifndef LR_OUTFMT_H
#define LR_OUTFMT_H

#include "../leadrules.h"
#include "../util/buf.h"

/* Text is collected in b and handed to `write` in pieces of about 64 KiB,
** so that a large JSON report is never held whole in memory. */
typedef struct lrp_out {
  lr_buf b;
  lr_write_fn write;
  void *ctx;
  int err;                      /* the sink refused: stop writing */
} lrp_out;

void lrp_out_init(lrp_out *o, lr_write_fn write, void *ctx);
void lrp_outf(lrp_out *o, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
void lrp_outs(lrp_out *o, const char *s);
void lrp_out_json_str(lrp_out *o, const char *s);   /* null for NULL */
void lrp_out_json_num(lrp_out *o, double d);        /* null for NaN */
void lrp_out_html(lrp_out *o, const char *s);       /* escaped text */
void lrp_out_maybe_flush(lrp_out *o);
/* Flush and release: LR_OK, LR_NOMEM, or LR_IO when the sink refused. */
int lrp_out_done(lrp_out *o);

/* Unix seconds as "2026-11-01T00:00:00Z". */
void lrp_iso(long long t, char *buf, size_t n);
/* A number as people read it: integers plain, else up to 4 decimals
** with trailing zeros dropped ("12.5", "-3", "0.3333"). */
void lrp_fmt_num(char *buf, size_t n, double d);
/* A ratio as a percentage with one decimal ("38.5%"), "-" for NaN. */
void lrp_fmt_pct(char *buf, size_t n, double ratio);
/* A duration in seconds as days with one decimal ("2.5d"); hours below a
** day ("3.0h"), "-" for NaN. */
void lrp_fmt_days(char *buf, size_t n, double seconds);

/* A table: the first row added is the header.  `align` has one letter per
** column, 'l' or 'r'. */
typedef struct lrp_table {
  int ncols;
  char align[32];
  char **cells;                 /* row-major */
  int n, cap;                   /* cells used / allocated */
  int oom;
} lrp_table;

void lrp_table_init(lrp_table *t, const char *align);
/* Append the next cell (rows wrap after ncols cells). */
void lrp_table_cell(lrp_table *t, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
int lrp_table_rows(const lrp_table *t);      /* including the header */
/* Columns padded to their widest cell (UTF-8 aware), two spaces apart,
** each line prefixed by `indent` spaces. */
void lrp_table_text(const lrp_table *t, lrp_out *o, int indent);
/* An HTML <table> with a <thead>; right-aligned columns get class "n". */
void lrp_table_html(const lrp_table *t, lrp_out *o);
void lrp_table_free(lrp_table *t);

/* The opening of a self-contained HTML page (inline CSS, no scripts, no
** fetches), with `title` escaped, and its closing. */
void lrp_html_begin(lrp_out *o, const char *title);
void lrp_html_end(lrp_out *o);

#endif
