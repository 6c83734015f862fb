/*
** writer.c -- the server's one writer: requests queue up in arrival
** order; the writer takes every request waiting and applies them all in
** one transaction (group commit), so throughput grows with load while a
** lone request is applied at once.  When the group fails, each request is
** applied alone, so one bad request never fails another.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/readfile.h"
#include "serve.h"

#define GROUP_MAX 256             /* requests in one transaction at most */

int lrv_status_of(int rc) {
  switch (rc) {
  case LR_OK: return 200;
  case LR_NOTFOUND: return 404;
  case LR_INPUT: case LR_MISUSE: return 400;
  case LR_POLICY: case LR_LIMIT: return 422;
  case LR_BUSY: return 503;
  default: return 500;
  }
}

json_t *lrv_error_json(const char *message) {
  return json_pack("{s:s}", "error", message);
}

void lrv_submit(lrv_server *s, lrv_job *j) {
  pthread_mutex_lock(&s->mu);
  if (s->stopping) {
    pthread_mutex_unlock(&s->mu);
    j->status = 503;
    j->reply = lrv_error_json("the server is stopping");
    return;
  }
  j->next = NULL;
  if (s->tail) s->tail->next = j;
  else s->head = j;
  s->tail = j;
  pthread_cond_signal(&s->wake);
  while (!j->done) pthread_cond_wait(&s->done, &s->mu);
  pthread_mutex_unlock(&s->mu);
}

/* ---- one group --------------------------------------------------------- */

typedef struct group {
  lrv_job **jobs;
  int n;
  int *job_of;                    /* [event]: its job */
} group;

static json_t *contact_json(const lr_touched *t) {
  json_t *moves = json_array();
  for (int i = 0; i < t->n_moves; i++) {
    const lr_move *m = &t->moves[i];
    json_array_append_new(moves, json_pack(
        "{s:s?, s:s, s:s?, s:s?}", "from", m->from, "to", m->to,
        "transition", m->transition, "reason", m->reason));
  }
  json_t *handoff = json_null();
  if (t->handoff) {
    handoff = json_pack("{s:s, s:s, s:I}", "stage", t->handoff->stage,
                        "owner", t->handoff->owner, "due",
                        (json_int_t)t->handoff->due);
    if (!t->handoff->due) json_object_set_new(handoff, "due", json_null());
  }
  json_t *scores = t->scores ? json_loads(t->scores, 0, NULL) : NULL;
  json_t *grades = t->grades ? json_loads(t->grades, 0, NULL) : NULL;
  return json_pack("{s:s, s:f, s:o, s:s?, s:o, s:s?, s:s?, s:b, s:o, s:o}",
                   "key", t->key, "score", t->score,
                   "scores", scores ? scores : json_object(), "grade",
                   t->grade, "grades", grades ? grades : json_object(),
                   "stage", t->stage, "owner", t->owner, "created",
                   t->created, "moves", moves, "handoff", handoff);
}

/* Each touched contact goes to every request whose events touched it,
** once. */
static void on_touched(void *ctx, const lr_touched *t) {
  group *g = ctx;
  json_t *c = contact_json(t);
  if (!c) return;
  int last = -1;
  for (int i = 0; i < t->n_events; i++) {
    int j = g->job_of[t->events[i]];
    if (j == last) continue;
    last = j;
    json_array_append(g->jobs[j]->contacts, c);
  }
  json_decref(c);
}

static int apply(lrv_server *s, group *g) {
  long long n = 0;
  for (int j = 0; j < g->n; j++) n += g->jobs[j]->n;
  lr_event *ev = calloc((size_t)(n ? n : 1), sizeof *ev);
  g->job_of = malloc((size_t)(n ? n : 1) * sizeof *g->job_of);
  if (!ev || !g->job_of) {
    free(ev);
    free(g->job_of);
    return LR_NOMEM;
  }
  long long k = 0;
  for (int j = 0; j < g->n; j++) {
    g->jobs[j]->contacts = json_array();
    for (long long i = 0; i < g->jobs[j]->n; i++, k++) {
      ev[k] = g->jobs[j]->ev[i];
      g->job_of[k] = j;
    }
  }
  lr_apply_opts o = LR_APPLY_OPTS_INIT;
  o.now = s->o.now;
  o.by = "serve";
  int rc = lr_apply_events(s->policy, ev, n, &o, on_touched, g, NULL);
  free(ev);
  free(g->job_of);
  return rc;
}

static void answer(lrv_job *j, int rc, const char *msg) {
  j->status = lrv_status_of(rc);
  if (rc == LR_OK)
    j->reply = json_pack("{s:o}", "contacts", j->contacts);
  else {
    json_decref(j->contacts);
    j->reply = lrv_error_json(msg);
  }
  j->contacts = NULL;
}

/* A failure one request may have caused (its event, its contact under
** the policy), as opposed to one that fails any request (a lock held by
** another writer past the timeout, the disk, memory). */
static int request_failure(int rc) {
  return rc == LR_INPUT || rc == LR_NOTFOUND || rc == LR_MISUSE ||
         rc == LR_POLICY || rc == LR_LIMIT;
}

static void apply_group(lrv_server *s, lrv_job **jobs, int n) {
  group g = { jobs, n, NULL };
  int rc = apply(s, &g);
  if (rc == LR_OK || n == 1 || !request_failure(rc)) {
    for (int j = 0; j < n; j++) answer(jobs[j], rc, lr_errmsg(s->db));
    if (rc == LR_OK) lrv_notify_wake(s);
    return;
  }
  for (int j = 0; j < n; j++) {             /* one at a time: isolate it */
    json_decref(jobs[j]->contacts);
    jobs[j]->contacts = NULL;
    apply_group(s, &jobs[j], 1);
  }
}

/* ---- the policy ----------------------------------------------------------- */

/* The text is read once and loaded from memory: the readers load the
** same text for explain, whatever happens to the file meanwhile. */
int lrv_policy_reload(lrv_server *s) {
  char *src = NULL;
  size_t len = 0;
  int err = 0;
  if (lrb_read_file(s->policy_path, &src, &len, &err) != LRB_FILE_OK) {
    lrv_log(s, "policy %s: not (re)loaded, cannot read it: %s",
            s->policy_path, strerror(err ? err : EIO));
    return LR_IO;
  }
  lr_policy *p = NULL;
  int rc = lr_policy_load_string(s->db, s->policy_path, src, len, NULL, &p);
  if (rc != LR_OK) {
    free(src);
    lrv_log(s, "policy %s: not (re)loaded%s: %s", s->policy_path,
            s->policy ? ", the loaded one stays" : "", lr_errmsg(s->db));
    return rc;
  }
  lr_policy_free(s->policy);
  s->policy = p;
  pthread_mutex_lock(&s->mu);
  free(s->source);
  s->source = src;
  s->source_len = len;
  s->gen++;
  pthread_mutex_unlock(&s->mu);
  lrv_log(s, "policy %s loaded (sha256 %.12s)", s->policy_path,
          lr_policy_hash(p));
  return LR_OK;
}

/* ---- the loop --------------------------------------------------------------- */

/* Wait up to 100 ms for a job; the stop and reload flags are polled. */
static int take(lrv_server *s, lrv_job **jobs) {
  pthread_mutex_lock(&s->mu);
  if (!s->head) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 100 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&s->wake, &s->mu, &ts);
  }
  int n = 0;
  while (s->head && n < GROUP_MAX) {
    jobs[n++] = s->head;
    s->head = s->head->next;
  }
  if (!s->head) s->tail = NULL;
  pthread_mutex_unlock(&s->mu);
  return n;
}

void lrv_writer_loop(lrv_server *s) {
  lrv_job *jobs[GROUP_MAX];
  for (;;) {
    if (s->o.reload && *s->o.reload) {
      *s->o.reload = 0;
      lrv_policy_reload(s);
    }
    int n = take(s, jobs);
    if (n) {
      apply_group(s, jobs, n);
      pthread_mutex_lock(&s->mu);
      s->groups++;
      s->grouped += n;
      for (int i = 0; i < n; i++) jobs[i]->done = 1;
      pthread_cond_broadcast(&s->done);
      pthread_mutex_unlock(&s->mu);
      continue;
    }
    pthread_mutex_lock(&s->mu);
    int stopping = s->stopping, busy = s->in_flight;
    pthread_mutex_unlock(&s->mu);
    if (stopping && !busy) return;
    if (!stopping && s->o.stop && *s->o.stop) {
      pthread_mutex_lock(&s->mu);
      s->stopping = 1;
      pthread_mutex_unlock(&s->mu);
      lrv_http_quiesce(s);
      lrv_log(s, "stopping: finishing the requests in flight");
    }
  }
}
