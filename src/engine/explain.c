/*
** explain.c -- lr_explain: evaluate one contact through the one evaluation
** path (lrp_eval_contact) with a read trace and a step callback, and
** report every step: what each rule read and scored, each group and
** grade, each transition tried, what is missing for the next funnel stage,
** the handoff and its owner, and the manual moves and edits on record.
**
** "What is missing" re-runs only the `when` of the transition toward the
** next funnel stage with lead.score overridden (ev->score_override),
** stepping the score up by whole points until it passes, then names the
** rules that have not fired and would cover the gap.
*/
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "objects.h"
#include "stable.h"
#include "../store/manual.h"
#include "../store/store.h"
#include "routing.h"
#include "worker.h"

#define SEARCH_POINTS 1000        /* how far up "needs N more points" looks */
#define MANUAL_EVENTS 5           /* manual events shown */

typedef struct item {
  int kind;
  char *name, *group, *detail, *where, *note;
  double points;
  int fired;
} item;

typedef struct xctx {
  item *v;
  int n, cap;
  int oom;
  char *lock_stage;                 /* where the locking move put it */
} xctx;

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

static item *add(xctx *x, int kind, const char *name, const char *detail) {
  if (x->n == x->cap) {
    int cap = x->cap ? x->cap * 2 : 32;
    item *v = realloc(x->v, (size_t)cap * sizeof *v);
    if (!v) {
      x->oom = 1;
      return NULL;
    }
    x->v = v;
    x->cap = cap;
  }
  item *it = &x->v[x->n++];
  memset(it, 0, sizeof *it);
  it->kind = kind;
  it->name = dup_or_null(name);
  it->detail = dup_or_null(detail);
  if ((name && !it->name) || (detail && !it->detail)) x->oom = 1;
  return it;
}

static void free_items(xctx *x) {
  for (int i = 0; i < x->n; i++) {
    free(x->v[i].name);
    free(x->v[i].group);
    free(x->v[i].detail);
    free(x->v[i].where);
    free(x->v[i].note);
  }
  free(x->v);
  free(x->lock_stage);
  memset(x, 0, sizeof *x);
}

static void iso(long long t, char *buf, size_t n) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *stage_name(const lrp_model *m, int i) {
  return i >= 0 && i < m->nstages ? m->stages[i].name : "(none)";
}

/* Called by the evaluation after each step, with ev->trace holding what
** the step read. */
static void on_step(lrp_eval *ev, int kind, int index, double points,
                    int fired) {
  xctx *x = ev->step_ctx;
  const lrp_model *m = &ev->in->m;
  const char *reads = ev->trace ? lrb_str(ev->trace) : "";
  lr_buf b = LR_BUF_INIT;
  item *it = NULL;
  if (kind == LR_EX_SEGMENT) {
    const lrp_segment *s = &m->segments[index];
    if (s->sql) lrb_printf(&b, "SQL: %s", s->sql);
    else lrb_adds(&b, reads);
    it = add(x, kind, s->name, lrb_str(&b));
    if (it) {
      it->where = dup_or_null(s->where);
      it->fired = fired;
    }
  } else if (kind == LR_EX_RULE) {
    const lrp_rule *r = &m->rules[index];
    if (r->segment >= 0) {
      const char *sn = m->segments[r->segment].name;
      int in = ev->r->member[r->segment] == 1;
      lrb_printf(&b, "%s segment '%s'", in ? "in" : "not in", sn);
      if (in && *reads) lrb_printf(&b, ", %s", reads);
    } else {
      lrb_adds(&b, reads);
    }
    if (r->score_ref != LUA_NOREF) {
      if (r->has_max && points == r->max && points != 0)
        lrb_printf(&b, "%scapped at max %g", b.n ? "; " : "", r->max);
      else if (r->has_min && points == r->min && points != 0)
        lrb_printf(&b, "%sheld at min %g", b.n ? "; " : "", r->min);
    }
    it = add(x, kind, r->name, lrb_str(&b));
    if (it) {
      it->group = dup_or_null(r->group);
      it->where = dup_or_null(r->where);
      it->points = points;
      it->fired = fired;
    }
  } else if (kind == LR_EX_TRANSITION) {
    const lrp_transition *t = &m->transitions[index];
    char name[256];
    snprintf(name, sizeof name, "%s->%s", stage_name(m, ev->cur_stage),
             stage_name(m, t->to));
    it = add(x, kind, name, reads);
    if (it) {
      it->where = dup_or_null(t->where);
      it->fired = fired;
      if (ev->r->manual_locked)
        it->note = dup_or_null("not applied: a manual move locks the stage; "
                               "run --override-manual applies it");
    }
  }
  /* handoffs are reported after the evaluation, with the owner */
  lrb_free(&b);
  if (b.oom) x->oom = 1;
}

/* ---- what is missing for the next funnel stage ------------------------ */

/* Run transition t's `when` for the evaluated contact with lead.score
** overridden.  *pass gets the result, reads what it read. */
static int try_when(lrp_eval *ev, const lrp_transition *t, int stage,
                    double score, int *pass, lr_buf *reads) {
  lua_State *L = ev->L;
  lr_buf *saved = ev->trace;
  ev->trace = reads;
  lrb_reset(reads);
  ev->phase = LRP_PHASE_TRANSITIONS;
  ev->cur_stage = stage;
  ev->have_score_override = 1;
  ev->score_override = score;
  ev->in->ev = ev;
  lrl_budget_reset(ev->in->rt);
  lua_rawgeti(L, LUA_REGISTRYINDEX, t->when_ref);
  lrx_push_lead(L, ev);
  int rc = lrl_pcall(ev->in->rt, 1, 1);
  if (rc == LR_OK) {
    *pass = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  ev->phase = LRP_PHASE_IDLE;
  ev->have_score_override = 0;
  ev->trace = saved;
  return rc;
}

typedef struct cand {
  int rule;
  double pot;
} cand;

static int cand_cmp(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->pot != y->pot) return x->pot < y->pot ? 1 : -1;
  return x->rule - y->rule;
}

/* "demo request would add 50, webinar would add 15" */
static void list_candidates(lr_buf *b, const lrp_model *m,
                            const lrp_result *r, double gap) {
  cand *c = calloc((size_t)m->nrules + 1, sizeof *c);
  if (!c) return;
  int n = 0;
  for (int i = 0; i < m->nrules; i++) {
    const lrp_rule *ru = &m->rules[i];
    double pot = 0;
    if (ru->has_points && !r->fired[i] && ru->points > 0) pot = ru->points;
    else if (ru->score_ref != LUA_NOREF && ru->has_max && r->part[i] < ru->max)
      pot = ru->max - r->part[i];
    if (pot > 0) {
      c[n].rule = i;
      c[n++].pot = pot;
    }
  }
  qsort(c, (size_t)n, sizeof *c, cand_cmp);
  int shown = 0;
  for (int i = 0; i < n && shown < 3; i++) {
    if (c[i].pot < gap) continue;
    const lrp_rule *ru = &m->rules[c[i].rule];
    lrb_printf(b, "%s%s would add %g", shown ? ", " : ": ", ru->name,
               c[i].pot);
    if (ru->score_ref != LUA_NOREF && r->part[c[i].rule] != 0) lrb_adds(b, " more");
    shown++;
  }
  if (!shown && n) {
    lrb_adds(b, ": no single rule covers it; the largest");
    for (int i = 0; i < n && i < 3; i++)
      lrb_printf(b, "%s%s could add %g", i ? ", " : ": ",
                 m->rules[c[i].rule].name, c[i].pot);
  } else if (!n) {
    lrb_adds(b, ": no rule that has not fired could add points");
  }
  free(c);
}

static void explain_next(xctx *x, lrp_eval *ev, lrp_result *r) {
  const lrp_model *m = &ev->in->m;
  int cur = r->stage;
  const lrp_stage *cs = &m->stages[cur];
  /* The transition out of the current stage to the nearest funnel stage
  ** above it (first declared among equals). */
  int tn = -1;
  for (int t = 0; t < m->ntransitions; t++) {
    const lrp_transition *tr = &m->transitions[t];
    int from_ok = tr->any_from && tr->to != cur;
    for (int k = 0; k < tr->nfrom && !from_ok; k++)
      if (tr->from[k] == cur) from_ok = 1;
    const lrp_stage *ts = &m->stages[tr->to];
    if (!from_ok || ts->side || (!cs->side && ts->rank <= cs->rank)) continue;
    if (tn < 0 || ts->rank < m->stages[m->transitions[tn].to].rank) tn = t;
  }
  lr_buf b = LR_BUF_INIT;
  item *it;
  if (tn < 0) {
    if (!cs->side && cs->rank == m->nfunnel)
      lrb_printf(&b, "%s is the last funnel stage", cs->name);
    else
      lrb_printf(&b, "no transition leads up the funnel from %s", cs->name);
    add(x, LR_EX_NEXT, NULL, lrb_str(&b));
    lrb_free(&b);
    return;
  }
  const lrp_transition *tr = &m->transitions[tn];
  const char *to = m->stages[tr->to].name;
  lr_buf reads = LR_BUF_INIT;
  int pass = 0;
  double need = 0;
  int rc = try_when(ev, tr, cur, r->score, &pass, &reads);
  if (rc != LR_OK) {
    lrb_printf(&b, "evaluating %s->%s failed: %s", cs->name, to,
               ev->in->rt->errmsg);
  } else if (pass) {
    lrb_printf(&b, "%s->%s would pass now (%s); transitions are tried once "
               "each, in the order declared, so the next run moves it",
               cs->name, to, lrb_str(&reads));
  } else if (!strstr(lrb_str(&reads), "score=")) {
    lrb_printf(&b, "%s->%s does not depend on the score; it reads: %s",
               cs->name, to, reads.n ? lrb_str(&reads) : "nothing of the lead");
  } else {
    lr_buf first = LR_BUF_INIT;
    lrb_adds(&first, lrb_str(&reads));
    double s0 = floor(r->score) + 1, found = 0;
    for (double s = s0; s <= r->score + SEARCH_POINTS; s += 1) {
      int p = 0;
      rc = try_when(ev, tr, cur, s, &p, &reads);
      if (rc != LR_OK) break;
      if (p) {
        found = 1;
        need = s - r->score;
        break;
      }
    }
    if (rc != LR_OK) {
      lrb_printf(&b, "evaluating %s->%s failed: %s", cs->name, to,
                 ev->in->rt->errmsg);
    } else if (found) {
      lrb_printf(&b, "needs %g more points for %s (score %g)", need, to,
                 r->score);
      list_candidates(&b, m, r, need);
    } else {
      /* What still fails with the most points tried, without the score. */
      lr_buf rest = LR_BUF_INIT;
      const char *p = lrb_str(&reads);
      while (*p) {
        const char *e = strstr(p, ", ");
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (strncmp(p, "score=", 6) != 0) {
          if (rest.n) lrb_adds(&rest, ", ");
          lrb_add(&rest, p, n);
        }
        p += n + (e ? 2 : 0);
      }
      need = 0;
      if (rest.n)
        lrb_printf(&b, "more points alone do not reach %s: even at score %g, "
                   "%s->%s reads %s", to, floor(r->score) + SEARCH_POINTS,
                   cs->name, to, lrb_str(&rest));
      else
        lrb_printf(&b, "more points alone do not reach %s (up to +%d tried; "
                   "%s->%s reads %s)", to, SEARCH_POINTS, cs->name, to,
                   lrb_str(&first));
      lrb_free(&rest);
    }
    lrb_free(&first);
  }
  it = add(x, LR_EX_NEXT, to, lrb_str(&b));
  if (it) {
    it->points = need;
    it->fired = rc == LR_OK && pass;
    it->where = dup_or_null(tr->where);
  }
  lrb_free(&b);
  lrb_free(&reads);
  ev->cur_stage = cur;
}

/* ---- handoff -------------------------------------------------------------- */

static void describe_rr(lr_buf *b, const lrp_model *m, lrp_routing *rt,
                        int leaf) {
  const lrp_router *ro = &m->routers[leaf];
  lrb_adds(b, "round robin, assigned so far: ");
  for (int k = 0; k < ro->nowners; k++) {
    const lrp_owner *o = &ro->owners[k];
    const lrp_owner_state *s = &rt->st[leaf][k];
    lrb_printf(b, "%s%s %lld", k ? ", " : "", o->name, s->total);
    if (o->weight != 1) lrb_printf(b, " (weight %d)", o->weight);
    if (o->away) lrb_adds(b, " (away)");
    else if (o->capacity)
      lrb_printf(b, " (%lld/%d today%s)", s->today, o->capacity,
                 s->today >= o->capacity ? ", full" : "");
  }
}

static void describe_route(lr_buf *b, const lrp_model *m, int top, int leaf,
                           lrp_routing *rt) {
  const lrp_router *tr = &m->routers[top];
  if (tr->kind == LRP_ROUTER_FIELD) {
    const char *val = NULL;
    for (int k = 0; k < tr->nvalues; k++)
      if (tr->targets[k] == leaf) val = tr->values[k];
    if (val) lrb_printf(b, "by_field %s = %s; ", tr->field, val);
    else if (tr->fallback == leaf)
      lrb_printf(b, "by_field %s: no territory matched, \"*\"; ", tr->field);
    else lrb_printf(b, "by_field %s; ", tr->field);
  }
  const lrp_router *ro = &m->routers[leaf];
  if (ro->kind == LRP_ROUTER_RR) describe_rr(b, m, rt, leaf);
  else if (ro->kind == LRP_ROUTER_FIXED) lrb_adds(b, "fixed owner");
  else if (ro->kind == LRP_ROUTER_FN) lrb_adds(b, "chosen by the assign function");
}

static int explain_handoff(xctx *x, lrp_eval *ev, lrp_result *r,
                           const lrs_contact *c, long long now) {
  const lrp_model *m = &ev->in->m;
  lr_buf note = LR_BUF_INIT;
  const char *stage = m->stages[r->stage].name;
  const char *owner = NULL;
  int fired = 0, rc = LR_OK;
  lrp_routing rt;
  memset(&rt, 0, sizeof rt);
  char when[32], due[32];
  /* account_owner{}: decided after the accounts (account_eval.h) */
  const char *acc_owner = r->handoff >= 0 && r->via_account
                              ? lrp_explain_account_owner(ev, c) : NULL;
  if (acc_owner) {
    owner = acc_owner;
    lrb_printf(&note, "account_owner: the owner of account %s (as stored; a "
               "run evaluates the account first)", c->account_key);
    fired = 1;
  } else if (r->handoff >= 0 && r->leaf_router < 0 && !r->fn_owner) {
    lrb_adds(&note, "account_owner: the account has no owner and there is "
             "no fallback, so it waits for one");
  } else if (r->handoff >= 0) {
    const lrp_handoff *h = &m->handoffs[r->handoff];
    if (r->via_account)
      lrb_adds(&note, "account_owner: the account has no owner yet, so the "
               "fallback: ");
    else if (m->routers[h->router].kind == LRP_ROUTER_ACCOUNT)
      lrb_adds(&note, "account_owner: no account, so the fallback: ");
    rc = lrp_routing_init(&rt, ev->db, m, now);
    if (rc == LR_OK) {
      owner = r->fn_owner ? r->fn_owner : lrp_route_peek(&rt, r->leaf_router);
      int top = h->router;
      if (m->routers[top].kind == LRP_ROUTER_ACCOUNT) top = m->routers[top].fallback;
      describe_route(&note, m, top >= 0 ? top : r->leaf_router, r->leaf_router,
                     &rt);
      if (owner && m->routers[r->leaf_router].kind == LRP_ROUTER_RR)
        lrb_printf(&note, "; %s is next in turn (a run counts it)", owner);
      if (!owner)
        lrb_adds(&note, "; every owner is away or at capacity today, so it "
                 "waits for a later run");
      if (!owner && r->clear_owner && c->owner && *c->owner)
        lrb_printf(&note, " (unowned: %s, its earlier owner, is cleared)",
                   c->owner);
      if (h->due) {
        iso(now + h->due, due, sizeof due);
        lrb_printf(&note, "; due %s", due);
      }
    }
    fired = owner != NULL;
  } else {
    int h = -1;
    for (int k = 0; k < m->nhandoffs; k++)
      if (m->handoffs[k].stage == r->stage) h = k;
    owner = c->owner;
    if (r->clear_owner && c->owner && *c->owner) {
      owner = NULL;
      lrb_printf(&note, "the run clears the owner %s: ", c->owner);
      if (h >= 0)
        lrb_adds(&note, "the handoff of its new stage found no owner for it");
      else
        lrb_adds(&note, "recycled by a transition without keep_owner");
    } else if (h >= 0 && c->owner && *c->owner) {
      iso(c->assigned_at, when, sizeof when);
      lrb_printf(&note, "already assigned to %s at %s", c->owner, when);
      if (c->due_at) {
        iso(c->due_at, due, sizeof due);
        lrb_printf(&note, ", due %s", due);
      }
      lrb_printf(&note, "; a new handoff happens when it enters %s again",
                 stage);
    } else if (h >= 0) {
      lrb_adds(&note, "no owner: the handoff found no route for this "
               "contact (no territory matched, or the function returned nil)");
    } else if (c->owner && *c->owner) {
      lrb_printf(&note, "%s has no handoff; owner from an earlier handoff",
                 stage);
    } else {
      lrb_printf(&note, "%s has no handoff", stage);
    }
  }
  item *it = add(x, LR_EX_HANDOFF, stage, owner);
  if (it) {
    it->fired = fired;
    it->note = dup_or_null(lrb_str(&note));
    if (r->handoff >= 0) it->where = dup_or_null(m->handoffs[r->handoff].where);
  }
  lrb_free(&note);
  lrp_routing_free(&rt);
  return rc;
}

/* ---- manual events ---------------------------------------------------------- */

static int on_event(void *ctx, const lrs_manual_event *e) {
  xctx *x = ctx;
  char when[32];
  iso(e->at, when, sizeof when);
  lr_buf b = LR_BUF_INIT;
  const char *via = e->run_kind && strcmp(e->run_kind, "script") == 0
                        ? " (script)" : "";
  if (strcmp(e->kind, "move") == 0)
    lrb_printf(&b, "moved %s -> %s by %s at %s%s", e->from ? e->from : "(none)",
               e->to ? e->to : "?", e->by ? e->by : "unknown", when, via);
  else
    lrb_printf(&b, "set %s = %s (was %s) by %s at %s%s", e->field,
               e->new_value ? e->new_value : "NULL",
               e->old_value ? e->old_value : "NULL", e->by ? e->by : "unknown",
               when, via);
  item *it = add(x, LR_EX_MANUAL, e->kind, lrb_str(&b));
  if (it) it->note = dup_or_null(e->reason);
  lrb_free(&b);
  return 0;
}

/* What ends a lock that holds: its expiry, or the other events. */
static void lock_end(lr_buf *b, const lrs_contact *c) {
  char ut[32];
  if (c->manual_until) {
    iso(c->manual_until, ut, sizeof ut);
    lrb_printf(b, "until %s (its expiry), a later move, an outcome closed "
               "after the move, or run --override-manual", ut);
  } else {
    lrb_adds(b, "until a later move, an outcome closed after the move, or "
             "run --override-manual (no expiry)");
  }
}

/* The state of the contact's manual lock and, while it holds, what it
** held back in this evaluation. */
static void explain_lock(xctx *x, const lrp_model *m, const lrs_contact *c,
                         const lrp_result *r) {
  if (!c->manual_at) return;
  char mt[32], t2[32];
  iso(c->manual_at, mt, sizeof mt);
  lr_buf b = LR_BUF_INIT;
  /* The stage of the move, from its history row: once the lock ended a
  ** run may have moved the contact on.  Without the row, the stored stage
  ** is the move's only while the lock is in force. */
  const char *to = x->lock_stage;
  if (!to && (r->lock == LRP_LOCK_HELD || r->lock == LRP_LOCK_OVERRIDDEN))
    to = c->stage ? c->stage : "(none)";
  if (to) lrb_printf(&b, "moved by hand to %s at %s", to, mt);
  else lrb_printf(&b, "moved by hand at %s", mt);
  switch (r->lock) {
    case LRP_LOCK_HELD:
      lrb_adds(&b, "; the lock holds ");
      lock_end(&b, c);
      if (r->nheld) {
        const lrp_transition *t = &m->transitions[r->held_first];
        lrb_printf(&b, "; it held back %s (%s)", t->label, t->where);
        if (r->nheld > 1)
          lrb_printf(&b, " and %d more, to %s", r->nheld - 1,
                     stage_name(m, r->held_to));
      } else {
        lrb_adds(&b, "; no transition would fire now");
      }
      break;
    case LRP_LOCK_OUTCOME:
      iso(c->closed_at, t2, sizeof t2);
      lrb_printf(&b, "; released by the %s outcome closed at %s, after the "
                 "move: the policy moves it again", c->outcome, t2);
      break;
    case LRP_LOCK_EXPIRED:
      iso(c->manual_until, t2, sizeof t2);
      lrb_printf(&b, "; the lock expired at %s: the policy moves it again",
                 t2);
      break;
    default:
      lrb_adds(&b, "; this evaluation overrides the lock (a run with "
               "--override-manual ends it)");
  }
  item *it = add(x, LR_EX_MANUAL, "lock", lrb_str(&b));
  if (it) it->fired = r->manual_locked;
  lrb_free(&b);
}

/* ---- the contact and groups --------------------------------------------- */

static void explain_contact(xctx *x, const lrs_contact *c) {
  lr_buf b = LR_BUF_INIT;
  char due[32];
  lrb_printf(&b, "id %lld", c->id);
  if (c->grade) lrb_printf(&b, ", grade %s", c->grade);
  if (c->owner && *c->owner) {
    lrb_printf(&b, ", owner %s", c->owner);
    if (c->due_at) {
      iso(c->due_at, due, sizeof due);
      lrb_printf(&b, " (due %s)", due);
    }
  }
  item *it = add(x, LR_EX_CONTACT, c->key, c->stage && *c->stage ? c->stage
                                                                 : NULL);
  if (it) {
    it->points = c->score;
    it->note = dup_or_null(lrb_str(&b));
  }
  lrb_free(&b);
}

static const char *grade_for(const lrp_model *m, const lrp_result *r,
                             const char *group) {
  for (int g = 0; g < m->ngrades; g++) {
    const char *gg = m->grades[g].group;
    if ((!group && !gg) || (group && gg && strcmp(group, gg) == 0))
      return r->grades[g];
  }
  return NULL;
}

static void explain_groups(xctx *x, const lrp_model *m, const lrp_result *r) {
  for (int g = 0; g < m->ngroups; g++) {
    item *it = add(x, LR_EX_GROUP, m->groups[g], grade_for(m, r, m->groups[g]));
    if (it) it->points = r->group[g];
  }
  item *it = add(x, LR_EX_GROUP, "total", grade_for(m, r, NULL));
  if (it) {
    it->points = r->score;
    if (m->total_ref != LUA_NOREF)
      it->note = dup_or_null("computed by the policy's total()");
  }
}

/* ---- order and emit ------------------------------------------------------- */

static int kind_order(int kind) {
  switch (kind) {
    case LR_EX_CONTACT: return 0;
    case LR_EX_MANUAL: return 1;
    case LR_EX_SEGMENT: return 2;
    case LR_EX_RULE: return 3;
    case LR_EX_GROUP: return 4;
    case LR_EX_TRANSITION: return 5;
    case LR_EX_NEXT: return 6;
    case LR_EX_HANDOFF: return 7;
    case LR_EX_STABLE: return 8;
    default: return 9;
  }
}

/* Returns 1 when the callback asked to stop. */
static int emit(xctx *x, lr_explain_fn cb, void *ctx) {
  for (int pass = 0; pass <= 9; pass++)
    for (int i = 0; i < x->n; i++) {
      const item *v = &x->v[i];
      if (kind_order(v->kind) != pass) continue;
      lr_explain_item e;
      e.kind = v->kind;
      e.name = v->name;
      e.group = v->group;
      e.points = v->points;
      e.fired = v->fired;
      e.detail = v->detail;
      e.where = v->where;
      e.note = v->note;
      if (cb(ctx, &e)) return 1;
    }
  return 0;
}

/* The contact with `key` through the worker's scan, with its manual
** events.  Returns an LR code, with db's error set. */
static int read_contact(xctx *x, lrp_worker *w, lr_db *db, const char *key,
                        const lrs_contact **c) {
  long long id = 0;
  int src = lrs_contact_id(w->snap, key, &id);
  if (src != LR_OK)
    return lr__err(db, src, "explain: %s", lrs_snap_errmsg(w->snap));
  if (!id) return lrs_no_contact(db, key);
  src = lrs_scan_one(w->scan, id);
  int got = src == LR_OK ? lrs_scan_next(w->scan, c) : -src;
  if (got != 1)
    return lr__err(db, got == 0 ? LR_NOTFOUND : LR_ERROR,
                   "explain: cannot read contact '%s'", key);
  explain_contact(x, *c);
  src = lrs_manual_events(w->snap, id, MANUAL_EVENTS, on_event, x);
  if (src == LR_OK && (*c)->manual_at)
    src = lrs_manual_stage(w->snap, id, (*c)->manual_at, &x->lock_stage);
  if (src == LR_NOMEM) return lr__err(db, src, "out of memory");
  if (src != LR_OK)
    return lr__err(db, src, "explain: %s", lrs_snap_errmsg(w->snap));
  return LR_OK;
}

/* A contact a person moved: the lock holds, and what ends it. */
static void explain_locked(xctx *x, const lrs_contact *c) {
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "the manual lock holds: the policy does not move this "
           "contact ");
  lock_end(&b, c);
  add(x, LR_EX_NEXT, NULL, lrb_str(&b));
  if (b.oom) x->oom = 1;
  lrb_free(&b);
}

/* stable_until as a run would store it (run.c), and which read set it;
** su and why as the evaluation left them, before explain_next's what-if
** calls. */
static void explain_stable(xctx *x, const lrp_eval *ev, const lrp_result *r,
                           long long su, const char *why) {
  char when[32], note[360], stored[32] = "none";
  if (ev->c->stable_until) iso(ev->c->stable_until, stored, sizeof stored);
  int again = r->nmoves || r->handoff >= 0 || su <= ev->now;
  if (r->nmoves || r->handoff >= 0)
    snprintf(note, sizeof note, "this evaluation moves or hands off the "
             "contact: a run evaluates it again next time");
  else if (su <= ev->now)
    snprintf(note, sizeof note, "%s: its answer changes continuously, so "
             "a run evaluates the contact every time", why);
  else if (su == LRP_NEVER)
    snprintf(note, sizeof note, "no read depends on the clock: the result "
             "holds until the contact's data changes");
  else
    snprintf(note, sizeof note, "set by %s", why);
  if (!again && su != LRP_NEVER) iso(su, when, sizeof when);
  else if (again) iso(ev->now, when, sizeof when);
  item *it = add(x, LR_EX_STABLE, "stable_until",
                 again || su != LRP_NEVER ? when : NULL);
  if (!it) return;
  size_t used = strlen(note);
  snprintf(note + used, sizeof note - used, " (stored: %s)", stored);
  it->fired = again;
  it->note = dup_or_null(note);
  if (!it->note) x->oom = 1;
}

/* Evaluate the contact, tracing each step into x. */
static int explain_eval(xctx *x, lrp_worker *w, lr_db *db,
                        const lrs_contact *c, long long now) {
  lrp_eval *ev = &w->ev;
  int rc = lrp_eval_contact(ev, c, &w->res);
  if (rc != LR_OK) {
    add(x, LR_EX_ERROR, NULL, ev->err);
    return lr__err(db, rc, "%s", ev->err);
  }
  lrp_result *r = &w->res;
  long long su = ev->stable;
  char why[sizeof ev->stable_why];
  snprintf(why, sizeof why, "%s", ev->stable_why);
  explain_lock(x, &w->in->m, c, r);
  explain_groups(x, &w->in->m, r);
  if (r->manual_locked) explain_locked(x, c);
  else explain_next(x, ev, r);
  rc = explain_handoff(x, ev, r, c, now);
  if (rc != LR_OK) return rc;
  explain_stable(x, ev, r, su, why);
  if (x->oom) return lr__err(db, LR_NOMEM, "out of memory");
  return LR_OK;
}

/* After an error: show what was evaluated before it, keeping db's error
** (or the callback's stop). */
static void emit_partial(xctx *x, lr_db *db, lr_explain_fn cb, void *ctx) {
  int keep = lr_errcode(db);
  char *msg = strdup(lr_errmsg(db));
  int has_err = 0;
  for (int i = 0; i < x->n; i++) has_err |= x->v[i].kind == LR_EX_ERROR;
  if (!has_err) add(x, LR_EX_ERROR, NULL, msg);
  if (emit(x, cb, ctx)) {
    keep = LR_INTERRUPT;
    free(msg);
    msg = strdup("explain stopped by the callback");
  }
  lr__err(db, keep, "%s", msg ? msg : lr_errstr(keep));
  free(msg);
}

int lr_explain_v2(lr_policy *p, const char *key, long long now,
                  lr_explain_fn cb, void *ctx) {
  if (!lrp_policy_ok(p)) return LR_MISUSE;
  if (!key || !cb) return p ? lr__err(p->db, LR_MISUSE,
                                            "lr_explain: no key or callback")
                                  : LR_MISUSE;
  lr_db *db = p->db;
  if (lr__clock(db, now, "lr_explain", &now) != LR_OK) return lr_errcode(db);
  lrp_worker w;
  char err[2048] = "";
  int rc = lrp_worker_open(&w, p, 0, now, 0, NULL, err, sizeof err);
  if (rc != LR_OK) {
    lrp_worker_close(&w);
    return lr__err(db, rc, "%s", err);
  }
  xctx x;
  memset(&x, 0, sizeof x);
  int stopped = 0;
  lr_buf trace = LR_BUF_INIT;
  const lrs_contact *c = NULL;
  rc = read_contact(&x, &w, db, key, &c);
  if (rc == LR_OK) {
    w.ev.trace = &trace;
    w.ev.on_step = on_step;
    w.ev.step_ctx = &x;
    rc = explain_eval(&x, &w, db, c, now);
  }
  if (rc == LR_OK) {
    if (emit(&x, cb, ctx)) {
      stopped = 1;
      rc = lr__err(db, LR_INTERRUPT, "explain stopped by the callback");
    } else {
      rc = lr__ok(db);
    }
  }
  if (rc != LR_OK && !stopped && x.n && !x.oom) emit_partial(&x, db, cb, ctx);
  w.ev.trace = NULL;
  w.ev.on_step = NULL;
  lrb_free(&trace);
  free_items(&x);
  lrp_worker_close(&w);
  return rc;
}

int lr_explain(lr_policy *p, const char *key, lr_explain_fn cb, void *ctx) {
  return lr_explain_v2(p, key, 0, cb, ctx);
}
