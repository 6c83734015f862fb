/*
** reader.c -- rows of cells from a CSV file, through libcsv.
**
** The file is read in blocks, the first record is found (quote-aware) to
** detect the delimiter, then every block goes through csv_parse.  libcsv
** hands over cells and row ends through callbacks; a cell's buffer is
** libcsv's and valid only during the callback, so cells are copied into
** one reused row buffer, and the row is handed on when it ends.  Memory
** is the block, the row buffer and libcsv's cell buffer: constant in the
** number of rows.
**
** Line numbers are physical lines.  CSV_REPALL_NL makes libcsv report
** every line end outside quotes (even blank lines and the LF of a CRLF),
** and line breaks inside quoted cells are counted while the cell is
** checked, so row->line is the line where the row starts.  Blank lines,
** and rows of empty cells only after the header, are skipped.
**
** libcsv is strict (CSV_STRICT, CSV_STRICT_FINI): a stray quote or an
** unterminated quoted cell is an error, never a guess.  Spaces are data
** (no trimming), so " 5" stays " 5".
*/
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

#define BLOCK (256u << 10)

struct lrc_reader {
  lrc_reader_opts o;
  lrc_source *src;
  struct csv_parser p;
  int parser_ok;
  char delim;
  char *block;
  size_t block_n;                    /* bytes pending in block (first read) */
  /* the row being assembled */
  lr_buf data;
  size_t *off, *len;
  unsigned char *isnull;
  lrc_cell *cells;
  int n, cap;
  int bad_cell;
  const char *bad_why;
  long long line, row_line, index;
  int prev_cr;
  char **head;                       /* header texts, for messages */
  int n_head;
  /* callback and its outcome */
  lrc_row_fn fn;
  void *ctx;
  lr_buf *err;
  int rc;                            /* non-zero: stop, ignore callbacks */
};

static int no_space(unsigned char c) { (void)c; return 0; }

int lrc_reader_open(lrc_reader **out, const lrc_reader_opts *o, lr_buf *err) {
  *out = NULL;
  lrc_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->block = malloc(BLOCK))) {
    free(r);
    lrb_adds(err, "out of memory");
    return LR_NOMEM;
  }
  r->o = *o;
  int rc = lrc_source_open(&r->src, o->path, o->encoding, err);
  if (rc != LR_OK) {
    lrc_reader_close(r);
    return rc;
  }
  if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL |
                      CSV_EMPTY_IS_NULL) != 0) {
    lrc_reader_close(r);
    lrb_adds(err, "out of memory");
    return LR_NOMEM;
  }
  r->parser_ok = 1;
  csv_set_space_func(&r->p, no_space);
  csv_set_blk_size(&r->p, 64u << 10);   /* grow big cells in large steps */
  r->line = r->row_line = 1;
  r->bad_cell = -1;
  *out = r;
  return LR_OK;
}

const char *lrc_reader_name(const lrc_reader *r) {
  return strcmp(r->o.path, "-") == 0 ? "<stdin>" : r->o.path;
}

char lrc_reader_delimiter(const lrc_reader *r) { return r->delim; }

static int grow_cells(lrc_reader *r) {
  int cap = r->cap ? r->cap * 2 : 64;
  size_t *off = realloc(r->off, (size_t)cap * sizeof *off);
  if (off) r->off = off;
  size_t *len = realloc(r->len, (size_t)cap * sizeof *len);
  if (len) r->len = len;
  unsigned char *nul = realloc(r->isnull, (size_t)cap);
  if (nul) r->isnull = nul;
  lrc_cell *cells = realloc(r->cells, (size_t)cap * sizeof *cells);
  if (cells) r->cells = cells;
  if (!off || !len || !nul || !cells) return 0;
  r->cap = cap;
  return 1;
}

static void fail(lrc_reader *r, int rc, const char *what) {
  if (r->rc) return;
  r->rc = rc;
  lrb_reset(r->err);
  lrb_printf(r->err, "%s:%lld: %s", lrc_reader_name(r), r->row_line, what);
}

static void on_cell(void *s, size_t n, void *ctx) {
  lrc_reader *r = ctx;
  if (r->rc) return;
  if (r->n == r->cap && !grow_cells(r)) {
    fail(r, LR_NOMEM, "out of memory");
    return;
  }
  int i = r->n++;
  r->isnull[i] = (s == NULL);
  r->off[i] = r->data.n;
  r->len[i] = n;
  if (!s) return;
  size_t bad;
  if (lrc_utf8_check(s, n, &r->line, &bad) && r->bad_cell < 0) {
    r->bad_cell = i;
    r->bad_why = ((unsigned char *)s)[bad] == 0
                     ? "NUL byte in cell"
                     : r->o.encoding ? "invalid UTF-8"
                     : "invalid UTF-8 (if the file is not UTF-8, give its "
                       "encoding with --encoding, e.g. latin1 or "
                       "windows-1252)";
  }
  if (r->data.n + n > LRC_MAX_ROW) {
    fail(r, LR_INPUT, "row longer than 64 MiB");
    return;
  }
  lrb_add(&r->data, s, n);
  if (r->data.oom) fail(r, LR_NOMEM, "out of memory");
}

static void keep_header(lrc_reader *r, const lrc_row *row) {
  r->head = calloc((size_t)row->n, sizeof *r->head);
  if (!r->head) return;
  r->n_head = row->n;
  for (int i = 0; i < row->n; i++) {
    r->head[i] = malloc(row->cells[i].n + 1);
    if (!r->head[i]) continue;
    if (row->cells[i].n) memcpy(r->head[i], row->cells[i].p, row->cells[i].n);
    r->head[i][row->cells[i].n] = '\0';
  }
}

/* A row of unquoted empty cells only, as spreadsheets write ",,," after
** the data: no data, so skipped like a blank line.  A quoted "" is a
** value, and a bad cell is kept for its error. */
static int all_empty(const lrc_reader *r) {
  if (r->bad_cell >= 0) return 0;
  for (int i = 0; i < r->n; i++)
    if (!r->isnull[i]) return 0;
  return 1;
}

static void on_row(int c, void *ctx) {
  lrc_reader *r = ctx;
  if (r->rc) return;
  if (c == '\n' && r->n == 0 && r->prev_cr) {   /* the LF of a CRLF */
    r->prev_cr = 0;
    return;
  }
  r->prev_cr = (c == '\r');
  if (r->n > 0 && r->index > 0 && all_empty(r)) r->n = 0;
  if (r->n > 0) {
    for (int i = 0; i < r->n; i++) {
      r->cells[i].p = r->isnull[i] ? NULL : lrb_str(&r->data) + r->off[i];
      r->cells[i].n = r->len[i];
    }
    lrc_row row = { r->cells, r->n, r->row_line, r->index++, r->bad_cell,
                    r->bad_why };
    if (row.index == 0) keep_header(r, &row);
    int rc = r->fn(r->ctx, &row, r->err);
    if (rc) r->rc = rc;
  }
  if (c == '\n' || c == '\r') r->line++;
  r->row_line = r->line;
  r->n = 0;
  r->bad_cell = -1;
  lrb_reset(&r->data);
}

static void parse_error(lrc_reader *r, int at_end) {
  int pstate = r->p.pstate, quoted = r->p.quoted;
  const char *why =
      at_end ? "quoted cell is never closed (unterminated quote)"
      : (pstate == 2 && !quoted)
          ? "quote inside an unquoted cell (quote the whole cell and "
            "double the quotes inside it: \"say \"\"hi\"\"\")"
          : "text after a closing quote (a quote inside a quoted cell "
            "must be doubled: \"\")";
  r->rc = LR_INPUT;
  lrb_reset(r->err);
  lrb_printf(r->err, "%s:%lld: ", lrc_reader_name(r), r->row_line);
  if (r->n < r->n_head && r->head[r->n] && *r->head[r->n])
    lrb_printf(r->err, "column '%s': ", r->head[r->n]);
  else
    lrb_printf(r->err, "column %d: ", r->n + 1);
  lrb_adds(r->err, why);
}

static int feed(lrc_reader *r, const char *buf, size_t n) {
  size_t done = csv_parse(&r->p, buf, n, on_cell, on_row, r);
  if (r->rc) return r->rc;
  if (done < n) {
    if (csv_error(&r->p) == CSV_EPARSE) {
      /* lines inside the partial cell are not counted yet: fine, the
      ** message names the line where the row starts */
      parse_error(r, 0);
    } else {
      r->rc = LR_NOMEM;
      lrb_reset(r->err);
      lrb_printf(r->err, "%s:%lld: %s", lrc_reader_name(r), r->row_line,
                 csv_strerror(csv_error(&r->p)));
    }
    return r->rc;
  }
  if (r->p.entry_pos > LRC_MAX_CELL) {
    fail(r, LR_INPUT, "cell longer than 16 MiB (is a quote left open?)");
    return r->rc;
  }
  return 0;
}

/* Read until the first record is complete (or EOF), strip a BOM and a
** "sep=;" line, pick the delimiter. */
static int start(lrc_reader *r) {
  size_t n = 0;
  for (;;) {
    long got = lrc_source_read(r->src, r->block + n, BLOCK - n, r->err);
    if (got < 0) return (int)-got;
    n += (size_t)got;
    if (got == 0 || n == BLOCK || lrc_first_record_end(r->block, n)) break;
  }
  const unsigned char *u = (const unsigned char *)r->block;
  int bom;
  const char *wide = r->o.encoding ? NULL : lrc_sniff_wide(u, n, &bom);
  if (wide) {
    if (bom)
      lrb_printf(r->err, "%s: starts with a %s byte-order mark; give the "
                 "encoding: --encoding %s", lrc_reader_name(r), wide, wide);
    else
      lrb_printf(r->err, "%s: looks like %s (zero bytes between the "
                 "characters); give the encoding: --encoding %s",
                 lrc_reader_name(r), wide, wide);
    return LR_INPUT;
  }
  size_t skip = (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) ? 3 : 0;
  if (n == skip) {
    lrb_printf(r->err, "%s: empty file (a header line is needed)",
               lrc_reader_name(r));
    return LR_INPUT;
  }
  char sep = 0;
  size_t sep_n = lrc_sep_line(r->block + skip, n - skip, &sep);
  if (sep_n) {                       /* "sep=;": not the header */
    skip += sep_n;
    r->line = r->row_line = 2;
  }
  r->delim = r->o.delimiter ? r->o.delimiter
           : sep ? sep : lrc_sniff_delimiter(r->block + skip, n - skip);
  csv_set_delim(&r->p, (unsigned char)r->delim);
  return feed(r, r->block + skip, n - skip);
}

int lrc_reader_run(lrc_reader *r, lrc_row_fn fn, void *ctx, lr_buf *err) {
  r->fn = fn;
  r->ctx = ctx;
  r->err = err;
  int rc = start(r);
  while (rc == LR_OK) {
    long got = lrc_source_read(r->src, r->block, BLOCK, err);
    if (got < 0) return (int)-got;
    if (got == 0) break;
    rc = feed(r, r->block, (size_t)got);
  }
  if (rc != LR_OK) return rc;
  if (csv_fini(&r->p, on_cell, on_row, r) != 0) {
    parse_error(r, 1);
    return r->rc;
  }
  return r->rc;
}

void lrc_reader_close(lrc_reader *r) {
  if (!r) return;
  if (r->parser_ok) csv_free(&r->p);
  lrc_source_close(r->src);
  lrb_free(&r->data);
  for (int i = 0; i < r->n_head; i++) free(r->head[i]);
  free(r->head);
  free(r->off);
  free(r->len);
  free(r->isnull);
  free(r->cells);
  free(r->block);
  free(r);
}
