/*
** counts.c -- read-only counts, of a stage, a segment's members, or the
** contacts a segment's `where` matches (under the guard of usersql.c).
*/
#include "counts.h"

#include "db_int.h"
#include "pg_int.h"

#include <stdio.h>
#include <string.h>

#include "../util/buf.h"

int lrs_count_stage(lrs_snap *snap, const char *stage, int is_first,
                    long long *n) {
  if (snap->pg) return lrs_pg_count_stage(snap, stage, is_first, n);
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
  if (snap->pg) return lrs_pg_count_where(snap, where, n, err, errlen);
  sqlite3_stmt *st;
  int rc = lrs_prepare_user(snap->conn, "SELECT count(*) FROM contacts WHERE ",
                            where, "", &st, err, errlen);
  if (rc != SQLITE_OK) return lrs__snap_rc(snap, rc);
  lrs__user_enter(snap, LRS_USER_COUNT);
  rc = sqlite3_step(st);
  lrs__user_leave(snap);
  if (rc == SQLITE_ROW) {
    *n = sqlite3_column_int64(st, 0);
    rc = SQLITE_OK;
  } else {
    lrs_user_sqlerr(snap, rc, "segment SQL failed", err, errlen);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? LR_OK : lrs__snap_rc(snap, rc);
}

int lrs_count_members(lrs_snap *snap, const char *segment, long long *n) {
  if (snap->pg) return lrs_pg_count_members(snap, segment, n);
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
  if (snap->pg) return lrs_pg_where_check(snap, where, err, errlen);
  sqlite3_stmt *st = NULL;
  int rc = lrs_prepare_user(snap->conn, "SELECT id FROM contacts WHERE ",
                            where, "", &st, err, errlen);
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? LR_OK : lrs__snap_rc(snap, rc);
}
