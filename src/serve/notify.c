/*
** notify.c -- delivering the outbox: one thread per sink (--notify-exec
** runs a command with the decision as JSON on stdin, --notify-url POSTs
** it with libcurl), each with a connection of its own.  Rows go out in id
** order, after their commit, each until it succeeds (exit status 0, or an
** HTTP 2xx), retried with a doubling backoff; the last delivered id is
** acknowledged in outbox_acks under the sink's name, so that a restart
** resumes after it: at least once, in order.
*/
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "serve.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
#define POLL_MS 500               /* when no commit wakes it */

struct lrv_notifier {
  lrv_server *s;
  const char *exec, *url;         /* one of them */
  char consumer[64];              /* its name in outbox_acks */
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop, woken;
  lr_db *db;
  CURL *curl;
  long long delivered, failures;
};

/* ---- one delivery ------------------------------------------------------- */

static int run_exec(lrv_notifier *n, const char *json, char *why, size_t len) {
  FILE *p = popen(n->exec, "w");
  if (!p) return snprintf(why, len, "cannot start the command"), -1;
  int bad = fputs(json, p) < 0 || fputc('\n', p) < 0;
  int st = pclose(p);
  if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || bad) {
    if (st != -1 && WIFEXITED(st))
      snprintf(why, len, "the command exited with %d", WEXITSTATUS(st));
    else
      snprintf(why, len, "the command failed");
    return -1;
  }
  return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx) {
  (void)p;
  (void)ctx;
  return size * n;
}

static int post_url(lrv_notifier *n, const char *json, char *why, size_t len) {
  if (!n->curl && !(n->curl = curl_easy_init()))
    return snprintf(why, len, "cannot start libcurl"), -1;
  CURL *c = n->curl;
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, n->url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(h);
  /* The URL is not in the message: it may hold credentials. */
  if (rc != CURLE_OK)
    return snprintf(why, len, "%s", curl_easy_strerror(rc)), -1;
  if (status < 200 || status > 299)
    return snprintf(why, len, "HTTP %ld", status), -1;
  return 0;
}

/* ---- the thread ------------------------------------------------------------- */

/* Sleep ms, or until woken (a commit, a stop).  1 when stopping. */
static int nap(lrv_notifier *n, long ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&n->mu);
  if (!n->stop && !n->woken) pthread_cond_timedwait(&n->cv, &n->mu, &ts);
  n->woken = 0;
  int stop = n->stop;
  pthread_mutex_unlock(&n->mu);
  return stop;
}

typedef struct batch {
  long long id[64];
  char *json[64];
  int n;
} batch;

static int keep_row(void *ctx, const lr_outbox_row *r) {
  batch *b = ctx;
  b->id[b->n] = r->id;
  b->json[b->n] = strdup(r->json);
  return !b->json[b->n++];
}

/* Deliver row i of b until it goes out, or the notifier stops. */
static int deliver(lrv_notifier *n, long long id, const char *json) {
  long backoff = BACKOFF_MIN_MS;
  for (;;) {
    char why[256] = "";
    int rc = n->exec ? run_exec(n, json, why, sizeof why)
                     : post_url(n, json, why, sizeof why);
    if (rc == 0) {
      n->delivered++;
      return lr_outbox_ack(n->db, n->consumer, id) == LR_OK ? 0 : -1;
    }
    n->failures++;
    lrv_log(n->s, "%s: outbox #%lld not delivered (%s); again in %ld ms",
            n->consumer, id, why, backoff);
    if (nap(n, backoff)) return -1;
    backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
  }
}

static void *notify_main(void *arg) {
  lrv_notifier *n = arg;
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);      /* a command that does not read: EPIPE */
  pthread_sigmask(SIG_BLOCK, &pipe, NULL);
  while (1) {
    long long after = 0;
    batch b;
    b.n = 0;
    int rc = lr_outbox_acked(n->db, n->consumer, &after);
    if (rc == LR_OK) rc = lr_outbox_each(n->db, after, 64, keep_row, &b);
    int stop = 0;
    for (int i = 0; i < b.n; i++) {
      if (!stop && b.json[i] && deliver(n, b.id[i], b.json[i]) != 0) stop = 1;
      free(b.json[i]);
    }
    if (rc != LR_OK)
      lrv_log(n->s, "%s: reading the outbox: %s", n->consumer,
              lr_errmsg(n->db));
    if (stop || (b.n == 0 && nap(n, POLL_MS))) break;
    pthread_mutex_lock(&n->mu);
    stop = n->stop;
    pthread_mutex_unlock(&n->mu);
    if (stop) break;
  }
  return NULL;
}

/* ---- start, wake, stop ---------------------------------------------------------- */

static int start_one(lrv_server *s, const char *exec, const char *url) {
  lrv_notifier *n = calloc(1, sizeof *n);
  if (!n) return LR_NOMEM;
  n->s = s;
  n->exec = exec;
  n->url = url;
  snprintf(n->consumer, sizeof n->consumer, "%s", exec ? "notify-exec"
                                                       : "notify-url");
  pthread_mutex_init(&n->mu, NULL);
  pthread_cond_init(&n->cv, NULL);
  if (lr_open_v2(s->db_path, &n->db, LR_OPEN_NOCREATE, 5000) != LR_OK) {
    lrv_log(s, "%s: cannot open the database: %s", n->consumer,
            lr_errmsg(n->db));
    lr_close(n->db);
    free(n);
    return LR_IO;
  }
  if (pthread_create(&n->thread, NULL, notify_main, n) != 0) {
    lr_close(n->db);
    free(n);
    return LR_ERROR;
  }
  s->notifiers[s->nnotifiers++] = n;
  return LR_OK;
}

int lrv_notify_start(lrv_server *s) {
  int rc = LR_OK;
  if (s->o.notify_url) curl_global_init(CURL_GLOBAL_DEFAULT);
  if (s->o.notify_exec) rc = start_one(s, s->o.notify_exec, NULL);
  if (rc == LR_OK && s->o.notify_url) rc = start_one(s, NULL, s->o.notify_url);
  return rc;
}

void lrv_notify_wake(lrv_server *s) {
  for (int i = 0; i < s->nnotifiers; i++) {
    lrv_notifier *n = s->notifiers[i];
    pthread_mutex_lock(&n->mu);
    n->woken = 1;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
  }
}

void lrv_notify_stop(lrv_server *s) {
  for (int i = 0; i < s->nnotifiers; i++) {
    lrv_notifier *n = s->notifiers[i];
    pthread_mutex_lock(&n->mu);
    n->stop = 1;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
    pthread_join(n->thread, NULL);
    if (n->curl) curl_easy_cleanup(n->curl);
    lr_close(n->db);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cv);
    free(n);
  }
  s->nnotifiers = 0;
  if (s->o.notify_url) curl_global_cleanup();
}
