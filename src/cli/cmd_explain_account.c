/*
** cmd_explain_account.c -- leadrules explain --account KEY POLICY.lua:
** an account's contacts (their results under the policy), its rules, its
** groups and grade, the transitions tried and the handoff.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

typedef struct out {
  int json, n[16];
} out;

static void text_item(const lr_explain_item *e) {
  switch (e->kind) {
    case LR_EX_CONTACT:
      printf("account %s\n  stored: score %g, stage %s, owner %s\n", e->name,
             e->points, e->detail ? e->detail : "(none)",
             e->note ? e->note : "(none)");
      break;
    case LR_EX_MEMBER:
      printf("  contact %-36s score %-6g stage %s%s%s\n", e->name, e->points,
             e->detail ? e->detail : "(none)", e->group ? ", grade " : "",
             e->group ? e->group : "");
      break;
    case LR_EX_RULE:
      printf("  %s %-28s %+g%s%s%s\n", e->fired ? "fired" : "     ", e->name,
             e->points, e->detail ? "   (" : "", e->detail ? e->detail : "",
             e->detail ? ")" : "");
      break;
    case LR_EX_GROUP:
      printf("  %-34s %g%s%s\n", e->name, e->points,
             e->detail ? "   grade " : "", e->detail ? e->detail : "");
      break;
    case LR_EX_TRANSITION:
      printf("  %s %s (%s)%s%s%s\n", e->fired ? "moved" : "stays", e->name,
             e->where ? e->where : "", e->detail ? ": " : "",
             e->detail ? e->detail : "", "");
      break;
    case LR_EX_HANDOFF:
      printf("handoff\n  %s: %s (%s)\n", e->name, e->detail ? e->detail
             : "nobody", e->note ? e->note : "");
      break;
  }
}

static const char *HEAD[] = { [LR_EX_MEMBER] = "contacts (this evaluation)",
  [LR_EX_RULE] = "account rules", [LR_EX_GROUP] = "scores",
  [LR_EX_TRANSITION] = "account transitions" };

static int on_item(void *ctx, const lr_explain_item *e) {
  out *o = ctx;
  int first = e->kind < 16 && o->n[e->kind]++ == 0;
  if (o->json) {
    int any = 0;
    for (int i = 0; i < 16; i++) any += o->n[i];
    printf("%s\n  {\"kind\": %d, \"name\": ", any > 1 ? "," : "", e->kind);
    cli_json_str(stdout, e->name);
    printf(", \"group\": ");
    cli_json_str(stdout, e->group);
    printf(", \"points\": ");
    cli_json_num(stdout, e->points);
    printf(", \"fired\": %s, \"detail\": ", e->fired ? "true" : "false");
    cli_json_str(stdout, e->detail);
    printf(", \"where\": ");
    cli_json_str(stdout, e->where);
    printf(", \"note\": ");
    cli_json_str(stdout, e->note);
    putchar('}');
    return 0;
  }
  if (first && e->kind < 16 && HEAD[e->kind]) printf("%s\n", HEAD[e->kind]);
  text_item(e);
  return 0;
}

int cmd_explain_account(cli *c, lr_db *db, const char *key, const char *path,
                        long long now, int json,
                        const lr_policy_opts *po) {
  lr_policy *p = NULL;
  int rc = lr_policy_load_v2(db, path, po, &p);
  if (rc != LR_OK) return cli_fail(c, rc);
  out o;
  memset(&o, 0, sizeof o);
  o.json = json;
  if (json) {
    printf("{\"policy\": ");
    cli_json_str(stdout, path);
    printf(", \"now\": %lld, \"items\": [", now);
  }
  rc = lr_explain_account(p, key, now, on_item, &o);
  if (json) printf("\n]}\n");
  int st = rc == LR_OK ? CLI_OK : cli_fail(c, rc);
  lr_policy_free(p);
  return st;
}
