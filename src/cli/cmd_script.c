/*
** cmd_script.c -- leadrules script.lua [ARGS]: run an ad-hoc script (also
** `leadrules script FILE`, and files starting #!/usr/bin/env leadrules).
**
** leadrules takes --dry-run, --now T, --by WHO and --allow-local-modules
** wherever they appear before a "--"; every other argument, and all after
** "--", goes to the script as arg[1..].  Output of print() goes to stdout,
** the summary to stderr.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_script(cli *c, int argc, char **argv) {
  int first = 0;
  if (strcmp(argv[0], "script") == 0) first = 1;   /* leadrules script FILE */
  const char *path = NULL, *now_s = NULL, *by = NULL;
  const cli_optv opts[] = {
    CLI_OPT_NOW(now_s),
    { "--by", &by, "a name", 0, NULL }, { NULL },
  };
  lr_script_opts o = LR_SCRIPT_OPTS_INIT;
  const char **args = calloc((size_t)argc + 1, sizeof *args);
  if (!args) return cli_error(c, "out of memory");
  int nargs = 0, rest = 0;
  for (int i = first; i < argc; i++) {
    if (!rest) {
      if (cli_flag(argv[i], "--")) { rest = 1; continue; }
      if (cli_flag(argv[i], "--dry-run")) { o.dry_run = 1; continue; }
      if (cli_flag(argv[i], "--allow-local-modules")) {
        o.allow_local_modules = 1;
        continue;
      }
      int m = cli_opts(c, "script", opts, argc, argv, &i);
      if (m < 0) {
        free(args);
        return CLI_USAGE;
      }
      if (m) continue;
      if (!path && argv[i][0] == '-' && argv[i][1]) {
        free(args);
        return cli_unknown_option(c, "script", argv[i]);
      }
    }
    if (!path) path = argv[i];
    else args[nargs++] = argv[i];
  }
  if (!path) {
    free(args);
    return cli_usage(c, "script", "which script? (leadrules script.lua [ARGS])");
  }
  o.now = cli_parse_now(c, now_s);
  if (o.now < 0) {
    free(args);
    return CLI_USAGE;
  }
  o.argv = args;
  o.argc = nargs;
  o.by = cli_who(by);
  o.cancel = &cli_interrupted;
  lr_db *db = cli_db(c);
  if (!db) {
    free(args);
    return CLI_ERR;
  }
  lr_script_result r;
  int rc = lr_script_v2(db, path, &o, cli_write_file, stdout, &r);
  fflush(stdout);
  free(args);
  if (rc != LR_OK) return cli_fail(c, rc);
  if (r.moves || r.sets || r.fields_created || o.dry_run) {
    if (o.dry_run)
      fprintf(stderr, "%s: dry run of %s: %lld leads, %lld moves, %lld "
              "fields set; nothing was written\n", c->progname, path,
              r.leads, r.moves, r.sets);
    else
      fprintf(stderr, "%s: %s: %lld leads, %lld moves, %lld fields set "
              "(run #%lld)\n", c->progname, path, r.leads, r.moves, r.sets,
              r.run_id);
  }
  return CLI_OK;
}
