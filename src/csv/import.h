/*
** import.h -- state shared by the import driver (import.c) and the three
** kinds of file (import_contacts.c, import_activities.c,
** import_outcomes.c).
*/
#ifndef LR_CSV_IMPORT_H
#define LR_CSV_IMPORT_H

#include "../store/contacts_io.h"
#include "csv.h"

typedef struct lrc_import lrc_import;

/* lrc_bad_row's result when the row went to the rejects file. */
#define LRC_REJECTED (-1)

/*
** A row prepared for writing (pipe.c): values ready to bind, text copied
** into the batch's arena so that the reader can move on.
*/
typedef struct lrc_slot {
  long long line;        /* for messages */
  const char *key;       /* normalised key */
  size_t keyn;
  lrs_value *vals;
} lrc_slot;

typedef struct lrc_batch {
  int n, cap;            /* slots used, slots */
  int nvals;             /* values per slot */
  lrc_slot *slots;
  lrs_value *vals;         /* cap * nvals */
  lr_buf arena;          /* text of the batch's values and keys */
} lrc_batch;

/* Copy text into the batch; the value (or key) points at it once the
** batch is complete.  Returns 0 when memory ran out. */
int lrc_batch_text(lrc_batch *b, lrs_value *v, const char *s, size_t n);
int lrc_batch_key(lrc_batch *b, lrc_slot *slot, const char *s, size_t n);

typedef struct lrc_kind {
  const char *name;                       /* "contacts", ... */
  /* The header is resolved in im->head: check it, prepare the writer. */
  int (*start)(lrc_import *im, const lrc_row *header);
  /* One data row with the right number of valid cells: write it, or call
  ** lrc_bad_row() and return what it returns. */
  int (*row)(lrc_import *im, const lrc_row *row);
  /* Kinds that can be piped (pipe.c) give these instead of row: prepare
  ** runs on the reading thread and must not touch the database; write
  ** runs on the caller's thread, in row order.  nvals: values per row. */
  int (*nvals)(lrc_import *im);
  /* Kinds that have both row and prepare choose, before the file is read
  ** (in the import's transaction), whether to pipe it: 1 to pipe. */
  int (*piped)(lrc_import *im, const char *path);
  int (*prepare)(lrc_import *im, const lrc_row *row, lrc_batch *b,
                 lrc_slot *slot);
  int (*write)(lrc_import *im, const lrc_slot *slot);
  /* Piped kinds that hold rows back on the reading thread (optional):
  ** finish them into the batch being filled.  pipe.c calls it before a
  ** batch is handed over, lrc_bad_row before any row is rejected (so that
  ** rejects keep the file's order).  LR_OK, or what lrc_bad_row returned
  ** for a held row. */
  int (*settle)(lrc_import *im);
  /* Write rows still held back: the batch is about to be reused. */
  int (*flush)(lrc_import *im);
  /* All rows written: finish (indexes, counts, registry). */
  int (*finish)(lrc_import *im);
  void (*free)(lrc_import *im);
} lrc_kind;

struct lrc_import {
  lr_db *db;
  const lrc_kind *kind;
  lr_import_opts o;            /* caller's options, defaults filled in */
  lr_import_report *rep;
  const char *file;            /* file name for messages */
  lrc_reader *rd;
  lrc_header head;
  lrc_rejects *rj;
  long long seq;               /* this import's id in `imports` */
  long long now;               /* the import's clock (opts now, else wall) */
  char key_field[64];          /* field the contact key is in */
  int key_col;                 /* its column in the file */
  int key_lower;               /* email keys are lower-cased */
  int piped;                   /* read on a thread of its own (pipe.c) */
  int blanks;                  /* columns with head.cols[].blank set */
  lr_buf err;                  /* message of a fatal error */
  lr_buf why;                  /* scratch for a bad row's reason */
  lr_buf key;                  /* the normalised key of the current row */
  void *k;                     /* the kind's own state */
};

extern const lrc_kind lrc_kind_contacts;
extern const lrc_kind lrc_kind_activities;
extern const lrc_kind lrc_kind_outcomes;
extern const lrc_kind lrc_kind_accounts;

/* The header row: resolve names, set up the kind, open the rejects file. */
int lrc_start(lrc_import *im, const lrc_row *header);
/* Checks every data row gets (cell count, bytes, cancel): LR_OK,
** LRC_REJECTED, or an error that stops the import. */
int lrc_check_row(lrc_import *im, const lrc_row *row);
/* Run the import with a reading thread and the writer on this one. */
int lrc_pipe_run(lrc_import *im);

/* A bad row: with --rejects write it there and return LRC_REJECTED; otherwise
** set the error "FILE:LINE: column 'H': problem" (col < 0: no column) and
** return LR_INPUT, which stops the import. */
int lrc_bad_row(lrc_import *im, const lrc_row *row, int col,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A fatal error in the header or setup: "FILE:LINE: message". */
int lrc_fail(lrc_import *im, long long line, int rc, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
/* A store call failed on this row: "FILE:LINE: <store message>". */
int lrc_store_fail(lrc_import *im, const lrc_row *row, int rc);

/* 1 when a cell is NULL: empty, or one of the --null placeholders. */
int lrc_is_null(const lrc_import *im, const lrc_cell *c);
/* Normalise the key cell into im->key (trimmed; lower-cased for email).
** 0 when it is empty. */
int lrc_key(lrc_import *im, const lrc_cell *c);
/* Column for the contact key in an activities/outcomes file. */
int lrc_find_key_column(lrc_import *im);
/* Parse a time cell; 0 on failure. */
int lrc_cell_time(const lrc_cell *c, long long *t);
/* Quote a cell's text for a message (cut to 60 bytes). */
const char *lrc_show(lrc_import *im, const lrc_cell *c, char *buf,
                     size_t n);

#endif
