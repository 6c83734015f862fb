/*
** backtest.h -- the figures of a backtest, computed once (backtest.c),
** laid out as tables once (backtest_tables.c) and written as text, JSON
** (backtest.c) or HTML (backtest_html.c).
*/
#ifndef LR_BACKTEST_H
#define LR_BACKTEST_H

#include "../engine/model.h"
#include "outfmt.h"

#define LRP_BT_MAXWARN 8
#define LRP_BT_FEW 30                 /* fewer positives/negatives: warn */
#define LRP_BT_PURE 0.95              /* a rule this pure when it fires... */
#define LRP_BT_REACH 0.25             /* ...on this share of its class */

/* Contacts in a score band (a decile) or a stage, and how many converted. */
typedef struct lrp_bt_band {
  long long n, pos;
  double lo, hi;                    /* score range (deciles) */
} lrp_bt_band;

/* Everyone with score >= t is called: tp converted, fp did not. */
typedef struct lrp_bt_thr {
  double t;
  long long tp, fp;
} lrp_bt_thr;

/* One scored contact (or account), and what a chunk or the whole
** evaluation gathered. */
typedef struct lrp_bt_rec {
  double score;
  int stage;                          /* final stage index */
  int label;                          /* 1 converted, 0 not */
} lrp_bt_rec;

typedef struct lrp_bt_acc {
  lrp_bt_rec *v;
  long long n, cap;
  long long evaluated, excluded;
  long long *rule_n, *rule_pos;       /* per rule */
  long long *stage_n, *stage_pos;     /* per stage */
} lrp_bt_acc;

int lrp_bt_acc_init(lrp_bt_acc *a, const lrp_model *m);

/* backtest --accounts (backtest_accounts.c): every contact evaluated with
** the policy, then every account; an account is positive when any of its
** contacts has a won outcome, negative when some have outcomes and none
** won, left out without any.  Fills out over the account model. */
int lrp_bt_accounts_evaluate(lr_policy *p, const lr_backtest_opts *o,
                             long long now, lrp_bt_acc *out);

typedef struct lrp_bt {
  int accounts;                     /* scoring accounts, not contacts */
  lr_policy *p;
  const lrp_model *m;
  long long now;
  const char *outcome;              /* the column, or NULL: outcomes table */
  char leak[160];                   /* the policy reads the outcome: why */
  long long evaluated;              /* contacts scored */
  long long excluded;               /* of those, without a usable outcome */
  long long n, pos;                 /* with an outcome; positives */
  double base_rate;                 /* pos / n (NaN when n == 0) */
  double auc;                       /* NaN unless both classes present */
  lrp_bt_band decile[10];
  lrp_bt_band *stage;               /* per model stage */
  lrp_bt_thr *thr;                  /* distinct scores, highest first */
  long long nthr;
  long long best;                   /* thr index maximising F1, or -1 */
  long long capacity;               /* 0: not asked */
  long long cap_idx;                /* thr index for the capacity, or -1 */
  long long *rule_n, *rule_pos;     /* per rule: fired, fired and positive */
  char warn[LRP_BT_MAXWARN][256];   /* lrp_bt_warnings: for people */
  int nwarn;
} lrp_bt;

/* Warnings (backtest_warn.c, defined in docs/analytics.md): fewer than
** LRP_BT_FEW positives or negatives; a single rule that separates the
** outcome almost perfectly (a sign that it reads a field filled in after
** the outcome).  Fills b->warn and b->nwarn from the computed figures. */
void lrp_bt_warnings(lrp_bt *b);

/* Derived figures at threshold index i (NaN when undefined). */
double lrp_bt_precision(const lrp_bt *b, long long i);
double lrp_bt_recall(const lrp_bt *b, long long i);
double lrp_bt_f1(const lrp_bt *b, long long i);
/* Rates: pos/n (NaN for n == 0), and lift over the base rate. */
double lrp_bt_rate(long long pos, long long n);
double lrp_bt_lift(const lrp_bt *b, long long pos, long long n);
/* Threshold rows people see: all of them when there are few, else about
** one per 5% of contacts plus the best-F1 and capacity rows.  Returns the
** count written to idx (which holds room for 64). */
int lrp_bt_pick_thresholds(const lrp_bt *b, long long *idx);

/* The tables (backtest_tables.c), laid out once for every output. */
typedef enum lrp_bt_table_id {
  LRP_BT_DECILES,                   /* conversion by score decile */
  LRP_BT_STAGES,                    /* conversion by final stage */
  LRP_BT_THRESHOLDS,                /* text and HTML: the picked rows only */
  LRP_BT_RULES                      /* conversion when a rule fires */
} lrp_bt_table_id;

/* Table `id` with its heading, as aligned text (indented by 2, after a
** blank line) or as an HTML <h2>, note and <table>. */
void lrp_bt_table_text(const lrp_bt *b, lrp_bt_table_id id, lrp_out *o);
void lrp_bt_table_html(const lrp_bt *b, lrp_bt_table_id id, lrp_out *o);
/* Table `id` as a JSON member holding every row, one object a line:
** `,\n  "deciles": [...\n  ]` (the comma ends the member before). */
void lrp_bt_table_json(const lrp_bt *b, lrp_bt_table_id id, lrp_out *o);

/* The page (backtest_html.c): summary cards, charts, the tables. */
void lrp_bt_write_html(const lrp_bt *b, lrp_out *o);

#endif
