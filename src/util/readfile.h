/*
** readfile.h -- read a whole file into memory: policies, scripts, test
** files and local modules are all read this way.  Each caller words its
** own messages; this only says what went wrong.
*/
#ifndef LR_READFILE_H
#define LR_READFILE_H

#include <stddef.h>

#define LRB_FILE_OK    0
#define LRB_FILE_OPEN  1      /* fopen failed (*err = its errno) */
#define LRB_FILE_READ  2      /* a read failed (*err = its errno, or EIO) */
#define LRB_FILE_NOMEM 3      /* no memory for the contents */

/* Read the file at path.  On LRB_FILE_OK *out is the contents with a NUL
** after them (the caller frees it; "" for an empty file) and *len their
** size; otherwise *out is NULL and *err an errno value (0 for
** LRB_FILE_NOMEM). */
int lrb_read_file(const char *path, char **out, size_t *len, int *err);

/* lrb_read_file for a file the user named as a `what` ("policy",
** "script"): the contents (the caller frees them), or NULL with err set
** to "PATH: cannot open WHAT: REASON" or "PATH: cannot read WHAT". */
char *lrb_read_named(const char *path, const char *what, size_t *len,
                     char *err, size_t errlen);

#endif
