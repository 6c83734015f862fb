/*
** cmd_export.c -- leadrules export [--stage S] [--segment X] [--fields a,b]
**                 [--sort a,b [--desc]] [--json] [--raw] [--field-names]
**                 [--epoch]
*/
#include <stdio.h>

#include "cli.h"

/* A filter that matched nothing: "leadrules: export: no contact is ..." */
static int note(void *ctx, const char *text, size_t n) {
  (void)ctx;
  fprintf(stderr, "leadrules: export: %.*s", (int)n, text);
  return 0;
}

int cmd_export(cli *c, int argc, char **argv) {
  lr_export_opts o = LR_EXPORT_OPTS_INIT;
  int accounts = 0;
  const cli_optv opts[] = {
    { "--stage", &o.stage, "a stage name", 0, NULL },
    { "--segment", &o.segment, "a segment name", 0, NULL },
    { "--fields", &o.fields, "a list: a,b,c", 0, NULL },
    { "--sort", &o.sort, "a list of fields: a,b", 0, NULL }, { NULL },
  };
  const cli_flagv flags[] = {
    { "--json", &o.json, 0 },
    { "--raw", &o.raw, 0 }, { "--field-names", &o.field_names, 0 },
    { "--desc", &o.desc, 0 }, { "--epoch", &o.epoch, 0 },
    { "--accounts", &accounts, 0 }, { NULL },
  };
  const cli_spec spec = { "export", opts, flags, 1, NULL, 0,
                          "unexpected argument '%s'", NULL };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  if (o.desc && !(o.sort && *o.sort))
    return cli_usage(c, "export", "--desc needs --sort FIELD");
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  o.note = note;
  if (accounts && (o.stage || o.segment || o.fields || o.sort))
    return cli_usage(c, "export", "--accounts takes --json, --raw and "
                     "--field-names only");
  int rc = accounts ? lr_export_accounts(db, &o, cli_write_file, stdout)
                    : lr_export(db, &o, cli_write_file, stdout);
  if (rc == LR_OK && fflush(stdout) != 0) {
    return cli_error(c, "export: writing to stdout failed");
  }
  return rc == LR_OK ? CLI_OK : cli_fail(c, rc);
}
