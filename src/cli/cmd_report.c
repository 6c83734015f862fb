/*
** cmd_report.c -- leadrules report: funnel, conversion, time in stage,
** handoffs and SLA, outcomes; overall and split by a dimension.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cmd_report(cli *c, int argc, char **argv) {
  const char *now_text = NULL, *since_text = NULL, *html = NULL, *policy = NULL;
  lr_report_opts o = LR_REPORT_OPTS_INIT;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    if (cli_opt(argc, argv, &i, "--by", &v)) {
      if (!v || !*v)
        return cli_usage(c, "report", "--by needs segment, source, owner, stage or a FIELD");
      o.by = v;
    } else if (cli_opt(argc, argv, &i, "--since", &v)) {
      if (!v) return cli_usage(c, "report", "--since needs a time");
      since_text = v;
    } else if (cli_opt(argc, argv, &i, "--now", &v)) {
      if (!v) return cli_usage(c, "report", "--now needs a time");
      now_text = v;
    } else if (cli_opt(argc, argv, &i, "--policy", &v)) {
      if (!v || !*v) return cli_usage(c, "report", "--policy needs a FILE");
      policy = v;
    } else if (cli_opt(argc, argv, &i, "--html", &v)) {
      if (!v || !*v) return cli_usage(c, "report", "--html needs a FILE");
      html = v;
    } else if (cli_flag(argv[i], "--json")) {
      o.format = LR_FMT_JSON;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return cli_usage(c, "report", "unknown option '%s'", argv[i]);
    } else {
      return cli_usage(c, "report", "unexpected argument '%s'", argv[i]);
    }
  }
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
    o.since = (o.now ? o.now : (long long)time(NULL)) - ago;
  }
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  lr_policy *p = NULL;
  if (policy) {
    int rc = lr_policy_load(db, policy, &p);
    if (rc != LR_OK) return cli_fail(c, rc);
    o.policy = p;
  }
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
  int rc = lr_report(db, &o, cli_write_file, stdout);
  int status = rc == LR_OK ? CLI_OK : cli_fail(c, rc);
  lr_policy_free(p);
  if (hf && fclose(hf) != 0 && status == CLI_OK)
    status = cli_error(c, "%s: cannot write: %s", html, strerror(errno));
  if (hf && status != CLI_OK) remove(html);
  if (html && status == CLI_OK)
    fprintf(o.format == LR_FMT_JSON ? stderr : stdout, "HTML report: %s\n", html);
  return status;
}
