/*
** query.c -- read-only SQL for the developer tools.
*/
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "counts.h"

int lrs_query_prepare(sqlite3 *conn, const char *sql, sqlite3_stmt **st,
                      char *err, size_t errlen) {
  *st = NULL;
  /* The statement becomes a subquery, so the authorizer of segment SQL
  ** applies unchanged and a second statement after it cannot hide. */
  size_t n = strlen(sql);
  while (n > 0 && (sql[n - 1] == ';' || sql[n - 1] == ' ' ||
                   sql[n - 1] == '\n' || sql[n - 1] == '\t' ||
                   sql[n - 1] == '\r'))
    n--;
  lr_buf body = LR_BUF_INIT;
  lrb_add(&body, sql, n);
  if (body.oom) return SQLITE_NOMEM;
  char why[512] = "";
  int rc = lrs_prepare_user(conn, "SELECT * FROM ", lrb_str(&body), "", st,
                            why, sizeof why);
  lrb_free(&body);
  if (rc != SQLITE_OK) {
    /* Say it in terms of a query, not of a segment. */
    const char *m = why;
    if (strncmp(m, "segment SQL does not prepare: ", 30) == 0) m += 30;
    if (rc == SQLITE_AUTH)
      snprintf(err, errlen, "query: only reads of contacts, activities and "
               "outcomes are allowed (%s)", sqlite3_errmsg(conn));
    else if (strstr(m, "one expression"))
      snprintf(err, errlen, "query: give one SELECT statement");
    else
      snprintf(err, errlen, "query: %s", m);
  }
  return rc;
}

char **lrs_contact_columns(sqlite3 *conn, int *n) {
  *n = 0;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(conn, "SELECT * FROM contacts LIMIT 0", -1, &st,
                         NULL) != SQLITE_OK)
    return NULL;
  int cols = sqlite3_column_count(st);
  size_t bytes = (size_t)(cols + 1) * sizeof(char *);
  for (int i = 0; i < cols; i++)
    bytes += strlen(sqlite3_column_name(st, i)) + 1;
  char **v = malloc(bytes);
  if (v) {
    char *p = (char *)(v + cols + 1);
    for (int i = 0; i < cols; i++) {
      const char *name = sqlite3_column_name(st, i);
      size_t len = strlen(name) + 1;
      memcpy(p, name, len);
      v[i] = p;
      p += len;
    }
    v[cols] = NULL;
    *n = cols;
  }
  sqlite3_finalize(st);
  return v;
}

int lrs_stage_counts(sqlite3 *conn,
                     void (*fn)(void *ctx, const char *stage, long long n),
                     void *ctx) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(conn, "SELECT coalesce(stage, ''), count(*) "
                              "FROM contacts GROUP BY 1", -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    fn(ctx, (const char *)sqlite3_column_text(st, 0),
       sqlite3_column_int64(st, 1));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int lrs_contact_row(sqlite3 *conn, long long id, sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v2(conn, "SELECT * FROM contacts WHERE id = ?1",
                              -1, st, NULL);
  if (rc == SQLITE_OK) sqlite3_bind_int64(*st, 1, id);
  return rc;
}

int lrs_contact_activities(sqlite3 *conn, long long id, sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v2(conn, "SELECT type, occurred_at AS at, value, "
                              "campaign FROM activities WHERE contact_id = ?1 "
                              "ORDER BY occurred_at, id", -1, st, NULL);
  if (rc == SQLITE_OK) sqlite3_bind_int64(*st, 1, id);
  return rc;
}

static int cancel_check(void *ctx) {
  return *(volatile int *)ctx != 0;
}

void lrs_watch_cancel(sqlite3 *conn, volatile int *cancel) {
  /* Every few thousand VM steps: cheap, and a runaway recursive query
  ** still stops within milliseconds of Ctrl-C. */
  if (cancel) sqlite3_progress_handler(conn, 4096, cancel_check, (void *)cancel);
  else sqlite3_progress_handler(conn, 0, NULL, NULL);
}
