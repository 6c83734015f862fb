/*
** samefile.h -- whether two names are one file: the test that keeps an
** output option from landing on the database or on an input.  A name is
** followed through its symlinks (a dangling one too: writing there would
** create the file it points to) and its directory made canonical, so
** "../x/leads.db", a symlink to it and the name itself all agree; hard
** links agree by device and inode.
*/
#ifndef LR_SAMEFILE_H
#define LR_SAMEFILE_H

/* The absolute name a file written at `path` lands at: symlinks followed,
** then the directory part resolved with realpath() (the last component
** need not exist).  NULL with *err an errno value (ENOENT for a missing
** directory, ELOOP, ENOMEM...).  The caller frees the result. */
char *lrb_path_final(const char *path, int *err);

/* 1 when a and b name one file: the same device and inode when both
** exist, the same lrb_path_final when neither does.  "-" stands for the
** standard input (compared by device and inode only). */
int lrb_same_file(const char *a, const char *b);

#endif
