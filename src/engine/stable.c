/*
** stable.c -- the earliest time an evaluation's answer would change
** (see stable.h).
*/
#include <stdarg.h>
#include <stdio.h>

#include "../lua/runtime.h"
#include "stable.h"

void lrp_stable_begin(lrp_eval *ev) {
  ev->stable = LRP_NEVER;
  ev->stable_why[0] = '\0';
  ev->clock_reads0 = ev->in->rt->clock_reads;
}

void lrp_stable_note(lrp_eval *ev, long long t, const char *fmt, ...) {
  if (t < ev->now) t = ev->now;       /* continuous: evaluate every run */
  if (t >= ev->stable) return;
  ev->stable = t;
  if (!ev->trace) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ev->stable_why, sizeof ev->stable_why, fmt, ap);
  va_end(ap);
}

long long lrp_stable_end(lrp_eval *ev) {
  if (ev->in->rt->clock_reads != ev->clock_reads0)
    lrp_stable_note(ev, ev->now, "the clock (now, os.time)");
  return ev->stable;
}

int lrp_stable_changed(long long stored, long long su, long long now,
                       int forced) {
  long long old = stored ? stored : LRP_NEVER;
  if (old == now) return 0;
  if (forced) return 1;
  if (old <= now && su <= now) return 0;
  return old != su;
}
