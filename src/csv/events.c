/*
** events.c -- the fixed columns of activities and outcomes files.
*/
#include <string.h>

#include "events.h"

int lrc_event_column(lrc_import *im, const lrc_row *header,
                     const char *const *names, int *used, int *rc) {
  int found = -1;
  for (int i = 0; i < im->head.n; i++) {
    const lrc_col *c = &im->head.cols[i];
    if (c->skip) continue;
    for (int k = 0; names[k]; k++) {
      if (strcmp(c->name, names[k]) != 0) continue;
      if (found >= 0) {
        *rc = lrc_fail(im, header->line, LR_INPUT, "column '%s': same "
                       "meaning as column '%s' (%s); skip one with --map "
                       "'%s='", c->header, im->head.cols[found].header,
                       names[0], c->header);
        return -1;
      }
      found = i;
    }
  }
  if (found >= 0) used[found] = 1;
  return found;
}

int lrc_event_no_extra(lrc_import *im, const lrc_row *header, const int *used,
                       const char *expected) {
  for (int i = 0; i < im->head.n; i++) {
    const lrc_col *c = &im->head.cols[i];
    if (c->skip || used[i]) continue;
    return lrc_fail(im, header->line, LR_INPUT, "column '%s': not a column "
                    "of %s files (they have %s); skip it with --map '%s='",
                    c->header, im->kind->name, expected, c->header);
  }
  return LR_OK;
}
