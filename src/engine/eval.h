/*
** eval.h -- evaluating one contact: the one path that run, dry-run,
** explain, backtest and diff all share.
**
** Order for each contact: Lua segments, rules (score, parts, groups),
** grades, transitions (each tried once, in declared order, against the
** current stage), handoff request.  The result is a pure function of the
** contact's row, its activities and `now`.
*/
#ifndef LR_EVAL_H
#define LR_EVAL_H

#include "../store/contact.h"
#include "../store/snap.h"
#include "model.h"

#define LRP_PHASE_IDLE 0
#define LRP_PHASE_SEGMENTS 1
#define LRP_PHASE_RULES 2
#define LRP_PHASE_TRANSITIONS 3
#define LRP_PHASE_HANDOFF 4
#define LRP_PHASE_SCRIPT 5          /* ad-hoc scripts: everything known */

typedef struct lrp_move {
  int from, to;                     /* stage indexes (from -1 if none) */
  int transition;                   /* index, or -1 for the initial stage */
} lrp_move;

/* What evaluating one contact produced. */
typedef struct lrp_result {
  double score;
  double *group;                    /* per model group (m.ngroups) */
  double *part;                     /* per rule: points (0 if not fired) */
  unsigned char *fired;             /* per rule */
  unsigned char *member;            /* per segment */
  int stage;                        /* final stage index */
  int start_stage;                  /* stage before transitions */
  lrp_move *moves;
  int nmoves, cap_moves;
  const char **grades;              /* per grade declaration (model-owned) */
  int handoff;                      /* handoff index, or -1 */
  char *fn_owner;                   /* owner from a Lua assign function */
  int leaf_router;                  /* router chosen (field routers resolved) */
  int manual_locked;                /* a manual lock holds the stage */
  int lock;                         /* LRP_LOCK_*: the lock's state */
  int nheld;                        /* transitions the lock held back */
  int held_first;                   /* the first of them (-1: none) */
  int held_to;                      /* the stage they would have reached */
  int clear_owner;                  /* unless the handoff assigns one, the
                                       lead is left without an owner */
  int notify;                       /* 1 + the notify declaration that
                                       selected this change; 0: none */
  int via_account;                  /* the handoff routes to the account's
                                       owner (account_owner{}); leaf_router
                                       and fn_owner are then the fallback */
} lrp_result;

/* The state of a contact's manual lock (lrp_manual_lock).  A move by hand
** holds the stage until a later move, an outcome closed after it, its
** expiry (manual_until) or a run that overrides it; imports and edits of
** the contact's data never release it. */
#define LRP_LOCK_NONE 0             /* never moved by hand (or released) */
#define LRP_LOCK_HELD 1             /* the policy leaves the stage alone */
#define LRP_LOCK_OUTCOME 2          /* an outcome closed after the move */
#define LRP_LOCK_EXPIRED 3          /* now >= manual_until */
#define LRP_LOCK_OVERRIDDEN 4       /* would hold; override_manual */
int lrp_manual_lock(const lrs_contact *c, long long now, int override_manual);

/* Trace sink for explain: reads performed by the current Lua call. */
typedef struct lrp_eval {
  lrp_instance *in;
  lua_State *L;
  lr_db *db;                        /* for error messages */
  lrs_snap *snap;                   /* snapshot for counts (read-only) */
  long long now;
  int override_manual;
  const lrs_contact *c;             /* contact being evaluated */
  lrp_result *r;                    /* its result being built */
  int phase;
  int cur_stage;
  int have_score_override;          /* explain what-if */
  double score_override;
  lr_buf *trace;                    /* non-NULL: record what Lua reads */
  /* Explain: called after each step with ev->trace holding what that step
  ** read (reset before each step).  kind is LR_EX_SEGMENT, LR_EX_RULE,
  ** LR_EX_TRANSITION or LR_EX_HANDOFF; index into the model's array. */
  void (*on_step)(struct lrp_eval *ev, int kind, int index, double points,
                  int fired);
  void *step_ctx;
  int lead_ref;                     /* the reusable lead userdata */
  void *lead_ud;                    /* its address: a cheap identity check */
  int fields_ref;                   /* table: field name -> column (1-based) */
  const char *const *colnames;      /* the producer's columns */
  int ncols;
  char err[2048];                   /* last error */
  /* Scripts: pending writes made through lead:set / lead:move_to. */
  void *script;
  /* run --changed (stable.h): the earliest time the evaluation's answer
  ** would change (LRP_NEVER: none) and, with trace, which read set it;
  ** reads_others: a rule read other contacts (segment or stage count()). */
  long long stable;
  char stable_why[192];
  long long clock_reads0;
  int reads_others;
  /* lead.account: the stored accounts (lrs_accounts), loaded on first use
  ** from snap (or the main connection) and freed with the context. */
  void *accounts;
} lrp_eval;

/* Prepare an evaluation context on an instance; colnames are the
** producer's column names (must outlive the context), snap the snapshot
** that stage:count() and segment:count() read (NULL: the main
** connection). */
int lrp_eval_init(lrp_eval *ev, lrp_instance *in, lrs_snap *snap,
                  const char *const *colnames, int ncols, long long now);
void lrp_eval_free(lrp_eval *ev);
int lrp_result_init(lrp_result *r, const lrp_model *m);
void lrp_result_free(lrp_result *r);
/* Evaluate one contact into r (reset first).  Returns LR_OK, or an error
** code with ev->err = "policy.lua:LINE: contact KEY: message". */
int lrp_eval_contact(lrp_eval *ev, const lrs_contact *c, lrp_result *r);
/* The policy's notify declarations, after the handoff (engine/notify.c):
** when the score, stage or first grade changed, call each `when(lead,
** change)` until one is true, and set r->notify.  Raises a Lua error as
** any rule does. */
void lrp_eval_notify(lua_State *L, lrp_eval *ev);
/* Steps shared by the contact and the account evaluation (eval.c):
** raise "WHERE: message" as a Lua error; record a move in r; whether a
** move from -> to recycles (a side stage, or down the funnel). */
int lrp_fail_at(lua_State *L, const char *where, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
void lrp_add_move(lrp_result *r, int from, int to, int t);
int lrp_recycles(const lrp_model *m, int from, int to);
/* The result's groups and grades as the JSON objects runs store. */
void lrp_json_scores(lr_buf *b, const lrp_model *m, const lrp_result *r);
void lrp_json_grades(lr_buf *b, const lrp_model *m, const lrp_result *r);
/* Grade letter for value v under grade g. */
const char *lrp_grade_of(const lrp_grade *g, double v);
/* Index of a group name in the model, or -1. */
int lrp_group_find(const lrp_model *m, const char *name);
/* 1 when the contact has an account under the instance's policy
** (account_members.c: lrp_contact_account). */
int lrp_contact_has_account(const lrp_instance *in, const lrs_contact *c);
/* lead.account (account_lookup.c): the stored account of key, loaded
** into ev->accounts on first use; NULL when none. */
struct lrs_account;
const struct lrs_account *lrp_stored_account(lrp_eval *ev, const char *key);
void lrp_stored_accounts_free(lrp_eval *ev);
/* The stored owner of the contact's account, or NULL (explain). */
const char *lrp_explain_account_owner(lrp_eval *ev, const lrs_contact *c);
/* Push lead.account: a table, or nil when the contact has none. */
int lrp_push_lead_account(lua_State *L, lrp_eval *ev);
/* Stage index of the contact's stored stage (case-insensitive); -1 when
** unknown, -2 when NULL (starts at the first funnel stage). */
int lrp_contact_stage(const lrp_model *m, const lrs_contact *c);

#endif
