/*
** empty_note.c -- the note of an export filter that matches no contact
** (empty_note.h).
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "empty_note.h"

void lrs_empty_note_add(lrs_empty_note *e, const char *name,
                        const char *group, long long count) {
  if (strcmp(group, name) == 0) e->found = 1;
  if (!e->icase && strcasecmp(group, name) == 0) e->icase = strdup(group);
  lrb_printf(&e->list, "%s%s %lld", e->n++ ? ", " : "", group, count);
}

void lrs_empty_note_end(lrs_empty_note *e, lr_buf *note, int segment,
                        const char *name) {
  const char *what = segment ? "segment" : "stage";
  if (!e->found) {
    lrb_printf(note, "%sno contact is in %s '%s'%s (", note->n ? "; " : "",
               what, name, segment ? " as of the last run" : "");
    if (e->n)
      lrb_printf(note, "the %ss with contacts: %s", what, lrb_str(&e->list));
    else
      lrb_printf(note, "no contact is in any %s yet: run a policy first",
                 what);
    if (e->icase)
      lrb_printf(note, "; names are case-sensitive: did you mean '%s'?",
                 e->icase);
    lrb_adds(note, ")");
  }
  free(e->icase);
  lrb_free(&e->list);
  memset(e, 0, sizeof *e);
}
