/*
** nearest.c -- "did you mean": the nearest of a few names to a mistyped
** one (lr_nearest in leadrules.h), for the library's messages (an unknown
** stage) and the CLI's (an unknown command or option).
*/
#include "../leadrules.h"

#include <ctype.h>
#include <string.h>

#define MAXLEN 64

/* Edit distance ignoring case: insertions, deletions, substitutions and
** swaps of two neighbours.  Names of 64 bytes or more are 64 away. */
static int distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n >= MAXLEN || m >= MAXLEN) return MAXLEN;
  int d[MAXLEN + 1][MAXLEN + 1];
  for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= n; i++) {
    for (size_t j = 1; j <= m; j++) {
      int ai = tolower((unsigned char)a[i - 1]);
      int bj = tolower((unsigned char)b[j - 1]);
      int best = d[i - 1][j - 1] + (ai != bj);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == bj &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[n][m];
}

const char *lr_nearest(const char *word, const char *const *names, int n) {
  if (!word || !names) return NULL;
  const char *best = NULL;
  int bd = 3;                       /* a typo is at most 2 edits away */
  for (int i = 0; i < n; i++) {
    if (!names[i]) continue;
    int d = distance(word, names[i]);
    size_t len = strlen(names[i]) > strlen(word) ? strlen(names[i])
                                                 : strlen(word);
    /* and leaves most of the name: "in" is no typo of "info" */
    if (d < bd && (size_t)d * 3 <= len) {
      best = names[i];
      bd = d;
    }
  }
  return best;
}
