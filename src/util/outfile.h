/*
** outfile.h -- a file that appears only complete: written to a temporary
** file beside its target (same directory, so the rename is atomic) and
** renamed over it on commit; an abort removes the temporary file and
** nothing else.  A target that exists and is not a regular file (a
** device, a pipe: /dev/stdout, /dev/null) cannot be replaced and is
** written in place instead.
*/
#ifndef LR_OUTFILE_H
#define LR_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct lrb_outfile {
  char *target;      /* where the file goes (an lrb_path_final name) */
  char *tmp;         /* the temporary file; NULL when written in place */
  FILE *f;           /* NULL once closed */
  int err;           /* errno of the first failed write or sync; 0 */
} lrb_outfile;

/* Start writing `target`: create the temporary file, mode 0666 less the
** umask like any new file.  0, or an errno value (EACCES for a directory
** or an existing file not writable) with nothing created. */
int lrb_out_begin(lrb_outfile *o, const char *target);
/* Append n bytes; 0, or non-zero after a failed write (o->err says why;
** later writes are refused). */
int lrb_out_write(lrb_outfile *o, const void *p, size_t n);
/* Flush, fsync and close the temporary file (the target is untouched).
** 0 or an errno value; done once, later calls repeat the result. */
int lrb_out_sync(lrb_outfile *o);
/* lrb_out_sync, then rename over the target.  0, or an errno value with
** the temporary file removed and the target as it was.  o is released. */
int lrb_out_commit(lrb_outfile *o);
/* Remove the temporary file (a target written in place is left alone)
** and release o.  Safe on a zeroed or released o. */
void lrb_out_abort(lrb_outfile *o);

#endif
