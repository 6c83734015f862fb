/*
** log.c -- log(...) for policies: one debugging line per call,
**
**   policy.lua:12: log: contact ann@a.example: 42	"web"
**
** to the host's lr_policy_opts.log, or stderr.  It is not an output
** channel: it takes no file or stream, the line goes only where the host
** sends it, control characters are escaped (a policy cannot forge other
** lines or send terminal escapes) and a line is cut at LOG_MAX bytes.
** Each line is handed over whole in one call (one fwrite on stderr), so
** lines of workers on several threads interleave but never mix.
*/
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <string.h>

#include "../lua/format.h"
#include "../lua/host.h"
#include "eval.h"
#include "log.h"

#define LOG_MAX 2000                   /* bytes of values kept per line */

/* Append s[0..n) with control characters (but tab) escaped. */
static void add_clean(lr_buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '\n') lrb_adds(b, "\\n");
    else if (ch == '\r') lrb_adds(b, "\\r");
    else if ((ch < 0x20 && ch != '\t') || ch == 0x7f) lrb_printf(b, "\\x%02x", ch);
    else lrb_addc(b, (char)ch);
  }
}

static int l_log(lua_State *L) {
  lrp_instance *in = lrl_closure_ctx(L);
  int n = lua_gettop(L);
  lr_buf vals = LR_BUF_INIT, line = LR_BUF_INIT;
  for (int i = 1; i <= n && vals.n <= LOG_MAX; i++) {
    if (i > 1) lrb_addc(&vals, '\t');
    int t = lua_type(L, i);
    if (t == LUA_TSTRING || t == LUA_TNUMBER) {
      size_t len;
      const char *s = lua_tolstring(L, i, &len);
      lrb_add(&vals, s, len);
    } else {
      lrl_fmt_value(L, i, &vals, 0);
    }
  }
  int cut = vals.n > LOG_MAX;
  luaL_where(L, 1);                    /* "policy.lua:12: " */
  lrb_adds(&line, lua_tostring(L, -1));
  lua_pop(L, 1);
  const lrp_eval *ev = in->ev;
  if (ev && ev->phase != LRP_PHASE_IDLE && ev->c && ev->c->key) {
    lrb_adds(&line, "log: contact ");
    add_clean(&line, ev->c->key, strlen(ev->c->key));
    lrb_adds(&line, ": ");
  } else {
    lrb_adds(&line, "log: ");
  }
  add_clean(&line, vals.p ? vals.p : "", cut ? LOG_MAX : vals.n);
  if (cut) lrb_adds(&line, " ...");
  lrb_addc(&line, '\n');
  lrb_free(&vals);
  if (line.oom) {
    lrb_free(&line);
    return luaL_error(L, "log: out of memory");
  }
  const lr_policy_opts *o = &in->policy->opts;
  if (o->log) {
    o->log(o->log_ctx, line.p, line.n);
  } else {
    fwrite(line.p, 1, line.n, stderr);   /* one call: a whole line */
    fflush(stderr);
  }
  lrb_free(&line);
  return 0;
}

void lrp_log_register(lrp_instance *in) {
  lrl_set_closure(in->rt->L, "log", l_log, in);
}
