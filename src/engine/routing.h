/*
** routing.h -- choosing owners for handoffs, deterministically.
**
** A round robin gives the next lead to the owner with the least
** (assigned + 1) / weight, ties to the earlier in the list, skipping owners
** who are away or at their daily capacity.  Counts live in routing_state,
** so they survive between runs and across edits of the owner list.  An
** owner's `day` is the last day it was available in a run that routed
** leads: a newcomer, or an owner back from being away or off the list,
** starts level with the others (never below its own count) instead of
** taking every lead until the counts catch up.
*/
#ifndef LR_ROUTING_H
#define LR_ROUTING_H

#include "model.h"

typedef struct lrp_owner_state {
  long long total, today, day;
  int dirty;
} lrp_owner_state;

typedef struct lrp_routing {
  lr_db *db;
  const lrp_model *m;
  long long day;                     /* now / 86400 */
  lrp_owner_state **st;              /* per router, per owner */
  unsigned char *used;               /* per router: routed a lead this run */
} lrp_routing;

int lrp_routing_init(lrp_routing *rt, lr_db *db, const lrp_model *m,
                     long long now);
/* Owner for a leaf router (round robin or fixed), or NULL when every
** owner is away or full.  Counts the assignment. */
const char *lrp_route(lrp_routing *rt, int router);
/* The owner lrp_route would choose now, without counting it (explain). */
const char *lrp_route_peek(lrp_routing *rt, int router);
/* Save changed counts (within the caller's transaction). */
int lrp_routing_save(lrp_routing *rt);
void lrp_routing_free(lrp_routing *rt);

#endif
