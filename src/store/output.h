/*
** output.h -- what the library's own outputs (the import's rejects file)
** need of an lr_output beyond the public calls.
*/
#ifndef LR_STORE_OUTPUT_H
#define LR_STORE_OUTPUT_H

#include "../leadrules.h"
#include "../util/buf.h"

/* Flush, fsync and close the temporary file, so that a write error
** surfaces before the caller commits its transaction; lr_output_commit
** then only renames.  LR_OK, or the code lrs_output_why explains (the
** output stays, to be aborted). */
int lrs_output_sync(lr_output *o);
/* After a failed lr_output_write or lrs_output_sync: append "OPT PATH:
** cannot write: REASON" to err and return the code (LR_IO, LR_FULL).
** db is not touched: the import's reading thread writes the rejects. */
int lrs_output_why(lr_output *o, lr_buf *err);
/* The database the output is bound to. */
lr_db *lrs_output_db(lr_output *o);

#endif
