/*
** events.c -- the fixed columns of activities and outcomes files.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/keymap.h"
#include "events.h"

/* The column named by one of `names`; -1 if none.  Two columns for the
** same thing is an error (*rc). */
static int event_column(lrc_import *im, const lrc_row *header,
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

/* Every column must be one of the known ones (used[i] set) or skipped. */
static int no_extra(lrc_import *im, const lrc_row *header, const int *used,
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

/* "no 'type' column (activities need the contact key 'email', type and
** occurred_at)": the required columns, joined with "and". */
static int missing(lrc_import *im, const lrc_event_col *cols, int n, int i) {
  char need[160] = "";
  size_t len = 0;
  for (int j = 0; j < n && len < sizeof need; j++)
    if (cols[j].required)
      len += (size_t)snprintf(need + len, sizeof need - len, "%s%s",
                              len ? " and " : "", cols[j].names[0]);
  char also[256] = "";                   /* "activity, ... or event_name" */
  size_t m = 0;
  for (int k = 1; cols[i].names[k] && m < sizeof also; k++)
    m += (size_t)snprintf(also + m, sizeof also - m, "%s%s",
                          k == 1 ? "; its header may also be " :
                          cols[i].names[k + 1] ? ", " : " or ",
                          cols[i].names[k]);
  return lrc_fail(im, 0, LR_INPUT, "no '%s' column (%s need the contact "
                  "key '%s', %s%s)", cols[i].names[0], im->kind->name,
                  im->key_field, need, also);
}

int lrc_events_start(lrc_import *im, const lrc_row *header,
                     const lrc_event_col *cols, int n) {
  lrc_events *k = calloc(1, sizeof *k);
  int *used = calloc((size_t)im->head.n, sizeof *used);
  if (!k || !used) {
    free(k);
    free(used);
    return lrc_fail(im, 0, LR_NOMEM, "out of memory");
  }
  im->k = k;
  int *col = k->col;
  int rc = lrc_find_key_column(im);
  if (rc == LR_OK) used[im->key_col] = 1;
  for (int i = 0; i < n && rc == LR_OK; i++)
    col[i] = event_column(im, header, cols[i].names, used, &rc);
  for (int i = 0; i < n && rc == LR_OK; i++)
    if (cols[i].required && col[i] < 0) rc = missing(im, cols, n, i);
  /* A column with no header (a trailing delimiter on every line, as some
  ** exports and spreadsheets write) carries nothing: left out, but each
  ** row is checked to have nothing in it (lrc_check_row). */
  for (int i = 0; i < im->head.n && rc == LR_OK; i++) {
    lrc_col *c = &im->head.cols[i];
    if (used[i] || c->skip || c->mapped || c->header[0]) continue;
    c->blank = used[i] = 1;
    im->blanks++;
  }
  if (rc == LR_OK) {
    /* "email, type, occurred_at, value, campaign" */
    char expected[256];
    size_t len = (size_t)snprintf(expected, sizeof expected, "%s",
                                  im->key_field);
    for (int i = 0; i < n && len < sizeof expected; i++)
      len += (size_t)snprintf(expected + len, sizeof expected - len, ", %s",
                              cols[i].names[0]);
    rc = no_extra(im, header, used, expected);
  }
  free(used);
  return rc;
}

void lrc_events_free(lrc_import *im) {
  lrc_events *k = im->k;
  if (!k) return;
  lrs_events_free(k->w);
  lrs_keymap_free(k->map);
  free(k);
  im->k = NULL;
}

int lrc_event_time(lrc_import *im, const lrc_row *r, int col,
                   const char *empty, const char *what, const char *example,
                   long long *t) {
  const lrc_cell *c = &r->cells[col];
  char shown[80];
  if (lrc_is_null(im, c)) return lrc_bad_row(im, r, col, "%s", empty);
  if (!lrc_cell_time(c, t))
    return lrc_bad_row(im, r, col, "cannot read %s as a %s (use ISO-8601 "
                       "such as %s, or unix seconds)",
                       lrc_show(im, c, shown, sizeof shown), what, example);
  return LR_OK;
}

int lrc_event_number(lrc_import *im, const lrc_row *r, int col, double *d,
                     int *has) {
  *has = 0;
  if (col < 0 || lrc_is_null(im, &r->cells[col])) return LR_OK;
  const lrc_cell *c = &r->cells[col];
  char shown[80];
  int ok = lrc_parse_amount(c->p, c->n, d);
  if (ok == LRC_AMBIGUOUS)
    return lrc_bad_row(im, r, col, "%s could be read two ways: is its '.' "
                       "or ',' a thousands separator or the decimal mark? "
                       "(write it without thousands separators)",
                       lrc_show(im, c, shown, sizeof shown));
  if (ok < 0)
    return lrc_bad_row(im, r, col, "%s is too large (numbers must be finite, "
                       "at most about 1.8e308)",
                       lrc_show(im, c, shown, sizeof shown));
  if (!ok)
    return lrc_bad_row(im, r, col, "%s is not a number",
                       lrc_show(im, c, shown, sizeof shown));
  *has = 1;
  return LR_OK;
}

int lrc_event_written(lrc_import *im, const lrc_row *r, int rc) {
  if (rc == LR_NOTFOUND)
    return lrc_bad_row(im, r, im->key_col, "no contact with key '%s'",
                       lrb_str(&im->key));
  if (rc != LR_OK) return lrc_store_fail(im, r, rc);
  return LR_OK;
}
