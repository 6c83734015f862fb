/*
** arena.c -- bump allocator.
*/
#include "arena.h"

#include <stdlib.h>
#include <string.h>

struct lr_arena_block {
  lr_arena_block *next;
  size_t used, cap;
  max_align_t data[];
};

void lra_init(lr_arena *a, size_t block_size) {
  a->head = NULL;
  a->block_size = block_size ? block_size : 16384;
}

void *lra_alloc(lr_arena *a, size_t n) {
  size_t align = sizeof(max_align_t);
  n = (n + align - 1) / align * align;
  lr_arena_block *b = a->head;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > a->block_size ? n : a->block_size;
    lr_arena_block *nb = malloc(sizeof *nb + cap);
    if (!nb) return NULL;
    nb->next = b;
    nb->used = 0;
    nb->cap = cap;
    a->head = b = nb;
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  return p;
}

char *lra_strndup(lr_arena *a, const char *s, size_t n) {
  char *d = lra_alloc(a, n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *lra_strdup(lr_arena *a, const char *s) {
  return lra_strndup(a, s, strlen(s));
}

void lra_reset(lr_arena *a) {
  lr_arena_block *b = a->head;
  if (!b) return;
  /* Keep the oldest block (the first allocated), free the rest. */
  while (b->next) {
    lr_arena_block *next = b->next;
    free(b);
    b = next;
  }
  b->used = 0;
  a->head = b;
}

void lra_free(lr_arena *a) {
  lr_arena_block *b = a->head;
  while (b) {
    lr_arena_block *next = b->next;
    free(b);
    b = next;
  }
  a->head = NULL;
}
