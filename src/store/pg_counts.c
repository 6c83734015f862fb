/*
** pg_counts.c -- counts.h on PostgreSQL: a stage's contacts, a segment's
** members, the contacts a segment's `where` matches (over the typed
** columns of pg_scan_cols.c, in the reader's read-only transaction).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

static int count(lrs_snap *s, const char *sql, const char *param,
                 long long *n) {
  PGresult *res;
  const char *p[] = { param };
  int rc = lrs_pg_snap_query(s, sql, param ? 1 : 0, p, &res);
  if (rc != LR_OK) return rc;
  *n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return LR_OK;
}

/* Stage names match in any case, as SQLite's COLLATE NOCASE (ASCII). */
int lrs_pg_count_stage(lrs_snap *s, const char *stage, int is_first,
                       long long *n) {
  return count(s, is_first
      ? "SELECT count(*) FROM " LRS_PG_CONTACTS " AS contacts WHERE "
        "lower(stage) = lower($1) OR stage IS NULL"
      : "SELECT count(*) FROM contact_state WHERE lower(stage) = lower($1)",
      stage, n);
}

int lrs_pg_count_members(lrs_snap *s, const char *segment, long long *n) {
  return count(s, "SELECT count(*) FROM segment_members WHERE segment = $1",
               segment, n);
}

/* sql = `head` over one row of typed columns per contact, filtered by a
** segment's where, checked by the guard of user SQL (not run). */
static int where_sql(lrs_snap *s, const char *head, const char *where,
                     lr_buf *sql, char *err, size_t errlen) {
  char **names;
  int *kinds, ncols;
  lr_buf select = LR_BUF_INIT, view = LR_BUF_INIT;
  int rc = lrs_pg_scan_cols(s, &names, &kinds, &ncols, &select, &view);
  if (rc == LR_OK) {
    for (int i = 0; i < ncols; i++) free(names[i]);
    free(names);
    free(kinds);
    lrs_pg_user_with(sql, lrb_str(&view), LRS_PG_CONTACTS " AS contacts");
    lrb_printf(sql, "SELECT %s FROM lr_batch AS contacts WHERE (\n%s\n)",
               head, where);
    rc = sql->oom ? LR_NOMEM : lrs_pg_user_check(s, lrb_str(sql), where, 0,
                                                 err, errlen);
  }
  else snprintf(err, errlen, "%s", lrs_snap_errmsg(s));
  lrb_free(&select);
  lrb_free(&view);
  return rc;
}

int lrs_pg_count_where(lrs_snap *s, const char *where, long long *n,
                       char *err, size_t errlen) {
  lr_buf sql = LR_BUF_INIT;
  int rc = where_sql(s, "count(*)", where, &sql, err, errlen);
  PGresult *res;
  if (rc == LR_OK) {
    rc = lrs_pg_user_query(s, lrb_str(&sql), 0, NULL, &res);
    if (rc == LR_OK) {
      *n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
      PQclear(res);
    } else {
      snprintf(err, errlen, "segment SQL failed on PostgreSQL: %s",
               lrs_snap_errmsg(s));
    }
  }
  lrb_free(&sql);
  return rc;
}

/* The server's message is one line (pg_errmsg.c): check prints a
** finding on one line. */
int lrs_pg_where_check(lrs_snap *s, const char *where, char *err,
                       size_t errlen) {
  lr_buf sql = LR_BUF_INIT;
  int rc = where_sql(s, "contacts.id", where, &sql, err, errlen);
  lrb_free(&sql);
  return rc;
}
