/*
** dbcheck.h -- looking into a database file from a test: one number that
** changes when any table, index or row changes (to prove a failed import
** left the file as it was), and single-value queries.  A postgresql://
** URI (t_db, t_pg.h) is looked into through libpq.
*/
#ifndef LR_DBCHECK_H
#define LR_DBCHECK_H

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "t_pg.h"

static inline void db_hash(unsigned long long *h, const void *p, size_t n) {
  const unsigned char *u = p;
  for (size_t i = 0; i < n; i++) *h = (*h ^ u[i]) * 1099511628211ULL;
}

/* FNV-1a over the schema and every row of every table, in order. */
static inline unsigned long long db_digest(const char *path) {
  if (t_is_uri(path)) return t_pg_digest(path);
  unsigned long long h = 1469598103934665603ULL;
  sqlite3 *s = NULL;
  if (sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    sqlite3_close(s);
    return 0;
  }
  sqlite3_stmt *tables = NULL;
  sqlite3_prepare_v2(s, "SELECT type, name, coalesce(sql,'') FROM sqlite_schema "
                     "ORDER BY type, name", -1, &tables, NULL);
  while (sqlite3_step(tables) == SQLITE_ROW) {
    for (int i = 0; i < 3; i++)
      db_hash(&h, sqlite3_column_text(tables, i),
              (size_t)sqlite3_column_bytes(tables, i));
    if (strcmp((const char *)sqlite3_column_text(tables, 0), "table") != 0)
      continue;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"",
             (const char *)sqlite3_column_text(tables, 1));
    sqlite3_stmt *rows = NULL;
    if (sqlite3_prepare_v2(s, sql, -1, &rows, NULL) != SQLITE_OK) continue;
    while (sqlite3_step(rows) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(rows); c++) {
        int t = sqlite3_column_type(rows, c);
        db_hash(&h, &t, sizeof t);
        if (t == SQLITE_INTEGER) {
          long long v = sqlite3_column_int64(rows, c);
          db_hash(&h, &v, sizeof v);
        } else if (t == SQLITE_FLOAT) {
          double v = sqlite3_column_double(rows, c);
          db_hash(&h, &v, sizeof v);
        } else if (t != SQLITE_NULL) {
          db_hash(&h, sqlite3_column_blob(rows, c),
                  (size_t)sqlite3_column_bytes(rows, c));
        }
      }
    }
    sqlite3_finalize(rows);
  }
  sqlite3_finalize(tables);
  sqlite3_close(s);
  return h;
}

/* First column of the first row, as integer / text (static buffer). */
static inline long long q_int(const char *path, const char *sql) {
  if (t_is_uri(path)) {
    int found;
    const char *v = t_pg_first(path, sql, &found);
    if (!found) return -999999;
    return !v ? 0 : strpbrk(v, ".eEin") ? (long long)strtod(v, NULL)
                                        : strtoll(v, NULL, 10);
  }
  sqlite3 *s = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -999999;
  sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL);
  if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  else
    fprintf(stderr, "q_int(%s): %s\n", sql, sqlite3_errmsg(s));
  sqlite3_finalize(st);
  sqlite3_close(s);
  return v;
}

static inline const char *q_text(const char *path, const char *sql) {
  static char bufs[4][4096];
  static int k;
  char *b = bufs[k++ % 4];
  sqlite3 *s = NULL;
  sqlite3_stmt *st = NULL;
  snprintf(b, 4096, "(no row)");
  if (t_is_uri(path)) {
    int found;
    const char *v = t_pg_first(path, sql, &found);
    if (found) snprintf(b, 4096, "%s", v ? v : "(null)");
    return b;
  }
  sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL);
  if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    snprintf(b, 4096, "%s", t ? t : "(null)");
  } else {
    fprintf(stderr, "q_text(%s): %s\n", sql, sqlite3_errmsg(s));
  }
  sqlite3_finalize(st);
  sqlite3_close(s);
  return b;
}

#endif
