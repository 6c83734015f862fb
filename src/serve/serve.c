/*
** serve.c -- lr_serve: open the writer's database and policy, read the
** token, start the notifiers and the HTTP front, run the writer until a
** stop, then take everything down in the reverse order.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/checkpointer.h"
#include "../store/realtime_io.h"
#include "../store/store.h"
#include "../util/readfile.h"
#include "serve.h"

void lrv_log(lrv_server *s, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (s->o.log) s->o.log(s->o.log_ctx, line);
  else fprintf(stderr, "leadrules serve: %s\n", line);
}

/* The token: the file's first line, without surrounding blanks.  Never
** logged, never in a message. */
static int read_token(lrv_server *s) {
  char *text = NULL;
  size_t len = 0;
  int err = 0;
  if (lrb_read_file(s->o.token_file, &text, &len, &err) != LRB_FILE_OK) {
    if (err == ENOENT)
      lrv_log(s, "--token-file %s: no such file (make one: head -c 18 "
              "/dev/urandom | base64 > %s)", s->o.token_file, s->o.token_file);
    else
      lrv_log(s, "--token-file %s: cannot read it: %s", s->o.token_file,
              strerror(err ? err : EIO));
    return LR_IO;
  }
  char *p = text;
  while (*p == ' ' || *p == '\t') p++;
  size_t n = strcspn(p, "\r\n");
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  int rc = LR_OK;
  if (n < 16 || n >= sizeof s->token) {
    lrv_log(s, "--token-file %s: the token must be 16 to %zu characters "
            "on the first line (make one: head -c 18 /dev/urandom | base64 "
            "> %s)", s->o.token_file, sizeof s->token - 1, s->o.token_file);
    rc = LR_INPUT;
  } else {
    memcpy(s->token, p, n);
    s->token_len = n;
  }
  memset(text, 0, len);
  free(text);
  return rc;
}

static int setup(lrv_server *s) {
  if (!s->o.token_file) {
    lrv_log(s, "--token-file is required: every endpoint but /healthz "
            "needs the bearer token");
    return LR_MISUSE;
  }
  int rc = read_token(s);
  if (rc != LR_OK) return rc;
  if (lr_open_v2(s->db_path, &s->db, LR_OPEN_NOCREATE, s->busy_ms) != LR_OK) {
    lrv_log(s, "%s", lr_errmsg(s->db));
    return lr_errcode(s->db);
  }
  /* Commits do not wait for the disk: see README, Design notes. */
  lrs_sync_normal(s->db);
  lrs_ckpt_start(s->db, LRS_CKPT_SOFT, LRS_CKPT_HARD, &s->ckpt);
  rc = lrv_policy_reload(s);
  if (rc == LR_OK) rc = lrv_notify_start(s);
  if (rc == LR_OK) rc = lrv_http_start(s);
  return rc;
}

int lr_serve(const char *db_path, const char *policy_path,
             const lr_serve_opts *opts) {
  if (!db_path || !policy_path || !opts || opts->size != sizeof *opts)
    return LR_MISUSE;
  lrv_server *s = calloc(1, sizeof *s);
  if (!s) return LR_NOMEM;
  s->o = *opts;
  s->db_path = db_path;
  s->policy_path = policy_path;
  s->max_body = s->o.max_body ? s->o.max_body : 1 << 20;
  s->busy_ms = s->o.busy_ms > 0 ? s->o.busy_ms : 5000;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->wake, NULL);
  pthread_cond_init(&s->done, NULL);
  int rc = setup(s);
  if (rc == LR_OK) {
    /* The address as given with the port bound (port 0 picks one). */
    const char *at = s->o.listen ? s->o.listen : "127.0.0.1:8787";
    const char *colon = strrchr(at, ':');
    lrv_log(s, "listening on %.*s:%d", colon ? (int)(colon - at)
                                              : (int)strlen(at), at, s->port);
    if (s->o.ready) s->o.ready(s->o.ready_ctx, s->port);
    lrv_writer_loop(s);
    lrv_log(s, "stopped after %lld transactions for %lld requests",
            s->groups, s->grouped);
  }
  lrv_http_stop(s);
  lrv_notify_stop(s);
  lrv_readers_close(s);
  lrs_ckpt_stop(s->ckpt);
  lr_policy_free(s->policy);
  lr_close(s->db);
  free(s->source);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->wake);
  pthread_cond_destroy(&s->done);
  memset(s->token, 0, sizeof s->token);
  free(s);
  return rc;
}
