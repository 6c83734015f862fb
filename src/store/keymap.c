/*
** keymap.c -- contact key -> id, an open-addressing hash table.
**
** Compact, because it holds every contact: the keys sit end to end in one
** arena (key i is arena[off[i] .. off[i+1])), ids in one array, and the
** table is slots of (32-bit hash tag, entry index) at a load of 3/4,
** probed linearly.  A probe compares the tag before the key, so a miss
** rarely touches the arena.  About 23 bytes per contact besides its key
** (the previous map, a general hash of nodes, took 111 MiB at 1M).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "keymap.h"
#include "../util/buf.h"
#include "../util/grow.h"

typedef struct slot {
  uint32_t tag;            /* high hash bits | 1; 0: empty */
  uint32_t entry;
} slot;

struct lrs_keymap {
  long long n;             /* entries */
  lr_buf arena;            /* keys, end to end */
  uint32_t *off;           /* n + 1 offsets into arena */
  long long *id;
  slot *slots;
  uint64_t nslots;
};

/* 64-bit hash of a short string, eight bytes at a time. */
static uint64_t hash(const char *s, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 29;
    s += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, s, n);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 32;
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 33);
}

/* First slot of hash h: its low 32 bits scaled to the table size. */
static uint64_t home(const lrs_keymap *m, uint64_t h) {
  return ((h & 0xffffffffu) * m->nslots) >> 32;
}

static void insert(lrs_keymap *m, uint32_t e) {
  const char *k = m->arena.p + m->off[e];
  uint64_t h = hash(k, m->off[e + 1] - m->off[e]);
  uint64_t i = home(m, h);
  while (m->slots[i].tag)
    if (++i == m->nslots) i = 0;
  m->slots[i].tag = (uint32_t)(h >> 32) | 1;
  m->slots[i].entry = e;
}

long long lrs_keymap_find(const lrs_keymap *m, const char *key, size_t n) {
  uint64_t h = hash(key, n);
  uint32_t tag = (uint32_t)(h >> 32) | 1;
  uint64_t i = home(m, h);
  for (;;) {
    const slot *s = &m->slots[i];
    if (!s->tag) return 0;
    if (s->tag == tag) {
      uint32_t e = s->entry;
      if (m->off[e + 1] - m->off[e] == n &&
          memcmp(m->arena.p + m->off[e], key, n) == 0)
        return m->id[e];
    }
    if (++i == m->nslots) i = 0;
  }
}

long long lrs_keymap_count(const lrs_keymap *m) { return m->n; }

/* Append one key and id; 0 when memory (or the 4 GiB arena) ran out. */
static int add(lrs_keymap *m, long long *cap, const char *k, size_t n,
               long long id) {
  if (m->n == *cap) {
    long long c = *cap;
    void *o = lru_grow(m->off, m->n, &c, sizeof *m->off, 4096);
    if (!o) return 0;
    m->off = o;
    c = *cap;
    void *d = lru_grow(m->id, m->n, &c, sizeof *m->id, 4096);
    if (!d) return 0;
    m->id = d;
    *cap = c;
  }
  if (m->arena.n + n >= UINT32_MAX) return 0;
  m->off[m->n] = (uint32_t)m->arena.n;
  m->id[m->n] = id;
  lrb_add(&m->arena, k, n);
  m->n++;
  return !m->arena.oom;
}

static const char KEYS[] = "SELECT key, id FROM contacts";

int lrs_keymap_load(lr_db *db, lrs_keymap **out) {
  *out = NULL;
  lrs_keymap *m = calloc(1, sizeof *m);
  if (!m) return lr__err(db, LR_NOMEM, "out of memory");
  sqlite3_stmt *st = lrs_cached(db, KEYS);
  if (!st) {
    free(m);
    return db->rc;
  }
  long long cap = 0;
  int src, ok = 1;
  while (ok && (src = sqlite3_step(st)) == SQLITE_ROW)
    ok = add(m, &cap, (const char *)sqlite3_column_text(st, 0),
             (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_int64(st, 1));
  sqlite3_reset(st);
  int rc = LR_OK;
  if (!ok) rc = lr__err(db, LR_NOMEM, "out of memory (contact keys)");
  else if (src != SQLITE_DONE) rc = lrs_sqlerr(db, src, "contact keys");
  if (rc == LR_OK) {
    void *o = realloc(m->off, (size_t)(m->n + 1) * sizeof *m->off);
    if (o) m->off = o;
    if (!o) rc = lr__err(db, LR_NOMEM, "out of memory (contact keys)");
  }
  if (rc == LR_OK) {
    m->off[m->n] = (uint32_t)m->arena.n;
    m->nslots = (uint64_t)m->n + (uint64_t)m->n / 3 + 1;   /* load <= 3/4 */
    m->slots = calloc(m->nslots, sizeof *m->slots);
    if (!m->slots) rc = lr__err(db, LR_NOMEM, "out of memory (contact keys)");
  }
  if (rc != LR_OK) {
    lrs_keymap_free(m);
    return rc;
  }
  for (long long e = 0; e < m->n; e++) insert(m, (uint32_t)e);
  *out = m;
  return LR_OK;
}

void lrs_keymap_free(lrs_keymap *m) {
  if (!m) return;
  lrb_free(&m->arena);
  free(m->off);
  free(m->id);
  free(m->slots);
  free(m);
}
