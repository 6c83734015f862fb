/*
** cmd_info.c -- leadrules info [--json]: what the database holds.
*/
#include <stdio.h>

#include "cli.h"

int cmd_info(cli *c, int argc, char **argv) {
  int format = LR_FMT_TEXT;
  for (int i = 1; i < argc; i++) {
    if (cli_flag(argv[i], "--json")) {
      format = LR_FMT_JSON;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return cli_unknown_option(c, "info", argv[i]);
    } else {
      return cli_usage(c, "info", "unexpected argument '%s'", argv[i]);
    }
  }
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  int rc = lr_info(db, format, cli_write_file, stdout);
  return rc == LR_OK ? CLI_OK : cli_fail(c, rc);
}
