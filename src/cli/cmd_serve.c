/*
** cmd_serve.c -- leadrules serve --policy POLICY.lua: the HTTP API of
** docs/realtime.md.  SIGHUP reloads the policy; SIGTERM (or Ctrl-C)
** finishes the requests in flight and exits 0.
*/
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static volatile int reload_flag;

static void on_hup(int sig) {
  (void)sig;
  reload_flag = 1;
}

static void ready(void *ctx, int port) {
  (void)ctx;
  printf("listening on port %d\n", port);
  fflush(stdout);
}

static int logged;                 /* a line said why serve did not start */

static void log_line(void *ctx, const char *line) {
  (void)ctx;
  logged = 1;
  fprintf(stderr, "leadrules serve: %s\n", line);
}

int cmd_serve(cli *c, int argc, char **argv) {
  const char *policy = NULL, *now_s = NULL, *max_body = NULL;
  lr_serve_opts o = LR_SERVE_OPTS_INIT;
  const cli_optv opts[] = {
    { "--policy", &policy, "a policy file", 1, NULL },
    { "--listen", &o.listen, "IPV4:PORT or [IPV6]:PORT", 1, NULL },
    { "--token-file", &o.token_file, "a FILE", 1, NULL },
    CLI_OPT_NOW(now_s),
    { "--notify-exec", &o.notify_exec, "a command", 1, NULL },
    { "--notify-url", &o.notify_url, "a URL", 1, NULL },
    { "--max-body", &max_body, "a number of bytes (a whole number >= 1)", 0,
      cli_ok_count },
    { NULL },
  };
  const cli_spec spec = { "serve", opts, NULL, 1, NULL, 0,
                          "unexpected argument '%s'", NULL };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  if (!policy)
    return cli_usage(c, "serve", "which policy? (leadrules serve --policy "
                     "POLICY.lua --token-file FILE)");
  if (!o.token_file)
    return cli_usage(c, "serve", "--token-file FILE is required (the bearer "
                     "token every endpoint but /healthz checks)");
  o.now = cli_parse_now(c, now_s);
  if (o.now < 0) return CLI_USAGE;
  if (max_body) o.max_body = (size_t)cli_int(max_body);
  if (!cli_db(c)) return CLI_ERR;            /* exists, and is migrated */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_hup;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);        /* a client gone: an error, not a death */
  if (c->busy_ms >= 0) o.busy_ms = c->busy_ms > 0 ? c->busy_ms : 1;
  o.stop = &cli_interrupted;
  o.reload = &reload_flag;
  o.ready = ready;
  o.log = log_line;
  int rc = lr_serve(c->db_path, policy, &o);
  if (rc != LR_OK) {
    if (!logged)                   /* else "serve: I/O error" says nothing */
      fprintf(stderr, "%s: serve: %s\n", c->progname, lr_errstr(rc));
    return rc == LR_MISUSE || rc == LR_INPUT ? CLI_USAGE : CLI_ERR;
  }
  return CLI_OK;
}
