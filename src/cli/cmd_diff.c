/*
** cmd_diff.c -- leadrules diff OLD.lua NEW.lua: what a policy change would
** do to the contacts, without writing.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int ok_top(const char *v) {
  long long n;
  return cli_parse_int(v, 1, 100000, &n);
}

static int ok_list(const char *v) {
  long long n;
  return strcmp(v, "all") == 0 || cli_parse_int(v, 1, 100000000, &n);
}

int cmd_diff(cli *c, int argc, char **argv) {
  const char *paths[2] = {NULL, NULL}, *now_text = NULL;
  const char *top = NULL, *jobs = NULL, *list = NULL;
  lr_diff_opts o = LR_DIFF_OPTS_INIT;
  int json = 0;
  const cli_optv opts[] = {
    CLI_OPT_NOW(now_text),
    { "--top", &top, "a number of contacts from 1 to 100000", 0, ok_top },
    { "--stage-changes", &list, "a number of contacts, or all", 0, ok_list },
    CLI_OPT_JOBS(jobs), { NULL },
  };
  int accounts = 0;
  const cli_flagv flags[] = { { "--json", &json, 0 },
                              { "--accounts", &accounts, 0 }, { NULL } };
  const char **pos[] = { &paths[0], &paths[1] };
  const cli_spec spec = { "diff", opts, flags, 1, pos, 2,
                          "give two policies: OLD.lua NEW.lua",
                          "give two policies: OLD.lua NEW.lua" };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  if (json) o.format = LR_FMT_JSON;
  if (top) o.top = (int)cli_int(top);
  if (jobs) o.jobs = (int)cli_int(jobs);
  if (list) o.stage_list = strcmp(list, "all") == 0 ? -1 : cli_int(list);
  o.now = cli_parse_now(c, now_text);
  if (o.now < 0) return CLI_USAGE;
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  lr_policy *po = NULL, *pn = NULL;
  int rc = lr_policy_load(db, paths[0], &po);
  if (rc == LR_OK) rc = lr_policy_load(db, paths[1], &pn);
  if (rc == LR_OK) {
    o.progress = cli_progress;
    o.cancel = &cli_interrupted;
    rc = accounts ? lr_diff_accounts(po, pn, &o, cli_write_file, stdout)
                  : lr_diff(po, pn, &o, cli_write_file, stdout);
  }
  int status = rc == LR_OK ? CLI_OK : cli_fail(c, rc);
  lr_policy_free(pn);
  lr_policy_free(po);
  return status;
}
