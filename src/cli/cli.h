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
  int open_flags;            /* LR_OPEN_NOCREATE for commands that read */
  int created;               /* cli_db() made a new database file */
  lr_db *db;                 /* opened on first use by cli_db() */
  const char *cmd;           /* the command running (for messages) */
} cli;

/* What a command needs of the database file. */
#define CLI_READS 1          /* only reads: a missing file is refused */
#define CLI_WRITES 0         /* writes: a missing file is refused too */
#define CLI_CREATES 2        /* import: may create it (removed on failure) */

typedef struct cli_cmd {
  const char *name;
  int (*run)(cli *c, int argc, char **argv);  /* argv[0] is the command */
  int db;                    /* CLI_READS, CLI_WRITES or CLI_CREATES */
  const char *args;          /* one line: its arguments */
  const char *summary;       /* one line: what it does */
  const char *options;       /* option lines (commands.c says how) */
} cli_cmd;

/* The commands (commands.c), ended by a row of NULLs. */
extern const cli_cmd cli_commands[];
/* The command of that name; NULL if none. */
const cli_cmd *cli_find_cmd(const char *name);
/* `leadrules --help`: every command and the global options. */
void cli_list_commands(FILE *f, const char *prog);
/* `leadrules COMMAND --help`: its usage and options. */
void cli_cmd_help(FILE *f, const char *prog, const cli_cmd *k);
/* The option names of k's options text ("--key", "-q", "--quiet"), at
** most max of them; returns how many. */
#define CLI_OPT_MAX 32       /* longest option name + 1 */
#define CLI_OPT_MAX_N 32     /* most options of one command */
int cli_options(const cli_cmd *k, char (*names)[CLI_OPT_MAX], int max);

/* Usage error "unknown option '--jsn'; did you mean '--json'?" for
** command cmd (the suggestion only when one is near).  CLI_USAGE. */
int cli_unknown_option(cli *c, const char *cmd, const char *arg);
/* After the command: a database file that cli_db() created is removed
** again when the command failed (status not CLI_OK) and it holds no
** contact, import or run, so that a mistyped command leaves no empty
** ./leadrules.db behind.  Closes c->db. */
void cli_db_done(cli *c, int status);

/* Exit statuses. */
#define CLI_OK 0
#define CLI_ERR 1
#define CLI_USAGE 2

/* Open the database (once); NULL after printing the error.  With
** LR_OPEN_NOCREATE in c->open_flags a missing file is refused, naming it,
** and nothing is created. */
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
/* Parse --now T into unix seconds: 0 when absent (the current time); -1
** after printing the error, also for a time the library does not take
** as a clock (before 1970-01-01T00:00:01Z, since 0 means the current
** time, or after LR_TIME_MAX). */
long long cli_parse_now(cli *c, const char *text);
/* A contact KEY argument of command cmd: "#ID" must be '#' and the id's
** digits ("#1e3" is no id).  CLI_OK, or CLI_USAGE after printing why. */
int cli_check_key(cli *c, const char *cmd, const char *key);

/* --html FILE (path; NULL: none, CLI_OK): an lr_output on db, refused
** when it is the database, one of its files or one of the command's
** inputs (n of them, NULL entries skipped); the command's options then
** write there (*ctx is the lr_output).  CLI_OK, or the exit status after
** printing lr_errmsg ("--html FILE: that is the database; choose another
** file": CLI_USAGE). */
int cli_html_open(cli *c, lr_db *db, const char *path,
                  const char *const *inputs, int n, lr_write_fn *write,
                  void **ctx);
/* After the command (status so far): put the file in place when all went
** well (a commit that fails is the command's error) and print "HTML
** report: FILE" (on stderr with --json, whose document is stdout);
** otherwise give it up, an older FILE left as it was.  ctx NULL: no
** --html.  Returns the final status. */
int cli_html_close(cli *c, const char *path, void *ctx, int status, int json);

/* What a manual change (move, set) needs once its arguments are read:
** a --reason (a usage error without one), --now (cli_parse_now), the
** database, and who (cli_who(*by)).  CLI_OK with *now, *db and *by set;
** otherwise the exit status, the error printed. */
int cli_manual(cli *c, const char *cmd, const char *reason,
               const char *now_s, long long *now, lr_db **db,
               const char **by);

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

/* An option that takes a value, in a command's table for cli_opts(). */
typedef struct cli_optv {
  const char *name;           /* "--now"; NULL ends the table */
  const char **val;           /* where the value goes */
  const char *needs;          /* what it needs: "a time" gives the usage
                              ** error "--now needs a time" */
  int nonempty;               /* an empty value counts as none */
  int (*ok)(const char *v);   /* NULL, or whether the value will do (else
                              ** the usage error "--x needs NEEDS, not
                              ** 'VALUE'") */
} cli_optv;

/* Whole numbers: every numeric option is read by cli_parse_int alone,
** strictly: digits only (a '-' first when min < 0), within min..max, so
** "2x", "1e3", " 5", "" and overflows are usage errors, never a number
** guessed from the text's start as atoi would.  An option's `ok` checks
** its range (cli_ok_int), and the command reads the value with
** cli_int(). */
int cli_parse_int(const char *v, long long min, long long max,
                  long long *out);
/* cli_parse_int over the whole range, for a value its `ok` accepted. */
long long cli_int(const char *v);
/* ok functions of whole-number options: 1..CLI_MAX_JOBS (--jobs), >= 1
** (--capacity, --sample), >= 0 (--limit, --busy-timeout up to INT_MAX). */
#define CLI_MAX_JOBS 1024
int cli_ok_jobs(const char *v);
int cli_ok_count(const char *v);
int cli_ok_limit(const char *v);
int cli_ok_ms(const char *v);

/* Options that several commands take alike. */
#define CLI_OPT_NOW(var) { "--now", &(var), "a time", 0, NULL }
#define CLI_OPT_JOBS(var) \
  { "--jobs", &(var), "a number of threads from 1 to 1024", 0, cli_ok_jobs }
#define CLI_OPT_HTML(var) { "--html", &(var), "a FILE", 1, NULL }

/* Match argv[*i] against a table of options that take a value (cli_opt;
** *i moves past a separate value).  1 when it is one of them, its value
** stored; 0 when it is none; -1 after printing the usage error for cmd
** (NULL: the global options). */
/* Keep the --db value (c->db_path, pointing into argv) in a copy of its
** own and overwrite the password of a postgresql:// URI in argv, so that
** it never shows in the process title (secret.c).  -1 out of memory. */
int cli_keep_db_path(cli *c);
/* Overwrite a postgresql:// URI's password (user:PASSWORD@, ?password=)
** with 'x' in place; other strings are left alone. */
void cli_hide_secret(char *uri);
int cli_opts(cli *c, const char *cmd, const cli_optv *opts, int argc,
             char **argv, int *i);

/* A flag, in a command's table for cli_parse(). */
typedef struct cli_flagv {
  const char *name;           /* "--json"; NULL ends the table */
  int *set;                   /* set to 1 */
  int stop;                   /* the rest is not read (--help) */
} cli_flagv;

/* What a command's arguments may be, for cli_parse(). */
typedef struct cli_spec {
  const char *cmd;            /* for usage errors */
  const cli_optv *opts;       /* options with a value, or NULL */
  const cli_flagv *flags;     /* flags, or NULL */
  int unknown;                /* what is an unknown option: 1 "-x",
                              ** 2 "--x"; 0 none (all else is positional) */
  const char **const *pos;    /* where the positional arguments go, in
                              ** order */
  int npos;
  const char *extra;          /* usage error for one argument too many;
                              ** a %s in it is the argument */
  const char *missing;        /* usage error for fewer than npos; NULL:
                              ** fewer is fine (the command checks) */
} cli_spec;

/* Read argv[1..argc-1] by the spec, in order; the first problem is a
** usage error ("unknown option '--x'", an option without its value, an
** argument too many), then a positional argument missing.  A stop flag
** ends the reading at once, with no check.  CLI_OK, or CLI_USAGE after
** printing the error. */
int cli_parse(cli *c, const cli_spec *s, int argc, char **argv);

/* Commands (one file each). */
int cmd_import(cli *c, int argc, char **argv);
int cmd_export(cli *c, int argc, char **argv);
int cmd_handoffs(cli *c, int argc, char **argv);
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
int cmd_ingest(cli *c, int argc, char **argv);
int cmd_serve(cli *c, int argc, char **argv);


/* explain --account KEY POLICY (cmd_explain_account.c). */
int cmd_explain_account(cli *c, lr_db *db, const char *key, const char *path,
                        long long now, int json, const lr_policy_opts *po);

#endif
