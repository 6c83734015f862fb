/*
** format.c -- Lua values shown to people (the shell, print in test files
** and scripts): strings quoted, tables with keys in sorted order.  Never
** calls Lua code, so a hostile __tostring or __index cannot run here.
*/
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

static void fmt_string(lr_buf *b, const char *s, size_t n) {
  lrb_addc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      lrb_addc(b, '\\');
      lrb_addc(b, (char)c);
    } else if (c == '\n') {
      lrb_adds(b, "\\n");
    } else if (c == '\t') {
      lrb_adds(b, "\\t");
    } else if (c < 32 || c == 127) {
      lrb_printf(b, "\\%d", c);
    } else {
      lrb_addc(b, (char)c);
    }
  }
  lrb_addc(b, '"');
}

static void fmt_number(lua_State *L, int idx, lr_buf *b) {
  if (lua_isinteger(L, idx)) {
    lrb_printf(b, "%lld", (long long)lua_tointeger(L, idx));
    return;
  }
  double v = lua_tonumber(L, idx);
  if (isnan(v)) lrb_adds(b, "nan");
  else if (isinf(v)) lrb_adds(b, v > 0 ? "inf" : "-inf");
  else lrb_printf(b, "%.14g", v);
}

static int is_ident(const char *s, size_t n) {
  static const char *const kw[] = {"and", "break", "do", "else", "elseif",
      "end", "false", "for", "function", "goto", "if", "in", "local", "nil",
      "not", "or", "repeat", "return", "then", "true", "until", "while", NULL};
  if (!n || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9')))
      return 0;
  }
  for (int i = 0; kw[i]; i++)
    if (strlen(kw[i]) == n && memcmp(kw[i], s, n) == 0) return 0;
  return 1;
}

typedef struct keyref {
  int pos;                           /* index in the key list */
  int rank;                          /* 0 number, 1 string, 2 other */
  double num;
  const char *str;
  size_t len;
} keyref;

static int key_cmp(const void *x, const void *y) {
  const keyref *a = x, *b = y;
  if (a->rank != b->rank) return a->rank - b->rank;
  if (a->rank == 0) return a->num < b->num ? -1 : a->num > b->num;
  if (a->rank == 1) {
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->str, b->str, n);
    return c ? c : (a->len < b->len ? -1 : a->len > b->len);
  }
  return a->pos - b->pos;
}

#define FMT_MAX_ITEMS 200
#define FMT_MAX_DEPTH 6

static void fmt_any(lua_State *L, int idx, lr_buf *b, int multiline,
                    int depth, int indent);

/* "key = " of a table entry whose key is on top of the stack. */
static void fmt_key(lua_State *L, const keyref *r, lr_buf *b, int depth) {
  if (r->rank == 1 && is_ident(r->str, r->len)) {
    lrb_add(b, r->str, r->len);
  } else {
    lrb_addc(b, '[');
    fmt_any(L, -1, b, 0, depth + 1, 0);
    lrb_addc(b, ']');
  }
  lrb_adds(b, " = ");
}

static void newline(lr_buf *b, int indent) {
  lrb_addc(b, '\n');
  for (int i = 0; i < indent; i++) lrb_adds(b, "  ");
}

static void fmt_table(lua_State *L, int idx, lr_buf *b, int multiline,
                      int depth, int indent) {
  idx = lua_absindex(L, idx);
  if (depth >= FMT_MAX_DEPTH) {
    lrb_adds(b, "{...}");
    return;
  }
  if (!lua_checkstack(L, 8)) {
    lrb_adds(b, "{...}");
    return;
  }
  /* Collect the keys (raw: no metamethods run). */
  lua_createtable(L, 16, 0);
  int keys = lua_gettop(L);
  int n = 0, more = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (n == FMT_MAX_ITEMS) {
      more = 1;
      lua_pop(L, 1);
      break;
    }
    lua_pushvalue(L, -1);
    lua_rawseti(L, keys, ++n);
  }
  lua_Unsigned len = lua_rawlen(L, idx);
  int is_list = n > 0 && (lua_Unsigned)n == len && !more;
  keyref *refs = n > 0 ? calloc((size_t)n, sizeof *refs) : NULL;
  if (n && !refs) {
    lua_pop(L, 1);
    lrb_adds(b, "{...}");
    return;
  }
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, keys, i + 1);
    refs[i].pos = i + 1;
    if (lua_type(L, -1) == LUA_TNUMBER) {
      refs[i].rank = 0;
      refs[i].num = lua_tonumber(L, -1);
    } else if (lua_type(L, -1) == LUA_TSTRING) {
      refs[i].rank = 1;
      refs[i].str = lua_tolstring(L, -1, &refs[i].len);  /* kept by keys */
    } else {
      refs[i].rank = 2;
    }
    lua_pop(L, 1);
  }
  if (n) qsort(refs, (size_t)n, sizeof *refs, key_cmp);
  /* One line unless it is long and we may break it. */
  lr_buf one = LR_BUF_INIT;
  lr_buf *out = multiline ? &one : b;
  lrb_addc(out, '{');
  for (int i = 0; i < n; i++) {
    lrb_adds(out, i ? ", " : "");
    lua_rawgeti(L, keys, refs[i].pos);
    if (!is_list) fmt_key(L, &refs[i], out, depth);
    lua_rawget(L, idx);
    fmt_any(L, -1, out, 0, depth + 1, 0);
    lua_pop(L, 1);
  }
  if (more) lrb_adds(out, ", ...");
  lrb_addc(out, '}');
  if (multiline) {
    if (one.n <= 76 || n == 0) {
      lrb_add(b, lrb_str(&one), one.n);
    } else {
      lrb_addc(b, '{');
      for (int i = 0; i < n; i++) {
        newline(b, indent + 1);
        lua_rawgeti(L, keys, refs[i].pos);
        if (!is_list) fmt_key(L, &refs[i], b, depth);
        lua_rawget(L, idx);
        fmt_any(L, -1, b, 1, depth + 1, indent + 1);
        lua_pop(L, 1);
        lrb_addc(b, ',');
      }
      if (more) {
        newline(b, indent + 1);
        lrb_adds(b, "...");
      }
      newline(b, indent);
      lrb_addc(b, '}');
    }
    lrb_free(&one);
  }
  free(refs);
  lua_pop(L, 1);                       /* keys */
}

static void fmt_any(lua_State *L, int idx, lr_buf *b, int multiline,
                    int depth, int indent) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL: lrb_adds(b, "nil"); break;
    case LUA_TBOOLEAN: lrb_adds(b, lua_toboolean(L, idx) ? "true" : "false"); break;
    case LUA_TNUMBER: fmt_number(L, idx, b); break;
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, idx, &n);
      fmt_string(b, s, n);
      break;
    }
    case LUA_TTABLE: fmt_table(L, idx, b, multiline, depth, indent); break;
    case LUA_TUSERDATA: {
      const char *name = NULL;
      if (lua_getmetatable(L, idx)) {
        lua_pushliteral(L, LRL_SHOW_FIELD);
        const lrl_shower *sh = lua_rawget(L, -2) == LUA_TLIGHTUSERDATA
                                   ? lua_touserdata(L, -1) : NULL;
        lua_pop(L, 1);
        if (sh) {
          lua_pop(L, 1);
          sh->show(L, idx, b);
          break;
        }
        lua_pushliteral(L, "__name");
        if (lua_rawget(L, -2) == LUA_TSTRING) name = lua_tostring(L, -1);
        lrb_printf(b, "<%s>", name ? name : "userdata");
        lua_pop(L, 2);
      } else {
        lrb_adds(b, "<userdata>");
      }
      break;
    }
    default:
      lrb_printf(b, "<%s>", luaL_typename(L, idx));
  }
}

void lrl_fmt_value(lua_State *L, int idx, lr_buf *b, int multiline) {
  fmt_any(L, lua_absindex(L, idx), b, multiline, 0, 0);
}
