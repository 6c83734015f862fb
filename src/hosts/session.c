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

struct lr_session {
  lr_db *db;
  lrl_state *rt;
  lrp_dev dev;
  lr_write_fn write;
  void *ctx;
  int counted;
};

#define STMT_MT "leadrules.session.stmt"

static const char HELP[] =
  "leadrules shell: Lua 5.4 in the policy sandbox, on the database.\n"
  "  now                      the clock (unix seconds)\n"
  "  query(sql, ...)          rows of a read-only SELECT as tables\n"
  "                           (contacts, activities, outcomes; ?1.. params)\n"
  "  count(where)             contacts matching an SQL condition\n"
  "  lead(key)                a contact's fields, with .activities\n"
  "  p = load_policy(path)    a policy; p:evaluate(key) or\n"
  "                           p:evaluate{ field = value, ... } explains a lead\n"
  "  parse_time(t), parse_duration(d)\n"
  "An expression prints its value; = expr works too.  Ctrl-D quits.\n";

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

/* A statement in a userdata, finalized by __gc if an error cuts in. */
static sqlite3_stmt **new_stmt_box(lua_State *L) {
  sqlite3_stmt **box = lua_newuserdatauv(L, sizeof *box, 0);
  *box = NULL;
  luaL_setmetatable(L, STMT_MT);      /* made by lr_session_open */
  return box;
}

static int stmt_gc(lua_State *L) {
  sqlite3_stmt **box = lua_touserdata(L, 1);
  sqlite3_finalize(*box);
  *box = NULL;
  return 0;
}

static void push_column(lua_State *L, sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
      lua_pushinteger(L, (lua_Integer)sqlite3_column_int64(st, i));
      break;
    case SQLITE_FLOAT:
      lua_pushnumber(L, sqlite3_column_double(st, i));
      break;
    case SQLITE_NULL:
      lua_pushnil(L);
      break;
    default:
      lua_pushlstring(L, (const char *)sqlite3_column_text(st, i),
                      (size_t)sqlite3_column_bytes(st, i));
  }
}

/* Push the rows of the boxed statement as a list of tables (NULL columns
** left out, as Lua has no NULL). */
static void push_rows(lua_State *L, lr_session *s, sqlite3_stmt **box,
                      sqlite3 *conn) {
  sqlite3_stmt *st = *box;
  int cols = sqlite3_column_count(st);
  lua_newtable(L);
  lua_Integer n = 0;
  int rc;
  for (;;) {
    lrs_watch_cancel(conn, s->dev.cancel);   /* Ctrl-C stops SQL too */
    rc = sqlite3_step(st);
    lrs_watch_cancel(conn, NULL);
    if (rc != SQLITE_ROW) break;
    lua_createtable(L, 0, cols);
    for (int i = 0; i < cols; i++) {
      push_column(L, st, i);
      lua_setfield(L, -2, sqlite3_column_name(st, i));
    }
    lua_rawseti(L, -2, ++n);
  }
  if (rc == SQLITE_INTERRUPT) lrl_error(L, "query: interrupted");
  if (rc != SQLITE_DONE) lrl_error(L, "query: %s", sqlite3_errmsg(conn));
}

static void bind_arg(lua_State *L, sqlite3_stmt *st, int i, int idx) {
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) sqlite3_bind_int64(st, i, lua_tointeger(L, idx));
      else sqlite3_bind_double(st, i, lua_tonumber(L, idx));
      break;
    case LUA_TSTRING: {
      size_t n;
      const char *p = lua_tolstring(L, idx, &n);
      sqlite3_bind_text(st, i, p, (int)n, SQLITE_TRANSIENT);
      break;
    }
    case LUA_TBOOLEAN:
      sqlite3_bind_int(st, i, lua_toboolean(L, idx));
      break;
    case LUA_TNIL:
      sqlite3_bind_null(st, i);
      break;
    default:
      lrl_error(L, "query: parameter %d must be a number, string, boolean or "
                "nil", i);
  }
}

/* query("SELECT ...", ...) -> { {col = value, ...}, ... } */
static int l_query(lua_State *L) {
  lr_session *s = session_of(L);
  const char *sql = luaL_checkstring(L, 1);
  int nargs = lua_gettop(L);
  sqlite3_stmt **box = new_stmt_box(L);
  char err[1024] = "";
  if (lrs_query_prepare(s->db->sql, sql, box, err, sizeof err) != SQLITE_OK)
    return lrl_error(L, "%s", err);
  int params = sqlite3_bind_parameter_count(*box);
  if (nargs - 1 != params)
    return lrl_error(L, "query: the SQL has %d parameter%s, %d given", params,
                     params == 1 ? "" : "s", nargs - 1);
  for (int i = 2; i <= nargs; i++) bind_arg(L, *box, i - 1, i);
  push_rows(L, s, box, s->db->sql);
  sqlite3_finalize(*box);
  *box = NULL;
  return 1;
}

/* count("company_size >= 1000") -> contacts matching */
static int l_count(lua_State *L) {
  lr_session *s = session_of(L);
  const char *where = luaL_optstring(L, 1, "1");
  long long n = 0;
  char err[1024] = "";
  lrs_watch_cancel(s->db->sql, s->dev.cancel);
  int rc = lrs_count_where(s->db->sql, where, &n, err, sizeof err);
  lrs_watch_cancel(s->db->sql, NULL);
  if (rc != SQLITE_OK)
    return lrl_error(L, "count: %s", err[0] ? err : sqlite3_errmsg(s->db->sql));
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/* lead("ann@example.com" | "#12") -> the contact's row with .activities */
static int l_lead(lua_State *L) {
  lr_session *s = session_of(L);
  const char *key = luaL_checkstring(L, 1);
  long long id = 0;
  if (lrs_contact_id(s->db->sql, key, &id) != SQLITE_OK)
    return lrl_error(L, "lead: %s", sqlite3_errmsg(s->db->sql));
  if (!id) {
    lua_pushnil(L);
    return 1;
  }
  sqlite3_stmt **box = new_stmt_box(L);
  if (lrs_contact_row(s->db->sql, id, box) != SQLITE_OK)
    return lrl_error(L, "lead: %s", sqlite3_errmsg(s->db->sql));
  push_rows(L, s, box, s->db->sql);
  sqlite3_finalize(*box);
  *box = NULL;
  if (lua_rawgeti(L, -1, 1) != LUA_TTABLE) {
    lua_pushnil(L);
    return 1;
  }
  int row = lua_gettop(L);
  if (lrs_contact_activities(s->db->sql, id, box) != SQLITE_OK)
    return lrl_error(L, "lead: %s", sqlite3_errmsg(s->db->sql));
  push_rows(L, s, box, s->db->sql);
  sqlite3_finalize(*box);
  *box = NULL;
  lua_setfield(L, row, "activities");
  lua_pushvalue(L, row);
  return 1;
}

int lr_session_open(lr_db *db, lr_session **out) {
  if (out) *out = NULL;
  if (!db || !out) return LR_MISUSE;
  lr_session *s = calloc(1, sizeof *s);
  if (!s) return lr__err(db, LR_NOMEM, "out of memory");
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
  lrl_push_print(L, LRL_PRINT_SHOW, print_out, s);
  lrl_setglobal(L, "print");
  static const luaL_Reg fns[] = {{"help", l_help}, {"query", l_query},
    {"count", l_count}, {"lead", l_lead}, {NULL, NULL}};
  lrl_set_closures(L, fns, s);
  lua_pushinteger(L, (lua_Integer)time(NULL));
  lua_setglobal(L, "now");
  lrp_dev_register(L, &s->dev);
  db->live++;
  s->counted = 1;
  *out = s;
  return lr__ok(db);
}

void lr_session_set_cancel(lr_session *s, volatile int *cancel) {
  if (!s) return;
  s->rt->cancel = cancel;
  s->dev.cancel = cancel;
}

/* lua.c's test: a syntax error at the end of the text wants more lines. */
static int incomplete(const char *msg) {
  static const char mark[] = "<eof>";
  size_t n = strlen(msg), m = sizeof mark - 1;
  return n >= m && strcmp(msg + n - m, mark) == 0;
}

int lr_session_eval(lr_session *s, const char *code, lr_write_fn write,
                    void *ctx) {
  if (!s || !code) return LR_MISUSE;
  lr_db *db = s->db;
  lua_State *L = s->rt->L;
  s->write = write;
  s->ctx = ctx;
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
  lrl_free(s->rt);                   /* before the policies it points to */
  lrp_dev_free(&s->dev);
  if (s->counted && s->db->live > 0) s->db->live--;
  free(s);
}
