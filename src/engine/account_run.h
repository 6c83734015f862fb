/*
** account_run.h -- step 2 of a run (account_eval.h): every account
** evaluated after its contacts, in key order, on the policy's main Lua
** state (on the writer's thread), its changes written inside the run's
** transaction (or, for a dry run, only counted and collected), and the
** owner each account ends with, for step 3 (account_owner{} handoffs).
*/
#ifndef LR_ACCOUNT_RUN_H
#define LR_ACCOUNT_RUN_H

#include "account_eval.h"
#include "decisions.h"
#include "routing.h"

typedef struct lrp_acc_phase {
  /* in */
  lr_policy *p;
  long long now, run_id;
  int apply;                         /* write (else a dry run) */
  int collect;                       /* keep moves and handoffs */
  long long collect_max;             /* 0: all */
  lrp_routing *routing;              /* the run's (shared round robins) */
  lrp_members *members;              /* sorted by lrp_members_sort */
  int stored_only;                   /* evaluate nothing: owners as stored
                                        (a filtered run) */
  const char *only_key;              /* only this account (NULL: all) */
  lrp_decisions *out;                /* the run's outbox rows (NULL: none) */
  /* out */
  lrs_accounts accounts;             /* as stored before the run */
  const char **owner_after;          /* per account: owner after the run */
  long long evaluated, score_changes, moves, handoffs;
  lr_move *move_list;
  long long nmove_list, cap_moves;
  lr_handoff *handoff_list;
  long long nhandoff_list, cap_handoffs;
  lr_arena arena;
  char err[2048];
} lrp_acc_phase;

/* Evaluate, write (when apply) and collect every account.  LR_OK, or an
** error code with ph->err set. */
int lrp_acc_phase_run(lrp_acc_phase *ph);
/* The owner account `key` has after the phase (NULL: none, or no such
** account). */
const char *lrp_acc_phase_owner(const lrp_acc_phase *ph, const char *key);
void lrp_acc_phase_free(lrp_acc_phase *ph);

/* The real-time hook (account_reeval.c): re-evaluate account
** `account_id` at `now` (0: the current time) from the committed data,
** and write its changes as a run of kind 'account', in one transaction
** (a savepoint inside the caller's).  Call it after the event that
** changed one of its contacts has committed.  LR_NOTFOUND for an unknown
** account; errors set lr_errmsg(p's db). */
int lrp_account_reeval(lr_policy *p, long long account_id, long long now);

/* The hook's body, inside the caller's transaction: re-evaluate account
** `key` with its members evaluated on worker w (what w reads: the
** committed data, or the caller's own writes), writing its changes with
** run_id as the account step of lr_run does, routing through `shared`
** (the run's; NULL: its own, saved), its moves and handoffs to the run's
** outbox rows `dec` (may be NULL), and adding its counts to *out (may
** be NULL).  No such account: nothing written.  Errors set
** lr_errmsg(p's db). */
typedef struct lrp_reeval_counts {
  long long evaluated, score_changes, moves, handoffs;
} lrp_reeval_counts;
struct lrp_worker;
int lrp_account_reeval_in(lr_policy *p, struct lrp_worker *w,
                          const char *key, long long now, long long run_id,
                          lrp_routing *shared, lrp_decisions *dec,
                          lrp_reeval_counts *out);

/* Evaluate the contacts of account `key` through the one contact
** evaluation (eval.c) on worker w, adding their results to ms.  LR_OK or
** an error with err set. */
struct lrp_worker;
int lrp_account_members(struct lrp_worker *w, const char *key,
                        lrp_members *ms, char *err, size_t errlen);

/* The reason a move is recorded with. */
void lrp_move_reason(const lrp_model *m, const lrp_move *mv, char *buf,
                     size_t n);

#endif
