/*
** cmd_check.c -- leadrules check POLICY.lua: static and data-aware checks.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* "file:LINE: message" -> "file:LINE: error: message", so that a policy
** that does not load reads like any other finding. */
static void print_load_error(const char *path, const char *msg) {
  const char *p = msg;
  while ((p = strchr(p, ':')) != NULL) {
    const char *d = p + 1;
    if (isdigit((unsigned char)*d)) {
      while (isdigit((unsigned char)*d)) d++;
      if (d[0] == ':' && d[1] == ' ') {
        printf("%.*s error: %s\n", (int)(d + 1 - msg), msg, d + 2);
        return;
      }
    }
    p++;
  }
  printf("%s: error: %s\n", path, msg);
}

int cmd_check(cli *c, int argc, char **argv) {
  const char *path = NULL, *now_text = NULL, *sample = NULL;
  int all = 0;
  const cli_optv opts[] = {
    CLI_OPT_NOW(now_text),
    { "--sample", &sample, "a number of contacts (a whole number >= 1)", 0,
      cli_ok_count },
    { NULL },
  };
  const cli_flagv flags[] = { { "--all", &all, 0 }, { NULL } };
  const char **pos[] = { &path };
  const cli_spec spec = { "check", opts, flags, 1, pos, 1,
                          "one policy at a time",
                          "give the policy to check" };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  lr_check_opts o = LR_CHECK_OPTS_INIT;
  o.now = cli_parse_now(c, now_text);
  if (o.now < 0) return CLI_USAGE;
  if (sample) o.sample = cli_int(sample);
  if (all) o.sample = -1;
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  lr_policy *p = NULL;
  int rc = lr_policy_load(db, path, &p);
  if (rc != LR_OK) {
    if (rc != LR_POLICY && rc != LR_LIMIT) return cli_fail(c, rc);
    /* every load error, not just the first */
    int n = 0;
    if (lr_policy_errors(db, path, cli_write_file, stdout, &n) != LR_OK ||
        n == 0) {
      print_load_error(path, lr_errmsg(db));
      n = 1;
    }
    printf("%d error%s, 0 warnings\n", n, n == 1 ? "" : "s");
    return CLI_ERR;
  }
  int errors = 0, warnings = 0;
  rc = lr_check_v2(p, &o, cli_write_file, stdout, &errors, &warnings);
  lr_policy_free(p);
  if (rc != LR_OK) return cli_fail(c, rc);
  return errors ? CLI_ERR : CLI_OK;
}
