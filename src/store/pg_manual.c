/*
** pg_manual.c -- manual.c's writes on PostgreSQL: a move (its stage
** history row and the lock), a lock renewed, a field set by hand with
** its audit row.  The same statements as manual.c's, in PostgreSQL's
** spelling: an imported field is a key of contacts.data (no key for
** NULL, as an import leaves it), and the audit keeps each value as jsonb
** (a string, an integer, a real), as SQLite keeps its storage class.
** New ids continue from the largest, as SQLite's do (lrs_pg_sync_ids,
** under the writer's lock: lrs_writer_begin).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

#define MARK "(SELECT coalesce(max(id), 0) FROM runs)"

/* The bits of db->pg->synced for the tables written here (pg_runs.c
** uses 1 runs, pg_apply.c 2 stage_history, 4 assignments). */
#define SYNC_HISTORY 2
#define SYNC_AUDIT 8

typedef struct nums { char s[4][24]; } nums;

static const char *num(nums *n, int i, long long v) {
  snprintf(n->s[i], sizeof n->s[i], "%lld", v);
  return n->s[i];
}

static int write(lr_db *db, const char *sql, int n, const char *const *p,
                 const char *what) {
  PGresult *res;
  int rc = lrs_pg_query(db, sql, n, p, &res, what);
  if (rc != LR_OK) return rc;
  db->pg->changes += atoll(PQcmdTuples(res));
  PQclear(res);
  return LR_OK;
}

/* The same contact's row of contact_state, written with its row of
** contacts by one statement on SQLite: not counted again. */
static int state(lr_db *db, const char *sql, int n, const char *const *p,
                 const char *what) {
  PGresult *res;
  int rc = lrs_pg_query(db, sql, n, p, &res, what);
  if (rc == LR_OK) PQclear(res);
  return rc;
}

int lrs_pg_history_add(lr_db *db, long long contact_id, const char *from,
                       const char *to, long long at, long long run_id,
                       const char *reason, const char *transition,
                       const char *by) {
  nums n;
  const char *p[] = { num(&n, 0, contact_id), from, to, num(&n, 1, at),
                      run_id ? num(&n, 2, run_id) : NULL, reason, transition,
                      by };
  int rc = lrs_pg_sync_ids(db, "stage_history", SYNC_HISTORY);
  return rc != LR_OK ? rc : write(db, "INSERT INTO stage_history(contact_id, "
      "from_stage, to_stage, at, run_id, reason, transition, by) VALUES($1, "
      "$2, $3, $4, $5, $6, $7, $8)", 8, p, "record stage history");
}

int lrs_pg_stage_set(lr_db *db, long long id, const char *to, long long now,
                     long long until) {
  nums n;
  const char *p[] = { num(&n, 0, id), to, num(&n, 1, now),
                      until ? num(&n, 2, until) : NULL };
  const char *q[] = { p[0], p[2], p[3] };
  int rc = write(db, "UPDATE contacts SET manual_at = $2, manual_until = $3, "
                 "change_mark = " MARK " WHERE id = $1", 3, q,
                 "move contact");
  if (rc == LR_OK)
    rc = state(db, "UPDATE contact_state SET stage = $2, updated_at = $3, "
               "due_at = NULL, stage_since = $3 WHERE contact_id = $1", 3, p,
               "move contact");
  return rc;
}

int lrs_pg_lock_renew(lr_db *db, long long id, const char *by,
                      const char *reason, long long run_id, long long now,
                      long long until) {
  nums n;
  const char *p[] = { num(&n, 0, id), until ? num(&n, 1, until) : NULL,
                      num(&n, 2, now), by, reason, num(&n, 3, run_id) };
  int rc = lrs_pg_sync_ids(db, "audit", SYNC_AUDIT);
  if (rc == LR_OK)
    rc = write(db, "INSERT INTO audit(contact_id, field, old_value, "
               "new_value, at, by, reason, run_id) SELECT id, 'manual_until', "
               "to_jsonb(manual_until), to_jsonb($2::bigint), $3, $4, $5, $6 "
               "FROM contacts WHERE id = $1", 6, p, "record lock renewal");
  if (rc == LR_OK)
    rc = write(db, "UPDATE contacts SET manual_at = $3, manual_until = $2, "
               "change_mark = " MARK " WHERE id = $1", 3, p, "renew lock");
  const char *q[] = { p[0], p[2] };
  if (rc == LR_OK)
    rc = state(db, "UPDATE contact_state SET updated_at = $2 WHERE "
               "contact_id = $1", 2, q, "renew lock");
  return rc;
}

int lrs_pg_contact_stage(lr_db *db, long long id, char *stage, size_t n) {
  nums s;
  const char *p[] = { num(&s, 0, id) };
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT stage FROM contact_state WHERE "
                        "contact_id = $1", 1, p, &res, "find contact");
  if (rc != LR_OK) return rc;
  stage[0] = '\0';
  if (PQntuples(res) && !PQgetisnull(res, 0, 0))
    snprintf(stage, n, "%s", PQgetvalue(res, 0, 0));
  PQclear(res);
  return LR_OK;
}

/* The field's value as SQL over contacts: its column, or its key of
** data; and as jsonb (for the audit). */
static void field_sql(lr_buf *b, const char *field, int json) {
  if (lrs_pg_column_type(field) >= 0) {
    if (json) lrb_adds(b, "to_jsonb(");
    lrs_quote_ident(b, field);
    if (json) lrb_adds(b, ")");
    return;
  }
  lrb_adds(b, "data->");
  lrs_pg_quote_str(b, field);
}

/* $2 as the field's type: a column's own, jsonb for a key of data. */
static const char *param_type(const char *field) {
  int t = lrs_pg_column_type(field);
  return t == LRS_TEXT ? "$2::text" : t >= 0 ? "$2::numeric" : "$2::jsonb";
}

/* v as the text of parameter $2 for the field (a JSON value for a key of
** data); NULL for NULL. */
static const char *param(lr_buf *b, const char *field, const lrs_value *v) {
  if (v->type == LRS_NULL) return NULL;
  if (v->type == LRS_STR && lrs_pg_column_type(field) >= 0)
    lrb_add(b, v->s, v->n);
  else
    lrs_pg_json_value(b, v);           /* a number is its JSON text too */
  return lrb_str(b);
}

/* Did the value change?  *old (malloc'd jsonb text, NULL for NULL). */
static int read_old(lr_db *db, long long id, const char *field,
                    const char *val, int *same, char **old) {
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "SELECT ");
  field_sql(&sql, field, 1);
  lrb_adds(&sql, ", ");
  field_sql(&sql, field, 0);
  lrb_printf(&sql, " IS NOT DISTINCT FROM %s FROM " LRS_PG_CONTACTS
             " AS contacts WHERE id = $1", param_type(field));
  nums n;
  const char *p[] = { num(&n, 0, id), val };
  PGresult *res = NULL;
  int rc = sql.oom ? lr__err(db, LR_NOMEM, "out of memory")
                   : lrs_pg_query(db, lrb_str(&sql), 2, p, &res, "read field");
  lrb_free(&sql);
  if (rc != LR_OK) return rc;
  if (!PQntuples(res)) {
    PQclear(res);
    return lr__err(db, LR_NOTFOUND, "no contact with id %lld", id);
  }
  *same = PQgetvalue(res, 0, 1)[0] == 't';
  *old = PQgetisnull(res, 0, 0) ? NULL : strdup(PQgetvalue(res, 0, 0));
  if (!PQgetisnull(res, 0, 0) && !*old)
    rc = lr__err(db, LR_NOMEM, "out of memory");
  PQclear(res);
  return rc;
}

/* The UPDATE of the field in contacts (a key of data: set, or removed for
** NULL), with its data_at ($1 id, $2 value, $3 now). */
static void update_sql(lr_buf *b, const char *field) {
  lrb_adds(b, "UPDATE contacts SET ");
  if (lrs_pg_column_type(field) >= 0) {
    lrs_quote_ident(b, field);
    lrb_printf(b, " = %s", param_type(field));
  } else {
    lrb_adds(b, "data = CASE WHEN $2::jsonb IS NULL THEN data - ");
    lrs_pg_quote_str(b, field);
    lrb_adds(b, " ELSE data || jsonb_build_object(");
    lrs_pg_quote_str(b, field);
    lrb_adds(b, ", $2::jsonb) END");
  }
  lrb_adds(b, ", data_at = $3, change_mark = " MARK " WHERE id = $1");
}

/* A field of contact_state (p: $1 id, $2 value, $3 now) with its
** updated_at, and contacts' data_at.  Else updated_at only, and sql the
** field's UPDATE of contacts, left to the caller. */
static int state_field(lr_db *db, const char *field, const char *const *p,
                       lr_buf *sql) {
  const char *q[] = { p[0], p[2] };
  if (!lrs_pg_state_column(field)) {
    update_sql(sql, field);
    return state(db, "UPDATE contact_state SET updated_at = $2 WHERE "
                 "contact_id = $1", 2, q, "write field");
  }
  lr_buf st = LR_BUF_INIT;
  lrb_adds(&st, "UPDATE contact_state SET ");
  lrs_quote_ident(&st, field);
  lrb_printf(&st, " = %s, updated_at = $3 WHERE contact_id = $1",
             param_type(field));
  int rc = st.oom ? lr__err(db, LR_NOMEM, "out of memory")
                  : state(db, lrb_str(&st), 3, p, "write field");
  lrb_free(&st);
  return rc != LR_OK ? rc
      : write(db, "UPDATE contacts SET data_at = $2, change_mark = " MARK
              " WHERE id = $1", 2, q, "write field");
}

int lrs_pg_field_write(lr_db *db, long long id, const char *field,
                       const lrs_value *v, const char *by, const char *reason,
                       long long run_id, long long now, int *changed) {
  *changed = 0;
  lr_buf val = LR_BUF_INIT, json = LR_BUF_INIT, sql = LR_BUF_INIT;
  const char *pv = param(&val, field, v);
  int same = 0;
  char *old = NULL;
  int rc = val.oom ? lr__err(db, LR_NOMEM, "out of memory")
                   : read_old(db, id, field, pv, &same, &old);
  if (rc == LR_OK && !same) {
    nums n;
    const char *p[] = { num(&n, 0, id), pv, num(&n, 1, now) };
    rc = state_field(db, field, p, &sql);
    if (rc == LR_OK && sql.n)
      rc = sql.oom ? lr__err(db, LR_NOMEM, "out of memory")
                   : write(db, lrb_str(&sql), 3, p, "write field");
    if (v->type != LRS_NULL) lrs_pg_json_value(&json, v);
    const char *a[] = { num(&n, 0, id), field, old,
                        v->type != LRS_NULL ? lrb_str(&json) : NULL,
                        num(&n, 1, now), by, reason,
                        run_id ? num(&n, 2, run_id) : NULL };
    if (rc == LR_OK) rc = lrs_pg_sync_ids(db, "audit", SYNC_AUDIT);
    if (rc == LR_OK)
      rc = write(db, "INSERT INTO audit(contact_id, field, old_value, "
                 "new_value, at, by, reason, run_id) VALUES($1, $2, $3, $4, "
                 "$5, $6, $7, $8)", 8, a, "record audit");
    if (rc == LR_OK) *changed = 1;
  }
  free(old);
  lrb_free(&val);
  lrb_free(&json);
  lrb_free(&sql);
  return rc;
}
