/*
** t_db.h -- test helpers that reach a leadrules database with plain
** SQLite, to set up contacts before branch csv's importer is used and to
** check what the library wrote.
*/
#ifndef LR_T_DB_H
#define LR_T_DB_H

#include <sqlite3.h>

#include "t.h"

__attribute__((unused)) static void t_sql(const char *db, const char *q) {
  sqlite3 *s;
  char *err = NULL;
  if (sqlite3_open(db, &s) != SQLITE_OK ||
      sqlite3_exec(s, q, 0, 0, &err) != SQLITE_OK) {
    fprintf(stderr, "sql failed on %s: %s\n%s\n", db,
            err ? err : sqlite3_errmsg(s), q);
    exit(2);
  }
  sqlite3_close(s);
}

__attribute__((unused)) static long long t_sql_int(const char *db,
                                                   const char *q) {
  sqlite3 *s;
  sqlite3_stmt *st;
  long long v = -999;
  sqlite3_open(db, &s);
  if (sqlite3_prepare_v2(s, q, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "bad query: %s: %s\n", q, sqlite3_errmsg(s));
    exit(2);
  }
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(s);
  return v;
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
