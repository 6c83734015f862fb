/*
** tdb.h -- the t_db.h helpers over one database file, tdb_path, for
** tests that look into it with plain SQLite.
*/
#ifndef LR_TDB_H
#define LR_TDB_H

#include "t_db.h"

static const char *tdb_path;     /* the database the helpers open */

__attribute__((unused)) static void sql(const char *q) { t_sql(tdb_path, q); }
__attribute__((unused)) static long long sql_int(const char *q) {
  return t_sql_int(tdb_path, q);
}
__attribute__((unused)) static const char *sql_text(const char *q) {
  return t_sql_text(tdb_path, q);
}

#endif
