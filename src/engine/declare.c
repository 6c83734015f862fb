/*
** declare.c -- the policy vocabulary: stages, stage, segment, rule,
** transition, handoff, grade, total, round_robin, by_field.
**
** Each declaration runs while the policy chunk loads and fills the C model;
** every mistake (unknown key, unknown stage, duplicate name, a rule without
** points or score) is an error naming the policy's file:line.
*/
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lua/host.h"
#include "../store/contact.h"
#include "eval.h"
#include "model.h"
#include "objects.h"

/* A stage, segment or rule name: text (no NUL, UTF-8) of at most
** LRS_MAX_KEY bytes, since both stores index it (PostgreSQL's index takes
** an entry of about 2.7 KB at most). */
static const char *decl_name(lua_State *L, int idx, const char *what,
                             int check) {
  const char *s = check ? lrl_checkcstring(L, idx, what)
                        : lrl_tocstring(L, idx, what);
  if (s && strlen(s) > LRS_MAX_KEY)
    lrl_error(L, "%s is longer than %d bytes", what, LRS_MAX_KEY);
  return s;
}

static lrp_instance *inst(lua_State *L) {
  return (lrp_instance *)lrl_closure_ctx(L);
}

/* The second call of `KIND "name" { ... }`: f, over the instance and the
** name (the argument at name_idx). */
static int push_named_opts(lua_State *L, int name_idx, lua_CFunction f) {
  lua_pushlightuserdata(L, inst(L));
  lua_pushvalue(L, name_idx);
  lua_pushcclosure(L, f, 2);
  return 1;
}

static lrp_model *loading_model(lua_State *L, const char *what) {
  lrp_instance *in = inst(L);
  if (!in->m.loading)
    lrl_error(L, "%s can only be declared when the policy loads", what);
  return &in->m;
}

static void *grow(lua_State *L, void *p, int n, size_t size) {
  /* Arrays grow by one; declarations are few. */
  void *q = realloc(p, (size_t)(n + 1) * size);
  if (!q) lrl_error(L, "out of memory");
  memset((char *)q + (size_t)n * size, 0, size);
  return q;
}

static char *dupstr(lua_State *L, const char *s) {
  char *d = strdup(s);
  if (!d) lrl_error(L, "out of memory");
  return d;
}

/* Error for keys of the options table at `idx` not in `allowed`. */
void lrp_check_keys(lua_State *L, int idx, const char *what,
                    const char *const *allowed) {
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      lrl_error(L, "%s: option keys must be names", what);
    if (lrl_has_nul(L, -1))
      lrl_error(L, "%s: an option name contains a NUL byte", what);
    const char *k = lua_tostring(L, -1);
    int ok = 0;
    for (const char *const *a = allowed; *a; a++)
      if (strcmp(*a, k) == 0) ok = 1;
    if (!ok) {
      lr_buf b = LR_BUF_INIT;
      for (const char *const *a = allowed; *a; a++)
        lrb_printf(&b, "%s%s", a == allowed ? "" : ", ", *a);
      lua_pushfstring(L, "%s: unknown option '%s' (allowed: %s)", what, k,
                      lrb_str(&b));
      lrb_free(&b);
      lrl_error(L, "%s", lua_tostring(L, -1));
    }
  }
}

/* Push option `key` of the table at idx and return 1 when it is given
** (raising unless it has `type`, described as `a_type`); else 0, and
** nothing is pushed. */
static int opt_field(lua_State *L, int idx, const char *key, const char *what,
                     int type, const char *a_type) {
  int t = lua_getfield(L, idx, key);
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  if (t != type)
    lrl_error(L, "%s: '%s' must be %s, got %s", what, key, a_type,
              lua_typename(L, t));
  return 1;
}

static int opt_function(lua_State *L, int idx, const char *key,
                        const char *what) {
  if (!opt_field(L, idx, key, what, LUA_TFUNCTION, "a function"))
    return LUA_NOREF;
  return luaL_ref(L, LUA_REGISTRYINDEX);
}

static int opt_number(lua_State *L, int idx, const char *key,
                      const char *what, double *out) {
  if (!opt_field(L, idx, key, what, LUA_TNUMBER, "a number")) return 0;
  *out = lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (isnan(*out) || isinf(*out))
    lrl_error(L, "%s: '%s' must be a finite number", what, key);
  return 1;
}

static int opt_bool(lua_State *L, int idx, const char *key,
                    const char *what) {
  if (!opt_field(L, idx, key, what, LUA_TBOOLEAN, "true or false")) return 0;
  int b = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return b;
}

static const char *opt_string(lua_State *L, int idx, const char *key,
                              const char *what) {
  if (!opt_field(L, idx, key, what, LUA_TSTRING, "a string")) return NULL;
  if (lrl_has_nul(L, -1))
    lrl_error(L, "%s: '%s' contains a NUL byte", what, key);
  if (lrl_not_utf8(L, -1))
    lrl_error(L, "%s: '%s' is not valid UTF-8", what, key);
  const char *s = lua_tostring(L, -1);
  lua_pop(L, 1);            /* still referenced by the options table */
  return s;
}

static int stage_index(lua_State *L, lrp_model *m, const char *name,
                       const char *what) {
  int i = lrp_stage_find(m, name);
  if (i < 0) {
    lr_buf b = LR_BUF_INIT;
    for (int k = 0; k < m->nstages; k++)
      lrb_printf(&b, "%s%s", k ? ", " : "", m->stages[k].name);
    lua_pushfstring(L, "%s: unknown stage '%s' (declared: %s)", what, name,
                    m->nstages ? lrb_str(&b) : "none; declare stages first");
    lrb_free(&b);
    lrl_error(L, "%s", lua_tostring(L, -1));
  }
  return i;
}

void lrp_decl_stage(lua_State *L, lrp_model *m, const char *name, int side) {
  if (!*name) lrl_error(L, "stage names cannot be empty");
  if (lrp_stage_find(m, name) >= 0)
    lrl_error(L, "stage '%s' is declared twice", name);
  m->stages = grow(L, m->stages, m->nstages, sizeof *m->stages);
  lrp_stage *s = &m->stages[m->nstages];
  s->name = dupstr(L, name);
  s->side = side;
  lrl_where(L, 1, s->where, sizeof s->where);
  m->nstages++;
  if (!side) {
    /* Funnel stages keep rank order at the front of the array. */
    s->rank = ++m->nfunnel;
  }
}

void lrp_decl_stages(lua_State *L, lrp_model *m, const char *what) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (m->nfunnel) lrl_error(L, "%s: the funnel is declared twice", what);
  if (m->nstages)
    lrl_error(L, "%s: declare the funnel before side stages", what);
  lua_Integer n = luaL_len(L, 1);
  if (n < 1) lrl_error(L, "%s: the funnel needs at least one stage", what);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_geti(L, 1, i) != LUA_TSTRING)
      lrl_error(L, "%s: entry %d must be a stage name", what, (int)i);
    lrp_decl_stage(L, m, decl_name(L, -1, "stage name", 0), 0);
    lua_pop(L, 1);
  }
}

/* stages { "subscriber", "lead", ... } */
static int l_stages(lua_State *L) {
  lrp_decl_stages(L, loading_model(L, "stages"), "stages");
  return 0;
}

static int l_options_ignored(lua_State *L) {
  if (!lua_isnoneornil(L, 1) && !lua_istable(L, 1))
    lrl_error(L, "stage: options must be a table");
  if (lua_istable(L, 1)) {
    static const char *const allowed[] = {"description", NULL};
    lrp_check_keys(L, 1, "stage", allowed);
  }
  return 0;
}

/* stage "nurture" [ { description = ... } ]   (called through __call) */
static int l_stage_call(lua_State *L) {
  lrp_model *m = loading_model(L, "stage");
  /* 1 is the stage table */
  const char *name = decl_name(L, 2, "stage name", 1);
  lrp_decl_stage(L, m, name, 1);
  lrl_push_closure(L, l_options_ignored, inst(L));
  return 1;
}

/* segment "name" { where = "SQL" | when = function(lead) ... end } */
static int l_segment_opts(lua_State *L) {
  lrp_instance *in = inst(L);
  lrp_model *m = loading_model(L, "segment");
  const char *name = lua_tostring(L, lua_upvalueindex(2));
  char what[256];
  snprintf(what, sizeof what, "segment '%s'", name);
  luaL_checktype(L, 1, LUA_TTABLE);
  static const char *const allowed[] = {"where", "when", "description", NULL};
  lrp_check_keys(L, 1, what, allowed);
  m->segments = grow(L, m->segments, m->nsegments, sizeof *m->segments);
  lrp_segment *s = &m->segments[m->nsegments];
  s->when_ref = LUA_NOREF;
  s->sql_index = -1;
  lrl_where(L, 1, s->where, sizeof s->where);
  const char *sql = opt_string(L, 1, "where", what);
  s->when_ref = opt_function(L, 1, "when", what);
  if (!sql == (s->when_ref == LUA_NOREF))
    lrl_error(L, "%s needs exactly one of 'where' (SQL) or 'when' (a "
              "function)", what);
  if (sql) {
    s->sql = dupstr(L, sql);
    s->sql_index = m->nsql_segments++;
  }
  s->name = dupstr(L, name);
  m->nsegments++;
  (void)in;
  return 0;
}

static int l_segment_call(lua_State *L) {
  lrp_model *m = loading_model(L, "segment");
  const char *name = decl_name(L, 2, "segment name", 1);
  if (!*name) lrl_error(L, "segment names cannot be empty");
  if (lrp_segment_find(m, name) >= 0)
    lrl_error(L, "segment '%s' is declared twice", name);
  return push_named_opts(L, 2, l_segment_opts);
}

static void add_group(lua_State *L, lrp_model *m, const char *g) {
  for (int i = 0; i < m->ngroups; i++)
    if (strcmp(m->groups[i], g) == 0) return;
  m->groups = grow(L, m->groups, m->ngroups, sizeof *m->groups);
  m->groups[m->ngroups++] = dupstr(L, g);
}

/* rule "name" { points = P, when = f | score = f, max, min | segment } */
static int l_rule_opts(lua_State *L) {
  lrp_model *m = loading_model(L, "rule");
  const char *name = lua_tostring(L, lua_upvalueindex(2));
  lrp_decl_rule(L, m, name, "rule");
  return 0;
}

void lrp_decl_rule(lua_State *L, lrp_model *m, const char *name,
                   const char *kind) {
  char what[256];
  snprintf(what, sizeof what, "%s '%s'", kind, name);
  luaL_checktype(L, 1, LUA_TTABLE);
  static const char *const allowed[] = {"points", "when", "score", "max",
      "min", "segment", "group", "description", NULL};
  static const char *const acc_allowed[] = {"points", "when", "score", "max",
      "min", "group", "description", NULL};
  lrp_check_keys(L, 1, what, strcmp(kind, "rule") ? acc_allowed : allowed);
  lrp_rule r;
  memset(&r, 0, sizeof r);
  r.segment = -1;
  r.when_ref = r.score_ref = LUA_NOREF;
  lrl_where(L, 1, r.where, sizeof r.where);
  r.has_points = opt_number(L, 1, "points", what, &r.points);
  r.has_max = opt_number(L, 1, "max", what, &r.max);
  r.has_min = opt_number(L, 1, "min", what, &r.min);
  const char *seg = opt_string(L, 1, "segment", what);
  const char *group = opt_string(L, 1, "group", what);
  const char *desc = opt_string(L, 1, "description", what);
  if (seg) {
    r.segment = lrp_segment_find(m, seg);
    if (r.segment < 0)
      lrl_error(L, "%s: unknown segment '%s' (declare it before the rule)",
                what, seg);
  }
  int has_when = 0, has_score = 0;
  lua_getfield(L, 1, "when");
  has_when = !lua_isnil(L, -1);
  lua_getfield(L, 1, "score");
  has_score = !lua_isnil(L, -1);
  lua_pop(L, 2);
  if (has_score && r.has_points)
    lrl_error(L, "%s: give either 'points' (with 'when' or 'segment') or "
              "'score', not both", what);
  if (!has_score && !r.has_points)
    lrl_error(L, "%s needs 'points' (with 'when' or 'segment') or a 'score' "
              "function", what);
  if (has_score && has_when)
    lrl_error(L, "%s: 'when' goes with 'points'; a 'score' function returns "
              "0 when it does not apply", what);
  if (r.has_points && !has_when && r.segment < 0)
    lrl_error(L, "%s: 'points' needs a 'when' function or a 'segment'", what);
  if ((r.has_max || r.has_min) && !has_score)
    lrl_error(L, "%s: 'max' and 'min' apply to a 'score' function", what);
  if (r.has_max && r.has_min && r.min > r.max)
    lrl_error(L, "%s: 'min' is greater than 'max'", what);
  r.when_ref = opt_function(L, 1, "when", what);
  r.score_ref = opt_function(L, 1, "score", what);
  if (r.segment >= 0) m->segments[r.segment].used = 1;
  r.name = dupstr(L, name);
  if (group) {
    r.group = dupstr(L, group);
    add_group(L, m, group);
  }
  if (desc) r.description = dupstr(L, desc);
  m->rules = grow(L, m->rules, m->nrules, sizeof *m->rules);
  m->rules[m->nrules++] = r;
}

void lrp_decl_rule_name(lua_State *L, const lrp_model *m, const char *name,
                        const char *kind) {
  if (!*name) lrl_error(L, "%s names cannot be empty", kind);
  for (int i = 0; i < m->nrules; i++)
    if (strcmp(m->rules[i].name, name) == 0)
      lrl_error(L, "%s '%s' is declared twice (first at %s)", kind, name,
                m->rules[i].where);
}

static int l_rule(lua_State *L) {
  lrp_model *m = loading_model(L, "rule");
  const char *name = decl_name(L, 1, "rule name", 1);
  lrp_decl_rule_name(L, m, name, "rule");
  return push_named_opts(L, 1, l_rule_opts);
}

/* The stage named by the required option `key` of declaration `what`
** (*idx its index; an error `missing` when the option is not given). */
static const char *stage_option(lua_State *L, lrp_model *m, const char *key,
                                const char *what, const char *missing,
                                int *idx) {
  const char *name = opt_string(L, 1, key, what);
  if (!name) lrl_error(L, "%s", missing);
  *idx = stage_index(L, m, name, what);
  return name;
}

/* The model, for declaration `what` of one options table (argument 1)
** with the keys `allowed`. */
static lrp_model *table_declaration(lua_State *L, const char *what,
                                    const char *const *allowed) {
  lrp_model *m = loading_model(L, what);
  luaL_checktype(L, 1, LUA_TTABLE);
  lrp_check_keys(L, 1, what, allowed);
  return m;
}

/* transition { from = "lead" | {..} | "*", to = "mql", when = f, reason,
** keep_owner = true } */
static int l_transition(lua_State *L) {
  static const char *const allowed[] = {"from", "to", "when", "reason",
      "keep_owner", NULL};
  lrp_model *m = table_declaration(L, "transition", allowed);
  lrp_decl_transition(L, m);
  return 0;
}

void lrp_decl_transition(lua_State *L, lrp_model *m) {
  lrp_transition t;
  memset(&t, 0, sizeof t);
  lrl_where(L, 1, t.where, sizeof t.where);
  stage_option(L, m, "to", "transition", "transition needs 'to' (a stage "
               "name)", &t.to);
  int from_idx[64], nfrom = 0;
  char from[128] = "";
  int ft = lua_getfield(L, 1, "from");
  if (ft == LUA_TSTRING) lrl_tocstring(L, -1, "transition: 'from'");
  if (ft == LUA_TSTRING && strcmp(lua_tostring(L, -1), "*") == 0) {
    t.any_from = 1;
    strcpy(from, "*");
  } else if (ft == LUA_TSTRING) {
    from_idx[nfrom++] = stage_index(L, m, lua_tostring(L, -1), "transition");
    snprintf(from, sizeof from, "%s", m->stages[from_idx[0]].name);
  } else if (ft == LUA_TTABLE) {
    lua_Integer n = luaL_len(L, -1);
    if (n < 1) lrl_error(L, "transition: 'from' list is empty");
    if (n > 64) lrl_error(L, "transition: 'from' lists at most 64 stages");
    for (lua_Integer i = 1; i <= n; i++) {
      if (lua_geti(L, -1, i) != LUA_TSTRING)
        lrl_error(L, "transition: 'from' entries must be stage names");
      lrl_tocstring(L, -1, "transition: a 'from' entry");
      from_idx[nfrom++] = stage_index(L, m, lua_tostring(L, -1), "transition");
      size_t used = strlen(from);
      snprintf(from + used, sizeof from - used, "%s%s", i > 1 ? "|" : "",
               lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  } else {
    lrl_error(L, "transition needs 'from' (a stage name, a list, or \"*\")");
  }
  lua_pop(L, 1);
  snprintf(t.label, sizeof t.label, "%s->%s", from, m->stages[t.to].name);
  const char *reason = opt_string(L, 1, "reason", "transition");
  t.keep_owner = opt_bool(L, 1, "keep_owner", "transition");
  int wt = lua_getfield(L, 1, "when");
  lua_pop(L, 1);
  if (wt != LUA_TFUNCTION)
    lrl_error(L, "transition %s needs a 'when' function", t.label);
  t.when_ref = opt_function(L, 1, "when", "transition");
  if (nfrom) {
    t.from = malloc((size_t)nfrom * sizeof *t.from);
    if (!t.from) lrl_error(L, "out of memory");
    memcpy(t.from, from_idx, (size_t)nfrom * sizeof *t.from);
    t.nfrom = nfrom;
  }
  if (reason) {
    t.reason = strdup(reason);
    if (!t.reason) { free(t.from); lrl_error(L, "out of memory"); }
  }
  m->transitions = grow(L, m->transitions, m->ntransitions,
                        sizeof *m->transitions);
  m->transitions[m->ntransitions++] = t;
}

/* Routers are Lua tables { [router key] = index } tagged by a metatable. */
#define ROUTER_MT "leadrules.router"

/* Reserve a router slot owned by the model (so an error while filling it
** frees everything with the model).  Returns its index. */
int lrp_new_router(lua_State *L, lrp_model *m, int kind) {
  m->routers = grow(L, m->routers, m->nrouters, sizeof *m->routers);
  int idx = m->nrouters++;
  lrp_router *r = &m->routers[idx];
  r->kind = kind;
  r->fn_ref = LUA_NOREF;
  r->fallback = -1;
  snprintf(r->id, sizeof r->id, "router%d", idx + 1);
  return idx;
}

void lrp_push_router(lua_State *L, int idx) {
  int *ud = lua_newuserdatauv(L, sizeof(int), 0);
  *ud = idx;
  luaL_setmetatable(L, ROUTER_MT);
}

static int router_arg(lua_State *L, int idx) {
  int *ud = luaL_testudata(L, idx, ROUTER_MT);
  return ud ? *ud : -1;
}

static void parse_owner(lua_State *L, lrp_owner *o, const char *what) {
  if (lua_type(L, -1) == LUA_TSTRING) {
    o->name = dupstr(L, lrl_tocstring(L, -1, "owner name"));
    o->weight = 1;
    return;
  }
  if (!lua_istable(L, -1))
    lrl_error(L, "%s: owners are names or { \"name\", weight = N }", what);
  int top = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, top)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TNUMBER) continue;
    if (lrl_has_nul(L, -1))
      lrl_error(L, "%s: an owner option name contains a NUL byte", what);
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    if (strcmp(k, "weight") && strcmp(k, "capacity"))
      lrl_error(L, "%s: unknown owner option '%s' (allowed: weight, capacity)",
                what, k);
  }
  if (lua_geti(L, top, 1) != LUA_TSTRING)
    lrl_error(L, "%s: an owner table needs the owner's name first", what);
  o->name = dupstr(L, lrl_tocstring(L, -1, "owner name"));
  lua_pop(L, 1);
  double w = 1, cap = 0;
  opt_number(L, top, "weight", what, &w);
  opt_number(L, top, "capacity", what, &cap);
  if (w < 1 || w != floor(w) || w > 1000)
    lrl_error(L, "%s: weight of '%s' must be a whole number from 1 to 1000",
              what, o->name);
  if (cap < 0 || cap != floor(cap) || cap > 1e9)
    lrl_error(L, "%s: capacity of '%s' must be a whole number", what, o->name);
  o->weight = (int)w;
  o->capacity = (int)cap;
}

/* round_robin { "ana", {"ben", weight = 2}, away = {"cy"}, capacity = N } */
static int l_round_robin(lua_State *L) {
  lrp_model *m = loading_model(L, "round_robin");
  luaL_checktype(L, 1, LUA_TTABLE);
  const char *what = "round_robin";
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *k = lrl_tocstring(L, -1, "round_robin: an option name");
      if (strcmp(k, "away") && strcmp(k, "capacity"))
        lrl_error(L, "round_robin: unknown option '%s' (allowed: away, "
                  "capacity, and the owners as a list)", k);
    } else if (lua_type(L, -1) != LUA_TNUMBER) {
      lrl_error(L, "round_robin: unexpected key");
    }
  }
  double cap = 0;
  opt_number(L, 1, "capacity", what, &cap);
  if (cap < 0 || cap != floor(cap) || cap > 1e9)
    lrl_error(L, "round_robin: capacity must be a whole number");
  lua_Integer n = luaL_len(L, 1);
  if (n < 1) lrl_error(L, "round_robin needs at least one owner");
  if (n > 10000) lrl_error(L, "round_robin: at most 10000 owners");
  int idx = lrp_new_router(L, m, LRP_ROUTER_RR);
  lrp_router *r = &m->routers[idx];
  r->capacity = (int)cap;
  r->owners = calloc((size_t)n, sizeof *r->owners);
  if (!r->owners) lrl_error(L, "out of memory");
  for (lua_Integer i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    parse_owner(L, &r->owners[r->nowners++], what);
    lua_pop(L, 1);
    for (int k = 0; k < r->nowners - 1; k++)
      if (strcmp(r->owners[k].name, r->owners[r->nowners - 1].name) == 0)
        lrl_error(L, "round_robin: owner '%s' is listed twice",
                  r->owners[k].name);
  }
  int at = lua_getfield(L, 1, "away");
  if (at == LUA_TTABLE) {
    lua_Integer na = luaL_len(L, -1);
    for (lua_Integer i = 1; i <= na; i++) {
      if (lua_geti(L, -1, i) != LUA_TSTRING)
        lrl_error(L, "round_robin: 'away' lists owner names");
      const char *who = lrl_tocstring(L, -1, "round_robin: an 'away' name");
      int found = 0;
      for (int k = 0; k < r->nowners; k++)
        if (strcmp(r->owners[k].name, who) == 0) r->owners[k].away = found = 1;
      if (!found)
        lrl_error(L, "round_robin: away owner '%s' is not in the list", who);
      lua_pop(L, 1);
    }
  } else if (at != LUA_TNIL) {
    lrl_error(L, "round_robin: 'away' must be a list of owner names");
  }
  lua_pop(L, 1);
  for (int k = 0; k < r->nowners; k++)
    if (!r->owners[k].capacity) r->owners[k].capacity = r->capacity;
  lrp_push_router(L, idx);
  return 1;
}

/* by_field("country", { DE = "dora", ["*"] = round_robin{...} }) */
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of the table at idx, sorted: a userdata array pushed on the
** stack (freed by the collector, also after an error), pointing into the
** table's own key strings. */
static const char **sorted_keys(lua_State *L, int idx, int *n) {
  int count = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      lrl_error(L, "by_field: keys must be field values (strings) or \"*\"");
    if (lrl_has_nul(L, -2))
      lrl_error(L, "by_field: a field value contains a NUL byte");
    if (lrl_not_utf8(L, -2))
      lrl_error(L, "by_field: a field value is not valid UTF-8");
    count++;
    lua_pop(L, 1);
  }
  const char **keys = lua_newuserdatauv(L, (size_t)(count + 1) * sizeof *keys, 0);
  int i = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    keys[i++] = lua_tostring(L, -2);
    lua_pop(L, 1);
  }
  qsort(keys, (size_t)count, sizeof *keys, cmp_str);
  *n = count;
  return keys;
}

/* by_field("country", { US = router, ["*"] = router }).  The values are
** declared in the order of their names, not of the table (whose order
** depends on the Lua state's hash seed): every instance of the policy
** (one per worker thread) numbers its routers alike, and the writer
** routes by those numbers. */
static int l_by_field(lua_State *L) {
  lrp_model *m = loading_model(L, "by_field");
  const char *field = lrl_checkcstring(L, 1, "by_field: the field name");
  luaL_checktype(L, 2, LUA_TTABLE);
  int idx = lrp_new_router(L, m, LRP_ROUTER_FIELD);
  m->routers[idx].field = dupstr(L, field);
  int nkeys;
  const char **keys = sorted_keys(L, 2, &nkeys);
  for (int i = 0; i < nkeys; i++) {
    const char *k = keys[i];
    lua_pushstring(L, k);
    lua_rawget(L, 2);
    int target;
    if (lua_type(L, -1) == LUA_TSTRING) {
      target = lrp_new_router(L, m, LRP_ROUTER_FIXED);
      m->routers[target].fixed = dupstr(L, lrl_tocstring(L, -1,
                                                       "owner name"));
    } else if ((target = router_arg(L, -1)) < 0) {
      lrl_error(L, "by_field: value for '%s' must be an owner name or a "
                "router (round_robin, by_field)", k);
    }
    lrp_router *r = &m->routers[idx];   /* new_router may have moved it */
    if (strcmp(k, "*") == 0) {
      r->fallback = target;
    } else {
      r->values = grow(L, r->values, r->nvalues, sizeof *r->values);
      r->targets = grow(L, r->targets, r->nvalues, sizeof *r->targets);
      r->targets[r->nvalues] = target;
      r->values[r->nvalues] = dupstr(L, k);
      r->nvalues++;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);                        /* keys */
  lrp_push_router(L, idx);
  return 1;
}

/* handoff { stage = "sql", assign = router | function(lead) | "owner", due } */
static int l_handoff(lua_State *L) {
  static const char *const allowed[] = {"stage", "assign", "due", NULL};
  lrp_model *m = table_declaration(L, "handoff", allowed);
  lrp_decl_handoff(L, m, m);
  return 0;
}

int lrp_decl_router(lua_State *L, lrp_model *m, const char *what) {
  int t = lua_type(L, -1), idx;
  if (t == LUA_TFUNCTION) {
    idx = lrp_new_router(L, m, LRP_ROUTER_FN);
    m->routers[idx].fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return idx;
  }
  if (t == LUA_TSTRING) {
    idx = lrp_new_router(L, m, LRP_ROUTER_FIXED);
    m->routers[idx].fixed = dupstr(L, lrl_tocstring(L, -1, "owner name"));
  } else if ((idx = router_arg(L, -1)) < 0) {
    lrl_error(L, "%s must be round_robin{...}, by_field(...), "
              "account_owner{...}, an owner name or a function(lead)", what);
  }
  lua_pop(L, 1);
  return idx;
}

void lrp_decl_handoff(lua_State *L, lrp_model *m, lrp_model *routes) {
  lrp_handoff h;
  memset(&h, 0, sizeof h);
  lrl_where(L, 1, h.where, sizeof h.where);
  const char *st = stage_option(L, m, "stage", "handoff",
                                "handoff needs 'stage'", &h.stage);
  for (int i = 0; i < m->nhandoffs; i++)
    if (m->handoffs[i].stage == h.stage)
      lrl_error(L, "handoff for stage '%s' is declared twice", st);
  const char *due = opt_string(L, 1, "due", "handoff");
  if (due && lr_parse_duration(due, &h.due) != LR_OK)
    lrl_error(L, "handoff: bad 'due' duration '%s' (use 30m, 12h, 2d, 1w; "
              "at most 10000y)", due);
  int t = lua_getfield(L, 1, "assign");
  if (t == LUA_TNIL) lrl_error(L, "handoff needs 'assign'");
  h.router = lrp_decl_router(L, routes, "handoff: 'assign'");
  if (m != routes && routes->routers[h.router].kind == LRP_ROUTER_ACCOUNT)
    lrl_error(L, "account_handoff: account_owner routes a contact to its "
              "account's owner; an account handoff assigns one");
  m->handoffs = grow(L, m->handoffs, m->nhandoffs, sizeof *m->handoffs);
  m->handoffs[m->nhandoffs++] = h;
}

static int cmp_desc(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* grade "fit" { A = 60, B = 40, C = 20, D = 0 } */
static int l_grade_opts(lua_State *L) {
  lrp_model *m = loading_model(L, "grade");
  const char *group = lua_tostring(L, lua_upvalueindex(2));
  luaL_checktype(L, 1, LUA_TTABLE);
  lrp_grade g;
  memset(&g, 0, sizeof g);
  lrl_where(L, 1, g.where, sizeof g.where);
  struct { double min; const char *letter; } tmp[64];
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TNUMBER)
      lrl_error(L, "grade '%s': write letters as LETTER = minimum score",
                group);
    if (n == 64) lrl_error(L, "grade '%s': too many letters", group);
    if (lrl_has_nul(L, -2))
      lrl_error(L, "grade '%s': a letter contains a NUL byte", group);
    if (lrl_not_utf8(L, -2))
      lrl_error(L, "grade '%s': a letter is not valid UTF-8", group);
    tmp[n].min = lua_tonumber(L, -1);
    tmp[n].letter = lua_tostring(L, -2);   /* kept alive by the table */
    if (!isfinite(tmp[n].min))
      lrl_error(L, "grade '%s': the threshold of %s must be a finite number",
                group, tmp[n].letter);
    n++;
    lua_pop(L, 1);
  }
  if (n == 0) lrl_error(L, "grade '%s' needs at least one letter", group);
  qsort(tmp, (size_t)n, sizeof *tmp, cmp_desc);
  for (int i = 1; i < n; i++)
    if (tmp[i].min == tmp[i - 1].min)
      lrl_error(L, "grade '%s': letters %s and %s have the same threshold",
                group, tmp[i - 1].letter, tmp[i].letter);
  /* The model owns the grade from here on, so an OOM below frees it. */
  m->grades = grow(L, m->grades, m->ngrades, sizeof *m->grades);
  lrp_grade *G = &m->grades[m->ngrades++];
  *G = g;
  G->letters = calloc((size_t)n, sizeof *G->letters);
  G->min = calloc((size_t)n, sizeof *G->min);
  if (!G->letters || !G->min) lrl_error(L, "out of memory");
  for (int i = 0; i < n; i++) {
    G->letters[i] = dupstr(L, tmp[i].letter);
    G->min[i] = tmp[i].min;
    G->n = i + 1;
  }
  if (strcmp(group, "total") != 0) G->group = dupstr(L, group);
  return 0;
}

static int l_grade(lua_State *L) {
  lrp_model *m = loading_model(L, "grade");
  const char *group = lrl_checkcstring(L, 1, "grade group name");
  for (int i = 0; i < m->ngrades; i++) {
    const char *gg = m->grades[i].group ? m->grades[i].group : "total";
    if (strcmp(gg, group) == 0)
      lrl_error(L, "grade '%s' is declared twice", group);
  }
  return push_named_opts(L, 1, l_grade_opts);
}

/* total(function(lead) return lead.scores.fit + lead.scores.engagement end) */
static int l_total(lua_State *L) {
  lrp_model *m = loading_model(L, "total");
  luaL_checktype(L, 1, LUA_TFUNCTION);
  if (m->total_ref != LUA_NOREF)
    lrl_error(L, "total is declared twice");
  lrl_where(L, 1, m->total_where, sizeof m->total_where);
  lua_pushvalue(L, 1);
  m->total_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

/* notify { when = function(lead, change) return ... end }: which changes
** serve and ingest put in the outbox as "notify" rows (engine/notify.c). */
static int l_notify(lua_State *L) {
  static const char *const allowed[] = {"when", NULL};
  lrp_model *m = table_declaration(L, "notify", allowed);
  char where[LRP_WHERE];
  lrl_where(L, 1, where, sizeof where);
  int ref = opt_function(L, 1, "when", "notify");
  if (ref == LUA_NOREF) lrl_error(L, "notify needs 'when' (a function(lead, "
                                    "change))");
  m->notify_refs = grow(L, m->notify_refs, m->nnotify, sizeof *m->notify_refs);
  m->notify_where = grow(L, m->notify_where, m->nnotify,
                         sizeof *m->notify_where);
  m->notify_refs[m->nnotify] = ref;
  memcpy(m->notify_where[m->nnotify++], where, LRP_WHERE);
  return 0;
}

void lrp_push_namespace(lua_State *L, lrp_instance *in, lua_CFunction call,
                        lua_CFunction index) {
  lua_newtable(L);
  lua_newtable(L);
  if (call) {
    lrl_push_closure(L, call, in);
    lua_setfield(L, -2, "__call");
  }
  lrl_push_closure(L, index, in);
  lua_setfield(L, -2, "__index");
  lrl_push_closure(L, lrp_readonly_newindex, in);
  lua_setfield(L, -2, "__newindex");
  lua_pushliteral(L, "locked");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
}

void lrp_declare_open(lrp_instance *in) {
  lua_State *L = in->rt->L;
  in->m.total_ref = LUA_NOREF;
  in->m.loading = 1;
  luaL_newmetatable(L, ROUTER_MT);
  lua_pushstring(L, "locked");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  lrl_set_closure(L, "stages", l_stages, in);
  /* `stage` and `segment` are both declarations (called) and namespaces
  ** (stage.mql, segment.enterprise). */
  lrp_push_namespace(L, in, l_stage_call, lrp_stage_namespace);
  lrl_setglobal(L, "stage");
  lrp_push_namespace(L, in, l_segment_call, lrp_segment_namespace);
  lrl_setglobal(L, "segment");
  static const luaL_Reg decls[] = {
    {"rule", l_rule}, {"transition", l_transition}, {"handoff", l_handoff},
    {"round_robin", l_round_robin}, {"by_field", l_by_field},
    {"grade", l_grade}, {"total", l_total}, {"notify", l_notify},
    {NULL, NULL}};
  lrl_set_closures(L, decls, in);
  lrp_account_declare_open(in);
}

int lrp_stage_find(const lrp_model *m, const char *name) {
  for (int i = 0; i < m->nstages; i++)
    if (strcasecmp(m->stages[i].name, name) == 0) return i;
  return -1;
}

int lrp_segment_find(const lrp_model *m, const char *name) {
  for (int i = 0; i < m->nsegments; i++)
    if (strcmp(m->segments[i].name, name) == 0) return i;
  return -1;
}

/* A grade over a group that no rule scores would give every contact the
** lowest letter: a typo ("fitt") or a rule left out, never meant. */
static int check_grade_groups(const lrp_model *m, char *err, size_t errlen) {
  for (int i = 0; i < m->ngrades; i++) {
    const lrp_grade *g = &m->grades[i];
    if (!g->group || lrp_group_find(m, g->group) >= 0) continue;
    lr_buf b = LR_BUF_INIT;
    for (int k = 0; k < m->ngroups; k++)
      lrb_printf(&b, "%s%s", k ? ", " : "", m->groups[k]);
    snprintf(err, errlen, "%s: grade '%s': no rule has group '%s' (%s%s)",
             g->where, g->group, g->group,
             m->ngroups ? "the rules' groups: " : "no rule has a group",
             lrb_str(&b));
    lrb_free(&b);
    return LR_POLICY;
  }
  return LR_OK;
}

int lrp_model_validate(lrp_instance *in, char *err, size_t errlen) {
  lrp_model *m = &in->m;
  m->loading = 0;
  if (m->nfunnel == 0) {
    snprintf(err, errlen, "%s: the policy declares no funnel (add "
             "stages { \"subscriber\", \"lead\", ... })", in->policy->name);
    return LR_POLICY;
  }
  int rc = lrp_account_validate(in, err, errlen);
  return rc != LR_OK ? rc : check_grade_groups(m, err, errlen);
}

static void free_strings(char **v, int n) {
  for (int i = 0; i < n; i++) free(v[i]);
  free(v);
}

void lrp_model_free(lrp_model *m, lua_State *L) {
  (void)L;                   /* refs die with the state */
  for (int i = 0; i < m->nstages; i++) free(m->stages[i].name);
  free(m->stages);
  for (int i = 0; i < m->nsegments; i++) {
    free(m->segments[i].name);
    free(m->segments[i].sql);
  }
  free(m->segments);
  for (int i = 0; i < m->nrules; i++) {
    free(m->rules[i].name);
    free(m->rules[i].group);
    free(m->rules[i].description);
  }
  free(m->rules);
  for (int i = 0; i < m->ntransitions; i++) {
    free(m->transitions[i].from);
    free(m->transitions[i].reason);
  }
  free(m->transitions);
  free(m->handoffs);
  for (int i = 0; i < m->nrouters; i++) {
    lrp_router *r = &m->routers[i];
    for (int k = 0; k < r->nowners; k++) free(r->owners[k].name);
    free(r->owners);
    free(r->field);
    free_strings(r->values, r->nvalues);
    free(r->targets);
    free(r->fixed);
  }
  free(m->routers);
  for (int i = 0; i < m->ngrades; i++) {
    free_strings(m->grades[i].letters, m->grades[i].n);
    free(m->grades[i].min);
    free(m->grades[i].group);
  }
  free(m->grades);
  free_strings(m->groups, m->ngroups);
  free(m->notify_refs);
  free(m->notify_where);
  memset(m, 0, sizeof *m);
}
