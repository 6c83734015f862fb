/*
** rejects.c -- the --rejects file: bad rows, cell for cell as read, with
** the reason ("line 12: column 'Email': empty key") as a last cell.  It is
** written with the input's delimiter, in UTF-8, and removed again when
** the import rolls back, so it never describes an import that did not
** happen.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

struct lrc_rejects {
  FILE *f;
  char *path;
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
  if (fwrite(rj->line.p, 1, rj->line.n, rj->f) != rj->line.n) {
    lrb_printf(err, "%s: write error: %s", rj->path, strerror(errno));
    return LR_IO;
  }
  return LR_OK;
}

int lrc_rejects_open(lrc_rejects **out, const char *path, char delim,
                     const lrc_row *header, lr_buf *err) {
  *out = NULL;
  lrc_rejects *rj = calloc(1, sizeof *rj);
  if (!rj || !(rj->path = strdup(path))) {
    free(rj);
    lrb_adds(err, "out of memory");
    return LR_NOMEM;
  }
  rj->delim = delim;
  rj->f = fopen(path, "wb");
  if (!rj->f) {
    lrb_printf(err, "%s: cannot write rejects file: %s", path,
               strerror(errno));
    free(rj->path);
    free(rj);
    return LR_IO;
  }
  *out = rj;
  return put_row(rj, header, "reject_reason", err);
}

int lrc_rejects_write(lrc_rejects *rj, const lrc_row *row, const char *why,
                      lr_buf *err) {
  return put_row(rj, row, why, err);
}

int lrc_rejects_close(lrc_rejects *rj, int discard, lr_buf *err) {
  if (!rj) return LR_OK;
  int rc = LR_OK;
  if (fclose(rj->f) != 0 && !discard) {
    lrb_printf(err, "%s: write error: %s", rj->path, strerror(errno));
    rc = LR_IO;
  }
  if (discard) remove(rj->path);
  lrb_free(&rj->line);
  free(rj->path);
  free(rj);
  return rc;
}
