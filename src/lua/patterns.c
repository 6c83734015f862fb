/*
** patterns.c -- string.find, string.match, string.gmatch and string.gsub
** with a matcher for Lua 5.4 patterns (manual section 6.4.1) that charges
** every step to the instruction budget.  The stock matcher backtracks
** inside C where the count hook never ticks, so a pattern such as
** ("a?"):rep(40)..("a"):rep(40) would run for years; here it fails with
** "instruction limit exceeded" once the budget is spent.
**
** Semantics and error messages follow the stock string library (a test
** compares the two over a few hundred cases): classes %a %c %d %g %l %p
** %s %u %w %x and their upper-case complements, '.', sets [...] with
** ranges, classes and '^', anchors, the quantifiers * + - ?, captures
** including position captures (), back-references %1-%9, %b and %f
** (and the deprecated %z, which 5.4 still accepts).
** Plain finds (4th argument true, or no special characters) use memmem.
*/
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>

#include <lauxlib.h>

#include "sandbox_int.h"

#define MAX_CAPTURES 32           /* as LUA_MAXCAPTURES */
#define MAX_DEPTH 200             /* recursion before "pattern too complex" */
#define STEP_BATCH 1024           /* steps charged to the budget at once */
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define ESC '%'
#define SPECIALS "^$*+?.([%-"

typedef struct mstate {
  const char *src_init, *src_end;  /* subject */
  const char *p_end;               /* end of the pattern */
  lua_State *L;
  int depth;                       /* recursion left */
  int level;                       /* captures open or closed */
  long long steps;                 /* not yet charged */
  struct {
    const char *init;
    ptrdiff_t len;                 /* or CAP_UNFINISHED / CAP_POSITION */
  } capture[MAX_CAPTURES];
} mstate;

static void charge(mstate *ms) {
  long long n = ms->steps;
  ms->steps = 0;
  lrl_charge(ms->L, n);
}

static inline void step(mstate *ms) {
  if (++ms->steps >= STEP_BATCH) charge(ms);
}

static void init_state(mstate *ms, lua_State *L, const char *s, size_t ls,
                       const char *p, size_t lp) {
  ms->L = L;
  ms->src_init = s;
  ms->src_end = s + ls;
  ms->p_end = p + lp;
  ms->steps = 0;
}

static void restart(mstate *ms) {
  ms->level = 0;
  ms->depth = MAX_DEPTH;
}

/* {====== single characters ====== */

/* Does c belong to class %cl ('a', 'D', ...)?  Other characters stand
** for themselves (%. is a literal '.'). */
static int in_class(int c, int cl) {
  int r;
  switch (tolower(cl)) {
    case 'a': r = isalpha(c); break;
    case 'c': r = iscntrl(c); break;
    case 'd': r = isdigit(c); break;
    case 'g': r = isgraph(c); break;
    case 'l': r = islower(c); break;
    case 'p': r = ispunct(c); break;
    case 's': r = isspace(c); break;
    case 'u': r = isupper(c); break;
    case 'w': r = isalnum(c); break;
    case 'x': r = isxdigit(c); break;
    case 'z': r = (c == 0); break;      /* deprecated, still in 5.4 */
    default: return cl == c;
  }
  r = r != 0;
  return isupper(cl) ? !r : r;
}

/* Is c in the set that starts at '[' (p) and ends at ']' (close)? */
static int in_set(int c, const char *p, const char *close) {
  int yes = 1;
  p++;                                  /* skip '[' */
  if (*p == '^') {
    yes = 0;
    p++;
  }
  while (p < close) {
    if (*p == ESC) {                    /* %x: a class or an escaped char */
      if (in_class(c, (unsigned char)p[1])) return yes;
      p += 2;
    } else if (p + 2 < close && p[1] == '-') {   /* a range a-z */
      if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return yes;
      p += 3;
    } else {
      if ((unsigned char)*p == c) return yes;
      p++;
    }
  }
  return !yes;
}

/* End of the single-character item that starts at p. */
static const char *item_end(mstate *ms, const char *p) {
  if (*p == ESC) {
    if (p + 1 >= ms->p_end)
      luaL_error(ms->L, "malformed pattern (ends with '%%')");
    return p + 2;
  }
  if (*p == '[') {
    p++;
    if (p < ms->p_end && *p == '^') p++;
    /* the first character of a set is a member even if it is ']' */
    do {
      if (p >= ms->p_end)
        luaL_error(ms->L, "malformed pattern (missing ']')");
      if (*p++ == ESC && p < ms->p_end) p++;
    } while (p >= ms->p_end || *p != ']');
    return p + 1;
  }
  return p + 1;
}

/* Does the subject character at s match the item p..ep? */
static int item_match(mstate *ms, const char *s, const char *p,
                      const char *ep) {
  if (s >= ms->src_end) return 0;
  int c = (unsigned char)*s;
  switch (*p) {
    case '.': return 1;
    case ESC: return in_class(c, (unsigned char)p[1]);
    case '[': return in_set(c, p, ep - 1);
    default: return (unsigned char)*p == c;
  }
}

/* }====== */

static const char *match(mstate *ms, const char *s, const char *p);

/* %bxy: a balanced run from x to y. */
static const char *match_balance(mstate *ms, const char *s, const char *p) {
  if (p + 1 >= ms->p_end)
    luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
  if (s >= ms->src_end || *s != p[0]) return NULL;
  int open = p[0], close = p[1], depth = 1;
  while (++s < ms->src_end) {
    step(ms);
    if (*s == close) {
      if (--depth == 0) return s + 1;
    } else if (*s == open) {
      depth++;
    }
  }
  return NULL;
}

/* Greedy repetition: as many as possible, then give back. */
static const char *expand_max(mstate *ms, const char *s, const char *p,
                              const char *ep) {
  ptrdiff_t n = 0;
  while (item_match(ms, s + n, p, ep)) {
    step(ms);
    n++;
  }
  for (; n >= 0; n--) {
    const char *r = match(ms, s + n, ep + 1);
    if (r) return r;
  }
  return NULL;
}

/* Lazy repetition: as few as possible, then take more. */
static const char *expand_min(mstate *ms, const char *s, const char *p,
                              const char *ep) {
  for (;;) {
    step(ms);
    const char *r = match(ms, s, ep + 1);
    if (r) return r;
    if (!item_match(ms, s, p, ep)) return NULL;
    s++;
  }
}

static const char *open_capture(mstate *ms, const char *s, const char *p,
                                ptrdiff_t what) {
  if (ms->level >= MAX_CAPTURES) luaL_error(ms->L, "too many captures");
  ms->capture[ms->level].init = s;
  ms->capture[ms->level].len = what;
  ms->level++;
  const char *r = match(ms, s, p);
  if (!r) ms->level--;
  return r;
}

static const char *close_capture(mstate *ms, const char *s, const char *p) {
  int l = ms->level - 1;
  while (l >= 0 && ms->capture[l].len != CAP_UNFINISHED) l--;
  if (l < 0) luaL_error(ms->L, "invalid pattern capture");
  ms->capture[l].len = s - ms->capture[l].init;
  const char *r = match(ms, s, p);
  if (!r) ms->capture[l].len = CAP_UNFINISHED;
  return r;
}

/* %1-%9: the same text as a closed capture. */
static const char *match_backref(mstate *ms, const char *s, int digit) {
  int l = digit - '1';
  if (l < 0 || l >= ms->level || ms->capture[l].len == CAP_UNFINISHED)
    luaL_error(ms->L, "invalid capture index %%%d", l + 1);
  ptrdiff_t len = ms->capture[l].len;
  if (len < 0) return NULL;            /* a position capture: no text */
  ms->steps += len / 64;
  if (ms->src_end - s >= len && memcmp(ms->capture[l].init, s, len) == 0)
    return s + len;
  return NULL;
}

/*
** Match pattern p against the subject at s; return the end of the match
** or NULL.  Tail positions loop instead of recursing; recursion depth is
** bounded by MAX_DEPTH ("pattern too complex"), time by the budget.
*/
static const char *match(mstate *ms, const char *s, const char *p) {
  if (ms->depth-- == 0) luaL_error(ms->L, "pattern too complex");
  for (;;) {
    step(ms);
    if (p >= ms->p_end) break;          /* end of pattern: matched */
    const char *ep;
    switch (*p) {
      case '(':
        if (p + 1 < ms->p_end && p[1] == ')')
          s = open_capture(ms, s, p + 2, CAP_POSITION);
        else
          s = open_capture(ms, s, p + 1, CAP_UNFINISHED);
        goto done;
      case ')':
        s = close_capture(ms, s, p + 1);
        goto done;
      case '$':
        if (p + 1 == ms->p_end) {       /* anchor at the end */
          if (s != ms->src_end) s = NULL;
          goto done;
        }
        break;                          /* else a literal '$' */
      case ESC:
        if (p + 1 >= ms->p_end) break;  /* item_end reports it */
        if (p[1] == 'b') {
          s = match_balance(ms, s, p + 2);
          if (!s) goto done;
          p += 4;
          continue;
        }
        if (p[1] == 'f') {              /* frontier %f[set] */
          p += 2;
          if (p >= ms->p_end || *p != '[')
            luaL_error(ms->L, "missing '[' after '%%f' in pattern");
          ep = item_end(ms, p);
          int prev = s == ms->src_init ? 0 : (unsigned char)s[-1];
          int cur = s < ms->src_end ? (unsigned char)*s : 0;
          if (!in_set(prev, p, ep - 1) && in_set(cur, p, ep - 1)) {
            p = ep;
            continue;
          }
          s = NULL;
          goto done;
        }
        if (isdigit((unsigned char)p[1])) {
          s = match_backref(ms, s, (unsigned char)p[1]);
          if (!s) goto done;
          p += 2;
          continue;
        }
        break;
      default:
        break;
    }
    /* a single-character item, maybe with a quantifier */
    ep = item_end(ms, p);
    int q = ep < ms->p_end ? *ep : 0;
    if (!item_match(ms, s, p, ep)) {
      if (q == '*' || q == '?' || q == '-') {   /* zero repetitions */
        p = ep + 1;
        continue;
      }
      s = NULL;
      goto done;
    }
    switch (q) {
      case '?': {
        const char *r = match(ms, s + 1, ep + 1);
        if (r) {
          s = r;
          goto done;
        }
        p = ep + 1;
        continue;
      }
      case '+': s = expand_max(ms, s + 1, p, ep); goto done;
      case '*': s = expand_max(ms, s, p, ep); goto done;
      case '-': s = expand_min(ms, s, p, ep); goto done;
      default: s++; p = ep; continue;
    }
  }
done:
  ms->depth++;
  return s;
}

/* {====== results ====== */

/* Push capture i (or the whole match s..e when there are none). */
static void push_capture(mstate *ms, int i, const char *s, const char *e) {
  if (i >= ms->level) {
    if (i != 0) luaL_error(ms->L, "invalid capture index %%%d", i + 1);
    lua_pushlstring(ms->L, s, (size_t)(e - s));
    return;
  }
  ptrdiff_t len = ms->capture[i].len;
  if (len == CAP_UNFINISHED) luaL_error(ms->L, "unfinished capture");
  if (len == CAP_POSITION)
    lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
  else
    lua_pushlstring(ms->L, ms->capture[i].init, (size_t)len);
}

static int push_captures(mstate *ms, const char *s, const char *e) {
  int n = (ms->level == 0 && s) ? 1 : ms->level;
  luaL_checkstack(ms->L, n, "too many captures");
  for (int i = 0; i < n; i++) push_capture(ms, i, s, e);
  return n;
}

/* }====== */

/* Lua's string positions: negative counts from the end; clamp to 1. */
static size_t start_pos(lua_Integer pos, size_t len) {
  if (pos > 0) return (size_t)pos;
  if (pos == 0) return 1;
  if (pos < -(lua_Integer)len) return 1;
  return len + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp) {
  for (size_t i = 0; i < lp; i++)
    if (p[i] && strchr(SPECIALS, p[i])) return 1;
  return 0;
}

static int find_aux(lua_State *L, int find) {
  size_t ls, lp;
  const char *s = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  size_t init = start_pos(luaL_optinteger(L, 3, 1), ls) - 1;
  if (init > ls) {
    luaL_pushfail(L);
    return 1;
  }
  if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
    lrl_charge(L, (long long)((ls - init) / 64));
    const char *r = lp == 0 ? s + init
                  : lp > ls - init ? NULL
                  : memmem(s + init, ls - init, p, lp);
    if (r) {
      lua_pushinteger(L, (lua_Integer)(r - s) + 1);
      lua_pushinteger(L, (lua_Integer)(r - s + lp));
      return 2;
    }
    luaL_pushfail(L);
    return 1;
  }
  mstate ms;
  int anchor = lp > 0 && *p == '^';
  if (anchor) {
    p++;
    lp--;
  }
  init_state(&ms, L, s, ls, p, lp);
  const char *s1 = s + init;
  do {
    restart(&ms);
    const char *e = match(&ms, s1, p);
    if (e) {
      charge(&ms);
      if (find) {
        lua_pushinteger(L, (lua_Integer)(s1 - s) + 1);
        lua_pushinteger(L, (lua_Integer)(e - s));
        return push_captures(&ms, NULL, NULL) + 2;
      }
      return push_captures(&ms, s1, e);
    }
  } while (s1++ < ms.src_end && !anchor);
  charge(&ms);
  luaL_pushfail(L);
  return 1;
}

static int p_find(lua_State *L) { return find_aux(L, 1); }
static int p_match(lua_State *L) { return find_aux(L, 0); }

/* gmatch state: offsets into the subject (upvalue 1), pattern (2). */
typedef struct gmatch_state {
  size_t pos;                 /* where the next search starts */
  ptrdiff_t last;             /* end of the last match, or -1 */
} gmatch_state;

static int gmatch_next(lua_State *L) {
  size_t ls, lp;
  const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
  const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
  gmatch_state *gm = lua_touserdata(L, lua_upvalueindex(3));
  mstate ms;
  init_state(&ms, L, s, ls, p, lp);
  for (const char *src = s + gm->pos; src <= ms.src_end; src++) {
    restart(&ms);
    const char *e = match(&ms, src, p);
    if (e && (gm->last < 0 || e != s + gm->last)) {
      gm->pos = (size_t)(e - s);
      gm->last = e - s;
      charge(&ms);
      return push_captures(&ms, src, e);
    }
  }
  gm->pos = ls + 1;
  charge(&ms);
  return 0;
}

static int p_gmatch(lua_State *L) {
  size_t ls;
  luaL_checklstring(L, 1, &ls);
  luaL_checkstring(L, 2);
  size_t init = start_pos(luaL_optinteger(L, 3, 1), ls) - 1;
  lua_settop(L, 2);
  gmatch_state *gm = lua_newuserdatauv(L, sizeof *gm, 0);
  gm->pos = init > ls ? ls + 1 : init;
  gm->last = -1;
  lua_pushcclosure(L, gmatch_next, 3);
  return 1;
}

/* The replacement string of gsub, with %0-%9 and %%. */
static void add_template(mstate *ms, luaL_Buffer *b, const char *s,
                         const char *e, int arg) {
  lua_State *L = ms->L;
  size_t l;
  const char *t = lua_tolstring(L, arg, &l);
  const char *end = t + l, *pct;
  while ((pct = memchr(t, ESC, (size_t)(end - t))) != NULL) {
    luaL_addlstring(b, t, (size_t)(pct - t));
    pct++;
    int c = pct < end ? (unsigned char)*pct : 0;
    if (c == ESC) {
      luaL_addchar(b, ESC);
    } else if (c == '0') {
      luaL_addlstring(b, s, (size_t)(e - s));
    } else if (isdigit(c)) {
      push_capture(ms, c - '1', s, e);
      luaL_tolstring(L, -1, NULL);      /* a position becomes text */
      lua_remove(L, -2);
      luaL_addvalue(b);
    } else {
      luaL_error(L, "invalid use of '%c' in replacement string", ESC);
    }
    t = pct + 1;
  }
  luaL_addlstring(b, t, (size_t)(end - t));
}

/* Add the replacement for the match s..e; return whether it changed. */
static int add_value(mstate *ms, luaL_Buffer *b, const char *s,
                     const char *e, int tr) {
  lua_State *L = ms->L;
  switch (tr) {
    case LUA_TFUNCTION: {
      lua_pushvalue(L, 3);
      int n = push_captures(ms, s, e);
      lua_call(L, n, 1);
      break;
    }
    case LUA_TTABLE:
      push_capture(ms, 0, s, e);
      lua_gettable(L, 3);
      break;
    default:
      add_template(ms, b, s, e, 3);
      return 1;
  }
  if (!lua_toboolean(L, -1)) {          /* nil or false: keep the match */
    lua_pop(L, 1);
    luaL_addlstring(b, s, (size_t)(e - s));
    return 0;
  }
  if (!lua_isstring(L, -1))
    return luaL_error(L, "invalid replacement value (a %s)",
                      luaL_typename(L, -1));
  luaL_addvalue(b);
  return 1;
}

static int p_gsub(lua_State *L) {
  size_t ls, lp;
  const char *src = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  const char *last = NULL;
  int tr = lua_type(L, 3);
  lua_Integer max_n = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
  luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING ||
                   tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
                   "string/function/table");
  int anchor = lp > 0 && *p == '^';
  if (anchor) {
    p++;
    lp--;
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  mstate ms;
  init_state(&ms, L, src, ls, p, lp);
  lua_Integer n = 0;
  int changed = 0;
  while (n < max_n) {
    restart(&ms);
    const char *e = match(&ms, src, p);
    if (e && e != last) {
      n++;
      changed |= add_value(&ms, &b, src, e, tr);
      src = last = e;
    } else if (src < ms.src_end) {
      luaL_addchar(&b, *src++);
    } else {
      break;
    }
    if (anchor) break;
  }
  charge(&ms);
  if (!changed) {
    lua_pushvalue(L, 1);
  } else {
    luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, n);
  return 2;
}

void lrl_open_patterns(lua_State *L, int string_idx) {
  static const luaL_Reg fns[] = {{"find", p_find}, {"match", p_match},
    {"gmatch", p_gmatch}, {"gsub", p_gsub}, {NULL, NULL}};
  string_idx = lua_absindex(L, string_idx);
  for (const luaL_Reg *f = fns; f->name; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, string_idx, f->name);
  }
}
