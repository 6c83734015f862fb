/*
** session.c -- lr_session_*: the Lua of `leadrules shell`.
**
** A session is one sandboxed state that lives across lines, with print
** through the caller's write callback, `now`, query() (read-only SQL under
** the segment authorizer), count(), lead(key), load_policy() and help().
** Evaluation follows lua.c: a line is first tried as an expression
** ("return LINE"), then as statements; a syntax error at <eof> means the
** chunk is incomplete (LR_INPUT), and the caller sends it again with the
** next line appended.
*/
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../store/counts.h"
#include "../store/query.h"
#include "../store/scan.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../lua/format.h"
#include "../lua/host.h"
#include "devlua.h"
#include "../engine/model.h"

#define SESSION_MAGIC 0x4C525353U      /* "LRSS": a live lr_session */

struct lr_session {
  unsigned magic;                    /* SESSION_MAGIC until closed */
  lr_db *db;
  lrl_state *rt;
  lrp_dev dev;
  lr_write_fn write;
  void *ctx;
  int counted;
};

#define STMT_MT "leadrules.session.stmt"
#define SNAP_MT "leadrules.session.snap"

static const char HELP[] =
  "leadrules shell: Lua 5.4 in the policy sandbox, on the database.\n"
  "  now                      the clock (unix seconds; typed alone it shows\n"
  "                           as a date too); `leadrules shell --now T` sets it\n"
  "  query(sql, ...)          rows of a read-only SELECT as tables\n"
  "                           (contacts, activities, outcomes; ?1.. params)\n"
  "  count(where)             contacts matching an SQL condition\n"
  "  lead(key)                a contact's fields, with .activities\n"
  "  p = load_policy(path)    a policy; p:evaluate(key) or\n"
  "                           p:evaluate{ field = value, ... } explains a lead\n"
  "  parse_time(t), parse_duration(d)\n"
  "An expression prints its value; = expr works too.  help prints this.\n"
  "Ctrl-D quits.\n";

static lr_session *session_of(lua_State *L) {
  return (lr_session *)lrl_closure_ctx(L);
}

static void emit(lr_session *s, const char *p, size_t n) {
  if (s->write) s->write(s->ctx, p, n);
}

/* print's lines go where the current eval's output goes. */
static int print_out(void *ctx, const char *line, size_t n) {
  emit(ctx, line, n);
  return 0;
}

static int l_help(lua_State *L) {
  emit(session_of(L), HELP, sizeof HELP - 1);
  return 0;
}

/* A store cursor in a userdata, closed by __gc if an error cuts in. */
static lrs_rows **new_rows_box(lua_State *L) {
  lrs_rows **box = lua_newuserdatauv(L, sizeof *box, 0);
  *box = NULL;
  luaL_setmetatable(L, STMT_MT);      /* made by lr_session_open */
  return box;
}

static int stmt_gc(lua_State *L) {
  lrs_rows **box = lua_touserdata(L, 1);
  lrs_rows_close(*box);
  *box = NULL;
  return 0;
}

/* A reader snapshot in a userdata, closed by __gc if an error cuts in. */
static int snap_gc(lua_State *L) {
  lrs_snap **box = lua_touserdata(L, 1);
  lrs_snap_close(*box);
  *box = NULL;
  return 0;
}

/* Where a call reads: SQLite's main connection; on PostgreSQL a reader
** of its own (a READ ONLY transaction with a statement timeout, on the
** last commit), boxed on the stack (*box; NULL for SQLite's), which
** done() closes. */
static lrs_snap *reader(lua_State *L, lr_session *s, const char *fn,
                        lrs_snap ***box) {
  *box = NULL;
  if (!lrs_is_pg(s->db)) return lrs_snap_main(s->db);
  lrs_snap **b = lua_newuserdatauv(L, sizeof *b, 0);
  *b = NULL;
  luaL_setmetatable(L, SNAP_MT);
  if (lrs_snap_open(s->db, b) != LR_OK)
    lrl_error(L, "%s: %s", fn, lr_errmsg(s->db));
  *box = b;
  return *b;
}

static void done(lrs_snap **box) {
  if (!box) return;
  lrs_snap_close(*box);
  *box = NULL;
}

static void push_value(lua_State *L, const lrs_value *v) {
  switch (v->type) {
    case LRS_INT:
      lua_pushinteger(L, (lua_Integer)v->i);
      break;
    case LRS_FLOAT:
      lua_pushnumber(L, v->r);
      break;
    case LRS_NULL:
      lua_pushnil(L);
      break;
    default:
      lua_pushlstring(L, v->s, v->n);
  }
}

/* Push the rows of the boxed cursor as a list of tables (NULL columns
** left out, as Lua has no NULL). */
static void push_rows(lua_State *L, lr_session *s, lrs_rows **box,
                      lrs_snap *snap) {
  lrs_rows *r = *box;
  int cols = lrs_rows_columns(r);
  lua_newtable(L);
  lua_Integer n = 0;
  int got;
  for (;;) {
    const lrs_value *row;
    lrs_watch_cancel(snap, s->dev.cancel);   /* Ctrl-C stops SQL too */
    got = lrs_rows_next(r, &row);
    lrs_watch_cancel(snap, NULL);
    if (got != 1) break;
    lua_createtable(L, 0, cols);
    for (int i = 0; i < cols; i++) {
      push_value(L, &row[i]);
      lua_setfield(L, -2, lrs_rows_name(r, i));
    }
    lua_rawseti(L, -2, ++n);
  }
  if (got == -LR_INTERRUPT) lrl_error(L, "query: interrupted");
  if (got != 0) lrl_error(L, "%s", lrs_rows_errmsg(r));
}

static void bind_arg(lua_State *L, lrs_rows *r, int i, int idx) {
  lrs_value v = { LRS_NULL, 0, 0, NULL, 0 };
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) {
        v.type = LRS_INT;
        v.i = lua_tointeger(L, idx);
      } else {
        v.type = LRS_FLOAT;
        v.r = lua_tonumber(L, idx);
      }
      break;
    case LUA_TSTRING:           /* stays on the stack while the query runs */
      v.type = LRS_STR;
      v.s = lua_tolstring(L, idx, &v.n);
      break;
    case LUA_TBOOLEAN:
      v.type = LRS_INT;
      v.i = lua_toboolean(L, idx);
      break;
    case LUA_TNIL:
      break;
    default:
      lrl_error(L, "query: parameter %d must be a number, string, boolean or "
                "nil", i);
  }
  lrs_rows_bind(r, i, &v);
}

/* query("SELECT ...", ...) -> { {col = value, ...}, ... } */
static int l_query(lua_State *L) {
  lr_session *s = session_of(L);
  const char *sql = lrl_checkcstring(L, 1, "query: the SQL");
  int nargs = lua_gettop(L);
  lrs_rows **box = new_rows_box(L);
  lrs_snap *snap = lrs_snap_main(s->db);
  char err[1024] = "";
  if (lrs_query_open(snap, sql, box, err, sizeof err) != LR_OK)
    return lrl_error(L, "%s", err);
  int params = lrs_rows_params(*box);
  if (nargs - 1 != params)
    return lrl_error(L, "query: the SQL has %d parameter%s, %d given", params,
                     params == 1 ? "" : "s", nargs - 1);
  for (int i = 2; i <= nargs; i++) bind_arg(L, *box, i - 1, i);
  push_rows(L, s, box, snap);
  lrs_rows_close(*box);
  *box = NULL;
  return 1;
}

/* count("company_size >= 1000") -> contacts matching */
static int l_count(lua_State *L) {
  lr_session *s = session_of(L);
  const char *where = lua_isnoneornil(L, 1) ? "1 = 1"
                      : lrl_checkcstring(L, 1, "count: the condition");
  long long n = 0;
  char err[1024] = "";
  lrs_snap **box;
  lrs_snap *snap = reader(L, s, "count", &box);
  lrs_watch_cancel(snap, s->dev.cancel);
  int rc = lrs_count_where(snap, where, &n, err, sizeof err);
  lrs_watch_cancel(snap, NULL);
  if (rc != LR_OK && !err[0])
    snprintf(err, sizeof err, "%s", lrs_snap_errmsg(snap));
  done(box);
  if (rc != LR_OK) return lrl_error(L, "count: %s", err);
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/* lead("ann@example.com" | "#12") -> the contact's row with .activities */
static int l_lead(lua_State *L) {
  lr_session *s = session_of(L);
  const char *key = lrl_checkcstring(L, 1, "lead: the key");
  lrs_snap **sbox;
  lrs_snap *snap = reader(L, s, "lead", &sbox);
  long long id = 0;
  if (lrs_contact_id(snap, key, &id) != LR_OK)
    return lrl_error(L, "lead: %s", lrs_snap_errmsg(snap));
  if (!id) {
    done(sbox);
    lua_pushnil(L);
    return 1;
  }
  lrs_rows **box = new_rows_box(L);
  if (lrs_contact_row_open(snap, id, box) != LR_OK)
    return lrl_error(L, "lead: %s", lrs_snap_errmsg(snap));
  push_rows(L, s, box, snap);
  lrs_rows_close(*box);
  *box = NULL;
  if (lua_rawgeti(L, -1, 1) != LUA_TTABLE) {
    done(sbox);
    lua_pushnil(L);
    return 1;
  }
  int row = lua_gettop(L);
  if (lrs_contact_acts_open(snap, id, box) != LR_OK)
    return lrl_error(L, "lead: %s", lrs_snap_errmsg(snap));
  push_rows(L, s, box, snap);
  lrs_rows_close(*box);
  *box = NULL;
  lua_setfield(L, row, "activities");
  done(sbox);
  lua_pushvalue(L, row);
  return 1;
}

int lr_session_open(lr_db *db, lr_session **out) {
  if (out) *out = NULL;
  if (!db || !out) return LR_MISUSE;
  lr_session *s = calloc(1, sizeof *s);
  if (!s) return lr__err(db, LR_NOMEM, "out of memory");
  s->magic = SESSION_MAGIC;
  s->db = db;
  s->rt = lrl_new(0, 0);
  if (!s->rt) {
    free(s);
    return lr__err(db, LR_NOMEM, "out of memory creating the Lua state");
  }
  lrp_dev_init(&s->dev, db, NULL, NULL, NULL);
  lua_State *L = s->rt->L;
  luaL_newmetatable(L, STMT_MT);
  lua_pushcfunction(L, stmt_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, "locked");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  luaL_newmetatable(L, SNAP_MT);
  lua_pushcfunction(L, snap_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, "locked");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  lrl_push_print(L, LRL_PRINT_SHOW, print_out, s);
  lrl_setglobal(L, "print");
  static const luaL_Reg fns[] = {{"help", l_help}, {"query", l_query},
    {"count", l_count}, {"lead", l_lead}, {NULL, NULL}};
  lrl_set_closures(L, fns, s);
  lua_pushinteger(L, (lua_Integer)time(NULL));
  lua_setglobal(L, "now");
  lrp_dev_register(L, &s->dev);
  lrs_hold(db);
  s->counted = 1;
  *out = s;
  return lr__ok(db);
}

void lr_session_set_cancel(lr_session *s, volatile int *cancel) {
  if (!s || s->magic != SESSION_MAGIC) return;
  s->rt->cancel = cancel;
  s->dev.cancel = cancel;
}

void lr_session_set_now(lr_session *s, long long now) {
  if (!s || s->magic != SESSION_MAGIC) return;
  if (now <= 0 || now > LR_TIME_MAX) now = (long long)time(NULL);
  s->dev.now = now;                  /* p:evaluate's default clock too */
  lua_pushinteger(s->rt->L, (lua_Integer)now);
  lua_setglobal(s->rt->L, "now");
}

/* The words a person types alone: `help` prints the help, `now` the
** clock as a date and in seconds.  1 when `code` was one of them. */
static int bare_word(lr_session *s, const char *code) {
  size_t n = strlen(code);
  while (*code == ' ' || *code == '\t') code++, n--;
  while (n && (code[n - 1] == ' ' || code[n - 1] == '\t' || code[n - 1] == ';'))
    n--;
  if (n == 4 && memcmp(code, "help", 4) == 0) {
    emit(s, HELP, sizeof HELP - 1);
    return 1;
  }
  if (n != 3 || memcmp(code, "now", 3) != 0) return 0;
  lua_State *L = s->rt->L;
  int isnum = 0;
  lua_getglobal(L, "now");
  lua_Integer t = lua_tointegerx(L, -1, &isnum);
  lua_pop(L, 1);
  if (!isnum || t < LR_TIME_MIN || t > LR_TIME_MAX) return 0;
  char line[96];
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  size_t k = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ", &tm);
  k += (size_t)snprintf(line + k, sizeof line - k, " (%lld)\n", (long long)t);
  emit(s, line, k);
  return 1;
}

/* lua.c's test: a syntax error at the end of the text wants more lines. */
static int incomplete(const char *msg) {
  static const char mark[] = "<eof>";
  size_t n = strlen(msg), m = sizeof mark - 1;
  return n >= m && strcmp(msg + n - m, mark) == 0;
}

int lr_session_eval(lr_session *s, const char *code, lr_write_fn write,
                    void *ctx) {
  if (!s || s->magic != SESSION_MAGIC || !code) return LR_MISUSE;
  lr_db *db = s->db;
  lua_State *L = s->rt->L;
  s->write = write;
  s->ctx = ctx;
  if (bare_word(s, code)) return lr__ok(db);
  const char *src = code;
  while (*src == ' ' || *src == '\t') src++;
  int forced = *src == '=';          /* "= expr", as in Lua 5.1 */
  if (forced) src++;
  int base = lua_gettop(L);
  lr_buf ret = LR_BUF_INIT;
  /* lua.c adds ';'; "= expr" goes without, so that an unfinished
  ** expression still ends at <eof>. */
  lrb_printf(&ret, forced ? "return %s" : "return %s;", src);
  if (ret.oom) return lr__err(db, LR_NOMEM, "out of memory");
  int rc = lrl_load_buffer(s->rt, ret.p, ret.n, "stdin");
  lrb_free(&ret);
  if (rc != LR_OK && rc != LR_POLICY) return lr__err(db, rc, "%s", s->rt->errmsg);
  if (rc != LR_OK && !forced)
    rc = lrl_load_buffer(s->rt, src, strlen(src), "stdin");
  if (rc != LR_OK) {
    if (rc == LR_POLICY && incomplete(s->rt->errmsg))
      return lr__err(db, LR_INPUT, "%s", s->rt->errmsg);
    return lr__err(db, rc, "%s", s->rt->errmsg);
  }
  lrl_budget_reset(s->rt);
  rc = lrl_pcall(s->rt, 0, LUA_MULTRET);
  if (rc != LR_OK) {
    lua_settop(L, base);
    return lr__err(db, rc, "%s", s->rt->errmsg);
  }
  int n = lua_gettop(L) - base;
  if (n > 0) {
    lr_buf b = LR_BUF_INIT;
    for (int i = 1; i <= n; i++) {
      if (i > 1) lrb_addc(&b, '\t');
      lrl_fmt_value(L, base + i, &b, 1);
    }
    lrb_addc(&b, '\n');
    if (b.oom) {
      lrb_free(&b);
      lua_settop(L, base);
      return lr__err(db, LR_NOMEM, "out of memory");
    }
    emit(s, b.p, b.n);
    lrb_free(&b);
  }
  lua_settop(L, base);
  return lr__ok(db);
}

void lr_session_close(lr_session *s) {
  if (!s) return;
  if (s->magic != SESSION_MAGIC) lrp_misuse_abort("lr_session_close", "session");
  s->magic = 0;
  lrl_free(s->rt);                   /* before the policies it points to */
  lrp_dev_free(&s->dev);
  if (s->counted) lrs_release(s->db);
  free(s);
}
