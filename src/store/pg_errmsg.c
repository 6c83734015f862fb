/*
** pg_errmsg.c -- a PostgreSQL error as leadrules prints it: one line.
** libpq's message runs over several ("LINE 2: ...", a caret under it,
** "HINT: ..."); leadrules' errors are one line each (naming the policy
** file:line or the input's file:line before it), so the server's first
** line is kept with its DETAIL and HINT joined after it, and a
** connection's message has its line breaks made spaces.  The password of
** the URI (and PGPASSWORD) is replaced by "***" wherever it shows.
*/
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

/* Append s[0..n) with every run of line breaks, tabs and spaces made
** one space, and no space at either end. */
static void add_flat(lr_buf *b, const char *s, size_t n) {
  int gap = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      gap = 1;
      continue;
    }
    if (gap && b->n && b->p[b->n - 1] != ' ') lrb_addc(b, ' ');
    gap = 0;
    lrb_addc(b, c);
  }
}

static void add_field(lr_buf *b, const PGresult *res, int code,
                      const char *label) {
  const char *v = PQresultErrorField(res, code);
  if (!v || !*v) return;
  lrb_adds(b, label);
  add_flat(b, v, strlen(v));
}

void lrs_pg_errmsg(lr_buf *b, const PGresult *res, const char *conn_msg,
                   const char *uri) {
  const char *msg = res ? PQresultErrorMessage(res) : NULL;
  const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                            : NULL;
  size_t start = b->n;
  if (msg && *msg && primary) {
    /* "ERROR:  ..." as the server's first line has it: a primary message
    ** is one line in practice; flattened all the same. */
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
    lrb_adds(b, sev ? sev : "ERROR");
    lrb_adds(b, ":  ");
    add_flat(b, primary, strlen(primary));
    add_field(b, res, PG_DIAG_MESSAGE_DETAIL, "; DETAIL: ");
    add_field(b, res, PG_DIAG_MESSAGE_HINT, "; HINT: ");
  } else {
    if (!msg || !*msg) msg = conn_msg && *conn_msg ? conn_msg : "no answer";
    add_flat(b, msg, strlen(msg));
  }
  if (b->oom || !uri || !b->p) return;
  /* Scrub only what was added: the caller's prefix is its own. */
  lr_buf tail = LR_BUF_INIT;
  lrb_adds(&tail, b->p + start);
  char *pw = lrs_pg_password(uri);
  lrs_pg_scrub(&tail, pw);
  lrs_pg_scrub(&tail, getenv("PGPASSWORD"));
  free(pw);
  b->n = start;
  b->p[start] = '\0';
  lrb_adds(b, lrb_str(&tail));
  lrb_free(&tail);
}
