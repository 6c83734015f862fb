/*
** changed.c -- the contacts run --changed evaluates (see changed.h).
*/
#include "db_int.h"
#include "pg_int.h"
#include "changed.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/grow.h"

static const char BASE[] =
    "SELECT id, policy_hash, now, reads_others FROM runs WHERE kind = 'run' "
    "AND scope IN ('full', 'changed') ORDER BY id DESC LIMIT 1";
/* Runs since the base that stop it standing for this one. */
static const char SINCE[] =
    "SELECT policy_hash IS NOT ?2, reads_others FROM runs WHERE id > ?1 AND "
    "kind = 'run' AND (policy_hash IS NOT ?2 OR reads_others) LIMIT 1";
/* Each set through its own partial index (IS NOT NULL, which each
** comparison implies): one statement with UNION ... ORDER BY id let
** SQLite scan the whole table twice in id order to skip the sort, which
** cost more than evaluating the contacts it found.  Merged in C. */
static const char MARKED[] =
    "SELECT id FROM contacts INDEXED BY contacts_by_change_mark "
    "WHERE change_mark >= ?1";
static const char EXPIRED[] =
    "SELECT id FROM contacts INDEXED BY contacts_by_stable_until "
    "WHERE stable_until <= ?1";

static int full(lrs_changed *c, int reason, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static int full(lrs_changed *c, int reason, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  c->reason = reason;
  vsnprintf(c->why, sizeof c->why, fmt, ap);
  va_end(ap);
  return LR_OK;
}

static int verdict(lrs_changed *c, int same, long long now, long long then,
                   int others);

/* The base run, or a reason in c.  LR code. */
static int find_base(lr_db *db, const char *hash, long long now,
                     lrs_changed *c) {
  if (db->pg) {
    int found, others;
    char h[128];
    long long then;
    int rc = lrs_pg_changed_base(db, &found, &c->base, h, sizeof h, &then,
                                 &others);
    if (rc != LR_OK) return rc;
    if (!found) return full(c, LR_FULL_NO_BASE, "no earlier run to start from");
    return verdict(c, h[0] && hash && strcmp(h, hash) == 0, now, then,
                   others);
  }
  sqlite3_stmt *st = lrs_cached(db, BASE);
  if (!st) return db->rc;
  int src = sqlite3_step(st);
  if (src != SQLITE_ROW) {
    sqlite3_reset(st);
    if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "find the last run");
    return full(c, LR_FULL_NO_BASE, "no earlier run to start from");
  }
  c->base = sqlite3_column_int64(st, 0);
  const char *h = (const char *)sqlite3_column_text(st, 1);
  int same = h && hash && strcmp(h, hash) == 0;
  long long then = sqlite3_column_int64(st, 2);
  int others = sqlite3_column_int(st, 3);
  sqlite3_reset(st);
  return verdict(c, same, now, then, others);
}

/* Whether the base run (c->base) can stand for this one. */
static int verdict(lrs_changed *c, int same, long long now, long long then,
                   int others) {
  if (!same)
    return full(c, LR_FULL_POLICY, "the policy changed since run %lld",
                c->base);
  if (others)
    return full(c, LR_FULL_OTHERS, "run %lld read other contacts (segment "
                "or stage count())", c->base);
  if (now < then)
    return full(c, LR_FULL_CLOCK, "the clock %lld is before run %lld's",
                now, c->base);
  return LR_OK;
}

/* A later run of another policy, or one that read other contacts. */
static int check_since(lr_db *db, const char *hash, lrs_changed *c) {
  int other, reads;
  if (db->pg) {
    int rc = lrs_pg_changed_since(db, c->base, hash, &other, &reads);
    if (rc != LR_OK) return rc;
  } else {
    sqlite3_stmt *st = lrs_cached(db, SINCE);
    if (!st) return db->rc;
    sqlite3_bind_int64(st, 1, c->base);
    if (hash) sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, 2);
    int src = sqlite3_step(st);
    other = src == SQLITE_ROW && sqlite3_column_int(st, 0);
    reads = src == SQLITE_ROW && sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
      return lrs_sqlerr(db, src, "find the last run");
  }
  if (other)
    return full(c, LR_FULL_POLICY, "another policy ran since run %lld",
                c->base);
  if (reads)
    return full(c, LR_FULL_OTHERS, "a run since run %lld read other "
                "contacts (segment or stage count())", c->base);
  return LR_OK;
}

/* Append the ids st finds for bound value v to c->ids. */
static int append_ids(lr_db *db, const char *sql, long long v,
                      lrs_changed *c, long long *cap) {
  if (db->pg)
    return lrs_pg_changed_ids(db, sql == EXPIRED, v, &c->ids, &c->n, cap);
  sqlite3_stmt *st = lrs_cached(db, sql);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, v);
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    long long *ids = lru_grow(c->ids, c->n, cap, sizeof *ids, 1024);
    if (!ids) {
      sqlite3_reset(st);
      return lr__err(db, LR_NOMEM, "out of memory");
    }
    c->ids = ids;
    c->ids[c->n++] = sqlite3_column_int64(st, 0);
  }
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "find changed contacts");
}

static int cmp_id(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

/* Both sets, in id order, each id once. */
static int collect_ids(lr_db *db, long long now, lrs_changed *c) {
  long long cap = 0;
  int rc = append_ids(db, MARKED, c->base, c, &cap);
  if (rc == LR_OK) rc = append_ids(db, EXPIRED, now, c, &cap);
  if (rc != LR_OK || c->n == 0) return rc;
  qsort(c->ids, (size_t)c->n, sizeof *c->ids, cmp_id);
  long long k = 1;
  for (long long i = 1; i < c->n; i++)
    if (c->ids[i] != c->ids[k - 1]) c->ids[k++] = c->ids[i];
  c->n = k;
  return LR_OK;
}

int lrs_changed_find(lr_db *db, const char *hash, long long now,
                     lrs_changed *c) {
  memset(c, 0, sizeof *c);
  int rc = find_base(db, hash, now, c);
  if (rc == LR_OK && !c->reason) rc = check_since(db, hash, c);
  if (rc == LR_OK && !c->reason) rc = collect_ids(db, now, c);
  return rc;
}

void lrs_changed_free(lrs_changed *c) {
  free(c->ids);
  memset(c, 0, sizeof *c);
}

static const char READS_OTHERS[] =
    "UPDATE runs SET reads_others = 1 WHERE id = ?1";

int lrs_run_reads_others(lr_db *db, long long run_id) {
  if (lrs_is_pg(db)) return lrs_pg_run_set(db, run_id, "reads_others", 1);
  sqlite3_stmt *st = lrs_cached(db, READS_OTHERS);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, run_id);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "record run");
}
