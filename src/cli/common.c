/*
** common.c -- helpers shared by the commands: errors, options, output,
** signals and progress.
*/
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

volatile int cli_interrupted;
/* A PostgreSQL connect is in progress: libpq waits in it (up to its
** connect_timeout) without looking at any flag, and nothing is written
** yet, so a signal then ends the process at once. */
static volatile sig_atomic_t connecting;

static void on_signal(int sig) {
  /* Only a flag: the library polls it between rows and contacts, and the
  ** Lua hook raises the error inside the state (never from here).  A
  ** second signal while the first is still pending (the process is stuck,
  ** e.g. reading a stalled pipe) terminates at once, like lua.c: every
  ** write is one transaction, so dying here loses nothing committed. */
  if (cli_interrupted || connecting) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
  cli_interrupted = sig;
}

void cli_install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  /* Past a file-size limit (ulimit -f) write() then fails with EFBIG, and
  ** SQLite reports SQLITE_FULL: a clear error and a rollback, instead of
  ** dying silently of SIGXFSZ. */
  signal(SIGXFSZ, SIG_IGN);
}

int cli_interrupt_status(void) {
  return cli_interrupted == SIGTERM ? 143 : 130;
}

int cli_error(cli *c, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", c->progname);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return CLI_ERR;
}

int cli_fail(cli *c, int rc) {
  if (rc == LR_INTERRUPT || cli_interrupted) {
    fprintf(stderr, "%s: interrupted by %s; nothing was changed (rolled back)\n",
            c->progname, cli_interrupted == SIGTERM ? "SIGTERM" : "SIGINT");
    return cli_interrupt_status();
  }
  fprintf(stderr, "%s: %s\n", c->progname,
          c->db ? lr_errmsg(c->db) : lr_errstr(rc));
  return rc == LR_MISUSE ? CLI_USAGE : CLI_ERR;
}

int cli_usage(cli *c, const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: %s%s", c->progname, cmd ? cmd : "", cmd ? ": " : "");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  /* The command's own help lists its options; the global one does not. */
  fprintf(stderr, " (see %s %s%s--help)\n", c->progname, cmd ? cmd : "",
          cmd ? " " : "");
  return CLI_USAGE;
}

lr_db *cli_db(cli *c) {
  if (c->db) return c->db;
  int existed = strcmp(c->db_path, ":memory:") == 0 ||
                access(c->db_path, F_OK) == 0;
  connecting = strncmp(c->db_path, "postgresql://", 13) == 0 ||
               strncmp(c->db_path, "postgres://", 11) == 0;
  int rc = lr_open_v2(c->db_path, &c->db, c->open_flags, c->busy_ms);
  connecting = 0;
  c->created = !existed && access(c->db_path, F_OK) == 0;
  if (rc == LR_NOTFOUND && (c->open_flags & LR_OPEN_NOCREATE)) {
    fprintf(stderr, "%s: %s: no such database (nothing was created; only "
            "import makes one: `%s import contacts FILE`; "
            "--db PATH or $LEADRULES_DB names another)\n", c->progname,
            c->db && lr_db_path(c->db) ? lr_db_path(c->db) : c->db_path,
            c->progname);
  } else if (rc != LR_OK) {
    fprintf(stderr, "%s: %s\n", c->progname,
            c->db ? lr_errmsg(c->db) : lr_errstr(rc));
  }
  if (rc != LR_OK) {
    lr_close(c->db);
    c->db = NULL;
    return NULL;
  }
  return c->db;
}

/* The start of `leadrules info --json`, where the counts are. */
typedef struct head { char s[1024]; size_t n; } head;

static int keep_head(void *ctx, const char *data, size_t n) {
  head *h = ctx;
  size_t room = sizeof h->s - 1 - h->n;
  if (n > room) n = room;
  memcpy(h->s + h->n, data, n);
  h->n += n;
  h->s[h->n] = '\0';
  return 0;
}

/* Nothing was ever written to it: no contact, import or run (another
** process may have filled a database this one created meanwhile). */
static int db_is_empty(lr_db *db) {
  head h = { "", 0 };
  return lr_info(db, LR_FMT_JSON, keep_head, &h) == LR_OK &&
         strstr(h.s, "\"contacts\":0,") && strstr(h.s, "\"imports\":0,") &&
         strstr(h.s, "\"runs\":0,");
}

void cli_db_done(cli *c, int status) {
  if (c->created && status != CLI_OK && c->db && !db_is_empty(c->db))
    c->created = 0;
  if (c->db && lr_close(c->db) != LR_OK) {
    fprintf(stderr, "%s: %s\n", c->progname, lr_errmsg(c->db));
    return;                          /* still open: leave the file be */
  }
  c->db = NULL;
  if (!c->created || status == CLI_OK) return;
  /* Made by this command, which failed: nothing of the user's is in it. */
  static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
  for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
    char p[4096];
    if ((size_t)snprintf(p, sizeof p, "%s%s", c->db_path, sfx[i]) < sizeof p)
      unlink(p);
  }
}

int cli_write_file(void *ctx, const char *data, size_t n) {
  return fwrite(data, 1, n, (FILE *)ctx) == n ? 0 : 1;
}

long long cli_parse_now(cli *c, const char *text) {
  if (!text) return 0;
  long long t;
  if (lr_parse_time(text, &t) != LR_OK) {
    cli_error(c, "--now: cannot read '%s' as a time from "
              "1970-01-01T00:00:01Z to 9999-12-31T23:59:59Z (use 2026-11-23, "
              "2026-11-23T14:00:00Z or unix seconds)", text);
    return -1;
  }
  if (t < 1) {
    cli_error(c, "--now: '%s' is not after 1970-01-01T00:00:00Z; the clock "
              "takes times from 1970-01-01T00:00:01Z to "
              "9999-12-31T23:59:59Z", text);
    return -1;
  }
  return t;
}

int cli_check_key(cli *c, const char *cmd, const char *key) {
  long long id;
  if (key[0] == '#' && !cli_parse_int(key + 1, 1, LLONG_MAX, &id))
    return cli_usage(c, cmd, "'%s' is not a contact id (write '#' and the "
                     "id's digits, like #12)", key);
  return CLI_OK;
}

int cli_parse_int(const char *v, long long min, long long max,
                  long long *out) {
  int neg = v[0] == '-' && min < 0;
  const char *p = v + neg;
  if (!*p) return 0;
  unsigned long long n = 0, lim = neg ? (unsigned long long)LLONG_MAX + 1
                                      : (unsigned long long)LLONG_MAX;
  for (; *p; p++) {
    if (*p < '0' || *p > '9') return 0;
    unsigned d = (unsigned)(*p - '0');
    if (n > (lim - d) / 10) return 0;
    n = n * 10 + d;
  }
  long long x = neg ? (long long)(0 - n) : (long long)n;
  if (x < min || x > max) return 0;
  *out = x;
  return 1;
}

long long cli_int(const char *v) {
  long long x = 0;
  cli_parse_int(v, LLONG_MIN, LLONG_MAX, &x);
  return x;
}

static int ok_range(const char *v, long long min, long long max) {
  long long x;
  return cli_parse_int(v, min, max, &x);
}

int cli_ok_jobs(const char *v) { return ok_range(v, 1, CLI_MAX_JOBS); }
int cli_ok_count(const char *v) { return ok_range(v, 1, LLONG_MAX); }
int cli_ok_limit(const char *v) { return ok_range(v, 0, LLONG_MAX); }
int cli_ok_ms(const char *v) { return ok_range(v, 0, INT_MAX); }

int cli_flag(const char *arg, const char *name) { return strcmp(arg, name) == 0; }

int cli_opt(int argc, char **argv, int *i, const char *name, const char **val) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) != 0) return 0;
  if (a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (a[n] != '\0') return 0;
  if (*i + 1 < argc) {
    *val = argv[++*i];
  } else {
    *val = NULL;
  }
  return 1;
}

int cli_opts(cli *c, const char *cmd, const cli_optv *opts, int argc,
             char **argv, int *i) {
  for (const cli_optv *o = opts; o->name; o++) {
    const char *v = NULL;
    if (!cli_opt(argc, argv, i, o->name, &v)) continue;
    if (!v) {
      cli_usage(c, cmd, "%s needs %s", o->name, o->needs);
      return -1;
    }
    if ((o->nonempty && !*v) || (o->ok && !o->ok(v))) {
      cli_usage(c, cmd, "%s needs %s, not '%s'", o->name, o->needs, v);
      return -1;
    }
    *o->val = v;
    return 1;
  }
  return 0;
}

/* The flag argv[i] is, or NULL. */
static const cli_flagv *find_flag(const cli_flagv *f, const char *arg) {
  for (; f && f->name; f++)
    if (cli_flag(arg, f->name)) return f;
  return NULL;
}

int cli_parse(cli *c, const cli_spec *s, int argc, char **argv) {
  int npos = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const cli_flagv *f = find_flag(s->flags, a);
    if (f) {
      *f->set = 1;
      if (f->stop) return CLI_OK;
      continue;
    }
    int m = s->opts ? cli_opts(c, s->cmd, s->opts, argc, argv, &i) : 0;
    if (m < 0) return CLI_USAGE;
    if (m) continue;
    if (s->unknown && a[0] == '-' && a[1] && (s->unknown == 1 || a[1] == '-'))
      return cli_unknown_option(c, s->cmd, a);
    if (npos == s->npos) return cli_usage(c, s->cmd, s->extra, a);
    *s->pos[npos++] = a;
  }
  if (npos < s->npos && s->missing)
    return cli_usage(c, s->cmd, "%s", s->missing);
  return CLI_OK;
}

int cli_progress(void *ctx, long long done, long long total) {
  (void)ctx;
  static time_t last;
  if (cli_interrupted) return 1;
  if (!isatty(2)) return 0;
  time_t t = time(NULL);
  if (t == last && done != total) return 0;
  last = t;
  if (total > 0) {
    int w = 40, filled = (int)(w * done / total);
    fprintf(stderr, "\r[%.*s%*s] %lld/%lld", filled,
            "########################################", w - filled, "",
            done, total);
  } else {
    fprintf(stderr, "\r%lld rows", done);
  }
  if (done == total) fputs("\r\033[K", stderr);
  fflush(stderr);
  return 0;
}

int cli_html_open(cli *c, lr_db *db, const char *path,
                  const char *const *inputs, int n, lr_write_fn *write,
                  void **ctx) {
  if (!path) return CLI_OK;
  lr_output *out = NULL;
  int rc = lr_output_open(db, "--html", path, inputs, n, &out);
  if (rc != LR_OK) return cli_fail(c, rc);
  *write = lr_output_write;
  *ctx = out;
  return CLI_OK;
}

int cli_html_close(cli *c, const char *path, void *ctx, int status, int json) {
  if (!ctx) return status;
  if (status != CLI_OK) {
    lr_output_abort(ctx);
    return status;
  }
  int rc = lr_output_commit(ctx);
  if (rc != LR_OK) return cli_fail(c, rc);
  fprintf(json ? stderr : stdout, "HTML report: %s\n", path);
  return status;
}

int cli_manual(cli *c, const char *cmd, const char *reason,
               const char *now_s, long long *now, lr_db **db,
               const char **by) {
  if (!reason || !*reason)
    return cli_usage(c, cmd, "--reason TEXT is required: every manual "
                     "change says why");
  *now = cli_parse_now(c, now_s);
  if (*now < 0) return CLI_USAGE;
  *db = cli_db(c);
  if (!*db) return CLI_ERR;
  *by = cli_who(*by);
  return CLI_OK;
}

const char *cli_who(const char *by) {
  if (by && *by) return by;
  const char *u = getenv("USER");
  return u && *u ? u : "unknown";
}
