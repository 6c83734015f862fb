/*
** grow.h -- room for one more element at the end of an array that
** doubles, the way every list of the engine and its tools grows.
*/
#ifndef LR_GROW_H
#define LR_GROW_H

#include <stddef.h>

/* Make room for v[n] in an array of *cap elements of `size` bytes: when
** n == *cap, realloc to twice *cap (or to `first` when empty).  Returns
** the array, perhaps moved, with *cap updated; NULL when out of memory,
** with v and *cap unchanged (the caller still owns v). */
void *lru_grow(void *v, long long n, long long *cap, size_t size,
               long long first);

#endif
