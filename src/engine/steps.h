/*
** steps.h -- the steps a contact's evaluation (eval.c) and an account's
** (account_eval.c) share, so that an account behaves as a contact does:
** rules and their sums, grades, transitions, and whether a handoff keeps
** the owner.  What differs is the object the policy's functions receive:
** the caller's `call` pushes the result of calling a function with it.
** Each step raises a Lua error ("file:LINE: message") on a value the
** policy must not return, so it runs inside the caller's protected call.
*/
#ifndef LR_STEPS_H
#define LR_STEPS_H

#include <lua.h>

#include "eval.h"

typedef struct lrp_steps {
  lua_State *L;
  const lrp_model *m;
  lrp_result *r;
  const char *rule_kind;             /* "rule", "account_rule": in errors */
  void *obj;                         /* the caller's evaluator */
  /* Call registry function `ref` with the object; leaves one result. */
  void (*call)(void *obj, int ref);
  /* Around each step (explain's trace); NULL: nothing. */
  void (*step_begin)(void *obj);
  void (*step_end)(void *obj, int kind, int index, double points, int fired);
} lrp_steps;

/* Every rule's points (r->part, r->fired), their sum (r->score) and the
** group sums.  A rule with a segment counts only for members
** (r->member[segment] == 1). */
int lrp_steps_rules(lrp_steps *s);
/* Each grade's letter, of its group's sum or of the score. */
void lrp_steps_grades(const lrp_model *m, lrp_result *r);
/* The transitions in declaration order, each from the stage the ones
** before left *cur in (updated as it goes, so the policy reads it).
** held: the moves are counted in r->nheld / r->held_first, not made. */
int lrp_steps_transitions(lrp_steps *s, int *cur, int held);
/* Whether the object still has its owner (has_owner) after r's moves: a
** recycle takes it away (r->clear_owner) unless its transition says
** keep_owner = true. */
int lrp_owner_after_moves(const lrp_model *m, int has_owner, lrp_result *r);
/* Whether r's moves entered the final stage, and whether the last move
** into it was a keep_owner transition. */
void lrp_handoff_entry(const lrp_model *m, const lrp_result *r, int *entered,
                       int *kept);
/* Call a handoff's assign function (ro, an LRP_ROUTER_FN) with the
** object: 1 with its owner in r->fn_owner (strdup'd), 0 when it returns
** nil (nobody now).  kind ("handoff", "account_handoff") names it in
** errors. */
int lrp_steps_assign(lrp_steps *s, const char *kind, const lrp_handoff *ho,
                     const lrp_router *ro);

#endif
