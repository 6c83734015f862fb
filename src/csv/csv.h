/*
** csv.h -- the csv layer: reading CSV files into rows (reader, source,
** sniff, utf8), header folding and resolution, type inference, and the
** import/export logic that calls the store.  Internal prefix lrc_.
*/
#ifndef LR_CSV_H
#define LR_CSV_H

#include <stddef.h>

#include "../leadrules.h"
#include "../store/contact.h"
#include "../util/buf.h"

#define LRC_NAME_MAX 63              /* longest folded field name */
#define LRC_MAX_CELL LRS_MAX_VALUE   /* longest cell: guards an open quote */
#define LRC_MAX_ROW (64u << 20)      /* longest row */
#define LRC_PROGRESS_ROWS 16384      /* progress callback period */

/*
** Folding (fold.c)
*/
/* lr_fold_name is the public entry; an empty result means nothing
** foldable was left and the importer names the column column_N. */
/* Well-known field a common CRM header stands for ("job_title" -> "title"),
** given its folded name; NULL when none. */
const char *lrc_alias(const char *folded);

/*
** Type inference (infer.c)
*/
#define LRC_NULL 0
#define LRC_INT 1
#define LRC_REAL 2
#define LRC_TEXT 3
typedef struct lrc_num { long long i; double d; } lrc_num;
/* Classify a cell: LRC_INT or LRC_REAL only when the value converts back to
** exactly the same text; otherwise LRC_TEXT (LRC_NULL for n == 0). */
int lrc_infer(const char *s, size_t n, lrc_num *out);
/* The canonical text of a double: the shortest %.15g/%.16g/%.17g form
** that reads back to the same value.  buf needs 32 bytes. */
int lrc_real_text(double d, char *buf);
/* Strict whole-cell number parser for value/amount columns: accepts what
** strtod accepts, minus hex/inf/nan and surrounding junk.  1 for a
** number, 0 for text that is none, -1 for one too large for a double
** ("1e309": strtod would make it infinity). */
int lrc_parse_number(const char *s, size_t n, double *out);
/* An amount as exports and spreadsheets write it: what lrc_parse_number
** reads, else with a currency sign or code before or after it ($, EUR,
** ...) and thousands grouped by ',' '.' or spaces, the decimal mark the
** last ',' or '.' when it differs from the grouping: "$12,500.00",
** "12.500,00 EUR", "1 234,5".  LRC_AMBIGUOUS when a lone ',' or '.'
** before three digits could group or mark decimals ("12,500", "$1.500";
** "1.500" alone is 1.5, as lrc_parse_number reads it); else as
** lrc_parse_number. */
#define LRC_AMBIGUOUS (-2)
int lrc_parse_amount(const char *s, size_t n, double *out);

/*
** Delimiter detection (sniff.c)
*/
/* Pick ',' ';' or TAB from the first record of `s` (quote-aware): the one
** that occurs most often outside quotes; ',' on a tie or when none does. */
char lrc_sniff_delimiter(const char *s, size_t n);
/* The encoding the start of a file shows: "UTF-16" or "UTF-32" for a
** byte-order mark (*bom = 1), "UTF-16LE", "UTF-16BE", "UTF-32LE" or
** "UTF-32BE" for the zero bytes of a first character in one of them, or
** NULL (UTF-8 or a single-byte encoding). */
const char *lrc_sniff_wide(const unsigned char *u, size_t n, int *bom);
/* Offset just past the first record's line end in s (quote-aware), or
** 0 when the record is not complete within n bytes. */
size_t lrc_first_record_end(const char *s, size_t n);
/* Excel's delimiter line: when s starts with a line "sep=X" (any case),
** *delim = X and the line's length with its line end; else 0. */
size_t lrc_sep_line(const char *s, size_t n, char *delim);

/*
** UTF-8 checks (utf8.c)
*/
/* Check a cell: returns 0 when valid; otherwise 1 and *bad the offset of
** the first bad byte (invalid UTF-8 or NUL).  Adds the line breaks inside
** the cell (LF, CRLF, lone CR) to *lines. */
int lrc_utf8_check(const unsigned char *s, size_t n, long long *lines,
                   size_t *bad);

/*
** Byte source: a file or stdin, transcoded to UTF-8 (source.c)
*/
typedef struct lrc_source lrc_source;
int lrc_source_open(lrc_source **out, const char *path, const char *encoding,
                    lr_buf *err);
/* Read up to cap UTF-8 bytes; 0 at end of file; on error -LR_IO or
** -LR_INPUT (bytes not valid in the encoding), with err set. */
long lrc_source_read(lrc_source *s, char *buf, size_t cap, lr_buf *err);
void lrc_source_close(lrc_source *s);

/*
** Reader: rows of cells with physical line numbers (reader.c)
*/
typedef struct lrc_cell {
  const char *p;   /* NULL for an empty unquoted cell */
  size_t n;
} lrc_cell;

typedef struct lrc_reader lrc_reader;
typedef struct lrc_row {
  const lrc_cell *cells;
  int n;                 /* cells in this row */
  long long line;        /* physical line where the row starts (1-based) */
  long long index;       /* 0 for the header, then 1, 2, ... */
  int bad_cell;          /* first cell with bad bytes, or -1 */
  const char *bad_why;   /* what is wrong with it (static text) */
} lrc_row;

/* Called for each row; return 0 to go on, else stop (with err set).
** Cells are valid only during the call. */
typedef int (*lrc_row_fn)(void *ctx, const lrc_row *row, lr_buf *err);

typedef struct lrc_reader_opts {
  const char *path;      /* "-" for stdin */
  const char *encoding;  /* NULL: UTF-8 */
  char delimiter;        /* 0: detect */
} lrc_reader_opts;

int lrc_reader_open(lrc_reader **out, const lrc_reader_opts *o, lr_buf *err);
/* Stream every row through fn.  Returns LR_OK, LR_INPUT (bad CSV), LR_IO,
** LR_NOMEM, or what fn returned. */
int lrc_reader_run(lrc_reader *r, lrc_row_fn fn, void *ctx, lr_buf *err);
char lrc_reader_delimiter(const lrc_reader *r);
const char *lrc_reader_name(const lrc_reader *r);  /* path for messages */
void lrc_reader_close(lrc_reader *r);

/*
** CSV output (csvout.c): RFC 4180 cells and rows into a buffer.
*/
/* Append one cell, quoted when it holds the delimiter, a quote, CR/LF or
** leading/trailing space. */
void lrc_out_cell(lr_buf *b, const char *s, size_t n, char delim);
/* 1 when a text cell would run as a spreadsheet formula. */
int lrc_formula_like(const char *s, size_t n);
/* Append a comma-separated text cell for a spreadsheet: one that would run
** as a formula (lrc_formula_like) gets a ' in front unless raw.  Export
** and handoffs write every text cell through it; numbers never are. */
void lrc_out_text(lr_buf *b, const char *s, size_t n, int raw);

/*
** Header resolution (header.c)
*/
typedef struct lrc_col {
  char *header;              /* header text as in the file (trimmed) */
  char name[LRC_NAME_MAX+1]; /* field name; "" when skipped */
  int skip;                  /* --map 'Header=' */
  int mapped;                /* renamed by --map */
  int blank;                 /* no header, in an activities or outcomes
                             ** file: its cells must be empty */
} lrc_col;

typedef struct lrc_header {
  lrc_col *cols;
  int n;
} lrc_header;

/* Fold every header, apply maps ("Header=field"; "Header=" skips), and,
** for contacts, CRM aliases of well-known fields.  Errors (duplicate
** names, bad maps) name file:line and the column(s). */
int lrc_header_resolve(lrc_header *h, const lrc_row *row, int kind,
                       const char *const *maps, int n_maps, const char *file,
                       lr_buf *err);
/* Column whose header, folded header or field name is `want` (column_N
** for a header with no letters or digits); -1. */
int lrc_header_find(const lrc_header *h, const char *want);
void lrc_header_free(lrc_header *h);

/*
** Rejects file (rejects.c)
*/
typedef struct lrc_rejects lrc_rejects;
/* Name the rejects file before anything is read: an lr_output for
** "--rejects" (the database and `input`, the CSV, are refused).  LR_OK,
** or the code with db's message set. */
int lrc_rejects_open(lrc_rejects **out, lr_db *db, const char *path,
                     const char *input);
/* The header row, once the delimiter is known. */
int lrc_rejects_header(lrc_rejects *rj, char delim, const lrc_row *header,
                       lr_buf *err);
/* Write the row's cells verbatim and the reason as a last cell. */
int lrc_rejects_write(lrc_rejects *rj, const lrc_row *row, const char *why,
                      lr_buf *err);
/* Flush and fsync (before the import commits: a write error rolls it
** back); then, once committed, put the file in place (rj is freed).
** discard gives it up, leaving an older file as it was (NULL: no-op). */
int lrc_rejects_sync(lrc_rejects *rj, lr_buf *err);
int lrc_rejects_commit(lrc_rejects *rj, lr_buf *err);
void lrc_rejects_discard(lrc_rejects *rj);

#endif
