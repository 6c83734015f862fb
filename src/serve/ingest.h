/*
** ingest.h -- the state of one lr_ingest: the batch of parsed events
** waiting for lr_apply_events, and what to do with bad lines.
*/
#ifndef LR_INGEST_H
#define LR_INGEST_H

#include "../leadrules.h"
#include "../util/arena.h"

#define LRV_CSV_COLS 5            /* contact, type, at, value, campaign */

typedef struct lrv_ingest {
  lr_policy *p;
  lr_db *db;
  lr_ingest_opts o;
  const char *name;               /* the input, as messages name it */
  long long now, batch;
  lr_output *rej;                 /* --rejects, or NULL */
  lr_event *ev;                   /* [batch] */
  long long *line_of;             /* [batch]: each event's line */
  char **raw;                     /* [batch]: each event's line as read */
  long long n;
  lr_arena arena;                 /* the batch's strings */
  int csv_col[LRV_CSV_COLS];      /* the header's column of each, or -1 */
  int csv_ncols;
  lr_ingest_report report;
  /* The batch's lines set aside, written in line order once it commits. */
  struct lrv_reject { long long line; char *raw, *why; } *rejv;
  long long nrej, caprej;
} lrv_ingest;

/* Read the CSV header line; LR_INPUT "FILE:1: ..." when it is bad. */
int lrv_ingest_header(lrv_ingest *g, const char *line);
/* Parse one line (no newline) into the batch, applying the batch when
** full.  LR_OK, or an LR code with lr_errmsg(db) "FILE:LINE: ...". */
int lrv_ingest_line(lrv_ingest *g, const char *line, long long lineno);
/* Apply what is left. */
int lrv_ingest_finish(lrv_ingest *g);

#endif
