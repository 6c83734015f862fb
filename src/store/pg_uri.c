/*
** pg_uri.c -- which databases are PostgreSQL, and their URIs without the
** password: db->path and every message use the redacted form, so that a
** password given in --db or LEADRULES_DB never reaches an error, `info`
** or a log.
*/
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

int lrs_is_pg_uri(const char *path) {
  return path && (strncmp(path, "postgresql://", 13) == 0 ||
                  strncmp(path, "postgres://", 11) == 0);
}

/* The userinfo of uri: [start, end) before the '@' of its authority. */
static int userinfo(const char *uri, const char **start, const char **end) {
  const char *a = strstr(uri, "://");
  if (!a) return 0;
  a += 3;
  size_t auth = strcspn(a, "/?#");
  const char *at = NULL;
  for (const char *p = a; p < a + auth; p++)
    if (*p == '@') at = p;              /* the last '@' ends the userinfo */
  if (!at) return 0;
  *start = a;
  *end = at;
  return 1;
}

/* The password=VALUE parameter of the query string: [start, end) of the
** whole "password=VALUE" item. */
static int password_param(const char *uri, const char **start,
                          const char **end) {
  const char *q = strchr(uri, '?');
  while (q) {
    q++;
    if (strncmp(q, "password=", 9) == 0) {
      *start = q;
      *end = q + strcspn(q, "&#");
      return 1;
    }
    q = strchr(q, '&');
  }
  return 0;
}

char *lrs_pg_redact(const char *uri) {
  char *out = strdup(uri);
  if (!out) return NULL;
  const char *s, *e;
  if (userinfo(out, &s, &e)) {
    char *colon = memchr(s, ':', (size_t)(e - s));
    if (colon) memmove(colon, e, strlen(e) + 1);   /* drop ":PASS" */
  }
  if (password_param(out, &s, &e)) {
    char *from = (char *)s;
    if (*e == '&') e++;
    else if (from[-1] == '&' || from[-1] == '?') from--;  /* the last one */
    memmove(from, e, strlen(e) + 1);
  }
  return out;
}

char *lrs_pg_password(const char *uri) {
  const char *s, *e;
  if (userinfo(uri, &s, &e)) {
    const char *colon = memchr(s, ':', (size_t)(e - s));
    if (colon && colon + 1 < e) return strndup(colon + 1, (size_t)(e - colon - 1));
  }
  if (password_param(uri, &s, &e) && e > s + 9)
    return strndup(s + 9, (size_t)(e - s - 9));
  return NULL;
}

void lrs_pg_scrub(lr_buf *b, const char *secret) {
  if (!secret || !*secret || !b->p) return;
  size_t n = strlen(secret);
  char *hit;
  while ((hit = strstr(b->p, secret)) != NULL) {
    lr_buf out = LR_BUF_INIT;
    lrb_add(&out, b->p, (size_t)(hit - b->p));
    lrb_adds(&out, "***");
    lrb_adds(&out, hit + n);
    if (out.oom) {
      lrb_free(&out);
      lrb_reset(b);
      lrb_adds(b, "(message withheld: out of memory)");
      return;
    }
    lrb_free(b);
    *b = out;
  }
}
