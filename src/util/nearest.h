/*
** nearest.h -- "did you mean": the nearest of a few names to a mistyped
** one, for the library's own messages (an unknown stage).  The same rule
** as the CLI's cli_nearest (src/cli/suggest.c), which the layers keep
** apart: the cli sees only leadrules.h.
*/
#ifndef LR_NEAREST_H
#define LR_NEAREST_H

/* Edit distance ignoring case: insertions, deletions, substitutions and
** swaps of two neighbours.  Names of 64 bytes or more are 64 away. */
int lrb_distance(const char *a, const char *b);

/* Of names[0..n), the one a typo of `word` most likely meant: at most two
** edits away and keeping most of the name; NULL when none is. */
const char *lrb_nearest(const char *word, const char *const *names, int n);

#endif
