/*
** contact_get.c -- lr_contact_get: one contact's engine-owned state (stage,
** score, every grade, group scores, owner, SLA and manual times) for a
** program that embeds the library, without going through export.  The
** contact and everything it points to live in one arena, freed at once.
*/
#include "db_int.h"
#include "pg_int.h"
#include "report_sql.h"
#include "scan.h"

#include <stdlib.h>
#include <string.h>

#include "../util/arena.h"

typedef struct held {
  lr_contact pub;                  /* first: lr_contact_free casts back */
  lr_arena arena;
} held;

static const char ROW[] =
  "SELECT id, key, stage, score, grade, owner, assigned_at, due_at, "
  "stage_since, manual_at, manual_until, updated_at, "
  "CASE WHEN json_valid(grades) THEN grades END, "
  "CASE WHEN json_valid(scores) THEN scores END FROM contacts WHERE id = ?1";
/* An object's members in order; text values as text, numbers as reals. */
static const char MEMBERS[] =
  "SELECT key, value, type FROM json_each(?1) ORDER BY id";

static const char *dup(held *h, sqlite3_stmt *st, int i, int *oom) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  if (!s) return NULL;
  char *d = lra_strdup(&h->arena, s);
  if (!d) *oom = 1;
  return d;
}

/* The members of the JSON object `json` into grades (as text) or scores
** (as numbers). */
static int members(lr_db *db, held *h, const char *json, int as_grades) {
  if (!json) return LR_OK;
  sqlite3_stmt *st = lrs_cached(db, MEMBERS);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, json, -1, SQLITE_TRANSIENT);
  int src, oom = 0, n = 0, cap = 0;
  lr_named_grade *g = NULL;
  lr_named_score *s = NULL;
  while ((src = sqlite3_step(st)) == SQLITE_ROW && !oom) {
    if (n == cap) {               /* the arena cannot grow in place: copy */
      cap = cap ? cap * 2 : 8;
      void *v = lra_alloc(&h->arena, (size_t)cap * (as_grades ? sizeof *g
                                                              : sizeof *s));
      if (!v) { oom = 1; break; }
      if (n) memcpy(v, as_grades ? (void *)g : (void *)s,
                    (size_t)n * (as_grades ? sizeof *g : sizeof *s));
      if (as_grades) g = v; else s = v;
    }
    const char *name = dup(h, st, 0, &oom);
    if (as_grades) g[n] = (lr_named_grade){ name, dup(h, st, 1, &oom) };
    else s[n] = (lr_named_score){ name, sqlite3_column_double(st, 1) };
    n++;
  }
  sqlite3_reset(st);
  if (oom) return lr__err(db, LR_NOMEM, "out of memory");
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "read contact");
  if (as_grades) { h->pub.grades = g; h->pub.n_grades = n; }
  else { h->pub.scores = s; h->pub.n_scores = n; }
  return LR_OK;
}

static int fill(lr_db *db, held *h, long long id) {
  if (db->pg) return lrs_pg_contact_fill(db, &h->pub, &h->arena, id);
  sqlite3_stmt *st = lrs_cached(db, ROW);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  int src = sqlite3_step(st), oom = 0;
  if (src != SQLITE_ROW) {
    sqlite3_reset(st);
    return src == SQLITE_DONE ? lr__err(db, LR_NOTFOUND, "no contact #%lld", id)
                              : lrs_sqlerr(db, src, "read contact");
  }
  lr_contact *c = &h->pub;
  c->id = sqlite3_column_int64(st, 0);
  c->key = dup(h, st, 1, &oom);
  c->stage = dup(h, st, 2, &oom);
  c->score = sqlite3_column_double(st, 3);
  c->grade = dup(h, st, 4, &oom);
  c->owner = dup(h, st, 5, &oom);
  long long *times[] = { &c->assigned_at, &c->due_at, &c->stage_since,
                         &c->manual_at, &c->manual_until, &c->updated_at };
  for (int i = 0; i < 6; i++) *times[i] = sqlite3_column_int64(st, 6 + i);
  const char *grades = dup(h, st, 12, &oom);
  const char *scores = dup(h, st, 13, &oom);
  sqlite3_reset(st);
  if (oom) return lr__err(db, LR_NOMEM, "out of memory");
  int rc = members(db, h, grades, 1);
  return rc == LR_OK ? members(db, h, scores, 0) : rc;
}

int lr_contact_get(lr_db *db, const char *key, lr_contact **contact) {
  if (contact) *contact = NULL;
  if (!lrs_is_open(db) || !key || !contact)
    return lr__err(db, LR_MISUSE, "lr_contact_get: no database, key or "
                   "result pointer");
  held *h = calloc(1, sizeof *h);
  if (!h) return lr__err(db, LR_NOMEM, "out of memory");
  lra_init(&h->arena, 1024);
  int rc = lrs_report_begin(db);       /* one snapshot */
  long long id = 0;
  if (rc == LR_OK && lrs_contact_id(lrs_snap_main(db), key, &id) != LR_OK)
    rc = lrs_snap_report(lrs_snap_main(db), "read contact");
  if (rc == LR_OK && !id)
    rc = lrs_no_contact(db, key);
  if (rc == LR_OK) rc = fill(db, h, id);
  lrs_report_end(db);
  if (rc != LR_OK) {
    lr_contact_free(&h->pub);
    return rc;
  }
  *contact = &h->pub;
  return lr__ok(db);
}

void lr_contact_free(lr_contact *contact) {
  if (!contact) return;
  held *h = (held *)contact;
  lra_free(&h->arena);
  free(h);
}
