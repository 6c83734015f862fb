/*
** import_activities.c -- an activities file: contact key, type,
** occurred_at (ISO-8601 or unix seconds; also spelled at, timestamp,
** date), and optional value (a number) and campaign.  Rows are appended:
** importing the same file twice records the activities twice.  Contacts
** that got activities are marked changed (data_at).
**
** Two paths, one set of checks (check()): a file small next to the
** contacts table is read on one thread and each run of rows with the same
** key looks its contact up; a large one (an event log changes contact
** every row) loads every contact's key into a map first and is piped
** (pipe.c): the reading thread checks rows and finds their contacts in the
** map, the writer only writes them.  Both give the same errors and
** rejects, in the same order.
*/
#include <string.h>
#include <sys/stat.h>

#include "../store/keymap.h"
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

/* A file of at least one row per LARGE contacts is piped (rows estimated
** at 64 bytes); stdin, whose size is unknown, always. */
#define LARGE 8

static int piped(lrc_import *im, const char *path) {
  struct stat sb;
  long long contacts = 0;
  if (strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
      lrs_contacts_count(im->db, &contacts) == LR_OK)
    return (long long)sb.st_size / 64 * LARGE >= contacts;
  return 1;
}

static int start(lrc_import *im, const lrc_row *header) {
  int rc = lrc_events_start(im, header, COLS, 4);
  lrc_events *k = im->k;
  /* The map first: reading the keys through the writer's larger page
  ** cache would fill it for nothing. */
  if (rc == LR_OK && im->piped && lrs_keymap_load(im->db, &k->map) != LR_OK)
    rc = lrc_store_fail(im, header, lr_errcode(im->db));
  if (rc == LR_OK && lrs_activities_open(im->db, &k->w) != LR_OK)
    rc = lrc_store_fail(im, header, lr_errcode(im->db));
  return rc;
}

/* One row's values, checked: the key is in im->key; type, value and
** campaign point into the row. */
typedef struct act {
  const char *type;
  size_t typelen;
  long long at;
  lrs_value value, campaign;
} act;

static int check(lrc_import *im, const lrc_row *r, act *a, uint64_t *hash) {
  lrc_events *k = im->k;
  if (!lrc_key(im, &r->cells[im->key_col])) {
    if (im->key.oom) return lrc_fail(im, r->line, LR_NOMEM, "out of memory");
    return lrc_bad_row(im, r, im->key_col, "empty key");
  }
  if (hash) {             /* the slot comes into the cache meanwhile */
    *hash = lrs_keymap_hash(im->key.p, im->key.n);
    lrs_keymap_prefetch(k->map, *hash);
  }
  const lrc_cell *t = &r->cells[k->col[TYPE]];
  const char *tp = t->p;
  size_t tn = lrc_is_null(im, t) ? 0 : t->n;
  while (tn && (*tp == ' ' || *tp == '\t')) { tp++; tn--; }
  while (tn && (tp[tn - 1] == ' ' || tp[tn - 1] == '\t')) tn--;
  if (!tn) return lrc_bad_row(im, r, k->col[TYPE], "empty activity type");
  a->type = tp;
  a->typelen = tn;
  int rc = lrc_event_time(im, r, k->col[AT], "empty time", "time",
                          "2024-03-01T10:00:00Z", &a->at);
  if (rc != LR_OK) return rc;
  lrs_value none = { LRS_NULL, 0, 0, NULL, 0 };
  a->value = a->campaign = none;
  int has;
  rc = lrc_event_number(im, r, k->col[VALUE], &a->value.r, &has);
  if (rc != LR_OK) return rc;
  if (has)
    a->value.type = LRS_FLOAT;
  if (k->col[CAMPAIGN] >= 0 && !lrc_is_null(im, &r->cells[k->col[CAMPAIGN]])) {
    a->campaign.type = LRS_STR;
    a->campaign.s = r->cells[k->col[CAMPAIGN]].p;
    a->campaign.n = r->cells[k->col[CAMPAIGN]].n;
  }
  return LR_OK;
}

/* One thread: check, look the contact up, write. */
static int row(lrc_import *im, const lrc_row *r) {
  lrc_events *k = im->k;
  act a;
  int rc = check(im, r, &a, NULL);
  if (rc != LR_OK) return rc;
  rc = lrs_activity_add(k->w, im->key.p, im->key.n, a.type, a.typelen, a.at,
                        &a.value, &a.campaign);
  rc = lrc_event_written(im, r, rc);
  if (rc != LR_OK) return rc;
  im->rep->inserted++;
  return LR_OK;
}

/* Piped, the values of a slot: contact id, type, time, value, campaign. */
enum { V_CONTACT, V_TYPE, V_AT, V_VALUE, V_CAMPAIGN, NVALS };

static int nvals(lrc_import *im) { (void)im; return NVALS; }

/* Reading thread: check, find the contact in the map, copy the text. */
static int prepare(lrc_import *im, const lrc_row *r, lrc_batch *b,
                   lrc_slot *slot) {
  lrc_events *k = im->k;
  act a;
  uint64_t hash;
  int rc = check(im, r, &a, &hash);
  if (rc != LR_OK) return rc;
  long long id = lrs_keymap_find_hashed(k->map, im->key.p, im->key.n, hash);
  if (!id) return lrc_event_written(im, r, LR_NOTFOUND);
  lrs_value *v = slot->vals;
  slot->key = NULL;
  slot->keyn = 0;
  v[V_CONTACT].type = LRS_INT;
  v[V_CONTACT].i = id;
  v[V_AT].type = LRS_INT;
  v[V_AT].i = a.at;
  v[V_VALUE] = a.value;
  v[V_CAMPAIGN] = a.campaign;
  int ok = lrc_batch_text(b, &v[V_TYPE], a.type, a.typelen);
  if (a.campaign.type == LRS_STR)
    ok &= lrc_batch_text(b, &v[V_CAMPAIGN], a.campaign.s, a.campaign.n);
  if (!ok) return lrc_fail(im, r->line, LR_NOMEM, "out of memory");
  return LR_OK;
}

/* Writer: the row as prepared. */
static int write(lrc_import *im, const lrc_slot *slot) {
  lrc_events *k = im->k;
  const lrs_value *v = slot->vals;
  im->rep->inserted++;
  return lrs_activity_put(k->w, v[V_CONTACT].i, v[V_TYPE].s, v[V_TYPE].n,
                          v[V_AT].i, &v[V_VALUE], &v[V_CAMPAIGN]);
}

static int flush(lrc_import *im) {
  return lrs_activities_flush(((lrc_events *)im->k)->w);
}

static int finish(lrc_import *im) {
  lrc_events *k = im->k;
  int rc = lrs_activities_finish(k->w, im->now);
  if (rc != LR_OK) return lrc_store_fail(im, NULL, rc);
  return LR_OK;
}

const lrc_kind lrc_kind_activities = {
  .name = "activities", .start = start, .row = row, .piped = piped,
  .nvals = nvals, .prepare = prepare, .write = write, .flush = flush,
  .finish = finish, .free = lrc_events_free,
};
