/*
** main.c -- the leadrules command: global options, dispatch, help.
*/
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const cli_cmd COMMANDS[] = {
  {"import", cmd_import, "contacts|activities|outcomes FILE [options]",
   "import a CSV file (one transaction)"},
  {"export", cmd_export, "[--stage S] [--segment X] [--fields a,b] [--sort a,b [--desc]] [--json] [--raw] [--epoch]",
   "write contacts as CSV or JSON to stdout"},
  {"handoffs", cmd_handoffs, "[--since RUN|TIME] [--after CURSOR] [--owner O] [--stage S] [--json|--csv]",
   "the leads handed to sales, newest first, with a cursor for syncs"},
  {"run", cmd_run, "POLICY.lua [--dry-run] [--json] [--now T] [--keep-going] [--override-manual] [--jobs N]",
   "apply a policy to every contact"},
  {"explain", cmd_explain, "KEY POLICY.lua [--now T] [--json]",
   "why a contact has its score and stage, and what it needs for the next"},
  {"move", cmd_move, "KEY STAGE --reason TEXT [--by WHO] [--for D | --until T] [--now T]",
   "move a contact by hand (recorded; the policy keeps it there until a later move, an outcome, the expiry or --override-manual)"},
  {"set", cmd_set, "KEY field=value --reason TEXT [--by WHO] [--now T]",
   "correct one field of a contact by hand (recorded in the audit table)"},
  {"info", cmd_info, "", "show what the database holds"},
  {"check", cmd_check, "POLICY.lua [--now T] [--sample N | --all]",
   "static and data-aware checks of a policy"},
  {"test", cmd_test, "POLICY_test.lua... [--allow-local-modules]",
   "run policy unit tests (no database needed)"},
  {"shell", cmd_shell, "[-q]", "interactive Lua prompt on the database"},
  {"backtest", cmd_backtest, "POLICY.lua [--outcome COLUMN] [--now T] [--capacity N] [--json] [--html FILE] [--jobs N]",
   "measure a policy's scores against outcomes (writes nothing)"},
  {"report", cmd_report, "[--by segment|source|owner|stage|FIELD] [--since T] [--now T] [--policy P] [--json] [--html FILE]",
   "funnel, conversion, time in stage, SLA, outcomes by segment/source/owner"},
  {"diff", cmd_diff, "OLD.lua NEW.lua [--now T] [--top N] [--json] [--jobs N]",
   "what a policy change would do to the contacts (writes nothing)"},
  {NULL, NULL, NULL, NULL},
};

static void usage(FILE *f, const char *prog) {
  fprintf(f, "usage: %s [--db PATH] COMMAND [ARGS]\n"
             "       %s [--db PATH] SCRIPT.lua [ARGS]\n\ncommands:\n",
          prog, prog);
  for (const cli_cmd *k = COMMANDS; k->name; k++)
    fprintf(f, "  %-9s %s\n            %s\n", k->name, k->help, k->usage);
  fprintf(f, "\nThe database is --db PATH, else $LEADRULES_DB, else "
             "./leadrules.db.\n");
}

static const cli_cmd *find_cmd(const char *name) {
  for (const cli_cmd *k = COMMANDS; k->name; k++)
    if (strcmp(k->name, name) == 0) return k;
  return NULL;
}

/* Take the global options out of argv wherever they are, so that
** `--db PATH` works before or after the command. */
static int strip_globals(cli *c, int *argc, char **argv) {
  int out = 1;
  const char *busy = NULL;
  const cli_optv opts[] = {
    { "--db", &c->db_path, "a PATH", 0, NULL },
    { "--busy-timeout", &busy, "milliseconds (a whole number >= 0)", 0,
      cli_ok_ms },
    { NULL },
  };
  for (int i = 1; i < *argc; i++) {
    int m = cli_opts(c, NULL, opts, *argc, argv, &i);
    if (m < 0) return CLI_USAGE;
    if (!m) argv[out++] = argv[i];
  }
  if (busy) c->busy_ms = (int)cli_int(busy);
  *argc = out;
  argv[out] = NULL;
  return 0;
}

int main(int argc, char **argv) {
  cli c = {0};
  c.progname = "leadrules";
  c.busy_ms = -1;
  if (strip_globals(&c, &argc, argv)) return CLI_USAGE;
  if (!c.db_path) c.db_path = getenv("LEADRULES_DB");
  if (!c.db_path || !*c.db_path) c.db_path = "leadrules.db";
  if (argc < 2) {
    usage(stderr, c.progname);
    return CLI_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
      strcmp(name, "help") == 0) {
    usage(stdout, c.progname);
    return CLI_OK;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    printf("leadrules %s\n", lr_libversion());
    return CLI_OK;
  }
  cli_install_signals();
  const cli_cmd *k = find_cmd(name);
  int status;
  if (k) {
    status = k->run(&c, argc - 1, argv + 1);
  } else if (strchr(name, '/') || strstr(name, ".lua") || access(name, R_OK) == 0) {
    status = cmd_script(&c, argc - 1, argv + 1);   /* leadrules script.lua */
  } else {
    fprintf(stderr, "%s: unknown command '%s' (see %s --help)\n", c.progname,
            name, c.progname);
    status = CLI_USAGE;
  }
  if (c.db) {
    if (lr_close(c.db) != LR_OK)
      fprintf(stderr, "%s: %s\n", c.progname, lr_errmsg(c.db));
  }
  if (cli_interrupted && status != CLI_OK) status = cli_interrupt_status();
  return status;
}
