/*
** run.c -- lr_run: apply a policy to every contact in one transaction.
**
** Contacts are split into id ranges ("chunks").  Workers (one Lua state and
** one read-only connection each) evaluate chunks and describe what changed;
** the single writer applies chunks strictly in id order, so the result,
** including round-robin routing, is the same for any number of workers.
** Only chunks in flight are held in memory.
*/
#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/grow.h"
#include "../store/apply.h"
#include "../store/changed.h"
#include "../store/scan.h"
#include "../util/arena.h"
#include "account_run.h"
#include "decisions.h"
#include "eval.h"
#include "filter.h"
#include "pool.h"
#include "scope.h"
#include "routing.h"
#include "stable.h"
#include "worker.h"

#define F_SCORE 0x01
#define F_STAGE 0x02
#define F_GRADE 0x04
#define F_SCORES 0x08
#define F_PARTS 0x10
#define F_SEGS 0x20
#define F_UNLOCK 0x40                 /* --override-manual ends the lock */
#define F_OWNER 0x80                  /* clear the owner unless handed off */
#define F_SPELL 0x100                 /* stored stage differs only in case */
#define F_STABLE 0x200                /* stable_until changes */

typedef struct rec {
  long long id;
  const char *key;
  unsigned flags;
  double old_score, score;
  const char *old_stage;              /* as stored (NULL when none) */
  int stage;
  const char *grade, *grades, *scores;
  const char *old_grade;              /* as stored (NULL when none) */
  lrp_move *moves;
  int nmoves;
  int *part_rule;                     /* parts to write: rule indexes, */
  double *part_pts;                   /* their points, */
  unsigned char *part_new;            /* 1: not stored yet (else update) */
  int nparts;
  const char **part_del;              /* stored parts no longer earned */
  int npart_del;
  int *seg_add;
  int nseg_add;
  const char **seg_del;
  int nseg_del;
  int handoff, leaf_router;
  const char *fn_owner;
  const char *error;
  long long stable;                   /* stable_until to write (F_STABLE) */
  int notify;                         /* lrp_result.notify */
  int via_account;                    /* account_owner{}: routed in step 3 */
  const char *account;                /* the contact's account key */
} rec;

/* A chunk's records: the pool's slot. */
typedef struct chunk {
  rec *recs;
  int n, cap;
  long long held;                     /* transitions manual locks held back */
  int reads_others;                   /* a rule read other contacts */
  lr_arena arena;
  lrp_members members;                /* matched contacts' results */
} chunk;

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- worker side: evaluate a chunk into records ---------------------- */


/* The declared stages, for the runs row: a report reads its funnel order
** from the latest run when no policy is given.  NULL when out of memory
** (the row then has none). */
static char *stages_json(const lrp_model *m) {
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "{\"funnel\": [");
  for (int i = 0; i < m->nstages; i++) {
    if (i == m->nfunnel) lrb_adds(&b, "], \"side\": [");
    else if (i) lrb_adds(&b, ", ");
    lrb_json_str(&b, m->stages[i].name, strlen(m->stages[i].name));
  }
  if (m->nstages <= m->nfunnel) lrb_adds(&b, "], \"side\": [");
  lrb_adds(&b, "]}");
  char *s = b.oom ? NULL : strdup(lrb_str(&b));
  lrb_free(&b);
  return s;
}

static int str_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static rec *new_rec(chunk *ch) {
  if (ch->n == ch->cap) {
    int cap = ch->cap ? ch->cap * 2 : 256;
    rec *v = realloc(ch->recs, (size_t)cap * sizeof *v);
    if (!v) return NULL;
    ch->recs = v;
    ch->cap = cap;
  }
  rec *r = &ch->recs[ch->n++];
  memset(r, 0, sizeof *r);
  r->handoff = -1;
  r->leaf_router = -1;
  return r;
}

#define ADUP(s) ((s) ? lra_strdup(&ch->arena, (s)) : NULL)

/* The score parts to write, rule by rule: a part earned for the first
** time is inserted, one whose points or group changed is updated, one no
** longer earned is deleted; the rest stay (a day's change is one or two
** parts, not all of them).  Stored parts are ordered by rule name, as
** rule_order is. */
static int diff_parts(lrp_worker *w, chunk *ch, const lrs_contact *c,
                      const lrp_result *res, rec *r) {
  const lrp_model *m = &w->in->m;
  size_t n = (size_t)m->nrules + 1, nd = (size_t)c->nparts + 1;
  r->part_rule = lra_alloc(&ch->arena, n * sizeof *r->part_rule);
  r->part_pts = lra_alloc(&ch->arena, n * sizeof *r->part_pts);
  r->part_new = lra_alloc(&ch->arena, n);
  r->part_del = lra_alloc(&ch->arena, nd * sizeof *r->part_del);
  if (!r->part_rule || !r->part_pts || !r->part_new || !r->part_del)
    return LR_NOMEM;
  int k = 0;
  for (int oi = 0; oi <= m->nrules; oi++) {
    const char *name = oi < m->nrules ? m->rules[w->rule_order[oi]].name : NULL;
    for (; k < c->nparts && (!name || strcmp(c->parts[k].rule, name) < 0); k++)
      if (!(r->part_del[r->npart_del++] = ADUP(c->parts[k].rule)))
        return LR_NOMEM;
    if (!name) break;
    int i = w->rule_order[oi];
    const lrs_part *sp = k < c->nparts && strcmp(c->parts[k].rule, name) == 0
                             ? &c->parts[k++] : NULL;
    if (res->part[i] == 0) {
      if (sp && !(r->part_del[r->npart_del++] = ADUP(sp->rule))) return LR_NOMEM;
      continue;
    }
    if (sp && sp->points == res->part[i] && str_eq(sp->grp, m->rules[i].group))
      continue;
    r->part_rule[r->nparts] = i;
    r->part_pts[r->nparts] = res->part[i];
    r->part_new[r->nparts++] = sp == NULL;
  }
  return LR_OK;
}

/* Does the run change what the contact's next evaluation reads (a move,
** a handoff or routing, which reads shared state, an owner cleared, a
** lock ended; with SQL segments, which may read any column, any write)?
** Then it is evaluated again next run: stable_until is now (stable.h). */
static int state_written(const lrp_worker *w, const lrp_result *res,
                         unsigned flags) {
  unsigned state = F_STAGE | F_UNLOCK | F_OWNER;
  if (w->in->m.nsql_segments) state = ~0u;
  return (flags & state) || res->handoff >= 0;
}

/* Compare the evaluation with what is stored; keep a record if anything
** must be written. */
static int diff_contact(lrp_worker *w, chunk *ch, const lrs_contact *c,
                        const lrp_result *res) {
  const lrp_model *m = &w->in->m;
  unsigned flags = 0;
  if (res->score != c->score) flags |= F_SCORE;
  if (res->nmoves) flags |= F_STAGE;
  /* Stage names match in any case; the store keeps the declared one, so
  ** that readers comparing exactly (export --stage, report) agree. */
  else if (res->stage >= 0 && c->stage &&
           strcmp(c->stage, m->stages[res->stage].name) != 0)
    flags |= F_SPELL;
  if (res->lock == LRP_LOCK_OVERRIDDEN) flags |= F_UNLOCK;
  /* grade (the first, kept for compatibility) and grades go together */
  const char *grade = m->ngrades ? res->grades[0] : NULL;
  lr_buf sb = LR_BUF_INIT, gb = LR_BUF_INIT;
  if (m->ngrades) lrp_json_grades(&gb, m, res);
  const char *grades = m->ngrades ? lrb_str(&gb) : NULL;
  if (!str_eq(grade, c->grade) || !str_eq(grades, c->grades)) flags |= F_GRADE;
  if (m->ngroups) lrp_json_scores(&sb, m, res);
  const char *scores = m->ngroups ? lrb_str(&sb) : NULL;
  if (!str_eq(scores, c->scores)) flags |= F_SCORES;
  if (sb.oom || gb.oom) {
    lrb_free(&sb);
    lrb_free(&gb);
    return LR_NOMEM;
  }
  /* parts: stored rows are ordered by rule name */
  int k = 0, parts_same = 1;
  for (int oi = 0; oi < m->nrules && parts_same; oi++) {
    int i = w->rule_order[oi];
    if (res->part[i] == 0) continue;
    if (k >= c->nparts || strcmp(c->parts[k].rule, m->rules[i].name) ||
        c->parts[k].points != res->part[i] ||
        !str_eq(c->parts[k].grp, m->rules[i].group))
      parts_same = 0;
    k++;
  }
  if (!parts_same || k != c->nparts) flags |= F_PARTS;
  /* segments: stored names ordered by name; compute adds and deletes */
  int add[256], nadd = 0, del[256], ndel = 0, si = 0;
  for (int oi = 0; oi < m->nsegments; oi++) {
    int i = w->seg_order[oi];
    const char *name = m->segments[i].name;
    while (si < c->nsegments && strcmp(c->segments[si], name) < 0) {
      if (ndel < 256) del[ndel++] = si;
      si++;
    }
    int stored = si < c->nsegments && strcmp(c->segments[si], name) == 0;
    if (stored) si++;
    if (res->member[i] == 1 && !stored && nadd < 256) add[nadd++] = i;
    if (res->member[i] != 1 && stored && ndel < 256) del[ndel++] = si - 1;
  }
  while (si < c->nsegments) {
    if (ndel < 256) del[ndel++] = si;
    si++;
  }
  if (nadd || ndel) flags |= F_SEGS;
  if (res->clear_owner && ((c->owner && *c->owner) || c->assigned_at))
    flags |= F_OWNER;
  int forced = state_written(w, res, flags);
  long long su = forced ? w->ev.now : w->ev.stable;
  if (lrp_stable_changed(c->stable_until, su, w->ev.now, forced))
    flags |= F_STABLE;
  if (!flags && res->handoff < 0) {
    lrb_free(&sb);
    lrb_free(&gb);
    return LR_OK;
  }
  rec *r = new_rec(ch);
  if (!r) {
    lrb_free(&sb);
    lrb_free(&gb);
    return LR_NOMEM;
  }
  r->id = c->id;
  r->key = ADUP(c->key);
  r->flags = flags;
  r->old_score = c->score;
  r->score = res->score;
  r->old_stage = ADUP(c->stage);
  r->stage = res->stage;
  r->grade = ADUP(grade);   /* the worker (and its model) may be gone when applied */
  r->old_grade = ADUP(c->grade);
  r->grades = (flags & F_GRADE) ? ADUP(grades) : NULL;
  r->scores = (flags & F_SCORES) ? ADUP(scores) : NULL;
  lrb_free(&sb);
  lrb_free(&gb);
  if (res->nmoves) {
    r->moves = lra_alloc(&ch->arena, (size_t)res->nmoves * sizeof *r->moves);
    if (!r->moves) return LR_NOMEM;
    memcpy(r->moves, res->moves, (size_t)res->nmoves * sizeof *r->moves);
    r->nmoves = res->nmoves;
  }
  if ((flags & F_PARTS) && diff_parts(w, ch, c, res, r) != LR_OK)
    return LR_NOMEM;
  if (nadd) {
    r->seg_add = lra_alloc(&ch->arena, (size_t)nadd * sizeof *r->seg_add);
    if (!r->seg_add) return LR_NOMEM;
    memcpy(r->seg_add, add, (size_t)nadd * sizeof *add);
    r->nseg_add = nadd;
  }
  if (ndel) {
    r->seg_del = lra_alloc(&ch->arena, (size_t)ndel * sizeof *r->seg_del);
    if (!r->seg_del) return LR_NOMEM;
    for (int i = 0; i < ndel; i++) r->seg_del[i] = ADUP(c->segments[del[i]]);
    r->nseg_del = ndel;
  }
  r->handoff = res->handoff;
  r->leaf_router = res->leaf_router;
  r->fn_owner = ADUP(res->fn_owner);
  r->stable = su;
  r->notify = res->notify;
  r->via_account = res->via_account;
  r->account = ADUP(lrp_contact_account(w->in, c));
  return LR_OK;
}

/* Evaluate the chunk's contacts: ids lo..hi, or its part of the filter. */
static int eval_chunk(lrp_worker *w, lrp_chunk *pc, const lrp_filter *f,
                      int keep_going) {
  chunk *ch = pc->slot;
  ch->n = 0;
  ch->held = 0;
  ch->reads_others = 0;
  lra_reset(&ch->arena);
  ch->members.n = 0;
  lra_reset(&ch->members.arena);
  /* A filtered run keeps its contacts' members only to name their
  ** accounts (run_accounts re-evaluates those from all their contacts). */
  int members = lrp_has_accounts(w->in);
  int src = f ? lrp_filter_scan(f, pc, w->scan)
              : lrs_scan_range(w->scan, pc->lo, pc->hi);
  const lrs_contact *c;
  int got;
  while (src == LR_OK && (got = lrs_scan_next(w->scan, &c)) == 1) {
    pc->evaluated++;
    int rc = lrp_eval_contact(&w->ev, c, &w->res);
    if (rc != LR_OK) {
      if (!keep_going || rc == LR_INTERRUPT || rc == LR_NOMEM) {
        snprintf(pc->err, sizeof pc->err, "%s", w->ev.err);
        return rc;
      }
      rec *r = new_rec(ch);
      if (!r) return LR_NOMEM;
      r->id = c->id;
      r->key = ADUP(c->key);
      r->error = ADUP(w->ev.err);
      r->stable = w->ev.now;            /* try it again next run */
      if (lrp_stable_changed(c->stable_until, r->stable, w->ev.now, 1))
        r->flags |= F_STABLE;
      continue;
    }
    ch->held += w->res.nheld;
    rc = diff_contact(w, ch, c, &w->res);
    if (rc == LR_OK && members)
      rc = lrp_members_add(&ch->members, &w->in->m, w->in, c, &w->res,
                           w->ev.now);
    if (rc != LR_OK) return rc;
  }
  if (src == LR_OK && got < 0) src = -got;
  ch->reads_others = w->ev.reads_others;
  if (src != LR_OK) return lrp_worker_scan_error(w, src, pc->err, sizeof pc->err);
  return LR_OK;
}

/* ---- the writer -------------------------------------------------------- */

typedef struct res_priv {
  lr_arena arena;
  lr_count *by_owner;
  int cap_owner;
  lr_move *moves;
  long long cap_moves;
  lr_handoff *handoffs;
  long long cap_handoffs;
  long long held;           /* lr_run_held_by_manual */
  int full_reason;          /* lr_run_full_reason */
  char full_why[256];
  lrp_acc_phase *acc;       /* the account step (lr_run_accounts) */
} res_priv;

typedef struct writer {
  lr_policy *p;
  const lrp_model *m;
  const lr_run_opts *o;
  lr_run_result *res;
  res_priv *priv;
  lrp_routing routing;
  long long run_id, now;
  long long *by_transition;           /* per transition; [ntransitions] initial */
  const lrp_filter *filter;           /* opts->ids: only these contacts */
  int changed;                        /* run --changed, incrementally */
  int reads_others;                   /* a rule read other contacts */
  int restart;                        /* ... in a --changed run: go full */
  int apply;                          /* write to the database */
  lrs_changes *changes;               /* a chunk's writes (when apply) */
  lrp_members members;                /* every matched contact's result */
  rec *deferred;                      /* account_owner{} handoffs */
  long long ndeferred, cap_deferred;
  lr_arena darena;                    /* their strings */
  lrp_worker *workers;                /* lrp_run_on's, or NULL */
  lrp_decisions out;                  /* the outbox rows (decisions.h) */
} writer;

static void count_owner(writer *wr, const char *owner) {
  lr_run_result *res = wr->res;
  for (int i = 0; i < res->n_by_owner; i++)
    if (strcmp(res->by_owner[i].name, owner) == 0) {
      res->by_owner[i].n++;
      return;
    }
  if (res->n_by_owner == wr->priv->cap_owner) {
    int cap = wr->priv->cap_owner ? wr->priv->cap_owner * 2 : 8;
    lr_count *v = realloc(res->by_owner, (size_t)cap * sizeof *v);
    if (!v) return;
    res->by_owner = v;
    wr->priv->cap_owner = cap;
  }
  res->by_owner[res->n_by_owner].name = lra_strdup(&wr->priv->arena, owner);
  res->by_owner[res->n_by_owner++].n = 1;
}

static const char *stage_name(const lrp_model *m, int i) {
  return i >= 0 ? m->stages[i].name : NULL;
}

/* Results outlive the policy: copy the model's strings into the result. */
static const char *keep(res_priv *pv, const char *s) {
  return s ? lra_strdup(&pv->arena, s) : NULL;
}

static int collect_move(writer *wr, const rec *r, const lrp_move *mv,
                        const char *reason) {
  res_priv *pv = wr->priv;
  lr_run_result *res = wr->res;
  if (wr->o->collect_max && res->n_move_list >= wr->o->collect_max)
    return LR_OK;
  lr_move *v = lru_grow(res->move_list, res->n_move_list, &pv->cap_moves,
                        sizeof *v, 64);
  if (!v) return LR_NOMEM;
  res->move_list = v;
  lr_move *o = &res->move_list[res->n_move_list++];
  o->contact_id = r->id;
  o->key = lra_strdup(&pv->arena, r->key);
  o->from = keep(pv, mv->from >= 0 ? wr->m->stages[mv->from].name
                                   : r->old_stage);
  o->to = keep(pv, wr->m->stages[mv->to].name);
  o->transition = keep(pv, mv->transition >= 0
                               ? wr->m->transitions[mv->transition].where
                               : NULL);
  o->reason = keep(pv, reason);
  if (!o->key || !o->to || !o->reason) return LR_NOMEM;
  return LR_OK;
}

static int collect_handoff(writer *wr, const rec *r, const char *owner,
                           long long due) {
  res_priv *pv = wr->priv;
  lr_run_result *res = wr->res;
  if (wr->o->collect_max && res->n_handoff_list >= wr->o->collect_max)
    return LR_OK;
  lr_handoff *v = lru_grow(res->handoff_list, res->n_handoff_list,
                           &pv->cap_handoffs, sizeof *v, 64);
  if (!v) return LR_NOMEM;
  res->handoff_list = v;
  lr_handoff *h = &res->handoff_list[res->n_handoff_list++];
  h->contact_id = r->id;
  h->key = lra_strdup(&pv->arena, r->key);
  h->stage = keep(pv, wr->m->stages[r->stage].name);
  h->owner = keep(pv, owner);
  h->at = wr->now;
  h->due = due;
  if (!h->key || !h->stage || !h->owner) return LR_NOMEM;
  return LR_OK;
}

static void keep_error(writer *wr, const rec *r) {
  lr_run_result *res = wr->res;
  res->errors++;
  if (res->n_error_list >= 100) return;
  char **v = realloc(res->error_list, (size_t)(res->n_error_list + 1) * sizeof *v);
  if (!v) return;
  res->error_list = v;
  v[res->n_error_list++] = lra_strdup(&wr->priv->arena, r->error);
}

/* Count and collect the record's moves; add their history rows. */
static int apply_moves(writer *wr, const rec *r) {
  const lrp_model *m = wr->m;
  for (int i = 0; i < r->nmoves; i++) {
    const lrp_move *mv = &r->moves[i];
    char reason[320];
    const char *from = mv->from >= 0 ? m->stages[mv->from].name : r->old_stage;
    if (mv->transition < 0) {
      snprintf(reason, sizeof reason, "initial stage");
    } else {
      const lrp_transition *t = &m->transitions[mv->transition];
      if (t->reason) snprintf(reason, sizeof reason, "%s", t->reason);
      else snprintf(reason, sizeof reason, "transition %s (%s)", t->label, t->where);
    }
    wr->res->moves++;
    wr->by_transition[mv->transition >= 0 ? mv->transition : m->ntransitions]++;
    int rc;
    if (wr->o->collect && (rc = collect_move(wr, r, mv, reason)) != LR_OK) return rc;
    if (wr->apply) {
      rc = lrs_changes_history(wr->changes, r->id, from, m->stages[mv->to].name,
                               reason, mv->transition >= 0
                                   ? m->transitions[mv->transition].label : NULL);
      if (rc == LR_OK)
        rc = lrp_decisions_move(&wr->out, LRP_OUT_MOVE, r->id, r->key, from,
                                m->stages[mv->to].name, mv->transition >= 0
                                    ? m->transitions[mv->transition].where
                                    : NULL, reason);
      if (rc != LR_OK) return rc;
    }
  }
  return LR_OK;
}

/* Add the record's score parts and segment changes. */
static int apply_parts(writer *wr, const rec *r) {
  const lrp_model *m = wr->m;
  lrs_changes *b = wr->changes;
  int rc = LR_OK;
  for (int i = 0; i < r->npart_del && rc == LR_OK; i++)
    rc = lrs_changes_part_del(b, r->id, r->part_del[i]);
  for (int i = 0; i < r->nparts && rc == LR_OK; i++) {
    const lrp_rule *ru = &m->rules[r->part_rule[i]];
    rc = lrs_changes_part(b, r->id, ru->name, ru->group, r->part_pts[i],
                          r->part_new[i]);
  }
  for (int i = 0; i < r->nseg_add && rc == LR_OK; i++)
    rc = lrs_changes_member(b, r->id, m->segments[r->seg_add[i]].name, 1);
  for (int i = 0; i < r->nseg_del && rc == LR_OK; i++)
    rc = lrs_changes_member(b, r->id, r->seg_del[i], 0);
  return rc;
}

/* A handoff through account_owner{} waits for step 3 (account_eval.h). */
static int defer_handoff(writer *wr, const rec *r) {
  rec *v = lru_grow(wr->deferred, wr->ndeferred, &wr->cap_deferred,
                    sizeof *v, 64);
  if (!v) return LR_NOMEM;
  wr->deferred = v;
  rec *d = &v[wr->ndeferred++];
  memset(d, 0, sizeof *d);
  d->id = r->id;
  d->flags = r->flags & F_OWNER;
  d->stage = r->stage;
  d->handoff = r->handoff;
  d->leaf_router = r->leaf_router;
  d->key = lra_strdup(&wr->darena, r->key);
  d->account = r->account ? lra_strdup(&wr->darena, r->account) : NULL;
  d->fn_owner = r->fn_owner ? lra_strdup(&wr->darena, r->fn_owner) : NULL;
  if (!d->key) return LR_NOMEM;
  return LR_OK;
}

static int hand_off(writer *wr, const rec *r, const char *owner);

/* Route the record's handoff, if any: count, assign and collect it.  A
** lead recycled, or entering a handoff stage whose handoff finds nobody
** now, is left without an owner (F_OWNER). */
static int apply_handoff(writer *wr, const rec *r) {
  const char *owner = NULL;
  if (r->via_account) return defer_handoff(wr, r);
  if (r->handoff >= 0 && (r->fn_owner || r->leaf_router >= 0))
    owner = r->fn_owner ? r->fn_owner : lrp_route(&wr->routing, r->leaf_router);
  return hand_off(wr, r, owner);
}

static int hand_off(writer *wr, const rec *r, const char *owner) {
  const lrp_model *m = wr->m;
  if (!owner)
    return wr->apply && (r->flags & F_OWNER)
               ? lrs_changes_unassign(wr->changes, r->id) : LR_OK;
  const lrp_handoff *h = &m->handoffs[r->handoff];
  long long due = h->due ? wr->now + h->due : 0;
  wr->res->handoffs++;
  count_owner(wr, owner);
  int rc;
  if (wr->apply) {
    rc = lrs_changes_assign(wr->changes, r->id, owner,
                            m->stages[h->stage].name, due);
    if (rc == LR_OK)
      rc = lrp_decisions_handoff(&wr->out, LRP_OUT_HANDOFF, r->id, r->key,
                                 m->stages[r->stage].name, owner, due);
    if (rc != LR_OK) return rc;
  }
  if (wr->o->collect && (rc = collect_handoff(wr, r, owner, due)) != LR_OK)
    return rc;
  return LR_OK;
}

/* Tell on_change of a new score or stage, and the outbox of a notify
** { when } verdict on it; on_change's non-zero cancels the run. */
static int notify(writer *wr, const rec *r) {
  if (!(r->flags & (F_SCORE | F_STAGE | F_GRADE))) return LR_OK;
  if (!wr->o->on_change && !(r->notify && wr->out.on)) return LR_OK;
  lr_change chg;
  chg.contact_id = r->id;
  chg.key = r->key;
  chg.old_score = r->old_score;
  chg.new_score = r->score;
  chg.old_stage = r->old_stage;
  chg.new_stage = (r->flags & F_STAGE) ? stage_name(wr->m, r->stage) : r->old_stage;
  chg.old_grade = r->old_grade;
  chg.new_grade = r->grade;
  chg.notify = r->notify ? wr->m->notify_where[r->notify - 1] : NULL;
  int rc = chg.notify && wr->apply ? lrp_decisions_notify(&wr->out, &chg)
                                   : LR_OK;
  if (rc != LR_OK || !wr->o->on_change) return rc;
  if (wr->o->on_change(wr->o->change_ctx, &chg))
    return lr__err(wr->p->db, LR_INTERRUPT, "run cancelled by the change callback");
  return LR_OK;
}

/* The record's stable_until, when it changes (in the contact's update
** when there is one: lrs_changes_stable). */
static int apply_stable(writer *wr, const rec *r) {
  if (!wr->apply || !(r->flags & F_STABLE)) return LR_OK;
  return lrs_changes_stable(wr->changes, r->id,
                            r->stable == LRP_NEVER ? 0 : r->stable);
}

/* Count one record and add its writes to the chunk's batch. */
static int apply_rec(writer *wr, const rec *r) {
  int rc = LR_OK;
  if (r->error) {
    keep_error(wr, r);
    if (wr->apply) rc = lrs_changes_error(wr->changes, r->id, r->error);
    if (rc == LR_OK) rc = apply_stable(wr, r);
    return rc;
  }
  if (r->flags & F_SCORE) wr->res->score_changes++;
  if (r->flags & F_STAGE) wr->res->stage_changes++;
  if (wr->apply && (r->flags & (F_SCORE | F_STAGE | F_GRADE | F_SCORES))) {
    rc = lrs_changes_contact(wr->changes, r->id, (r->flags & F_SCORE) != 0,
                             r->score, (r->flags & F_STAGE)
                                 ? stage_name(wr->m, r->stage) : NULL,
                             (r->flags & F_GRADE) != 0, r->grade, r->grades,
                             (r->flags & F_SCORES) != 0, r->scores);
    if (rc != LR_OK) return rc;
  }
  if ((rc = apply_stable(wr, r)) != LR_OK) return rc;
  if (wr->apply && (r->flags & F_SPELL) &&
      (rc = lrs_changes_spell(wr->changes, r->id,
                              stage_name(wr->m, r->stage))) != LR_OK)
    return rc;
  if (wr->apply && (r->flags & F_UNLOCK) &&
      (rc = lrs_changes_unlock(wr->changes, r->id)) != LR_OK)
    return rc;
  if ((rc = apply_moves(wr, r)) != LR_OK) return rc;
  if (wr->apply && (rc = apply_parts(wr, r)) != LR_OK) return rc;
  if ((rc = apply_handoff(wr, r)) != LR_OK) return rc;
  return notify(wr, r);
}

/* The batch copies what it keeps: the chunk is reused after this. */
static int apply_chunk(writer *wr, const chunk *ch, long long evaluated) {
  /* A --changed run cannot know whom another contact's change affects:
  ** it starts over as a full run (lr_run). */
  if (ch->reads_others) wr->reads_others = 1;
  if (ch->reads_others && wr->changed) {
    wr->restart = 1;
    return lr__err(wr->p->db, LR_ERROR, "a rule read other contacts");
  }
  for (int i = 0; i < ch->n; i++) {
    int rc = apply_rec(wr, &ch->recs[i]);
    if (rc != LR_OK) return rc;
  }
  int rc = wr->apply ? lrs_changes_apply(wr->changes) : LR_OK;
  if (rc != LR_OK) return rc;
  rc = lrp_members_append(&wr->members, &ch->members, wr->m->ngroups);
  if (rc != LR_OK) return lr__err(wr->p->db, rc, "out of memory");
  wr->res->evaluated += evaluated;
  wr->priv->held += ch->held;
  return LR_OK;
}

/* An event's run (a filtered run on lrp_run_on's worker, which reads the
** run's own writes): each touched contact's account, once, re-evaluated
** from all its contacts (account_reeval.c) before step 3 reads owners. */
static int reeval_touched(writer *wr) {
  if (!wr->filter || !wr->workers || !wr->apply ||
      !lrp_has_accounts(&wr->p->main))
    return LR_OK;
  lrp_members_sort(&wr->members);
  int rc = LR_OK;
  for (long long i = 0; i < wr->members.n && rc == LR_OK; i++) {
    const char *key = wr->members.v[i].account;
    if (i && strcmp(key, wr->members.v[i - 1].account) == 0) continue;
    rc = lrp_account_reeval_in(wr->p, wr->workers, key, wr->now, wr->run_id,
                               &wr->routing, &wr->out, NULL);
  }
  return rc;
}

/* Steps 2 and 3 (account_eval.h): the accounts, after every contact of
** the run, then the handoffs that go to an account's owner, in contact id
** order: the account's owner after step 2, else the fallback router. */
static int run_accounts(writer *wr) {
  /* Nothing more to do without account_owner handoffs when no account is
  ** evaluated: the policy has none, or a filtered run (an event) evaluated
  ** only its contacts' accounts; so an event does not read every account. */
  int rc0 = reeval_touched(wr);
  if (rc0 != LR_OK) return rc0;
  if ((wr->filter || !lrp_has_accounts(&wr->p->main)) && !wr->ndeferred)
    return LR_OK;
  lrp_acc_phase *ph = calloc(1, sizeof *ph);
  if (!ph) return lr__err(wr->p->db, LR_NOMEM, "out of memory");
  wr->priv->acc = ph;
  lrp_members_sort(&wr->members);
  ph->p = wr->p;
  ph->now = wr->now;
  ph->run_id = wr->run_id;
  ph->apply = wr->apply;
  /* An account reads all its contacts; a filtered run has only some. */
  ph->stored_only = wr->filter != NULL;
  ph->collect = wr->o->collect;
  ph->collect_max = wr->o->collect_max;
  ph->routing = &wr->routing;
  ph->members = &wr->members;
  ph->out = &wr->out;
  int rc = lrp_acc_phase_run(ph);
  if (rc != LR_OK) return lr__err(wr->p->db, rc, "%s", ph->err);
  for (long long i = 0; i < wr->ndeferred && rc == LR_OK; i++) {
    const rec *d = &wr->deferred[i];
    const char *owner = lrp_acc_phase_owner(ph, d->account);
    if (!owner && (d->fn_owner || d->leaf_router >= 0))
      owner = d->fn_owner ? d->fn_owner : lrp_route(&wr->routing, d->leaf_router);
    rc = hand_off(wr, d, owner);
  }
  if (rc == LR_OK && wr->apply) rc = lrs_changes_apply(wr->changes);
  return rc;
}

/* ---- the pool's callbacks ---------------------------------------------- */

static int chunk_init(void *ctx, void *slot) {
  (void)ctx;
  lra_init(&((chunk *)slot)->arena, 65536);
  lrp_members_init(&((chunk *)slot)->members);
  return LR_OK;
}

static void chunk_free(void *ctx, void *slot) {
  (void)ctx;
  chunk *ch = slot;
  free(ch->recs);
  lra_free(&ch->arena);
  lrp_members_free(&ch->members);
}

static int on_chunk(void *ctx, lrp_worker *w, lrp_chunk *c) {
  const writer *wr = ctx;
  return eval_chunk(w, c, wr->filter, wr->o->keep_going);
}

static void filter_range(void *ctx, lrp_chunk *c) {
  const writer *wr = ctx;
  lrp_filter_range(wr->filter, c);
}

/* In id order: the writer applies each chunk as it comes. */
static int on_consume(void *ctx, lrp_chunk *c) {
  return apply_chunk(ctx, c->slot, c->evaluated);
}

/* Evaluate all chunks and hand them to the writer in order. */
static int run_chunks(writer *wr, long long lo, long long hi,
                      long long total, int jobs) {
  const lr_run_opts *o = wr->o;
  lrp_pool pl = {
    .policy = { wr->p }, .npolicies = 1,
    .now = wr->now, .override_manual = o->override_manual,
    .cancel = o->cancel, .jobs = jobs, .lo = lo, .hi = hi, .total = total,
    .ctx = wr, .slot_size = sizeof(chunk), .slot_init = chunk_init,
    .slot_free = chunk_free, .chunk = on_chunk, .consume = on_consume,
    .progress = o->progress, .progress_ctx = o->progress_ctx,
    .workers = wr->workers,
  };
  if (wr->filter) {                 /* the same pool, chunks of the set */
    pl.range = filter_range;
    pl.nchunks = lrp_filter_chunks(wr->filter);
  }
  int rc = lrp_pool_run(&pl);
  /* The writer's own failures are in db already. */
  if (rc != LR_OK && !pl.in_consume) lr__err(wr->p->db, rc, "%s", pl.err);
  return rc;
}

void lr_run_result_free(lr_run_result *r) {
  if (!r) return;
  res_priv *pv = r->priv_;
  free(r->by_transition);
  free(r->by_owner);
  free(r->move_list);
  free(r->handoff_list);
  free(r->error_list);
  if (pv) {
    lra_free(&pv->arena);
    if (pv->acc) lrp_acc_phase_free(pv->acc);
    free(pv->acc);
    free(pv);
  }
  memset(r, 0, sizeof *r);
}

long long lr_run_held_by_manual(const lr_run_result *r) {
  const res_priv *pv = r ? r->priv_ : NULL;
  return pv ? pv->held : 0;
}

/* Check the options lr_run takes beyond lr__opts; LR code. */
static int check_opts(lr_db *db, const lr_run_opts *o) {
  if (o->collect_max < 0)
    return lr__err(db, LR_MISUSE, "lr_run: collect_max %lld is negative",
                   o->collect_max);
  if (o->n_ids < 0 || (o->n_ids > 0 && !o->ids))
    return lr__err(db, LR_MISUSE, "lr_run: n_ids %lld without ids", o->n_ids);
  if (o->ids && o->changed)
    return lr__err(db, LR_MISUSE, "lr_run: ids and changed together");
  char ferr[160];
  if (lrp_filter_check(o->ids, o->n_ids, ferr, sizeof ferr) != LR_OK)
    return lr__err(db, LR_MISUSE, "lr_run: %s", ferr);
  return LR_OK;
}

/* The contacts to evaluate: the scope's set, or the span of ids. */
static int count_contacts(writer *wr, const lrp_scope *sc, long long *total,
                          long long *lo, long long *hi) {
  *total = 0;
  *lo = 0;
  *hi = -1;
  if (sc->filtered) {
    wr->filter = &sc->filter;
    *total = sc->filter.n;               /* progress counts the set */
    return LR_OK;
  }
  lrs_snap *own = lrs_snap_main(wr->p->db);   /* inside the transaction */
  if (lrs_contact_span(own, total, lo, hi) != LR_OK)
    return lrs_snap_report(own, "counting contacts");
  return LR_OK;
}

/* Record the run: its row first (with its scope), then its changes. */
static int start_run(writer *wr, const lrp_scope *sc) {
  lr_policy *p = wr->p;
  char *stages = stages_json(wr->m);
  int rc = lrs_run_start_scope(p->db, "run", p->path ? p->path : p->name,
                               p->hash, wr->now, NULL, stages, sc->name,
                               sc->reason ? sc->why : NULL, &wr->run_id);
  free(stages);
  if (rc != LR_OK) return rc;
  lrp_decisions_init(&wr->out, p->db, wr->now, wr->run_id,
                     !wr->o->no_outbox);
  wr->changes = lrs_changes_new(p->db, wr->run_id, wr->now);
  return wr->changes ? LR_OK : lr__err(p->db, LR_NOMEM, "out of memory");
}

/* After the chunks: routing state, the run's counts. */
static int finish_run(writer *wr) {
  lr_db *db = wr->p->db;
  lr_run_result *res = wr->res;
  int rc = lrp_routing_save(&wr->routing);
  if (rc == LR_OK) rc = lrp_decisions_flush(&wr->out);
  if (rc == LR_OK)
    rc = lrs_run_finish(db, wr->run_id, res->evaluated, res->score_changes,
                        res->moves, res->handoffs, res->errors);
  if (rc == LR_OK && wr->priv->held)   /* default 0 */
    rc = lrs_run_held(db, wr->run_id, wr->priv->held);
  if (rc == LR_OK && wr->reads_others)   /* default 0 */
    rc = lrs_run_reads_others(db, wr->run_id);
  return rc;
}

/* Per-transition counts into the result. */
static void count_transitions(writer *wr) {
  lr_run_result *res = wr->res;
  int nt = wr->m->ntransitions;
  res->by_transition = calloc((size_t)nt + 1, sizeof *res->by_transition);
  if (!res->by_transition) return;
  for (int t = 0; t <= nt; t++) {
    if (!wr->by_transition[t]) continue;
    lr_count *c = &res->by_transition[res->n_by_transition++];
    c->name = keep(wr->priv, t < nt ? wr->m->transitions[t].label
                                    : "(initial stage)");
    c->n = wr->by_transition[t];
  }
}

/* One run in one transaction; forced (LR_FULL_*) makes --changed full.
** *restart: a --changed run met a rule reading other contacts. */
static int run_once(lr_policy *p, const lr_run_opts *o, long long now,
                    lr_run_result *res, int forced, const char *why,
                    int *restart, lrp_worker *w) {
  lr_db *db = p->db;
  res_priv *pv = calloc(1, sizeof *pv);
  if (!pv) return lr__err(db, LR_NOMEM, "out of memory");
  lra_init(&pv->arena, 16384);
  res->priv_ = pv;
  double t0 = mono();
  res->now = now;
  writer wr;
  memset(&wr, 0, sizeof wr);
  wr.p = p;
  wr.m = &p->main.m;
  wr.o = o;
  wr.res = res;
  wr.priv = pv;
  wr.now = now;
  wr.apply = !o->dry_run;
  lrp_members_init(&wr.members);
  lra_init(&wr.darena, 16384);
  lrp_decisions_init(&wr.out, db, now, 0, 0);     /* start_run turns it on */
  wr.workers = w;
  wr.by_transition = calloc((size_t)wr.m->ntransitions + 1, sizeof *wr.by_transition);
  if (!wr.by_transition) return lr__err(db, LR_NOMEM, "out of memory");
  long long changes0 = lrs_total_changes(db);
  /* The write lock is taken first, so the workers' snapshots are the
  ** committed state no other writer can change under the run.  A dry run
  ** holds it too, for its whole length, and then rolls back.
  ** The writer only ever writes rows for contacts it just read inside its
  ** own transaction, so per-row foreign-key lookups prove nothing; they
  ** cost a b-tree seek per history, part and assignment row
  ** (lrs_run_begin turns them off, lrs_run_end on again). */
  int rc = lrs_run_txn_begin(db);
  lrp_scope sc;
  memset(&sc, 0, sizeof sc);
  long long total = 0, lo = 0, hi = -1;
  if (rc == LR_OK) rc = lrp_scope_choose(p, o, now, forced, why, &sc);
  pv->full_reason = sc.reason;
  snprintf(pv->full_why, sizeof pv->full_why, "%s", sc.why);
  wr.changed = sc.filtered && !o->ids;
  if (rc == LR_OK) rc = count_contacts(&wr, &sc, &total, &lo, &hi);
  if (rc == LR_OK) rc = lrp_routing_init(&wr.routing, db, wr.m, now);
  if (rc == LR_OK && wr.apply) rc = start_run(&wr, &sc);
  if (rc == LR_OK) rc = run_chunks(&wr, lo, hi, total, o->jobs);
  if (rc == LR_OK) rc = run_accounts(&wr);
  if (rc == LR_OK && wr.apply) rc = finish_run(&wr);
  /* A dry run writes nothing: whatever SQLite counted is rolled back. */
  res->rows_written = wr.apply ? lrs_total_changes(db) - changes0 -
                                     wr.out.scratch : 0;
  /* A cancel during the last chunk or the bookkeeping still rolls back. */
  if (rc == LR_OK && o->cancel && *o->cancel)
    rc = lr__err(db, LR_INTERRUPT, "interrupted");
  if (rc == LR_OK && wr.apply) {
    rc = lrs_commit(db);
    if (rc != LR_OK) lrs_rollback(db);
  } else {
    lrs_rollback(db);
  }
  lrp_routing_free(&wr.routing);
  lrs_changes_free(wr.changes);
  lrp_members_free(&wr.members);
  lrp_decisions_free(&wr.out);
  free(wr.deferred);
  lra_free(&wr.darena);
  lrs_run_end(db);
  lrp_scope_free(&sc);
  *restart = wr.restart;
  if (rc == LR_OK && wr.apply) res->run_id = wr.run_id;
  count_transitions(&wr);
  free(wr.by_transition);
  res->seconds = mono() - t0;
  return rc;
}

int lr_run(lr_policy *p, const lr_run_opts *opts, lr_run_result *result) {
  return lrp_run_on(p, opts, result, NULL);
}

int lrp_run_on(lr_policy *p, const lr_run_opts *opts, lr_run_result *result,
               lrp_worker *w) {
  if (result) memset(result, 0, sizeof *result);  /* freeable whatever rc */
  if (!lrp_policy_ok(p)) return LR_MISUSE;
  lr_db *db = p->db;
  lr_run_opts o;
  long long now;
  if (lr__opts(db, &o, sizeof o, opts, "lr_run") != LR_OK ||
      lr__clock(db, o.now, "lr_run", &now) != LR_OK ||
      check_opts(db, &o) != LR_OK)
    return lr_errcode(db);
  lr_run_result local;
  lr_run_result *res = result ? result : &local;
  memset(res, 0, sizeof *res);
  int restart = 0;
  int rc = run_once(p, &o, now, res, 0, NULL, &restart, w);
  if (restart) {                /* rolled back: the same run, in full */
    lr_run_result_free(res);
    rc = run_once(p, &o, now, res, LR_FULL_OTHERS, "a rule read other "
                  "contacts (segment or stage count())", &restart, w);
  }
  if (rc != LR_OK && lr_errcode(db) == LR_OK)
    lr__err(db, rc, "%s", lr_errstr(rc));
  if (!result) lr_run_result_free(res);
  return rc == LR_OK ? lr__ok(db) : rc;
}

int lr_run_full_reason(const lr_run_result *r, const char **msg) {
  const res_priv *pv = r ? r->priv_ : NULL;
  if (msg) *msg = pv ? pv->full_why : "";
  return pv ? pv->full_reason : LR_FULL_NONE;
}

long long lr_run_accounts(const lr_run_result *r, long long *score_changes,
                          long long *moves, long long *handoffs) {
  const res_priv *pv = r ? r->priv_ : NULL;
  const lrp_acc_phase *ph = pv ? pv->acc : NULL;
  if (score_changes) *score_changes = ph ? ph->score_changes : 0;
  if (moves) *moves = ph ? ph->moves : 0;
  if (handoffs) *handoffs = ph ? ph->handoffs : 0;
  return ph ? ph->evaluated : 0;
}

long long lr_run_account_move_count(const lr_run_result *r) {
  const res_priv *pv = r ? r->priv_ : NULL;
  return pv && pv->acc ? pv->acc->nmove_list : 0;
}

const lr_move *lr_run_account_move(const lr_run_result *r, long long i) {
  if (i < 0 || i >= lr_run_account_move_count(r)) return NULL;
  return &((const res_priv *)r->priv_)->acc->move_list[i];
}

long long lr_run_account_handoff_count(const lr_run_result *r) {
  const res_priv *pv = r ? r->priv_ : NULL;
  return pv && pv->acc ? pv->acc->nhandoff_list : 0;
}

const lr_handoff *lr_run_account_handoff(const lr_run_result *r, long long i) {
  if (i < 0 || i >= lr_run_account_handoff_count(r)) return NULL;
  return &((const res_priv *)r->priv_)->acc->handoff_list[i];
}
