/*
** keymap.c -- contact key -> id, an open-addressing hash table.
**
** Compact and with few cache misses, because it holds every contact and an
** event log looks a different one up on every row: each contact is one
** record in an arena (its key's length as a varint, its id, its key), and
** the table is slots of (32-bit hash tag, record offset) at a load of
** 3/4, probed linearly.  The arena is blocks of 2 MiB, never moved: a
** growing buffer copied itself on the way to 35 MB of keys and left the
** old copies in the heap (84 MiB of RSS for a 55 MB map at 1M contacts).
** Blocks and slots are 2 MiB-aligned and asked for as huge pages: at 1M
** contacts every lookup missed the TLB twice, and a page walk is slow in
** a virtual machine.  A lookup reads one slot and, when the tag
** matches, one record: two cache misses.  About 20 bytes per contact
** besides its key.  (A first version kept offsets, ids and keys in three
** arrays: four misses per row, and the lookup was half the reading
** thread's time on a time-ordered log.)
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "db_int.h"
#include "pg_int.h"
#include "keymap.h"
#include "../util/grow.h"

#define BLOCK_BITS 21                 /* arena blocks of 2 MiB */
#define BLOCK ((size_t)1 << BLOCK_BITS)
#define MAX_BLOCKS ((size_t)1 << (32 - BLOCK_BITS))

typedef struct slot {
  uint32_t tag;            /* high hash bits | 1; 0: empty */
  uint32_t rec;            /* offset of the record in the arena */
} slot;

typedef struct block {
  char *p;
  size_t used, size;
} block;

struct lrs_keymap {
  long long n;             /* contacts */
  block *block;            /* records: varint length, 8-byte id, key; a
                           ** record's offset is block << 21 | offset in it
                           ** (a record over 2 MiB has a block of its own) */
  long long nblock, cap;
  slot *slots;
  uint64_t nslots;
};

uint64_t lrs_keymap_hash(const char *s, size_t n) {
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

/* The record at off: its key (*key, *n) and id. */
static long long record(const lrs_keymap *m, uint32_t off, const char **key,
                        size_t *n) {
  const unsigned char *p =
      (const unsigned char *)m->block[off >> BLOCK_BITS].p + (off & (BLOCK - 1));
  size_t len = 0;
  for (int shift = 0;; shift += 7) {
    len |= (size_t)(*p & 0x7f) << shift;
    if (!(*p++ & 0x80)) break;
  }
  long long id;
  memcpy(&id, p, sizeof id);
  *key = (const char *)p + sizeof id;
  *n = len;
  return id;
}

static void insert(lrs_keymap *m, uint32_t off) {
  const char *k;
  size_t n;
  record(m, off, &k, &n);
  uint64_t h = lrs_keymap_hash(k, n);
  uint64_t i = home(m, h);
  while (m->slots[i].tag)
    if (++i == m->nslots) i = 0;
  m->slots[i].tag = (uint32_t)(h >> 32) | 1;
  m->slots[i].rec = off;
}

void lrs_keymap_prefetch(const lrs_keymap *m, uint64_t h) {
  __builtin_prefetch(&m->slots[home(m, h)]);
}

void lrs_keymap_prefetch_record(const lrs_keymap *m, uint64_t h) {
  const slot *s = &m->slots[home(m, h)];
  if (s->tag == ((uint32_t)(h >> 32) | 1))
    __builtin_prefetch(m->block[s->rec >> BLOCK_BITS].p +
                       (s->rec & (BLOCK - 1)));
}

long long lrs_keymap_find(const lrs_keymap *m, const char *key, size_t n) {
  return lrs_keymap_find_hashed(m, key, n, lrs_keymap_hash(key, n));
}

long long lrs_keymap_find_hashed(const lrs_keymap *m, const char *key,
                                 size_t n, uint64_t h) {
  uint32_t tag = (uint32_t)(h >> 32) | 1;
  uint64_t i = home(m, h);
  for (;;) {
    const slot *s = &m->slots[i];
    if (!s->tag) return 0;
    if (s->tag == tag) {
      const char *k;
      size_t kn;
      long long id = record(m, s->rec, &k, &kn);
      if (kn == n && memcmp(k, key, n) == 0) return id;
    }
    if (++i == m->nslots) i = 0;
  }
}

long long lrs_keymap_count(const lrs_keymap *m) { return m->n; }

/* size bytes on huge pages where the system has them; NULL when out of
** memory. */
static void *huge(size_t size) {
  void *p = NULL;
  if (posix_memalign(&p, (size_t)1 << 21, size) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  madvise(p, size, MADV_HUGEPAGE);       /* a hint: fine if refused */
#endif
  return p;
}

/* Room for `need` bytes at the end of the arena; 0 when memory (or the
** 4 GiB of offsets) ran out. */
static int room(lrs_keymap *m, size_t need) {
  block *last = m->nblock ? &m->block[m->nblock - 1] : NULL;
  if (last && last->used + need <= last->size) return 1;
  if ((size_t)m->nblock == MAX_BLOCKS) return 0;
  if (m->nblock == m->cap) {
    void *b = lru_grow(m->block, m->nblock, &m->cap, sizeof *m->block, 64);
    if (!b) return 0;
    m->block = b;
  }
  block *b = &m->block[m->nblock];
  b->size = need > BLOCK ? need : BLOCK;
  b->used = 0;
  if (!(b->p = huge(b->size))) return 0;
  m->nblock++;
  return 1;
}

/* Append one record; 0 when memory ran out. */
static int add(lrs_keymap *m, const char *k, size_t n, long long id) {
  char head[16];
  size_t h = 0;
  for (size_t v = n;; v >>= 7) {
    head[h++] = (char)((v & 0x7f) | (v >> 7 ? 0x80 : 0));
    if (!(v >> 7)) break;
  }
  if (!room(m, h + sizeof id + n)) return 0;
  block *b = &m->block[m->nblock - 1];
  char *p = b->p + b->used;
  memcpy(p, head, h);
  memcpy(p + h, &id, sizeof id);
  memcpy(p + h + sizeof id, k, n);
  b->used += h + sizeof id + n;
  m->n++;
  return 1;
}

static const char KEYS[] = "SELECT key, id FROM contacts";

/* The hash slots over every record loaded. */
static int index_all(lr_db *db, lrs_keymap *m) {
  m->nslots = (uint64_t)m->n + (uint64_t)m->n / 3 + 1;   /* load <= 3/4 */
  m->slots = huge(m->nslots * sizeof *m->slots);
  if (!m->slots) return lr__err(db, LR_NOMEM, "out of memory (contact keys)");
  memset(m->slots, 0, m->nslots * sizeof *m->slots);
  for (long long b = 0; b < m->nblock; b++) {
    const char *base = m->block[b].p;
    for (size_t off = 0; off < m->block[b].used;) {
      uint32_t rec = (uint32_t)((size_t)b << BLOCK_BITS | off);
      const char *k;
      size_t n;
      record(m, rec, &k, &n);
      insert(m, rec);
      off = (size_t)(k - base) + n;
    }
  }
  return LR_OK;
}

static int add_cb(void *m, const char *k, size_t n, long long id) {
  return add(m, k, n, id);
}

int lrs_keymap_load(lr_db *db, lrs_keymap **out) {
  *out = NULL;
  lrs_keymap *m = calloc(1, sizeof *m);
  if (!m) return lr__err(db, LR_NOMEM, "out of memory");
  if (db->pg) {
    int rc = lrs_pg_each_key(db, add_cb, m);
    if (rc == LR_OK) rc = index_all(db, m);
    if (rc == LR_OK) *out = m;
    else lrs_keymap_free(m);
    return rc;
  }
  sqlite3_stmt *st = lrs_cached(db, KEYS);
  if (!st) {
    free(m);
    return db->rc;
  }
  int src, ok = 1;
  while (ok && (src = sqlite3_step(st)) == SQLITE_ROW)
    ok = add(m, (const char *)sqlite3_column_text(st, 0),
             (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_int64(st, 1));
  sqlite3_reset(st);
  int rc = LR_OK;
  if (!ok) rc = lr__err(db, LR_NOMEM, "out of memory (contact keys)");
  else if (src != SQLITE_DONE) rc = lrs_sqlerr(db, src, "contact keys");
  if (rc == LR_OK) rc = index_all(db, m);
  if (rc != LR_OK) {
    lrs_keymap_free(m);
    return rc;
  }
  *out = m;
  return LR_OK;
}

void lrs_keymap_free(lrs_keymap *m) {
  if (!m) return;
  for (long long b = 0; b < m->nblock; b++) free(m->block[b].p);
  free(m->block);
  free(m->slots);
  free(m);
}
