/*
** cmd_export.c -- leadrules export [--stage S] [--segment X] [--fields a,b]
**                 [--json] [--raw] [--field-names]
*/
#include <stdio.h>

#include "cli.h"

static const char USAGE[] =
  "usage: leadrules export [options] > contacts.csv\n"
  "  --stage S         only contacts in stage S\n"
  "  --segment X       only members of segment X (as of the last run)\n"
  "  --fields a,b,c    these fields, in this order (names or headers)\n"
  "  --json            a JSON array of objects instead of CSV\n"
  "  --raw             do not neutralise formula-like text cells\n"
  "  --field-names     header row uses field names, not original headers\n";

int cmd_export(cli *c, int argc, char **argv) {
  lr_export_opts o = LR_EXPORT_OPTS_INIT;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    if (cli_flag(argv[i], "--help") || cli_flag(argv[i], "-h")) {
      fputs(USAGE, stdout);
      return CLI_OK;
    } else if (cli_flag(argv[i], "--json")) {
      o.json = 1;
    } else if (cli_flag(argv[i], "--raw")) {
      o.raw = 1;
    } else if (cli_flag(argv[i], "--field-names")) {
      o.field_names = 1;
    } else if (cli_opt(argc, argv, &i, "--stage", &v)) {
      if (!v) return cli_usage(c, "export", "--stage needs a stage name");
      o.stage = v;
    } else if (cli_opt(argc, argv, &i, "--segment", &v)) {
      if (!v) return cli_usage(c, "export", "--segment needs a segment name");
      o.segment = v;
    } else if (cli_opt(argc, argv, &i, "--fields", &v)) {
      if (!v) return cli_usage(c, "export", "--fields needs a list: a,b,c");
      o.fields = v;
    } else {
      return cli_usage(c, "export", "unexpected argument '%s'", argv[i]);
    }
  }
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  int rc = lr_export(db, &o, cli_write_file, stdout);
  if (rc == LR_OK && fflush(stdout) != 0) {
    return cli_error(c, "export: writing to stdout failed");
  }
  return rc == LR_OK ? CLI_OK : cli_fail(c, rc);
}
