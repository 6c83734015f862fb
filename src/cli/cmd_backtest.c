/*
** cmd_backtest.c -- leadrules backtest POLICY.lua: score every contact
** without writing and measure the scores against outcomes.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_backtest(cli *c, int argc, char **argv) {
  const char *path = NULL, *now_text = NULL, *html = NULL;
  lr_backtest_opts o = LR_BACKTEST_OPTS_INIT;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    if (cli_opt(argc, argv, &i, "--outcome", &v)) {
      if (!v || !*v) return cli_usage(c, "backtest", "--outcome needs a COLUMN");
      o.outcome = v;
    } else if (cli_opt(argc, argv, &i, "--now", &v)) {
      if (!v) return cli_usage(c, "backtest", "--now needs a time");
      now_text = v;
    } else if (cli_opt(argc, argv, &i, "--capacity", &v)) {
      char *end = NULL;
      long long n = v ? strtoll(v, &end, 10) : 0;
      if (!v || *end || n <= 0)
        return cli_usage(c, "backtest", "--capacity needs a number of calls");
      o.capacity = n;
    } else if (cli_opt(argc, argv, &i, "--jobs", &v)) {
      if (!v || atoi(v) <= 0)
        return cli_usage(c, "backtest", "--jobs needs a number of threads");
      o.jobs = atoi(v);
    } else if (cli_opt(argc, argv, &i, "--html", &v)) {
      if (!v || !*v) return cli_usage(c, "backtest", "--html needs a FILE");
      html = v;
    } else if (cli_flag(argv[i], "--json")) {
      o.format = LR_FMT_JSON;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return cli_usage(c, "backtest", "unknown option '%s'", argv[i]);
    } else if (!path) {
      path = argv[i];
    } else {
      return cli_usage(c, "backtest", "one policy at a time");
    }
  }
  if (!path) return cli_usage(c, "backtest", "which policy?");
  o.now = cli_parse_now(c, now_text);
  if (o.now < 0) return CLI_USAGE;
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  lr_policy *p = NULL;
  int rc = lr_policy_load(db, path, &p);
  if (rc != LR_OK) return cli_fail(c, rc);
  FILE *hf = NULL;
  if (html) {
    hf = fopen(html, "w");
    if (!hf) {
      lr_policy_free(p);
      return cli_error(c, "%s: cannot write: %s", html, strerror(errno));
    }
    o.html_write = cli_write_file;
    o.html_ctx = hf;
  }
  o.progress = cli_progress;
  o.cancel = &cli_interrupted;
  rc = lr_backtest(p, &o, cli_write_file, stdout, NULL);
  lr_policy_free(p);
  if (hf && fclose(hf) != 0 && rc == LR_OK) {
    remove(html);
    return cli_error(c, "%s: cannot write: %s", html, strerror(errno));
  }
  if (rc != LR_OK) {
    if (hf) remove(html);
    return cli_fail(c, rc);
  }
  if (html) fprintf(o.format == LR_FMT_JSON ? stderr : stdout,
                    "HTML report: %s\n", html);
  return CLI_OK;
}
