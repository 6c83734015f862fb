/*
** diff_accounts.c -- lr_diff_accounts: what a policy change does to the
** accounts.  Each policy evaluates every contact and then every account
** with its own results (lrp_accounts_all), writing nothing, so the
** accounts of the new policy see the contacts as the new policy scores
** them.  Reported: the matrix of final account stages (old x new, matched
** by name), and every account whose stage or score changes (by the size
** of the change, then key), and each account rule's fire counts under
** both.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/account_all.h"
#include "../util/grow.h"
#include "outfmt.h"

typedef struct arow {
  char *key;
  double score;
  const char *stage;                  /* model-owned, or NULL */
} arow;

typedef struct side {
  arow *v;
  long long n, cap;
  long long *fired;                   /* per account rule */
} side;

static int on_account(void *ctx, lrp_acc_eval *ae, const lrs_account *a,
                      lrp_result *r) {
  side *s = ctx;
  arow *v = lru_grow(s->v, s->n, &s->cap, sizeof *v, 256);
  if (!v) return LR_NOMEM;
  s->v = v;
  arow *x = &s->v[s->n++];
  x->key = strdup(a->key);
  x->score = r->score;
  x->stage = r->stage >= 0 ? ae->in->acc.stages[r->stage].name : NULL;
  for (int i = 0; i < ae->in->acc.nrules; i++) s->fired[i] += r->fired[i];
  return x->key ? LR_OK : LR_NOMEM;
}

static void side_free(side *s) {
  for (long long i = 0; i < s->n; i++) free(s->v[i].key);
  free(s->v);
  free(s->fired);
}

/* Stage names of both models, funnel order of new then old extras. */
static int stage_names(const lrp_model *a, const lrp_model *b,
                       const char **out) {
  int n = 0;
  const lrp_model *ms[2] = { b, a };
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < ms[k]->nstages && n < 62; i++) {
      int seen = 0;
      for (int j = 0; j < n; j++)
        if (strcasecmp(out[j], ms[k]->stages[i].name) == 0) seen = 1;
      if (!seen) out[n++] = ms[k]->stages[i].name;
    }
  out[n++] = "(none)";
  return n;
}

static int stage_at(const char **names, int n, const char *s) {
  if (!s) return n - 1;
  for (int i = 0; i < n; i++)
    if (strcasecmp(names[i], s) == 0) return i;
  return n - 1;
}

typedef struct chg {
  long long i;
  double d;
} chg;

static int by_change(const void *a, const void *b) {
  const chg *x = a, *y = b;
  double ax = fabs(x->d), ay = fabs(y->d);
  if (ax != ay) return ax < ay ? 1 : -1;
  return x->i < y->i ? -1 : x->i > y->i;
}

static void write_text(lrp_out *o, lr_policy *po, lr_policy *pn,
                       const side *so, const side *sn, const char **names,
                       int ns, const chg *c, long long nc, long long list) {
  lrp_outf(o, "diff --accounts %s -> %s\n", po->path ? po->path : po->name,
           pn->path ? pn->path : pn->name);
  lrp_outf(o, "accounts   %lld evaluated, %lld change\n\n", so->n, nc);
  lrp_outs(o, "Final account stages (rows: old policy, columns: new)\n");
  lrp_table t;
  char al[64];
  memset(al, 'r', sizeof al);
  al[0] = 'l';
  al[ns + 1] = '\0';
  lrp_table_init(&t, al);
  lrp_table_cell(&t, "old \\ new");
  for (int j = 0; j < ns; j++) lrp_table_cell(&t, "%s", names[j]);
  for (int i = 0; i < ns; i++) {
    long long row[64] = {0}, any = 0;
    for (long long k = 0; k < so->n; k++)
      if (stage_at(names, ns, so->v[k].stage) == i) {
        row[stage_at(names, ns, sn->v[k].stage)]++;
        any++;
      }
    if (!any) continue;
    lrp_table_cell(&t, "%s", names[i]);
    for (int j = 0; j < ns; j++) lrp_table_cell(&t, "%lld", row[j]);
  }
  lrp_table_text(&t, o, 2);
  lrp_table_free(&t);
  lrp_outs(o, "\nAccounts that change (largest score change first)\n");
  for (long long k = 0; k < nc && (list < 0 || k < list); k++) {
    const arow *a = &so->v[c[k].i], *b = &sn->v[c[k].i];
    lrp_outf(o, "  %-36s score %g -> %g (%+g)", a->key, a->score, b->score,
             b->score - a->score);
    if (stage_at(names, ns, a->stage) != stage_at(names, ns, b->stage))
      lrp_outf(o, ", stage %s -> %s", a->stage ? a->stage : "(none)",
               b->stage ? b->stage : "(none)");
    lrp_outs(o, "\n");
  }
  if (!nc) lrp_outs(o, "  (none)\n");
}

static void write_json(lrp_out *o, const side *so, const side *sn,
                       const chg *c, long long nc, long long list) {
  lrp_outf(o, "{\"accounts\": %lld, \"changed\": %lld, \"changes\": [",
           so->n, nc);
  for (long long k = 0; k < nc && (list < 0 || k < list); k++) {
    const arow *a = &so->v[c[k].i], *b = &sn->v[c[k].i];
    lrp_outs(o, k ? ",\n  {\"key\": " : "\n  {\"key\": ");
    lrp_out_json_str(o, a->key);
    lrp_outs(o, ", \"old_score\": ");
    lrp_out_json_num(o, a->score);
    lrp_outs(o, ", \"new_score\": ");
    lrp_out_json_num(o, b->score);
    lrp_outs(o, ", \"old_stage\": ");
    lrp_out_json_str(o, a->stage);
    lrp_outs(o, ", \"new_stage\": ");
    lrp_out_json_str(o, b->stage);
    lrp_outs(o, "}");
  }
  lrp_outs(o, "\n]}\n");
}

static int evaluate(lr_policy *p, const lr_diff_opts *o, long long now,
                    side *s) {
  s->fired = calloc((size_t)p->main.acc.nrules + 1, sizeof *s->fired);
  if (!s->fired) return lr__err(p->db, LR_NOMEM, "out of memory");
  lrp_all_opts ao = { now, o->jobs, o->cancel, o->progress, o->progress_ctx,
                      "diff" };
  return lrp_accounts_all(p, &ao, on_account, s);
}

int lr_diff_accounts(lr_policy *po, lr_policy *pn, const lr_diff_opts *opts,
                     lr_write_fn write, void *ctx) {
  if (!lrp_policy_ok(po) || !lrp_policy_ok(pn)) return LR_MISUSE;
  lr_db *db = po->db;
  if (pn->db != db)
    return lr__err(db, LR_MISUSE, "diff: both policies must be loaded on the "
                   "same database");
  lr_diff_opts o;
  long long now;
  if (lr__opts(db, &o, sizeof o, opts, "lr_diff_accounts") != LR_OK ||
      lr__clock(db, o.now, "lr_diff_accounts", &now) != LR_OK ||
      lrp_accounts_pg_refuse(po) != LR_OK ||
      lrp_accounts_pg_refuse(pn) != LR_OK)
    return lr_errcode(db);
  side so, sn;
  memset(&so, 0, sizeof so);
  memset(&sn, 0, sizeof sn);
  int rc = evaluate(po, &o, now, &so);
  if (rc == LR_OK) rc = evaluate(pn, &o, now, &sn);
  chg *c = NULL;
  long long nc = 0;
  if (rc == LR_OK && so.n != sn.n)
    rc = lr__err(db, LR_BUSY, "diff: the accounts changed between the two "
                 "evaluations");
  if (rc == LR_OK && !(c = calloc((size_t)so.n + 1, sizeof *c)))
    rc = lr__err(db, LR_NOMEM, "out of memory");
  for (long long k = 0; rc == LR_OK && k < so.n; k++) {
    const arow *a = &so.v[k], *b = &sn.v[k];
    int moved = (a->stage == NULL) != (b->stage == NULL) ||
                (a->stage && strcasecmp(a->stage, b->stage) != 0);
    if (moved || a->score != b->score) {
      c[nc].i = k;
      c[nc++].d = b->score - a->score;
    }
  }
  if (rc == LR_OK) {
    qsort(c, (size_t)nc, sizeof *c, by_change);
    const char *names[64];
    int ns = stage_names(&po->main.acc, &pn->main.acc, names);
    long long list = o.stage_list ? o.stage_list : 50;
    lrp_out out;
    lrp_out_init(&out, write, ctx);
    if (o.format == LR_FMT_JSON) write_json(&out, &so, &sn, c, nc, list);
    else write_text(&out, po, pn, &so, &sn, names, ns, c, nc, list);
    rc = lrp_out_done(&out);
    if (rc != LR_OK) lr__err(db, rc, "diff: writing the report failed");
  }
  free(c);
  side_free(&so);
  side_free(&sn);
  return rc == LR_OK ? lr__ok(db) : rc;
}
