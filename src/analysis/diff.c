/*
** diff.c -- lr_diff: what a policy change would do, before it touches
** data.  Both policies are evaluated on the same contacts and the same
** `now`, writing nothing: two workers (lrp_worker + lrp_eval_contact, the
** path lr_run uses) scan the same id ranges in lockstep, so each contact
** is seen under old and new at once and nothing per contact is kept but
** the N largest score changes.  The engine's pool evaluates chunks of ids
** on threads, each with its own pair of workers, and the chunks' counts
** are merged in id order.
*/
#include <ctype.h>
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/store.h"
#include "outfmt.h"
#include "../engine/pool.h"

#define NBUCKETS 13

/* Score-change buckets: (-inf,-100] (-100,-50] (-50,-20] (-20,-10]
** (-10,-5] (-5,0) 0 (0,5) [5,10) [10,20) [20,50) [50,100) [100,inf). */
static const double EDGE[] = {100, 50, 20, 10, 5};
static const char *const BUCKET[NBUCKETS] = {
  "(-inf, -100]", "(-100, -50]", "(-50, -20]", "(-20, -10]", "(-10, -5]",
  "(-5, 0)", "0", "(0, 5)", "[5, 10)", "[10, 20)", "[20, 50)", "[50, 100)",
  "[100, inf)",
};

static int bucket_of(double d) {
  if (d == 0) return 6;
  if (d < 0) {
    for (int k = 0; k < 5; k++)
      if (d <= -EDGE[k]) return k;
    return 5;
  }
  for (int k = 0; k < 5; k++)
    if (d >= EDGE[k]) return 12 - k;
  return 7;
}

typedef struct mover {
  long long id;
  char *key;
  double old_score, new_score;
  int old_stage, new_stage;           /* union stage indexes */
} mover;

/* A contact whose final stage differs, and why: the transition that
** took it to its final stage under each policy and the rules whose points
** differ most for it. */
#define WHY_RULES 3
typedef struct why_rule {
  const char *name;                   /* model-owned */
  double old_points, new_points;
} why_rule;

typedef struct changer {
  char *key;
  double old_score, new_score;
  int old_stage, new_stage;           /* union stage indexes */
  int old_transition, new_transition; /* last move's transition, or -1 */
  why_rule rule[WHY_RULES];
  int nrule;
} changer;

typedef struct differ {
  lr_policy *po, *pn;
  const lrp_model *mo, *mn;
  long long now;
  int top;
  /* stages of both policies by name: old's in order, then new-only */
  const char **stage;
  int nstage;
  int *map_old, *map_new;             /* model stage -> union index */
  long long *matrix;                  /* [old * nstage + new] */
  long long evaluated, score_changes, up, down, stage_changes;
  double sum, min, max;
  long long bucket[NBUCKETS];
  long long *fired_old, *fired_new;   /* per rule of each model */
  long long *moved_old, *moved_new;   /* per transition: moves made */
  mover *heap;                        /* min-heap: the weakest mover on top */
  int nheap;
  int *rule_old;                      /* new rule index -> old one, or -1 */
  long long list;                     /* stage changes kept (< 0: all) */
  changer *chg;                       /* the first `list` in id order */
  long long nchg, capchg;
} differ;

/* ---- the N largest changes ------------------------------------------------ */

/* a moves less than b: smaller |change|, or equal and a later id. */
static int weaker(const mover *a, const mover *b) {
  double x = fabs(a->new_score - a->old_score);
  double y = fabs(b->new_score - b->old_score);
  if (x != y) return x < y;
  return a->id > b->id;
}

static void sift_down(mover *h, int n, int i) {
  for (;;) {
    int l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && weaker(&h[l], &h[m])) m = l;
    if (r < n && weaker(&h[r], &h[m])) m = r;
    if (m == i) return;
    mover t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

static int offer(differ *d, const mover *mv) {
  if (d->top <= 0) return LR_OK;
  if (d->nheap == d->top && !weaker(&d->heap[0], mv)) return LR_OK;
  char *key = strdup(mv->key);
  if (!key) return LR_NOMEM;
  if (d->nheap < d->top) {
    int i = d->nheap++;
    d->heap[i] = *mv;
    d->heap[i].key = key;
    while (i > 0 && weaker(&d->heap[i], &d->heap[(i - 1) / 2])) {
      mover t = d->heap[i];
      d->heap[i] = d->heap[(i - 1) / 2];
      d->heap[(i - 1) / 2] = t;
      i = (i - 1) / 2;
    }
  } else {
    free(d->heap[0].key);
    d->heap[0] = *mv;
    d->heap[0].key = key;
    sift_down(d->heap, d->nheap, 0);
  }
  return LR_OK;
}

static int stronger_first(const void *a, const void *b) {
  const mover *x = a, *y = b;
  return weaker(x, y) ? 1 : weaker(y, x) ? -1 : 0;
}

/* ---- contacts that change stage -------------------------------------------- */

static int last_transition(const lrp_result *r) {
  for (int k = r->nmoves - 1; k >= 0; k--)
    if (r->moves[k].transition >= 0) return r->moves[k].transition;
  return -1;
}

/* Put (name, old, new) into the WHY_RULES largest |new - old| of x. */
static void why_offer(changer *x, const char *name, double o, double n) {
  if (o == n) return;
  int i = x->nrule;
  if (i == WHY_RULES) {
    i = WHY_RULES - 1;
    if (fabs(n - o) <= fabs(x->rule[i].new_points - x->rule[i].old_points)) return;
  } else {
    x->nrule++;
  }
  x->rule[i] = (why_rule){name, o, n};
  for (; i > 0; i--) {                /* keep them largest first */
    why_rule *a = &x->rule[i - 1], *b = &x->rule[i];
    if (fabs(a->new_points - a->old_points) >= fabs(b->new_points - b->old_points))
      break;
    why_rule t = *a;
    *a = *b;
    *b = t;
  }
}

/* The rules, matched by name, whose points differ for this contact. */
static void why_rules(const differ *d, changer *x, const lrp_result *ro,
                      const lrp_result *rn) {
  const lrp_model *mo = d->mo, *mn = d->mn;
  for (int j = 0; j < mn->nrules; j++) {
    int i = d->rule_old[j];
    why_offer(x, mn->rules[j].name, i >= 0 ? ro->part[i] : 0, rn->part[j]);
  }
  for (int i = 0; i < mo->nrules; i++) {
    int matched = 0;
    for (int j = 0; j < mn->nrules && !matched; j++) matched = d->rule_old[j] == i;
    if (!matched) why_offer(x, mo->rules[i].name, ro->part[i], 0);
  }
}

static int keep_change(differ *d, const changer *x) {
  if (d->list >= 0 && d->nchg >= d->list) return LR_OK;
  if (d->nchg == d->capchg) {
    long long cap = d->capchg ? d->capchg * 2 : 16;
    changer *v = realloc(d->chg, (size_t)cap * sizeof *v);
    if (!v) return LR_NOMEM;
    d->chg = v;
    d->capchg = cap;
  }
  char *key = strdup(x->key);
  if (!key) return LR_NOMEM;
  d->chg[d->nchg] = *x;
  d->chg[d->nchg++].key = key;
  return LR_OK;
}

static void changes_free(differ *d) {
  for (long long i = 0; i < d->nchg; i++) free(d->chg[i].key);
  free(d->chg);
  d->chg = NULL;
  d->nchg = d->capchg = 0;
}

/* ---- evaluation in lockstep ----------------------------------------------- */

static int stage_union(differ *d) {
  const lrp_model *mo = d->mo, *mn = d->mn;
  d->stage = calloc((size_t)(mo->nstages + mn->nstages) + 1, sizeof *d->stage);
  d->map_old = calloc((size_t)mo->nstages + 1, sizeof *d->map_old);
  d->map_new = calloc((size_t)mn->nstages + 1, sizeof *d->map_new);
  if (!d->stage || !d->map_old || !d->map_new) return LR_NOMEM;
  for (int i = 0; i < mo->nstages; i++) {
    d->map_old[i] = d->nstage;
    d->stage[d->nstage++] = mo->stages[i].name;
  }
  for (int i = 0; i < mn->nstages; i++) {
    int k = 0;
    while (k < d->nstage && strcasecmp(d->stage[k], mn->stages[i].name)) k++;
    if (k == d->nstage) d->stage[d->nstage++] = mn->stages[i].name;
    d->map_new[i] = k;
  }
  return LR_OK;
}

/* The counters of a differ (the total, or one chunk's share). */
static int tally_init(differ *d) {
  d->matrix = calloc((size_t)d->nstage * (size_t)d->nstage + 1,
                     sizeof *d->matrix);
  d->fired_old = calloc((size_t)d->mo->nrules + 1, sizeof *d->fired_old);
  d->fired_new = calloc((size_t)d->mn->nrules + 1, sizeof *d->fired_new);
  d->moved_old = calloc((size_t)d->mo->ntransitions + 1, sizeof *d->moved_old);
  d->moved_new = calloc((size_t)d->mn->ntransitions + 1, sizeof *d->moved_new);
  d->heap = calloc((size_t)d->top + 1, sizeof *d->heap);
  return d->matrix && d->fired_old && d->fired_new && d->moved_old &&
         d->moved_new && d->heap ? LR_OK : LR_NOMEM;
}

static void tally_free(differ *d) {
  for (int i = 0; i < d->nheap; i++) free(d->heap[i].key);
  free(d->heap);
  free(d->matrix);
  free(d->fired_old);
  free(d->fired_new);
  free(d->moved_old);
  free(d->moved_new);
  d->heap = NULL;
  d->matrix = d->fired_old = d->fired_new = d->moved_old = d->moved_new = NULL;
  d->nheap = 0;
}

/* Add a chunk's counters to the total.  The result does not depend on
** how contacts were shared out: counts add up, the heap order is total,
** and score sums are added per chunk in chunk order by the caller. */
static int tally_merge(differ *d, const differ *t) {
  if (t->evaluated) {
    if (!d->evaluated || t->min < d->min) d->min = t->min;
    if (!d->evaluated || t->max > d->max) d->max = t->max;
  }
  d->evaluated += t->evaluated;
  d->score_changes += t->score_changes;
  d->up += t->up;
  d->down += t->down;
  d->stage_changes += t->stage_changes;
  for (int k = 0; k < NBUCKETS; k++) d->bucket[k] += t->bucket[k];
  for (int i = 0; i < d->nstage * d->nstage; i++) d->matrix[i] += t->matrix[i];
  for (int i = 0; i < d->mo->nrules; i++) d->fired_old[i] += t->fired_old[i];
  for (int i = 0; i < d->mn->nrules; i++) d->fired_new[i] += t->fired_new[i];
  for (int i = 0; i < d->mo->ntransitions; i++) d->moved_old[i] += t->moved_old[i];
  for (int i = 0; i < d->mn->ntransitions; i++) d->moved_new[i] += t->moved_new[i];
  for (int i = 0; i < t->nheap; i++)
    if (offer(d, &t->heap[i]) != LR_OK) return LR_NOMEM;
  for (long long i = 0; i < t->nchg; i++)
    if (keep_change(d, &t->chg[i]) != LR_OK) return LR_NOMEM;
  return LR_OK;
}

static int account(differ *d, const lrs_contact *c, const lrp_result *ro,
                   const lrp_result *rn) {
  d->evaluated++;
  int so = d->map_old[ro->stage], sn = d->map_new[rn->stage];
  d->matrix[so * d->nstage + sn]++;
  if (so != sn) d->stage_changes++;
  double delta = rn->score - ro->score;
  if (d->evaluated == 1 || delta < d->min) d->min = delta;
  if (d->evaluated == 1 || delta > d->max) d->max = delta;
  d->sum += delta;
  d->bucket[bucket_of(delta)]++;
  if (delta != 0) {
    d->score_changes++;
    if (delta > 0) d->up++;
    else d->down++;
  }
  for (int i = 0; i < d->mo->nrules; i++) d->fired_old[i] += ro->fired[i] != 0;
  for (int i = 0; i < d->mn->nrules; i++) d->fired_new[i] += rn->fired[i] != 0;
  for (int k = 0; k < ro->nmoves; k++)
    if (ro->moves[k].transition >= 0) d->moved_old[ro->moves[k].transition]++;
  for (int k = 0; k < rn->nmoves; k++)
    if (rn->moves[k].transition >= 0) d->moved_new[rn->moves[k].transition]++;
  if (so != sn) {
    changer x;
    memset(&x, 0, sizeof x);
    x.key = (char *)c->key;
    x.old_score = ro->score;
    x.new_score = rn->score;
    x.old_stage = so;
    x.new_stage = sn;
    x.old_transition = last_transition(ro);
    x.new_transition = last_transition(rn);
    why_rules(d, &x, ro, rn);
    if (keep_change(d, &x) != LR_OK) return LR_NOMEM;
  }
  if (delta == 0) return LR_OK;
  mover mv = {c->id, (char *)c->key, ro->score, rn->score, so, sn};
  return offer(d, &mv);
}

/* Evaluate ids lo..hi under both policies, in lockstep, into t. */
static int diff_chunk(lrp_worker *wo, lrp_worker *wn, differ *t, long long lo,
                      long long hi, char *err, size_t errlen) {
  int s1 = lrs_scan_range(wo->scan, lo, hi);
  int s2 = lrs_scan_range(wn->scan, lo, hi);
  const lrs_contact *co = NULL, *cn = NULL;
  int go = s1 == LR_OK ? lrs_scan_next(wo->scan, &co) : -s1;
  int gn = s2 == LR_OK ? lrs_scan_next(wn->scan, &cn) : -s2;
  while (go == 1 && gn == 1) {
    /* Both read the committed state; should a writer slip in between the
    ** two snapshots, a contact only one side sees is skipped. */
    if (co->id != cn->id) {
      if (co->id < cn->id) go = lrs_scan_next(wo->scan, &co);
      else gn = lrs_scan_next(wn->scan, &cn);
      continue;
    }
    lrp_worker *failed = wo;
    int rc = lrp_eval_contact(&wo->ev, co, &wo->res);
    if (rc == LR_OK) {
      failed = wn;
      rc = lrp_eval_contact(&wn->ev, cn, &wn->res);
    }
    if (rc != LR_OK) {
      snprintf(err, errlen, "%s", failed->ev.err);
      return rc;
    }
    if (account(t, co, &wo->res, &wn->res) != LR_OK) {
      snprintf(err, errlen, "out of memory");
      return LR_NOMEM;
    }
    go = lrs_scan_next(wo->scan, &co);
    gn = lrs_scan_next(wn->scan, &cn);
  }
  if (go < 0 || gn < 0) {
    lrp_worker *w = go < 0 ? wo : wn;
    int rc = go < 0 ? -go : -gn;
    snprintf(err, errlen, "reading contacts: %s", lrs_snap_errmsg(w->snap));
    return rc == LR_OK ? LR_ERROR : rc;
  }
  return LR_OK;
}

/* Zero a chunk's counters for its next chunk. */
static void tally_reset(differ *t) {
  for (int i = 0; i < t->nheap; i++) free(t->heap[i].key);
  t->nheap = 0;
  for (long long i = 0; i < t->nchg; i++) free(t->chg[i].key);
  t->nchg = 0;
  t->evaluated = t->score_changes = t->up = t->down = t->stage_changes = 0;
  t->sum = t->min = t->max = 0;
  memset(t->bucket, 0, sizeof t->bucket);
  memset(t->matrix, 0, (size_t)t->nstage * (size_t)t->nstage * sizeof *t->matrix);
  memset(t->fired_old, 0, (size_t)t->mo->nrules * sizeof *t->fired_old);
  memset(t->fired_new, 0, (size_t)t->mn->nrules * sizeof *t->fired_new);
  memset(t->moved_old, 0, (size_t)t->mo->ntransitions * sizeof *t->moved_old);
  memset(t->moved_new, 0, (size_t)t->mn->ntransitions * sizeof *t->moved_new);
}

static int on_slot_init(void *ctx, void *slot) {
  differ *t = slot;
  *t = *(const differ *)ctx;          /* shares the stage maps, not counters */
  t->nheap = 0;
  t->chg = NULL;
  t->nchg = t->capchg = 0;
  return tally_init(t);
}

static void on_slot_free(void *ctx, void *slot) {
  (void)ctx;
  tally_free(slot);
  changes_free(slot);
}

static int on_chunk(void *ctx, lrp_worker *w, lrp_chunk *c) {
  (void)ctx;
  differ *t = c->slot;
  tally_reset(t);
  int rc = diff_chunk(&w[0], &w[1], t, c->lo, c->hi, c->err, sizeof c->err);
  c->evaluated = t->evaluated;
  return rc;
}

/* In id order, so the score sum adds up the same for any --jobs. */
static int on_consume(void *ctx, lrp_chunk *c) {
  differ *d = ctx;
  const differ *t = c->slot;
  if (tally_merge(d, t) != LR_OK) {
    snprintf(c->err, sizeof c->err, "out of memory");
    return LR_NOMEM;
  }
  d->sum += t->sum;
  return LR_OK;
}

static int evaluate(differ *d, const lr_diff_opts *o) {
  lr_db *db = d->po->db;
  long long total = 0, lo = 0, hi = -1;
  if (lrs_contact_span(lrs_snap_main(db), &total, &lo, &hi) != LR_OK)
    return lrs_snap_report(lrs_snap_main(db), "counting contacts");
  lrp_pool pl = {
    .policy = { d->po, d->pn }, .npolicies = 2,
    .now = d->now, .cancel = o->cancel, .jobs = o->jobs, .lo = lo, .hi = hi,
    .total = total, .ctx = d, .slot_size = sizeof(differ),
    .slot_init = on_slot_init, .slot_free = on_slot_free, .chunk = on_chunk,
    .consume = on_consume, .progress = o->progress,
    .progress_ctx = o->progress_ctx,
  };
  d->sum = 0;
  return lrp_pool_run_as(&pl, db, "diff");
}

/* ---- rules compared by name ----------------------------------------------- */

/* The text of a rule's function, from `function` to its last `end`,
** whitespace collapsed; empty when it has none. */
static void fn_text(lr_policy *p, int ref, lr_buf *out) {
  if (ref == LUA_NOREF || ref == LUA_REFNIL) return;
  lua_State *L = p->main.rt->L;
  lua_Debug ar;
  memset(&ar, 0, sizeof ar);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  if (!lua_isfunction(L, -1)) {
    lua_pop(L, 1);
    lrb_adds(out, "?");
    return;
  }
  if (!lua_getinfo(L, ">S", &ar) || ar.linedefined <= 0) {   /* pops it */
    lrb_adds(out, "?");
    return;
  }
  const char *s = p->source, *end = p->source + p->source_len;
  for (int line = 1; line < ar.linedefined && s < end; s++)
    if (*s == '\n') line++;
  const char *e = s;
  for (int line = ar.linedefined; e < end; e++)
    if (*e == '\n' && ++line > ar.lastlinedefined) break;
  const char *f = NULL;
  for (const char *q = s; q + 8 <= e && !f; q++)
    if (memcmp(q, "function", 8) == 0) f = q;
  if (!f) f = s;
  const char *last = NULL;
  for (const char *q = f; q + 3 <= e; q++)
    if (memcmp(q, "end", 3) == 0) last = q + 3;
  if (last) e = last;
  int space = 0;
  for (const char *q = f; q < e; q++) {
    if (isspace((unsigned char)*q)) {
      space = 1;
      continue;
    }
    if (space && out->n) lrb_addc(out, ' ');
    space = 0;
    lrb_addc(out, *q);
  }
}

static const char *kind_of(const lrp_rule *r) {
  return r->score_ref != LUA_NOREF ? "score function"
         : r->when_ref != LUA_NOREF ? "when function" : "segment only";
}

static int same_str(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static void num_change(lr_buf *b, const char *what, int ha, double a, int hb,
                       double bb) {
  if (ha == hb && (!ha || a == bb)) return;
  char x[64], y[64];
  if (ha) lrp_fmt_num(x, sizeof x, a);
  else snprintf(x, sizeof x, "none");
  if (hb) lrp_fmt_num(y, sizeof y, bb);
  else snprintf(y, sizeof y, "none");
  lrb_printf(b, "%s%s %s -> %s", b->n ? "; " : "", what, x, y);
}

static void str_change(lr_buf *b, const char *what, const char *x,
                       const char *y) {
  if (same_str(x, y)) return;
  lrb_printf(b, "%s%s %s -> %s", b->n ? "; " : "", what, x ? x : "none",
             y ? y : "none");
}

/* Does the text of a function differ between old (ref a) and new (b)? */
static int fn_changed(differ *d, int a, int b) {
  lr_buf x = LR_BUF_INIT, y = LR_BUF_INIT;
  fn_text(d->po, a, &x);
  fn_text(d->pn, b, &y);
  int changed = strcmp(lrb_str(&x), lrb_str(&y)) != 0;
  lrb_free(&x);
  lrb_free(&y);
  return changed;
}

/* What changed between two rules of the same name ("" when nothing). */
static void rule_changes(differ *d, const lrp_rule *a, const lrp_rule *b,
                         lr_buf *out) {
  num_change(out, "points", a->has_points, a->points, b->has_points, b->points);
  num_change(out, "max", a->has_max, a->max, b->has_max, b->max);
  num_change(out, "min", a->has_min, a->min, b->has_min, b->min);
  str_change(out, "group", a->group, b->group);
  str_change(out, "segment", a->segment >= 0 ? d->mo->segments[a->segment].name : NULL,
             b->segment >= 0 ? d->mn->segments[b->segment].name : NULL);
  if (strcmp(kind_of(a), kind_of(b)))
    lrb_printf(out, "%s%s -> %s", out->n ? "; " : "", kind_of(a), kind_of(b));
  else if (strcmp(kind_of(a), "segment only") &&
           fn_changed(d, a->score_ref != LUA_NOREF ? a->score_ref : a->when_ref,
                      b->score_ref != LUA_NOREF ? b->score_ref : b->when_ref))
    lrb_printf(out, "%s%s changed", out->n ? "; " : "", kind_of(a));
  if (!same_str(a->description, b->description))
    lrb_printf(out, "%sdescription changed", out->n ? "; " : "");
}

typedef struct rulerow {
  const char *name;
  int o, n;                           /* rule index in each, or -1 */
  const char *status;
  char *changes;
} rulerow;

/* Fill r: its name, its index in old and in new (-1: not there) and what
** changed (ch, released here).  LR_NOMEM when the copy fails. */
static int set_row(rulerow *r, const char *name, int o, int n, lr_buf *ch) {
  r->name = name;
  r->o = o;
  r->n = n;
  r->status = o < 0 ? "added" : n < 0 ? "removed" : ch->n ? "changed" : "same";
  r->changes = strdup(lrb_str(ch));
  lrb_free(ch);
  return r->changes ? LR_OK : LR_NOMEM;
}

static int rule_rows(differ *d, rulerow **out, int *nout) {
  const lrp_model *mo = d->mo, *mn = d->mn;
  rulerow *v = calloc((size_t)(mo->nrules + mn->nrules) + 1, sizeof *v);
  if (!v) return LR_NOMEM;
  int n = 0;
  for (int i = 0; i < mo->nrules; i++) {
    int j = 0;
    while (j < mn->nrules && strcmp(mn->rules[j].name, mo->rules[i].name)) j++;
    if (j == mn->nrules) j = -1;
    lr_buf ch = LR_BUF_INIT;
    if (j >= 0) rule_changes(d, &mo->rules[i], &mn->rules[j], &ch);
    if (set_row(&v[n++], mo->rules[i].name, i, j, &ch) != LR_OK)
      return *out = v, *nout = n, LR_NOMEM;
  }
  for (int j = 0; j < mn->nrules; j++) {
    int i = 0;
    while (i < mo->nrules && strcmp(mo->rules[i].name, mn->rules[j].name)) i++;
    if (i < mo->nrules) continue;
    lr_buf none = LR_BUF_INIT;
    if (set_row(&v[n++], mn->rules[j].name, -1, j, &none) != LR_OK)
      return *out = v, *nout = n, LR_NOMEM;
  }
  *out = v;
  *nout = n;
  return LR_OK;
}

/* Transitions, matched by "from->to" (the n-th of a label with the
** n-th): changed when the `when` text or the reason differs. */
static int same_label_index(const lrp_model *m, int t) {
  int k = 0;
  for (int i = 0; i < t; i++) k += strcmp(m->transitions[i].label, m->transitions[t].label) == 0;
  return k;
}

static int find_transition(const lrp_model *m, const char *label, int nth) {
  for (int i = 0; i < m->ntransitions; i++)
    if (strcmp(m->transitions[i].label, label) == 0 && nth-- == 0) return i;
  return -1;
}

static int transition_rows(differ *d, rulerow **out, int *nout) {
  const lrp_model *mo = d->mo, *mn = d->mn;
  rulerow *v = calloc((size_t)(mo->ntransitions + mn->ntransitions) + 1, sizeof *v);
  if (!v) return LR_NOMEM;
  int n = 0;
  for (int i = 0; i < mo->ntransitions; i++) {
    const lrp_transition *a = &mo->transitions[i];
    int j = find_transition(mn, a->label, same_label_index(mo, i));
    lr_buf ch = LR_BUF_INIT;
    if (j >= 0) {
      const lrp_transition *b = &mn->transitions[j];
      if (fn_changed(d, a->when_ref, b->when_ref))
        lrb_adds(&ch, "when function changed");
      str_change(&ch, "reason", a->reason, b->reason);
    }
    if (set_row(&v[n++], a->label, i, j, &ch) != LR_OK)
      return *out = v, *nout = n, LR_NOMEM;
  }
  for (int j = 0; j < mn->ntransitions; j++) {
    const lrp_transition *b = &mn->transitions[j];
    if (find_transition(mo, b->label, same_label_index(mn, j)) >= 0) continue;
    lr_buf none = LR_BUF_INIT;
    if (set_row(&v[n++], b->label, -1, j, &none) != LR_OK)
      return *out = v, *nout = n, LR_NOMEM;
  }
  *out = v;
  *nout = n;
  return LR_OK;
}

/* ---- output ------------------------------------------------------------------ */

static const char *path_of(lr_policy *p) { return p->path ? p->path : p->name; }

/* Rules or transitions matched by name, each with a count under either
** policy: one layout for the text table and the JSON member. */
typedef struct rowset {
  const char *key;                    /* JSON member */
  const char *title;                  /* text heading */
  const char *head;                   /* what a row is: "rule" */
  const char *count;                  /* what is counted: "fired" */
  const rulerow *rows;
  int n;
  const long long *old, *new;         /* by rule index in each policy */
} rowset;

/* What the writers read: the tallies and the two row sets. */
typedef struct view {
  const differ *d;
  rowset set[2];
} view;

static void make_view(const differ *d, const rulerow *rows, int nrows,
                      const rulerow *trows, int ntrows, view *v) {
  v->d = d;
  v->set[0] = (rowset){"rules",
                       "\nRules (fired: contacts the rule fires on under each "
                       "policy)\n",
                       "rule", "fired", rows, nrows, d->fired_old,
                       d->fired_new};
  v->set[1] = (rowset){"transitions",
                       "\nTransitions (moves: contacts each one moves under "
                       "each policy)\n",
                       "transition", "moves", trows, ntrows, d->moved_old,
                       d->moved_new};
}

/* ---- text ---- */

static void text_summary(const differ *d, lrp_out *o) {
  char when[40];
  lrp_iso(d->now, when, sizeof when);
  lrp_outf(o, "diff       %s -> %s\n", path_of(d->po), path_of(d->pn));
  lrp_outf(o, "now        %s\n", when);
  lrp_outf(o, "contacts   %lld evaluated: %lld score changes (%lld up, %lld "
              "down), %lld stage changes\n", d->evaluated, d->score_changes,
           d->up, d->down, d->stage_changes);
}

/* Old stage by new stage, with the totals of each row and column. */
static void text_matrix(const differ *d, lrp_out *o) {
  lrp_outs(o, "\nFinal stage (rows: old policy, columns: new policy)\n");
  lrp_table t;
  char align[32];
  int cols = d->nstage + 2 < 31 ? d->nstage + 2 : 31;
  memset(align, 'r', (size_t)cols);
  align[0] = 'l';
  align[cols] = '\0';
  lrp_table_init(&t, align);
  lrp_table_cell(&t, "old \\ new");
  for (int j = 0; j < cols - 2; j++) lrp_table_cell(&t, "%s", d->stage[j]);
  lrp_table_cell(&t, "total");
  for (int i = 0; i < cols - 2; i++) {
    long long row = 0;
    lrp_table_cell(&t, "%s", d->stage[i]);
    for (int j = 0; j < cols - 2; j++) {
      long long n = d->matrix[i * d->nstage + j];
      row += n;
      lrp_table_cell(&t, "%lld", n);
    }
    lrp_table_cell(&t, "%lld", row);
  }
  lrp_table_cell(&t, "total");
  for (int j = 0; j < cols - 2; j++) {
    long long col = 0;
    for (int i = 0; i < d->nstage; i++) col += d->matrix[i * d->nstage + j];
    lrp_table_cell(&t, "%lld", col);
  }
  lrp_table_cell(&t, "%lld", d->evaluated);
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);
}

/* Mean, min and max of the change, and the buckets that hold contacts. */
static void text_scores(const differ *d, lrp_out *o) {
  char a[64], b[64], c[64];
  lrp_outs(o, "\nScore change (new - old)\n");
  if (d->evaluated) {
    lrp_fmt_num(a, sizeof a, d->sum / (double)d->evaluated);
    lrp_fmt_num(b, sizeof b, d->min);
    lrp_fmt_num(c, sizeof c, d->max);
    lrp_outf(o, "  mean %s, min %s, max %s\n", a, b, c);
  }
  lrp_table t;
  lrp_table_init(&t, "rr");
  lrp_table_cell(&t, "change");
  lrp_table_cell(&t, "contacts");
  for (int k = 0; k < NBUCKETS; k++) {
    if (!d->bucket[k]) continue;
    lrp_table_cell(&t, "%s", BUCKET[k]);
    lrp_table_cell(&t, "%lld", d->bucket[k]);
  }
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);
}

static void text_movers(const differ *d, lrp_out *o) {
  lrp_outf(o, "\nContacts that change most (by |score change|, top %d; * = new stage)\n",
           d->top);
  if (!d->nheap) {
    lrp_outs(o, "  (no score changes)\n");
    return;
  }
  char a[64];
  lrp_table t;
  lrp_table_init(&t, "lrrrll");
  lrp_table_cell(&t, "contact");
  lrp_table_cell(&t, "old");
  lrp_table_cell(&t, "new");
  lrp_table_cell(&t, "change");
  lrp_table_cell(&t, "old stage");
  lrp_table_cell(&t, "new stage");
  for (int i = 0; i < d->nheap; i++) {
    const mover *m = &d->heap[i];
    lrp_table_cell(&t, "%s", m->key);
    lrp_fmt_num(a, sizeof a, m->old_score);
    lrp_table_cell(&t, "%s", a);
    lrp_fmt_num(a, sizeof a, m->new_score);
    lrp_table_cell(&t, "%s", a);
    lrp_fmt_num(a, sizeof a, m->new_score - m->old_score);
    lrp_table_cell(&t, "%s%s", m->new_score > m->old_score ? "+" : "", a);
    lrp_table_cell(&t, "%s", d->stage[m->old_stage]);
    lrp_table_cell(&t, "%s%s", d->stage[m->new_stage],
                   m->new_stage != m->old_stage ? " *" : "");
  }
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);
}

/* "old: lead->mql; new: mql->sql; rules: demo +50 (0 -> 50)" */
static void why_text(const differ *d, const changer *x, lr_buf *b) {
  lrb_printf(b, "old: %s; new: %s",
             x->old_transition >= 0 ? d->mo->transitions[x->old_transition].label
                                    : "no move",
             x->new_transition >= 0 ? d->mn->transitions[x->new_transition].label
                                    : "no move");
  for (int i = 0; i < x->nrule; i++) {
    char a[64], c[64];
    lrp_fmt_num(a, sizeof a, x->rule[i].old_points);
    lrp_fmt_num(c, sizeof c, x->rule[i].new_points);
    lrb_printf(b, "%s%s %s -> %s", i ? ", " : "; rules: ", x->rule[i].name, a, c);
  }
}

static void text_changes(const differ *d, lrp_out *o) {
  lrp_outf(o, "\nContacts that change stage (%lld", d->stage_changes);
  if (d->nchg < d->stage_changes) lrp_outf(o, "; the first %lld by id", d->nchg);
  lrp_outs(o, "; why: the transition to the final stage under each policy, "
              "and the rules whose points differ most)\n");
  if (!d->nchg) {
    lrp_outs(o, "  (no stage changes)\n");
    return;
  }
  char a[64], b[64];
  lrp_table t;
  lrp_table_init(&t, "lllrrl");
  lrp_table_cell(&t, "contact");
  lrp_table_cell(&t, "old stage");
  lrp_table_cell(&t, "new stage");
  lrp_table_cell(&t, "old score");
  lrp_table_cell(&t, "new score");
  lrp_table_cell(&t, "why");
  for (long long i = 0; i < d->nchg; i++) {
    const changer *x = &d->chg[i];
    lr_buf why = LR_BUF_INIT;
    why_text(d, x, &why);
    lrp_fmt_num(a, sizeof a, x->old_score);
    lrp_fmt_num(b, sizeof b, x->new_score);
    lrp_table_cell(&t, "%s", x->key);
    lrp_table_cell(&t, "%s", d->stage[x->old_stage]);
    lrp_table_cell(&t, "%s", d->stage[x->new_stage]);
    lrp_table_cell(&t, "%s", a);
    lrp_table_cell(&t, "%s", b);
    lrp_table_cell(&t, "%s", lrb_str(&why));
    lrb_free(&why);
  }
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);
}

static void text_rowset(const rowset *s, lrp_out *o) {
  lrp_outs(o, s->title);
  lrp_table t;
  lrp_table_init(&t, "llrrl");
  lrp_table_cell(&t, "%s", s->head);
  lrp_table_cell(&t, "status");
  lrp_table_cell(&t, "old %s", s->count);
  lrp_table_cell(&t, "new %s", s->count);
  lrp_table_cell(&t, "what changed");
  for (int i = 0; i < s->n; i++) {
    const rulerow *r = &s->rows[i];
    lrp_table_cell(&t, "%s", r->name);
    lrp_table_cell(&t, "%s", r->status);
    if (r->o >= 0) lrp_table_cell(&t, "%lld", s->old[r->o]);
    else lrp_table_cell(&t, "-");
    if (r->n >= 0) lrp_table_cell(&t, "%lld", s->new[r->n]);
    else lrp_table_cell(&t, "-");
    lrp_table_cell(&t, "%s", r->changes);
  }
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);
}

static void write_text(const view *v, lrp_out *o) {
  text_summary(v->d, o);
  text_matrix(v->d, o);
  text_scores(v->d, o);
  text_movers(v->d, o);
  text_changes(v->d, o);
  for (int k = 0; k < 2; k++) text_rowset(&v->set[k], o);
}

/* ---- JSON ---- */

static void json_summary(const differ *d, lrp_out *o) {
  char when[40];
  lrp_iso(d->now, when, sizeof when);
  lrp_outs(o, "{\n  \"old\": ");
  lrp_out_json_str(o, path_of(d->po));
  lrp_outs(o, ",\n  \"new\": ");
  lrp_out_json_str(o, path_of(d->pn));
  lrp_outf(o, ",\n  \"old_hash\": \"%s\",\n  \"new_hash\": \"%s\",\n"
              "  \"now\": \"%s\",\n  \"evaluated\": %lld,\n"
              "  \"score_changes\": %lld,\n  \"up\": %lld,\n  \"down\": %lld,\n"
              "  \"stage_changes\": %lld",
           d->po->hash, d->pn->hash, when, d->evaluated, d->score_changes,
           d->up, d->down, d->stage_changes);
}

/* The stage names, then the matrix as one array per old stage. */
static void json_matrix(const differ *d, lrp_out *o) {
  lrp_outs(o, ",\n  \"stages\": [");
  for (int i = 0; i < d->nstage; i++) {
    if (i) lrp_outs(o, ", ");
    lrp_out_json_str(o, d->stage[i]);
  }
  lrp_outs(o, "],\n  \"matrix\": [");
  for (int i = 0; i < d->nstage; i++) {
    lrp_outs(o, i ? ",\n    [" : "\n    [");
    for (int j = 0; j < d->nstage; j++)
      lrp_outf(o, "%s%lld", j ? ", " : "", d->matrix[i * d->nstage + j]);
    lrp_outs(o, "]");
  }
  lrp_outs(o, "\n  ]");
}

/* "score_delta": mean, min, max and every bucket, empty ones too. */
static void json_scores(const differ *d, lrp_out *o) {
  lrp_outs(o, ",\n  \"score_delta\": {\"mean\": ");
  lrp_out_json_num(o, d->evaluated ? d->sum / (double)d->evaluated : NAN);
  lrp_outs(o, ", \"min\": ");
  lrp_out_json_num(o, d->evaluated ? d->min : NAN);
  lrp_outs(o, ", \"max\": ");
  lrp_out_json_num(o, d->evaluated ? d->max : NAN);
  lrp_outs(o, ", \"buckets\": [");
  for (int k = 0; k < NBUCKETS; k++)
    lrp_outf(o, "%s\n    {\"range\": \"%s\", \"contacts\": %lld}",
             k ? "," : "", BUCKET[k], d->bucket[k]);
  lrp_outs(o, "\n  ]}");
}

static void json_movers(const differ *d, lrp_out *o) {
  lrp_outs(o, ",\n  \"top\": [");
  for (int i = 0; i < d->nheap; i++) {
    const mover *m = &d->heap[i];
    lrp_outs(o, i ? ",\n    {\"key\": " : "\n    {\"key\": ");
    lrp_out_json_str(o, m->key);
    lrp_outs(o, ", \"old_score\": ");
    lrp_out_json_num(o, m->old_score);
    lrp_outs(o, ", \"new_score\": ");
    lrp_out_json_num(o, m->new_score);
    lrp_outs(o, ", \"delta\": ");
    lrp_out_json_num(o, m->new_score - m->old_score);
    lrp_outs(o, ", \"old_stage\": ");
    lrp_out_json_str(o, d->stage[m->old_stage]);
    lrp_outs(o, ", \"new_stage\": ");
    lrp_out_json_str(o, d->stage[m->new_stage]);
    lrp_outs(o, "}");
  }
  lrp_outs(o, d->nheap ? "\n  ]" : "]");
}

static void json_transition(const lrp_model *m, int t, lrp_out *o) {
  if (t >= 0) lrp_out_json_str(o, m->transitions[t].label);
  else lrp_outs(o, "null");
}

static void json_changes(const differ *d, lrp_out *o) {
  lrp_outf(o, ",\n  \"stage_changes_listed\": %lld,\n  \"stage_change_list\": [",
           d->nchg);
  for (long long i = 0; i < d->nchg; i++) {
    const changer *x = &d->chg[i];
    lrp_outs(o, i ? ",\n    {\"key\": " : "\n    {\"key\": ");
    lrp_out_json_str(o, x->key);
    lrp_outs(o, ", \"old_stage\": ");
    lrp_out_json_str(o, d->stage[x->old_stage]);
    lrp_outs(o, ", \"new_stage\": ");
    lrp_out_json_str(o, d->stage[x->new_stage]);
    lrp_outs(o, ", \"old_score\": ");
    lrp_out_json_num(o, x->old_score);
    lrp_outs(o, ", \"new_score\": ");
    lrp_out_json_num(o, x->new_score);
    lrp_outs(o, ", \"old_transition\": ");
    json_transition(d->mo, x->old_transition, o);
    lrp_outs(o, ", \"new_transition\": ");
    json_transition(d->mn, x->new_transition, o);
    lrp_outs(o, ", \"rules\": [");
    for (int k = 0; k < x->nrule; k++) {
      lrp_outs(o, k ? ", {\"name\": " : "{\"name\": ");
      lrp_out_json_str(o, x->rule[k].name);
      lrp_outs(o, ", \"old_points\": ");
      lrp_out_json_num(o, x->rule[k].old_points);
      lrp_outs(o, ", \"new_points\": ");
      lrp_out_json_num(o, x->rule[k].new_points);
      lrp_outs(o, "}");
    }
    lrp_outs(o, "]}");
  }
  lrp_outs(o, d->nchg ? "\n  ]" : "]");
}

static void json_rowset(const rowset *s, lrp_out *o) {
  lrp_outf(o, ",\n  \"%s\": [", s->key);
  for (int i = 0; i < s->n; i++) {
    const rulerow *r = &s->rows[i];
    lrp_outf(o, "%s\n    {\"name\": ", i ? "," : "");
    lrp_out_json_str(o, r->name);
    lrp_outf(o, ", \"status\": \"%s\", \"old_%s\": ", r->status, s->count);
    if (r->o >= 0) lrp_outf(o, "%lld", s->old[r->o]);
    else lrp_outs(o, "null");
    lrp_outf(o, ", \"new_%s\": ", s->count);
    if (r->n >= 0) lrp_outf(o, "%lld", s->new[r->n]);
    else lrp_outs(o, "null");
    lrp_outs(o, ", \"changes\": ");
    lrp_out_json_str(o, r->changes);
    lrp_outs(o, "}");
  }
  lrp_outs(o, s->n ? "\n  ]" : "]");
}

static void write_json(const view *v, lrp_out *o) {
  json_summary(v->d, o);
  json_matrix(v->d, o);
  json_scores(v->d, o);
  json_movers(v->d, o);
  json_changes(v->d, o);
  for (int k = 0; k < 2; k++) json_rowset(&v->set[k], o);
  lrp_outs(o, "\n}\n");
}

/* ---- the entry point ----------------------------------------------------------- */

int lr_diff(lr_policy *po, lr_policy *pn, const lr_diff_opts *opts,
            lr_write_fn write, void *ctx) {
  if (!lrp_policy_ok(po) || !lrp_policy_ok(pn)) return LR_MISUSE;
  lr_db *db = po->db;
  if (pn->db != db)
    return lr__err(db, LR_MISUSE, "diff: both policies must be loaded on the "
                   "same database");
  lr_diff_opts o;
  if (lr__opts(db, &o, sizeof o, opts, "lr_diff") != LR_OK)
    return lr_errcode(db);
  if (o.format != LR_FMT_TEXT && o.format != LR_FMT_JSON)
    return lr__err(db, LR_MISUSE, "diff: output is text or JSON");
  if (o.top < 0)
    return lr__err(db, LR_MISUSE, "diff: top must not be negative");
  if (lrp_accounts_pg_refuse(po) != LR_OK ||
      lrp_accounts_pg_refuse(pn) != LR_OK)
    return lr_errcode(db);
  differ d;
  memset(&d, 0, sizeof d);
  d.po = po;
  d.pn = pn;
  d.mo = &po->main.m;
  d.mn = &pn->main.m;
  if (lr__clock(db, o.now, "lr_diff", &d.now) != LR_OK) return lr_errcode(db);
  d.top = o.top ? o.top : 10;
  d.list = o.stage_list ? o.stage_list : 50;
  d.rule_old = calloc((size_t)d.mn->nrules + 1, sizeof *d.rule_old);
  for (int j = 0; d.rule_old && j < d.mn->nrules; j++) {
    d.rule_old[j] = -1;
    for (int i = 0; i < d.mo->nrules && d.rule_old[j] < 0; i++)
      if (strcmp(d.mo->rules[i].name, d.mn->rules[j].name) == 0) d.rule_old[j] = i;
  }
  rulerow *rows = NULL, *trows = NULL;
  int nrows = 0, ntrows = 0;
  int rc = d.rule_old ? stage_union(&d) : LR_NOMEM;
  if (rc == LR_OK) rc = tally_init(&d);
  if (rc != LR_OK) lr__err(db, rc, "out of memory");
  if (rc == LR_OK) rc = evaluate(&d, &o);
  if (rc == LR_OK) {
    if (d.nheap) qsort(d.heap, (size_t)d.nheap, sizeof *d.heap, stronger_first);
    rc = rule_rows(&d, &rows, &nrows);
    if (rc == LR_OK) rc = transition_rows(&d, &trows, &ntrows);
    if (rc != LR_OK) lr__err(db, rc, "out of memory");
  }
  if (rc == LR_OK) {
    lrp_out out;
    lrp_out_init(&out, write, ctx);
    view v;
    make_view(&d, rows, nrows, trows, ntrows, &v);
    if (o.format == LR_FMT_JSON) write_json(&v, &out);
    else write_text(&v, &out);
    rc = lrp_out_done(&out);
    if (rc != LR_OK)
      lr__err(db, rc, rc == LR_NOMEM ? "out of memory"
                                     : "diff: writing the report failed");
  }
  for (int i = 0; i < nrows; i++) free(rows[i].changes);
  free(rows);
  for (int i = 0; i < ntrows; i++) free(trows[i].changes);
  free(trows);
  tally_free(&d);
  changes_free(&d);
  free(d.rule_old);
  free(d.stage);
  free(d.map_old);
  free(d.map_new);
  return rc == LR_OK ? lr__ok(db) : rc;
}
