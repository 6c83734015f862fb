/*
** serve.h -- the parts of lr_serve: the HTTP front (http.c) on
** libmicrohttpd's threads, one writer (writer.c) on the thread that
** called lr_serve, a pool of read handles (readers.c), and notifiers
** (notify.c) that deliver the outbox.
*/
#ifndef LR_SERVE_H
#define LR_SERVE_H

#include <jansson.h>
#include <pthread.h>

#include "../leadrules.h"
#include "../util/arena.h"

/* One request for the writer: its events, and the answer it gets. */
typedef struct lrv_job {
  lr_event *ev;
  long long n;
  lr_arena arena;                 /* the events' strings */
  json_t *doc;                    /* the request body the events point into */
  int status;                     /* HTTP status, set by the writer */
  json_t *reply;                  /* the answer (the writer builds it) */
  json_t *contacts;               /* touched contacts, in id order */
  int done;
  struct lrv_job *next;
} lrv_job;

typedef struct lrv_reader {
  lr_db *db;
  lr_policy *policy;              /* for explain, loaded when first needed */
  int gen;                        /* the policy generation it was loaded at */
  struct lrv_reader *next;
} lrv_reader;

typedef struct lrv_notifier lrv_notifier;

typedef struct lrv_server {
  lr_serve_opts o;
  const char *db_path, *policy_path;
  char token[512];
  size_t token_len;
  size_t max_body;
  int busy_ms;
  pthread_mutex_t mu;
  pthread_cond_t wake;            /* the writer: a job, or stop */
  pthread_cond_t done;            /* requests: their job is done */
  /* The writer's (under mu: the queue, stopping, in_flight, gen, source). */
  lr_db *db;
  lr_policy *policy;
  char *source;                   /* the loaded policy's text, for readers */
  size_t source_len;
  int gen;
  lrv_job *head, *tail;
  int stopping;
  int in_flight;                  /* requests being answered */
  long long groups, grouped;      /* transactions, and requests in them */
  lrv_reader *free_readers;
  lrv_notifier *notifiers[2];
  int nnotifiers;
  struct MHD_Daemon *daemon;
  int port;
  struct lrs_ckpt *ckpt;          /* the log copied back off the writer */
} lrv_server;

/* Log one line (no newline) through opts->log or to stderr. */
void lrv_log(lrv_server *s, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/* The writer.  submit queues a job and waits until it is done (503 when
** the server is stopping); loop runs on lr_serve's thread until a stop
** and no request in flight. */
void lrv_submit(lrv_server *s, lrv_job *j);
void lrv_writer_loop(lrv_server *s);
/* Load the policy at s->policy_path on s->db (first load, and SIGHUP):
** on failure the old one stays and the failure is logged. */
int lrv_policy_reload(lrv_server *s);

/* Read handles: take one (opened when none is free; NULL when it cannot
** open, the reason logged) and give it back. */
lrv_reader *lrv_reader_take(lrv_server *s);
void lrv_reader_give(lrv_server *s, lrv_reader *r);
/* The policy for explain on r (reloaded after a SIGHUP); NULL when it
** fails to load. */
lr_policy *lrv_reader_policy(lrv_server *s, lrv_reader *r);
void lrv_readers_close(lrv_server *s);

/* The HTTP front. */
int lrv_http_start(lrv_server *s);
void lrv_http_quiesce(lrv_server *s);
void lrv_http_stop(lrv_server *s);

/* Notifiers: one thread per sink (--notify-exec, --notify-url). */
int lrv_notify_start(lrv_server *s);
void lrv_notify_wake(lrv_server *s);
void lrv_notify_stop(lrv_server *s);

/* An error reply {"error": message} with status. */
json_t *lrv_error_json(const char *message);
/* The HTTP status of an LR code. */
int lrv_status_of(int rc);

#endif
