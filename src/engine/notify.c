/*
** notify.c -- notify { when = function(lead, change) ... end }: a
** policy's say in which changes other systems hear of ("the score passed
** 80", mautic#4926).  Evaluated last, on the one evaluation path, for
** contacts whose score, stage or first grade changed; a run hands the
** verdict on in lr_change.notify, and serve and ingest put those changes
** in the outbox as "notify" rows.
*/
#include <lauxlib.h>
#include <string.h>

#include "eval.h"
#include "objects.h"

static int same(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static void set_text(lua_State *L, const char *k, const char *v) {
  if (!v) return;                   /* nil: the key is absent */
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

/* change = {old_score, score, old_stage, stage, old_grade, grade, moved} */
static void push_change(lua_State *L, const lrp_eval *ev, const char *grade) {
  const lrp_model *m = &ev->in->m;
  const lrp_result *r = ev->r;
  lua_createtable(L, 0, 7);
  lua_pushnumber(L, ev->c->score);
  lua_setfield(L, -2, "old_score");
  lua_pushnumber(L, r->score);
  lua_setfield(L, -2, "score");
  set_text(L, "old_stage", ev->c->stage);
  set_text(L, "stage", r->stage >= 0 ? m->stages[r->stage].name
                                     : ev->c->stage);
  set_text(L, "old_grade", ev->c->grade);
  set_text(L, "grade", grade);
  lua_pushboolean(L, r->nmoves > 0);
  lua_setfield(L, -2, "moved");
}

void lrp_eval_notify(lua_State *L, lrp_eval *ev) {
  const lrp_model *m = &ev->in->m;
  lrp_result *r = ev->r;
  r->notify = 0;
  if (!m->nnotify) return;
  const char *grade = m->ngrades ? r->grades[0] : NULL;
  if (r->score == ev->c->score && !r->nmoves && same(grade, ev->c->grade))
    return;                         /* nothing changed: nothing to tell */
  push_change(L, ev, grade);
  for (int i = 0; i < m->nnotify && !r->notify; i++) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, m->notify_refs[i]);
    lrx_push_lead(L, ev);
    lua_pushvalue(L, -3);
    lua_call(L, 2, 1);
    if (lua_toboolean(L, -1)) r->notify = i + 1;
    lua_pop(L, 1);
  }
  lua_pop(L, 1);                    /* change */
}
