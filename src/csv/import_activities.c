/*
** import_activities.c -- an activities file: contact key, type,
** occurred_at (ISO-8601 or unix seconds; also spelled at, timestamp,
** date), and optional value (a number) and campaign.  Rows are appended:
** importing the same file twice records the activities twice.  Contacts
** that got activities are marked changed (data_at).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

typedef struct activities {
  int type, at, value, campaign;
  lrs_events *w;
  lr_buf text;      /* trimmed type */
} activities;

static const char *const TYPE_NAMES[] = { "type", "activity", NULL };
static const char *const AT_NAMES[] = {
  "occurred_at", "at", "timestamp", "date", NULL };
static const char *const VALUE_NAMES[] = { "value", NULL };
static const char *const CAMPAIGN_NAMES[] = { "campaign", NULL };

static int start(lrc_import *im, const lrc_row *header) {
  activities *k = calloc(1, sizeof *k);
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
    k->type = lrc_event_column(im, header, TYPE_NAMES, used, &rc);
  }
  if (rc == LR_OK) k->at = lrc_event_column(im, header, AT_NAMES, used, &rc);
  if (rc == LR_OK)
    k->value = lrc_event_column(im, header, VALUE_NAMES, used, &rc);
  if (rc == LR_OK)
    k->campaign = lrc_event_column(im, header, CAMPAIGN_NAMES, used, &rc);
  if (rc == LR_OK && k->type < 0)
    rc = lrc_fail(im, 0, LR_INPUT, "no 'type' column (activities need the "
                  "contact key '%s', type and occurred_at)", im->key_field);
  if (rc == LR_OK && k->at < 0)
    rc = lrc_fail(im, 0, LR_INPUT, "no 'occurred_at' column (activities "
                  "need the contact key '%s', type and occurred_at)",
                  im->key_field);
  if (rc == LR_OK) {
    char expected[160];
    snprintf(expected, sizeof expected, "%s, type, occurred_at, value, "
             "campaign", im->key_field);
    rc = lrc_event_no_extra(im, header, used, expected);
  }
  free(used);
  if (rc == LR_OK && lrs_activities_open(im->db, &k->w) != LR_OK)
    rc = lrc_store_fail(im, header, lr_errcode(im->db));
  return rc;
}

static int row(lrc_import *im, const lrc_row *r) {
  activities *k = im->k;
  char shown[80];
  if (!lrc_key(im, &r->cells[im->key_col]))
    return lrc_bad_row(im, r, im->key_col, "empty key");
  const lrc_cell *t = &r->cells[k->type];
  const char *tp = t->p;
  size_t tn = lrc_is_null(im, t) ? 0 : t->n;
  while (tn && (*tp == ' ' || *tp == '\t')) { tp++; tn--; }
  while (tn && (tp[tn - 1] == ' ' || tp[tn - 1] == '\t')) tn--;
  if (!tn) return lrc_bad_row(im, r, k->type, "empty activity type");
  const lrc_cell *a = &r->cells[k->at];
  long long at;
  if (lrc_is_null(im, a))
    return lrc_bad_row(im, r, k->at, "empty time");
  if (!lrc_cell_time(a, &at))
    return lrc_bad_row(im, r, k->at, "cannot read %s as a time (use "
                       "ISO-8601 such as 2024-03-01T10:00:00Z, or unix "
                       "seconds)", lrc_show(im, a, shown, sizeof shown));
  lrs_value value = { LRS_NULL, 0, 0, NULL, 0 };
  if (k->value >= 0 && !lrc_is_null(im, &r->cells[k->value])) {
    const lrc_cell *v = &r->cells[k->value];
    if (!lrc_parse_number(v->p, v->n, &value.r))
      return lrc_bad_row(im, r, k->value, "%s is not a number",
                         lrc_show(im, v, shown, sizeof shown));
    value.type = LRS_FLOAT;
  }
  lrs_value campaign = { LRS_NULL, 0, 0, NULL, 0 };
  if (k->campaign >= 0 && !lrc_is_null(im, &r->cells[k->campaign])) {
    campaign.type = LRS_STR;
    campaign.s = r->cells[k->campaign].p;
    campaign.n = r->cells[k->campaign].n;
  }
  int rc = lrs_activity_add(k->w, im->key.p, im->key.n, tp, tn, at, &value,
                            &campaign);
  if (rc == LR_NOTFOUND)
    return lrc_bad_row(im, r, im->key_col, "no contact with key '%s'",
                       lrb_str(&im->key));
  if (rc != LR_OK) return lrc_store_fail(im, r, rc);
  im->rep->inserted++;
  return LR_OK;
}

static int finish(lrc_import *im) {
  activities *k = im->k;
  int rc = lrs_activities_finish(k->w, im->now);
  if (rc != LR_OK) return lrc_store_fail(im, NULL, rc);
  return LR_OK;
}

static void release(lrc_import *im) {
  activities *k = im->k;
  if (!k) return;
  lrs_events_free(k->w);
  lrb_free(&k->text);
  free(k);
  im->k = NULL;
}

const lrc_kind lrc_kind_activities = {
  .name = "activities", .start = start, .row = row, .finish = finish,
  .free = release,
};
