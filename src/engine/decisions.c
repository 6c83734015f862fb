/*
** decisions.c -- a run's decisions as outbox rows (decisions.h).  The
** payload is the row as a notifier delivers it, less its id:
** {"kind", "at", "key", ...what was decided..., "run"}.
*/
#include <string.h>

#include "../store/realtime_io.h"
#include "../util/timefmt.h"
#include "decisions.h"

static const char *const KIND[] = { "move", "handoff", "account_move",
                                    "account_handoff", "notify" };

void lrp_decisions_init(lrp_decisions *d, lr_db *db, long long now,
                        long long run_id, int on) {
  memset(d, 0, sizeof *d);
  d->db = db;
  d->now = now;
  d->run_id = run_id;
  d->on = on;
}

void lrp_decisions_free(lrp_decisions *d) { lrb_free(&d->buf); }

static void kv_str(lr_buf *b, const char *k, const char *v) {
  lrb_printf(b, ",\"%s\":", k);
  if (v) lrb_json_str(b, v, strlen(v));
  else lrb_adds(b, "null");
}

static void kv_time(lr_buf *b, const char *k, long long t) {
  char iso[40];
  if (t) lru_iso(t, iso, sizeof iso);
  kv_str(b, k, t ? iso : NULL);
}

static void head(lrp_decisions *d, int section, const char *key) {
  lrb_reset(&d->buf);
  lrb_printf(&d->buf, "{\"kind\":\"%s\"", KIND[section]);
  kv_time(&d->buf, "at", d->now);
  kv_str(&d->buf, "key", key);
}

/* Close the payload and write it: moves now, the rest staged. */
static int put(lrp_decisions *d, int section, long long id, const char *key) {
  lr_buf *b = &d->buf;
  lrb_printf(b, ",\"run\":%lld}", d->run_id);
  if (b->oom) return lr__err(d->db, LR_NOMEM, "out of memory");
  const char *kind = KIND[section];
  if (section == LRP_OUT_MOVE)
    return lrs_outbox_add(d->db, d->now, kind, id, key, d->run_id, b->p, NULL);
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
  kv_str(&d->buf, "from", from);
  kv_str(&d->buf, "to", to);
  kv_str(&d->buf, "transition", transition);
  kv_str(&d->buf, "reason", reason);
  return put(d, section, id, key);
}

int lrp_decisions_handoff(lrp_decisions *d, int section, long long id,
                          const char *key, const char *stage,
                          const char *owner, long long due) {
  if (!d->on) return LR_OK;
  head(d, section, key);
  kv_str(&d->buf, "stage", stage);
  kv_str(&d->buf, "owner", owner);
  kv_time(&d->buf, "due", due);
  return put(d, section, id, key);
}

int lrp_decisions_notify(lrp_decisions *d, const lr_change *c) {
  if (!d->on) return LR_OK;
  lr_buf *b = &d->buf;
  head(d, LRP_OUT_NOTIFY, c->key);
  lrb_adds(b, ",\"old_score\":");
  lrb_json_num(b, c->old_score);
  lrb_adds(b, ",\"score\":");
  lrb_json_num(b, c->new_score);
  kv_str(b, "old_stage", c->old_stage);
  kv_str(b, "stage", c->new_stage);
  kv_str(b, "old_grade", c->old_grade);
  kv_str(b, "grade", c->new_grade);
  kv_str(b, "when", c->notify);
  return put(d, LRP_OUT_NOTIFY, c->contact_id, c->key);
}

int lrp_decisions_flush(lrp_decisions *d) {
  if (!d->on || !d->staged) return LR_OK;
  d->scratch += 2 * d->staged;         /* each inserted, then deleted */
  d->staged = 0;
  return lrs_outbox_unstage(d->db);
}
