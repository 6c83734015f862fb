/*
** keymap.h -- every contact's key and id in memory, loaded once, so that
** a large import of activities finds each row's contact with a hash probe
** instead of a query per row (an event log changes contact every row).
*/
#ifndef LR_KEYMAP_H
#define LR_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct lrs_keymap lrs_keymap;

/* Load the key and id of every contact: LR_OK, or an LR code with db's
** message set.  About 23 bytes per contact plus the keys' bytes. */
int lrs_keymap_load(lr_db *db, lrs_keymap **out);
/* The id of the contact with this (normalised) key; 0 when none.  Reads
** only: threads may share a loaded map. */
long long lrs_keymap_find(const lrs_keymap *m, const char *key, size_t n);
/* The same in steps, so that the caller can do other work while the
** table's memory comes into the cache: hash the key, prefetch its slot,
** and later find it by that hash. */
uint64_t lrs_keymap_hash(const char *key, size_t n);
void lrs_keymap_prefetch(const lrs_keymap *m, uint64_t hash);
/* Once the slot is in: prefetch the record it points to. */
void lrs_keymap_prefetch_record(const lrs_keymap *m, uint64_t hash);
long long lrs_keymap_find_hashed(const lrs_keymap *m, const char *key,
                                 size_t n, uint64_t hash);
/* Contacts in the map. */
long long lrs_keymap_count(const lrs_keymap *m);
void lrs_keymap_free(lrs_keymap *m);

#endif
