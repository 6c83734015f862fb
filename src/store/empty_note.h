/*
** empty_note.h -- the note an export whose --stage or --segment matches
** no contact prints (which stages or segments have contacts, and the
** name in another case), built alike by each backend from its rows of
** (group, count).
*/
#ifndef LR_EMPTY_NOTE_H
#define LR_EMPTY_NOTE_H

#include "../util/buf.h"

typedef struct lrs_empty_note {
  lr_buf list;                       /* "lead 3, mql 1" */
  char *icase;                       /* the name in another case, or NULL */
  int found, n;
} lrs_empty_note;

/* Start with {0}; add each group with its count, in the order shown. */
void lrs_empty_note_add(lrs_empty_note *e, const char *name,
                        const char *group, long long count);
/* Unless some group was `name`, append the note to `note` ("; " after
** what it holds); then free e's memory. */
void lrs_empty_note_end(lrs_empty_note *e, lr_buf *note, int segment,
                        const char *name);

#endif
