/*
** bulk_index.c -- a table's secondary indexes set aside during a large
** load and built again after it.
**
** Each row appended to a table with an index on other columns is also an
** insert into that index; when the rows come in another order than the
** index's (an event log is in time order, the activities index in contact
** order) every insert lands on another page, and a load of millions of
** rows spends most of its time moving index pages through the cache and
** the journal.  Building the index afterwards is one sort.  Only indexes
** that cannot fail are set aside (not UNIQUE, not the primary key's): a
** constraint error must come from the row that breaks it, as it does
** without the bulk path.  DROP and CREATE are part of the caller's
** transaction, so a rollback (or a kill) restores the indexes as they
** were.
*/
#include <stdlib.h>
#include <string.h>

#include "bulk_index.h"
#include "db_int.h"

static const char LIST[] =
    "SELECT s.name, s.sql FROM pragma_index_list(?1) AS l "
    "JOIN sqlite_schema AS s ON s.name = l.name AND s.type = 'index' "
    "WHERE l.\"unique\" = 0 AND l.origin = 'c' AND s.sql IS NOT NULL "
    "ORDER BY s.name";

int lrs_indexes_drop(lr_db *db, const char *table, lr_buf *saved) {
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql, LIST, -1, &st, NULL);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "bulk load");
  sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
  lr_buf drop = LR_BUF_INIT;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    lrb_adds(&drop, "DROP INDEX ");
    lrs_quote_ident(&drop, (const char *)sqlite3_column_text(st, 0));
    lrb_adds(&drop, ";");
    lrb_printf(saved, "%s;", (const char *)sqlite3_column_text(st, 1));
  }
  sqlite3_finalize(st);
  int rc = LR_OK;
  if (src != SQLITE_DONE) rc = lrs_sqlerr(db, src, "bulk load");
  else if (drop.oom || saved->oom) rc = lr__err(db, LR_NOMEM, "out of memory");
  else if (drop.n) rc = lrs_exec(db, drop.p);
  lrb_free(&drop);
  return rc;
}

int lrs_indexes_rebuild(lr_db *db, const lr_buf *saved) {
  if (!saved->n) return LR_OK;
  /* The sort of CREATE INDEX on two threads: SQLite sorts runs of rows
  ** in worker threads while the main one reads the table. */
  int old = sqlite3_limit(db->sql, SQLITE_LIMIT_WORKER_THREADS, -1);
  sqlite3_limit(db->sql, SQLITE_LIMIT_WORKER_THREADS, 2);
  int rc = lrs_exec(db, saved->p);
  sqlite3_limit(db->sql, SQLITE_LIMIT_WORKER_THREADS, old);
  return rc;
}
