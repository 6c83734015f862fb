/*
** arena.h -- a bump allocator for short-lived strings (one contact, one
** chunk of results): many small allocations, freed all at once.
*/
#ifndef LR_ARENA_H
#define LR_ARENA_H

#include <stddef.h>

typedef struct lr_arena_block lr_arena_block;
typedef struct lr_arena {
  lr_arena_block *head;       /* current block (newest first) */
  size_t block_size;
} lr_arena;

void lra_init(lr_arena *a, size_t block_size);
/* n bytes aligned for any type; NULL on OOM. */
void *lra_alloc(lr_arena *a, size_t n);
/* Copy of s (n bytes) with a NUL; NULL on OOM. */
char *lra_strndup(lr_arena *a, const char *s, size_t n);
char *lra_strdup(lr_arena *a, const char *s);
/* Forget everything allocated, keep the first block for reuse. */
void lra_reset(lr_arena *a);
void lra_free(lr_arena *a);

#endif
