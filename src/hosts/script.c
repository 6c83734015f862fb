/*
** script.c -- lr_script: ad-hoc Lua scripts run from the shell
** (`leadrules script.lua ARGS`, or a file starting #!/usr/bin/env
** leadrules), in the same sandbox as policies.
**
** A script sees `leads{ segment=, stage=, where=, limit= }` (an iterator
** of lead objects), `segment.NAME:leads()`, lead:set(field, value
** [, reason]), lead:move_to(stage [, reason] [, { hold_for = "30d" } or
** { hold_until = T }]), `field "name"` (add a
** column), `stages {...}` / `stage "x"`, print, arg and now.
**
** Reads come from a snapshot taken when the script starts (a second,
** read-only connection); writes go straight into the script's one write
** transaction on the main connection, so memory stays flat however many
** leads a script touches and a later leads{} loop still sees the data as
** it was at the start.  A lead object reflects its own sets and moves.
*/
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/objects.h"
#include "../lua/host.h"
#include "../store/apply.h"
#include "../store/manual.h"
#include "../store/scan.h"
#include "../store/select.h"
#include "../store/store.h"
#include "../util/arena.h"
#include "../util/readfile.h"
#include "../util/sha256.h"
#include "../engine/eval.h"

#define IDS 256                     /* ids per batch of a leads{} loop */

typedef struct script_ctx {
  lr_db *db;
  lr_policy *pol;                   /* owns the instance and its model */
  lrp_instance *in;
  lrs_snap *snap;                   /* what the script reads */
  lrs_scan *scan;
  const char *const *cols;
  int ncols;
  lrp_eval ev;
  lrp_result res;
  int have_res;
  lrs_contact cur;                  /* the current lead, with its changes */
  lrs_value *vals;
  lr_arena arena;                   /* strings of the current lead's changes */
  long long run_id, now;
  const char *by;
  char reason[300];                 /* default reason: "script NAME" */
  lr_write_fn write;
  void *wctx;
  int gen;                          /* generation of the live leads{} loop */
  lrs_select *sel;                  /* the live loop's ids (one at a time) */
  char **data_stages;
  int ndata_stages;
  lr_script_result out;
} script_ctx;

typedef struct iter {
  script_ctx *sc;
  long long ids[IDS];
  int n, pos;
  int ranged;                       /* the scan covers the whole batch */
  long long limit, count;
  int gen;
  int done;
} iter;


static script_ctx *ctx_of(lua_State *L) {
  return (script_ctx *)lrl_closure_ctx(L);
}

/* ---- the current lead ------------------------------------------------ */

static void end_lead(script_ctx *sc) {
  sc->ev.c = NULL;
}

static int set_current(script_ctx *sc, const lrs_contact *c) {
  lra_reset(&sc->arena);
  sc->cur = *c;
  memcpy(sc->vals, c->vals, (size_t)c->ncols * sizeof *sc->vals);
  sc->cur.vals = sc->vals;
  const lrp_model *m = &sc->in->m;
  for (int i = 0; i < m->nsegments; i++) {
    sc->res.member[i] = 0;
    for (int k = 0; k < c->nsegments; k++)
      if (strcmp(c->segments[k], m->segments[i].name) == 0)
        sc->res.member[i] = 1;
  }
  sc->ev.c = &sc->cur;
  sc->ev.r = &sc->res;
  sc->in->ev = &sc->ev;
  return LR_OK;
}

static void push_lead(lua_State *L, script_ctx *sc) {
  long long *ud = lua_newuserdatauv(L, sizeof(long long), 0);
  *ud = sc->cur.id;
  luaL_setmetatable(L, LRX_LEAD);
}

/* The lead at idx, checked to be the current one. */
static void check_current(lua_State *L, script_ctx *sc, int idx) {
  void *ud = luaL_checkudata(L, idx, LRX_LEAD);
  if (!sc->ev.c)
    lrl_error(L, "lead used outside of its leads{} loop");
  if (lua_rawlen(L, idx) != sizeof(long long) ||
      *(const long long *)ud != sc->ev.c->id)
    lrl_error(L, "this lead object belongs to an earlier step of a leads{} "
              "loop; use a lead inside its own step");
}

/* ---- leads{} ------------------------------------------------------------ */

/* The loop ended (or was cut short by a newer one, which owns sc->sel). */
static void iter_end(iter *it) {
  it->done = 1;
  if (it->sc->gen != it->gen) return;
  lrs_select_close(it->sc->sel);
  it->sc->sel = NULL;
  end_lead(it->sc);
}

static int leads_next(lua_State *L) {
  iter *it = (iter *)lua_touserdata(L, lua_upvalueindex(1));
  script_ctx *sc = it->sc;
  if (it->done) return 0;
  if (it->gen != sc->gen)
    return lrl_error(L, "this leads{} loop was cut short by another "
                     "leads{} (loops cannot be nested; collect what you "
                     "need in the first loop)");
  end_lead(sc);
  if (it->limit >= 0 && it->count >= it->limit) {
    iter_end(it);
    return 0;
  }
  if (it->pos == it->n) {
    char why[512];
    int src = lrs_select_next(sc->sel, it->ids, IDS, &it->n, why, sizeof why);
    it->pos = 0;
    if (src != LR_OK && lrs_snap_overrun(sc->snap) == LRS_OVERRUN_SELECT)
      return lrl_error(L, "leads{}: 'where' SQL ran over its budget of %lld "
                       "steps (for each batch of leads it finds)",
                       10 * sc->in->rt->max_instructions);
    if (src == LR_INTERRUPT) return lrl_error(L, "leads{}: interrupted");
    if (src != LR_OK) return lrl_error(L, "leads{}: 'where' %s", why);
    if (it->n == 0) {
      iter_end(it);
      return 0;
    }
    /* Dense batches are read with one range scan, sparse ones by id. */
    long long span = it->ids[it->n - 1] - it->ids[0] + 1;
    it->ranged = span <= 4LL * it->n;
    if (it->ranged) lrs_scan_range(sc->scan, it->ids[0], it->ids[it->n - 1]);
  }
  long long id = it->ids[it->pos++];
  const lrs_contact *c = NULL;
  int got;
  if (it->ranged) {
    do got = lrs_scan_next(sc->scan, &c);
    while (got == 1 && c->id < id);
  } else {
    lrs_scan_one(sc->scan, id);
    got = lrs_scan_next(sc->scan, &c);
  }
  if (got < 0) return lrl_error(L, "leads{}: %s", lrs_snap_errmsg(sc->snap));
  if (got == 0 || c->id != id)
    return lrl_error(L, "leads{}: contact %lld vanished from the snapshot", id);
  set_current(sc, c);
  it->count++;
  sc->out.leads++;
  lrl_budget_reset(sc->in->rt);      /* a fresh budget for each lead */
  push_lead(L, sc);
  return 1;
}

/* A name option: a string, or a stage/segment object (its name).  The
** value stays on the stack, which keeps the string alive. */
static const char *name_opt(lua_State *L, int idx, const char *key) {
  int t = lua_getfield(L, idx, key);
  if (t == LUA_TNIL) return NULL;
  if (t == LUA_TUSERDATA &&
      (luaL_testudata(L, -1, LRX_STAGE) || luaL_testudata(L, -1, LRX_SEGMENT))) {
    lua_getfield(L, -1, "name");
    t = lua_type(L, -1);
  }
  if (t != LUA_TSTRING) lrl_error(L, "leads{}: '%s' must be a name", key);
  if (lrl_has_nul(L, -1))
    lrl_error(L, "leads{}: '%s' contains a NUL byte", key);
  return lua_tostring(L, -1);
}

/* leads{ segment =, stage =, where =, limit = } -> iterator */
static int open_leads(lua_State *L, script_ctx *sc, int idx) {
  if (lua_isnoneornil(L, idx)) {
    lua_newtable(L);
    lua_replace(L, idx);
  }
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    if (lrl_has_nul(L, -1))
      lrl_error(L, "leads{}: an option name contains a NUL byte");
    if (strcmp(k, "segment") && strcmp(k, "stage") && strcmp(k, "where") &&
        strcmp(k, "limit"))
      lrl_error(L, "leads{}: unknown option '%s' (allowed: segment, stage, "
                "where, limit)", k);
  }
  const char *segment = name_opt(L, idx, "segment");
  const char *stage = name_opt(L, idx, "stage");
  const char *where = NULL;
  if (lua_getfield(L, idx, "where") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING)
      lrl_error(L, "leads{}: 'where' must be SQL text");
    where = lrl_tocstring(L, -1, "leads{}: 'where'");
  }
  lua_pop(L, 1);
  long long limit = -1;
  if (lua_getfield(L, idx, "limit") != LUA_TNIL) {
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0)
      lrl_error(L, "leads{}: 'limit' must be a whole number >= 0");
    limit = (long long)lua_tointeger(L, -1);
  }
  lua_pop(L, 1);
  if (segment && lrp_segment_find(&sc->in->m, segment) < 0)
    lrl_error(L, "leads{}: unknown segment '%s' (segments come from the last "
              "policy run)", segment);
  iter *it = lua_newuserdatauv(L, sizeof *it, 0);
  memset(it, 0, sizeof *it);
  it->sc = sc;
  it->limit = limit;
  /* Any older loop is cut short: its ids go with it. */
  lrs_select_close(sc->sel);
  sc->sel = NULL;
  end_lead(sc);
  it->gen = ++sc->gen;
  char err[1024] = "";
  int src = lrs_select_open(sc->snap, stage, where, segment, &sc->sel, err,
                            sizeof err);
  if (src != LR_OK) {
    const char *e = err[0] ? err : lrs_snap_errmsg(sc->snap);
    if (strncmp(e, "segment SQL", 11) == 0) e += 8;   /* "SQL ..." */
    lrl_error(L, "leads{}: 'where' %s", e);
  }
  lua_pushcclosure(L, leads_next, 1);
  return 1;
}

static int l_leads(lua_State *L) {
  return open_leads(L, ctx_of(L), 1);
}

/* segment.NAME:leads([opts]) */
static int l_segment_leads(lua_State *L) {
  script_ctx *sc = ctx_of(L);
  luaL_checkudata(L, 1, LRX_SEGMENT);
  lua_settop(L, 2);
  lua_newtable(L);                             /* 3: options */
  if (lua_istable(L, 2)) {
    lua_pushnil(L);
    while (lua_next(L, 2)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_settable(L, 3);
    }
  } else if (!lua_isnoneornil(L, 2)) {
    lrl_error(L, "segment:leads() takes an options table");
  }
  lua_getfield(L, 1, "name");
  lua_setfield(L, 3, "segment");
  return open_leads(L, sc, 3);
}

/* ---- writes ------------------------------------------------------------- */

static const char *reason_arg(lua_State *L, script_ctx *sc, int idx) {
  if (lua_isnoneornil(L, idx)) return sc->reason;
  if (lua_type(L, idx) != LUA_TSTRING || !*lua_tostring(L, idx))
    lrl_error(L, "the reason must be a text");
  return lrl_tocstring(L, idx, "the reason");
}

static int col_of(script_ctx *sc, const char *field) {
  for (int i = 0; i < sc->ncols; i++)
    if (strcmp(sc->cols[i], field) == 0) return i;
  return -1;
}

/* lead:set(field, value [, reason]) -> true when the value changed */
static int l_set(lua_State *L) {
  script_ctx *sc = ctx_of(L);
  check_current(L, sc, 1);
  const char *field = lrl_checkcstring(L, 2, "lead:set: the field name");
  lrs_value v;
  memset(&v, 0, sizeof v);
  switch (lua_type(L, 3)) {
    case LUA_TNIL: case LUA_TNONE: break;
    case LUA_TNUMBER:
      if (lua_isinteger(L, 3)) {
        v.type = LRS_INT;
        v.i = (long long)lua_tointeger(L, 3);
      } else {
        v.type = LRS_FLOAT;
        v.r = lua_tonumber(L, 3);
        if (v.r != v.r || v.r - v.r != 0)
          lrl_error(L, "lead:set: '%s' must be a finite number", field);
      }
      break;
    case LUA_TSTRING: {
      size_t n;
      v.type = LRS_STR;
      if (lrl_has_nul(L, 3))
        lrl_error(L, "lead:set: the value of '%s' contains a NUL byte", field);
      if (lrl_not_utf8(L, 3))
        lrl_error(L, "lead:set: the value of '%s' is not valid UTF-8", field);
      v.s = lua_tolstring(L, 3, &n);
      v.n = (int)n;
      break;
    }
    default:
      lrl_error(L, "lead:set: the value must be a string, a number or nil "
                "(got %s)", luaL_typename(L, 3));
  }
  const char *reason = reason_arg(L, sc, 4);
  int changed = 0;
  int rc = lrs_field_write(sc->db, sc->cur.id, field, &v, sc->by, reason,
                           sc->run_id, sc->now, &changed);
  if (rc != LR_OK) lrl_error(L, "lead:set: %s", lr_errmsg(sc->db));
  if (changed) {
    sc->out.sets++;
    int ci = col_of(sc, field);
    if (ci >= 0 && ci < sc->cur.ncols) {
      lrs_value *dst = &sc->vals[ci];
      *dst = v;
      if (v.type == LRS_STR) {
        dst->s = lra_strndup(&sc->arena, v.s, (size_t)v.n);
        if (!dst->s) lrl_error(L, "out of memory");
      }
    }
  }
  lua_pushboolean(L, changed);
  return 1;
}

static int find_data_stage(script_ctx *sc, const char *name) {
  for (int i = 0; i < sc->ndata_stages; i++)
    if (strcasecmp(sc->data_stages[i], name) == 0) return i;
  return -1;
}

/* Stage k of those lead:move_to may name: the script's own when it
** declares any, else the known stages (lrs_distinct: in the data, or
** declared by the last run; the rule `leadrules move` follows too). */
static const char *movable_stage(script_ctx *sc, int k) {
  const lrp_model *m = &sc->in->m;
  return m->nstages ? m->stages[k].name : sc->data_stages[k];
}

/* The stage lead:move_to(want) means (its spelling in the list), or an
** error that lists the stages it could have named. */
static const char *move_target(lua_State *L, script_ctx *sc,
                               const char *want) {
  const lrp_model *m = &sc->in->m;
  int n = m->nstages ? m->nstages : sc->ndata_stages;
  int i = m->nstages ? lrp_stage_find(m, want) : find_data_stage(sc, want);
  if (i >= 0) return movable_stage(sc, i);
  lr_buf b = LR_BUF_INIT;
  for (int k = 0; k < n; k++)
    lrb_printf(&b, "%s%s", k ? ", " : "", movable_stage(sc, k));
  if (m->nstages)
    lua_pushfstring(L, "lead:move_to: unknown stage '%s' (the script "
                    "declares: %s)", want, lrb_str(&b));
  else
    lua_pushfstring(L, "lead:move_to: unknown stage '%s' (stages in the "
                    "data or the last run: %s; declare others with stages {...} or "
                    "stage \"name\")", want, b.n ? lrb_str(&b) : "none");
  lrb_free(&b);
  lrl_error(L, "%s", lua_tostring(L, -1));
  return NULL;
}

/* The expiry of a move's lock from lead:move_to's options table at idx:
** { hold_for = DURATION } or { hold_until = TIME }; 0 for none. */
static long long hold_arg(lua_State *L, script_ctx *sc, int idx) {
  if (lua_isnoneornil(L, idx)) return 0;
  luaL_checktype(L, idx, LUA_TTABLE);
  long long until = 0;
  int has_for = lua_getfield(L, idx, "hold_for") != LUA_TNIL;
  if (has_for)
    until = sc->now + lrl_duration_arg(L, -1, "lead:move_to: hold_for");
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "hold_until") != LUA_TNIL) {
    if (has_for)
      lrl_error(L, "lead:move_to: give hold_for or hold_until, not both");
    until = lrl_time_arg(L, -1, "lead:move_to: hold_until");
  }
  lua_pop(L, 1);
  if (lrs_lock_until_ok(sc->db, sc->now, until) != LR_OK)
    lrl_error(L, "lead:move_to: %s", lr_errmsg(sc->db));
  return until;
}

/* lead:move_to(stage [, reason] [, opts]) -> true when the contact moved */
static int l_move_to(lua_State *L) {
  script_ctx *sc = ctx_of(L);
  check_current(L, sc, 1);
  const char *want;
  if (luaL_testudata(L, 2, LRX_STAGE)) {
    lua_getfield(L, 2, "name");
    lua_replace(L, 2);
  }
  want = lrl_checkcstring(L, 2, "lead:move_to: the stage name");
  int opts = lua_istable(L, 3) ? 3 : 4;      /* the reason may be left out */
  const char *reason = opts == 3 ? sc->reason : reason_arg(L, sc, 3);
  long long until = hold_arg(L, sc, opts);
  const char *to = move_target(L, sc, want);
  const char *from = sc->cur.stage;
  if (from && strcasecmp(from, to) == 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  int rc = lrs_stage_write(sc->db, sc->cur.id, from, to, sc->by, reason,
                           sc->run_id, sc->now, until);
  if (rc != LR_OK) lrl_error(L, "lead:move_to: %s", lr_errmsg(sc->db));
  sc->cur.stage = lra_strdup(&sc->arena, to);
  sc->cur.manual_at = sc->now;
  sc->cur.manual_until = until;
  sc->cur.due_at = 0;
  sc->cur.stage_since = sc->now;
  if (!sc->cur.stage) lrl_error(L, "out of memory");
  sc->out.moves++;
  lua_pushboolean(L, 1);
  return 1;
}

/* field "name" [, "text"|"integer"|"real"]: add a column if missing */
static int l_field(lua_State *L) {
  script_ctx *sc = ctx_of(L);
  const char *name = lrl_checkcstring(L, 1, "field: the name");
  const char *type = lua_isnoneornil(L, 2) ? "text"
                     : lrl_checkcstring(L, 2, "field: the type");
  size_t n = strlen(name);
  int ok = n > 0 && n < 64 && !(name[0] >= '0' && name[0] <= '9');
  for (size_t i = 0; i < n && ok; i++)
    ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' &&
         name[i] <= '9') || name[i] == '_';
  if (!ok)
    lrl_error(L, "field: '%.80s' is not a field name (1 to 63 lower case "
              "letters, digits and _, not starting with a digit, like "
              "imported columns)", name);
  int t = strcmp(type, "text") == 0 ? LRS_TEXT
          : strcmp(type, "integer") == 0 ? LRS_INTEGER
          : strcmp(type, "real") == 0 ? LRS_REAL : -1;
  if (t < 0) lrl_error(L, "field: type must be text, integer or real");
  lrs_fields f;
  if (lrs_fields_load(sc->db, &f) != LR_OK)
    lrl_error(L, "field: %s", lr_errmsg(sc->db));
  int exists = lrs_fields_find(&f, name) != NULL || lrs_is_engine_field(name);
  lrs_fields_free(&f);
  if (!exists) {
    if (lrs_field_add(sc->db, name, name, t) != LR_OK)
      lrl_error(L, "field: %s", lr_errmsg(sc->db));
    sc->out.fields_created++;
  }
  lua_pushboolean(L, !exists);
  return 1;
}

/* print(...) through the write callback */
static int print_out(void *ctx, const char *line, size_t n) {
  script_ctx *sc = ctx;
  return sc->write && sc->write(sc->wctx, line, n);
}

/* ---- setup ---------------------------------------------------------------- */

static int add_data_stage(void *ctx, const char *name) {
  script_ctx *sc = ctx;
  char **v = realloc(sc->data_stages, (size_t)(sc->ndata_stages + 1) * sizeof *v);
  if (!v) return 1;
  sc->data_stages = v;
  v[sc->ndata_stages] = strdup(name);
  if (!v[sc->ndata_stages]) return 1;
  sc->ndata_stages++;
  return 0;
}

static int add_data_segment(void *ctx, const char *name) {
  lrp_model *m = ctx;
  lrp_segment *v = realloc(m->segments, (size_t)(m->nsegments + 1) * sizeof *v);
  if (!v) return 1;
  m->segments = v;
  lrp_segment *s = &v[m->nsegments];
  memset(s, 0, sizeof *s);
  s->name = strdup(name);
  if (!s->name) return 1;
  s->when_ref = LUA_NOREF;
  s->sql_index = -1;
  snprintf(s->where, sizeof s->where, "segment_members");
  m->nsegments++;
  return 0;
}

static char *read_script(const char *path, size_t *len, char *err, size_t n) {
  char *src = lrb_read_named(path, "script", len, err, n);
  /* "#!/usr/bin/env leadrules": a comment to Lua, same line numbers. */
  if (src && *len >= 2 && src[0] == '#' && src[1] == '!') src[0] = src[1] = '-';
  return src;
}

static int setup_lua(script_ctx *sc, const lr_script_opts *o,
                     const char *path) {
  lua_State *L = sc->in->rt->L;
  /* Declarations a script may use: stages and side stages. */
  static const char *const policy_only[] = {"rule", "transition", "handoff",
      "round_robin", "by_field", "grade", "total", NULL};
  for (const char *const *p = policy_only; *p; p++) {
    lua_pushnil(L);
    lrl_setglobal(L, *p);
  }
  /* `segment` is only a namespace in scripts (segments of the last run). */
  lrp_push_namespace(L, sc->in, NULL, lrp_segment_namespace);
  lrl_setglobal(L, "segment");

  lrl_set_closure(L, "leads", l_leads, sc);
  lrl_push_print(L, LRL_PRINT_TOSTRING, print_out, sc);
  lrl_setglobal(L, "print");
  lrl_set_closure(L, "field", l_field, sc);
  lua_createtable(L, o->argc, 1);
  lua_pushstring(L, path);
  lua_rawseti(L, -2, 0);
  for (int i = 0; i < o->argc; i++) {
    lua_pushstring(L, o->argv[i] ? o->argv[i] : "");
    lua_rawseti(L, -2, i + 1);
  }
  lrl_setglobal(L, "arg");
  /* lead:set and lead:move_to join the lead's methods. */
  lua_getfield(L, LUA_REGISTRYINDEX, "leadrules.lead.methods");
  lrl_push_closure(L, l_set, sc);
  lua_setfield(L, -2, "set");
  lrl_push_closure(L, l_move_to, sc);
  lua_setfield(L, -2, "move_to");
  lua_pop(L, 1);
  lrl_push_closure(L, l_segment_leads, sc);
  lua_setfield(L, LUA_REGISTRYINDEX, "leadrules.segment.leads");
  return LR_OK;
}

static void init_ctx(script_ctx *sc, lr_db *db, const lr_script_opts *o,
                     const char *path, lr_write_fn write, void *wctx) {
  memset(sc, 0, sizeof *sc);
  sc->db = db;
  sc->write = write;
  sc->wctx = wctx;
  sc->now = o->now;                         /* lr__clock made it a time */
  sc->by = o->by && *o->by ? o->by : "unknown";
  const char *base = strrchr(path, '/');
  snprintf(sc->reason, sizeof sc->reason, "script %s", base ? base + 1 : path);
  lra_init(&sc->arena, 4096);
}

/* What the context owns besides the store's handles and the instance. */
static void free_owned(script_ctx *sc) {
  for (int i = 0; i < sc->ndata_stages; i++) free(sc->data_stages[i]);
  free(sc->data_stages);
  free(sc->vals);
  lra_free(&sc->arena);
  if (sc->pol) {
    free(sc->pol->source);
    free(sc->pol->path);
    free(sc->pol->name);
    free(sc->pol);
  }
}

/* Read the script and make its own lr_policy (it names messages and owns
** the model) with a fresh state, declarations open for stages{}. */
static int load_script(script_ctx *sc, const lr_script_opts *o,
                       const char *path) {
  lr_db *db = sc->db;
  char err[2048] = "";
  size_t len = 0;
  char *src = read_script(path, &len, err, sizeof err);
  if (!src) return lr__err(db, LR_IO, "%s", err);
  if (len && src[0] == 0x1b) {
    free(src);
    return lr__err(db, LR_POLICY, "%s: binary chunks are not accepted", path);
  }
  sc->pol = calloc(1, sizeof *sc->pol);
  if (!sc->pol) {
    free(src);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  sc->pol->db = db;
  sc->pol->source = src;
  sc->pol->source_len = len;
  sc->pol->path = strdup(path);
  sc->pol->name = strdup(path);
  lr_sha256_hex(src, len, sc->pol->hash);
  sc->pol->opts.size = sizeof sc->pol->opts;
  sc->pol->opts.allow_local_modules = o->allow_local_modules;
  sc->in = &sc->pol->main;
  sc->in->policy = sc->pol;
  sc->in->rt = lrl_new(o->max_memory, o->max_instructions);
  if (!sc->pol->path || !sc->pol->name || !sc->in->rt)
    return lr__err(db, LR_NOMEM, "out of memory");
  sc->in->rt->owner = sc->in;
  sc->in->rt->cancel = o->cancel;
  lrl_set_module_dir_of(sc->in->rt, path, o->allow_local_modules);
  lrp_declare_open(sc->in);         /* model stays open for stages{} */
  return LR_OK;
}

/* Run the script's chunk on the open snapshot. */
static int run_chunk(script_ctx *sc, const lr_script_opts *o,
                     const char *path) {
  setup_lua(sc, o, path);
  int rc = lrl_load_buffer(sc->in->rt, sc->pol->source, sc->pol->source_len,
                           path);
  if (rc == LR_OK) {
    lrl_budget_reset(sc->in->rt);
    rc = lrl_pcall(sc->in->rt, 0, 0);
  }
  end_lead(sc);
  if (rc != LR_OK) {
    if (o->cancel && *o->cancel) rc = LR_INTERRUPT;
    lr__err(sc->db, rc, "%s", sc->in->rt->errmsg);
  }
  return rc;
}

int lr_script_v2(lr_db *db, const char *path, const lr_script_opts *opts,
                 lr_write_fn write, void *wctx, lr_script_result *result) {
  if (result) memset(result, 0, sizeof *result);
  if (!lrs_is_open(db)) return LR_MISUSE;
  if (!path) return lr__err(db, LR_MISUSE, "lr_script: no path");
  lr_script_opts o;
  int orc = lr__opts(db, &o, sizeof o, opts, "lr_script");
  if (orc == LR_OK) orc = lr__clock(db, o.now, "lr_script", &o.now);
  if (orc != LR_OK) return orc;
  script_ctx sc;
  init_ctx(&sc, db, &o, path, write, wctx);
  char err[2048] = "";
  int began = 0;
  int rc = load_script(&sc, &o, path);
  if (rc != LR_OK) goto out;

  /* Write lock first, then the snapshot the script reads. */
  rc = lrs_writer_begin(db);
  if (rc != LR_OK) goto out;
  began = 1;
  rc = lrs_snap_open(db, &sc.snap);
  if (rc != LR_OK) goto rollback;
  int bad = -1;
  int s = lrs_distinct(sc.snap, LRS_DISTINCT_STAGES, add_data_stage, &sc);
  if (s == LR_OK)
    s = lrs_distinct(sc.snap, LRS_DISTINCT_SEGMENTS, add_data_segment,
                     &sc.in->m);
  if (s == LR_OK)
    s = lrs_scan_open(sc.snap, NULL, 0, &sc.scan, &bad, err, sizeof err);
  if (s != LR_OK) {
    rc = lrs_snap_report(sc.snap, "script");
    goto rollback;
  }
  /* leads{where=} is bounded like a segment's SQL: Ctrl-C stops it, and
  ** each batch of leads it finds gets 10x the instruction budget in steps. */
  lrs_scan_limits(sc.scan, o.cancel, 10 * sc.in->rt->max_instructions);
  sc.ncols = lrs_scan_columns(sc.scan, &sc.cols);
  sc.vals = calloc((size_t)sc.ncols + 1, sizeof *sc.vals);
  if (!sc.vals || lrp_result_init(&sc.res, &sc.in->m) != LR_OK) {
    rc = lr__err(db, LR_NOMEM, "out of memory");
    goto rollback;
  }
  sc.have_res = 1;
  lrp_eval_init(&sc.ev, sc.in, sc.snap, sc.cols, sc.ncols, sc.now);
  sc.ev.phase = LRP_PHASE_SCRIPT;
  rc = lrs_run_start(db, "script", path, sc.pol->hash, sc.now, sc.by,
                     &sc.run_id);
  if (rc != LR_OK) goto rollback;

  rc = run_chunk(&sc, &o, path);
  if (rc != LR_OK) goto rollback;
  rc = lrs_run_finish(db, sc.run_id, sc.out.leads, 0, sc.out.moves, 0, 0);
  if (rc != LR_OK) goto rollback;
  if (o.dry_run) {
    lrs_rollback(db);
    sc.run_id = 0;
  } else {
    rc = lrs_commit(db);
    if (rc != LR_OK) goto rollback;
  }
  sc.out.run_id = sc.run_id;
  rc = lr__ok(db);
  goto out;
rollback:
  lrs_rollback(db);
out:
  if (began) lrs_writer_end(db);
  if (result) {
    *result = sc.out;
    if (rc != LR_OK) result->run_id = 0;
  }
  if (sc.ev.in) lrp_eval_free(&sc.ev);
  if (sc.in) lrp_instance_free(sc.in);
  lrs_select_close(sc.sel);
  if (sc.have_res) lrp_result_free(&sc.res);
  lrs_scan_close(sc.scan);
  lrs_snap_close(sc.snap);
  free_owned(&sc);
  return rc;
}

int lr_script(lr_db *db, const char *path, const lr_script_opts *opts,
              lr_write_fn write, void *ctx) {
  return lr_script_v2(db, path, opts, write, ctx, NULL);
}
