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
    } else if (cli_flag(argv[i], "--help") || cli_flag(argv[i], "-h")) {
      puts("usage: leadrules info [--json]\n"
           "  contacts, activities, outcomes, fields (type, original "
           "header),\n  key field, recent imports and the last run");
      return CLI_OK;
    } else {
      return cli_usage(c, "info", "unexpected argument '%s'", argv[i]);
    }
  }
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  int rc = lr_info(db, format, cli_write_file, stdout);
  return rc == LR_OK ? CLI_OK : cli_fail(c, rc);
}
