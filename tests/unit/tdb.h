/*
** tdb.h -- helpers for tests that look into a real database file with
** plain SQLite: run SQL, read one integer or text value.
*/
#ifndef LR_TDB_H
#define LR_TDB_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

static const char *tdb_path;     /* the database the helpers open */

__attribute__((unused)) static void sql(const char *q) {
  sqlite3 *s;
  sqlite3_open(tdb_path, &s);
  char *err = NULL;
  if (sqlite3_exec(s, q, 0, 0, &err) != SQLITE_OK) {
    fprintf(stderr, "sql failed: %s\n%s\n", err, q);
    exit(2);
  }
  sqlite3_close(s);
}

__attribute__((unused)) static long long sql_int(const char *q) {
  sqlite3 *s;
  sqlite3_stmt *st;
  long long v = -999;
  sqlite3_open(tdb_path, &s);
  if (sqlite3_prepare_v2(s, q, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "bad query: %s: %s\n", q, sqlite3_errmsg(s));
    exit(2);
  }
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(s);
  return v;
}

/* Text of the first column of the first row; "(none)" when NULL/no row. */
__attribute__((unused)) static const char *sql_text(const char *q) {
  static char bufs[8][1024];
  static int k;
  sqlite3 *s;
  sqlite3_stmt *st;
  char *b = bufs[k++ % 8];
  snprintf(b, 1024, "(none)");
  sqlite3_open(tdb_path, &s);
  if (sqlite3_prepare_v2(s, q, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "bad query: %s: %s\n", q, sqlite3_errmsg(s));
    exit(2);
  }
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(b, 1024, "%s", sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(s);
  return b;
}

#endif
