/*
** import_outcomes.c -- an outcomes file: what sales reports back.  Contact
** key, result (also spelled outcome: won/lost, 1/0, yes/no, true/false,
** any case), optional amount, closed_at (also close_date, closed, date).
** Upserted on (contact, closed_at): re-importing a corrected file
** replaces the outcomes it names.
*/
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "events.h"

typedef struct outcomes {
  int result, amount, closed;
  lrs_events *w;
  long long rows;
} outcomes;

static const char *const RESULT_NAMES[] = { "result", "outcome", NULL };
static const char *const AMOUNT_NAMES[] = { "amount", NULL };
static const char *const CLOSED_NAMES[] = {
  "closed_at", "close_date", "closed", "closed_date", "date", NULL };

static int start(lrc_import *im, const lrc_row *header) {
  outcomes *k = calloc(1, sizeof *k);
  int *used = calloc((size_t)im->head.n, sizeof *used);
  if (!k || !used) {
    free(k);
    free(used);
    return lrc_fail(im, 0, LR_NOMEM, "out of memory");
  }
  im->k = k;
  int rc = lrc_find_key_column(im);
  if (rc == LR_OK) {
    used[im->key_col] = 1;
    k->result = lrc_event_column(im, header, RESULT_NAMES, used, &rc);
  }
  if (rc == LR_OK)
    k->amount = lrc_event_column(im, header, AMOUNT_NAMES, used, &rc);
  if (rc == LR_OK)
    k->closed = lrc_event_column(im, header, CLOSED_NAMES, used, &rc);
  if (rc == LR_OK && k->result < 0)
    rc = lrc_fail(im, 0, LR_INPUT, "no 'result' column (outcomes need the "
                  "contact key '%s', result and closed_at)", im->key_field);
  if (rc == LR_OK && k->closed < 0)
    rc = lrc_fail(im, 0, LR_INPUT, "no 'closed_at' column (outcomes need "
                  "the contact key '%s', result and closed_at)",
                  im->key_field);
  if (rc == LR_OK) {
    char expected[160];
    snprintf(expected, sizeof expected, "%s, result, amount, closed_at",
             im->key_field);
    rc = lrc_event_no_extra(im, header, used, expected);
  }
  free(used);
  if (rc == LR_OK && lrs_outcomes_open(im->db, im->seq, &k->w) != LR_OK)
    rc = lrc_store_fail(im, header, lr_errcode(im->db));
  return rc;
}

/* won: 1, lost: 0, neither: -1. */
static int won_lost(const lrc_cell *c) {
  static const char *const WON[] = { "won", "1", "yes", "true", "y", NULL };
  static const char *const LOST[] = { "lost", "0", "no", "false", "n", NULL };
  const char *p = c->p;
  size_t n = c->n;
  while (n && (*p == ' ' || *p == '\t')) { p++; n--; }
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  for (int i = 0; WON[i]; i++) {
    if (strlen(WON[i]) == n && strncasecmp(p, WON[i], n) == 0) return 1;
    if (strlen(LOST[i]) == n && strncasecmp(p, LOST[i], n) == 0) return 0;
  }
  return -1;
}

static int row(lrc_import *im, const lrc_row *r) {
  outcomes *k = im->k;
  char shown[80];
  if (!lrc_key(im, &r->cells[im->key_col]))
    return lrc_bad_row(im, r, im->key_col, "empty key");
  const lrc_cell *res = &r->cells[k->result];
  int won = lrc_is_null(im, res) ? -1 : won_lost(res);
  if (won < 0)
    return lrc_bad_row(im, r, k->result, "expected won or lost (or 1/0, "
                       "yes/no, true/false), got %s",
                       lrc_show(im, res, shown, sizeof shown));
  const lrc_cell *cl = &r->cells[k->closed];
  long long closed;
  if (lrc_is_null(im, cl))
    return lrc_bad_row(im, r, k->closed, "empty close date");
  if (!lrc_cell_time(cl, &closed))
    return lrc_bad_row(im, r, k->closed, "cannot read %s as a date (use "
                       "ISO-8601 such as 2024-03-01, or unix seconds)",
                       lrc_show(im, cl, shown, sizeof shown));
  lrs_value amount = { LRS_NULL, 0, 0, NULL, 0 };
  if (k->amount >= 0 && !lrc_is_null(im, &r->cells[k->amount])) {
    const lrc_cell *a = &r->cells[k->amount];
    if (!lrc_parse_number(a->p, a->n, &amount.r))
      return lrc_bad_row(im, r, k->amount, "%s is not a number",
                         lrc_show(im, a, shown, sizeof shown));
    amount.type = LRS_FLOAT;
  }
  int rc = lrs_outcome_put(k->w, im->key.p, im->key.n, won, &amount, closed);
  if (rc == LR_NOTFOUND)
    return lrc_bad_row(im, r, im->key_col, "no contact with key '%s'",
                       lrb_str(&im->key));
  if (rc != LR_OK) return lrc_store_fail(im, r, rc);
  k->rows++;
  return LR_OK;
}

static int finish(lrc_import *im) {
  outcomes *k = im->k;
  lr_import_report *rep = im->rep;
  lrs_outcomes_finish(k->w, &rep->updated, &rep->merged);
  rep->inserted = k->rows - rep->updated - rep->merged;
  return LR_OK;
}

static void release(lrc_import *im) {
  outcomes *k = im->k;
  if (!k) return;
  lrs_events_free(k->w);
  free(k);
  im->k = NULL;
}

const lrc_kind lrc_kind_outcomes = {
  .name = "outcomes", .start = start, .row = row, .finish = finish,
  .free = release,
};
