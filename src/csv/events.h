/*
** events.h -- column lookup shared by activities and outcomes files,
** whose columns are fixed (with a few accepted spellings each).
*/
#ifndef LR_CSV_EVENTS_H
#define LR_CSV_EVENTS_H

#include "import.h"

/* The column named by one of `names` (NULL-terminated list of field
** names); -1 if none.  Two columns for the same thing is an error (*rc). */
int lrc_event_column(lrc_import *im, const lrc_row *header,
                     const char *const *names, int *used, int *rc);
/* Every column must be one of the known ones (used[i] set) or skipped. */
int lrc_event_no_extra(lrc_import *im, const lrc_row *header, const int *used,
                       const char *expected);

#endif
