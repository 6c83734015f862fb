/*
** model.h -- a loaded policy: the declarations a policy chunk made
** (stages, segments, rules, transitions, handoffs, grades) and the
** lr_policy handle that owns them.
**
** A model belongs to one Lua state (its function references live in that
** state's registry).  Parallel runs load the same source into one state
** per worker, each with its own identical model.
*/
#ifndef LR_MODEL_H
#define LR_MODEL_H

#include "../leadrules.h"
#include "../lua/runtime.h"
#include "../util/buf.h"

#define LRP_WHERE 96                 /* "file:LINE" */

typedef struct lrp_stage {
  char *name;
  int rank;                          /* funnel position 1..n; 0 for side */
  int side;
  char where[LRP_WHERE];
} lrp_stage;

typedef struct lrp_segment {
  char *name;
  char *sql;                         /* `where` SQL, or NULL */
  int when_ref;                      /* Lua `when` function, or LUA_NOREF */
  int sql_index;                     /* index among SQL segments, or -1 */
  int used;                          /* referenced by a rule or handoff */
  char where[LRP_WHERE];
} lrp_segment;

typedef struct lrp_rule {
  char *name;
  char *group;                       /* score group, or NULL */
  char *description;
  int has_points;
  double points;
  int when_ref;                      /* `when`, or LUA_NOREF */
  int score_ref;                     /* `score`, or LUA_NOREF */
  int has_max, has_min;
  double max, min;
  int segment;                       /* segment index, or -1 */
  char where[LRP_WHERE];
} lrp_rule;

typedef struct lrp_transition {
  int *from;                         /* stage indexes */
  int nfrom;
  int any_from;                      /* from = "*" */
  int to;
  int when_ref;
  char *reason;                      /* explicit reason, or NULL */
  int keep_owner;                    /* a recycle keeps the owner */
  char label[160];                   /* "lead->mql" */
  char where[LRP_WHERE];
} lrp_transition;

/* A router decides an owner: a fixed list (round robin with weights,
** capacity and away list), a field lookup, or a Lua function. */
#define LRP_ROUTER_RR 1
#define LRP_ROUTER_FIELD 2
#define LRP_ROUTER_FN 3
#define LRP_ROUTER_FIXED 4
#define LRP_ROUTER_ACCOUNT 5         /* account_owner{ fallback = router } */

typedef struct lrp_owner {
  char *name;
  int weight;
  int capacity;                      /* per day; 0 = unlimited */
  int away;
} lrp_owner;

typedef struct lrp_router {
  int kind;
  char id[64];                       /* stable id for routing_state */
  lrp_owner *owners;                 /* RR */
  int nowners;
  int capacity;                      /* default per-owner capacity */
  char *field;                       /* FIELD */
  char **values;                     /* FIELD: value -> router index */
  int *targets;
  int nvalues;
  int fallback;                      /* FIELD: router index for "*" or -1;
                                        ACCOUNT: the router for a lead whose
                                        account has no owner, or -1 */
  int fn_ref;                        /* FN */
  char *fixed;                       /* FIXED owner */
} lrp_router;

typedef struct lrp_handoff {
  int stage;
  int router;                        /* router index */
  long long due;                     /* SLA seconds, 0 = none */
  char where[LRP_WHERE];
} lrp_handoff;

typedef struct lrp_grade {
  char *group;                       /* score group, or NULL for total */
  char **letters;                    /* ordered best first */
  double *min;                       /* threshold for each letter */
  int n;
  char where[LRP_WHERE];
} lrp_grade;

typedef struct lrp_model {
  lrp_stage *stages; int nstages;    /* funnel first (rank order), side */
  int nfunnel;
  lrp_segment *segments; int nsegments;
  int nsql_segments;
  lrp_rule *rules; int nrules;
  lrp_transition *transitions; int ntransitions;
  lrp_handoff *handoffs; int nhandoffs;
  lrp_router *routers; int nrouters;
  lrp_grade *grades; int ngrades;
  char **groups; int ngroups;        /* distinct rule groups, in order */
  int total_ref;                     /* optional `total` function */
  char total_where[LRP_WHERE];       /* "policy.lua:LINE" of `total` */
  int loading;                       /* declarations allowed */
  /* notify { when = function(lead, change) } (engine/notify.c) */
  int *notify_refs;
  char (*notify_where)[LRP_WHERE];
  int nnotify;
} lrp_model;

/* A Lua state with a policy loaded in it. */
typedef struct lrp_instance {
  lrl_state *rt;
  lrp_model m;
  /* Account declarations (account_stages, account_rule, ...): a model of
  ** its own, whose handoffs name routers of m (account.c). */
  lrp_model acc;
  char **freemail;                   /* free_mail { ... }: more domains */
  int nfreemail;
  struct lr_policy *policy;
  struct lrp_eval *ev;               /* evaluation context using it, or NULL */
} lrp_instance;

#define LRP_POLICY_MAGIC 0x4C52504FU    /* "LRPO": a live lr_policy */

struct lr_policy {
  unsigned magic;                    /* LRP_POLICY_MAGIC until freed */
  lr_db *db;
  char *path;                        /* file path, or the name given */
  char *name;                        /* chunk name used in messages */
  char *source;                      /* the policy text (for workers) */
  size_t source_len;
  char hash[65];                     /* sha-256 hex of source */
  char **aliases;                    /* lrs_field_aliases at load: pairs */
  int naliases;                      /* (other name, field), read-only */
  lr_policy_opts opts;
  int lua_touched;                   /* lr_policy_lua was called */
  int counted;                       /* counted by lrs_hold */
  lr_buf *collect;                   /* lr_policy_errors: failed loads go
                                        here, "file:LINE: error: ...\n" */
  int ncollected;
  lrp_instance main;
  /* lr_apply_events keeps its worker (scan statements prepared on the
  ** writer's connection) open between calls: realtime.c. */
  struct lrp_worker *rt_worker;
  int rt_schema;                     /* the schema version it was opened at */
};

/* Close the worker lr_apply_events kept (realtime.c; NULL-safe). */
void lrp_realtime_free(struct lr_policy *p);

/* Load the policy at `path` with every declaration error collected into
** `found` (see collect.c); *n counts them.  Returns LR_POLICY when any
** error was found (*out NULL), else as lr_policy_load_v2. */
int lrp_policy_load_collect(lr_db *db, const char *path,
                            const lr_policy_opts *opts, lr_buf *found,
                            int *n, struct lr_policy **out);

/* 1 when p is a live policy (not NULL, not freed: a debugging aid, since
** freed memory may be reused). */
int lrp_policy_ok(const struct lr_policy *p);
/* A handle freed twice, or not one of ours: say so on stderr and abort
** (fn: the API function, what: "policy", "session"). */
void lrp_misuse_abort(const char *fn, const char *what);

/* Create an instance: new sandboxed state, declarations registered, the
** policy chunk run, model validated.  On error returns an LR code and
** writes the message into err. */
int lrp_instance_load(lrp_instance *in, struct lr_policy *p, char *err,
                      size_t errlen);
void lrp_instance_free(lrp_instance *in);

/* Find a stage/segment by name (case-insensitive for stages); -1 if none. */
int lrp_stage_find(const lrp_model *m, const char *name);
int lrp_segment_find(const lrp_model *m, const char *name);

/* Register the declaration functions and objects in the instance's state
** (declare.c). */
void lrp_declare_open(lrp_instance *in);

/* Declarations into a given model, shared by the contact and the account
** vocabulary (declare.c; account_declare.c).  Each raises a Lua error
** naming the policy line.  The options table is argument 1. */
void lrp_decl_stage(lua_State *L, lrp_model *m, const char *name, int side);
void lrp_decl_stages(lua_State *L, lrp_model *m, const char *what);
/* kind: "rule" or "account_rule" (which takes no segment). */
void lrp_decl_rule(lua_State *L, lrp_model *m, const char *name,
                   const char *kind);
void lrp_decl_rule_name(lua_State *L, const lrp_model *m, const char *name,
                        const char *kind);
void lrp_decl_transition(lua_State *L, lrp_model *m);
/* A handoff into m, its router declared in routes (the contact model). */
void lrp_decl_handoff(lua_State *L, lrp_model *m, lrp_model *routes);
/* The router index of the assign value on top of the stack (popped): a
** router object, an owner name or a function. */
int lrp_decl_router(lua_State *L, lrp_model *m, const char *what);
int lrp_new_router(lua_State *L, lrp_model *m, int kind);
void lrp_push_router(lua_State *L, int idx);
/* Raise an error naming the first key of the table at idx not in allowed. */
void lrp_check_keys(lua_State *L, int idx, const char *what,
                    const char *const *allowed);
/* Register the account vocabulary (account_declare.c). */
void lrp_account_declare_open(lrp_instance *in);
/* 1 when the policy declares anything about accounts. */
int lrp_has_accounts(const lrp_instance *in);
/* LR_OK, or on a PostgreSQL handle for a policy with accounts LR_ERROR
** with "POLICY: accounts are not supported on PostgreSQL yet ..." as its
** error (backtest, diff, check: account_declare.c). */
int lrp_accounts_pg_refuse(struct lr_policy *p);
/* After the chunk ran: grades over account groups move to in->acc. */
int lrp_account_validate(lrp_instance *in, char *err, size_t errlen);
/* Push a namespace table of in, like the globals `stage` and `segment`:
** index(t, name) looks names up (a closure over in), writes are refused,
** and call (when not NULL, also a closure over in) declares. */
void lrp_push_namespace(lua_State *L, lrp_instance *in, lua_CFunction call,
                        lua_CFunction index);
/* Check the model after the chunk ran (unknown stages etc.). */
int lrp_model_validate(lrp_instance *in, char *err, size_t errlen);
void lrp_model_free(lrp_model *m, lua_State *L);

#endif
