/*
** outfmt.c -- buffered report output, aligned tables, HTML page frame.
*/
#include "outfmt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FLUSH_AT 65536

void lrp_out_init(lrp_out *o, lr_write_fn write, void *ctx) {
  memset(o, 0, sizeof *o);
  o->write = write;
  o->ctx = ctx;
}

static void flush(lrp_out *o) {
  if (!o->err && o->b.n && o->write && o->write(o->ctx, o->b.p, o->b.n))
    o->err = 1;
  lrb_reset(&o->b);
}

void lrp_out_maybe_flush(lrp_out *o) {
  if (o->b.n >= FLUSH_AT) flush(o);
}

void lrp_outf(lrp_out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lrb_vprintf(&o->b, fmt, ap);
  va_end(ap);
  lrp_out_maybe_flush(o);
}

void lrp_outs(lrp_out *o, const char *s) {
  lrb_adds(&o->b, s);
  lrp_out_maybe_flush(o);
}

void lrp_out_json_str(lrp_out *o, const char *s) {
  if (!s) lrb_adds(&o->b, "null");
  else lrb_json_str(&o->b, s, strlen(s));
}

void lrp_out_json_num(lrp_out *o, double d) { lrb_json_num(&o->b, d); }

void lrp_out_html(lrp_out *o, const char *s) {
  if (!s) return;
  for (; *s; s++) {
    switch (*s) {
      case '<': lrb_adds(&o->b, "&lt;"); break;
      case '>': lrb_adds(&o->b, "&gt;"); break;
      case '&': lrb_adds(&o->b, "&amp;"); break;
      case '"': lrb_adds(&o->b, "&quot;"); break;
      case '\'': lrb_adds(&o->b, "&#39;"); break;
      default: lrb_addc(&o->b, *s);
    }
  }
}

int lrp_out_done(lrp_out *o) {
  int oom = o->b.oom;
  if (!oom) flush(o);
  lrb_free(&o->b);
  return oom ? LR_NOMEM : o->err ? LR_IO : LR_OK;
}

void lrp_iso(long long t, char *buf, size_t n) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void lrp_fmt_num(char *buf, size_t n, double d) {
  if (isnan(d)) {
    snprintf(buf, n, "-");
    return;
  }
  if (d == floor(d) && fabs(d) < 1e15) {
    snprintf(buf, n, "%.0f", d == 0 ? 0.0 : d);
    return;
  }
  snprintf(buf, n, "%.4f", d);
  char *p = buf + strlen(buf);
  while (p > buf && p[-1] == '0') *--p = '\0';
  if (p > buf && p[-1] == '.') *--p = '\0';
  if (strcmp(buf, "-0") == 0) snprintf(buf, n, "0");
}

void lrp_fmt_pct(char *buf, size_t n, double ratio) {
  if (isnan(ratio)) snprintf(buf, n, "-");
  else snprintf(buf, n, "%.1f%%", 100.0 * ratio);
}

void lrp_fmt_days(char *buf, size_t n, double s) {
  if (isnan(s)) snprintf(buf, n, "-");
  else if (s < 86400) snprintf(buf, n, "%.1fh", s / 3600.0);
  else snprintf(buf, n, "%.1fd", s / 86400.0);
}

/* ---- tables ------------------------------------------------------------- */

void lrp_table_init(lrp_table *t, const char *align) {
  memset(t, 0, sizeof *t);
  snprintf(t->align, sizeof t->align, "%s", align);
  t->ncols = (int)strlen(t->align);
}

void lrp_table_cell(lrp_table *t, const char *fmt, ...) {
  if (t->oom) return;
  if (t->n == t->cap) {
    int cap = t->cap ? t->cap * 2 : 64;
    char **v = realloc(t->cells, (size_t)cap * sizeof *v);
    if (!v) {
      t->oom = 1;
      return;
    }
    t->cells = v;
    t->cap = cap;
  }
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = len < 0 ? NULL : malloc((size_t)len + 1);
  if (s) {
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
  }
  if (!s) {
    t->oom = 1;
    return;
  }
  t->cells[t->n++] = s;
}

int lrp_table_rows(const lrp_table *t) {
  return t->ncols ? (t->n + t->ncols - 1) / t->ncols : 0;
}

/* Display width: UTF-8 continuation bytes take no column. */
static int width(const char *s) {
  int w = 0;
  for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
  return w;
}

void lrp_table_text(const lrp_table *t, lrp_out *o, int indent) {
  int w[32] = {0};
  for (int i = 0; i < t->n; i++) {
    int k = width(t->cells[i]);
    if (k > w[i % t->ncols]) w[i % t->ncols] = k;
  }
  int rows = lrp_table_rows(t);
  for (int r = 0; r < rows; r++) {
    lr_buf line = LR_BUF_INIT;
    lrb_printf(&line, "%*s", indent, "");
    for (int c = 0; c < t->ncols; c++) {
      int i = r * t->ncols + c;
      const char *s = i < t->n ? t->cells[i] : "";
      int pad = w[c] - width(s);
      if (c) lrb_adds(&line, "  ");
      if (t->align[c] == 'r') lrb_printf(&line, "%*s%s", pad, "", s);
      else lrb_printf(&line, "%s%*s", s, pad, "");
    }
    while (line.n && line.p[line.n - 1] == ' ') line.p[--line.n] = '\0';
    lrp_outs(o, lrb_str(&line));
    lrp_outs(o, "\n");
    if (line.oom) o->b.oom = 1;
    lrb_free(&line);
  }
}

void lrp_table_html(const lrp_table *t, lrp_out *o) {
  int rows = lrp_table_rows(t);
  lrp_outs(o, "<table>\n");
  for (int r = 0; r < rows; r++) {
    const char *tag = r == 0 ? "th" : "td";
    lrp_outs(o, r == 0 ? "<thead><tr>" : "<tr>");
    for (int c = 0; c < t->ncols; c++) {
      int i = r * t->ncols + c;
      lrp_outf(o, "<%s%s>", tag, t->align[c] == 'r' ? " class=\"n\"" : "");
      if (i < t->n) lrp_out_html(o, t->cells[i]);
      lrp_outf(o, "</%s>", tag);
    }
    lrp_outs(o, r == 0 ? "</tr></thead>\n<tbody>\n" : "</tr>\n");
  }
  lrp_outs(o, rows ? "</tbody></table>\n" : "</table>\n");
}

void lrp_table_free(lrp_table *t) {
  for (int i = 0; i < t->n; i++) free(t->cells[i]);
  free(t->cells);
  memset(t, 0, sizeof *t);
}

/* ---- HTML page ------------------------------------------------------------ */

void lrp_html_begin(lrp_out *o, const char *title) {
  lrp_outs(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
              "<meta charset=\"utf-8\">\n<title>");
  lrp_out_html(o, title);
  lrp_outs(o,
    "</title>\n<style>\n"
    "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,"
    "sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}\n"
    "h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:"
    "1px solid #ddd;padding-bottom:.2em}\n"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}\n"
    "th,td{padding:.25em .7em;border-bottom:1px solid #eee;text-align:left}\n"
    "th{background:#f5f5f5}td.n,th.n{text-align:right;"
    "font-variant-numeric:tabular-nums}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:1em}\n"
    ".card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;"
    "min-width:9em}\n.card b{display:block;font-size:1.4em}\n"
    ".charts{display:flex;flex-wrap:wrap;gap:2em}\n"
    "figure{margin:0}figcaption{font-size:.9em;color:#555}\n"
    "svg text{font-family:inherit;font-size:11px;fill:#444}\n"
    ".note{color:#666;font-size:.9em}\n"
    "svg.chart{max-width:100%;height:auto}figure.chart{flex:0 1 auto;max-width:100%}\n"
    ".card small{display:block;color:#666}\n"
    "dl.head{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;"
    "font-size:.9em}dl.head dt{font-weight:bold}dl.head dd{margin:0}\n"
    ".warn{color:#9c4221}code.hash{word-break:break-all}\n"
    ".warnings{border-left:4px solid #dd6b20;background:#fffaf0;"
    "padding:.4em 1em}\n"
    "</style>\n</head>\n<body>\n");
}

void lrp_html_end(lrp_out *o) {
  lrp_outs(o, "</body>\n</html>\n");
}
