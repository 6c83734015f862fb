/*
** decisions.c -- a run's decisions as outbox rows (decisions.h).  The
** payload is the row as a notifier delivers it, less its id:
** {"kind", "at", "key", ...what was decided..., "run"}.
*/
#include <stdio.h>
#include <string.h>

#include "../store/realtime_io.h"
#include "../util/timefmt.h"
#include "decisions.h"

static const char *const KIND[] = { "move", "handoff", "account_move",
                                    "account_handoff", "notify" };

/* Payloads are built by appending (a row costs a few hundred
** instructions, not a printf per member: a first run writes one per
** contact). */
#define ADD(b, lit) lrb_add((b), (lit), sizeof(lit) - 1)

void lrp_decisions_init(lrp_decisions *d, lr_db *db, long long now,
                        long long run_id, int on) {
  memset(d, 0, sizeof *d);
  d->db = db;
  d->now = now;
  d->run_id = run_id;
  d->on = on;
  char iso[40];
  lru_iso(now, iso, sizeof iso);
  if (now) snprintf(d->at, sizeof d->at, ",\"at\":\"%s\"", iso);
  else snprintf(d->at, sizeof d->at, ",\"at\":null");
  snprintf(d->tail, sizeof d->tail, ",\"run\":%lld}", run_id);
}

void lrp_decisions_free(lrp_decisions *d) {
  lrb_free(&d->buf);
  lrb_free(&d->pbuf);
}

static int write_pending(lrp_decisions *d) {
  if (!d->npend) return LR_OK;
  lrs_outbox_new rows[LRS_OUTBOX_MANY];
  for (int i = 0; i < d->npend; i++) {
    rows[i].at = d->now;
    rows[i].contact_id = d->pend[i].id;
    rows[i].run_id = d->run_id;
    rows[i].kind = KIND[LRP_OUT_MOVE];
    rows[i].key = d->pbuf.p + d->pend[i].key;
    rows[i].payload = d->pbuf.p + d->pend[i].payload;
  }
  int rc = lrs_outbox_add_rows(d->db, rows, d->npend);
  d->npend = 0;
  lrb_reset(&d->pbuf);
  return rc;
}

/* A contact's move: kept for the next statement of many. */
static int pend_move(lrp_decisions *d, long long id, const char *key) {
  lr_buf *p = &d->pbuf;
  d->pend[d->npend].id = id;
  d->pend[d->npend].key = p->n;
  lrb_add(p, key, strlen(key) + 1);
  d->pend[d->npend].payload = p->n;
  lrb_add(p, d->buf.p, d->buf.n + 1);
  if (p->oom) return lr__err(d->db, LR_NOMEM, "out of memory");
  return ++d->npend == LRS_OUTBOX_MANY ? write_pending(d) : LR_OK;
}

/* ,"k":"v" (k a literal, v escaped), or ,"k":null */
static void kv_str(lr_buf *b, const char *k, size_t klen, const char *v) {
  lrb_add(b, k, klen);
  if (v) lrb_json_str(b, v, strlen(v));
  else ADD(b, "null");
}
#define KV(b, k, v) kv_str((b), ",\"" k "\":", sizeof(",\"" k "\":") - 1, (v))

static void kv_time(lr_buf *b, const char *k, size_t klen, long long t) {
  char iso[40];
  if (t) lru_iso(t, iso, sizeof iso);
  kv_str(b, k, klen, t ? iso : NULL);
}

static void head(lrp_decisions *d, int section, const char *key) {
  lr_buf *b = &d->buf;
  lrb_reset(b);
  ADD(b, "{\"kind\":\"");
  lrb_adds(b, KIND[section]);
  lrb_addc(b, '"');
  lrb_adds(b, d->at);
  KV(b, "key", key);
}

/* Close the payload and write it: moves now, the rest staged. */
static int put(lrp_decisions *d, int section, long long id, const char *key) {
  lr_buf *b = &d->buf;
  lrb_adds(b, d->tail);
  if (b->oom) return lr__err(d->db, LR_NOMEM, "out of memory");
  const char *kind = KIND[section];
  if (section == LRP_OUT_MOVE) return pend_move(d, id, key);
  int rc = d->staged ? LR_OK : lrs_outbox_stage_open(d->db);
  if (rc == LR_OK)
    rc = lrs_outbox_stage(d->db, section, d->staged++, d->now, kind, id, key,
                          d->run_id, b->p);
  return rc;
}

int lrp_decisions_move(lrp_decisions *d, int section, long long id,
                       const char *key, const char *from, const char *to,
                       const char *transition, const char *reason) {
  if (!d->on) return LR_OK;
  head(d, section, key);
  KV(&d->buf, "from", from);
  KV(&d->buf, "to", to);
  KV(&d->buf, "transition", transition);
  KV(&d->buf, "reason", reason);
  return put(d, section, id, key);
}

int lrp_decisions_handoff(lrp_decisions *d, int section, long long id,
                          const char *key, const char *stage,
                          const char *owner, long long due) {
  if (!d->on) return LR_OK;
  head(d, section, key);
  KV(&d->buf, "stage", stage);
  KV(&d->buf, "owner", owner);
  kv_time(&d->buf, ",\"due\":", sizeof(",\"due\":") - 1, due);
  return put(d, section, id, key);
}

int lrp_decisions_notify(lrp_decisions *d, const lr_change *c) {
  if (!d->on) return LR_OK;
  lr_buf *b = &d->buf;
  head(d, LRP_OUT_NOTIFY, c->key);
  ADD(b, ",\"old_score\":");
  lrb_json_num(b, c->old_score);
  ADD(b, ",\"score\":");
  lrb_json_num(b, c->new_score);
  KV(b, "old_stage", c->old_stage);
  KV(b, "stage", c->new_stage);
  KV(b, "old_grade", c->old_grade);
  KV(b, "grade", c->new_grade);
  KV(b, "when", c->notify);
  return put(d, LRP_OUT_NOTIFY, c->contact_id, c->key);
}

int lrp_decisions_flush(lrp_decisions *d) {
  if (!d->on) return LR_OK;
  int rc = write_pending(d);
  if (rc != LR_OK || !d->staged) return rc;
  d->scratch += 2 * d->staged;         /* each inserted, then deleted */
  d->staged = 0;
  return lrs_outbox_unstage(d->db);
}
