/*
** account_declare.c -- the account vocabulary of a policy:
**
**   account_stages { "target", "engaged", "qualified", "customer" }
**   account_stage "churned"                      -- a side stage
**   account_rule "buying group" { group = "coverage", points = 20,
**     when = function(account) return account:count{ min_stage = "mql" } >= 2 end }
**   account_transition { from = "target", to = "engaged", when = f, reason = "..." }
**   account_handoff { stage = "qualified", assign = round_robin{...}, due = "2d" }
**   handoff { stage = "sql", assign = account_owner { fallback = round_robin{...} } }
**   free_mail { "mail.corp.example" }            -- more domains never matched
**
** Declarations go into the instance's account model (in->acc), with the
** same checks and messages as the contact declarations they mirror; a
** `grade` over a group only account rules have grades accounts.
*/
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "../lua/host.h"
#include "eval.h"
#include "model.h"
#include "../store/store.h"

static lrp_instance *inst(lua_State *L) {
  return (lrp_instance *)lrl_closure_ctx(L);
}

static lrp_instance *loading(lua_State *L, const char *what) {
  lrp_instance *in = inst(L);
  if (!in->m.loading)
    lrl_error(L, "%s can only be declared when the policy loads", what);
  return in;
}

static int l_account_stages(lua_State *L) {
  lrp_decl_stages(L, &loading(L, "account_stages")->acc, "account_stages");
  return 0;
}

static int l_options_ignored(lua_State *L) {
  if (lua_istable(L, 1)) {
    static const char *const allowed[] = {"description", NULL};
    lrp_check_keys(L, 1, "account_stage", allowed);
  } else if (!lua_isnoneornil(L, 1)) {
    lrl_error(L, "account_stage: options must be a table");
  }
  return 0;
}

static int l_account_stage(lua_State *L) {
  lrp_instance *in = loading(L, "account_stage");
  const char *name = lrl_checkcstring(L, 1, "account stage name");
  lrp_decl_stage(L, &in->acc, name, 1);
  lrl_push_closure(L, l_options_ignored, in);
  return 1;
}

static int l_account_rule_opts(lua_State *L) {
  lrp_instance *in = loading(L, "account_rule");
  lrp_decl_rule(L, &in->acc, lua_tostring(L, lua_upvalueindex(2)),
                "account_rule");
  return 0;
}

static int l_account_rule(lua_State *L) {
  lrp_instance *in = loading(L, "account_rule");
  const char *name = lrl_checkcstring(L, 1, "account rule name");
  lrp_decl_rule_name(L, &in->acc, name, "account_rule");
  lua_pushlightuserdata(L, in);
  lua_pushvalue(L, 1);
  lua_pushcclosure(L, l_account_rule_opts, 2);
  return 1;
}

static int l_account_transition(lua_State *L) {
  static const char *const allowed[] = {"from", "to", "when", "reason",
      "keep_owner", NULL};
  lrp_instance *in = loading(L, "account_transition");
  luaL_checktype(L, 1, LUA_TTABLE);
  lrp_check_keys(L, 1, "account_transition", allowed);
  lrp_decl_transition(L, &in->acc);
  return 0;
}

static int l_account_handoff(lua_State *L) {
  static const char *const allowed[] = {"stage", "assign", "due", NULL};
  lrp_instance *in = loading(L, "account_handoff");
  luaL_checktype(L, 1, LUA_TTABLE);
  lrp_check_keys(L, 1, "account_handoff", allowed);
  lrp_decl_handoff(L, &in->acc, &in->m);
  return 0;
}

/* account_owner { fallback = router | "owner" | function(lead) } */
static int l_account_owner(lua_State *L) {
  static const char *const allowed[] = {"fallback", NULL};
  lrp_instance *in = loading(L, "account_owner");
  if (lua_isnoneornil(L, 1)) lua_newtable(L), lua_replace(L, 1);
  luaL_checktype(L, 1, LUA_TTABLE);
  lrp_check_keys(L, 1, "account_owner", allowed);
  int fallback = -1;
  if (lua_getfield(L, 1, "fallback") != LUA_TNIL) {
    fallback = lrp_decl_router(L, &in->m, "account_owner: 'fallback'");
    if (in->m.routers[fallback].kind == LRP_ROUTER_ACCOUNT)
      lrl_error(L, "account_owner: 'fallback' cannot be account_owner again");
  } else {
    lua_pop(L, 1);
  }
  int idx = lrp_new_router(L, &in->m, LRP_ROUTER_ACCOUNT);
  in->m.routers[idx].fallback = fallback;
  lrp_push_router(L, idx);
  return 1;
}

/* free_mail { "mail.corp.example", ... } */
static int l_free_mail(lua_State *L) {
  lrp_instance *in = loading(L, "free_mail");
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 1);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_geti(L, 1, i) != LUA_TSTRING)
      lrl_error(L, "free_mail: entry %d must be a domain", (int)i);
    const char *d = lrl_tocstring(L, -1, "free_mail: a domain");
    char **v = realloc(in->freemail, (size_t)(in->nfreemail + 1) * sizeof *v);
    if (!v) lrl_error(L, "out of memory");
    in->freemail = v;
    char *low = strdup(d);
    if (!low) lrl_error(L, "out of memory");
    for (char *p = low; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
    in->freemail[in->nfreemail++] = low;
    lua_pop(L, 1);
  }
  return 0;
}

void lrp_account_declare_open(lrp_instance *in) {
  lua_State *L = in->rt->L;
  in->acc.total_ref = LUA_NOREF;
  static const luaL_Reg decls[] = {
    {"account_stages", l_account_stages}, {"account_stage", l_account_stage},
    {"account_rule", l_account_rule},
    {"account_transition", l_account_transition},
    {"account_handoff", l_account_handoff},
    {"account_owner", l_account_owner}, {"free_mail", l_free_mail},
    {NULL, NULL}};
  lrl_set_closures(L, decls, in);
}

/* A grade over a group that only account rules have grades accounts: it
** moves from the contact model to the account model. */
int lrp_account_validate(lrp_instance *in, char *err, size_t errlen) {
  lrp_model *m = &in->m, *a = &in->acc;
  (void)err; (void)errlen;
  int k = 0;
  for (int i = 0; i < m->ngrades; i++) {
    lrp_grade *g = &m->grades[i];
    if (g->group && lrp_group_find(m, g->group) < 0 &&
        lrp_group_find(a, g->group) >= 0) {
      lrp_grade *v = realloc(a->grades, (size_t)(a->ngrades + 1) * sizeof *v);
      if (!v) {
        snprintf(err, errlen, "out of memory");
        return LR_NOMEM;
      }
      a->grades = v;
      a->grades[a->ngrades++] = *g;
      continue;
    }
    m->grades[k++] = *g;
  }
  m->ngrades = k;
  return LR_OK;
}

int lrp_has_accounts(const lrp_instance *in) {
  const lrp_model *a = &in->acc;
  return a->nstages || a->nrules || a->ntransitions || a->nhandoffs;
}

/* The PostgreSQL store cannot read accounts yet: refuse the policy
** rather than evaluate it as if the database had none. */
int lrp_accounts_pg_refuse(struct lr_policy *p) {
  if (!lrs_is_pg(p->db) || !lrp_has_accounts(&p->main)) return LR_OK;
  return lr__err(p->db, LR_ERROR, "%s: accounts are not supported on "
                 "PostgreSQL yet (the policy declares account stages, "
                 "rules or handoffs; see docs/postgresql.md)",
                 p->path ? p->path : p->name);
}
