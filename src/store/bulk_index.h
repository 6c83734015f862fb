/*
** bulk_index.h -- set a table's secondary indexes aside for a large load
** and build them again after it (bulk_index.c), inside the caller's
** transaction.
*/
#ifndef LR_BULK_INDEX_H
#define LR_BULK_INDEX_H

#include "store.h"
#include "../util/buf.h"

/* Drop the indexes of `table` that no row can fail (not UNIQUE, not a
** constraint's), appending their CREATE statements to *saved.  LR_OK or
** an LR code with db's message set. */
int lrs_indexes_drop(lr_db *db, const char *table, lr_buf *saved);
/* Run the statements lrs_indexes_drop saved (nothing when none). */
int lrs_indexes_rebuild(lr_db *db, const lr_buf *saved);

#endif
