/*
** cmd_diff.c -- leadrules diff OLD.lua NEW.lua: what a policy change would
** do to the contacts, without writing.
*/
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_diff(cli *c, int argc, char **argv) {
  const char *paths[2] = {NULL, NULL}, *now_text = NULL;
  int npaths = 0;
  lr_diff_opts o = LR_DIFF_OPTS_INIT;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    if (cli_opt(argc, argv, &i, "--now", &v)) {
      if (!v) return cli_usage(c, "diff", "--now needs a time");
      now_text = v;
    } else if (cli_opt(argc, argv, &i, "--top", &v)) {
      char *end = NULL;
      long n = v ? strtol(v, &end, 10) : 0;
      if (!v || *end || n <= 0 || n > 100000)
        return cli_usage(c, "diff", "--top needs a number of contacts");
      o.top = (int)n;
    } else if (cli_opt(argc, argv, &i, "--jobs", &v)) {
      if (!v || atoi(v) <= 0)
        return cli_usage(c, "diff", "--jobs needs a number of threads");
      o.jobs = atoi(v);
    } else if (cli_flag(argv[i], "--json")) {
      o.format = LR_FMT_JSON;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return cli_usage(c, "diff", "unknown option '%s'", argv[i]);
    } else if (npaths < 2) {
      paths[npaths++] = argv[i];
    } else {
      return cli_usage(c, "diff", "give two policies: OLD.lua NEW.lua");
    }
  }
  if (npaths != 2) return cli_usage(c, "diff", "give two policies: OLD.lua NEW.lua");
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
    rc = lr_diff(po, pn, &o, cli_write_file, stdout);
  }
  int status = rc == LR_OK ? CLI_OK : cli_fail(c, rc);
  lr_policy_free(pn);
  lr_policy_free(po);
  return status;
}
