/*
** account_object.c -- the `account` object an account rule, transition
** or handoff receives, and `lead.account` (the stored account a contact
** is matched to).
**
**   account.key, account.id, account.<field> (an imported field; nil when
**   this account has none; a name no account has is an error),
**   account.score, account.scores, account.grade, account.grades (not
**   while account rules run: they are their result), account.stage (an
**   account stage object: .name, :is(), ordering), account.owner,
**   account:contacts(opts) -> a list of its contacts' results of THIS
**   evaluation ({ id, key, score, scores, grade, stage, last_activity_at,
**   days_since_activity, and every field of the contact }),
**   account:count(opts), account:sum(field, opts), account:max(field, opts)
**   opts = { stage = "mql" | {"mql","sql"}, min_stage = "mql",
**            within = "30d" (active within), where = function(c) ... end }
*/
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../lua/host.h"
#include "../store/query.h"
#include "account_eval.h"
#include "objects.h"

static lrp_acc_eval *check(lua_State *L, int idx) {
  lua_getfield(L, LUA_REGISTRYINDEX, "leadrules.acc_eval");
  lrp_acc_eval *ae = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (!ae || !ae->a || lua_touserdata(L, idx) != ae->ud)
    lrl_error(L, "account used outside of an account evaluation");
  return ae;
}

/* ---- flat JSON (the account's fields, scores, grades) ---------------- */

static const char *json_str_end(const char *p) {
  for (; *p && *p != '"'; p++)
    if (*p == '\\' && p[1]) p++;
  return p;
}

const char *lrp_json_get(const char *json, const char *name, char *buf,
                         size_t n, int *is_text) {
  const char *p = json ? strchr(json, '{') : NULL;
  size_t nl = strlen(name);
  while (p && *p) {
    p = strchr(p, '"');
    if (!p) return NULL;
    const char *k = p + 1, *ke = json_str_end(k);
    if (!*ke) return NULL;
    p = ke + 1;
    while (*p == ' ' || *p == ':') p++;
    int match = (size_t)(ke - k) == nl && memcmp(k, name, nl) == 0;
    const char *v = p, *ve;
    if (*v == '"') {
      ve = json_str_end(v + 1);
      if (match) {
        size_t o = 0;
        for (const char *q = v + 1; q < ve && o + 1 < n; q++) {
          if (*q == '\\' && q + 1 < ve) q++;
          buf[o++] = *q;
        }
        buf[o] = '\0';
        if (is_text) *is_text = 1;
        return buf;
      }
      p = *ve ? ve + 1 : ve;
    } else {
      ve = v;
      while (*ve && *ve != ',' && *ve != '}') ve++;
      if (match) {
        if (ve - v == 4 && memcmp(v, "null", 4) == 0) return NULL;
        size_t len = (size_t)(ve - v) < n ? (size_t)(ve - v) : n - 1;
        memcpy(buf, v, len);
        buf[len] = '\0';
        if (is_text) *is_text = 0;
        return buf;
      }
      p = ve;
    }
  }
  return NULL;
}

/* Push the flat JSON object as a table: numbers as numbers. */
static void push_object(lua_State *L, const char *json) {
  lua_newtable(L);
  const char *p = json ? strchr(json, '{') : NULL;
  while (p && (p = strchr(p, '"')) != NULL) {
    const char *k = p + 1, *ke = json_str_end(k);
    if (!*ke) break;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const char *q = k; q < ke; q++) {
      if (*q == '\\' && q + 1 < ke) q++;
      luaL_addchar(&b, *q);
    }
    luaL_pushresult(&b);
    p = ke + 1;
    while (*p == ' ' || *p == ':') p++;
    if (*p == '"') {
      const char *ve = json_str_end(p + 1);
      luaL_buffinit(L, &b);
      for (const char *q = p + 1; q < ve; q++) {
        if (*q == '\\' && q + 1 < ve) q++;
        luaL_addchar(&b, *q);
      }
      luaL_pushresult(&b);
      p = *ve ? ve + 1 : ve;
    } else {
      const char *ve = p;
      while (*ve && *ve != ',' && *ve != '}') ve++;
      char num[64];
      size_t len = (size_t)(ve - p) < sizeof num ? (size_t)(ve - p) : 0;
      memcpy(num, p, len);
      num[len] = '\0';
      if (!len || !lua_stringtonumber(L, num)) lua_pushnil(L);
      p = ve;
    }
    lua_rawset(L, -3);
  }
}

static void push_num(lua_State *L, double s) {
  if (s == floor(s) && s > -9.0e15 && s < 9.0e15)
    lua_pushinteger(L, (lua_Integer)s);
  else
    lua_pushnumber(L, s);
}

/* ---- the contacts of the account --------------------------------------- */

/* A contact table's fields come from its row, read only when a key the
** table does not have is asked for (most account rules read only scores
** and stages, which are set from the member). */
static const char *const OWN[] = { "id", "key", "score", "stage", "grade",
  "scores", "grades", "last_activity_at", "days_since_activity", NULL };

static int own_key(const char *k) {
  for (int i = 0; OWN[i]; i++)
    if (strcmp(OWN[i], k) == 0) return 1;
  return 0;
}

static int member_index(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "leadrules.acc_eval");
  lrp_acc_eval *ae = lua_touserdata(L, -1);
  lua_pop(L, 1);
  const char *k = lua_tostring(L, 2);
  lua_pushliteral(L, "\1loaded");
  int loaded = lua_rawget(L, 1) != LUA_TNIL;
  lua_pop(L, 1);
  if (!ae || loaded || !k || own_key(k)) return 0;
  lua_pushliteral(L, "\1loaded");
  lua_pushboolean(L, 1);
  lua_rawset(L, 1);
  lua_pushliteral(L, "id");
  lua_rawget(L, 1);
  long long id = (long long)lua_tointeger(L, -1);
  lua_pop(L, 1);
  lrs_rows *rows = NULL;
  const lrs_value *row;
  int opened = ae->rows ? lrs_row_cache_open(ae->rows, id, &rows)
               : ae->snap ? lrs_contact_row_open(ae->snap, id, &rows)
               : LR_NOTFOUND;
  if (opened == LR_OK &&
      lrs_rows_next(rows, &row) == 1) {
    for (int i = 0; i < lrs_rows_columns(rows); i++) {
      const char *name = lrs_rows_name(rows, i);
      if (own_key(name)) continue;        /* this evaluation's, not stored */
      const lrs_value *v = &row[i];
      lua_pushstring(L, name);
      if (v->type == LRS_INT) lua_pushinteger(L, (lua_Integer)v->i);
      else if (v->type == LRS_FLOAT) lua_pushnumber(L, v->r);
      else if (v->type == LRS_STR) lua_pushlstring(L, v->s, v->n);
      else lua_pushnil(L);
      lua_rawset(L, 1);
    }
  }
  lrs_rows_close(rows);
  lua_pushvalue(L, 2);
  lua_rawget(L, 1);
  return 1;
}

static void push_member(lua_State *L, lrp_acc_eval *ae, const lrp_member *x) {
  const lrp_model *m = &ae->in->m;
  lua_createtable(L, 0, 10);
  if (luaL_newmetatable(L, "leadrules.account.contact")) {
    lua_pushcfunction(L, member_index);
    lua_setfield(L, -2, "__index");
  }
  lua_setmetatable(L, -2);
  lua_pushinteger(L, (lua_Integer)x->id);
  lua_setfield(L, -2, "id");
  lua_pushstring(L, x->key);
  lua_setfield(L, -2, "key");
  push_num(L, x->score);
  lua_setfield(L, -2, "score");
  if (x->stage >= 0) lrx_push_stage(L, ae->in, x->stage);
  else lua_pushnil(L);
  lua_setfield(L, -2, "stage");
  if (x->grade) lua_pushstring(L, x->grade);
  else lua_pushnil(L);
  lua_setfield(L, -2, "grade");
  lua_createtable(L, 0, m->ngroups);
  for (int g = 0; g < m->ngroups; g++) {
    push_num(L, x->groups[g]);
    lua_setfield(L, -2, m->groups[g]);
  }
  lua_setfield(L, -2, "scores");
  if (x->last_active) lua_pushinteger(L, (lua_Integer)x->last_active);
  else lua_pushnil(L);
  lua_setfield(L, -2, "last_activity_at");
  lua_pushnumber(L, x->last_active ? (double)(ae->now - x->last_active) / 86400.0
                                   : HUGE_VAL);
  lua_setfield(L, -2, "days_since_activity");
}

/* The list of contact tables, built once per account. */
static void push_list(lua_State *L, lrp_acc_eval *ae) {
  if (ae->list_ref == LUA_NOREF) {
    lua_createtable(L, ae->nmem, 0);
    for (int i = 0; i < ae->nmem; i++) {
      push_member(L, ae, &ae->mem[i]);
      lua_rawseti(L, -2, i + 1);
    }
    ae->list_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, ae->list_ref);
}

typedef struct filter {
  unsigned char *stages;             /* per contact stage, or NULL: any */
  int min_rank;                      /* 0: none */
  long long since;                   /* last activity at or after; 0 none */
  int where;                         /* stack index of the function, or 0 */
} filter;

static void stage_set(lua_State *L, const lrp_model *m, filter *f, int idx) {
  f->stages = lua_newuserdatauv(L, (size_t)m->nstages + 1, 0);
  memset(f->stages, 0, (size_t)m->nstages + 1);
  int n = lua_type(L, idx) == LUA_TTABLE ? (int)luaL_len(L, idx) : 1;
  for (int i = 1; i <= n; i++) {
    if (lua_type(L, idx) == LUA_TTABLE) lua_geti(L, idx, i);
    else lua_pushvalue(L, idx);
    const char *s = lua_tostring(L, -1);
    int st = s ? lrp_stage_find(m, s) : -1;
    if (st < 0) lrl_error(L, "account:contacts: unknown stage '%s'", s ? s : "?");
    f->stages[st] = 1;
    lua_pop(L, 1);
  }
  lua_replace(L, idx);                 /* keep the set alive */
}

static void read_filter(lua_State *L, lrp_acc_eval *ae, int idx, filter *f) {
  memset(f, 0, sizeof *f);
  if (lua_isnoneornil(L, idx)) return;
  static const char *const allowed[] = {"stage", "min_stage", "within",
                                        "where", NULL};
  luaL_checktype(L, idx, LUA_TTABLE);
  lrp_check_keys(L, idx, "account:contacts options", allowed);
  const lrp_model *m = &ae->in->m;
  int top = lua_gettop(L);
  if (lua_getfield(L, idx, "stage") != LUA_TNIL) stage_set(L, m, f, top + 1);
  else lua_pop(L, 1);
  if (lua_getfield(L, idx, "min_stage") == LUA_TSTRING) {
    int st = lrp_stage_find(m, lua_tostring(L, -1));
    if (st < 0 || m->stages[st].side)
      lrl_error(L, "account:contacts: min_stage '%s' is not a funnel stage",
                lua_tostring(L, -1));
    f->min_rank = m->stages[st].rank;
  }
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "within") != LUA_TNIL)
    f->since = ae->now - lrl_duration_arg(L, -1, "'within'");
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "where") == LUA_TFUNCTION) f->where = lua_gettop(L);
  else lua_pop(L, 1);
}

/* Does member i pass the filter's stage and recency tests? */
static int passes_c(lrp_acc_eval *ae, const filter *f, int i) {
  const lrp_member *x = &ae->mem[i];
  const lrp_model *m = &ae->in->m;
  if (f->stages && (x->stage < 0 || !f->stages[x->stage])) return 0;
  if (f->min_rank && (x->stage < 0 || m->stages[x->stage].side ||
                      m->stages[x->stage].rank < f->min_rank))
    return 0;
  return !f->since || (x->last_active && x->last_active >= f->since);
}

/* Does member i (its table on top) pass? */
static int passes(lua_State *L, lrp_acc_eval *ae, const filter *f, int i) {
  if (!passes_c(ae, f, i)) return 0;
  if (f->where) {
    lua_pushvalue(L, f->where);
    lua_pushvalue(L, -2);
    lua_call(L, 1, 1);
    int ok = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return ok;
  }
  return 1;
}

static void trace_read(lrp_acc_eval *ae, const char *what) {
  if (!ae->trace) return;
  if (ae->trace->n) lrb_adds(ae->trace, ", ");
  lrb_adds(ae->trace, what);
}

static int a_contacts(lua_State *L) {
  lrp_acc_eval *ae = check(L, 1);
  filter f;
  read_filter(L, ae, 2, &f);
  push_list(L, ae);
  int list = lua_gettop(L);
  lua_newtable(L);
  int n = 0;
  for (int i = 0; i < ae->nmem; i++) {
    lua_rawgeti(L, list, i + 1);
    if (passes(L, ae, &f, i)) lua_rawseti(L, -2, ++n);
    else lua_pop(L, 1);
  }
  char t[64];
  snprintf(t, sizeof t, "contacts=%d", n);
  trace_read(ae, t);
  return 1;
}

static int a_count(lua_State *L) {
  lrp_acc_eval *ae = check(L, 1);
  filter f;
  read_filter(L, ae, 2, &f);
  if (f.where) {                      /* the tables, for the function */
    lua_settop(L, 2);
    a_contacts(L);
    lua_pushinteger(L, (lua_Integer)luaL_len(L, -1));
    return 1;
  }
  int n = 0;
  for (int i = 0; i < ae->nmem; i++) n += passes_c(ae, &f, i);
  char t[64];
  snprintf(t, sizeof t, "contacts=%d", n);
  trace_read(ae, t);
  lua_pushinteger(L, n);
  return 1;
}

/* score or a group of this evaluation's members, with no `where`: no
** tables needed.  Returns 1 with the result pushed, else 0. */
static int fold_c(lua_State *L, lrp_acc_eval *ae, const char *field,
                  int is_max) {
  int g = strcmp(field, "score") == 0 ? -1 : lrp_group_find(&ae->in->m, field);
  if (g == -1 && strcmp(field, "score") != 0) return 0;
  int top = lua_gettop(L);
  filter f;
  read_filter(L, ae, 3, &f);
  if (f.where) {
    lua_settop(L, top);
    return 0;
  }
  double acc = 0;
  int seen = 0;
  for (int i = 0; i < ae->nmem; i++) {
    if (!passes_c(ae, &f, i)) continue;
    double v = g < 0 ? ae->mem[i].score : ae->mem[i].groups[g];
    if (is_max) acc = seen && acc > v ? acc : v;
    else acc += v;
    seen = 1;
  }
  char tr[160];
  snprintf(tr, sizeof tr, "%s(%s)=%g", is_max ? "max" : "sum", field, acc);
  trace_read(ae, tr);
  if (is_max && !seen) lua_pushnil(L);
  else push_num(L, acc);
  return 1;
}

/* sum/max of field over the contacts that pass: numbers only. */
static int fold(lua_State *L, int is_max) {
  lrp_acc_eval *ae = check(L, 1);
  const char *field = lrl_checkcstring(L, 2, "account:sum/max field");
  if (fold_c(L, ae, field, is_max)) return 1;
  lua_remove(L, 2);
  a_contacts(L);
  int list = lua_gettop(L);
  lua_Integer n = luaL_len(L, list);
  double acc = 0;
  int seen = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, list, i);
    int t = lua_getfield(L, -1, field);
    if (t != LUA_TNUMBER) {
      lua_pop(L, 1);
      lua_getfield(L, -1, "scores");          /* a group name */
      t = lua_getfield(L, -1, field);
      lua_remove(L, -2);
    }
    if (t == LUA_TNUMBER) {
      double v = lua_tonumber(L, -1);
      if (is_max) acc = seen && acc > v ? acc : v;
      else acc += v;
      seen = 1;
    }
    lua_pop(L, 2);
  }
  char tr[160];
  snprintf(tr, sizeof tr, "%s(%s)=%g", is_max ? "max" : "sum", field, acc);
  trace_read(ae, tr);
  if (is_max && !seen) lua_pushnil(L);
  else push_num(L, acc);
  return 1;
}

static int a_sum(lua_State *L) { return fold(L, 0); }
static int a_max(lua_State *L) { return fold(L, 1); }

static const luaL_Reg methods[] = {
  {"contacts", a_contacts}, {"count", a_count}, {"sum", a_sum},
  {"max", a_max}, {NULL, NULL},
};

static void need_rules_done(lua_State *L, lrp_acc_eval *ae, const char *k) {
  if (ae->phase == LRP_PHASE_RULES)
    lrl_error(L, "account.%s is not known while account rules are evaluated "
              "(it is their result); use it in account transitions and "
              "handoffs", k);
}

static int push_builtin(lua_State *L, lrp_acc_eval *ae, const char *k) {
  const lrp_model *m = &ae->in->acc;
  const lrp_result *r = ae->r;
  if (strcmp(k, "key") == 0) lua_pushstring(L, ae->a->key);
  else if (strcmp(k, "id") == 0) lua_pushinteger(L, (lua_Integer)ae->a->id);
  else if (strcmp(k, "owner") == 0) {
    if (ae->a->owner) lua_pushstring(L, ae->a->owner);
    else lua_pushnil(L);
  } else if (strcmp(k, "score") == 0) {
    need_rules_done(L, ae, k);
    push_num(L, r->score);
  } else if (strcmp(k, "scores") == 0) {
    need_rules_done(L, ae, k);
    lua_createtable(L, 0, m->ngroups);
    for (int g = 0; g < m->ngroups; g++) {
      push_num(L, r->group[g]);
      lua_setfield(L, -2, m->groups[g]);
    }
  } else if (strcmp(k, "grade") == 0 || strcmp(k, "grades") == 0) {
    need_rules_done(L, ae, k);
    if (k[5] == 's') {
      lua_newtable(L);
      for (int g = 0; g < m->ngrades; g++) {
        lua_pushstring(L, r->grades[g]);
        lua_setfield(L, -2, m->grades[g].group ? m->grades[g].group : "total");
      }
    } else if (m->ngrades) {
      lua_pushstring(L, r->grades[0]);
    } else {
      lrl_error(L, "account.grade: the policy grades no account group");
    }
  } else if (strcmp(k, "stage") == 0) {
    if (ae->cur_stage >= 0) lrx_push_account_stage(L, ae->in, ae->cur_stage);
    else lua_pushnil(L);
  } else {
    return 0;
  }
  return 1;
}

static int a_index(lua_State *L) {
  lrp_acc_eval *ae = check(L, 1);
  const char *k = lrl_checkcstring(L, 2, "account field name");
  if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  if (push_builtin(L, ae, k)) return 1;
  char buf[4096];
  int text = 0;
  const char *v = lrp_json_get(ae->a->data, k, buf, sizeof buf, &text);
  if (v) {
    /* "02134" stays text; 1200 is a number */
    if (text || !lua_stringtonumber(L, v)) lua_pushstring(L, v);
    if (ae->trace) {
      char t[160];
      snprintf(t, sizeof t, "%s=%.60s", k, v);
      trace_read(ae, t);
    }
    return 1;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, ae->fields_ref);
  int known = lua_getfield(L, -1, k) != LUA_TNIL;
  lua_pop(L, 2);
  if (!known)
    return lrl_error(L, "unknown field 'account.%s' (no account has it; "
                     "`leadrules export --accounts` lists the fields)", k);
  lua_pushnil(L);
  return 1;
}

static int a_newindex(lua_State *L) {
  return lrl_error(L, "account is read-only");
}

static int a_tostring(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "leadrules.acc_eval");
  lrp_acc_eval *ae = lua_touserdata(L, -1);
  if (ae && ae->a) lua_pushfstring(L, "account(%s)", ae->a->key);
  else lua_pushliteral(L, "account");
  return 1;
}

void lrx_account_open(lua_State *L, lrp_acc_eval *ae) {
  if (luaL_newmetatable(L, LRX_ACCOUNT)) {
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_pushcclosure(L, a_index, 1);
    lua_setfield(L, -2, "__index");
    static const luaL_Reg mm[] = {{"__newindex", a_newindex},
      {"__tostring", a_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, mm, 0);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  }
  lua_pop(L, 1);
  ae->ud = lua_newuserdatauv(L, 1, 0);
  luaL_setmetatable(L, LRX_ACCOUNT);
  ae->ud_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  /* the known account fields: every name of every imported account */
  lua_newtable(L);
  lr_buf names = LR_BUF_INIT;
  if (lrs_account_fields(ae->in->policy->db, &names) == LR_OK && names.n) {
    for (char *save = NULL, *t = strtok_r(names.p, "\n", &save); t;
         t = strtok_r(NULL, "\n", &save)) {
      char *tab = strchr(t, '\t');
      if (tab) *tab = '\0';
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, t);
    }
  }
  lrb_free(&names);
  ae->fields_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

void lrx_push_account(lua_State *L, lrp_acc_eval *ae) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, ae->ud_ref);
}

void lrx_push_stored_account(lua_State *L, lrp_instance *in,
                             const lrs_account *a) {
  push_object(L, a->data);
  lua_pushstring(L, a->key);
  lua_setfield(L, -2, "key");
  lua_pushinteger(L, (lua_Integer)a->id);
  lua_setfield(L, -2, "id");
  push_num(L, a->score);
  lua_setfield(L, -2, "score");
  push_object(L, a->scores);
  lua_setfield(L, -2, "scores");
  if (a->grade) lua_pushstring(L, a->grade);
  else lua_pushnil(L);
  lua_setfield(L, -2, "grade");
  int st = a->stage ? lrp_stage_find(&in->acc, a->stage) : -1;
  if (st >= 0) lrx_push_account_stage(L, in, st);
  else if (a->stage) lua_pushstring(L, a->stage);
  else lua_pushnil(L);
  lua_setfield(L, -2, "stage");
  if (a->owner) lua_pushstring(L, a->owner);
  else lua_pushnil(L);
  lua_setfield(L, -2, "owner");
}
