/*
** seen.c -- counting what an upsert did without keeping keys in memory.
**
** Every row an import writes carries the import's sequence number.  The
** DO UPDATE branch of an upsert sets import_seq = lr_seen(import_seq,
** excluded.import_seq): the old value tells whether this row was last
** written by an earlier import (an update) or earlier in this same file
** (a merge: the later row wins).  The function only runs on conflicts.
*/
#include "db_int.h"
#include "contacts_io.h"

static void seen(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  lrs_seen *c = sqlite3_user_data(ctx);
  if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER &&
      sqlite3_value_int64(argv[0]) == sqlite3_value_int64(argv[1]))
    c->merged++;
  else
    c->updated++;
  sqlite3_result_value(ctx, argv[1]);
}

int lrs_seen_register(lr_db *db, lrs_seen *counts) {
  int src = sqlite3_create_function_v2(db->sql, "lr_seen", 2,
                                       SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                       counts, seen, NULL, NULL, NULL);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "lr_seen");
  return LR_OK;
}

void lrs_seen_unregister(lr_db *db) {
  sqlite3_create_function_v2(db->sql, "lr_seen", 2, SQLITE_UTF8, NULL, NULL,
                             NULL, NULL, NULL);
}
