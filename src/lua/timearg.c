/*
** timearg.c -- times and durations a policy, script or test file hands to
** the host: a number of seconds, or text the engine's parsers read.  A
** number is checked like the text (finite, within LR_TIME_MIN..
** LR_TIME_MAX or 0..LR_DURATION_MAX): NaN or infinity cast to an integer
** is undefined in C, and a huge value would overflow `now - within`.
*/
#include <math.h>
#include <stdio.h>

#include <lauxlib.h>

#include "../leadrules.h"
#include "host.h"
#include "runtime.h"

/* The value at idx as seconds by `parse`, or an error "WHAT: ..." naming
** `kind` and what it takes (`lo`..`hi` for numbers). */
static long long seconds_arg(lua_State *L, int idx, const char *what,
                             int (*parse)(const char *, long long *),
                             const char *kind, long long lo, long long hi,
                             const char *text_example) {
  int t = lua_type(L, idx);
  if (t == LUA_TNUMBER) {
    double d = lua_tonumber(L, idx);
    if (d >= (double)lo && d <= (double)hi) return (long long)d;
    char shown[32];
    if (isnan(d)) snprintf(shown, sizeof shown, "nan");   /* never "-nan" */
    else snprintf(shown, sizeof shown, "%.15g", d);
    return lrl_error(L, "%s: %s is not a %s (a number must be seconds from "
                     "%lld to %lld; or text such as %s)", what, shown, kind,
                     lo, hi, text_example);
  }
  long long v;
  if (t == LUA_TSTRING) {
    if (lrl_has_nul(L, idx)) lrl_error(L, "%s contains a NUL byte", what);
    const char *s = lua_tostring(L, idx);
    if (parse(s, &v) == LR_OK) return v;
    return lrl_error(L, "%s: cannot read '%s' as a %s (use text such as %s, "
                     "or seconds from %lld to %lld)", what, s, kind,
                     text_example, lo, hi);
  }
  return lrl_error(L, "%s: cannot read a %s as a %s (use text such as %s, "
                   "or seconds from %lld to %lld)", what,
                   luaL_typename(L, idx), kind, text_example, lo, hi);
}

long long lrl_duration_arg(lua_State *L, int idx, const char *what) {
  return seconds_arg(L, idx, what, lr_parse_duration, "duration", 0,
                     LR_DURATION_MAX, "\"30d\", \"2w\", \"12h\"");
}

long long lrl_time_arg(lua_State *L, int idx, const char *what) {
  return seconds_arg(L, idx, what, lr_parse_time, "time", LR_TIME_MIN,
                     LR_TIME_MAX, "\"2026-11-01\", \"2026-11-01T09:30:00Z\"");
}
