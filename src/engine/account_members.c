/*
** account_members.c -- the members of each account: every matched
** contact's result of this evaluation (score, stage, groups, grade, last
** activity), kept by the run's writer (or backtest, diff, explain) in
** contact id order and sorted by account before accounts are evaluated.
*/
#include <stdlib.h>
#include <string.h>

#include "account_eval.h"

void lrp_members_init(lrp_members *ms) {
  memset(ms, 0, sizeof *ms);
  lra_init(&ms->arena, 65536);
}

void lrp_members_free(lrp_members *ms) {
  free(ms->v);
  lra_free(&ms->arena);
  memset(ms, 0, sizeof *ms);
}

/* The policy's free_mail{} domains name no account: a contact matched to
** one (by its email's domain) is unmatched under this policy. */
const char *lrp_contact_account(const lrp_instance *in, const lrs_contact *c) {
  const char *k = c->account_key;
  if (!k || !*k) return NULL;
  for (int i = 0; i < in->nfreemail; i++)
    if (strcmp(in->freemail[i], k) == 0) return NULL;
  return k;
}

int lrp_contact_has_account(const lrp_instance *in, const lrs_contact *c) {
  return lrp_contact_account(in, c) != NULL;
}

static lrp_member *grow(lrp_members *ms) {
  if (ms->n == ms->cap) {
    long long cap = ms->cap ? ms->cap * 2 : 1024;
    lrp_member *v = realloc(ms->v, (size_t)cap * sizeof *v);
    if (!v) return NULL;
    ms->v = v;
    ms->cap = cap;
  }
  return &ms->v[ms->n++];
}

static long long last_active(const lrs_contact *c, long long now) {
  long long t = 0;
  for (int i = 0; i < c->nacts; i++)
    if (c->acts[i].at <= now && c->acts[i].at > t) t = c->acts[i].at;
  return t;
}

int lrp_members_add(lrp_members *ms, const lrp_model *m,
                    const lrp_instance *in, const lrs_contact *c,
                    const lrp_result *r, long long now) {
  const char *acc = lrp_contact_account(in, c);
  if (!acc) return LR_OK;
  lrp_member *x = grow(ms);
  if (!x) return LR_NOMEM;
  x->id = c->id;
  x->key = lra_strdup(&ms->arena, c->key);
  x->account = lra_strdup(&ms->arena, acc);
  x->score = r->score;
  x->stage = r->stage;
  x->grade = m->ngrades ? r->grades[0] : NULL;   /* model-owned */
  x->groups = lra_alloc(&ms->arena, (size_t)(m->ngroups + 1) * sizeof *x->groups);
  if (!x->key || !x->account || !x->groups) return LR_NOMEM;
  if (m->ngroups) memcpy(x->groups, r->group, (size_t)m->ngroups * sizeof *x->groups);
  x->last_active = last_active(c, now);
  x->outcome = c->has_outcome ? strcmp(c->outcome, "won") == 0 : -1;
  return LR_OK;
}

int lrp_members_append(lrp_members *ms, const lrp_members *src, int ngroups) {
  for (long long i = 0; i < src->n; i++) {
    const lrp_member *s = &src->v[i];
    lrp_member *x = grow(ms);
    if (!x) return LR_NOMEM;
    *x = *s;
    x->key = lra_strdup(&ms->arena, s->key);
    x->account = lra_strdup(&ms->arena, s->account);
    x->groups = lra_alloc(&ms->arena, (size_t)(ngroups + 1) * sizeof *x->groups);
    if (!x->key || !x->account || !x->groups) return LR_NOMEM;
    if (ngroups) memcpy(x->groups, s->groups, (size_t)ngroups * sizeof *x->groups);
  }
  return LR_OK;
}

static int cmp_member(const void *a, const void *b) {
  const lrp_member *x = a, *y = b;
  int c = strcmp(x->account, y->account);
  if (c) return c;
  return x->id < y->id ? -1 : x->id > y->id;
}

void lrp_members_sort(lrp_members *ms) {
  if (ms->n > 1) qsort(ms->v, (size_t)ms->n, sizeof *ms->v, cmp_member);
}
