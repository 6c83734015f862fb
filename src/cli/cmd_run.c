/*
** cmd_run.c -- leadrules run POLICY.lua: apply a policy, print a summary.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

typedef struct diff_ctx {
  int json;
  long long shown, limit, total;
  FILE *out;
} diff_ctx;

static int on_change(void *ctx, const lr_change *c) {
  diff_ctx *d = ctx;
  d->total++;
  if (d->limit && d->shown >= d->limit) return 0;
  d->shown++;
  if (d->json) {
    fprintf(d->out, "%s\n    {\"key\": ", d->shown > 1 ? "," : "");
    cli_json_str(d->out, c->key);
    fprintf(d->out, ", \"old_score\": ");
    cli_json_num(d->out, c->old_score);
    fprintf(d->out, ", \"new_score\": ");
    cli_json_num(d->out, c->new_score);
    fprintf(d->out, ", \"old_stage\": ");
    cli_json_str(d->out, c->old_stage);
    fprintf(d->out, ", \"new_stage\": ");
    cli_json_str(d->out, c->new_stage);
    fputc('}', d->out);
    return 0;
  }
  if (d->shown == 1 && d->limit)       /* a heading only above changes */
    fprintf(d->out, "changes (first %lld):\n", d->limit);
  else if (d->shown == 1)
    fprintf(d->out, "changes:\n");
  fprintf(d->out, "  %-36s score %g -> %g (%+g)", c->key, c->old_score,
          c->new_score, c->new_score - c->old_score);
  if ((c->old_stage == NULL) != (c->new_stage == NULL) ||
      (c->old_stage && strcmp(c->old_stage, c->new_stage)))
    fprintf(d->out, ", stage %s -> %s", c->old_stage ? c->old_stage : "(none)",
            c->new_stage ? c->new_stage : "(none)");
  fputc('\n', d->out);
  return 0;
}

typedef struct run_out {
  int changed;                        /* --changed: say the scope */
} run_out;

/* Accounts (printed only when the policy has some): the counts, and in a
** dry run the account moves and handoffs it would make. */
static void print_accounts_text(const lr_run_result *r, int dry) {
  long long sc, mv, ho, n = lr_run_accounts(r, &sc, &mv, &ho);
  if (!n) return;
  printf("accounts   %lld evaluated, %lld score changes, %lld moves, %lld "
         "handoffs\n", n, sc, mv, ho);
  if (!dry) return;
  for (long long i = 0; i < lr_run_account_move_count(r); i++) {
    const lr_move *m = lr_run_account_move(r, i);
    printf("  %-36s %s -> %s (%s)\n", m->key, m->from ? m->from : "(none)",
           m->to, m->reason);
  }
  for (long long i = 0; i < lr_run_account_handoff_count(r); i++) {
    const lr_handoff *h = lr_run_account_handoff(r, i);
    printf("  %-36s handed to %s (%s)\n", h->key, h->owner, h->stage);
  }
}

static void print_move(const lr_move *m);
static void print_handoff(const lr_handoff *h);

static void print_accounts_json(const lr_run_result *r) {
  long long sc, mv, ho, n = lr_run_accounts(r, &sc, &mv, &ho);
  if (!n) return;
  printf("  \"accounts\": {\"evaluated\": %lld, \"score_changes\": %lld, "
         "\"moves\": %lld, \"handoffs\": %lld},\n  \"account_move_list\": [",
         n, sc, mv, ho);
  for (long long i = 0; i < lr_run_account_move_count(r); i++) {
    printf("%s\n    ", i ? "," : "");
    print_move(lr_run_account_move(r, i));
  }
  printf("],\n  \"account_handoff_list\": [");
  for (long long i = 0; i < lr_run_account_handoff_count(r); i++) {
    printf("%s\n    ", i ? "," : "");
    print_handoff(lr_run_account_handoff(r, i));
  }
  printf("],\n");
}

static void print_text(const run_out *c, const char *path, lr_policy *p,
                       const lr_run_result *r, int dry) {
  char when[32];
  cli_iso(r->now, when, sizeof when);
  int none = !r->score_changes && !r->stage_changes && !r->moves &&
             !r->handoffs;
  printf("%s %s (sha256 %.12s)%s%s\n", dry ? "dry run of" : "ran", path,
         lr_policy_hash(p), dry ? ": nothing was written" : "",
         none ? (dry ? "; nothing would change" : ": nothing changed") : "");
  printf("now        %s\n", when);
  const char *why;
  if (c->changed && lr_run_full_reason(r, &why))
    printf("scope      every contact: %s\n", why);
  else if (c->changed)
    printf("scope      changed: contacts whose data changed or whose "
           "stable_until came\n");
  printf("contacts   %lld evaluated, %lld score changes, %lld stage changes\n",
         r->evaluated, r->score_changes, r->stage_changes);
  printf("moves      %lld\n", r->moves);
  for (int i = 0; i < r->n_by_transition; i++)
    printf("  %-30s %lld\n", r->by_transition[i].name, r->by_transition[i].n);
  long long held = lr_run_held_by_manual(r);
  printf("held       %lld transition%s held back by manual moves%s\n",
         held, held == 1 ? "" : "s",
         held ? " (explain KEY says which; run "
         "--override-manual applies them)" : "");
  printf("handoffs   %lld\n", r->handoffs);
  for (int i = 0; i < r->n_by_owner; i++)
    printf("  %-30s %lld\n", r->by_owner[i].name, r->by_owner[i].n);
  print_accounts_text(r, dry);
  printf("errors     %lld\n", r->errors);
  for (long long i = 0; i < r->n_error_list; i++)
    printf("  %s\n", r->error_list[i]);
  if (!dry) printf("run        #%lld, %lld rows written\n", r->run_id, r->rows_written);
  printf("time       %.2f s\n", r->seconds);
}

/* One move or handoff as a JSON object (contacts' and accounts' alike). */
static void print_move(const lr_move *m) {
  printf("{\"key\": ");
  cli_json_str(stdout, m->key);
  printf(", \"from\": ");
  cli_json_str(stdout, m->from);
  printf(", \"to\": ");
  cli_json_str(stdout, m->to);
  printf(", \"transition\": ");
  cli_json_str(stdout, m->transition);
  printf(", \"reason\": ");
  cli_json_str(stdout, m->reason);
  putchar('}');
}

static void print_handoff(const lr_handoff *h) {
  char at[32], due[32];
  cli_iso(h->at, at, sizeof at);
  cli_iso(h->due, due, sizeof due);
  printf("{\"key\": ");
  cli_json_str(stdout, h->key);
  printf(", \"stage\": ");
  cli_json_str(stdout, h->stage);
  printf(", \"owner\": ");
  cli_json_str(stdout, h->owner);
  printf(", \"assigned_at\": \"%s\", \"due_at\": ", at);
  if (h->due) printf("\"%s\"}", due);
  else printf("null}");
}

/* The moves and handoffs made, as collected (the first --limit of each;
** the counts above are whole). */
static void print_lists(const lr_run_result *r) {
  long long n = lr_run_move_count(r);
  printf("  \"move_list\": [");
  for (long long i = 0; i < n; i++) {
    printf("%s\n    ", i ? "," : "");
    print_move(lr_run_move(r, i));
  }
  printf("%s],\n  \"moves_listed\": %lld,\n  \"handoff_list\": [",
         n ? "\n  " : "", n);
  n = lr_run_handoff_count(r);
  for (long long i = 0; i < n; i++) {
    printf("%s\n    ", i ? "," : "");
    print_handoff(lr_run_handoff(r, i));
  }
  printf("%s],\n  \"handoffs_listed\": %lld,\n", n ? "\n  " : "", n);
}

static void print_json(const char *path, lr_policy *p, const lr_run_result *r,
                       int dry, int changed) {
  printf("  \"policy\": ");
  cli_json_str(stdout, path);
  printf(",\n  \"policy_hash\": \"%s\",\n  \"dry_run\": %s,\n  \"now\": %lld,\n",
         lr_policy_hash(p), dry ? "true" : "false", r->now);
  printf("  \"run_id\": %lld,\n  \"evaluated\": %lld,\n  \"score_changes\": %lld,\n"
         "  \"stage_changes\": %lld,\n  \"moves\": %lld,\n  \"handoffs\": %lld,\n"
         "  \"errors\": %lld,\n  \"rows_written\": %lld,\n  \"seconds\": %.3f,\n"
         "  \"held_by_manual\": %lld,\n",
         r->run_id, r->evaluated, r->score_changes, r->stage_changes, r->moves,
         r->handoffs, r->errors, r->rows_written, r->seconds,
         lr_run_held_by_manual(r));
  const char *why;
  if (changed) {
    printf("  \"full_reason\": %d,\n  \"full_reason_text\": ",
           lr_run_full_reason(r, &why));
    cli_json_str(stdout, why);
    printf(",\n");
  }
  printf("  \"by_transition\": {");
  for (int i = 0; i < r->n_by_transition; i++) {
    printf("%s", i ? ", " : "");
    cli_json_str(stdout, r->by_transition[i].name);
    printf(": %lld", r->by_transition[i].n);
  }
  printf("},\n  \"by_owner\": {");
  for (int i = 0; i < r->n_by_owner; i++) {
    printf("%s", i ? ", " : "");
    cli_json_str(stdout, r->by_owner[i].name);
    printf(": %lld", r->by_owner[i].n);
  }
  printf("},\n");
  print_lists(r);
  print_accounts_json(r);
  printf("  \"error_list\": [");
  for (long long i = 0; i < r->n_error_list; i++) {
    printf("%s", i ? ", " : "");
    cli_json_str(stdout, r->error_list[i]);
  }
  printf("]\n}\n");
}

int cmd_run(cli *c, int argc, char **argv) {
  const char *path = NULL, *now_s = NULL, *jobs = NULL, *limit_s = NULL;
  lr_run_opts o = LR_RUN_OPTS_INIT;
  lr_policy_opts po = LR_POLICY_OPTS_INIT;
  int json = 0;
  const cli_optv opts[] = {
    CLI_OPT_NOW(now_s),
    CLI_OPT_JOBS(jobs),
    { "--limit", &limit_s, "a number of changes (a whole number >= 0; 0: "
      "all)", 0, cli_ok_limit },
    { NULL },
  };
  const cli_flagv flags[] = {
    { "--dry-run", &o.dry_run, 0 }, { "--json", &json, 0 },
    { "--keep-going", &o.keep_going, 0 },
    { "--override-manual", &o.override_manual, 0 },
    { "--allow-local-modules", &po.allow_local_modules, 0 },
    { "--changed", &o.changed, 0 }, { "--no-outbox", &o.no_outbox, 0 },
    { NULL },
  };
  const char **pos[] = { &path };
  const cli_spec spec = { "run", opts, flags, 1, pos, 1,
                          "unexpected argument '%s'",
                          "which policy? (leadrules run POLICY.lua)" };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  if (jobs) o.jobs = (int)cli_int(jobs);
  long long limit = limit_s ? cli_int(limit_s) : 50;
  o.now = cli_parse_now(c, now_s);
  if (o.now < 0) return CLI_USAGE;
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  lr_policy *p = NULL;
  int rc = lr_policy_load_v2(db, path, &po, &p);
  if (rc != LR_OK) return cli_fail(c, rc);
  diff_ctx d = {json, 0, limit, 0, stdout};
  if (o.dry_run) {
    o.on_change = on_change;
    o.change_ctx = &d;
    if (json) printf("{\n  \"changes\": [");
  } else if (json) {
    printf("{\n");
  }
  if (json || o.dry_run) {            /* listed, bounded */
    o.collect = 1;
    o.collect_max = limit;
  }
  o.progress = cli_progress;
  o.cancel = &cli_interrupted;
  lr_run_result r;
  rc = lr_run(p, &o, &r);
  if (rc != LR_OK) {
    if (json) printf("%s\n}\n", o.dry_run ? "]" : "");
    int st = cli_fail(c, rc);
    /* One contact's failing rule stopped the run ("FILE:LINE: contact
    ** KEY: ...", leadrules.h): say what else the user can do. */
    if ((rc == LR_POLICY || rc == LR_LIMIT) && !o.keep_going &&
        strstr(lr_errmsg(db), ": contact "))
      fprintf(stderr, "%s: nothing was changed; --keep-going runs the other "
              "contacts and lists the ones that fail\n", c->progname);
    lr_run_result_free(&r);
    lr_policy_free(p);
    return st;
  }
  if (o.dry_run && json) printf("\n  ],\n  \"changes_total\": %lld,\n", d.total);
  else if (o.dry_run && d.total > d.shown)
    printf("  ... and %lld more\n", d.total - d.shown);
  run_out out = { o.changed };
  if (json) print_json(path, p, &r, o.dry_run, o.changed);
  else print_text(&out, path, p, &r, o.dry_run);
  lr_run_result_free(&r);
  lr_policy_free(p);
  return CLI_OK;
}
