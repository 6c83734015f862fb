/*
** import_activities.c -- an activities file: contact key, type,
** occurred_at (ISO-8601 or unix seconds; also spelled at, timestamp,
** date), and optional value (a number) and campaign.  Rows are appended:
** importing the same file twice records the activities twice.  Contacts
** that got activities are marked changed (data_at).
*/

#include "events.h"

/* The fixed columns, in lrc_events.col. */
enum { TYPE, AT, VALUE, CAMPAIGN };

static const char *const TYPE_NAMES[] = { "type", "activity", NULL };
static const char *const AT_NAMES[] = {
  "occurred_at", "at", "timestamp", "date", NULL };
static const char *const VALUE_NAMES[] = { "value", NULL };
static const char *const CAMPAIGN_NAMES[] = { "campaign", NULL };

static const lrc_event_col COLS[] = {
  [TYPE] = { TYPE_NAMES, 1 }, [AT] = { AT_NAMES, 1 },
  [VALUE] = { VALUE_NAMES, 0 }, [CAMPAIGN] = { CAMPAIGN_NAMES, 0 },
};

static int start(lrc_import *im, const lrc_row *header) {
  int rc = lrc_events_start(im, header, COLS, 4);
  lrc_events *k = im->k;
  if (rc == LR_OK && lrs_activities_open(im->db, &k->w) != LR_OK)
    rc = lrc_store_fail(im, header, lr_errcode(im->db));
  return rc;
}

static int row(lrc_import *im, const lrc_row *r) {
  lrc_events *k = im->k;
  if (!lrc_key(im, &r->cells[im->key_col]))
    return lrc_bad_row(im, r, im->key_col, "empty key");
  const lrc_cell *t = &r->cells[k->col[TYPE]];
  const char *tp = t->p;
  size_t tn = lrc_is_null(im, t) ? 0 : t->n;
  while (tn && (*tp == ' ' || *tp == '\t')) { tp++; tn--; }
  while (tn && (tp[tn - 1] == ' ' || tp[tn - 1] == '\t')) tn--;
  if (!tn) return lrc_bad_row(im, r, k->col[TYPE], "empty activity type");
  long long at;
  int rc = lrc_event_time(im, r, k->col[AT], "empty time", "time",
                          "2024-03-01T10:00:00Z", &at);
  if (rc != LR_OK) return rc;
  lrs_value value = { LRS_NULL, 0, 0, NULL, 0 };
  int has;
  rc = lrc_event_number(im, r, k->col[VALUE], &value.r, &has);
  if (rc != LR_OK) return rc;
  if (has)
    value.type = LRS_FLOAT;
  lrs_value campaign = { LRS_NULL, 0, 0, NULL, 0 };
  if (k->col[CAMPAIGN] >= 0 && !lrc_is_null(im, &r->cells[k->col[CAMPAIGN]])) {
    campaign.type = LRS_STR;
    campaign.s = r->cells[k->col[CAMPAIGN]].p;
    campaign.n = r->cells[k->col[CAMPAIGN]].n;
  }
  rc = lrs_activity_add(k->w, im->key.p, im->key.n, tp, tn, at, &value,
                        &campaign);
  rc = lrc_event_written(im, r, rc);
  if (rc != LR_OK) return rc;
  im->rep->inserted++;
  return LR_OK;
}

static int finish(lrc_import *im) {
  lrc_events *k = im->k;
  int rc = lrs_activities_finish(k->w, im->now);
  if (rc != LR_OK) return lrc_store_fail(im, NULL, rc);
  return LR_OK;
}

const lrc_kind lrc_kind_activities = {
  .name = "activities", .start = start, .row = row, .finish = finish,
  .free = lrc_events_free,
};
