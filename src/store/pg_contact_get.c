/*
** pg_contact_get.c -- lr_contact_get's read on PostgreSQL: one contact's
** engine-owned state, its grades and group scores in the order their
** JSON objects hold them (json_each on json, not jsonb, keeps it, as
** SQLite's json_each does).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

#include "../util/arena.h"

static const char ROW[] =
  "SELECT id, key, stage, score, grade, owner, assigned_at, due_at, "
  "stage_since, manual_at, manual_until, updated_at, grades, scores "
  "FROM " LRS_PG_CONTACTS " AS contacts WHERE id = $1";

static const char *dup(lr_arena *a, const PGresult *r, int i, int *oom) {
  if (PQgetisnull(r, 0, i)) return NULL;
  char *d = lra_strdup(a, PQgetvalue(r, 0, i));
  if (!d) *oom = 1;
  return d;
}

/* The members of the JSON object `json` into c's grades (as text) or
** scores (as numbers); a value that is not an object gives none. */
static int members(lr_db *db, lr_contact *c, lr_arena *a, const char *json,
                   int as_grades) {
  if (!json) return LR_OK;
  const char *p[] = { json };
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT key, value #>> '{}' FROM json_each("
                        "CASE WHEN json_typeof($1::json) = 'object' THEN "
                        "$1::json ELSE '{}' END)", 1, p, &res,
                        "read contact");
  if (rc != LR_OK) return rc;
  int n = PQntuples(res), oom = 0;
  lr_named_grade *g = as_grades ? lra_alloc(a, (size_t)n * sizeof *g + 1)
                                : NULL;
  lr_named_score *s = as_grades ? NULL
                                : lra_alloc(a, (size_t)n * sizeof *s + 1);
  oom = !g && !s;
  for (int i = 0; i < n && !oom; i++) {
    const char *name = lra_strdup(a, PQgetvalue(res, i, 0));
    const char *v = PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1);
    if (as_grades) g[i] = (lr_named_grade){ name, v ? lra_strdup(a, v) : NULL };
    else s[i] = (lr_named_score){ name, v ? strtod(v, NULL) : 0 };
    oom = !name || (as_grades && v && !g[i].grade);
  }
  PQclear(res);
  if (oom) return lr__err(db, LR_NOMEM, "out of memory");
  if (as_grades) { c->grades = g; c->n_grades = n; }
  else { c->scores = s; c->n_scores = n; }
  return LR_OK;
}

int lrs_pg_contact_fill(lr_db *db, lr_contact *c, lr_arena *a, long long id) {
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", id);
  const char *p[] = { ids };
  PGresult *r;
  int rc = lrs_pg_query(db, ROW, 1, p, &r, "read contact"), oom = 0;
  if (rc != LR_OK) return rc;
  if (!PQntuples(r)) {
    PQclear(r);
    return lr__err(db, LR_NOTFOUND, "no contact #%lld", id);
  }
  c->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  c->key = dup(a, r, 1, &oom);
  c->stage = dup(a, r, 2, &oom);
  c->score = strtod(PQgetvalue(r, 0, 3), NULL);
  c->grade = dup(a, r, 4, &oom);
  c->owner = dup(a, r, 5, &oom);
  long long *times[] = { &c->assigned_at, &c->due_at, &c->stage_since,
                         &c->manual_at, &c->manual_until, &c->updated_at };
  for (int i = 0; i < 6; i++) *times[i] = strtoll(PQgetvalue(r, 0, 6 + i),
                                                  NULL, 10);
  const char *grades = dup(a, r, 12, &oom);
  const char *scores = dup(a, r, 13, &oom);
  PQclear(r);
  if (oom) return lr__err(db, LR_NOMEM, "out of memory");
  rc = members(db, c, a, grades, 1);
  return rc == LR_OK ? members(db, c, a, scores, 0) : rc;
}
