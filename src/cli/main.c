/*
** main.c -- the leadrules command: global options, dispatch, help.  The
** commands and their usage texts are the table in commands.c.
*/
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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

static int is_help(const char *a) {
  return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* `leadrules COMMAND ... --help`: a -h or --help among the arguments
** (before a "--"; for a script, before its path, whose own arguments it
** may be). */
static int wants_help(const cli_cmd *k, int argc, char **argv) {
  for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (is_help(argv[i])) return 1;
    if (k->run == cmd_script && argv[i][0] != '-') return 0;
  }
  return 0;
}

/* "unknown command 'improt'; did you mean 'import'?" */
static int unknown_command(cli *c, const char *name) {
  const char *names[64];
  int n = 0;
  for (const cli_cmd *k = cli_commands; k->name && n < 62; k++)
    names[n++] = k->name;
  names[n++] = "help";
  names[n++] = "version";
  const char *near = lr_nearest(name, names, n);
  static const char *const kinds[] = { "contacts", "activities", "outcomes",
                                       "accounts" };
  for (int i = 0; i < 4; i++)                /* leadrules contacts import F */
    if (strcmp(name, kinds[i]) == 0) {
      fprintf(stderr, "%s: unknown command '%s'; the command comes first: "
              "%s import %s FILE (see %s import --help)\n", c->progname,
              name, c->progname, name, c->progname);
      return CLI_USAGE;
    }
  if (near)
    fprintf(stderr, "%s: unknown command '%s'; did you mean '%s'? (see %s "
            "--help)\n", c->progname, name, near, c->progname);
  else
    fprintf(stderr, "%s: unknown command '%s' (see %s --help)\n",
            c->progname, name, c->progname);
  return CLI_USAGE;
}

/* leadrules help [COMMAND], leadrules --help [COMMAND] */
static int help(cli *c, int argc, char **argv) {
  if (argc < 3 || is_help(argv[2])) {         /* help --help: the list */
    cli_list_commands(stdout, c->progname);
    return CLI_OK;
  }
  const cli_cmd *k = cli_find_cmd(argv[2]);
  if (!k) return unknown_command(c, argv[2]);
  cli_cmd_help(stdout, c->progname, k);
  return CLI_OK;
}

int main(int argc, char **argv) {
  cli c = {0};
  c.progname = "leadrules";
  c.busy_ms = -1;
  if (strip_globals(&c, &argc, argv)) return CLI_USAGE;
  if (cli_keep_db_path(&c) != 0) {
    fprintf(stderr, "leadrules: out of memory\n");
    return CLI_ERR;
  }
  if (!c.db_path) c.db_path = getenv("LEADRULES_DB");
  if (!c.db_path || !*c.db_path) c.db_path = "leadrules.db";
  if (argc < 2) {
    cli_list_commands(stderr, c.progname);
    return CLI_USAGE;
  }
  const char *name = argv[1];
  if (is_help(name) || strcmp(name, "help") == 0) return help(&c, argc, argv);
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    printf("leadrules %s\n", lr_libversion());
    return CLI_OK;
  }
  const cli_cmd *k = cli_find_cmd(name);
  if (k && wants_help(k, argc, argv)) {
    cli_cmd_help(stdout, c.progname, k);
    return CLI_OK;
  }
  cli_install_signals();
  int status;
  if (k) {
    /* Only import creates a database: a mistyped --db in a cron job is an
    ** error, not a new empty file that "ran" against nothing. */
    if (k->db != CLI_CREATES) c.open_flags = LR_OPEN_NOCREATE;
    c.cmd = k->name;
    status = k->run(&c, argc - 1, argv + 1);
  } else if (strchr(name, '/') || strstr(name, ".lua") || access(name, R_OK) == 0) {
    c.open_flags = LR_OPEN_NOCREATE;
    c.cmd = "script";
    status = cmd_script(&c, argc - 1, argv + 1);   /* leadrules script.lua */
  } else if (name[0] == '-' && name[1]) {
    status = cli_unknown_option(&c, NULL, name);
  } else {
    status = unknown_command(&c, name);
  }
  cli_db_done(&c, status);
  if (cli_interrupted && status != CLI_OK) status = cli_interrupt_status();
  return status;
}
