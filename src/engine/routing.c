/*
** routing.c -- weighted round robin with capacity and away lists.
*/
#include "routing.h"

#include <limits.h>
#include <stdlib.h>

#include "../store/apply.h"

int lrp_routing_init(lrp_routing *rt, lr_db *db, const lrp_model *m,
                     long long now) {
  rt->db = db;
  rt->m = m;
  rt->day = now >= 0 ? now / 86400 : (now - 86399) / 86400;
  rt->st = calloc((size_t)m->nrouters + 1, sizeof *rt->st);
  rt->used = calloc((size_t)m->nrouters + 1, 1);
  if (!rt->st || !rt->used) return LR_NOMEM;
  for (int r = 0; r < m->nrouters; r++) {
    const lrp_router *ro = &m->routers[r];
    if (ro->kind != LRP_ROUTER_RR) continue;
    rt->st[r] = calloc((size_t)ro->nowners, sizeof **rt->st);
    if (!rt->st[r]) return LR_NOMEM;
    int *fresh = calloc((size_t)ro->nowners, sizeof *fresh);
    if (!fresh) return LR_NOMEM;
    long long maxday = LLONG_MIN;     /* the router's last run */
    for (int k = 0; k < ro->nowners; k++) {
      lrp_owner_state *s = &rt->st[r][k];
      int found = 0;
      int rc = lrs_routing_get(db, ro->id, ro->owners[k].name, &s->total,
                               &s->day, &s->today, &found);
      if (rc != LR_OK) {
        free(fresh);
        return rc;
      }
      if (!found) {
        fresh[k] = 1;
        continue;
      }
      if (s->day > maxday) maxday = s->day;
    }
    /* The level: least total/weight of the owners who took part in the
    ** router's last run (their `day` is that run's day). */
    double level = -1;
    for (int k = 0; k < ro->nowners; k++) {
      const lrp_owner_state *s = &rt->st[r][k];
      if (fresh[k] || s->day != maxday) continue;
      double l = (double)s->total / ro->owners[k].weight;
      if (level < 0 || l < level) level = l;
    }
    /* A newcomer, or an owner back from being away or off the list,
    ** starts level with the others instead of taking every lead until
    ** the counts catch up; the others keep their counts. */
    for (int k = 0; k < ro->nowners; k++) {
      lrp_owner_state *s = &rt->st[r][k];
      long long at_level = level > 0 ? (long long)(level * ro->owners[k].weight) : 0;
      /* An owner away now is levelled when it is back, not before (its
      ** count would climb run after run); a new one has no row until then. */
      if (ro->owners[k].away) {
        /* as stored */
      } else if (fresh[k]) {
        s->total = at_level;
        s->day = rt->day;
        s->dirty = 1;
      } else if (s->day < maxday && s->total < at_level) {
        s->total = at_level;
        s->dirty = 1;
      }
      if (s->day != rt->day) s->today = 0;
    }
    free(fresh);
  }
  return LR_OK;
}

/* The owner index a leaf round robin would choose now, or -1. */
static int choose(lrp_routing *rt, int router) {
  const lrp_router *ro = &rt->m->routers[router];
  int best = -1;
  for (int k = 0; k < ro->nowners; k++) {
    const lrp_owner *o = &ro->owners[k];
    lrp_owner_state *s = &rt->st[router][k];
    if (o->away) continue;
    if (o->capacity && s->today >= o->capacity) continue;
    if (best < 0) {
      best = k;
      continue;
    }
    /* (total+1)/weight smaller wins; compare without division. */
    const lrp_owner_state *b = &rt->st[router][best];
    long long lhs = (s->total + 1) * ro->owners[best].weight;
    long long rhs = (b->total + 1) * o->weight;
    if (lhs < rhs) best = k;
  }
  return best;
}

const char *lrp_route(lrp_routing *rt, int router) {
  if (router < 0) return NULL;
  const lrp_router *ro = &rt->m->routers[router];
  if (ro->kind == LRP_ROUTER_FIXED) return ro->fixed;
  if (ro->kind != LRP_ROUTER_RR) return NULL;
  int best = choose(rt, router);
  if (best < 0) return NULL;
  lrp_owner_state *s = &rt->st[router][best];
  s->total++;
  s->today++;
  s->day = rt->day;
  s->dirty = 1;
  rt->used[router] = 1;
  return ro->owners[best].name;
}

const char *lrp_route_peek(lrp_routing *rt, int router) {
  if (router < 0) return NULL;
  const lrp_router *ro = &rt->m->routers[router];
  if (ro->kind == LRP_ROUTER_FIXED) return ro->fixed;
  if (ro->kind != LRP_ROUTER_RR) return NULL;
  int best = choose(rt, router);
  return best < 0 ? NULL : ro->owners[best].name;
}

/* Only a router that routed a lead writes: the levels of the others are
** worked out again from the same rows by the next run, so a run that
** routes nothing (a re-run at the same `now`) leaves routing_state as it
** was. */
int lrp_routing_save(lrp_routing *rt) {
  for (int r = 0; r < rt->m->nrouters; r++) {
    const lrp_router *ro = &rt->m->routers[r];
    if (!rt->st[r] || !rt->used[r]) continue;
    for (int k = 0; k < ro->nowners; k++) {
      lrp_owner_state *s = &rt->st[r][k];
      /* Owners available in a run that routed leads are stamped with its
      ** day; one missing from that stamp was away or off the list. */
      if (rt->used[r] && !ro->owners[k].away && s->day != rt->day) {
        s->day = rt->day;
        s->today = 0;
        s->dirty = 1;
      }
      if (!s->dirty) continue;
      int rc = lrs_routing_put(rt->db, ro->id, ro->owners[k].name, s->total,
                               s->day, s->today);
      if (rc != LR_OK) return rc;
      s->dirty = 0;
    }
  }
  return LR_OK;
}

void lrp_routing_free(lrp_routing *rt) {
  if (!rt->st) return;
  for (int r = 0; r < rt->m->nrouters; r++) free(rt->st[r]);
  free(rt->st);
  free(rt->used);
  rt->st = NULL;
  rt->used = NULL;
}
