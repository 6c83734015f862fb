/*
** counts.c -- read-only counts and user SQL under the authorizer.
*/
#include "counts.h"

#include "db_int.h"

#include <stdio.h>
#include <string.h>

#include "../util/buf.h"

/* User SQL (segment `where`) may read contact data and call functions;
** nothing else: no writes, no attach, no pragmas, no other tables. */
static int authorizer(void *ctx, int action, const char *a, const char *b,
                      const char *db, const char *trigger) {
  (void)ctx; (void)b; (void)trigger;
  switch (action) {
    case SQLITE_SELECT:
      return SQLITE_OK;
    case SQLITE_FUNCTION:
      /* Deny functions that reach outside the data. */
      if (b && (strcmp(b, "load_extension") == 0 || strcmp(b, "readfile") == 0
                || strcmp(b, "writefile") == 0 || strcmp(b, "edit") == 0 ||
                strcmp(b, "fts3_tokenizer") == 0))
        return SQLITE_DENY;
      return SQLITE_OK;
    case SQLITE_READ:
      if (db && strcmp(db, "main") != 0) return SQLITE_DENY;
      if (a && (strcmp(a, "contacts") == 0 || strcmp(a, "activities") == 0 ||
                strcmp(a, "outcomes") == 0))
        return SQLITE_OK;
      return SQLITE_DENY;
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    default:
      return SQLITE_DENY;
  }
}

int lrs_prepare_user(sqlite3 *conn, const char *head, const char *where,
                     const char *tail, sqlite3_stmt **st, char *err,
                     size_t errlen) {
  lr_buf sql = LR_BUF_INIT;
  /* The user text sits on its own lines inside parentheses, so that a
  ** trailing "--" comment cannot swallow the rest of the statement. */
  lrb_printf(&sql, "%s(\n%s\n)%s", head, where, tail);
  if (sql.oom) return SQLITE_NOMEM;
  sqlite3_set_authorizer(conn, authorizer, NULL);
  const char *rest = NULL;
  int rc = sqlite3_prepare_v2(conn, sql.p, -1, st, &rest);
  sqlite3_set_authorizer(conn, NULL, NULL);
  if (rc == SQLITE_OK && rest) {
    while (*rest == ' ' || *rest == '\n' || *rest == '\t' || *rest == ';') rest++;
    if (*rest) {
      sqlite3_finalize(*st);
      *st = NULL;
      snprintf(err, errlen, "segment SQL must be one expression (found more "
               "after it)");
      lrb_free(&sql);
      return SQLITE_ERROR;
    }
  }
  if (rc != SQLITE_OK) {
    const char *m = sqlite3_errmsg(conn);
    if (rc == SQLITE_AUTH)
      snprintf(err, errlen, "segment SQL may only read contact data (%s)", m);
    else
      snprintf(err, errlen, "segment SQL does not prepare: %s", m);
  }
  lrb_free(&sql);
  return rc;
}

int lrs_count_stage(lrs_snap *snap, const char *stage, int is_first,
                    long long *n) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(snap->conn, is_first
      ? "SELECT count(*) FROM contacts WHERE stage=?1 COLLATE NOCASE OR stage IS NULL"
      : "SELECT count(*) FROM contacts WHERE stage=?1 COLLATE NOCASE",
      -1, &st, NULL);
  if (rc != SQLITE_OK) return lrs__snap_rc(snap, rc);
  sqlite3_bind_text(st, 1, stage, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *n = sqlite3_column_int64(st, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? LR_OK : lrs__snap_rc(snap, rc);
}

int lrs_count_where(lrs_snap *snap, const char *where, long long *n,
                    char *err, size_t errlen) {
  sqlite3_stmt *st;
  int rc = lrs_prepare_user(snap->conn, "SELECT count(*) FROM contacts WHERE ",
                            where, "", &st, err, errlen);
  if (rc != SQLITE_OK) return lrs__snap_rc(snap, rc);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *n = sqlite3_column_int64(st, 0);
    rc = SQLITE_OK;
  } else {
    snprintf(err, errlen, "segment SQL failed: %s", sqlite3_errmsg(snap->conn));
  }
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? LR_OK : lrs__snap_rc(snap, rc);
}

int lrs_count_members(lrs_snap *snap, const char *segment, long long *n) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(snap->conn,
      "SELECT count(*) FROM segment_members WHERE segment=?1", -1, &st, NULL);
  if (rc != SQLITE_OK) return lrs__snap_rc(snap, rc);
  sqlite3_bind_text(st, 1, segment, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *n = sqlite3_column_int64(st, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? LR_OK : lrs__snap_rc(snap, rc);
}

int lrs_where_check(lrs_snap *snap, const char *where, char *err,
                    size_t errlen) {
  sqlite3_stmt *st = NULL;
  int rc = lrs_prepare_user(snap->conn, "SELECT id FROM contacts WHERE ",
                            where, "", &st, err, errlen);
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? LR_OK : lrs__snap_rc(snap, rc);
}
