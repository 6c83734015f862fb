/*
** http.c -- the HTTP front of lr_serve on libmicrohttpd (a thread per
** connection): the bearer token, the body cap, JSON in and out (jansson),
** and the routes of docs/realtime.md.  Writes go to the writer's queue;
** reads use a read handle of their own and never wait for the writer.
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "event_json.h"
#include "serve.h"

typedef struct req {
  lr_buf body;
  int too_big, refused;
} req;

/* ---- replies --------------------------------------------------------------- */

static enum MHD_Result send_text(struct MHD_Connection *c, int status,
                                 char *text) {
  if (!text) {
    status = 500;
    text = strdup("{\"error\":\"out of memory\"}");
    if (!text) return MHD_NO;
  }
  size_t n = strlen(text);
  text[n] = '\0';
  struct MHD_Response *r =
      MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    free(text);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", "application/json");
  enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
  MHD_destroy_response(r);
  return ok;
}

/* Send j (stolen) as JSON with a newline. */
static enum MHD_Result send_json(struct MHD_Connection *c, int status,
                                 json_t *j) {
  char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (s) {
    char *t = realloc(s, strlen(s) + 2);
    if (t) strcat(t, "\n");
    s = t ? t : s;
  }
  return send_text(c, status, s);
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status,
                                  const char *msg) {
  return send_json(c, status, lrv_error_json(msg));
}

/* ---- auth ------------------------------------------------------------------ */

/* Compared in constant time: the token's bytes do not shape the timing. */
static int authorized(lrv_server *s, struct MHD_Connection *c) {
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                              MHD_HTTP_HEADER_AUTHORIZATION);
  if (!h || strncmp(h, "Bearer ", 7) != 0) return 0;
  h += 7;
  size_t n = strlen(h);
  unsigned char diff = n != s->token_len;
  for (size_t i = 0; i < s->token_len; i++)
    diff |= (unsigned char)(s->token[i] ^ (i < n ? h[i] : 0));
  return diff == 0;
}

/* ---- writes ------------------------------------------------------------------ */

/* Events of the body: one object or an array of them. */
static enum MHD_Result post_events(lrv_server *s, struct MHD_Connection *c,
                                   req *q, int contacts) {
  json_error_t je;
  json_t *doc = json_loadb(q->body.p ? q->body.p : "", q->body.n,
                           JSON_REJECT_DUPLICATES, &je);
  if (!doc) {
    char msg[320];
    snprintf(msg, sizeof msg, "malformed JSON at line %d, column %d: %s",
             je.line, je.column, lrv_json_why(&je));
    return send_error(c, 400, msg);
  }
  lrv_job j;
  memset(&j, 0, sizeof j);
  j.doc = doc;
  lra_init(&j.arena, 4096);
  size_t n = json_is_array(doc) ? json_array_size(doc) : 1;
  j.ev = calloc(n ? n : 1, sizeof *j.ev);
  enum MHD_Result ok;
  char err[400], msg[480];
  size_t at = 0;
  int bad = !j.ev || n == 0;
  if (n == 0) snprintf(err, sizeof err, "no event in the array");
  else if (!j.ev) snprintf(err, sizeof err, "out of memory");
  for (size_t i = 0; !bad && i < n; i++) {
    json_t *o = json_is_array(doc) ? json_array_get(doc, i) : doc;
    bad = contacts
              ? lrv_event_from_json(o, "fields", LR_EVENT_UPSERT, &j.arena,
                                    &j.ev[i], err, sizeof err)
              : lrv_event_from_json(o, "create", LR_EVENT_CREATE, &j.arena,
                                    &j.ev[i], err, sizeof err);
    at = i;
  }
  if (bad) {
    if (json_is_array(doc) && j.ev) snprintf(msg, sizeof msg, "event %zu: %s", at, err);
    else snprintf(msg, sizeof msg, "%s", err);
    ok = send_error(c, 400, msg);
  } else {
    j.n = (long long)n;
    lrv_submit(s, &j);
    ok = send_json(c, j.status, j.reply);
  }
  free(j.ev);
  lra_free(&j.arena);
  json_decref(doc);
  return ok;
}

/* ---- reads ------------------------------------------------------------------- */

/* A group score as POST /v1/events writes it (the stored JSON text): a
** whole number without ".0", so a sync sees the same value on both. */
static json_t *score_number(double v) {
  if (v > -9007199254740992.0 && v < 9007199254740992.0 &&
      v == (double)(json_int_t)v)
    return json_integer((json_int_t)v);
  return json_real(v);
}

static json_t *named_scores(const lr_contact *k) {
  json_t *o = json_object();
  for (int i = 0; i < k->n_scores; i++)
    json_object_set_new(o, k->scores[i].name, score_number(k->scores[i].score));
  return o;
}

static json_t *named_grades(const lr_contact *k) {
  json_t *o = json_object();
  for (int i = 0; i < k->n_grades; i++)
    json_object_set_new(o, k->grades[i].name, json_string(k->grades[i].grade));
  return o;
}

static json_t *time_or_null(long long t) {
  return t ? json_integer(t) : json_null();
}

static enum MHD_Result get_contact(lrv_server *s, struct MHD_Connection *c,
                                   lrv_reader *r, const char *key) {
  lr_contact *k = NULL;
  int rc = lr_contact_get(r->db, key, &k);
  if (rc != LR_OK) return send_error(c, lrv_status_of(rc), lr_errmsg(r->db));
  (void)s;
  json_t *j = json_pack(
      "{s:s, s:f, s:o, s:s?, s:o, s:s?, s:s?, s:o, s:o, s:o, s:o, s:o}",
      "key", k->key, "score", k->score, "scores", named_scores(k), "grade",
      k->grade, "grades", named_grades(k), "stage", k->stage, "owner",
      k->owner, "assigned_at", time_or_null(k->assigned_at), "due_at",
      time_or_null(k->due_at), "stage_since", time_or_null(k->stage_since),
      "manual_at", time_or_null(k->manual_at), "updated_at",
      time_or_null(k->updated_at));
  lr_contact_free(k);
  return send_json(c, 200, j);
}

static const char *const EX_KIND[] = {
  "", "contact", "rule", "group", "segment", "transition", "next", "handoff",
  "manual", "error", "member", "stable",
};
#define EX_KINDS ((int)(sizeof EX_KIND / sizeof *EX_KIND))

static int on_item(void *ctx, const lr_explain_item *it) {
  json_t *a = ctx;
  const char *kind = it->kind > 0 && it->kind < EX_KINDS ? EX_KIND[it->kind]
                                                        : "other";
  json_array_append_new(a, json_pack(
      "{s:s, s:s?, s:s?, s:f, s:b, s:s?, s:s?, s:s?}", "kind", kind, "name",
      it->name, "group", it->group, "points", it->points, "fired", it->fired,
      "detail", it->detail, "where", it->where, "note", it->note));
  return 0;
}

static enum MHD_Result get_explain(lrv_server *s, struct MHD_Connection *c,
                                   lrv_reader *r, const char *key) {
  lr_policy *p = lrv_reader_policy(s, r);
  if (!p) return send_error(c, 500, "the policy does not load");
  json_t *items = json_array();
  int rc = lr_explain_v2(p, key, s->o.now, on_item, items);
  if (rc == LR_NOTFOUND || rc == LR_MISUSE) {
    json_decref(items);
    return send_error(c, lrv_status_of(rc), lr_errmsg(r->db));
  }
  /* A policy error is an item too: the explanation up to it is kept. */
  return send_json(c, rc == LR_OK ? 200 : lrv_status_of(rc),
                   json_pack("{s:s, s:o}", "key", key, "items", items));
}

static int add_text(void *ctx, const char *data, size_t n) {
  lrb_add(ctx, data, n);
  return 0;
}

static int read_after(struct MHD_Connection *c, long long *after) {
  const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
  *after = 0;
  if (!v) return 1;
  char *end;
  *after = strtoll(v, &end, 10);
  return *v && !*end && *after >= 0;
}

static enum MHD_Result get_handoffs(struct MHD_Connection *c, lrv_reader *r) {
  lr_handoffs_opts o = LR_HANDOFFS_OPTS_INIT;
  if (!read_after(c, &o.after))
    return send_error(c, 400, "after: a cursor (a whole number >= 0)");
  o.format = LR_FMT_JSON;
  lr_buf b = LR_BUF_INIT;
  int rc = lr_handoffs(r->db, &o, add_text, &b, NULL);
  enum MHD_Result ok = rc != LR_OK
      ? send_error(c, lrv_status_of(rc), lr_errmsg(r->db))
      : send_text(c, 200, b.oom ? NULL : strdup(lrb_str(&b)));
  lrb_free(&b);
  return ok;
}

static int on_outbox(void *ctx, const lr_outbox_row *row) {
  json_t *o = json_loads(row->json, 0, NULL);
  if (o) json_array_append_new(ctx, o);
  return 0;
}

static enum MHD_Result get_outbox(struct MHD_Connection *c, lrv_reader *r) {
  long long after;
  if (!read_after(c, &after))
    return send_error(c, 400, "after: an outbox id (a whole number >= 0)");
  json_t *a = json_array();
  int rc = lr_outbox_each(r->db, after, 1000, on_outbox, a);
  if (rc != LR_OK) {
    json_decref(a);
    return send_error(c, lrv_status_of(rc), lr_errmsg(r->db));
  }
  return send_json(c, 200, json_pack("{s:o}", "outbox", a));
}

/* GET routes: /v1/contacts/KEY[/explain], /v1/handoffs, /v1/outbox. */
static enum MHD_Result get(lrv_server *s, struct MHD_Connection *c,
                           const char *url) {
  lrv_reader *r = lrv_reader_take(s);
  if (!r) return send_error(c, 503, "cannot open the database for reading");
  enum MHD_Result ok;
  size_t n = strlen(url);
  if (strncmp(url, "/v1/contacts/", 13) == 0 && n > 21 &&
      strcmp(url + n - 8, "/explain") == 0) {
    char *key = strndup(url + 13, n - 21);
    ok = key ? get_explain(s, c, r, key) : MHD_NO;
    free(key);
  } else if (strncmp(url, "/v1/contacts/", 13) == 0 && url[13]) {
    ok = get_contact(s, c, r, url + 13);
  } else if (strcmp(url, "/v1/handoffs") == 0) {
    ok = get_handoffs(c, r);
  } else if (strcmp(url, "/v1/outbox") == 0) {
    ok = get_outbox(c, r);
  } else {
    ok = send_error(c, 404, "no such endpoint");
  }
  lrv_reader_give(s, r);
  return ok;
}

static enum MHD_Result healthz(lrv_server *s, struct MHD_Connection *c) {
  pthread_mutex_lock(&s->mu);
  int stopping = s->stopping;
  pthread_mutex_unlock(&s->mu);
  return send_json(c, stopping ? 503 : 200,
                   json_pack("{s:b, s:s}", "ok", !stopping, "version",
                             lr_libversion()));
}

/* ---- the access handler ----------------------------------------------------- */

static int is_post_route(const char *url) {
  return strcmp(url, "/v1/events") == 0 || strcmp(url, "/v1/contacts") == 0;
}

/* First call of a request: auth and the declared length, before any body. */
static enum MHD_Result first(lrv_server *s, struct MHD_Connection *c,
                             const char *url, const char *method, req *q) {
  if (strcmp(url, "/healthz") == 0) return MHD_YES;
  if (s->token_len && !authorized(s, c)) {
    q->refused = 1;
    return send_error(c, 401, "missing or wrong bearer token (Authorization: "
                      "Bearer TOKEN)");
  }
  const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (strcmp(method, "POST") == 0 && len &&
      strtoull(len, NULL, 10) > s->max_body) {
    q->refused = 1;
    char msg[120];
    snprintf(msg, sizeof msg, "request body over %zu bytes", s->max_body);
    return send_error(c, 413, msg);
  }
  return MHD_YES;
}

static enum MHD_Result route(lrv_server *s, struct MHD_Connection *c,
                             const char *url, const char *method, req *q) {
  int is_get = strcmp(method, "GET") == 0, is_post = strcmp(method, "POST") == 0;
  if (strcmp(url, "/healthz") == 0)
    return is_get ? healthz(s, c) : send_error(c, 405, "use GET");
  if (is_post_route(url)) {
    if (!is_post) return send_error(c, 405, "use POST");
    if (q->too_big) {
      char msg[120];
      snprintf(msg, sizeof msg, "request body over %zu bytes", s->max_body);
      return send_error(c, 413, msg);
    }
    return post_events(s, c, q, strcmp(url, "/v1/contacts") == 0);
  }
  if (!is_get) return send_error(c, 405, "use GET");
  return get(s, c, url);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *data,
                               size_t *size, void **con_cls) {
  (void)version;
  lrv_server *s = cls;
  req *q = *con_cls;
  if (!q) {
    if (!(q = calloc(1, sizeof *q))) return MHD_NO;
    *con_cls = q;
    pthread_mutex_lock(&s->mu);
    s->in_flight++;
    pthread_mutex_unlock(&s->mu);
    return first(s, c, url, method, q);
  }
  if (q->refused) {                /* answered already: drop the body */
    *size = 0;
    return MHD_YES;
  }
  if (*size) {
    if (q->body.n + *size > s->max_body) q->too_big = 1;
    else lrb_add(&q->body, data, *size);
    *size = 0;
    return MHD_YES;
  }
  return route(s, c, url, method, q);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why) {
  (void)c;
  (void)why;
  lrv_server *s = cls;
  req *q = *con_cls;
  if (!q) return;
  lrb_free(&q->body);
  free(q);
  *con_cls = NULL;
  pthread_mutex_lock(&s->mu);
  s->in_flight--;
  pthread_mutex_unlock(&s->mu);
}

/* ---- the daemon -------------------------------------------------------------- */

/* IPV4:PORT, [IPV6]:PORT or localhost:PORT into *a; -1 when not one. */
static int parse_listen(const char *listen, struct sockaddr_storage *a) {
  char host[64];
  const char *colon = strrchr(listen, ':'), *h = listen;
  size_t n = colon ? (size_t)(colon - listen) : 0;
  int v6 = listen[0] == '[';
  if (v6) {                       /* [ADDRESS]:PORT */
    if (n < 3 || listen[n - 1] != ']') return -1;
    h = listen + 1;
    n -= 2;
  }
  if (!colon || !n || n >= sizeof host) return -1;
  memcpy(host, h, n);
  host[n] = '\0';
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (!colon[1] || *end || port < 0 || port > 65535) return -1;
  memset(a, 0, sizeof *a);
  if (v6) {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)a;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((unsigned short)port);
    return inet_pton(AF_INET6, host, &a6->sin6_addr) == 1 ? 0 : -1;
  }
  struct sockaddr_in *a4 = (struct sockaddr_in *)a;
  a4->sin_family = AF_INET;
  a4->sin_port = htons((unsigned short)port);
  if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
  return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -1;
}

static unsigned short port_of(const struct sockaddr_storage *a) {
  return ntohs(a->ss_family == AF_INET6
                   ? ((const struct sockaddr_in6 *)a)->sin6_port
                   : ((const struct sockaddr_in *)a)->sin_port);
}

int lrv_http_start(lrv_server *s) {
  const char *listen = s->o.listen ? s->o.listen : "127.0.0.1:8787";
  struct sockaddr_storage addr;
  if (parse_listen(listen, &addr) != 0) {
    lrv_log(s, "--listen %s: expected IPV4:PORT such as 127.0.0.1:8787 or "
            "[IPV6]:PORT such as [::1]:8787", listen);
    return LR_MISUSE;
  }
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
                   MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                   MHD_USE_ITC;
  if (addr.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  s->daemon = MHD_start_daemon(
      flags, 0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, &addr,
      MHD_OPTION_NOTIFY_COMPLETED, completed, s,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
  if (!s->daemon) {
    lrv_log(s, "cannot listen on %s (in use, or not an address of this "
            "machine; --listen ADDRESS:PORT names another, port 0 any free "
            "one)", listen);
    return LR_IO;
  }
  const union MHD_DaemonInfo *i =
      MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  s->port = i ? i->port : port_of(&addr);
  return LR_OK;
}

void lrv_http_quiesce(lrv_server *s) {
  if (s->daemon) {
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET) close(fd);
  }
}

void lrv_http_stop(lrv_server *s) {
  if (s->daemon) MHD_stop_daemon(s->daemon);
  s->daemon = NULL;
}
