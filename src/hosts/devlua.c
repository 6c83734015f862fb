/*
** devlua.c -- load_policy(), the policy object seen from test files and
** the shell, and fixture contacts.
**
** Everything a call allocates in C hangs off an "evaluation box" (a
** userdata with __gc), so a Lua error raised half-way (a bad fixture,
** out of memory) leaks nothing: the box is cleared when collected.
*/
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../store/fixture.h"
#include "../store/query.h"
#include "../store/scan.h"
#include "../store/store.h"
#include "../util/arena.h"
#include "../lua/format.h"
#include "../lua/host.h"
#include "devlua.h"
#include "../engine/eval.h"
#include "../engine/worker.h"
#include "../lua/srcscan.h"

#define POLICY_MT "leadrules.devpolicy"
#define BOX_MT "leadrules.evalbox"

typedef struct polud {
  lrp_dev *d;
  int pidx;                          /* into d->pols */
  long long now;                     /* load_policy's `now`; 0: d->now */
  int strict;                        /* `fields` given: the exact columns */
} polud;

/* ---- set-up ------------------------------------------------------------ */

void lrp_dev_init(lrp_dev *d, lr_db *db, lr_db *scratch, const char *base_dir,
                  const lr_policy_opts *opts) {
  memset(d, 0, sizeof *d);
  d->db = db;
  d->scratch = scratch;
  d->base_dir = base_dir ? strdup(base_dir) : NULL;
  if (opts) {
    size_t n = opts->size < sizeof d->opts ? opts->size : sizeof d->opts;
    memcpy(&d->opts, opts, n);
  }
  d->opts.size = sizeof d->opts;
}

void lrp_dev_free(lrp_dev *d) {
  for (int i = 0; i < d->npols; i++) {
    lr_policy_free(d->pols[i].p);
    free(d->pols[i].path);
    for (int k = 0; k < d->pols[i].nfields; k++) free(d->pols[i].fields[k]);
    free(d->pols[i].fields);
  }
  free(d->pols);
  free(d->base_cols);
  if (d->own_scratch) lr_close(d->scratch);
  free(d->base_dir);
  memset(d, 0, sizeof *d);
}

/* The scratch database and its columns, opened on first need. */
static void need_scratch(lua_State *L, lrp_dev *d) {
  if (!d->scratch) {
    lr_db *s = NULL;
    if (lr_open(":memory:", &s) != LR_OK) {
      char msg[512];
      snprintf(msg, sizeof msg, "%s", lr_errmsg(s));
      lr_close(s);
      lrl_error(L, "cannot open a scratch database: %s", msg);
    }
    d->scratch = s;
    d->own_scratch = 1;
  }
  if (!d->base_cols) {
    d->base_cols = lrs_contact_columns(lrs_snap_main(d->scratch), &d->nbase);
    if (!d->base_cols) lrl_error(L, "cannot read the contacts schema");
  }
}

/* ---- the evaluation box ------------------------------------------------ */

typedef struct evalbox {
  lr_arena arena;
  int arena_on;
  lrp_eval ev;
  int ev_on;
  lrp_result res;
  int res_on;
  lrp_worker w;
  int w_on;
  lrp_instance *in;                  /* cancel flag set on it */
} evalbox;

static void box_clear(evalbox *b) {
  if (b->ev_on) lrp_eval_free(&b->ev);
  if (b->res_on) lrp_result_free(&b->res);
  if (b->w_on) lrp_worker_close(&b->w);
  if (b->arena_on) lra_free(&b->arena);
  if (b->in && b->in->rt) b->in->rt->cancel = NULL;
  memset(b, 0, sizeof *b);
}

static int box_gc(lua_State *L) {
  box_clear((evalbox *)lua_touserdata(L, 1));
  return 0;
}

static evalbox *new_box(lua_State *L) {
  evalbox *b = lua_newuserdatauv(L, sizeof *b, 0);
  memset(b, 0, sizeof *b);
  if (luaL_newmetatable(L, BOX_MT)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  lra_init(&b->arena, 8192);
  b->arena_on = 1;
  return b;
}

static void *box_alloc(lua_State *L, evalbox *b, size_t n) {
  void *p = lra_alloc(&b->arena, n ? n : 1);
  if (!p) lrl_error(L, "out of memory");
  memset(p, 0, n ? n : 1);
  return p;
}

static const char *box_str(lua_State *L, evalbox *b, const char *s, size_t n) {
  char *p = lra_strndup(&b->arena, s, n);
  if (!p) lrl_error(L, "out of memory");
  return p;
}

/* ---- fixtures ------------------------------------------------------------ */

typedef struct fixture {
  const char **cols;
  lrs_value *vals;
  int ncols, cap;
  lrs_contact c;
} fixture;

static int col_find(const fixture *f, const char *name) {
  for (int i = 0; i < f->ncols; i++)
    if (strcmp(f->cols[i], name) == 0) return i;
  return -1;
}

static int col_add(fixture *f, const char *name) {
  int i = col_find(f, name);
  if (i >= 0 || f->ncols == f->cap) return i;
  f->cols[f->ncols] = name;
  f->vals[f->ncols].type = LRS_NULL;
  return f->ncols++;
}

static int reserved_key(const char *k) {
  return strcmp(k, "activities") == 0 || strcmp(k, "outcome") == 0 ||
         strcmp(k, "segments") == 0;
}

static int time_column(const char *name) {
  static const char *const names[] = {"created_at", "updated_at", "due_at",
      "assigned_at", "manual_at", "data_at", "manual_until", "stage_since",
      NULL};
  for (int i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0) return i == 0 ? 1 : 2;   /* 2: must */
  return 0;
}

/* A clock (`now`): a time after 1970-01-01T00:00:00Z, since 0 stands for
** the current time. */
static long long to_clock(lua_State *L, int idx, const char *what) {
  long long t = lrl_time_arg(L, idx, what);
  if (t < 1)
    lrl_error(L, "%s: the clock must be after 1970-01-01T00:00:00Z (0 "
              "means the current time)", what);
  return t;
}

/* The Lua value at idx as a row value of column `name`. */
static void to_value(lua_State *L, evalbox *b, int idx, const char *name,
                     lrs_value *v) {
  int tc = time_column(name);
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) {
        v->type = LRS_INT;
        v->i = (long long)lua_tointeger(L, idx);
      } else if (tc || strcmp(name, "id") == 0) {
        /* read as integers (int_col): a fraction must be a time */
        char what[160];
        snprintf(what, sizeof what, "fixture field '%s'", name);
        v->type = LRS_INT;
        v->i = tc ? lrl_time_arg(L, idx, what)
                  : lrl_error(L, "%s must be a whole number", what);
      } else {
        v->type = LRS_FLOAT;
        v->r = lua_tonumber(L, idx);
        if (!isfinite(v->r))
          lrl_error(L, "fixture field '%s' must be a finite number", name);
      }
      return;
    case LUA_TBOOLEAN:
      v->type = LRS_INT;                /* SQLite has no booleans */
      v->i = lua_toboolean(L, idx);
      return;
    case LUA_TSTRING: {
      size_t n;
      if (lrl_has_nul(L, idx))
        lrl_error(L, "fixture field '%s' contains a NUL byte", name);
      const char *s = lua_tolstring(L, idx, &n);
      long long t;
      if (tc && lr_parse_time(s, &t) == LR_OK) {
        v->type = LRS_INT;
        v->i = t;
        return;
      }
      if (tc == 2) {
        char what[160];
        snprintf(what, sizeof what, "fixture field '%s'", name);
        lrl_time_arg(L, idx, what);          /* raises the error */
      }
      v->type = LRS_STR;
      v->s = box_str(L, b, s, n);
      v->n = (int)n;
      return;
    }
    default:
      lrl_error(L, "fixture field '%s' must be a string, number or boolean "
                "(got %s)", name, luaL_typename(L, idx));
  }
}

typedef struct act_tmp {
  const char *type;
  lrs_activity a;
} act_tmp;

static int act_cmp(const void *x, const void *y) {
  const act_tmp *a = x, *b = y;
  int c = strcmp(a->type, b->type);
  if (c) return c;
  return a->a.at < b->a.at ? -1 : a->a.at > b->a.at;
}

/* fixture.activities: { { type = "email_open", at = T | ago = "2d",
** value = N, campaign = "x" }, { "page_view", "2026-10-30" }, "form_submit" } */
static void read_activities(lua_State *L, evalbox *b, int fidx, long long now,
                            fixture *f) {
  int t = lua_getfield(L, fidx, "activities");
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  if (t != LUA_TTABLE)
    lrl_error(L, "fixture 'activities' must be a list of activities");
  int list = lua_gettop(L);
  lua_Integer n = luaL_len(L, list);
  if (n < 0 || n > 1000000) lrl_error(L, "fixture 'activities': too many");
  act_tmp *tmp = box_alloc(L, b, (size_t)n * sizeof *tmp);
  for (lua_Integer i = 1; i <= n; i++) {
    act_tmp *x = &tmp[i - 1];
    char what[64];
    snprintf(what, sizeof what, "activity %d", (int)i);
    x->a.at = now;
    int it = lua_geti(L, list, i);
    if (it == LUA_TSTRING) {
      lrl_tocstring(L, -1, "fixture activity type");
      x->type = box_str(L, b, lua_tostring(L, -1), strlen(lua_tostring(L, -1)));
      lua_pop(L, 1);
      continue;
    }
    if (it != LUA_TTABLE)
      lrl_error(L, "%s must be a table like { type = \"email_open\", at = "
                "\"2026-10-30\" }", what);
    int item = lua_gettop(L);
    if (lua_getfield(L, item, "type") == LUA_TNIL) {
      lua_pop(L, 1);
      lua_geti(L, item, 1);
    }
    if (lua_type(L, -1) != LUA_TSTRING)
      lrl_error(L, "%s needs a type (a string like \"email_open\")", what);
    lrl_tocstring(L, -1, "fixture activity type");
    x->type = box_str(L, b, lua_tostring(L, -1), strlen(lua_tostring(L, -1)));
    lua_pop(L, 1);
    if (lua_getfield(L, item, "at") == LUA_TNIL) {
      lua_pop(L, 1);
      lua_geti(L, item, 2);
    }
    if (!lua_isnil(L, -1)) x->a.at = lrl_time_arg(L, -1, what);
    lua_pop(L, 1);
    if (lua_getfield(L, item, "ago") != LUA_TNIL)
      x->a.at = now - lrl_duration_arg(L, -1, what);
    lua_pop(L, 1);
    if (lua_getfield(L, item, "value") != LUA_TNIL) {
      if (lua_type(L, -1) != LUA_TNUMBER)
        lrl_error(L, "%s: 'value' must be a number", what);
      x->a.value = lua_tonumber(L, -1);
      if (!isfinite(x->a.value))
        lrl_error(L, "%s: 'value' must be a finite number", what);
      x->a.has_value = 1;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, item, "campaign") != LUA_TNIL) {
      if (lua_type(L, -1) != LUA_TSTRING)
        lrl_error(L, "%s: 'campaign' must be a string", what);
      lrl_tocstring(L, -1, "fixture activity campaign");
      x->a.campaign = box_str(L, b, lua_tostring(L, -1),
                              strlen(lua_tostring(L, -1)));
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
  /* Ordered by type, then time, like the store hands them over. */
  qsort(tmp, (size_t)n, sizeof *tmp, act_cmp);
  f->c.acts = box_alloc(L, b, (size_t)n * sizeof *f->c.acts);
  const char **types = box_alloc(L, b, (size_t)n * sizeof *types);
  int ntypes = 0;
  for (lua_Integer i = 0; i < n; i++) {
    if (!ntypes || strcmp(types[ntypes - 1], tmp[i].type) != 0)
      types[ntypes++] = tmp[i].type;
    f->c.acts[i] = tmp[i].a;
    f->c.acts[i].type = ntypes - 1;
  }
  f->c.nacts = (int)n;
  f->c.types = types;
  f->c.ntypes = ntypes;
}

/* fixture.outcome: "won" | "lost" | { result = "won", amount = N, closed_at = T } */
static void read_outcome(lua_State *L, int fidx, long long now, fixture *f) {
  int t = lua_getfield(L, fidx, "outcome");
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  const char *res = NULL;
  f->c.closed_at = now;
  if (t == LUA_TSTRING) {
    res = lrl_tocstring(L, -1, "fixture outcome");
  } else if (t == LUA_TTABLE) {
    int o = lua_gettop(L);
    if (lua_getfield(L, o, "result") == LUA_TSTRING)
      res = lrl_tocstring(L, -1, "fixture outcome");
    lua_pop(L, 1);                      /* still referenced by the table */
    if (lua_getfield(L, o, "amount") != LUA_TNIL) {
      if (lua_type(L, -1) != LUA_TNUMBER)
        lrl_error(L, "fixture outcome: 'amount' must be a number");
      f->c.amount = lua_tonumber(L, -1);
      if (!isfinite(f->c.amount))
        lrl_error(L, "fixture outcome: 'amount' must be a finite number");
      f->c.has_amount = 1;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, o, "closed_at") != LUA_TNIL)
      f->c.closed_at = lrl_time_arg(L, -1, "fixture outcome 'closed_at'");
    lua_pop(L, 1);
  }
  if (!res || (strcmp(res, "won") != 0 && strcmp(res, "lost") != 0))
    lrl_error(L, "fixture 'outcome' must be \"won\", \"lost\" or { result = "
              "\"won\", amount = 1200 }");
  f->c.has_outcome = 1;
  f->c.outcome = res[0] == 'w' ? "won" : "lost";
  lua_pop(L, 1);
}

static const char *str_col(const fixture *f, const char *name) {
  int i = col_find(f, name);
  return i >= 0 && f->vals[i].type == LRS_STR ? f->vals[i].s : NULL;
}

static long long int_col(const fixture *f, const char *name) {
  int i = col_find(f, name);
  if (i < 0) return 0;
  if (f->vals[i].type == LRS_INT) return f->vals[i].i;
  if (f->vals[i].type == LRS_FLOAT) return (long long)f->vals[i].r;
  return 0;
}

/* The fixture's columns: the schema's, then load_policy's `fields` (the
** exact columns) or the fields the policy reads, with room for the
** fixture's own keys. */
static void fixture_columns(lua_State *L, evalbox *b, int fidx, polud *u,
                            lrp_devpol *pol, fixture *f) {
  lrp_dev *d = u->d;
  int nfix = 0;
  lua_pushnil(L);
  while (lua_next(L, fidx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      lrl_error(L, "fixture keys must be field names (strings)");
    lrl_tocstring(L, -1, "a fixture field name");
    nfix++;
  }
  int nstrict = 0;
  if (u->strict) {
    lua_getiuservalue(L, 1, 1);
    nstrict = (int)luaL_len(L, -1);
    lua_pop(L, 1);
  }
  f->cap = d->nbase + nfix + pol->nfields + nstrict + 1;
  f->cols = box_alloc(L, b, (size_t)f->cap * sizeof *f->cols);
  f->vals = box_alloc(L, b, (size_t)f->cap * sizeof *f->vals);
  for (int i = 0; i < d->nbase; i++) col_add(f, d->base_cols[i]);
  if (u->strict) {
    lua_getiuservalue(L, 1, 1);
    for (int i = 1; i <= nstrict; i++) {
      lua_geti(L, -1, i);
      col_add(f, box_str(L, b, lua_tostring(L, -1), strlen(lua_tostring(L, -1))));
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  } else {
    for (int i = 0; i < pol->nfields; i++) col_add(f, pol->fields[i]);
  }
}

/* The fixture's own values, by key. */
static void fixture_values(lua_State *L, evalbox *b, int fidx, polud *u,
                           fixture *f) {
  lua_pushnil(L);
  while (lua_next(L, fidx)) {
    const char *k = lua_tostring(L, -2);
    if (!reserved_key(k)) {
      int i = col_find(f, k);
      if (i < 0 && u->strict)
        lrl_error(L, "fixture field '%s' is not among the policy's fields "
                  "(the `fields` list given to load_policy)", k);
      if (i < 0) i = col_add(f, box_str(L, b, k, strlen(k)));
      to_value(L, b, lua_gettop(L), k, &f->vals[i]);
    }
    lua_pop(L, 1);
  }
}

/* The contact's identity and engine columns, from its row. */
static void fixture_identity(fixture *f) {
  /* id 1 unless given; key from `key`, else `email`. */
  int ci = col_find(f, "id");
  if (ci >= 0 && f->vals[ci].type == LRS_NULL) {
    f->vals[ci].type = LRS_INT;
    f->vals[ci].i = 1;
  }
  f->c.id = int_col(f, "id");
  const char *key = str_col(f, "key");
  if (!key) key = str_col(f, "email");
  if (!key) key = "fixture";
  ci = col_find(f, "key");
  if (ci >= 0 && f->vals[ci].type == LRS_NULL) {
    f->vals[ci].type = LRS_STR;
    f->vals[ci].s = key;
    f->vals[ci].n = (int)strlen(key);
  }
  f->c.key = key;
  f->c.ncols = f->ncols;
  f->c.vals = f->vals;
  f->c.stage = str_col(f, "stage");
  f->c.owner = str_col(f, "owner");
  f->c.grade = str_col(f, "grade");
  f->c.scores = str_col(f, "scores");
  ci = col_find(f, "score");
  if (ci >= 0 && f->vals[ci].type == LRS_INT) f->c.score = (double)f->vals[ci].i;
  if (ci >= 0 && f->vals[ci].type == LRS_FLOAT) f->c.score = f->vals[ci].r;
  f->c.due_at = int_col(f, "due_at");
  f->c.assigned_at = int_col(f, "assigned_at");
  f->c.manual_at = int_col(f, "manual_at");
  f->c.data_at = int_col(f, "data_at");
  f->c.manual_until = int_col(f, "manual_until");
  f->c.stage_since = int_col(f, "stage_since");
}

/* Which SQL segments the fixture is in: stated by the fixture, or run
** against it as real SQL. */
static void fixture_segments(lua_State *L, evalbox *b, int fidx, polud *u,
                             const lrp_model *m, fixture *f) {
  lrp_dev *d = u->d;
  int nsql = m->nsql_segments;
  unsigned char *member = box_alloc(L, b, (size_t)nsql + 1);
  unsigned char *want = box_alloc(L, b, (size_t)nsql + 1);
  memset(want, 1, (size_t)nsql + 1);
  if (lua_getfield(L, fidx, "segments") != LUA_TNIL) {
    if (!lua_istable(L, -1))
      lrl_error(L, "fixture 'segments' must be a table like { referred = true }");
    int st = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, st)) {
      const char *name = lua_type(L, -2) == LUA_TSTRING
                         ? lrl_tocstring(L, -2, "fixture 'segments': a name")
                         : "?";
      int si = lrp_segment_find(m, name);
      if (si < 0) lrl_error(L, "fixture 'segments': the policy has no "
                            "segment '%s'", name);
      if (m->segments[si].sql_index < 0)
        lrl_error(L, "fixture 'segments': '%s' is a Lua segment (its `when` "
                  "decides); only SQL segments can be stated", name);
      member[m->segments[si].sql_index] = (unsigned char)lua_toboolean(L, -1);
      want[m->segments[si].sql_index] = 0;
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  if (nsql) {
    const char **sqls = box_alloc(L, b, (size_t)nsql * sizeof *sqls);
    for (int i = 0; i < m->nsegments; i++)
      if (m->segments[i].sql_index >= 0)
        sqls[m->segments[i].sql_index] = m->segments[i].sql;
    char err[1024] = "";
    int bad = -1;
    if (lrs_fixture_members(d->scratch, &f->c, f->cols, sqls, nsql, want,
                            !u->strict, member, &bad, err, sizeof err)
        != LR_OK) {
      const char *seg = "?";
      for (int i = 0; i < m->nsegments; i++)
        if (bad >= 0 && m->segments[i].sql_index == bad) seg = m->segments[i].name;
      if (bad >= 0) lrl_error(L, "segment '%s': %s", seg, err);
      lrl_error(L, "%s", err);
    }
  }
  f->c.sql_member = member;
}

/* Build the contact of the fixture table at fidx. */
static void build_fixture(lua_State *L, evalbox *b, int fidx, polud *u,
                          lrp_devpol *pol, long long now, fixture *f) {
  need_scratch(L, u->d);
  fixture_columns(L, b, fidx, u, pol, f);
  fixture_values(L, b, fidx, u, f);
  fixture_identity(f);
  read_activities(L, b, fidx, now, f);
  read_outcome(L, fidx, now, f);
  fixture_segments(L, b, fidx, u, &pol->p->main.m, f);
}

/* ---- results -------------------------------------------------------------- */

static void push_num(lua_State *L, double v) {
  if (v == floor(v) && fabs(v) < 9007199254740992.0) lua_pushinteger(L, (lua_Integer)v);
  else lua_pushnumber(L, v);
}

static int strict_index(lua_State *L) {
  const char *what = lua_tostring(L, lua_upvalueindex(1));
  if (lua_type(L, 2) == LUA_TSTRING)
    return lrl_error(L, "the policy has no %s named '%s'", what,
                     lua_tostring(L, 2));
  return lrl_error(L, "%ss are named by strings", what);
}

/* Give the table on top a metatable whose __index refuses unknown names,
** so a typo in a test is an error, not a silent nil. */
static void set_strict(lua_State *L, const char *what) {
  char name[64];
  snprintf(name, sizeof name, "leadrules.strict.%s", what);
  if (luaL_newmetatable(L, name)) {
    lua_pushstring(L, what);
    lua_pushcclosure(L, strict_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
}

static void push_handoff(lua_State *L, const lrp_model *m, const lrp_result *r,
                         long long now) {
  const lrp_handoff *h = &m->handoffs[r->handoff];
  lua_createtable(L, 0, 5);
  lua_pushstring(L, m->stages[h->stage].name);
  lua_setfield(L, -2, "stage");
  if (h->due) {
    lua_pushinteger(L, (lua_Integer)h->due);
    lua_setfield(L, -2, "due");
    lua_pushinteger(L, (lua_Integer)(now + h->due));
    lua_setfield(L, -2, "due_at");
  }
  const lrp_router *ro = r->leaf_router >= 0 ? &m->routers[r->leaf_router] : NULL;
  /* account_owner{}: the account's owner, known after the accounts of a
  ** run; owner/pool below are then the fallback's */
  lua_pushboolean(L, r->via_account);
  lua_setfield(L, -2, "account_owner");
  if (r->fn_owner) {
    lua_pushstring(L, r->fn_owner);
    lua_setfield(L, -2, "owner");
  } else if (ro && ro->kind == LRP_ROUTER_FIXED) {
    lua_pushstring(L, ro->fixed);
    lua_setfield(L, -2, "owner");
  } else if (ro && ro->kind == LRP_ROUTER_RR) {
    /* Who gets it depends on the stored rotation: give the pool. */
    lua_createtable(L, ro->nowners, 0);
    int k = 0;
    for (int i = 0; i < ro->nowners; i++) {
      if (ro->owners[i].away) continue;
      lua_pushstring(L, ro->owners[i].name);
      lua_rawseti(L, -2, ++k);
    }
    lua_setfield(L, -2, "pool");
  }
  lua_pushstring(L, h->where);
  lua_setfield(L, -2, "where");
}

static const char *stage_name(const lrp_model *m, int i) {
  return i >= 0 && i < m->nstages ? m->stages[i].name : NULL;
}

static void push_result(lua_State *L, const lrp_model *m, const lrp_result *r,
                        const lrs_contact *c, long long now) {
  lua_createtable(L, 0, 16);
  lua_pushstring(L, c->key);
  lua_setfield(L, -2, "key");
  lua_pushinteger(L, (lua_Integer)now);
  lua_setfield(L, -2, "now");
  push_num(L, r->score);
  lua_setfield(L, -2, "score");
  lua_createtable(L, 0, m->ngroups);
  for (int g = 0; g < m->ngroups; g++) {
    push_num(L, r->group[g]);
    lua_setfield(L, -2, m->groups[g]);
  }
  set_strict(L, "score group");
  lua_setfield(L, -2, "scores");
  if (m->ngrades) {
    lua_pushstring(L, r->grades[0]);
    lua_setfield(L, -2, "grade");
  }
  lua_createtable(L, 0, m->ngrades);
  for (int g = 0; g < m->ngrades; g++) {
    lua_pushstring(L, r->grades[g]);
    lua_setfield(L, -2, m->grades[g].group ? m->grades[g].group : "total");
  }
  set_strict(L, "grade");
  lua_setfield(L, -2, "grades");
  lua_createtable(L, 0, m->nrules);
  for (int i = 0; i < m->nrules; i++) {
    push_num(L, r->part[i]);
    lua_setfield(L, -2, m->rules[i].name);
  }
  set_strict(L, "rule");
  lua_setfield(L, -2, "parts");
  lua_createtable(L, 0, m->nrules);
  for (int i = 0; i < m->nrules; i++) {
    lua_pushboolean(L, r->fired[i]);
    lua_setfield(L, -2, m->rules[i].name);
  }
  set_strict(L, "rule");
  lua_setfield(L, -2, "fired");
  lua_createtable(L, 0, m->nsegments);
  for (int i = 0; i < m->nsegments; i++) {
    lua_pushboolean(L, r->member[i] == 1);
    lua_setfield(L, -2, m->segments[i].name);
  }
  set_strict(L, "segment");
  lua_setfield(L, -2, "segments");
  lua_pushstring(L, stage_name(m, r->stage));
  lua_setfield(L, -2, "stage");
  lua_pushstring(L, stage_name(m, r->start_stage));
  lua_setfield(L, -2, "start_stage");
  /* path: the stages visited, in order */
  lua_createtable(L, r->nmoves + 1, 0);
  lua_pushstring(L, stage_name(m, r->start_stage));
  lua_rawseti(L, -2, 1);
  int k = 1;
  for (int i = 0; i < r->nmoves; i++) {
    if (r->moves[i].transition < 0) continue;   /* the initial stage */
    lua_pushstring(L, stage_name(m, r->moves[i].to));
    lua_rawseti(L, -2, ++k);
  }
  lua_setfield(L, -2, "path");
  lua_createtable(L, r->nmoves, 0);
  for (int i = 0; i < r->nmoves; i++) {
    const lrp_move *mv = &r->moves[i];
    lua_createtable(L, 0, 5);
    if (mv->from >= 0) {
      lua_pushstring(L, stage_name(m, mv->from));
      lua_setfield(L, -2, "from");
    }
    lua_pushstring(L, stage_name(m, mv->to));
    lua_setfield(L, -2, "to");
    if (mv->transition >= 0) {
      const lrp_transition *t = &m->transitions[mv->transition];
      lua_pushstring(L, t->where);
      lua_setfield(L, -2, "where");
      lua_pushstring(L, t->label);
      lua_setfield(L, -2, "transition");
      if (t->reason) lua_pushstring(L, t->reason);
      else lua_pushfstring(L, "transition %s (%s)", t->label, t->where);
    } else {
      lua_pushliteral(L, "initial stage");
    }
    lua_setfield(L, -2, "reason");
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "moves");
  if (r->handoff >= 0) {
    push_handoff(L, m, r, now);
    lua_setfield(L, -2, "handoff");
  }
  lua_pushboolean(L, r->manual_locked);
  lua_setfield(L, -2, "manual_locked");
  lua_pushinteger(L, r->nheld);
  lua_setfield(L, -2, "held_by_manual");
  lua_pushboolean(L, r->clear_owner);
  lua_setfield(L, -2, "clears_owner");
}

/* ---- the policy object ---------------------------------------------------- */

static polud *check_pol(lua_State *L, int idx) {
  return (polud *)luaL_checkudata(L, idx, POLICY_MT);
}

static long long eval_now(lua_State *L, polud *u, int opts) {
  long long now = u->now ? u->now : u->d->now;
  if (opts && lua_istable(L, opts)) {
    if (lua_getfield(L, opts, "now") != LUA_TNIL)
      now = to_clock(L, -1, "evaluate: 'now'");
    lua_pop(L, 1);
  }
  return now ? now : (long long)time(NULL);
}

/* policy:evaluate(fixture | key [, { now = T, override_manual = true }]) */
static int p_evaluate(lua_State *L) {
  polud *u = check_pol(L, 1);
  lrp_dev *d = u->d;
  lrp_devpol *pol = &d->pols[u->pidx];
  lrp_instance *in = &pol->p->main;
  const lrp_model *m = &in->m;
  int opts = lua_istable(L, 3) ? 3 : 0;
  if (!lua_isnoneornil(L, 3) && !opts)
    lrl_error(L, "evaluate: options must be a table like { now = \"2026-11-01\" }");
  long long now = eval_now(L, u, opts);
  int override = 0;
  if (opts) {
    lua_getfield(L, opts, "override_manual");
    override = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  evalbox *b = new_box(L);
  int box = lua_gettop(L);
  char err[2048] = "";
  if (lua_type(L, 2) == LUA_TTABLE) {
    fixture f;
    memset(&f, 0, sizeof f);
    build_fixture(L, b, 2, u, pol, now, &f);
    int rc = lrp_eval_init(&b->ev, in, lrs_snap_main(d->scratch), f.cols,
                           f.ncols, now);
    b->ev_on = 1;
    b->ev.override_manual = override;
    if (rc == LR_OK) rc = lrp_result_init(&b->res, m);
    if (rc != LR_OK) lrl_error(L, "evaluate: out of memory");
    b->res_on = 1;
    b->in = in;
    in->rt->cancel = d->cancel;
    rc = lrp_eval_contact(&b->ev, &f.c, &b->res);
    in->rt->cancel = NULL;
    if (rc != LR_OK) {
      snprintf(err, sizeof err, "%s", b->ev.err);
      box_clear(b);
      return lrl_error(L, "evaluate: %s", err);
    }
    push_result(L, m, &b->res, &f.c, now);
  } else if (lua_type(L, 2) == LUA_TSTRING) {
    const char *key = lrl_tocstring(L, 2, "evaluate: the key");
    int rc = lrp_worker_open(&b->w, pol->p, 0, now, override, d->cancel, err,
                             sizeof err);
    b->w_on = 1;
    if (rc != LR_OK) {
      box_clear(b);
      return lrl_error(L, "evaluate: %s", err);
    }
    long long id = 0;
    const lrs_contact *c = NULL;
    if (lrs_contact_id(b->w.snap, key, &id) != LR_OK || id == 0) {
      box_clear(b);
      return lrl_error(L, "evaluate: no contact '%s' in the database", key);
    }
    if (lrs_scan_one(b->w.scan, id) != LR_OK ||
        lrs_scan_next(b->w.scan, &c) != 1) {
      box_clear(b);
      return lrl_error(L, "evaluate: cannot read contact '%s'", key);
    }
    rc = lrp_eval_contact(&b->w.ev, c, &b->w.res);
    if (rc != LR_OK) {
      snprintf(err, sizeof err, "%s", b->w.ev.err);
      box_clear(b);
      return lrl_error(L, "evaluate: %s", err);
    }
    push_result(L, m, &b->w.res, c, now);
  } else {
    return lrl_error(L, "evaluate: give a fixture table { field = value, ... } "
                     "or a contact key");
  }
  box_clear(b);
  lua_remove(L, box);
  return 1;
}

static void push_names(lua_State *L, int n, const char *(*get)(const lrp_model *, int),
                       const lrp_model *m) {
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushstring(L, get(m, i));
    lua_rawseti(L, -2, i + 1);
  }
}

static const char *get_stage(const lrp_model *m, int i) { return m->stages[i].name; }
static const char *get_rule(const lrp_model *m, int i) { return m->rules[i].name; }
static const char *get_segment(const lrp_model *m, int i) { return m->segments[i].name; }

static int p_index(lua_State *L) {
  polud *u = check_pol(L, 1);
  const char *k = luaL_checkstring(L, 2);
  lr_policy *p = u->d->pols[u->pidx].p;
  const lrp_model *m = &p->main.m;
  if (strcmp(k, "evaluate") == 0) lua_pushcfunction(L, p_evaluate);
  else if (strcmp(k, "name") == 0) lua_pushstring(L, p->name);
  else if (strcmp(k, "hash") == 0) lua_pushstring(L, p->hash);
  else if (strcmp(k, "stages") == 0) push_names(L, m->nstages, get_stage, m);
  else if (strcmp(k, "rules") == 0) push_names(L, m->nrules, get_rule, m);
  else if (strcmp(k, "segments") == 0) push_names(L, m->nsegments, get_segment, m);
  else return lrl_error(L, "policy has no field '%s' (evaluate, name, hash, "
                        "stages, rules, segments)", k);
  return 1;
}

static int p_tostring(lua_State *L) {
  polud *u = check_pol(L, 1);
  lua_pushfstring(L, "policy(%s)", u->d->pols[u->pidx].p->name);
  return 1;
}

static void p_show(lua_State *L, int idx, lr_buf *b) {
  polud *u = lua_touserdata(L, idx);
  lrb_printf(b, "policy(%s)", u->d->pols[u->pidx].p->name);
}
static const lrl_shower policy_shower = { p_show };

static void policy_mt(lua_State *L) {
  if (luaL_newmetatable(L, POLICY_MT)) {
    lua_pushlightuserdata(L, (void *)&policy_shower);
    lua_setfield(L, -2, LRL_SHOW_FIELD);
    static const luaL_Reg metamethods[] = {{"__index", p_index},
      {"__tostring", p_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, metamethods, 0);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  }
}

/* The statically read fields of a policy, for fixtures that give fewer. */
static void static_fields(lrp_devpol *pol) {
  lrp_refs refs;
  const lr_policy *p = pol->p;
  if (lrp_scan_source(p->source, p->source_len, &refs) == 0) {
    pol->fields = calloc((size_t)refs.n + 1, sizeof *pol->fields);
    for (int i = 0; pol->fields && i < refs.n; i++) {
      if (refs.v[i].kind != LRP_REF_FIELD || lrp_lead_builtin(refs.v[i].name))
        continue;
      int dup = 0;
      for (int k = 0; k < pol->nfields && !dup; k++)
        dup = strcmp(pol->fields[k], refs.v[i].name) == 0;
      if (dup) continue;
      pol->fields[pol->nfields] = strdup(refs.v[i].name);
      if (pol->fields[pol->nfields]) pol->nfields++;
    }
  }
  lrp_refs_free(&refs);
}

/* load_policy(path [, { fields = {...}, now = T }])
** load_policy{ source = "...", name = "inline.lua", fields = ..., now = ... } */
static int l_load_policy(lua_State *L) {
  lrp_dev *d = (lrp_dev *)lrl_closure_ctx(L);
  int opts = 0;
  const char *path = NULL, *source = NULL, *name = "inline.lua";
  size_t srclen = 0;
  if (lua_type(L, 1) == LUA_TSTRING) {
    if (lrl_has_nul(L, 1))         /* a path: any bytes but NUL */
      lrl_error(L, "load_policy: the path contains a NUL byte");
    path = lua_tostring(L, 1);
    if (lua_istable(L, 2)) opts = 2;
    else if (!lua_isnoneornil(L, 2))
      lrl_error(L, "load_policy: options must be a table");
  } else if (lua_istable(L, 1)) {
    opts = 1;
    if (lua_getfield(L, 1, "source") != LUA_TSTRING)
      lrl_error(L, "load_policy: give a path, or a table with `source`");
    source = lua_tolstring(L, -1, &srclen);
    lua_pop(L, 1);                     /* kept alive by the table */
    if (lua_getfield(L, 1, "name") == LUA_TSTRING)
      name = lrl_tocstring(L, -1, "load_policy: 'name'");
    lua_pop(L, 1);
  } else {
    lrl_error(L, "load_policy: give the policy's path");
  }
  long long now = 0;
  int strict = 0;
  if (opts) {
    if (lua_getfield(L, opts, "now") != LUA_TNIL)
      now = to_clock(L, -1, "load_policy: 'now'");
    lua_pop(L, 1);
    int ft = lua_getfield(L, opts, "fields");
    if (ft == LUA_TTABLE) {
      lua_Integer n = luaL_len(L, -1);
      for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, -1, i) != LUA_TSTRING)
          lrl_error(L, "load_policy: 'fields' lists field names");
        lrl_tocstring(L, -1, "load_policy: a 'fields' name");
        lua_pop(L, 1);
      }
      strict = 1;
    } else if (ft != LUA_TNIL) {
      lrl_error(L, "load_policy: 'fields' must be a list of field names");
    }
    /* the fields table stays on the stack for the user value */
  } else {
    lua_pushnil(L);
  }
  int fields_idx = lua_gettop(L);

  char full[4096];
  if (path) {
    if (path[0] != '/' && d->base_dir && *d->base_dir)
      snprintf(full, sizeof full, "%s/%s", d->base_dir, path);
    else
      snprintf(full, sizeof full, "%s", path);
  }
  int pidx = -1;
  for (int i = 0; path && i < d->npols; i++)
    if (d->pols[i].path && strcmp(d->pols[i].path, full) == 0) pidx = i;
  if (pidx < 0) {
    lrp_devpol *v = realloc(d->pols, (size_t)(d->npols + 1) * sizeof *v);
    if (!v) lrl_error(L, "out of memory");
    d->pols = v;
    lrp_devpol *pol = &d->pols[d->npols];
    memset(pol, 0, sizeof *pol);
    lr_policy *p = NULL;
    int rc = path ? lr_policy_load_v2(d->db, full, &d->opts, &p)
                  : lr_policy_load_string(d->db, name, source, srclen,
                                          &d->opts, &p);
    if (rc != LR_OK) {
      char msg[2048];
      snprintf(msg, sizeof msg, "%s", lr_errmsg(d->db));
      lrl_error(L, "load_policy: %s", msg);
    }
    pol->p = p;
    pol->path = path ? strdup(full) : NULL;
    d->npols++;
    static_fields(pol);
    pidx = d->npols - 1;
  }
  polud *u = lua_newuserdatauv(L, sizeof *u, 1);
  u->d = d;
  u->pidx = pidx;
  u->now = now;
  u->strict = strict;
  policy_mt(L);
  lua_setmetatable(L, -2);
  lua_pushvalue(L, fields_idx);
  lua_setiuservalue(L, -2, 1);
  return 1;
}

static int l_parse_time(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)lrl_time_arg(L, 1, "parse_time"));
  return 1;
}

static int l_parse_duration(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)lrl_duration_arg(L, 1, "parse_duration"));
  return 1;
}

void lrp_dev_register(lua_State *L, lrp_dev *d) {
  lrl_set_closure(L, "load_policy", l_load_policy, d);
  lua_pushcfunction(L, l_parse_time);
  lua_setglobal(L, "parse_time");
  lua_pushcfunction(L, l_parse_duration);
  lua_setglobal(L, "parse_duration");
}
