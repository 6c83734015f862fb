/*
** cmd_backtest.c -- leadrules backtest POLICY.lua: score every contact
** without writing and measure the scores against outcomes.
*/
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_backtest(cli *c, int argc, char **argv) {
  const char *path = NULL, *now_text = NULL, *html = NULL;
  const char *capacity = NULL, *jobs = NULL;
  lr_backtest_opts o = LR_BACKTEST_OPTS_INIT;
  int json = 0;
  const cli_optv opts[] = {
    { "--outcome", &o.outcome, "a COLUMN", 1, NULL },
    CLI_OPT_NOW(now_text),
    { "--capacity", &capacity, "a number of calls (a whole number >= 1)", 0,
      cli_ok_count },
    CLI_OPT_JOBS(jobs),
    CLI_OPT_HTML(html), { NULL },
  };
  int accounts = 0;
  const cli_flagv flags[] = { { "--json", &json, 0 },
                              { "--accounts", &accounts, 0 }, { NULL } };
  const char **pos[] = { &path };
  const cli_spec spec = { "backtest", opts, flags, 1, pos, 1,
                          "one policy at a time", "which policy?" };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  if (json) o.format = LR_FMT_JSON;
  if (capacity) o.capacity = cli_int(capacity);
  if (jobs) o.jobs = (int)cli_int(jobs);
  o.now = cli_parse_now(c, now_text);
  if (o.now < 0) return CLI_USAGE;
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  const char *inputs[] = { path };
  int status = cli_html_open(c, db, html, inputs, 1, &o.html_write,
                             &o.html_ctx);
  if (status != CLI_OK) return status;
  lr_policy *p = NULL;
  int rc = lr_policy_load(db, path, &p);
  if (rc != LR_OK)
    return cli_html_close(c, html, o.html_ctx, cli_fail(c, rc), 0);
  o.progress = cli_progress;
  o.cancel = &cli_interrupted;
  rc = accounts ? lr_backtest_accounts(p, &o, cli_write_file, stdout, NULL)
                : lr_backtest(p, &o, cli_write_file, stdout, NULL);
  lr_policy_free(p);
  status = rc == LR_OK ? CLI_OK : cli_fail(c, rc);
  return cli_html_close(c, html, o.html_ctx, status, o.format == LR_FMT_JSON);
}
