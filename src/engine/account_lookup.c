/*
** account_lookup.c -- lead.account: the stored account a contact is
** matched to, read from the evaluation's snapshot.  The accounts are
** loaded once per evaluation context (each worker has its own) on the
** first lead.account, and searched by key.
*/
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>

#include "../lua/host.h"
#include "account_eval.h"
#include "objects.h"

const lrs_account *lrp_stored_account(lrp_eval *ev, const char *key) {
  if (!key) return NULL;
  if (!ev->accounts) {
    lrs_accounts *a = calloc(1, sizeof *a);
    lrs_snap *snap = ev->snap ? ev->snap : lrs_snap_main(ev->db);
    if (!a || !snap || lrs_accounts_load(snap, NULL, a) != LR_OK) {
      free(a);
      return NULL;
    }
    ev->accounts = a;
  }
  return lrs_accounts_find(ev->accounts, key);
}

void lrp_stored_accounts_free(lrp_eval *ev) {
  if (!ev->accounts) return;
  lrs_accounts_free(ev->accounts);
  free(ev->accounts);
  ev->accounts = NULL;
}

const char *lrp_explain_account_owner(lrp_eval *ev, const lrs_contact *c) {
  const lrs_account *a = lrp_stored_account(ev, lrp_contact_account(ev->in, c));
  return a && a->owner && *a->owner ? a->owner : NULL;
}

int lrp_push_lead_account(lua_State *L, lrp_eval *ev) {
  const lrs_account *a = lrp_stored_account(ev, lrp_contact_account(ev->in, ev->c));
  if (!a) {
    lua_pushnil(L);
    return 1;
  }
  lrx_push_stored_account(L, ev->in, a);
  return 1;
}
