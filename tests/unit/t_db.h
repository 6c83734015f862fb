/*
** t_db.h -- test helpers that reach a leadrules database with plain
** SQLite, to set up contacts before branch csv's importer is used and to
** check what the library wrote.  A postgresql:// URI (t_db's, t_pg.h)
** is reached through libpq instead, with the same SQL.
*/
#ifndef LR_T_DB_H
#define LR_T_DB_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "t.h"
#include "t_pg.h"

__attribute__((unused)) static void t_sql(const char *db, const char *q) {
  if (t_is_uri(db)) {
    PQclear(t_pg_sql(db, q));
    return;
  }
  sqlite3 *s;
  char *err = NULL;
  if (sqlite3_open(db, &s) != SQLITE_OK ||
      sqlite3_busy_timeout(s, 5000) != SQLITE_OK ||
      sqlite3_exec(s, q, 0, 0, &err) != SQLITE_OK) {
    fprintf(stderr, "sql failed on %s: %s\n%s\n", db,
            err ? err : sqlite3_errmsg(s), q);
    exit(2);
  }
  sqlite3_close(s);
}

/* The first row of q on db, stepped; the caller reads st, then t_sql_done.
** Returns 1 when there is a row. */
static int t_sql_row(const char *db, const char *q, sqlite3 **s,
                     sqlite3_stmt **st) {
  sqlite3_open(db, s);
  if (sqlite3_prepare_v2(*s, q, -1, st, NULL) != SQLITE_OK) {
    fprintf(stderr, "bad query: %s: %s\n", q, sqlite3_errmsg(*s));
    exit(2);
  }
  return sqlite3_step(*st) == SQLITE_ROW;
}

static void t_sql_done(sqlite3 *s, sqlite3_stmt *st) {
  sqlite3_finalize(st);
  sqlite3_close(s);
}

/* First column of the first row; -999 for no row. */
__attribute__((unused)) static long long t_sql_int(const char *db,
                                                   const char *q) {
  if (t_is_uri(db)) {
    int found;
    const char *v = t_pg_first(db, q, &found);
    if (!found) return -999;
    if (!v) return 0;
    return strpbrk(v, ".eEin") ? (long long)strtod(v, NULL)
                               : strtoll(v, NULL, 10);
  }
  sqlite3 *s;
  sqlite3_stmt *st;
  long long v = t_sql_row(db, q, &s, &st) ? sqlite3_column_int64(st, 0) : -999;
  t_sql_done(s, st);
  return v;
}

__attribute__((unused)) static double t_sql_real(const char *db,
                                                 const char *q) {
  if (t_is_uri(db)) {
    int found;
    const char *v = t_pg_first_as(db, q, &found, 1);
    return !found ? -999 : v ? strtod(v, NULL) : 0;
  }
  sqlite3 *s;
  sqlite3_stmt *st;
  double v = t_sql_row(db, q, &s, &st) ? sqlite3_column_double(st, 0) : -999;
  t_sql_done(s, st);
  return v;
}

/* First column of the first row as text; "(none)" for no row or NULL.
** The result lives until 16 more calls. */
__attribute__((unused)) static const char *t_sql_text(const char *db,
                                                      const char *q) {
  static char bufs[16][2048];
  static int k;
  char *b = bufs[k++ % 16];
  sqlite3 *s;
  sqlite3_stmt *st;
  snprintf(b, 2048, "(none)");
  if (t_is_uri(db)) {
    int found;
    const char *v = t_pg_first(db, q, &found);
    if (v) snprintf(b, 2048, "%s", v);
    return b;
  }
  if (t_sql_row(db, q, &s, &st) && sqlite3_column_text(st, 0))
    snprintf(b, 2048, "%s", sqlite3_column_text(st, 0));
  t_sql_done(s, st);
  return b;
}

/* Add n contacts c1@x.example ... with a title every third one. */
__attribute__((unused)) static void t_add_contacts(const char *db, int n) {
  char q[512];
  snprintf(q, sizeof q,
           "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM i "
           "WHERE n < %d) INSERT INTO contacts(key,email,title,company_size) "
           "SELECT 'c'||n||'@x.example', 'c'||n||'@x.example', "
           "CASE WHEN n %% 3 = 0 THEN 'VP Sales' ELSE 'Engineer' END, "
           "n * 10 FROM i", n);
  t_sql(db, q);
}

/* Read a whole file into a malloc'ed buffer (NULL if missing). */
__attribute__((unused)) static char *t_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
  if (b) b[n] = 0;
  fclose(f);
  if (len) *len = (size_t)n;
  return b;
}

#endif
