/*
** pg_rows.c -- query.h's cursors on PostgreSQL: query() over SQL users
** type, a contact's row (as SQLite's `SELECT * FROM contacts WHERE id =
** ?` gives it: the real columns and every imported field, named and
** typed as on SQLite; an account's contacts read their fields through
** it) and its activities.
**
** User SQL stays read-only and limited to contact data, as a segment's
** `where` is (pg_usersql.c): it runs in a READ ONLY transaction of its
** own (or, inside the caller's, a savepoint made read-only and rolled
** back at the end) under a statement_timeout; it may call only the
** common subset's functions; it is one statement (a prepared one: no
** second statement can hide after it); and its generic plan (no
** parameter value folded away) may read contacts, activities and
** outcomes only; it runs as the reader role where there is one.  `contacts` is the typed row per contact a segment's
** `where` reads (pg_scan_cols.c), so the SQL that runs on SQLite's table
** runs here.
**
** A cache (lrs_row_cache) reads the rows of a contact's whole account at
** once: one round trip per account, not two per contact (an account's
** contacts read their stored fields through it: account:count { where
** = ... }, account:contacts()).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

#define STMT "lr_query"
#define TIMEOUT "60s"

struct lrs_pg_rows {
  lrs_snap *snap;
  int guard;                     /* 1: our READ ONLY transaction, 2: a
                                    savepoint in the caller's, 0: none */
  int prepared, nparams, ncols;
  int pairs;                     /* columns come as (jsonb type, text) */
  int *kinds;                    /* with pairs: lrs_pg_decode's kind */
  char **names, **params;
  PGresult *res;
  int row, ran;
  int limit;                     /* > 0: rows [row, limit) only */
  int borrowed;                  /* res, names, kinds: the cache's */
  lrs_value *vals;
  char why[512];
};

static int exec(lrs_snap *s, const char *sql) {
  PGresult *res;
  int rc = lrs_pg_snap_query(s, sql, 0, NULL, &res);
  PQclear(res);
  return rc;
}

/* Read-only from here to guard_end, whatever state the connection is in. */
static int guard_begin(struct lrs_pg_rows *r) {
  PGconn *c = (PGconn *)r->snap->pg;
  int idle = PQtransactionStatus(c) == PQTRANS_IDLE;
  r->guard = idle ? 1 : 2;
  return exec(r->snap, idle
      ? "BEGIN READ ONLY; SET LOCAL statement_timeout = '" TIMEOUT "'; "
        "SET LOCAL plan_cache_mode = force_generic_plan"
      : "SAVEPOINT lr_query; SET LOCAL transaction_read_only = on; "
        "SET LOCAL statement_timeout = '" TIMEOUT "'; "
        "SET LOCAL plan_cache_mode = force_generic_plan");
}

/* The rollback first: in a transaction a failed statement aborted, the
** DEALLOCATE would fail and leave the statement for the next query(). */
static void guard_end(struct lrs_pg_rows *r) {
  if (!r->guard && !r->prepared) return;
  PGconn *c = (PGconn *)r->snap->pg;
  if (r->guard == 1) PQclear(PQexec(c, "ROLLBACK"));
  if (r->guard == 2)
    PQclear(PQexec(c, "ROLLBACK TO SAVEPOINT lr_query; "
                      "RELEASE SAVEPOINT lr_query"));
  if (r->prepared) PQclear(PQexec(c, "DEALLOCATE " STMT));
  r->guard = r->prepared = 0;
}

/* Result columns' names (owned by r). */
static int take_names(struct lrs_pg_rows *r, const PGresult *res) {
  r->ncols = PQnfields(res) / (r->pairs ? 2 : 1);
  r->names = calloc((size_t)r->ncols + 1, sizeof *r->names);
  r->vals = calloc((size_t)r->ncols + 1, sizeof *r->vals);
  if (!r->names || !r->vals) return LR_NOMEM;
  for (int i = 0; i < r->ncols; i++)
    if (!(r->names[i] = strdup(PQfname(res, r->pairs ? 2 * i + 1 : i))))
      return LR_NOMEM;
  return LR_OK;
}

/* The user's SQL in PostgreSQL's spelling, into b: a trailing ';' and
** space dropped (as on SQLite), SQLite's parameters ? and ?N as $N
** (outside quotes). */
static void spell(lr_buf *b, const char *sql) {
  size_t n = strlen(sql);
  while (n && strchr("; \t\r\n", sql[n - 1])) n--;
  int next = 1;
  for (size_t i = 0; i < n; i++) {
    char c = sql[i];
    if (c == '\'' || c == '"') {            /* 'it''s', "a name" */
      size_t j = i + 1;
      while (j < n && !(sql[j] == c && (j + 1 >= n || sql[j + 1] != c)))
        j += sql[j] == c ? 2 : 1;
      lrb_add(b, sql + i, (j < n ? j + 1 : n) - i);
      i = j;
      continue;
    }
    if (c != '?') {
      lrb_addc(b, c);
      continue;
    }
    int k = 0;
    while (i + 1 < n && sql[i + 1] >= '0' && sql[i + 1] <= '9' && k < 100000)
      k = 10 * k + (sql[++i] - '0');
    if (!k) k = next;
    if (k >= next) next = k + 1;
    lrb_printf(b, "$%d", k);
  }
}

/* Prepare the user's statement over the typed contacts, count its
** parameters, and check what its generic plan reads. */
static int prepare(struct lrs_pg_rows *r, const char *view, const char *sql,
                   char *err, size_t errlen) {
  PGconn *c = (PGconn *)r->snap->pg;
  lr_buf b = LR_BUF_INIT;
  lrb_printf(&b, "WITH contacts AS (SELECT %s FROM " LRS_PG_CONTACTS
             " AS contacts) SELECT * FROM (\n", view);
  spell(&b, sql);
  lrb_adds(&b, "\n) AS q");
  if (b.oom) return LR_NOMEM;
  PGresult *res = PQprepare(c, STMT, lrb_str(&b), 0, NULL);
  lrb_free(&b);
  int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  if (!ok) lrs_pg_snap_err(r->snap, res);
  PQclear(res);
  if (!ok) goto failed;
  r->prepared = 1;
  res = PQdescribePrepared(c, STMT);
  ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  if (!ok) lrs_pg_snap_err(r->snap, res);
  else r->nparams = PQnparams(res);
  int rc = ok ? take_names(r, res) : LR_ERROR;
  PQclear(res);
  if (!ok) goto failed;
  if (rc != LR_OK) return rc;
  lrb_adds(&b, "EXPLAIN (FORMAT JSON) EXECUTE " STMT);
  for (int i = 0; i < r->nparams; i++) lrb_adds(&b, i ? ", NULL" : "(NULL");
  if (r->nparams) lrb_adds(&b, ")");
  rc = b.oom ? LR_NOMEM : lrs_pg_snap_query(r->snap, lrb_str(&b), 0, NULL,
                                            &res);
  lrb_free(&b);
  if (rc == LR_NOMEM) return rc;
  if (rc != LR_OK) goto failed;
  rc = lrs_pg_user_plan(PQntuples(res) ? PQgetvalue(res, 0, 0) : "",
                        LRS_PG_USER_TABLES, "query() reads "
                        "contacts, activities and outcomes only", r->why,
                        sizeof r->why);
  PQclear(res);
  if (rc != LR_OK) snprintf(err, errlen, "query: %s", r->why);
  return rc;
failed:
  snprintf(err, errlen, "query: SQL failed on PostgreSQL: %s",
           lrs_snap_errmsg(r->snap));
  return LR_POLICY;
}

void lrs_pg_rows_close(struct lrs_pg_rows *r) {
  if (!r) return;
  guard_end(r);
  if (!r->borrowed) {
    PQclear(r->res);
    for (int i = 0; r->names && i < r->ncols; i++) free(r->names[i]);
    free(r->names);
    free(r->kinds);
  }
  for (int i = 0; r->params && i < r->nparams; i++) free(r->params[i]);
  free(r->params);
  free(r->vals);
  free(r);
}

int lrs_pg_rows_query(lrs_snap *snap, const char *sql,
                      struct lrs_pg_rows **out, char *err, size_t errlen) {
  *out = NULL;
  struct lrs_pg_rows *r = calloc(1, sizeof *r);
  if (!r) return LR_NOMEM;
  r->snap = snap;
  char **names;
  int *kinds, n = 0;
  lr_buf select = LR_BUF_INIT, view = LR_BUF_INIT;
  int rc = lrs_pg_user_calls(sql, r->why, sizeof r->why);
  if (rc != LR_OK) snprintf(err, errlen, "query: %s", r->why);
  if (rc == LR_OK) rc = guard_begin(r);
  if (rc == LR_OK) rc = lrs_pg_scan_cols(snap, &names, &kinds, &n, &select,
                                         &view);
  if (rc == LR_OK) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    free(kinds);
    rc = prepare(r, lrb_str(&view), sql, err, errlen);
  }
  /* Checked as the login user (whose plan names what it reads); run as
  ** the reader role, as a segment's SQL, so that what the plan does not
  ** show (another schema's table named activities) stays unread. */
  if (rc == LR_OK) rc = lrs_pg_user_role_local(snap);
  if (rc == LR_OK) {
    r->params = calloc((size_t)r->nparams + 1, sizeof *r->params);
    if (!r->params) rc = LR_NOMEM;
  }
  lrb_free(&select);
  lrb_free(&view);
  if (rc != LR_OK) {
    if (!err[0]) snprintf(err, errlen, "query: %s", rc == LR_NOMEM
                          ? "out of memory" : lrs_snap_errmsg(snap));
    lrs_pg_rows_close(r);
    return rc;
  }
  *out = r;
  return LR_OK;
}

/* A contact's row (the scan's columns, decoded as SQLite types them) or
** its activities: no user SQL, read at once. */
int lrs_pg_rows_contact(lrs_snap *snap, long long id, int acts,
                        struct lrs_pg_rows **out) {
  *out = NULL;
  struct lrs_pg_rows *r = calloc(1, sizeof *r);
  if (!r) return LR_NOMEM;
  r->snap = snap;
  r->ran = 1;
  char **names = NULL, ids[24];
  int n = 0;
  lr_buf select = LR_BUF_INIT, sql = LR_BUF_INIT;
  int rc = LR_OK;
  if (acts) {
    lrb_adds(&sql, "SELECT type, occurred_at AS at, value, campaign FROM "
                   "activities WHERE contact_id = $1 ORDER BY occurred_at, id");
  } else {
    lr_buf view = LR_BUF_INIT;
    rc = lrs_pg_scan_cols(snap, &names, &r->kinds, &n, &select, &view);
    lrb_free(&view);
    if (rc == LR_OK) {
      r->pairs = 1;
      lrb_printf(&sql, "SELECT %s FROM " LRS_PG_CONTACTS " AS contacts "
                 "WHERE id = $1",
                 lrb_str(&select));
    }
  }
  snprintf(ids, sizeof ids, "%lld", id);
  const char *p[] = { ids };
  if (rc == LR_OK) rc = sql.oom ? LR_NOMEM
                               : lrs_pg_snap_query(snap, lrb_str(&sql), 1, p,
                                                   &r->res);
  if (rc == LR_OK) rc = take_names(r, r->res);
  for (int i = 0; r->pairs && rc == LR_OK && i < r->ncols; i++) {
    free(r->names[i]);                 /* the field's name, not "text" */
    r->names[i] = names[i];
    names[i] = NULL;
  }
  for (int i = 0; names && i < n; i++) free(names[i]);
  free(names);
  lrb_free(&select);
  lrb_free(&sql);
  if (rc != LR_OK) {
    lrs_pg_rows_close(r);
    return rc;
  }
  *out = r;
  return LR_OK;
}

int lrs_pg_rows_params(struct lrs_pg_rows *r) { return r->nparams; }
int lrs_pg_rows_columns(const struct lrs_pg_rows *r) { return r->ncols; }
const char *lrs_pg_rows_name(const struct lrs_pg_rows *r, int i) {
  return r->names[i];
}
const char *lrs_pg_rows_errmsg(struct lrs_pg_rows *r) { return r->why; }

void lrs_pg_rows_bind(struct lrs_pg_rows *r, int i, const lrs_value *v) {
  if (i < 1 || i > r->nparams) return;
  lr_buf b = LR_BUF_INIT;
  if (v->type == LRS_STR) lrb_add(&b, v->s, v->n);
  else if (v->type != LRS_NULL) lrs_pg_json_value(&b, v);
  free(r->params[i - 1]);
  r->params[i - 1] = v->type == LRS_NULL || b.oom ? NULL : strdup(lrb_str(&b));
  lrb_free(&b);
}

/* A result value as SQLite would give it: integers and reals by the
** column's type (a numeric with no '.' is an integer), else text. */
static void value_of(const PGresult *res, int row, int i, lrs_value *v) {
  memset(v, 0, sizeof *v);
  if (PQgetisnull(res, row, i)) return;
  const char *t = PQgetvalue(res, row, i);
  Oid type = PQftype(res, i);
  int k = type == 20 || type == 21 || type == 23 ? LRS_INTEGER
          : type == 700 || type == 701 ? LRS_REAL
          : type == 1700 ? (strpbrk(t, ".eE") ? LRS_REAL : LRS_INTEGER)
          : type == 16 ? -2 : LRS_TEXT;
  if (k == -2) {                       /* a boolean: 1 or 0 */
    v->type = LRS_INT;
    v->i = t[0] == 't';
    return;
  }
  lrs_pg_decode(v, k, "", t);
}

int lrs_pg_rows_next(struct lrs_pg_rows *r, const lrs_value **row) {
  if (!r->ran) {
    r->ran = 1;
    /* Ctrl-C stops it (the shell watches its flag: pg_cancel.c). */
    PGconn *c = (PGconn *)r->snap->pg;
    r->res = PQsendQueryPrepared(c, STMT, r->nparams,
                                 (const char *const *)r->params, NULL, NULL,
                                 0) ? lrs_pg_wait(c, r->snap->cancel) : NULL;
    if (PQresultStatus(r->res) != PGRES_TUPLES_OK) {
      int rc = lrs_pg_snap_err(r->snap, r->res);
      snprintf(r->why, sizeof r->why, "query: %s", lrs_snap_errmsg(r->snap));
      PQclear(r->res);
      r->res = NULL;
      r->row = 0;
      /* Ended now, not when the caller closes r (a Lua error leaves that
      ** to the collector): the connection's next statement must not
      ** find the transaction aborted. */
      guard_end(r);
      return -rc;
    }
  }
  if (!r->res || r->row >= (r->limit ? r->limit : PQntuples(r->res)))
    return 0;
  for (int i = 0; i < r->ncols; i++) {
    if (!r->pairs) {
      value_of(r->res, r->row, i, &r->vals[i]);
    } else if (PQgetisnull(r->res, r->row, 2 * i + 1)) {
      memset(&r->vals[i], 0, sizeof r->vals[i]);
    } else {
      lrs_pg_decode(&r->vals[i], r->kinds[i],
                    PQgetvalue(r->res, r->row, 2 * i),
                    PQgetvalue(r->res, r->row, 2 * i + 1));
    }
  }
  r->row++;
  *row = r->vals;
  return 1;
}

static void free_cols(char **names, int *kinds, int n) {
  for (int i = 0; names && i < n; i++) free(names[i]);
  free(names);
  free(kinds);
}

static int oom(lrs_snap *s) {
  lrb_reset(&s->pgerr);
  lrb_adds(&s->pgerr, "out of memory");
  return s->src = LR_NOMEM;
}

/* The cache: the rows of the account of the contact last asked for, in
** id order, its id the last column. */
struct lrs_pg_rowcache {
  lrs_snap *s;
  char **names;
  int *kinds, n;
  lr_buf select;
  PGresult *res;
};

void lrs_pg_rowcache_free(struct lrs_pg_rowcache *c) {
  if (!c) return;
  free_cols(c->names, c->kinds, c->n);
  lrb_free(&c->select);
  PQclear(c->res);
  free(c);
}

/* Row of contact id in the cached result, or -1. */
static int find(const struct lrs_pg_rowcache *c, long long id) {
  int lo = 0, hi = c->res ? PQntuples(c->res) - 1 : -1, last = 2 * c->n;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    long long x = atoll(PQgetvalue(c->res, mid, last));
    if (x == id) return mid;
    if (x < id) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

static int fetch(struct lrs_pg_rowcache *c, long long id) {
  lrs_snap *s = c->s;
  if (!c->names) {
    lr_buf view = LR_BUF_INIT;
    int rc = lrs_pg_scan_cols(s, &c->names, &c->kinds, &c->n, &c->select,
                              &view);
    lrb_free(&view);
    if (rc != LR_OK) return rc;
  }
  lr_buf sql = LR_BUF_INIT;
  lrb_printf(&sql, "SELECT %s, c.id FROM " LRS_PG_CONTACTS " c WHERE "
             "c.id = %lld OR "
             "c.account_key = (SELECT account_key FROM contacts WHERE id = "
             "%lld) ORDER BY c.id", lrb_str(&c->select), id, id);
  if (sql.oom || c->select.oom) {
    lrb_free(&sql);
    return oom(s);
  }
  PQclear(c->res);
  c->res = NULL;
  int rc = lrs_pg_snap_query(s, lrb_str(&sql), 0, NULL, &c->res);
  lrb_free(&sql);
  return rc;
}

int lrs_pg_rowcache_new(lrs_snap *s, struct lrs_pg_rowcache **out) {
  *out = calloc(1, sizeof **out);
  if (!*out) return oom(s);
  (*out)->s = s;
  return LR_OK;
}

int lrs_pg_rowcache_row(struct lrs_pg_rowcache *c, long long id,
                        struct lrs_pg_rows **out) {
  *out = NULL;
  int at = find(c, id);
  if (at < 0) {
    int rc = fetch(c, id);
    if (rc != LR_OK) return rc;
    at = find(c, id);
  }
  struct lrs_pg_rows *r = calloc(1, sizeof *r);
  lrs_value *vals = calloc((size_t)c->n + 1, sizeof *vals);
  if (!r || !vals) {
    free(r);
    free(vals);
    return oom(c->s);
  }
  r->res = at < 0 ? NULL : c->res;             /* no such contact: no row */
  r->row = at < 0 ? 0 : at;
  r->limit = at + 1;
  r->snap = c->s;
  r->ran = r->pairs = 1;
  r->ncols = c->n;
  r->names = c->names;
  r->kinds = c->kinds;
  r->vals = vals;
  r->borrowed = 1;
  *out = r;
  return LR_OK;
}
