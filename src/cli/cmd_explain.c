/*
** cmd_explain.c -- leadrules explain KEY POLICY.lua: why a contact has its
** score and stage, and what it needs for the next one.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"

typedef struct row {
  lr_explain_item e;              /* strings owned (copied) */
} row;

typedef struct rows {
  row *v;
  int n, cap;
} rows;

static char *dup(const char *s) { return s ? strdup(s) : NULL; }

static int collect(void *ctx, const lr_explain_item *it) {
  rows *r = ctx;
  if (r->n == r->cap) {
    int cap = r->cap ? r->cap * 2 : 64;
    row *v = realloc(r->v, (size_t)cap * sizeof *v);
    if (!v) return 1;
    r->v = v;
    r->cap = cap;
  }
  lr_explain_item *e = &r->v[r->n++].e;
  *e = *it;
  e->name = dup(it->name);
  e->group = dup(it->group);
  e->detail = dup(it->detail);
  e->where = dup(it->where);
  e->note = dup(it->note);
  return 0;
}

static void free_rows(rows *r) {
  for (int i = 0; i < r->n; i++) {
    lr_explain_item *e = &r->v[i].e;
    free((char *)e->name);
    free((char *)e->group);
    free((char *)e->detail);
    free((char *)e->where);
    free((char *)e->note);
  }
  free(r->v);
}

/* The next item of this kind from *i on, *i moved past it; NULL at the
** end. */
static const lr_explain_item *each(const rows *r, int kind, int *i) {
  for (; *i < r->n; (*i)++)
    if (r->v[*i].e.kind == kind) return &r->v[(*i)++].e;
  return NULL;
}

static const char *s_or(const char *s, const char *d) { return s ? s : d; }

static int width(const rows *r, int kind, int group) {
  int w = 0;
  const lr_explain_item *e;
  for (int i = 0; (e = each(r, kind, &i));) {
    const char *s = group ? e->group : e->name;
    int l = s ? (int)strlen(s) : 0;
    if (l > w) w = l;
  }
  return w;
}

static void points(char *buf, size_t n, double p, int sign) {
  if (p == 0) snprintf(buf, n, "0");
  else snprintf(buf, n, sign ? "%+g" : "%g", p);
}

static void print_text(const rows *r, const char *policy, const char *now) {
  const lr_explain_item *e;
  int wn;
  char pb[32];
  for (int i = 0; (e = each(r, LR_EX_CONTACT, &i));) {
    printf("contact      %s\n", e->name);
    points(pb, sizeof pb, e->points, 0);
    printf("stored       stage %s, score %s%s%s\n", s_or(e->detail, "(none)"),
           pb, e->note ? "; " : "", s_or(e->note, ""));
  }
  printf("policy       %s\nnow          %s\n", policy, now);

  int any = 0;
  for (int i = 0; (e = each(r, LR_EX_MANUAL, &i));) {
    if (!any++) printf("\nmanual\n");
    printf("  %-5s %s%s%s\n", e->name, s_or(e->detail, ""),
           e->note ? ": " : "", s_or(e->note, ""));
  }

  wn = width(r, LR_EX_SEGMENT, 0);
  any = 0;
  for (int i = 0; (e = each(r, LR_EX_SEGMENT, &i));) {
    if (!any++) printf("\nsegments\n");
    printf("  %-3s  %-*s  %s\n", e->fired ? "yes" : "no", wn, e->name,
           s_or(e->detail, ""));
  }

  wn = width(r, LR_EX_RULE, 0);
  int wg = width(r, LR_EX_RULE, 1);
  any = 0;
  for (int i = 0; (e = each(r, LR_EX_RULE, &i));) {
    if (!any++)
      printf("\n%-*s  points  fired  why\n", wn + 2 + (wg ? wg + 2 : 0),
             "rules");
    points(pb, sizeof pb, e->points, 1);
    if (wg)
      printf("  %-*s  %-*s  %6s  %-5s  %s\n", wn, e->name, wg,
             s_or(e->group, ""), pb, e->fired ? "yes" : "no",
             s_or(e->detail, ""));
    else
      printf("  %-*s  %6s  %-5s  %s\n", wn, e->name, pb,
             e->fired ? "yes" : "no", s_or(e->detail, ""));
  }

  wn = width(r, LR_EX_GROUP, 0);
  any = 0;
  for (int i = 0; (e = each(r, LR_EX_GROUP, &i));) {
    if (!any++) printf("\nscores\n");
    points(pb, sizeof pb, e->points, 0);
    printf("  %-*s  %6s", wn, e->name, pb);
    if (e->detail) printf("  grade %s", e->detail);
    if (e->note) printf("  (%s)", e->note);
    putchar('\n');
  }

  wn = width(r, LR_EX_TRANSITION, 0);
  any = 0;
  for (int i = 0; (e = each(r, LR_EX_TRANSITION, &i));) {
    if (!any++) printf("\ntransitions (tried in the order declared)\n");
    const char *mark = e->note ? (e->fired ? "would fire" : "would not")
                               : (e->fired ? "fired" : "not fired");
    printf("  %-10s  %-*s  %s", mark, wn, e->name,
           e->detail && *e->detail ? e->detail : "(reads nothing)");
    if (e->where) printf("  [%s]", e->where);
    putchar('\n');
  }
  for (int i = 0; (e = each(r, LR_EX_TRANSITION, &i));) {
    if (e->note) {
      printf("  (%s)\n", e->note);
      break;
    }
  }

  for (int i = 0; (e = each(r, LR_EX_NEXT, &i));)
    printf("\nnext stage\n  %s\n", s_or(e->detail, ""));
  for (int i = 0; (e = each(r, LR_EX_HANDOFF, &i));) {
    printf("\nhandoff\n");
    if (e->fired) printf("  %s -> %s", e->name, e->detail);
    else printf("  %s: owner %s", e->name, s_or(e->detail, "(none)"));
    if (e->note && *e->note) printf("\n  %s", e->note);
    putchar('\n');
  }
  for (int i = 0; (e = each(r, LR_EX_STABLE, &i));)
    printf("\nstable until\n  %s: %s\n", s_or(e->detail, "data change"),
           s_or(e->note, ""));
  for (int i = 0; (e = each(r, LR_EX_ERROR, &i));)
    printf("\nerror\n  %s\n", s_or(e->detail, ""));
}

static void jkey(const char *k, int *first) {
  printf("%s\"%s\": ", *first ? "" : ", ", k);
  *first = 0;
}

static void jstr(const char *k, const char *v, int *first) {
  jkey(k, first);
  cli_json_str(stdout, v);
}

static void jnum(const char *k, double v, int *first) {
  jkey(k, first);
  cli_json_num(stdout, v);
}

static void jbool(const char *k, int v, int *first) {
  jkey(k, first);
  fputs(v ? "true" : "false", stdout);
}

/* A member of an item's JSON object: its key and what of the item it
** shows. */
typedef enum {
  M_NAME, M_GROUP, M_DETAIL, M_WHERE, M_NOTE, M_POINTS, M_FIRED,
  M_HAS_NOTE,       /* true when the item has a note */
  M_LOCK            /* fired, only on a manual item named "lock" */
} what;

typedef struct member {
  const char *key;
  what w;
} member;

static const member CONTACT[] = {
  {"key", M_NAME}, {"stage", M_DETAIL}, {"score", M_POINTS}, {"note", M_NOTE},
  {NULL, 0}};
static const member MANUAL[] = {
  {"kind", M_NAME}, {"detail", M_DETAIL}, {"reason", M_NOTE},
  {"locked", M_LOCK}, {NULL, 0}};
static const member SEGMENT[] = {
  {"name", M_NAME}, {"member", M_FIRED}, {"why", M_DETAIL},
  {"where", M_WHERE}, {NULL, 0}};
static const member RULE[] = {
  {"name", M_NAME}, {"group", M_GROUP}, {"points", M_POINTS},
  {"fired", M_FIRED}, {"why", M_DETAIL}, {"where", M_WHERE}, {NULL, 0}};
static const member GROUP[] = {
  {"name", M_NAME}, {"total", M_POINTS}, {"grade", M_DETAIL}, {NULL, 0}};
static const member TRANSITION[] = {
  {"name", M_NAME}, {"fired", M_FIRED}, {"locked", M_HAS_NOTE},
  {"why", M_DETAIL}, {"where", M_WHERE}, {NULL, 0}};
static const member ERROR[] = { {"message", M_DETAIL}, {NULL, 0} };
static const member NEXT[] = {
  {"stage", M_NAME}, {"points_needed", M_POINTS},
  {"would_pass_now", M_FIRED}, {"detail", M_DETAIL}, {"where", M_WHERE},
  {NULL, 0}};
static const member STABLE[] = {
  {"stable_until", M_DETAIL}, {"every_run", M_FIRED}, {"why", M_NOTE},
  {NULL, 0}};
static const member HANDOFF[] = {
  {"stage", M_NAME}, {"owner", M_DETAIL}, {"hands_off_now", M_FIRED},
  {"note", M_NOTE}, {"where", M_WHERE}, {NULL, 0}};

/* The item as a JSON object of these members; null for no item. */
static void json_object(const lr_explain_item *e, const member *m) {
  if (!e) {
    fputs("null", stdout);
    return;
  }
  int f = 1;
  putchar('{');
  for (; m->key; m++) {
    switch (m->w) {
      case M_NAME: jstr(m->key, e->name, &f); break;
      case M_GROUP: jstr(m->key, e->group, &f); break;
      case M_DETAIL: jstr(m->key, e->detail, &f); break;
      case M_WHERE: jstr(m->key, e->where, &f); break;
      case M_NOTE: jstr(m->key, e->note, &f); break;
      case M_POINTS: jnum(m->key, e->points, &f); break;
      case M_FIRED: jbool(m->key, e->fired, &f); break;
      case M_HAS_NOTE: jbool(m->key, e->note != NULL, &f); break;
      case M_LOCK:
        if (strcmp(e->name, "lock") == 0) jbool(m->key, e->fired, &f);
        break;
    }
  }
  putchar('}');
}

static void json_list(const rows *r, int kind, const char *key,
                      const member *m) {
  printf(",\n  \"%s\": [", key);
  int n = 0;
  const lr_explain_item *e;
  for (int i = 0; (e = each(r, kind, &i));) {
    printf("%s\n    ", n++ ? "," : "");
    json_object(e, m);
  }
  printf("%s]", n ? "\n  " : "");
}

/* The last item of this kind; NULL if none. */
static const lr_explain_item *last(const rows *r, int kind) {
  const lr_explain_item *e, *l = NULL;
  for (int i = 0; (e = each(r, kind, &i));) l = e;
  return l;
}

static void print_json(const rows *r, const char *policy, long long now) {
  printf("{\n  \"policy\": ");
  cli_json_str(stdout, policy);
  printf(",\n  \"now\": %lld,\n  \"contact\": ", now);
  json_object(last(r, LR_EX_CONTACT), CONTACT);
  json_list(r, LR_EX_MANUAL, "manual", MANUAL);
  json_list(r, LR_EX_SEGMENT, "segments", SEGMENT);
  json_list(r, LR_EX_RULE, "rules", RULE);
  json_list(r, LR_EX_GROUP, "scores", GROUP);
  json_list(r, LR_EX_TRANSITION, "transitions", TRANSITION);
  printf(",\n  \"next\": ");
  json_object(last(r, LR_EX_NEXT), NEXT);
  printf(",\n  \"handoff\": ");
  json_object(last(r, LR_EX_HANDOFF), HANDOFF);
  printf(",\n  \"stable\": ");
  json_object(last(r, LR_EX_STABLE), STABLE);
  json_list(r, LR_EX_ERROR, "errors", ERROR);
  printf("\n}\n");
}

int cmd_explain(cli *c, int argc, char **argv) {
  const char *key = NULL, *path = NULL, *now_s = NULL;
  int json = 0, account = 0;
  lr_policy_opts po = LR_POLICY_OPTS_INIT;
  const char **pos[] = { &key, &path };
  const cli_optv opts[] = { CLI_OPT_NOW(now_s), { NULL } };
  const cli_flagv flags[] = {
    { "--json", &json, 0 },
    { "--allow-local-modules", &po.allow_local_modules, 0 },
    { "--account", &account, 0 },
    { NULL },
  };
  const cli_spec spec = { "explain", opts, flags, 2, pos, 2,
                          "unexpected argument '%s'",
                          "usage: leadrules explain KEY POLICY.lua "
                          "[--now T] [--json]" };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  /* POLICY.lua KEY works too: the policy is the one that names a .lua */
  size_t kl = strlen(key), pl = strlen(path);
  if (kl > 4 && strcmp(key + kl - 4, ".lua") == 0 &&
      !(pl > 4 && strcmp(path + pl - 4, ".lua") == 0)) {
    const char *t = key;
    key = path;
    path = t;
  }
  if (!account && cli_check_key(c, "explain", key) != CLI_OK)
    return CLI_USAGE;
  long long now = cli_parse_now(c, now_s);
  if (now < 0) return CLI_USAGE;
  if (!now) now = (long long)time(NULL);
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  if (account) return cmd_explain_account(c, db, key, path, now, json, &po);
  lr_policy *p = NULL;
  int rc = lr_policy_load_v2(db, path, &po, &p);
  if (rc != LR_OK) return cli_fail(c, rc);
  rows r = {0};
  rc = lr_explain_v2(p, key, now, collect, &r);
  if (r.n) {
    char when[32];
    cli_iso(now, when, sizeof when);
    if (json) print_json(&r, path, now);
    else print_text(&r, path, when);
  }
  int st = CLI_OK;
  if (rc != LR_OK) st = cli_fail(c, rc);
  free_rows(&r);
  lr_policy_free(p);
  return st;
}
