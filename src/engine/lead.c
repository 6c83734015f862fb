/*
** lead.c -- the `lead` object: one contact as a policy sees it.
**
** lead.<field> reads the contact's row (nil for NULL; an unknown field is
** an error, so a typo never scores 0); lead.score, lead.stage, lead.scores,
** lead.grade, lead.stage_since and lead.due_at follow the evaluation;
** methods query the contact's activities, segments and outcome.  One
** userdata per evaluation context is reused for every contact: it holds no
** data of its own.
*/
#include <lauxlib.h>
#include <lua.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lua/host.h"
#include "eval.h"
#include "objects.h"
#include "stable.h"

static lrp_eval *check_lead(lua_State *L, int idx) {
  lrp_eval *ev = lrx_eval(L);
  void *ud = lua_touserdata(L, idx);
  /* Every method call checks its receiver: compare addresses with the one
  ** lead of this context rather than looking up metatables. */
  if (!ev || ud != ev->lead_ud) {
    luaL_checkudata(L, idx, LRX_LEAD);       /* raises for a non-lead */
    /* Scripts hand out one lead per contact (holding its id), valid only
    ** during its own step of the leads{} loop. */
    if (!ev || !ev->c || lua_rawlen(L, idx) != sizeof(long long))
      lrl_error(L, "lead used outside of an evaluation");
    if (*(const long long *)ud != ev->c->id)
      lrl_error(L, "this lead object belongs to an earlier step of a leads{} "
                "loop; use a lead inside its own step");
  }
  if (!ev->c) lrl_error(L, "lead used outside of an evaluation");
  return ev;
}

static void trace(lrp_eval *ev, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
static void trace(lrp_eval *ev, const char *fmt, ...) {
  if (!ev->trace) return;
  char one[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(one, sizeof one, fmt, ap);
  va_end(ap);
  /* A read already recorded for this step is not repeated. */
  const char *all = lrb_str(ev->trace);
  size_t n = strlen(one);
  for (const char *p = strstr(all, one); p; p = strstr(p + 1, one))
    if ((p == all || (p >= all + 2 && p[-2] == ',' && p[-1] == ' ')) &&
        (p[n] == '\0' || (p[n] == ',' && p[n + 1] == ' ')))
      return;
  if (ev->trace->n) lrb_adds(ev->trace, ", ");
  lrb_adds(ev->trace, one);
}

static void push_value(lua_State *L, lrp_eval *ev, const char *name,
                       const lrs_value *v) {
  switch (v->type) {
    case LRS_INT:
      lua_pushinteger(L, (lua_Integer)v->i);
      trace(ev, "%s=%lld", name, v->i);
      break;
    case LRS_FLOAT:
      lua_pushnumber(L, v->r);
      trace(ev, "%s=%g", name, v->r);
      break;
    case LRS_STR:
      lua_pushlstring(L, v->s, (size_t)v->n);
      trace(ev, "%s='%.*s'", name, v->n > 60 ? 60 : (int)v->n, v->s);
      break;
    default:
      lua_pushnil(L);
      trace(ev, "%s=nil", name);
  }
}

typedef struct window {
  long long from, to;
  long long within;          /* the duration given, or -1 */
  long long since;           /* the time given, or LLONG_MIN */
  const char *campaign;
  char desc[96];
} window;

/* Read { within = "30d" | since = T, campaign = "x" } at idx.  Called for
** every count/did of every contact: no allocation unless tracing. */
static void read_window(lua_State *L, lrp_eval *ev, int idx, window *w) {
  w->from = LLONG_MIN;
  w->to = ev->now;
  w->within = -1;
  w->since = LLONG_MIN;
  w->campaign = NULL;
  w->desc[0] = 0;
  if (lua_isnoneornil(L, idx)) return;
  if (!lua_istable(L, idx))
    lrl_error(L, "activity options must be a table like { within = \"30d\" }");
  int seen = 0;
  if (lua_getfield(L, idx, "within") != LUA_TNIL) {
    long long d = lrl_duration_arg(L, -1, "'within'");
    w->from = ev->now - d;
    w->within = d;
    if (ev->trace)
      snprintf(w->desc, sizeof w->desc, " within %s", lua_tostring(L, -1));
    seen++;
  }
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "since") != LUA_TNIL) {
    long long t = lrl_time_arg(L, -1, "'since'");
    if (t > w->from) w->from = t;
    w->since = t;
    if (ev->trace) {
      size_t used = strlen(w->desc);
      snprintf(w->desc + used, sizeof w->desc - used, " since %s",
               lua_tostring(L, -1));
    }
    seen++;
  }
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "campaign") != LUA_TNIL) {
    w->campaign = lrl_tocstring(L, -1, "'campaign'");
    if (!w->campaign) lrl_error(L, "'campaign' must be a string");
    seen++;
  }
  lua_pop(L, 1);   /* the string stays alive in the options table */
  /* Any other key is a typo ("withn"): a count is cheap, and only a
  ** mismatch pays for finding the culprit. */
  int keys = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    keys++;
  }
  if (keys == seen) return;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    if (lrl_has_nul(L, -1))
      lrl_error(L, "an activity option name contains a NUL byte");
    if (strcmp(k, "within") && strcmp(k, "since") && strcmp(k, "campaign"))
      lrl_error(L, "unknown activity option '%s' (allowed: within, since, "
                "campaign)", k);
  }
}

static int type_index(const lrs_contact *c, const char *type) {
  for (int i = 0; i < c->ntypes; i++)
    if (strcmp(c->types[i], type) == 0) return i;
  return -1;
}

static int in_campaign(const lrs_activity *a, const window *w) {
  return !w->campaign || (a->campaign && strcmp(a->campaign, w->campaign) == 0);
}

static int in_window(const lrs_activity *a, const window *w) {
  if (a->at < w->from || a->at > w->to) return 0;
  return in_campaign(a, w);
}

/* When the window's answers change (stable.h): the first activity to
** leave it (an `within` window slides past it) and the first later one to
** enter it (now reaches its time). */
typedef struct expiry {
  long long leave_first;     /* the first counted activity leaves */
  long long leave_last;      /* the latest counted one leaves */
  long long enter;           /* a future one enters */
} expiry;

static long long leaves(const window *w, long long at) {
  return w->within < 0 ? LRP_NEVER : at + w->within + 1;
}

/* Count activities of `type` (or of any type for "*") in the window. */
static long long count_acts(const lrs_contact *c, int type, const window *w,
                            long long *last, expiry *x) {
  long long n = 0;
  *last = LLONG_MIN;
  x->leave_first = x->enter = LRP_NEVER;
  for (int i = 0; i < c->nacts; i++) {
    const lrs_activity *a = &c->acts[i];
    if (type >= 0 && a->type != type) continue;
    if (a->at > w->to) {
      if (a->at >= w->since && a->at < x->enter && in_campaign(a, w))
        x->enter = a->at;
      continue;
    }
    if (!in_window(a, w)) continue;
    n++;
    if (a->at > *last) *last = a->at;
    if (leaves(w, a->at) < x->leave_first) x->leave_first = leaves(w, a->at);
  }
  x->leave_last = n ? leaves(w, *last) : LRP_NEVER;
  return n;
}

static long long min2(long long a, long long b) { return a < b ? a : b; }

/* Note when the answer `what` gives changes: a count (or the list of
** activities) with any activity leaving or entering; did and last with
** the latest leaving or one entering; days_since continuously. */
static void note_expiry(lrp_eval *ev, int what, const char *type,
                        const window *w, long long n, const expiry *x) {
  static const char *const names[] = {"count", "did", "last", "days_since",
                                      "activities"};
  long long t;
  if (what == 0 || what == 4) t = min2(x->leave_first, x->enter);
  else if (what == 3 && n) t = ev->now;
  else t = min2(x->leave_last, x->enter);
  if (t != LRP_NEVER)
    lrp_stable_note(ev, t, "%s(%s%s)", names[what], type, w->desc);
}

static const char *check_type(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TSTRING)
    lrl_error(L, "activity type must be a string like \"email_open\"");
  return lrl_tocstring(L, idx, "activity type");
}

/* What lead:count, :did, :last and :days_since answer. */
enum { ACT_COUNT, ACT_DID, ACT_LAST, ACT_DAYS_SINCE };

/* lead:METHOD(type [, window]): count the activities of `type` ("*": any)
** in the window, then answer as `what` asks. */
static int activity_answer(lua_State *L, int what) {
  lrp_eval *ev = check_lead(L, 1);
  const char *type = check_type(L, 2);
  window w;
  read_window(L, ev, 3, &w);
  int ti = strcmp(type, "*") == 0 ? -1 : type_index(ev->c, type);
  long long last = LLONG_MIN, n = 0;
  expiry x = { LRP_NEVER, LRP_NEVER, LRP_NEVER };
  if (ti >= 0 || strcmp(type, "*") == 0)
    n = count_acts(ev->c, ti, &w, &last, &x);
  note_expiry(ev, what, type, &w, n, &x);
  switch (what) {
    case ACT_COUNT:
      trace(ev, "count(%s%s)=%lld", type, w.desc, n);
      lua_pushinteger(L, (lua_Integer)n);
      break;
    case ACT_DID:
      trace(ev, "did(%s%s)=%s", type, w.desc, n ? "yes" : "no");
      lua_pushboolean(L, n > 0);
      break;
    case ACT_LAST:
      if (n) {
        lua_pushinteger(L, (lua_Integer)last);
        trace(ev, "last(%s)=%lld", type, last);
      } else {
        lua_pushnil(L);
        trace(ev, "last(%s)=never", type);
      }
      break;
    default: {
      double d = n ? (double)(ev->now - last) / 86400.0 : HUGE_VAL;
      if (n) trace(ev, "days_since(%s)=%.1f", type, d);
      else trace(ev, "days_since(%s)=never", type);
      lua_pushnumber(L, d);
    }
  }
  return 1;
}

/* lead:count(type, { within = "30d" }) -> integer */
static int l_count(lua_State *L) { return activity_answer(L, ACT_COUNT); }

/* lead:did(type, { within = "14d" }) -> boolean */
static int l_did(lua_State *L) { return activity_answer(L, ACT_DID); }

/* lead:last(type) -> unix seconds of the latest such activity, or nil */
static int l_last(lua_State *L) { return activity_answer(L, ACT_LAST); }

/* lead:days_since(type) -> days (float) since the latest, math.huge if never */
static int l_days_since(lua_State *L) {
  return activity_answer(L, ACT_DAYS_SINCE);
}

/* lead:activities(type, opts) -> list of { type, at, value, campaign } */
static int l_activities(lua_State *L) {
  lrp_eval *ev = check_lead(L, 1);
  const char *type = lua_isnoneornil(L, 2) ? "*" : check_type(L, 2);
  window w;
  read_window(L, ev, 3, &w);
  int ti = strcmp(type, "*") == 0 ? -1 : type_index(ev->c, type);
  lua_newtable(L);
  if (ti < 0 && strcmp(type, "*") != 0) return 1;
  long long last;
  expiry x;
  long long n = count_acts(ev->c, ti, &w, &last, &x);
  note_expiry(ev, 4, type, &w, n, &x);
  lua_Integer k = 0;
  for (int i = 0; i < ev->c->nacts; i++) {
    const lrs_activity *a = &ev->c->acts[i];
    if ((ti >= 0 && a->type != ti) || !in_window(a, &w)) continue;
    lua_createtable(L, 0, 4);
    lua_pushstring(L, ev->c->types[a->type]);
    lua_setfield(L, -2, "type");
    lua_pushinteger(L, (lua_Integer)a->at);
    lua_setfield(L, -2, "at");
    if (a->has_value) {
      lua_pushnumber(L, a->value);
      lua_setfield(L, -2, "value");
    }
    if (a->campaign) {
      lua_pushstring(L, a->campaign);
      lua_setfield(L, -2, "campaign");
    }
    lua_rawseti(L, -2, ++k);
  }
  trace(ev, "activities(%s%s)=%lld", type, w.desc, (long long)k);
  return 1;
}

/* lead:in_segment(name) -> boolean */
static int l_in_segment(lua_State *L) {
  lrp_eval *ev = check_lead(L, 1);
  const char *name = lrl_checkcstring(L, 2, "segment name");
  int i = lrp_segment_find(&ev->in->m, name);
  if (i < 0) lrl_error(L, "unknown segment '%s'", name);
  if (!ev->r) lrl_error(L, "segments are not known here");
  if (ev->phase == LRP_PHASE_SEGMENTS && ev->r->member[i] == 2)
    lrl_error(L, "segment '%s' is not evaluated yet (segments are evaluated "
              "in the order declared)", name);
  int in = ev->r->member[i] == 1;
  trace(ev, "in_segment(%s)=%s", name, in ? "yes" : "no");
  lua_pushboolean(L, in);
  return 1;
}

/* lead:outcome() -> { result, won, amount, closed_at } or nil */
static int l_outcome(lua_State *L) {
  lrp_eval *ev = check_lead(L, 1);
  const lrs_contact *c = ev->c;
  if (!c->has_outcome) {
    trace(ev, "outcome=none");
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 4);
  lua_pushstring(L, c->outcome);
  lua_setfield(L, -2, "result");
  lua_pushboolean(L, strcmp(c->outcome, "won") == 0);
  lua_setfield(L, -2, "won");
  if (c->has_amount) {
    lua_pushnumber(L, c->amount);
    lua_setfield(L, -2, "amount");
  }
  lua_pushinteger(L, (lua_Integer)c->closed_at);
  lua_setfield(L, -2, "closed_at");
  trace(ev, "outcome=%s", c->outcome);
  return 1;
}

static int moved_now(const lrp_eval *ev);

/* lead:sla_breached() -> true when the handoff's due time passed and the
** contact has not moved since it was assigned. */
static int l_sla_breached(lua_State *L) {
  lrp_eval *ev = check_lead(L, 1);
  const lrs_contact *c = ev->c;
  /* Every stage move (by a run, by hand or by a script) clears due_at,
  ** so a due time still set means the lead has not moved since; nor in
  ** this evaluation. */
  int b = c->due_at > 0 && c->due_at < ev->now && !moved_now(ev);
  if (c->due_at >= ev->now && !moved_now(ev))    /* breached past due_at */
    lrp_stable_note(ev, c->due_at + 1, "sla_breached");
  trace(ev, "sla_breached=%s", b ? "yes" : "no");
  lua_pushboolean(L, b);
  return 1;
}

/* Did this evaluation move the lead (a transition, or a new contact's
** first stage)?  Then it entered its stage at `now` and its SLA ended, as
** the run will write. */
static int moved_now(const lrp_eval *ev) {
  return ev->phase != LRP_PHASE_SCRIPT && ev->r && ev->r->nmoves > 0;
}

/* When the lead entered its current stage; 0 when unknown. */
static long long stage_since(const lrp_eval *ev) {
  return moved_now(ev) ? ev->now : ev->c->stage_since;
}

/* lead.stage_since, lead.assigned_at, lead.due_at: unix seconds or nil. */
static int push_time(lua_State *L, lrp_eval *ev, const char *k, long long t) {
  if (t) {
    lua_pushinteger(L, (lua_Integer)t);
    trace(ev, "%s=%lld", k, t);
  } else {
    lua_pushnil(L);
    trace(ev, "%s=nil", k);
  }
  return 1;
}

/* lead:time_in_stage() -> seconds since the lead entered its stage (0 when
** it entered in this run), or nil when that time is unknown. */
static int l_time_in_stage(lua_State *L) {
  lrp_eval *ev = check_lead(L, 1);
  long long t = stage_since(ev);
  if (!t) {
    trace(ev, "time_in_stage=unknown");
    lua_pushnil(L);
    return 1;
  }
  trace(ev, "time_in_stage=%lld", ev->now - t);
  lrp_stable_note(ev, ev->now, "time_in_stage");
  lua_pushinteger(L, (lua_Integer)(ev->now - t));
  return 1;
}

static int push_scores(lua_State *L, lrp_eval *ev) {
  const lrp_model *m = &ev->in->m;
  lua_createtable(L, 0, m->ngroups);
  for (int g = 0; g < m->ngroups; g++) {
    lua_pushnumber(L, ev->r->group[g]);
    lua_setfield(L, -2, m->groups[g]);
  }
  return 1;
}

/* Push the JSON string at *p (after its opening quote), unescaping \x as
** x (names and letters are plain text); *p moves past the closing quote.
** 0 when the string does not end. */
static int push_json_str(lua_State *L, const char **p) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  const char *q = *p;
  for (; *q && *q != '"'; q++) {
    if (*q == '\\' && q[1]) q++;
    luaL_addchar(&b, *q);
  }
  luaL_pushresult(&b);
  if (*q != '"') {
    lua_pop(L, 1);
    return 0;
  }
  *p = q + 1;
  return 1;
}

/* Push the number at *p as an integer or a float as Lua reads it (35
** stays an integer); *p moves past it.  0 when there is none. */
static int push_json_num(lua_State *L, const char **p) {
  char *end, num[64];
  strtod(*p, &end);
  if (end == *p || end - *p >= (long)sizeof num) return 0;
  memcpy(num, *p, (size_t)(end - *p));
  num[end - *p] = '\0';
  *p = end;
  if (!lua_stringtonumber(L, num)) lua_pushnil(L);
  return 1;
}

/* Scripts: lead.scores and lead.grades from the flat JSON objects runs
** store (contacts.scores {"fit":35}, contacts.grades {"fit":"A"}): string
** keys, number or string values.  Stops quietly at anything else. */
static int push_stored_object(lua_State *L, const char *json) {
  lua_newtable(L);
  const char *p = json ? strchr(json, '{') : NULL;
  if (!p) return 1;
  p++;
  for (;;) {
    while (*p == ' ' || *p == ',') p++;
    if (*p != '"') break;
    p++;
    if (!push_json_str(L, &p)) break;
    while (*p == ' ' || *p == ':') p++;
    int ok = *p == '"' ? (p++, push_json_str(L, &p)) : push_json_num(L, &p);
    if (!ok) { lua_pop(L, 1); break; }
    lua_rawset(L, -3);
  }
  return 1;
}

static void need_rules_done(lua_State *L, lrp_eval *ev, const char *what) {
  if (ev->phase == LRP_PHASE_RULES || ev->phase == LRP_PHASE_SEGMENTS)
    lrl_error(L, "lead.%s is not known while rules are evaluated (it is "
              "their result); use it in transitions and handoffs", what);
}

/* lead.score: the stored score in scripts, else the evaluation's. */
static int push_score(lua_State *L, lrp_eval *ev) {
  double s;
  if (ev->phase == LRP_PHASE_SCRIPT) {
    s = ev->c->score;
  } else {
    need_rules_done(L, ev, "score");
    s = ev->have_score_override ? ev->score_override : ev->r->score;
    trace(ev, "score=%g", s);
  }
  /* whole scores are integers in Lua (print 12, not 12.0) */
  if (s == floor(s) && s > -9.0e15 && s < 9.0e15)
    lua_pushinteger(L, (lua_Integer)s);
  else
    lua_pushnumber(L, s);
  return 1;
}

/* lead.stage: a stage object, or in scripts the name of a stage the
** script did not declare. */
static int push_stage(lua_State *L, lrp_eval *ev) {
  const lrs_contact *c = ev->c;
  int st = ev->phase == LRP_PHASE_SCRIPT ? lrp_contact_stage(&ev->in->m, c)
                                         : ev->cur_stage;
  if (st == -1 && c->stage) {
    lua_pushstring(L, c->stage);
    return 1;
  }
  if (st < 0) {
    lua_pushnil(L);
    return 1;
  }
  trace(ev, "stage=%s", ev->in->m.stages[st].name);
  lrx_push_stage(L, ev->in, st);
  return 1;
}

/* lead.grade and lead.grades (k). */
static int push_grade(lua_State *L, lrp_eval *ev, const char *k) {
  if (k[5] != 's' && ev->phase == LRP_PHASE_SCRIPT) {
    if (ev->c->grade) lua_pushstring(L, ev->c->grade);
    else lua_pushnil(L);
    return 1;
  }
  if (ev->phase == LRP_PHASE_SCRIPT)      /* every grade of the last run */
    return push_stored_object(L, ev->c->grades);
  need_rules_done(L, ev, k);
  const lrp_model *m = &ev->in->m;
  if (k[5] == 's') {
    lua_createtable(L, 0, m->ngrades);
    for (int g = 0; g < m->ngrades; g++) {
      lua_pushstring(L, ev->r->grades[g]);
      lua_setfield(L, -2, m->grades[g].group ? m->grades[g].group : "total");
    }
    return 1;
  }
  if (m->ngrades == 0) lrl_error(L, "lead.grade: the policy declares no grade");
  trace(ev, "grade=%s", ev->r->grades[0]);
  lua_pushstring(L, ev->r->grades[0]);
  return 1;
}

/* Push lead.k when k is one of the names the engine answers (id, key,
** score, stage, scores, grade, grades, stage_since, due_at, assigned_at)
** and return 1; else 0. */
static int push_builtin(lua_State *L, lrp_eval *ev, const char *k) {
  switch (k[0]) {
    case 'i':
      if (strcmp(k, "id") == 0) {
        lua_pushinteger(L, (lua_Integer)ev->c->id);
        return 1;
      }
      break;
    case 'k':
      if (strcmp(k, "key") == 0) {
        lua_pushstring(L, ev->c->key);
        return 1;
      }
      break;
    case 's':
      if (strcmp(k, "score") == 0) return push_score(L, ev);
      if (strcmp(k, "stage") == 0) return push_stage(L, ev);
      if (strcmp(k, "scores") == 0) {
        if (ev->phase == LRP_PHASE_SCRIPT)
          return push_stored_object(L, ev->c->scores);
        need_rules_done(L, ev, "scores");
        return push_scores(L, ev);
      }
      break;
    case 'g':
      if (strcmp(k, "grade") == 0 || strcmp(k, "grades") == 0)
        return push_grade(L, ev, k);
      break;
    case 'a':
      /* the account as stored before this run (account_eval.h) */
      if (strcmp(k, "account") == 0) return lrp_push_lead_account(L, ev);
      break;
  }
  /* The engine's times follow the evaluation (moved_now). */
  if (strcmp(k, "stage_since") == 0) return push_time(L, ev, k, stage_since(ev));
  if (strcmp(k, "due_at") == 0)
    return push_time(L, ev, k, moved_now(ev) ? 0 : ev->c->due_at);
  if (strcmp(k, "assigned_at") == 0)
    return push_time(L, ev, k, ev->c->assigned_at);
  return 0;
}

/* The field of the columns table at idx nearest to a mistyped k, or NULL
** (for the error only: the names stay valid while the table does). */
static const char *nearest_field(lua_State *L, int idx, const char *k) {
  const char *names[256];
  int n = 0;
  lua_pushnil(L);
  while (n < 256 && lua_next(L, idx)) {
    if (lua_type(L, -2) == LUA_TSTRING) names[n++] = lua_tostring(L, -2);
    lua_pop(L, 1);
  }
  if (n == 256) lua_pop(L, 1);                    /* the key lua_next left */
  return lr_nearest(k, names, n);
}

static int l_index(lua_State *L) {
  lrp_eval *ev = check_lead(L, 1);
  const char *k = lua_tostring(L, 2);
  if (!k || lua_type(L, 2) != LUA_TSTRING)
    lrl_error(L, "lead fields are named by strings");
  if (lrl_has_nul(L, 2)) lrl_error(L, "a lead field name contains a NUL byte");
  /* methods */
  if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  if (push_builtin(L, ev, k)) return 1;
  if (strcmp(k, "set") == 0 || strcmp(k, "move_to") == 0)
    lrl_error(L, "lead:%s is for scripts (leadrules script.lua); a policy "
              "changes contacts through its rules and transitions", k);
  /* a field of the row */
  const lrs_contact *c = ev->c;
  if (lua_getfield(L, lua_upvalueindex(2), k) == LUA_TNUMBER) {
    int col = (int)lua_tointeger(L, -1) - 1;
    lua_pop(L, 1);
    if (col >= 0 && col < c->ncols) {
      /* columns every run may rewrite: the answer is the run's own */
      if (!strcmp(k, "updated_at") || !strcmp(k, "stable_until"))
        lrp_stable_note(ev, ev->now, "lead.%s", k);
      push_value(L, ev, k, &c->vals[col]);
      return 1;
    }
  }
  const char *near = nearest_field(L, lua_upvalueindex(2), k);
  if (near)
    return lrl_error(L, "unknown field 'lead.%s'; did you mean 'lead.%s'? "
                     "(`leadrules info` lists the fields)", k, near);
  return lrl_error(L, "unknown field 'lead.%s' (no such column; `leadrules "
                   "info` lists the fields)", k);
}

static int l_newindex(lua_State *L) {
  return lrl_error(L, "lead is read-only (in scripts use lead:set(field, "
                   "value))");
}

static int l_tostring(lua_State *L) {
  lrp_eval *ev = lrx_eval(L);
  if (ev && ev->c) lua_pushfstring(L, "lead(%s)", ev->c->key);
  else lua_pushliteral(L, "lead");
  return 1;
}

static const luaL_Reg methods[] = {
  {"count", l_count},
  {"did", l_did},
  {"last", l_last},
  {"days_since", l_days_since},
  {"activities", l_activities},
  {"in_segment", l_in_segment},
  {"outcome", l_outcome},
  {"sla_breached", l_sla_breached},
  {"time_in_stage", l_time_in_stage},
  {NULL, NULL},
};

/* The table on top: each column's name -> its index (1-based), and each
** other name of a field (lrs_field_aliases: lead.lead_source for the
** header "Lead Source" that became `source`) -> the field's index. */
static void map_fields(lua_State *L, lrp_eval *ev) {
  for (int i = 0; i < ev->ncols; i++) {
    lua_pushinteger(L, i + 1);
    lua_setfield(L, -2, ev->colnames[i]);
  }
  const lr_policy *p = ev->in ? ev->in->policy : NULL;
  for (int i = 0; p && i < p->naliases; i++) {
    int taken = lua_getfield(L, -1, p->aliases[2 * i]) != LUA_TNIL;
    lua_pop(L, 1);
    if (taken) continue;                  /* a column of that name wins */
    if (lua_getfield(L, -1, p->aliases[2 * i + 1]) == LUA_TNUMBER)
      lua_setfield(L, -2, p->aliases[2 * i]);
    else
      lua_pop(L, 1);
  }
}

void lrx_lead_open(lua_State *L, lrp_eval *ev) {
  if (luaL_newmetatable(L, LRX_LEAD)) {
    lua_newtable(L);                       /* upvalue 1: methods */
    luaL_setfuncs(L, methods, 0);
    /* Hosts (scripts) may add methods later through this table. */
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "leadrules.lead.methods");
    lua_newtable(L);                       /* upvalue 2: field -> column */
    map_fields(L, ev);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "leadrules.lead.fields");
    lua_pushcclosure(L, l_index, 2);
    lua_setfield(L, -2, "__index");
    static const luaL_Reg metamethods[] = {{"__newindex", l_newindex},
      {"__tostring", l_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, metamethods, 0);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  } else {
    /* Re-map the field table for this context's columns. */
    lua_getfield(L, LUA_REGISTRYINDEX, "leadrules.lead.fields");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      lua_pushnil(L);
      lua_rawset(L, -4);
    }
    map_fields(L, ev);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  ev->lead_ud = lua_newuserdatauv(L, 1, 0);
  luaL_setmetatable(L, LRX_LEAD);
  ev->lead_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

void lrx_push_lead(lua_State *L, lrp_eval *ev) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, ev->lead_ref);
}
