/*
** events.h -- column lookup shared by activities and outcomes files,
** whose columns are fixed (with a few accepted spellings each).
*/
#ifndef LR_CSV_EVENTS_H
#define LR_CSV_EVENTS_H

#include "import.h"

/* One fixed column of an events file. */
typedef struct lrc_event_col {
  const char *const *names;  /* accepted names (NULL-terminated); the
                             ** first is the one messages use */
  int required;
} lrc_event_col;

/* Most fixed columns a kind has. */
#define LRC_EVENT_COLS 4

/* The state of an activities or outcomes import (im->k). */
typedef struct lrc_events {
  int col[LRC_EVENT_COLS];   /* the file's column for each fixed column,
                             ** in the kind's order; -1 when absent */
  lrs_events *w;             /* the store's writer, opened by the kind */
  struct lrs_keymap *map;    /* contact keys of a piped import, or NULL */
  struct lrc_held *held;     /* rows held back for their lookup, or NULL */
  long long rows;            /* rows written */
} lrc_events;

/* The kind's start, up to opening the writer: allocate im->k, find the
** contact key column (lrc_find_key_column) and the n fixed columns.
** Errors stop the import (lrc_fail, LR_INPUT): two columns for the same
** thing, a required column missing, a column that is none of these and
** not skipped; LR_NOMEM when memory ran out. */
int lrc_events_start(lrc_import *im, const lrc_row *header,
                     const lrc_event_col *cols, int n);
/* Both kinds' free: the writer and im->k. */
void lrc_events_free(lrc_import *im);

/* The checks below return LR_OK, or what lrc_bad_row() returned for the
** row (the caller returns it in turn). */

/* A required time cell (col) into *t.  Messages: `empty` when it is NULL,
** "cannot read 'X' as a <what> (use ISO-8601 such as <example>, or unix
** seconds)" when it is no time. */
int lrc_event_time(lrc_import *im, const lrc_row *r, int col,
                   const char *empty, const char *what, const char *example,
                   long long *t);
/* An optional number cell (col, -1: no such column): *has is 1 with *d
** set, 0 when the cell is absent or NULL. */
int lrc_event_number(lrc_import *im, const lrc_row *r, int col, double *d,
                     int *has);
/* The store's answer rc to writing the row of the key in im->key:
** LR_NOTFOUND makes it a bad row ("no contact with key"), another error
** stops the import (lrc_store_fail). */
int lrc_event_written(lrc_import *im, const lrc_row *r, int rc);

#endif
