/*
** account_run.c -- the account step of a run (account_run.h): compare
** each account's evaluation with what is stored and write only what
** changed (a second run with the same policy and clock writes nothing for
** accounts): score, groups, grades, stage with its history and reasons,
** score parts, and the handoff to an owner.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/grow.h"
#include "account_run.h"
#include "worker.h"

void lrp_move_reason(const lrp_model *m, const lrp_move *mv, char *buf,
                     size_t n) {
  if (mv->transition < 0) {
    snprintf(buf, n, "initial stage");
    return;
  }
  const lrp_transition *t = &m->transitions[mv->transition];
  if (t->reason) snprintf(buf, n, "%s", t->reason);
  else snprintf(buf, n, "transition %s (%s)", t->label, t->where);
}

static int str_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

/* Parts as stored ("rule\tgroup\tpoints\n" by rule name) and write them
** again when they differ. */
static int write_parts(lrp_acc_phase *ph, const lrp_model *m,
                       const lrs_account *a, const lrp_result *r) {
  lr_db *db = ph->p->db;
  int order[512], n = 0;
  for (int i = 0; i < m->nrules && n < 512; i++)
    if (r->part[i] != 0) order[n++] = i;
  for (int i = 1; i < n; i++)          /* by rule name, as stored */
    for (int j = i; j > 0 && strcmp(m->rules[order[j - 1]].name,
                                    m->rules[order[j]].name) > 0; j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  lr_buf now = LR_BUF_INIT, was = LR_BUF_INIT;
  for (int i = 0; i < n; i++) {
    const lrp_rule *ru = &m->rules[order[i]];
    lrb_printf(&now, "%s\t%s\t%g\n", ru->name, ru->group ? ru->group : "",
               r->part[order[i]]);
  }
  int rc = lrs_account_parts_get(db, a->id, &was);
  if (rc == LR_OK && strcmp(lrb_str(&now), lrb_str(&was)) != 0) {
    rc = lrs_account_parts_clear(db, a->id);
    for (int i = 0; i < n && rc == LR_OK; i++) {
      const lrp_rule *ru = &m->rules[order[i]];
      rc = lrs_account_part(db, a->id, ru->name, ru->group, r->part[order[i]]);
    }
  }
  lrb_free(&now);
  lrb_free(&was);
  return rc;
}

static int collect_move(lrp_acc_phase *ph, const lrs_account *a,
                        const char *from, const char *to, const char *reason,
                        const char *where) {
  if (!ph->collect || (ph->collect_max && ph->nmove_list >= ph->collect_max))
    return LR_OK;
  lr_move *v = lru_grow(ph->move_list, ph->nmove_list, &ph->cap_moves,
                        sizeof *v, 32);
  if (!v) return LR_NOMEM;
  ph->move_list = v;
  lr_move *o = &v[ph->nmove_list++];
  memset(o, 0, sizeof *o);
  o->contact_id = a->id;
  o->key = lra_strdup(&ph->arena, a->key);
  o->from = from ? lra_strdup(&ph->arena, from) : NULL;
  o->to = lra_strdup(&ph->arena, to);
  o->reason = lra_strdup(&ph->arena, reason);
  o->transition = where ? lra_strdup(&ph->arena, where) : NULL;
  return o->key && o->to && o->reason ? LR_OK : LR_NOMEM;
}

static int record_moves(lrp_acc_phase *ph, const lrp_model *m,
                        const lrs_account *a, const lrp_result *r) {
  for (int i = 0; i < r->nmoves; i++) {
    const lrp_move *mv = &r->moves[i];
    char reason[320];
    lrp_move_reason(m, mv, reason, sizeof reason);
    const char *from = mv->from >= 0 ? m->stages[mv->from].name : a->stage;
    const char *to = m->stages[mv->to].name;
    const char *label = mv->transition >= 0 ? m->transitions[mv->transition].label
                                            : NULL;
    ph->moves++;
    int rc = collect_move(ph, a, from, to, reason, mv->transition >= 0 ?
                          m->transitions[mv->transition].where : NULL);
    if (rc == LR_OK && ph->apply)
      rc = lrs_account_history(ph->p->db, a->id, from, to, ph->now,
                               ph->run_id, reason, label);
    if (rc == LR_OK && ph->apply && ph->out)
      rc = lrp_decisions_move(ph->out, LRP_OUT_ACC_MOVE, 0, a->key, from, to,
                              mv->transition >= 0
                                  ? m->transitions[mv->transition].where
                                  : NULL, reason);
    if (rc != LR_OK) return rc;
  }
  return LR_OK;
}

/* Route the account's handoff; the owner it ends with into *after. */
static int hand_off(lrp_acc_phase *ph, const lrp_model *m,
                    const lrs_account *a, const lrp_result *r,
                    const char **after) {
  const char *owner = NULL;
  *after = r->clear_owner ? NULL : a->owner;
  if (r->handoff >= 0)
    owner = r->fn_owner ? r->fn_owner : lrp_route(ph->routing, r->leaf_router);
  if (!owner) {
    if (ph->apply && r->clear_owner && a->owner)
      return lrs_account_assign(ph->p->db, a->id, NULL, NULL, 0, 0, 0);
    return LR_OK;
  }
  *after = lra_strdup(&ph->arena, owner);
  const lrp_handoff *h = &m->handoffs[r->handoff];
  long long due = h->due ? ph->now + h->due : 0;
  const char *stage = m->stages[h->stage].name;
  ph->handoffs++;
  if (ph->collect && (!ph->collect_max || ph->nhandoff_list < ph->collect_max)) {
    lr_handoff *v = lru_grow(ph->handoff_list, ph->nhandoff_list,
                             &ph->cap_handoffs, sizeof *v, 32);
    if (!v) return LR_NOMEM;
    ph->handoff_list = v;
    lr_handoff *o = &v[ph->nhandoff_list++];
    memset(o, 0, sizeof *o);
    o->contact_id = a->id;
    o->key = lra_strdup(&ph->arena, a->key);
    o->stage = lra_strdup(&ph->arena, stage);
    o->owner = *after;
    o->at = ph->now;
    o->due = due;
  }
  if (!ph->apply) return LR_OK;
  int rc = lrs_account_assign(ph->p->db, a->id, owner, stage, ph->now,
                              ph->run_id, due);
  if (rc == LR_OK && ph->out)
    rc = lrp_decisions_handoff(ph->out, LRP_OUT_ACC_HANDOFF, 0, a->key, stage,
                               owner, due);
  return rc;
}

static int on_account(void *ctx, lrp_acc_eval *ae, const lrs_account *a,
                      lrp_result *r) {
  lrp_acc_phase *ph = ctx;
  const lrp_model *m = &ae->in->acc;
  ph->evaluated++;
  lr_buf sb = LR_BUF_INIT, gb = LR_BUF_INIT;
  lrp_json_scores(&sb, m, r);
  if (m->ngrades) lrp_json_grades(&gb, m, r);
  const char *grade = m->ngrades ? r->grades[0] : NULL;
  const char *grades = m->ngrades ? lrb_str(&gb) : NULL;
  const char *stage = r->stage >= 0 ? m->stages[r->stage].name : NULL;
  int moved = r->nmoves > 0;
  int changed = moved || r->score != a->score ||
                !str_eq(lrb_str(&sb), a->scores) || !str_eq(grade, a->grade) ||
                !str_eq(grades, a->grades) || !str_eq(stage, a->stage);
  if (r->score != a->score) ph->score_changes++;
  int rc = sb.oom || gb.oom ? LR_NOMEM : LR_OK;
  if (rc == LR_OK && changed && ph->apply)
    rc = lrs_account_update(ph->p->db, a->id, r->score, lrb_str(&sb), grade,
                            grades, stage, ph->now, moved);
  lrb_free(&sb);
  lrb_free(&gb);
  if (rc == LR_OK) rc = record_moves(ph, m, a, r);
  if (rc == LR_OK && ph->apply) rc = write_parts(ph, m, a, r);
  if (rc == LR_OK)
    rc = hand_off(ph, m, a, r, &ph->owner_after[a - ph->accounts.v]);
  if (rc != LR_OK)
    snprintf(ph->err, sizeof ph->err, "account %s: %s", a->key,
             rc == LR_NOMEM ? "out of memory" : lr_errmsg(ph->p->db));
  return rc;
}

int lrp_acc_phase_run(lrp_acc_phase *ph) {
  lr_db *db = ph->p->db;
  lrp_instance *in = &ph->p->main;
  lra_init(&ph->arena, 16384);
  lrs_snap *snap = lrs_snap_main(db);
  int rc = lrs_accounts_load(snap, ph->only_key, &ph->accounts);
  if (rc != LR_OK) {
    snprintf(ph->err, sizeof ph->err, "accounts: %s", lrs_snap_errmsg(snap));
    return rc;
  }
  ph->owner_after = calloc((size_t)ph->accounts.n + 1, sizeof *ph->owner_after);
  if (!ph->owner_after) {
    snprintf(ph->err, sizeof ph->err, "out of memory");
    return LR_NOMEM;
  }
  for (int i = 0; i < ph->accounts.n; i++)
    ph->owner_after[i] = ph->accounts.v[i].owner;
  if (ph->stored_only || !lrp_has_accounts(in))
    return LR_OK;                            /* owners stay as stored */
  lrp_acc_eval ae;
  lrp_acc_eval_init(&ae, in, snap, ph->now);
  rc = lrp_accounts_each(&ae, &ph->accounts, ph->members, on_account, ph);
  if (rc != LR_OK && !ph->err[0])
    snprintf(ph->err, sizeof ph->err, "%s", ae.err);
  lrp_acc_eval_free(&ae);
  return rc;
}

const char *lrp_acc_phase_owner(const lrp_acc_phase *ph, const char *key) {
  const lrs_account *a = key ? lrs_accounts_find(&ph->accounts, key) : NULL;
  return a ? ph->owner_after[a - ph->accounts.v] : NULL;
}

void lrp_acc_phase_free(lrp_acc_phase *ph) {
  lrs_accounts_free(&ph->accounts);
  free(ph->owner_after);
  free(ph->move_list);
  free(ph->handoff_list);
  lra_free(&ph->arena);
  ph->owner_after = NULL;
  ph->move_list = NULL;
  ph->handoff_list = NULL;
}

int lrp_account_members(lrp_worker *w, const char *key, lrp_members *ms,
                        char *err, size_t errlen) {
  long long *ids = NULL;
  int n = 0;
  int rc = lrs_account_contact_ids(w->snap, key, &ids, &n);
  if (rc != LR_OK) {
    snprintf(err, errlen, "account %s: %s", key, lrs_snap_errmsg(w->snap));
    return rc;
  }
  for (int i = 0; i < n && rc == LR_OK; i++) {
    const lrs_contact *c;
    rc = lrs_scan_one(w->scan, ids[i]);
    int got = rc == LR_OK ? lrs_scan_next(w->scan, &c) : -rc;
    if (got != 1) {
      rc = got < 0 ? -got : LR_NOTFOUND;
      snprintf(err, errlen, "account %s: cannot read contact #%lld", key,
               ids[i]);
      break;
    }
    rc = lrp_eval_contact(&w->ev, c, &w->res);
    if (rc != LR_OK) {
      snprintf(err, errlen, "%s", w->ev.err);
      break;
    }
    rc = lrp_members_add(ms, &w->in->m, w->in, c, &w->res, w->ev.now);
  }
  free(ids);
  return rc;
}
