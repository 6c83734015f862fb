/*
** readers.c -- read handles for GET requests: each its own connection on
** the committed state (WAL: readers never wait for the writer), kept in a
** free list and reused, so a request pays no open.  A handle loads the
** policy for explain once, and again after a reload.
*/
#include <stdlib.h>
#include <string.h>

#include "serve.h"

lrv_reader *lrv_reader_take(lrv_server *s) {
  pthread_mutex_lock(&s->mu);
  lrv_reader *r = s->free_readers;
  if (r) s->free_readers = r->next;
  pthread_mutex_unlock(&s->mu);
  if (r) return r;
  r = calloc(1, sizeof *r);
  if (!r) return NULL;
  if (lr_open_v2(s->db_path, &r->db, LR_OPEN_NOCREATE, 5000) != LR_OK) {
    lrv_log(s, "cannot open a reader: %s", lr_errmsg(r->db));
    lr_close(r->db);
    free(r);
    return NULL;
  }
  return r;
}

void lrv_reader_give(lrv_server *s, lrv_reader *r) {
  if (!r) return;
  pthread_mutex_lock(&s->mu);
  r->next = s->free_readers;
  s->free_readers = r;
  pthread_mutex_unlock(&s->mu);
}

lr_policy *lrv_reader_policy(lrv_server *s, lrv_reader *r) {
  pthread_mutex_lock(&s->mu);
  int gen = s->gen;
  char *src = NULL;
  size_t len = s->source_len;
  if (!r->policy || r->gen != gen) {
    src = malloc(len + 1);
    if (src) memcpy(src, s->source, len);
  }
  pthread_mutex_unlock(&s->mu);
  if (r->policy && r->gen == gen) return r->policy;
  if (!src) return NULL;
  lr_policy_free(r->policy);
  r->policy = NULL;
  if (lr_policy_load_string(r->db, s->policy_path, src, len, NULL,
                            &r->policy) != LR_OK)
    lrv_log(s, "explain: %s", lr_errmsg(r->db));
  else
    r->gen = gen;
  free(src);
  return r->policy;
}

void lrv_readers_close(lrv_server *s) {
  while (s->free_readers) {
    lrv_reader *r = s->free_readers;
    s->free_readers = r->next;
    lr_policy_free(r->policy);
    lr_close(r->db);
    free(r);
  }
}
