/*
** scope.c -- the contacts a run evaluates (see scope.h).
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../store/store.h"
#include "model.h"
#include "scope.h"

static int full_because(lrp_scope *sc, int reason, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static int full_because(lrp_scope *sc, int reason, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sc->name = "full";
  sc->reason = reason;
  vsnprintf(sc->why, sizeof sc->why, fmt, ap);
  va_end(ap);
  return LR_OK;
}

static int mentions(const char *sql, const char *word) {
  size_t n = strlen(word);
  for (const char *p = sql; *p; p++)
    if (strncasecmp(p, word, n) == 0) return 1;
  return 0;
}

/* An SQL segment whose answer for one contact may change with other
** rows (a subquery) or with the clock (the wall clock, random): the
** engine cannot see its reads, so every contact is evaluated. */
static const lrp_segment *opaque_sql(const lrp_model *m) {
  static const char *const words[] = {"select", "now", "current_", "random",
                                      "julianday", "unixepoch", NULL};
  for (int i = 0; i < m->nsegments; i++)
    for (int k = 0; m->segments[i].sql && words[k]; k++)
      if (mentions(m->segments[i].sql, words[k])) return &m->segments[i];
  return NULL;
}

static int choose_changed(lr_policy *p, const lr_run_opts *o, long long now,
                          lrp_scope *sc) {
  const lrp_segment *seg = opaque_sql(&p->main.m);
  if (o->override_manual)
    return full_because(sc, LR_FULL_OVERRIDE, "--override-manual ends every "
                        "lock, so every contact is evaluated");
  if (lrp_has_accounts(&p->main))
    return full_because(sc, LR_FULL_ACCOUNTS, "the policy scores accounts, "
                        "and an account's result reads all of its contacts");
  if (seg)
    return full_because(sc, LR_FULL_SQL, "%s: segment '%s': its SQL may read "
                        "other rows or the clock", seg->where, seg->name);
  int rc = lrs_changed_find(p->db, p->hash, now, &sc->changed);
  if (rc != LR_OK) return rc;
  if (sc->changed.reason)
    return full_because(sc, sc->changed.reason, "%s", sc->changed.why);
  sc->name = "changed";
  sc->filtered = 1;
  sc->filter.ids = sc->changed.ids;
  sc->filter.n = sc->changed.n;
  return LR_OK;
}

int lrp_scope_choose(lr_policy *p, const lr_run_opts *o, long long now,
                     int forced, const char *why, lrp_scope *sc) {
  memset(sc, 0, sizeof *sc);
  sc->name = "full";
  if (o->ids) {
    sc->name = "ids";
    sc->filtered = 1;
    sc->filter.ids = o->ids;
    sc->filter.n = o->n_ids;
    return LR_OK;
  }
  if (!o->changed) return LR_OK;
  if (forced) return full_because(sc, forced, "%s", why);
  return choose_changed(p, o, now, sc);
}

void lrp_scope_free(lrp_scope *sc) { lrs_changed_free(&sc->changed); }
