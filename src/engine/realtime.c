/*
** realtime.c -- lr_apply_events: append a group of events, re-evaluate the
** contacts they touch, all in one transaction (the run records its
** decisions in the outbox: decisions.h).
**
** The evaluation is lr_run itself, nested in this transaction (a
** savepoint) and reading it (lrs_read_own_writes): the same path, the
** same routing state and the same order as a full run, so a decision made
** here is the one `run` would make.  The policy's main Lua state is used
** (one job), so a server keeps one loaded state across requests.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/apply.h"
#include "../store/manual.h"
#include "../store/realtime_io.h"
#include "model.h"
#include "worker.h"

typedef struct touched {
  long long id;
  char *key;
  long long *events;
  int n_events, cap_events;
  int created;
} touched;

typedef struct apply {
  lr_policy *p;
  lr_db *db;
  long long now, run_id;
  touched *t;                        /* sorted by id at the end */
  long long nt, cap;
  long long *ids;                    /* the t[].id, for the run and report */
} apply;

/* The key as stored: trimmed, and lowercased for an email key. */
static char *norm_key(lr_db *db, const char *key) {
  while (*key == ' ' || *key == '\t') key++;
  size_t n = strlen(key);
  while (n && (key[n - 1] == ' ' || key[n - 1] == '\t')) n--;
  char *k = malloc(n + 1);
  if (!k) return NULL;
  memcpy(k, key, n);
  k[n] = '\0';
  if (strcmp(lrs_key_field(db), "email") == 0)
    for (size_t i = 0; i < n; i++)
      if (k[i] >= 'A' && k[i] <= 'Z') k[i] += 32;
  return k;
}

static int add_event(touched *t, long long ev) {
  if (t->n_events == t->cap_events) {
    int cap = t->cap_events ? t->cap_events * 2 : 2;
    long long *v = realloc(t->events, (size_t)cap * sizeof *v);
    if (!v) return LR_NOMEM;
    t->events = v;
    t->cap_events = cap;
  }
  t->events[t->n_events++] = ev;
  return LR_OK;
}

/* The entry for contact id, added when new.  Only the last one is looked
** at: entries of one contact are merged once, after sorting (merge_same). */
static touched *touch(apply *a, long long id, const char *key, long long ev) {
  touched *t = a->nt && a->t[a->nt - 1].id == id ? &a->t[a->nt - 1] : NULL;
  if (!t) {
    if (a->nt == a->cap) {
      long long cap = a->cap ? a->cap * 2 : 16;
      touched *v = realloc(a->t, (size_t)cap * sizeof *v);
      if (!v) return NULL;
      a->t = v;
      a->cap = cap;
    }
    t = &a->t[a->nt++];
    memset(t, 0, sizeof *t);
    t->id = id;
    if (!(t->key = strdup(key))) return NULL;
  }
  return add_event(t, ev) == LR_OK ? t : NULL;
}

/* Stable on events: entries of one contact keep their event order. */
static int by_id(const void *x, const void *y) {
  const touched *a = x, *b = y;
  if (a->id != b->id) return a->id < b->id ? -1 : 1;
  return a->events[0] < b->events[0] ? -1 : a->events[0] > b->events[0];
}

/* Sort by id and merge the entries of one contact. */
static int merge_same(apply *a) {
  if (a->nt > 1) qsort(a->t, (size_t)a->nt, sizeof *a->t, by_id);
  long long w = 0;
  int rc = LR_OK;
  for (long long i = 0; i < a->nt; i++) {
    touched *s = &a->t[i];
    if (w && a->t[w - 1].id == s->id) {
      touched *d = &a->t[w - 1];
      for (int k = 0; k < s->n_events && rc == LR_OK; k++)
        rc = add_event(d, s->events[k]);
      d->created |= s->created;
      free(s->key);
      free(s->events);
      continue;
    }
    a->t[w++] = *s;
  }
  a->nt = w;
  return rc == LR_OK ? LR_OK : lr__err(a->db, LR_NOMEM, "out of memory");
}

static void free_apply(apply *a) {
  for (long long i = 0; i < a->nt; i++) {
    free(a->t[i].key);
    free(a->t[i].events);
  }
  free(a->t);
  free(a->ids);
}

/* ---- one event ------------------------------------------------------------ */

static int set_fields(apply *a, long long id, const lr_event *e, long long i,
                      const char *by) {
  for (int f = 0; f < e->n_fields; f++) {
    const char *field = e->fields[2 * f], *value = e->fields[2 * f + 1];
    if (!field || !*field)
      return lr__err(a->db, LR_INPUT, "event %lld: a field without a name", i);
    char name[LRS_NAME_FOLD];
    int rc = lrs_field_name(a->db, field, name, sizeof name);
    lrs_value v;
    if (value) lrs_type_text(value, &v);
    else memset(&v, 0, sizeof v);
    int type, changed;
    if (rc == LR_OK) rc = lrs_field_writable(a->db, name, &v, &type);
    if (rc == LR_OK && strcmp(name, lrs_key_field(a->db)) == 0)
      rc = lr__err(a->db, LR_MISUSE, "'%s' is the key field", name);
    if (rc == LR_OK)
      rc = lrs_field_write(a->db, id, name, &v, by, "event", a->run_id,
                           a->now, &changed);
    if (rc != LR_OK)
      return lr__err(a->db, rc == LR_MISUSE ? LR_INPUT : rc,
                     "event %lld: field '%s': %s", i, field, lr_errmsg(a->db));
  }
  return LR_OK;
}

static int one_event(apply *a, const lr_event *e, long long i, const char *by) {
  if (!e->key || !*e->key)
    return lr__err(a->db, LR_INPUT, "event %lld: no contact key", i);
  if (e->create < 0 || e->create > LR_EVENT_UPSERT)
    return lr__err(a->db, LR_MISUSE, "event %lld: create %d", i, e->create);
  if (!e->type && !e->n_fields && !e->create)
    return lr__err(a->db, LR_INPUT, "event %lld: neither a type nor fields", i);
  if (e->type && !*e->type)
    return lr__err(a->db, LR_INPUT, "event %lld: empty type", i);
  if (e->at && (e->at < LR_TIME_MIN || e->at > LR_TIME_MAX))
    return lr__err(a->db, LR_INPUT, "event %lld: time out of range", i);
  char *key = norm_key(a->db, e->key);
  if (!key) return lr__err(a->db, LR_NOMEM, "out of memory");
  long long id;
  int created = 0;
  int rc = *key ? lrs_rt_contact(a->db, key, e->create, a->now, &id, &created)
                : lr__err(a->db, LR_INPUT, "event %lld: no contact key", i);
  if (rc == LR_OK && !id)
    rc = lr__err(a->db, LR_NOTFOUND, "event %lld: no contact with key '%s' "
                 "(send \"create\" to add it)", i, key);
  if (rc == LR_OK && (created || e->create != LR_EVENT_CREATE))
    rc = set_fields(a, id, e, i, by);
  if (rc == LR_OK && e->type)
    rc = lrs_rt_activity(a->db, id, e->type, e->at ? e->at : a->now,
                         e->has_value, e->value, e->campaign, a->now);
  touched *t = rc == LR_OK ? touch(a, id, key, i) : NULL;
  if (rc == LR_OK && !t) rc = lr__err(a->db, LR_NOMEM, "out of memory");
  if (t) t->created |= created;
  free(key);
  return rc;
}

/* ---- the kept worker -------------------------------------------------------- */

void lrp_realtime_free(lr_policy *p) {
  if (!p || !p->rt_worker) return;
  lrp_worker_close(p->rt_worker);
  free(p->rt_worker);
  p->rt_worker = NULL;
}

/* The worker lr_apply_events keeps on the policy's main instance: its scan
** statements stay prepared on the writer's connection, so a request pays
** no parse (preparing a policy's SQL segments under the authorizer also
** expired every statement the writer had cached).  Opened again when the
** schema changed (its SELECT * would see other columns); its evaluation
** context is renewed each call (the clock, and the lead's field table,
** which another entry point on this policy may have re-mapped). */
static int kept_worker(apply *a, volatile int *cancel, lrp_worker **out) {
  lr_policy *p = a->p;
  int version, rc = lrs_schema_version(a->db, &version);
  if (rc != LR_OK) return rc;
  if (p->rt_worker && p->rt_schema != version) lrp_realtime_free(p);
  lrp_worker *w = p->rt_worker;
  if (!w) {
    char err[2048] = "";
    if (!(w = calloc(1, sizeof *w))) return lr__err(a->db, LR_NOMEM, "out of memory");
    rc = lrp_worker_open(w, p, 0, a->now, 0, NULL, err, sizeof err);
    if (rc != LR_OK) {
      lrp_worker_close(w);
      free(w);
      return lr__err(a->db, rc, "%s", err);
    }
    p->rt_worker = w;
    p->rt_schema = version;
  }
  const char *const *cols;
  int ncols = lrs_scan_columns(w->scan, &cols);
  lrp_eval_free(&w->ev);
  lrp_eval_init(&w->ev, w->in, w->snap, cols, ncols, a->now);
  w->in->rt->cancel = cancel;
  lrs_scan_limits(w->scan, cancel, 10 * w->in->rt->max_instructions);
  *out = w;
  return LR_OK;
}

static int evaluate(apply *a, const lr_apply_opts *o, lr_run_result *res) {
  long long *ids = a->ids = malloc((size_t)(a->nt ? a->nt : 1) * sizeof *ids);
  if (!ids) return lr__err(a->db, LR_NOMEM, "out of memory");
  for (long long i = 0; i < a->nt; i++) ids[i] = a->t[i].id;
  int rc = lrs_rt_flush(a->db);          /* the events' activities, read next */
  if (rc != LR_OK) return rc;
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  ro.now = a->now;
  ro.jobs = 1;
  ro.collect = 1;
  ro.cancel = o->cancel;
  ro.ids = ids;                       /* sorted, distinct: merge_same */
  ro.n_ids = a->nt;
  lrp_worker *w = NULL;
  rc = kept_worker(a, o->cancel, &w);
  if (rc == LR_OK) rc = lrp_run_on(a->p, &ro, res, w);
  if (w) {
    lrs_scan_idle(w->scan);           /* no snapshot held past the commit */
    w->in->rt->cancel = NULL;         /* o->cancel may not outlive the call */
    lrs_scan_limits(w->scan, NULL, 10 * w->in->rt->max_instructions);
  }
  a->run_id = res->run_id;
  return rc;
}

/* ---- after the commit ------------------------------------------------------ */

static void report(apply *a, const lr_run_result *res, lr_touched_fn fn,
                   void *ctx) {
  long long mi = 0, hi = 0;
  long long nm = lr_run_move_count(res), nh = lr_run_handoff_count(res);
  int began = lrs_rt_state_begin(a->db, a->ids, a->ids ? a->nt : 0);
  for (long long i = 0; i < a->nt; i++) {
    touched *t = &a->t[i];
    lrs_rt_state c;
    if (lrs_rt_state_read(a->db, t->id, &c) != LR_OK) continue;
    lr_touched out;
    memset(&out, 0, sizeof out);
    out.contact_id = t->id;
    out.key = t->key;
    out.events = t->events;
    out.n_events = t->n_events;
    out.created = t->created;
    out.score = c.score;
    out.grade = c.grade;
    out.grades = c.grades;
    out.scores = c.scores;
    out.stage = c.stage;
    out.owner = c.owner;
    out.run_id = res->run_id;
    while (mi < nm && lr_run_move(res, mi)->contact_id < t->id) mi++;
    if (mi < nm && lr_run_move(res, mi)->contact_id == t->id) {
      out.moves = lr_run_move(res, mi);
      while (mi < nm && lr_run_move(res, mi)->contact_id == t->id) {
        out.n_moves++;
        mi++;
      }
    }
    while (hi < nh && lr_run_handoff(res, hi)->contact_id < t->id) hi++;
    if (hi < nh && lr_run_handoff(res, hi)->contact_id == t->id)
      out.handoff = lr_run_handoff(res, hi);
    fn(ctx, &out);
  }
  lrs_rt_state_end(a->db, began);
}

/* ---- the entry point --------------------------------------------------------- */

/* PostgreSQL finds the events' contacts with one query, not one each. */
static int find_keys(apply *a, const lr_event *ev, long long n) {
  if (!lrs_is_pg(a->db) || n < 2) return LR_OK;
  char **keys = calloc((size_t)n, sizeof *keys);
  long long k = 0;
  int rc = keys ? LR_OK : LR_NOMEM;
  for (long long i = 0; i < n && rc == LR_OK; i++) {
    if (!ev[i].key) continue;
    if (!(keys[k++] = norm_key(a->db, ev[i].key))) rc = LR_NOMEM;
  }
  if (rc == LR_OK) rc = lrs_rt_keys(a->db, (const char *const *)keys, k);
  else lr__err(a->db, rc, "out of memory");
  for (long long i = 0; keys && i < k; i++) free(keys[i]);
  free(keys);
  return rc;
}

static int apply_all(apply *a, const lr_event *ev, long long n,
                     const lr_apply_opts *o, lr_run_result *res,
                     long long *failed) {
  const char *by = o->by ? o->by : "events";
  int rc = find_keys(a, ev, n);
  for (long long i = 0; i < n && rc == LR_OK; i++) {
    rc = one_event(a, &ev[i], i, by);
    if (rc != LR_OK) *failed = i;
  }
  if (rc != LR_OK) return rc;
  rc = merge_same(a);
  if (rc == LR_OK) rc = evaluate(a, o, res);
  return rc;
}

int lr_apply_events(lr_policy *p, const lr_event *ev, long long n,
                    const lr_apply_opts *opts, lr_touched_fn fn, void *ctx,
                    long long *failed) {
  long long fail_local;
  if (!failed) failed = &fail_local;
  *failed = -1;
  if (!lrp_policy_ok(p) || (!ev && n) || n < 0) return LR_MISUSE;
  lr_db *db = p->db;
  lr_apply_opts o;
  apply a;
  memset(&a, 0, sizeof a);
  a.p = p;
  a.db = db;
  if (lr__opts(db, &o, sizeof o, opts, "lr_apply_events") != LR_OK ||
      lr__clock(db, o.now, "lr_apply_events", &a.now) != LR_OK)
    return lr_errcode(db);
  lr_run_result res;
  memset(&res, 0, sizeof res);
  int rc = lrs_rt_begin(db);
  if (rc == LR_OK) {
    lrs_read_own_writes(db, 1);
    /* The run nested in it takes no savepoint: any failure rolls all of
    ** this transaction back (lrs_nest_flat). */
    lrs_nest_flat(db, 1);
    rc = apply_all(&a, ev, n, &o, &res, failed);
    lrs_nest_flat(db, 0);
    if (rc == LR_OK) rc = lrs_commit(db);
    if (rc != LR_OK) lrs_rollback(db);
    lrs_read_own_writes(db, 0);
  }
  lrs_rt_end(db);
  if (rc == LR_OK && fn) report(&a, &res, fn, ctx);
  lr_run_result_free(&res);
  free_apply(&a);
  return rc == LR_OK ? lr__ok(db) : rc;
}
