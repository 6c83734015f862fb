/*
** account_eval.h -- evaluating accounts: the one path behind run, dry run,
** explain --account, backtest --accounts, diff --accounts and the
** real-time re-evaluation of one account.
**
** Order (deterministic, the same for any --jobs):
**   1. every contact, through lrp_eval_contact (eval.c), in id order as
**      the run applies them; each matched contact's result of THIS
**      evaluation is kept as a member of its account (lrp_members);
**   2. every account, in key order: account rules (score, parts, groups),
**      grades, account transitions (each once, in declared order),
**      account handoff, reading its members through account:contacts();
**   3. contact handoffs that route through account_owner{}, in contact id
**      order, to the account's owner after step 2 (else the fallback).
** During step 1, lead.account shows the account as stored before the run.
*/
#ifndef LR_ACCOUNT_EVAL_H
#define LR_ACCOUNT_EVAL_H

#include "../store/accounts.h"
#include "../util/arena.h"
#include "eval.h"

/* One contact's result of this evaluation, as its account sees it. */
typedef struct lrp_member {
  long long id;
  const char *key;
  const char *account;               /* account key */
  double score;
  int stage;                         /* contact stage index, -1 none */
  const char *grade;                 /* first grade, or NULL */
  double *groups;                    /* per contact group */
  long long last_active;             /* latest activity <= now, 0 none */
  int outcome;                       /* latest outcome: 1 won, 0 lost, -1 */
} lrp_member;

typedef struct lrp_members {
  lrp_member *v;
  long long n, cap;
  lr_arena arena;
} lrp_members;

void lrp_members_init(lrp_members *ms);
void lrp_members_free(lrp_members *ms);
/* The account the contact belongs to under this policy: its stored match,
** unless the policy's free_mail{} names that domain.  NULL: none. */
const char *lrp_contact_account(const lrp_instance *in, const lrs_contact *c);
/* Keep c's result r when c has an account.  LR_OK or LR_NOMEM. */
int lrp_members_add(lrp_members *ms, const lrp_model *m,
                    const lrp_instance *in, const lrs_contact *c,
                    const lrp_result *r, long long now);
/* Append a copy of every member of src. */
int lrp_members_append(lrp_members *ms, const lrp_members *src, int ngroups);
/* Sort by account key, then contact id. */
void lrp_members_sort(lrp_members *ms);

/* Evaluating accounts on an instance (its Lua state, on this thread). */
typedef struct lrp_acc_eval {
  lrp_instance *in;
  lua_State *L;
  lrs_snap *snap;                    /* contact rows for account:contacts() */
  struct lrs_row_cache *rows;        /* read through it (query.h); NULL: direct */
  long long now;
  const lrs_account *a;              /* the account being evaluated */
  const lrp_member *mem;             /* its members (sorted slice) */
  int nmem;
  lrp_result *r;
  int phase;                         /* LRP_PHASE_* */
  int cur_stage;
  int ud_ref;                        /* the reusable account userdata */
  void *ud;
  int list_ref;                      /* this account's contact tables */
  int fields_ref;                    /* known account fields (a set) */
  lr_buf *trace;                     /* explain: what the step read */
  void (*on_step)(struct lrp_acc_eval *ae, int kind, int index,
                  double points, int fired);
  void *step_ctx;
  char err[2048];
} lrp_acc_eval;

int lrp_acc_eval_init(lrp_acc_eval *ae, lrp_instance *in, lrs_snap *snap,
                      long long now);
void lrp_acc_eval_free(lrp_acc_eval *ae);
/* Evaluate account a with its members into r (lrp_result_init'ed on
** &in->acc).  LR_OK, or an error with ae->err "policy.lua:LINE: account
** KEY: message". */
int lrp_acc_eval_account(lrp_acc_eval *ae, const lrs_account *a,
                         const lrp_member *mem, int nmem, lrp_result *r);

/* Evaluate every account of `accounts` (key order) with the members (sorted)
** and call fn for each; fn's non-zero return stops.  When `only` is not
** NULL, only that account. */
typedef int (*lrp_acc_fn)(void *ctx, lrp_acc_eval *ae, const lrs_account *a,
                          lrp_result *r);
int lrp_accounts_each(lrp_acc_eval *ae, const lrs_accounts *accounts,
                      const lrp_members *ms, lrp_acc_fn fn, void *ctx);

/* The account object (account_object.c). */
#define LRX_ACCOUNT "leadrules.account"
void lrx_account_open(lua_State *L, lrp_acc_eval *ae);
void lrx_push_account(lua_State *L, lrp_acc_eval *ae);
/* lead.account: a read-only table of the stored account (fields, key, id,
** score, scores, grade, stage, owner). */
void lrx_push_stored_account(lua_State *L, lrp_instance *in,
                             const lrs_account *a);
/* A flat JSON object's value for `name` as text (strings unescaped,
** numbers as written) into buf; NULL when absent or null.  *is_text (when
** not NULL) says whether it was a JSON string. */
const char *lrp_json_get(const char *json, const char *name, char *buf,
                         size_t n, int *is_text);

#endif
