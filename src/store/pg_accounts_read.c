/*
** pg_accounts_read.c -- accounts.h's reads on PostgreSQL: the accounts a
** run or explain evaluates (on a snapshot), the contacts matched to one,
** an account's key, and the stored score parts and stage counts (on the
** main connection, inside a run's transaction when there is one).  Text
** is ordered as SQLite's BINARY collation (COLLATE "C"), so that the
** accounts come in the order lrs_accounts_find searches.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "db_int.h"
#include "pg_int.h"

#define LOAD_COLS \
    "SELECT a.id, a.key, a.data, a.score, a.scores, a.grade, a.grades," \
    " a.stage, a.owner, a.stage_since, a.assigned_at, a.due_at," \
    " (SELECT count(*) FROM contacts c WHERE c.account_key = a.key)" \
    " FROM accounts a "
static const char LOAD_SQL[] = LOAD_COLS "ORDER BY a.key COLLATE \"C\"";
static const char LOAD_ONE_SQL[] = LOAD_COLS "WHERE a.key = $1";
#undef LOAD_COLS

/* Column i of row r, a malloc'd copy (NULL for SQL NULL). */
static char *dup_val(const PGresult *res, int r, int i, int *oom) {
  if (PQgetisnull(res, r, i)) return NULL;
  char *d = strdup(PQgetvalue(res, r, i));
  if (!d) *oom = 1;
  return d;
}

static void read_row(const PGresult *res, int r, lrs_account *a, int *oom) {
  memset(a, 0, sizeof *a);
  a->id = atoll(PQgetvalue(res, r, 0));
  a->key = dup_val(res, r, 1, oom);
  a->data = dup_val(res, r, 2, oom);
  a->score = strtod(PQgetvalue(res, r, 3), NULL);
  a->scores = dup_val(res, r, 4, oom);
  a->grade = dup_val(res, r, 5, oom);
  a->grades = dup_val(res, r, 6, oom);
  a->stage = dup_val(res, r, 7, oom);
  a->owner = dup_val(res, r, 8, oom);
  a->stage_since = atoll(PQgetvalue(res, r, 9));    /* "" for NULL: 0 */
  a->assigned_at = atoll(PQgetvalue(res, r, 10));
  a->due_at = atoll(PQgetvalue(res, r, 11));
  a->ncontacts = atoll(PQgetvalue(res, r, 12));
  if (!a->key) *oom = 1;
}

int lrs_pg_accounts_load(lrs_snap *s, const char *key, lrs_accounts *out) {
  memset(out, 0, sizeof *out);
  PGresult *res;
  const char *p[] = { key };
  int rc = lrs_pg_snap_query(s, key ? LOAD_ONE_SQL : LOAD_SQL, key ? 1 : 0,
                             p, &res);
  if (rc != LR_OK) return rc;
  int n = PQntuples(res), oom = 0;
  out->v = n ? calloc((size_t)n, sizeof *out->v) : NULL;
  if (n && !out->v) oom = 1;
  for (int r = 0; r < n && !oom; r++) {
    read_row(res, r, &out->v[r], &oom);
    out->n = r + 1;
  }
  PQclear(res);
  if (oom) {
    lrs_accounts_free(out);
    lrb_reset(&s->pgerr);
    lrb_adds(&s->pgerr, "out of memory");
    return s->src = LR_NOMEM;
  }
  return LR_OK;
}

int lrs_pg_account_contact_ids(lrs_snap *s, const char *key, long long **ids,
                               int *n) {
  *ids = NULL;
  *n = 0;
  PGresult *res;
  const char *p[] = { key };
  int rc = lrs_pg_snap_query(s, "SELECT id FROM contacts WHERE account_key "
                             "= $1 ORDER BY id", 1, p, &res);
  if (rc != LR_OK) return rc;
  int rows = PQntuples(res);
  if (rows) {
    *ids = malloc((size_t)rows * sizeof **ids);
    if (!*ids) {
      PQclear(res);
      lrb_reset(&s->pgerr);
      lrb_adds(&s->pgerr, "out of memory");
      return s->src = LR_NOMEM;
    }
  }
  for (int r = 0; r < rows; r++) (*ids)[r] = atoll(PQgetvalue(res, r, 0));
  *n = rows;
  PQclear(res);
  return LR_OK;
}

int lrs_pg_account_key(lrs_snap *s, long long id, char *buf, size_t n) {
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", id);
  const char *p[] = { ids };
  PGresult *res;
  int rc = lrs_pg_snap_query(s, "SELECT key FROM accounts WHERE id = $1", 1,
                             p, &res);
  if (rc != LR_OK) return rc;
  if (PQntuples(res)) snprintf(buf, n, "%s", PQgetvalue(res, 0, 0));
  else rc = LR_NOTFOUND;
  PQclear(res);
  return rc;
}

int lrs_pg_accounts_any(lr_db *db) {
  PGresult *res;
  if (lrs_pg_query(db, "SELECT EXISTS(SELECT 1 FROM accounts)", 0, NULL,
                   &res, "accounts") != LR_OK)
    return 0;
  int any = PQgetvalue(res, 0, 0)[0] == 't';
  PQclear(res);
  return any;
}

int lrs_pg_account_parts_get(lr_db *db, long long id, lr_buf *out) {
  int done = 0;
  int rc = lrs_pg_account_parts_stored(db, id, out, &done);
  if (rc != LR_OK || done) return rc;
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", id);
  const char *p[] = { ids };
  PGresult *res;
  rc = lrs_pg_query(db, "SELECT rule, coalesce(grp, ''), points FROM "
                        "account_parts WHERE account_id = $1 ORDER BY rule "
                        "COLLATE \"C\"", 1, p, &res, "account parts");
  if (rc != LR_OK) return rc;
  for (int r = 0; r < PQntuples(res); r++)
    lrb_printf(out, "%s\t%s\t%g\n", PQgetvalue(res, r, 0),
               PQgetvalue(res, r, 1), strtod(PQgetvalue(res, r, 2), NULL));
  PQclear(res);
  return out->oom ? lr__err(db, LR_NOMEM, "out of memory") : LR_OK;
}

int lrs_pg_account_stage_counts(lr_db *db, lr_buf *out) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT coalesce(a.stage, '') COLLATE \"C\", "
      "count(*), coalesce(sum((SELECT count(*) FROM contacts c WHERE "
      "c.account_key = a.key)), 0) FROM accounts a GROUP BY 1 ORDER BY 1",
      0, NULL, &res, "account funnel");
  if (rc != LR_OK) return rc;
  for (int r = 0; r < PQntuples(res); r++)
    lrb_printf(out, "%s\t%s\t%s\n", PQgetvalue(res, r, 0),
               PQgetvalue(res, r, 1), PQgetvalue(res, r, 2));
  PQclear(res);
  return out->oom ? lr__err(db, LR_NOMEM, "out of memory") : LR_OK;
}
