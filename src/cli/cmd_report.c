/*
** cmd_report.c -- leadrules report: funnel, conversion, time in stage,
** handoffs and SLA, outcomes; overall and split by a dimension.
*/
#include <stdio.h>

#include "cli.h"

int cmd_report(cli *c, int argc, char **argv) {
  const char *now_text = NULL, *since_text = NULL, *html = NULL, *policy = NULL;
  lr_report_opts o = LR_REPORT_OPTS_INIT;
  int json = 0;
  const cli_optv opts[] = {
    { "--by", &o.by, "segment, source, owner, stage or a FIELD", 1, NULL },
    { "--since", &since_text, "a time", 0, NULL },
    CLI_OPT_NOW(now_text),
    { "--policy", &policy, "a FILE", 1, NULL },
    CLI_OPT_HTML(html),
    { "--currency", &o.currency, "a currency code such as EUR", 1, NULL },
    { NULL },
  };
  const cli_flagv flags[] = { { "--json", &json, 0 },
                              { "--tables", &o.tables, 0 }, { NULL } };
  const cli_spec spec = { "report", opts, flags, 1, NULL, 0,
                          "unexpected argument '%s'", NULL };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  if (json) o.format = LR_FMT_JSON;
  o.now = cli_parse_now(c, now_text);
  if (o.now < 0) return CLI_USAGE;
  if (since_text && lr_parse_time(since_text, &o.since) != LR_OK) {
    long long ago;
    if (lr_parse_duration(since_text, &ago) != LR_OK) {
      cli_error(c, "--since: cannot read '%s' as a date or a duration (use "
                "2026-10-01, unix seconds, or 30d for the last 30 days)",
                since_text);
      return CLI_USAGE;
    }
    o.since_ago = ago > 0 ? ago : 1;      /* counted back from the clock */
  }
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  const char *inputs[] = { policy };
  int status = cli_html_open(c, db, html, inputs, 1, &o.html_write,
                             &o.html_ctx);
  if (status != CLI_OK) return status;
  lr_policy *p = NULL;
  int rc = policy ? lr_policy_load(db, policy, &p) : LR_OK;
  o.policy = p;
  if (rc == LR_OK) rc = lr_report(db, &o, cli_write_file, stdout);
  status = rc == LR_OK ? CLI_OK : cli_fail(c, rc);
  lr_policy_free(p);
  return cli_html_close(c, html, o.html_ctx, status, o.format == LR_FMT_JSON);
}
