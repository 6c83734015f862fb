/*
** cmd_test.c -- leadrules test FILE_test.lua...: policy unit tests.  No
** database is used (lr_test works on its own in-memory one).
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_test(cli *c, int argc, char **argv) {
  int files = 0, status = CLI_OK, allow_local = 0;
  for (int i = 1; i < argc; i++) {
    if (cli_flag(argv[i], "--allow-local-modules")) allow_local = 1;
    else if (argv[i][0] == '-' && argv[i][1])
      return cli_unknown_option(c, "test", argv[i]);
    else files++;
  }
  if (!files) return cli_usage(c, "test", "give a test file (POLICY_test.lua)");
  lr_db *mem = NULL;
  int rc = lr_open(":memory:", &mem);
  if (rc != LR_OK) {
    cli_error(c, "%s", lr_errmsg(mem));
    lr_close(mem);
    return CLI_ERR;
  }
  lr_policy_opts po = LR_POLICY_OPTS_INIT;
  po.allow_local_modules = allow_local;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-' && argv[i][1]) continue;
    if (files > 1) printf("# %s\n", argv[i]);
    int passed = 0, failed = 0;
    rc = lr_test(mem, argv[i], &po, cli_write_file, stdout, &passed, &failed);
    fflush(stdout);
    if (rc == LR_TESTFAIL) {
      status = CLI_ERR;
    } else if (rc != LR_OK) {
      fprintf(stderr, "%s: %s\n", c->progname, lr_errmsg(mem));
      status = rc == LR_INTERRUPT ? cli_interrupt_status() : CLI_ERR;
      if (rc == LR_INTERRUPT) break;
    }
  }
  lr_close(mem);
  return status;
}
