/*
** cli.h -- shared state of the leadrules command.  The CLI uses only the
** public header: it parses arguments and calls the library.
*/
#ifndef LR_CLI_H
#define LR_CLI_H

#include <signal.h>
#include <stdio.h>

#include "leadrules.h"

typedef struct cli {
  const char *progname;
  const char *db_path;       /* --db, $LEADRULES_DB, ./leadrules.db */
  int busy_ms;               /* --busy-timeout */
  lr_db *db;                 /* opened on first use by cli_db() */
} cli;

typedef struct cli_cmd {
  const char *name;
  int (*run)(cli *c, int argc, char **argv);  /* argv[0] is the command */
  const char *usage;         /* one line: arguments */
  const char *help;          /* one line: what it does */
} cli_cmd;

/* Exit statuses. */
#define CLI_OK 0
#define CLI_ERR 1
#define CLI_USAGE 2

/* Open the database (once); NULL after printing the error. */
lr_db *cli_db(cli *c);
/* Print "leadrules: message" to stderr; returns CLI_ERR. */
int cli_error(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report the database's last error; returns the exit status for rc. */
int cli_fail(cli *c, int rc);
/* Usage error for a command; returns CLI_USAGE. */
int cli_usage(cli *c, const char *cmd, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
/* lr_write_fn to a FILE* (ctx). */
int cli_write_file(void *ctx, const char *data, size_t n);
/* Parse --now T into unix seconds; 0 when absent. -1 after an error. */
long long cli_parse_now(cli *c, const char *text);

/* Who made a change: --by, else $USER, else "unknown". */
const char *cli_who(const char *by);

/* Signals: handlers only set this flag; the library polls it. */
extern volatile int cli_interrupted;     /* signal number, or 0 */
void cli_install_signals(void);
/* Exit status for an interrupted command (130 SIGINT, 143 SIGTERM). */
int cli_interrupt_status(void);

/* Progress on stderr when it is a terminal. */
int cli_progress(void *ctx, long long done, long long total);

/* Option matching: "--name" or "--name=value".  Sets *val and advances *i
** past a separate value.  Returns 1 when argv[*i] is this option. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val);
int cli_flag(const char *arg, const char *name);

/* Commands (one file each). */
int cmd_import(cli *c, int argc, char **argv);
int cmd_export(cli *c, int argc, char **argv);
int cmd_run(cli *c, int argc, char **argv);
int cmd_explain(cli *c, int argc, char **argv);
int cmd_move(cli *c, int argc, char **argv);
int cmd_set(cli *c, int argc, char **argv);
int cmd_backtest(cli *c, int argc, char **argv);
int cmd_report(cli *c, int argc, char **argv);
int cmd_diff(cli *c, int argc, char **argv);
int cmd_check(cli *c, int argc, char **argv);
int cmd_test(cli *c, int argc, char **argv);
int cmd_shell(cli *c, int argc, char **argv);
int cmd_script(cli *c, int argc, char **argv);
int cmd_info(cli *c, int argc, char **argv);

#endif
