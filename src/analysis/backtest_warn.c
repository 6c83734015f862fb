/*
** backtest_warn.c -- what a backtest's reader must know before trusting
** it: a sample too small to measure, and a rule that alone separates the
** outcome almost perfectly.  The second is how leakage looks: a rule on
** a field sales fills in after talking to a lead (Tags in the X
** Education data) "predicts" conversion because it records it.
*/
#include <stdarg.h>
#include <stdio.h>

#include "backtest.h"

static void add(lrp_bt *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static void add(lrp_bt *b, const char *fmt, ...) {
  if (b->nwarn >= LRP_BT_MAXWARN) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->warn[b->nwarn++], sizeof b->warn[0], fmt, ap);
  va_end(ap);
}

static void small_samples(lrp_bt *b) {
  long long P = b->pos, N = b->n - b->pos;
  if (!b->n) return;
  if (P < LRP_BT_FEW)
    add(b, "only %lld contact%s converted (fewer than %d): AUC, lift and "
        "thresholds rest on too few cases to trust", P, P == 1 ? "" : "s",
        LRP_BT_FEW);
  if (N < LRP_BT_FEW)
    add(b, "only %lld contact%s did not convert (fewer than %d): AUC, "
        "precision and thresholds rest on too few cases to trust", N,
        N == 1 ? "" : "s", LRP_BT_FEW);
}

/* A rule fired on at least LRP_BT_FEW contacts whose conversion rate when
** it fires is at least LRP_BT_PURE (or at most 1 - LRP_BT_PURE) while it
** fires on at least LRP_BT_REACH of the converted (or of the others). */
static void separating_rules(lrp_bt *b) {
  long long P = b->pos, N = b->n - b->pos;
  if (!P || !N) return;
  for (int i = 0; i < b->m->nrules; i++) {
    long long n = b->rule_n[i], a = b->rule_pos[i];
    if (n < LRP_BT_FEW) continue;
    double rate = (double)a / (double)n;
    double pos_share = (double)a / (double)P, neg_share = (double)(n - a) / (double)N;
    int up = rate >= LRP_BT_PURE && pos_share >= LRP_BT_REACH;
    int down = rate <= 1 - LRP_BT_PURE && neg_share >= LRP_BT_REACH;
    if (!up && !down) continue;
    add(b, "rule '%s' alone separates the outcome almost perfectly: %.1f%% of "
        "the contacts it fires on %s, and it fires on %.1f%% of those who "
        "%s; check that it does not read a field filled in after the outcome "
        "(as Tags is in the X Education data)", b->m->rules[i].name,
        100.0 * (up ? rate : 1 - rate), up ? "converted" : "did not convert",
        100.0 * (up ? pos_share : neg_share), up ? "did" : "did not");
  }
}

void lrp_bt_warnings(lrp_bt *b) {
  b->nwarn = 0;
  small_samples(b);
  separating_rules(b);
}
