/*
** grow.c -- arrays that double (grow.h).
*/
#include <stdlib.h>

#include "grow.h"

void *lru_grow(void *v, long long n, long long *cap, size_t size,
               long long first) {
  if (n < *cap) return v;
  long long c = *cap ? *cap * 2 : first;
  void *p = realloc(v, (size_t)c * size);
  if (!p) return NULL;
  *cap = c;
  return p;
}
