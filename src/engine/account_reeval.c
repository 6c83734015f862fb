/*
** account_reeval.c -- the real-time hook: re-evaluate one account now.
** An event changes one contact; its account must follow without a whole
** run.  The account's contacts are evaluated through the one contact
** evaluation (eval.c), then the account (account_eval.c), and its changes
** written exactly as the account step of lr_run writes them
** (account_run.c): the same account ends in the same state either way.
** Contacts are not written: their results here only feed the account.
** lrp_account_reeval_in is the body, inside a caller's transaction (an
** event batch: run.c, run_accounts); lrp_account_reeval wraps it in its
** own.
*/
#include <stdio.h>
#include <string.h>

#include "../store/apply.h"
#include "account_run.h"
#include "worker.h"

int lrp_account_reeval_in(lr_policy *p, lrp_worker *w, const char *key,
                          long long now, long long run_id,
                          lrp_routing *shared, lrp_decisions *dec,
                          lrp_reeval_counts *out) {
  lr_db *db = p->db;
  char err[2048] = "";
  lrp_members ms;
  lrp_members_init(&ms);
  int rc = lrp_account_members(w, key, &ms, err, sizeof err);
  if (rc != LR_OK) lr__err(db, rc, "%s", err);
  lrp_members_sort(&ms);
  lrp_routing routing;
  memset(&routing, 0, sizeof routing);
  lrp_acc_phase ph;
  memset(&ph, 0, sizeof ph);
  if (rc == LR_OK && !shared)
    rc = lrp_routing_init(&routing, db, &p->main.m, now);
  if (rc == LR_OK) {
    ph.p = p;
    ph.now = now;
    ph.run_id = run_id;
    ph.apply = 1;
    ph.routing = shared ? shared : &routing;
    ph.members = &ms;
    ph.only_key = key;
    ph.out = dec;
    rc = lrp_acc_phase_run(&ph);
    if (rc != LR_OK) lr__err(db, rc, "%s", ph.err);
  }
  if (rc == LR_OK && !shared) rc = lrp_routing_save(&routing);
  if (rc == LR_OK && out) {
    out->evaluated += ph.evaluated;
    out->score_changes += ph.score_changes;
    out->moves += ph.moves;
    out->handoffs += ph.handoffs;
  }
  if (routing.db) lrp_routing_free(&routing);
  lrp_acc_phase_free(&ph);
  lrp_members_free(&ms);
  return rc;
}

int lrp_account_reeval(lr_policy *p, long long account_id, long long now) {
  if (!lrp_policy_ok(p)) return LR_MISUSE;
  lr_db *db = p->db;
  if (lr__clock(db, now, "lrp_account_reeval", &now) != LR_OK)
    return lr_errcode(db);
  char key[512], err[2048] = "";
  lrp_worker w;                      /* a snapshot of the committed data */
  int rc = lrp_worker_open(&w, p, 0, now, 0, NULL, err, sizeof err);
  if (rc == LR_OK) {
    rc = lrs_account_key(w.snap, account_id, key, sizeof key);
    if (rc == LR_NOTFOUND)
      snprintf(err, sizeof err, "no account #%lld", account_id);
    else if (rc != LR_OK)
      snprintf(err, sizeof err, "%s", lrs_snap_errmsg(w.snap));
  }
  if (rc != LR_OK) lr__err(db, rc, "%s", err[0] ? err : lr_errstr(rc));
  lrp_reeval_counts n;
  memset(&n, 0, sizeof n);
  long long run_id = 0;
  int began = 0;
  if (rc == LR_OK && (rc = lrs_begin(db)) == LR_OK) began = 1;
  if (rc == LR_OK)
    rc = lrs_run_start(db, "account", p->path ? p->path : p->name, p->hash,
                       now, NULL, &run_id);
  lrp_decisions dec;
  lrp_decisions_init(&dec, db, now, run_id, rc == LR_OK);
  if (rc == LR_OK)
    rc = lrp_account_reeval_in(p, &w, key, now, run_id, NULL, &dec, &n);
  if (rc == LR_OK) rc = lrp_decisions_flush(&dec);
  lrp_decisions_free(&dec);
  if (rc == LR_OK)
    rc = lrs_run_finish(db, run_id, n.evaluated, n.score_changes, n.moves,
                        n.handoffs, 0);
  if (began) {
    if (rc == LR_OK) rc = lrs_commit(db);
    if (rc != LR_OK) lrs_rollback(db);
  }
  lrp_worker_close(&w);
  return rc == LR_OK ? lr__ok(db) : rc;
}
