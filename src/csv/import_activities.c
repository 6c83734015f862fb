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
**
** At a million contacts each lookup misses the cache twice (the slot,
** then the record), and the misses were a fifth of the import's CPU time
** on a time-ordered log.  So the reading thread holds each checked row
** back for HELD rows: its slot is prefetched when it is read, its record
** halfway, and its key compared when it leaves; the misses of several
** rows overlap with the parsing of the next ones.  A held row whose key
** is unknown is rejected as it leaves, from a copy of its cells; rows
** leave before any later row is rejected and before a batch is handed
** over, so rejects and errors come in file order as on one thread.
*/
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../store/keymap.h"
#include "events.h"

#define HELD 8              /* rows held back for their lookup */

/* One row held back: where its values are, its key and hash, and a copy
** of its cells in case it must be rejected. */
typedef struct held_row {
  lrc_slot *slot;           /* in the batch being filled */
  size_t keyoff, keyn;      /* the key, in that batch's arena */
  uint64_t hash;
  long long line, index;
  lr_buf bytes;             /* the cells' text, end to end */
  size_t *off, *len;
  unsigned char *null;      /* cell was NULL (an empty unquoted cell) */
  int ncells;
} held_row;

struct lrc_held {
  held_row row[HELD];
  int first, n;             /* ring of held rows, oldest first */
  lrc_batch *batch;         /* the batch they are in */
  int settling;             /* settle() running: no recursion */
  lr_buf key;               /* a held key, NUL-terminated, for messages */
  lrc_cell *cells;          /* a held row's cells, rebuilt */
};

/* The fixed columns, in lrc_events.col. */
enum { TYPE, AT, VALUE, CAMPAIGN };

/* The headers other systems' activity and event exports use (folded). */
static const char *const TYPE_NAMES[] = {
  "type", "activity", "activity_type", "event", "event_type", "event_name",
  NULL };
static const char *const AT_NAMES[] = {
  "occurred_at", "at", "timestamp", "date", "time", "occurred",
  "activity_date", "event_date", "event_time", "created_at", "activitydate",
  "submitted_at", NULL };
static const char *const VALUE_NAMES[] = { "value", NULL };
static const char *const CAMPAIGN_NAMES[] = {
  "campaign", "campaign_name", "utm_campaign", NULL };

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

static int held_alloc(lrc_events *k, int ncells) {
  struct lrc_held *h = calloc(1, sizeof *h);
  if (!h) return 0;
  k->held = h;
  size_t n = (size_t)(ncells > 0 ? ncells : 1);
  if (!(h->cells = calloc(n, sizeof *h->cells))) return 0;
  for (int i = 0; i < HELD; i++) {
    held_row *e = &h->row[i];
    e->off = calloc(n, sizeof *e->off);
    e->len = calloc(n, sizeof *e->len);
    e->null = calloc(n, 1);
    if (!e->off || !e->len || !e->null) return 0;
  }
  return 1;
}

static void release(lrc_import *im) {
  lrc_events *k = im->k;
  struct lrc_held *h = k ? k->held : NULL;
  if (h) {
    for (int i = 0; i < HELD; i++) {
      lrb_free(&h->row[i].bytes);
      free(h->row[i].off);
      free(h->row[i].len);
      free(h->row[i].null);
    }
    lrb_free(&h->key);
    free(h->cells);
    free(h);
    k->held = NULL;
  }
  lrc_events_free(im);
}

static int start(lrc_import *im, const lrc_row *header) {
  int rc = lrc_events_start(im, header, COLS, 4);
  lrc_events *k = im->k;
  /* The map first: reading the keys through the writer's larger page
  ** cache would fill it for nothing. */
  if (rc == LR_OK && im->piped && lrs_keymap_load(im->db, &k->map) != LR_OK)
    rc = lrc_store_fail(im, header, lr_errcode(im->db));
  if (rc == LR_OK && im->piped && !held_alloc(k, im->head.n))
    rc = lrc_fail(im, 0, LR_NOMEM, "out of memory");
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
  if (tn > LRS_MAX_KEY)
    return lrc_bad_row(im, r, k->col[TYPE], "activity type longer than %d "
                       "bytes", LRS_MAX_KEY);
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

/* The oldest held row leaves: its contact from the map, or it is rejected
** (its slot then says so: no contact).  LR_OK, or the error of a bad row
** without --rejects. */
static int leave(lrc_import *im) {
  lrc_events *k = im->k;
  struct lrc_held *h = k->held;
  held_row *e = &h->row[h->first];
  h->first = (h->first + 1) % HELD;
  h->n--;
  const char *key = lrb_str(&h->batch->arena) + e->keyoff;
  long long id = lrs_keymap_find_hashed(k->map, key, e->keyn, e->hash);
  lrs_value *contact = &e->slot->vals[V_CONTACT];
  if (id) {
    contact->i = id;
    return LR_OK;
  }
  contact->type = LRS_NULL;
  lrb_reset(&h->key);
  lrb_add(&h->key, key, e->keyn);
  for (int i = 0; i < e->ncells; i++) {
    h->cells[i].p = e->null[i] ? NULL : lrb_str(&e->bytes) + e->off[i];
    h->cells[i].n = e->len[i];
  }
  lrc_row row = { h->cells, e->ncells, e->line, e->index, -1, NULL };
  h->settling = 1;
  int rc = lrc_bad_row(im, &row, im->key_col, "no contact with key '%s'",
                       lrb_str(&h->key));
  h->settling = 0;
  if (h->key.oom) rc = lrc_fail(im, e->line, LR_NOMEM, "out of memory");
  return rc == LRC_REJECTED ? LR_OK : rc;
}

/* Every held row leaves, oldest first; after an error none is left. */
static int settle(lrc_import *im) {
  lrc_events *k = im->k;
  struct lrc_held *h = k ? k->held : NULL;
  if (!h || h->settling) return LR_OK;
  while (h->n) {
    int rc = leave(im);
    if (rc != LR_OK) {
      h->n = 0;
      return rc;
    }
  }
  return LR_OK;
}

/* Hold a checked row back: its key is in the batch at keyoff. */
static int hold(lrc_import *im, const lrc_row *r, lrc_slot *slot,
                size_t keyoff, uint64_t hash) {
  lrc_events *k = im->k;
  struct lrc_held *h = k->held;
  held_row *e = &h->row[(h->first + h->n) % HELD];
  h->n++;
  e->slot = slot;
  e->keyoff = keyoff;
  e->keyn = im->key.n;
  e->hash = hash;
  e->line = r->line;
  e->index = r->index;
  e->ncells = r->n;
  lrb_reset(&e->bytes);
  for (int i = 0; i < r->n; i++) {
    e->off[i] = e->bytes.n;
    e->len[i] = r->cells[i].n;
    e->null[i] = r->cells[i].p == NULL;
    if (r->cells[i].p) lrb_add(&e->bytes, r->cells[i].p, r->cells[i].n);
  }
  if (e->bytes.oom) return lrc_fail(im, r->line, LR_NOMEM, "out of memory");
  if (h->n > HELD / 2)         /* halfway: its slot is in, fetch its record */
    lrs_keymap_prefetch_record(k->map,
                               h->row[(h->first + h->n - 1 - HELD / 2) % HELD].hash);
  return LR_OK;
}

/* Reading thread: check, copy the text, hold the row for its lookup (the
** oldest held row leaves to make room). */
static int prepare(lrc_import *im, const lrc_row *r, lrc_batch *b,
                   lrc_slot *slot) {
  lrc_events *k = im->k;
  k->held->batch = b;
  act a;
  uint64_t hash;
  int rc = check(im, r, &a, &hash);
  if (rc != LR_OK) return rc;
  lrs_value *v = slot->vals;
  v[V_CONTACT].type = LRS_INT;
  v[V_CONTACT].i = 0;                       /* when the row leaves */
  v[V_AT].type = LRS_INT;
  v[V_AT].i = a.at;
  v[V_VALUE] = a.value;
  v[V_CAMPAIGN] = a.campaign;
  size_t keyoff = b->arena.n;
  int ok = lrc_batch_key(b, slot, im->key.p, im->key.n);
  ok &= lrc_batch_text(b, &v[V_TYPE], a.type, a.typelen);
  if (a.campaign.type == LRS_STR)
    ok &= lrc_batch_text(b, &v[V_CAMPAIGN], a.campaign.s, a.campaign.n);
  if (!ok) return lrc_fail(im, r->line, LR_NOMEM, "out of memory");
  if (k->held->n == HELD && (rc = leave(im)) != LR_OK) return rc;
  return hold(im, r, slot, keyoff, hash);
}

/* Writer: the row as prepared (none when it was rejected as it left). */
static int write(lrc_import *im, const lrc_slot *slot) {
  lrc_events *k = im->k;
  const lrs_value *v = slot->vals;
  if (v[V_CONTACT].type == LRS_NULL) return LR_OK;
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
  .nvals = nvals, .prepare = prepare, .settle = settle, .write = write,
  .flush = flush, .finish = finish, .free = release,
};
