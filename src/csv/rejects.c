/*
** rejects.c -- the --rejects file: bad rows, cell for cell as read, with
** the reason ("line 12: column 'Email': empty key") as a last cell.  It is
** written with the input's delimiter, in UTF-8, through an lr_output: the
** database and the CSV itself are refused, and the file appears only
** when the import commits, so it never describes an import that did not
** happen and a failed import leaves an older file as it was.
*/
#include <stdlib.h>
#include <string.h>

#include "../store/output.h"
#include "../store/store.h"
#include "csv.h"

struct lrc_rejects {
  lr_output *out;
  char delim;
  lr_buf line;
};

static int put_row(lrc_rejects *rj, const lrc_row *row, const char *last,
                   lr_buf *err) {
  lrb_reset(&rj->line);
  for (int i = 0; i < row->n; i++) {
    if (row->cells[i].p)
      lrc_out_cell(&rj->line, row->cells[i].p, row->cells[i].n, rj->delim);
    lrb_addc(&rj->line, rj->delim);
  }
  lrc_out_cell(&rj->line, last, strlen(last), rj->delim);
  lrb_adds(&rj->line, "\r\n");
  if (rj->line.oom) {
    lrb_adds(err, "out of memory");
    return LR_NOMEM;
  }
  if (lr_output_write(rj->out, rj->line.p, rj->line.n) != 0)
    return lrs_output_why(rj->out, err);
  return LR_OK;
}

int lrc_rejects_open(lrc_rejects **out, lr_db *db, const char *path,
                     const char *input) {
  *out = NULL;
  lrc_rejects *rj = calloc(1, sizeof *rj);
  if (!rj) return lr__err(db, LR_NOMEM, "out of memory");
  const char *inputs[] = { input };
  int rc = lr_output_open(db, "--rejects", path, inputs, 1, &rj->out);
  if (rc != LR_OK) {
    free(rj);
    return rc;
  }
  *out = rj;
  return LR_OK;
}

int lrc_rejects_header(lrc_rejects *rj, char delim, const lrc_row *header,
                       lr_buf *err) {
  rj->delim = delim;
  return put_row(rj, header, "reject_reason", err);
}

int lrc_rejects_write(lrc_rejects *rj, const lrc_row *row, const char *why,
                      lr_buf *err) {
  return put_row(rj, row, why, err);
}

int lrc_rejects_sync(lrc_rejects *rj, lr_buf *err) {
  int rc = lrs_output_sync(rj->out);
  return rc == LR_OK ? rc : lrs_output_why(rj->out, err);
}

int lrc_rejects_commit(lrc_rejects *rj, lr_buf *err) {
  lr_db *db = lrs_output_db(rj->out);
  int rc = lr_output_commit(rj->out);
  if (rc != LR_OK) lrb_adds(err, lr_errmsg(db));
  rj->out = NULL;
  lrc_rejects_discard(rj);
  return rc;
}

void lrc_rejects_discard(lrc_rejects *rj) {
  if (!rj) return;
  lr_output_abort(rj->out);
  lrb_free(&rj->line);
  free(rj);
}
