/*
** report.h -- the figures of lr_report, computed once (report.c) and
** written as text and JSON (report.c) or as the HTML dashboard
** (report_html.c).  Private to src/analysis.
*/
#ifndef LR_REPORT_H
#define LR_REPORT_H

#include "../store/report_sql.h"
#include "../engine/model.h"
#include "outfmt.h"

/* ---- the dashboard's figures (report_trend.c) ------------------------------- */

/* Counts per time bucket (a week from Monday, or a calendar month), with
** no gap: an empty bucket between two others is there with zeros. */
typedef struct lrp_trend {
  int monthly;
  int n, width;                        /* buckets; values per bucket */
  long long *start;                    /* [n]: unix seconds, UTC */
  long long *v;                        /* [n * width] */
} lrp_trend;

/* Weeks for a span of at most 26 weeks, else months. */
int lrp_trend_monthly(long long first, long long last);
/* Sum rows (day[i], vals[i * width ..]) into buckets; LR_OK or LR_NOMEM. */
int lrp_trend_build(lrp_trend *t, int monthly, const long long *day,
                    const long long *vals, long long nrows, int width);
/* Bucket i's label: "2026-10-05" (a week's Monday) or "2026-10". */
void lrp_trend_label(const lrp_trend *t, int i, char *buf, size_t n);
void lrp_trend_free(lrp_trend *t);

#define CLOCK_GIVEN 0                  /* opts->now (--now) */
#define CLOCK_RUN 1                    /* the latest run's now */
#define CLOCK_WALL 2                   /* no run recorded: the wall clock */
#define ORDER_POLICY 0                 /* --policy */
#define ORDER_RUN 1                    /* stages the latest run recorded */
#define ORDER_HISTORY 2                /* stage_history positions */
#define MAX_GROUPS 25                  /* larger values fold into (other) */
#define NBANDS 6

typedef struct handrow {
  int g;
  char *owner;
  long long n, with_due, breached;
} handrow;

typedef struct graderow {
  int g;
  char *grade;
  long long n[NBANDS];
} graderow;

typedef struct rpt {
  lr_db *db;
  lr_report_opts o;
  long long now;
  int clock;                           /* CLOCK_*: where `now` came from */
  long long clock_run;                 /* CLOCK_RUN: that run's id */
  const lrp_model *m;                  /* optional policy: funnel order */
  int order;                           /* ORDER_*: where stages came from */
  int nfunnel;                         /* stage[0..nfunnel-1]: the funnel */
  lr_buf funnel_json;                  /* those names, a JSON array */
  const char *by;                      /* "segment", a field, or NULL */
  lrs_dim dim;
  lr_buf keep;
  char **group;                        /* split groups, then "(all)" last */
  int ngroups;
  int nkept;                           /* with dim.keep: the groups kept */
  char **stage;
  int nstages;
  int (*pair)[2];
  int npairs;
  long long *funnel;                   /* [g][nstages + 1]: + NULL stage */
  long long *entered, *converted;      /* [g][npairs] */
  long long *stays;                    /* [g][nstages] */
  long long *through;                  /* [g][nstages]: zero-second stays */
  double *median;                      /* [g][nstages] */
  handrow *hand;
  int nhand, caphand;
  long long *won, *lost, *amount_n;    /* [g] */
  double *amount;
  graderow *grades;
  int ngrades;
  /* the dashboard */
  long long *reach;                    /* [g][nfunnel + 1]: contacts of the
                                          cohort that reached funnel stage
                                          k or a later one; [nfunnel]: the
                                          cohort (first history >= since) */
  double *q1, *q3;                     /* [g][nstages]: quartiles of stays */
  long long *coh;                      /* cohort rows: day, top, contacts */
  long long ncoh, capcoh;
  struct rexit { int from, to; long long n; } *exits;
  int nexits;
  long long *hday;                     /* handoff rows: day, n, due, breached */
  long long nhday, caphday;
  lrp_trend trend;                     /* width nfunnel + 1: contacts, then
                                          reached funnel stage 1, 2, ... */
  lrp_trend htrend;                    /* width 2: handoffs, breached */
  long long win_first, win_last, win_rows;
  const char *policy_path, *policy_hash;
  int oom;
  /* for the callbacks */
  int all;                             /* rows go to the (all) group */
  int cur_pair;
  double *buf;                         /* stays of the current (g, stage) */
  long long nbuf, capbuf;
  int buf_g, buf_s;
} rpt;

/* ---- the one pass (report_pass.c) --------------------------------------------- */

/* Read every table once for r (its groups, funnel, since and clock set)
** and keep what the figures need; *out to free with lrp_pass_free, also
** on error.  An LR code (lr_errmsg(r->db) says why, but for LR_NOMEM). */
typedef struct lrp_pass lrp_pass;
int lrp_pass_run(rpt *r, lrp_pass **out);
/* The groups of r's split by size, as lrs_report_groups: a field's
** values counted in memory (one read of the column, no sort), unless
** there are too many of them. */
int lrp_pass_groups(rpt *r, lrs_row_fn fn, void *ctx);
void lrp_pass_free(lrp_pass *p);
/* The figures as rows (lrs_value columns, valid during the call) to the
** callbacks that once read one query each; `all`: the (all) group's rows,
** else the split's; d is a group's name.  In the order the callbacks
** need it where order counts.
**   stage_seen  (stage, first position, mean position, rows) of every
**               stage entered in stage_history, where a row's position
**               is its place (1, 2, ...) in its contact's history by (at,
**               id); then stages only in contacts.stage, positions NULL
**   moves       (from, to, 0): direct moves, from non-NULL and not to
**   funnel      (d, current stage, contacts)
**   passed      (d, passed, moved on): through funnel stage k
**   conversion  (d, entered, converted) from one stage to another
**   stays       (d, stage, seconds, times): completed stays that began at
**               or after since, a (d, stage)'s together; zero-second
**               stays once with their number
**   handoffs    (d, owner, handoffs, with a due time, breached), by d
**               (NULL first) and owner
**   grades      (d, grade, engagement band, contacts)
**   reached     (d, top, contacts): contacts whose first history row is
**               at or after since, by the furthest funnel stage entered
**               (NULL: none)
**   cohorts     (day, top, contacts): the same by the UTC day of that
**               first row, by day and top
**   exits       (from, to, contacts) moving at or after since, by names
**   handoff_days (day, handoffs, with a due time, breached), by day
**   window      (first at, last at, rows) of the whole history */
int lrp_pass_stage_seen(lrp_pass *p, lrs_row_fn fn, void *ctx);
int lrp_pass_moves(lrp_pass *p, lrs_row_fn fn, void *ctx);
int lrp_pass_funnel(lrp_pass *p, int all, lrs_row_fn fn, void *ctx);
int lrp_pass_passed(lrp_pass *p, int all, int k, lrs_row_fn fn, void *ctx);
int lrp_pass_conversion(lrp_pass *p, int all, const char *from,
                        const char *to, lrs_row_fn fn, void *ctx);
int lrp_pass_stays(lrp_pass *p, int all, lrs_row_fn fn, void *ctx);
int lrp_pass_handoffs(lrp_pass *p, int all, lrs_row_fn fn, void *ctx);
int lrp_pass_grades(lrp_pass *p, int all, lrs_row_fn fn, void *ctx);
int lrp_pass_reached(lrp_pass *p, int all, lrs_row_fn fn, void *ctx);
int lrp_pass_cohorts(lrp_pass *p, lrs_row_fn fn, void *ctx);
int lrp_pass_exits(lrp_pass *p, lrs_row_fn fn, void *ctx);
int lrp_pass_handoff_days(lrp_pass *p, lrs_row_fn fn, void *ctx);
/* The outcomes as lrs_report_outcomes gives them for the split (all: for
** (all)), each contact's group from the pass instead of a join with the
** contacts table; -1 when it cannot say (a segment split: the caller
** asks lrs_report_outcomes). */
int lrp_pass_outcomes(lrp_pass *p, int all, lrs_row_fn fn, void *ctx);
int lrp_pass_window(lrp_pass *p, lrs_row_fn fn, void *ctx);

/* ---- shared by the writers (report.c) ----------------------------------------- */

#define LRP_SMALL_SAMPLE 30            /* fewer: flagged as a small sample */
#define LRP_CHART_GROUPS 10            /* charts fold the rest into (other) */

double lrp_report_ratio(long long a, long long b);

/* The rows of a chart by group: row[g] for each group but (all), the
** first LRP_CHART_GROUPS groups (largest first) each in a row of its own,
** the rest in one row named "(other)"; name[row] gets the names.
** Returns the number of rows (at most LRP_CHART_GROUPS + 1). */
int lrp_report_chart_groups(const rpt *r, int *row, const char **name);

/* A figure resting on fewer than LRP_SMALL_SAMPLE cases (but some). */
typedef struct lrp_small {
  int g;                               /* the group, (all) included */
  const char *what;                    /* "contacts" (the funnel cohort),
                                          "deals" (won + lost), "sales"
                                          (won deals with an amount) */
  long long n;
} lrp_small;
/* Up to max of them, (all) first: the count written to v. */
int lrp_report_small(const rpt *r, lrp_small *v, int max);
/* The dashboard's members of the JSON object (report_dash.c). */
void lrp_report_json_dashboard(const rpt *r, lrp_out *o);
/* The header's texts: the clock, the history window asked for. */
void lrp_report_clock_text(const rpt *r, char *buf, size_t n);
void lrp_report_since_text(const rpt *r, char *buf, size_t n);
/* Every table (headings, notes, <table>s) as HTML. */
void lrp_report_tables_html(const rpt *r, lrp_out *o);
/* The dashboard page (report_html.c). */
void lrp_report_write_html(const rpt *r, lrp_out *o);

#endif
