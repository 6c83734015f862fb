/*
** cmd_shell.c -- leadrules shell: an interactive Lua prompt on the
** database, in the policy sandbox (lr_session_*).  With a terminal on
** stdin it uses GNU readline (line editing, history); otherwise it reads
** plain lines, so `echo 'return 1+1' | leadrules shell` prints 2.
**
** Ctrl-C only sets cli_interrupted (common.c): a running chunk stops
** through the session's cancel flag; at the prompt, readline's callback
** interface lets the select() loop see the interruption and drop the line.
** SIGTERM ends the shell (status 143), at the prompt too.
*/
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "cli.h"

#ifdef LR_HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

typedef struct shell {
  cli *c;
  lr_db *db;
  lr_session *s;
  int tty;
  char *chunk;                       /* lines of an unfinished chunk */
  size_t len;
  int errors;
  int status;                        /* set to stop */
  int done;
} shell;

static const char *prompt(const shell *sh) { return sh->len ? ">> " : "> "; }

/* SIGTERM ends the shell, on a terminal too (Ctrl-C only drops the line
** or stops the chunk there): status 143, as any interrupted command. */
static int terminated(shell *sh) {
  if (cli_interrupted != SIGTERM) return 0;
  sh->status = cli_interrupt_status();
  sh->done = 1;
  return 1;
}

static int append(shell *sh, const char *line) {
  size_t add = strlen(line) + 1;
  char *p = realloc(sh->chunk, sh->len + add + 1);
  if (!p) return -1;
  if (sh->len) p[sh->len++] = '\n';
  memcpy(p + sh->len, line, add);
  sh->len += add - 1;
  sh->chunk = p;
  return 0;
}

/* One line of input; NULL at the end of input. */
static void feed(shell *sh, const char *line) {
  if (!line) {
    if (sh->len) {                     /* the input ended inside a chunk */
      int rc = lr_session_eval(sh->s, sh->chunk, cli_write_file, stdout);
      if (rc != LR_OK) {
        fprintf(stderr, "%s\n", lr_errmsg(sh->db));
        sh->errors++;
      }
      sh->len = 0;
    }
    sh->done = 1;
    return;
  }
  if (!sh->len && line[strspn(line, " \t\r")] == '\0') return;
  if (append(sh, line) != 0) {
    sh->status = cli_error(sh->c, "out of memory");
    sh->done = 1;
    return;
  }
  int rc = lr_session_eval(sh->s, sh->chunk, cli_write_file, stdout);
  fflush(stdout);
  if (rc == LR_INPUT) return;          /* more lines to come */
#ifdef LR_HAVE_READLINE
  if (sh->tty) add_history(sh->chunk);
#endif
  sh->len = 0;
  if (rc == LR_INTERRUPT || cli_interrupted) {
    fprintf(stderr, "interrupted\n");
    if (!sh->tty || terminated(sh)) {
      sh->status = cli_interrupt_status();
      sh->done = 1;
    }
    cli_interrupted = sh->tty ? 0 : cli_interrupted;
    return;
  }
  if (rc != LR_OK) {
    fprintf(stderr, "%s\n", lr_errmsg(sh->db));
    sh->errors++;
  }
}

static void plain_loop(shell *sh) {
  char *line = NULL;
  size_t cap = 0;
  while (!sh->done) {
    if (sh->tty) {
      fputs(prompt(sh), stdout);
      fflush(stdout);
    }
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0 && errno == EINTR && sh->tty && cli_interrupted) {
      if (terminated(sh)) break;
      cli_interrupted = 0;             /* Ctrl-C: drop the input */
      clearerr(stdin);
      sh->len = 0;
      fputs("\n", stdout);
      continue;
    }
    if (n < 0) {
      feed(sh, NULL);
      break;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    feed(sh, line);
  }
  free(line);
}

#ifdef LR_HAVE_READLINE
static shell *rl_shell;                /* readline's callback has no context */

static void on_line(char *line) {
  shell *sh = rl_shell;
  feed(sh, line);
  free(line);
  if (sh->done) {
    rl_callback_handler_remove();
    if (!line) fputs("\n", stdout);
    return;
  }
  rl_set_prompt(prompt(sh));
}

/* Ctrl-C at the prompt: drop the line and the unfinished chunk. */
static void drop_line(shell *sh) {
  cli_interrupted = 0;
  sh->len = 0;
  rl_free_line_state();
  rl_callback_sigcleanup();
  rl_replace_line("", 0);
  fputs("\n", stdout);
  rl_set_prompt(prompt(sh));
  rl_on_new_line();
  rl_redisplay();
}

/* The signals stay blocked from the flag's check into pselect(), which
** takes them: one that came just before the wait would otherwise wait
** with it, unseen, until the next key. */
static int wait_input(sigset_t *orig) {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, orig);
  int r = -1;
  errno = EINTR;
  if (!cli_interrupted) {
    fd_set in;
    FD_ZERO(&in);
    FD_SET(0, &in);
    r = pselect(1, &in, NULL, NULL, NULL, orig);
  }
  int e = errno;
  sigprocmask(SIG_SETMASK, orig, NULL);
  errno = e;
  return r;
}

static void readline_loop(shell *sh) {
  rl_shell = sh;
  rl_catch_signals = 0;                /* our handler only sets a flag */
  rl_callback_handler_install(prompt(sh), on_line);
  while (!sh->done) {
    sigset_t orig;
    int r = wait_input(&orig);
    if (r < 0 && errno == EINTR) {
      if (terminated(sh)) {
        rl_callback_handler_remove();  /* the terminal as it was */
        fputs("\n", stdout);
        break;
      }
      if (cli_interrupted) drop_line(sh);
      continue;
    }
    if (r < 0) break;
    rl_callback_read_char();
  }
  if (!sh->done) rl_callback_handler_remove();
}
#endif

int cmd_shell(cli *c, int argc, char **argv) {
  int quiet = 0;
  const char *now_text = NULL;
  const cli_optv opts[] = { CLI_OPT_NOW(now_text), { NULL } };
  const cli_flagv flags[] = { { "-q", &quiet, 0 }, { "--quiet", &quiet, 0 },
                              { NULL } };
  const cli_spec spec = { "shell", opts, flags, 1, NULL, 0,
                          "unknown argument '%s'", NULL };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  long long now = cli_parse_now(c, now_text);
  if (now < 0) return CLI_USAGE;
  shell sh;
  memset(&sh, 0, sizeof sh);
  sh.c = c;
  sh.db = cli_db(c);
  if (!sh.db) return CLI_ERR;
  int rc = lr_session_open(sh.db, &sh.s);
  if (rc != LR_OK) return cli_fail(c, rc);
  lr_session_set_cancel(sh.s, &cli_interrupted);
  if (now) lr_session_set_now(sh.s, now);
  sh.tty = isatty(0);
  if (sh.tty && !quiet)
    printf("leadrules %s shell on %s; help lists the helpers, Ctrl-D "
           "quits\n", lr_libversion(), lr_db_path(sh.db));
#ifdef LR_HAVE_READLINE
  if (sh.tty) readline_loop(&sh);
  else plain_loop(&sh);
#else
  plain_loop(&sh);
#endif
  free(sh.chunk);
  lr_session_close(sh.s);
  if (sh.status == CLI_OK && sh.errors && !sh.tty) sh.status = CLI_ERR;
  return sh.status;
}
