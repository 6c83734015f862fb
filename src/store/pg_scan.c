/*
** pg_scan.c -- the merged contact scan on PostgreSQL (scan.h): contacts
** are read a batch at a time (BATCH rows in id order), then the batch's
** activities, outcomes, score parts, segment members and the policy's
** SQL segments, one query each, and merged by contact id as scan.c
** merges SQLite's cursors.  Values point into the batch's results, valid
** until the next contact.  Text sorts as SQLite's BINARY (COLLATE "C").
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"
#include "scan.h"

#define BATCH 2048                 /* contacts per batch: a chunk's ids */
#define NAUX 4                     /* activities, outcomes, parts, members */

static const struct { const char *cols, *table, *order; } AUX[NAUX] = {
  { "contact_id, type, occurred_at, value, campaign", "activities",
    "contact_id, type COLLATE \"C\", occurred_at, id" },
  { "contact_id, result, amount, closed_at", "outcomes",
    "contact_id, closed_at" },
  { "contact_id, rule, grp, points", "score_parts",
    "contact_id, rule COLLATE \"C\"" },
  { "contact_id, segment", "segment_members",
    "contact_id, segment COLLATE \"C\"" },
};

typedef struct batch_res {
  PGresult *res;
  int pos, n;
} batch_res;

struct lrs_pg_scan {
  lrs_snap *snap;
  int ncols;
  char **names;
  int *kinds;
  lr_buf select, view;             /* pg_scan_cols.c */
  const char **sqls;               /* the policy's SQL segments (a copy) */
  int nsql;
  /* What to read: ids lo..hi (range), or the list ids[0..nids). */
  int list, done;
  long long lo, hi;
  const long long *ids;
  long long nids, ipos;
  batch_res contacts, aux[NAUX];
  batch_res *seg;                  /* [nsql] */
  unsigned char *member;           /* [nsql] */
  lrs_engine_cols col;
  char **types;                    /* activity type names, interned */
  int ntypes, cap_types;
  lrs_activity *acts;
  int cap_acts;
  lrs_part *partv;
  int cap_parts;
  const char **segv;
  int cap_segs;
  lrs_value *vals;
  lrs_contact c;
  int failed;                      /* SQL segment that failed, or -1 */
  char why[512];
};

static void clear(batch_res *b) {
  PQclear(b->res);
  b->res = NULL;
  b->pos = b->n = 0;
}

static void clear_all(struct lrs_pg_scan *s) {
  clear(&s->contacts);
  for (int i = 0; i < NAUX; i++) clear(&s->aux[i]);
  for (int i = 0; s->seg && i < s->nsql; i++) clear(&s->seg[i]);
}

/* The filter on column `col` of this batch: ids $1..$2, or $1's list. */
static void filter(lr_buf *b, const char *col, int list) {
  lrb_printf(b, list ? "%s = ANY($1::bigint[])" : "%s BETWEEN $1 AND $2",
             col);
}

/* The batch's contacts as SQLite's table has them (LRS_PG_CONTACTS),
** the batch's ids said of both tables. */
static void batch_contacts(lr_buf *b, int list) {
  lrb_adds(b, "(" LRS_PG_CONTACTS_SELECT " AND ");
  filter(b, "s.contact_id", list);
  lrb_adds(b, " WHERE ");
  filter(b, "c.id", list);
  lrb_adds(b, ") AS contacts");
}

/* SQL segment i's statement: its `where` over a row of typed columns
** (pg_scan_cols.c), for the batch's contacts; a subquery of it reads
** all contacts (lrs_pg_user_with). */
static void segment_sql(lr_buf *b, const struct lrs_pg_scan *s, int i,
                        int list) {
  lr_buf from = LR_BUF_INIT;
  batch_contacts(&from, list);
  lrs_pg_user_with(b, lrb_str(&s->view), lrb_str(&from));
  if (from.oom) b->oom = 1;
  lrb_free(&from);
  lrb_adds(b, "SELECT id FROM lr_batch AS contacts WHERE (\n");
  lrb_adds(b, s->sqls[i]);
  lrb_adds(b, "\n) ORDER BY id");
}

static int query(struct lrs_pg_scan *s, const char *sql, int n,
                 const char *const *p, batch_res *out) {
  clear(out);
  int rc = lrs_pg_snap_query(s->snap, sql, n, p, &out->res);
  if (rc == LR_OK) out->n = PQntuples(out->res);
  return rc;
}

/* Segment i's statement on the batch (p: its parameters); a failure is
** the segment's own (lrs_scan_failed). */
static int run_segment(struct lrs_pg_scan *s, int i, int list, int n,
                       const char *const *p) {
  lr_buf sql = LR_BUF_INIT;
  segment_sql(&sql, s, i, list);
  batch_res *b = &s->seg[i];
  clear(b);
  int rc = sql.oom ? LR_NOMEM
                   : lrs_pg_user_query(s->snap, lrb_str(&sql), n, p, &b->res);
  if (rc == LR_OK) b->n = PQntuples(b->res);
  lrb_free(&sql);
  if (rc != LR_OK && rc != LR_NOMEM && rc != LR_IO) {
    s->failed = i;
    snprintf(s->why, sizeof s->why, "SQL failed on PostgreSQL: %s",
             lrs_snap_errmsg(s->snap));
    rc = LR_ERROR;
  }
  return rc;
}

/* The batch's other tables and segments, for ids p (range or list). */
static int fetch_rest(struct lrs_pg_scan *s, int list, int n,
                      const char *const *p) {
  int rc = LR_OK;
  for (int i = 0; i < NAUX && rc == LR_OK; i++) {
    lr_buf sql = LR_BUF_INIT;
    lrb_printf(&sql, "SELECT %s FROM %s WHERE ", AUX[i].cols, AUX[i].table);
    filter(&sql, "contact_id", list);
    lrb_printf(&sql, " ORDER BY %s", AUX[i].order);
    rc = sql.oom ? LR_NOMEM : query(s, lrb_str(&sql), n, p, &s->aux[i]);
    lrb_free(&sql);
  }
  for (int i = 0; i < s->nsql && rc == LR_OK; i++)
    rc = run_segment(s, i, list, n, p);
  return rc;
}

static long long id_at(const batch_res *b, int row, int col) {
  return strtoll(PQgetvalue(b->res, row, col), NULL, 10);
}

/* The next range batch: up to BATCH contacts from lo. */
static int next_range(struct lrs_pg_scan *s) {
  char lo[24], hi[24];
  snprintf(lo, sizeof lo, "%lld", s->lo);
  snprintf(hi, sizeof hi, "%lld", s->hi);
  const char *p[] = { lo, hi };
  lr_buf sql = LR_BUF_INIT;
  lrb_printf(&sql, "SELECT %s FROM ", lrb_str(&s->select));
  batch_contacts(&sql, 0);
  lrb_printf(&sql, " ORDER BY contacts.id LIMIT %d", BATCH);
  int rc = sql.oom ? LR_NOMEM : query(s, lrb_str(&sql), 2, p, &s->contacts);
  lrb_free(&sql);
  if (rc != LR_OK) return rc;
  int n = s->contacts.n;
  if (n < BATCH) s->done = 1;
  if (!n) return LR_OK;
  long long first = id_at(&s->contacts, 0, 2 * s->col.c_id + 1);
  long long last = id_at(&s->contacts, n - 1, 2 * s->col.c_id + 1);
  if (last == LLONG_MAX) s->done = 1;
  else s->lo = last + 1;
  snprintf(lo, sizeof lo, "%lld", first);
  snprintf(hi, sizeof hi, "%lld", last);
  return fetch_rest(s, 0, 2, p);
}

/* The next list batch: up to BATCH of the ids. */
static int next_list(struct lrs_pg_scan *s) {
  lr_buf arr = LR_BUF_INIT;
  lrb_addc(&arr, '{');
  long long end = s->ipos + BATCH < s->nids ? s->ipos + BATCH : s->nids;
  for (long long i = s->ipos; i < end; i++)
    lrb_printf(&arr, i > s->ipos ? ",%lld" : "%lld", s->ids[i]);
  lrb_addc(&arr, '}');
  s->ipos = end;
  if (end >= s->nids) s->done = 1;
  const char *p[] = { lrb_str(&arr) };
  lr_buf sql = LR_BUF_INIT;
  lrb_printf(&sql, "SELECT %s FROM ", lrb_str(&s->select));
  batch_contacts(&sql, 1);
  lrb_adds(&sql, " ORDER BY contacts.id");
  int rc = sql.oom || arr.oom ? LR_NOMEM
                              : query(s, lrb_str(&sql), 1, p, &s->contacts);
  if (rc == LR_OK && s->contacts.n) rc = fetch_rest(s, 1, 1, p);
  lrb_free(&sql);
  lrb_free(&arr);
  return rc;
}

int lrs_pg_scan_open(lrs_snap *snap, const char *const *sqls, int nsql,
                     struct lrs_pg_scan **out, int *bad, char *err,
                     size_t errlen) {
  *out = NULL;
  *bad = -1;
  struct lrs_pg_scan *s = calloc(1, sizeof *s);
  if (!s) return LR_NOMEM;
  *out = s;
  s->snap = snap;
  s->nsql = nsql;
  s->failed = -1;
  s->done = 1;
  s->sqls = calloc((size_t)nsql + 1, sizeof *s->sqls);
  s->seg = calloc((size_t)nsql + 1, sizeof *s->seg);
  s->member = calloc((size_t)nsql + 1, 1);
  if (!s->sqls || !s->seg || !s->member) return LR_NOMEM;
  for (int i = 0; i < nsql; i++) s->sqls[i] = sqls[i];
  int rc = lrs_pg_scan_cols(snap, &s->names, &s->kinds, &s->ncols,
                            &s->select, &s->view);
  if (rc != LR_OK) {
    snprintf(err, errlen, "scan: %s", lrs_snap_errmsg(snap));
    return rc;
  }
  if (!(s->vals = calloc((size_t)s->ncols + 1, sizeof *s->vals)))
    return LR_NOMEM;
  lrs_engine_cols_find(&s->col, s->names, s->ncols);
  /* A segment's SQL that does not run on PostgreSQL fails now, on no
  ** contact, as SQLite's fails to prepare. */
  const char *p[] = { "1", "0" };
  for (int i = 0; i < nsql; i++) {
    lr_buf sql = LR_BUF_INIT;
    segment_sql(&sql, s, i, 0);
    rc = sql.oom ? LR_NOMEM : lrs_pg_user_check(snap, lrb_str(&sql), sqls[i],
                                                2, s->why, sizeof s->why);
    lrb_free(&sql);
    if (rc == LR_OK) rc = run_segment(s, i, 0, 2, p);
    if (rc == LR_OK) continue;
    *bad = i;
    /* Worded as SQLite's "segment SQL does not prepare: ...". */
    if (strncmp(s->why, "segment SQL: ", 13) == 0)
      snprintf(err, errlen, "%s", s->why);
    else
      snprintf(err, errlen, "segment %s%s",
               strncmp(s->why, "SQL failed", 10) == 0 ? "" : "SQL: ", s->why);
    return rc == LR_NOMEM ? rc : LR_POLICY;
  }
  return LR_OK;
}

int lrs_pg_scan_columns(struct lrs_pg_scan *s, const char *const **names) {
  *names = (const char *const *)s->names;
  return s->ncols;
}

int lrs_pg_scan_failed(const struct lrs_pg_scan *s, const char **why) {
  *why = s->why;
  return s->failed;
}

int lrs_pg_scan_range(struct lrs_pg_scan *s, long long lo, long long hi) {
  clear_all(s);
  s->list = 0;
  s->lo = lo;
  s->hi = hi;
  s->done = lo > hi;
  return LR_OK;
}

int lrs_pg_scan_ids(struct lrs_pg_scan *s, const long long *ids,
                    long long n) {
  clear_all(s);
  s->list = 1;
  s->ids = ids;
  s->nids = n;
  s->ipos = 0;
  s->done = n <= 0;
  return LR_OK;
}

void lrs_pg_scan_idle(struct lrs_pg_scan *s) {
  clear_all(s);
  s->done = 1;
}

/* Rows of aux table t for contact id: *first and the count. */
static int rows_of(batch_res *b, long long id, int *first) {
  while (b->pos < b->n && id_at(b, b->pos, 0) < id) b->pos++;
  *first = b->pos;
  while (b->pos < b->n && id_at(b, b->pos, 0) == id) b->pos++;
  return b->pos - *first;
}

static int intern_type(struct lrs_pg_scan *s, const char *t) {
  for (int i = s->ntypes - 1; i >= 0; i--)
    if (strcmp(s->types[i], t) == 0) return i;
  if (s->ntypes == s->cap_types) {
    int cap = s->cap_types ? s->cap_types * 2 : 16;
    char **v = realloc(s->types, (size_t)cap * sizeof *v);
    if (!v) return -1;
    s->types = v;
    s->cap_types = cap;
  }
  if (!(s->types[s->ntypes] = strdup(t))) return -1;
  return s->ntypes++;
}

/* Grow *v (elements of size) to hold n; 0 when out of memory. */
static int room(void **v, int *cap, int n, size_t size) {
  if (n <= *cap) return 1;
  int c = *cap ? *cap : 16;
  while (c < n) c *= 2;
  void *nv = realloc(*v, (size_t)c * size);
  if (!nv) return 0;
  *v = nv;
  *cap = c;
  return 1;
}

static const char *get(const PGresult *r, int row, int col) {
  return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int load_acts(struct lrs_pg_scan *s, long long id) {
  batch_res *b = &s->aux[0];
  int first, n = rows_of(b, id, &first);
  if (!room((void **)&s->acts, &s->cap_acts, n, sizeof *s->acts)) return 0;
  for (int i = 0; i < n; i++) {
    lrs_activity *a = &s->acts[i];
    int r = first + i;
    a->type = intern_type(s, PQgetvalue(b->res, r, 1));
    if (a->type < 0) return 0;
    a->at = strtoll(PQgetvalue(b->res, r, 2), NULL, 10);
    const char *v = get(b->res, r, 3);
    a->has_value = v != NULL;
    a->value = v ? strtod(v, NULL) : 0;
    a->campaign = get(b->res, r, 4);
  }
  s->c.acts = s->acts;
  s->c.nacts = n;
  s->c.types = (const char *const *)s->types;
  s->c.ntypes = s->ntypes;
  return 1;
}

static void load_outcome(struct lrs_pg_scan *s, long long id) {
  batch_res *b = &s->aux[1];
  int first, n = rows_of(b, id, &first);
  s->c.has_outcome = n > 0;
  if (!n) return;
  int r = first + n - 1;                  /* by closed_at: the last wins */
  s->c.outcome = strcmp(PQgetvalue(b->res, r, 1), "won") == 0 ? "won"
                                                              : "lost";
  const char *amount = get(b->res, r, 2);
  s->c.has_amount = amount != NULL;
  s->c.amount = amount ? strtod(amount, NULL) : 0;
  s->c.closed_at = strtoll(PQgetvalue(b->res, r, 3), NULL, 10);
}

static int load_parts(struct lrs_pg_scan *s, long long id) {
  batch_res *b = &s->aux[2];
  int first, n = rows_of(b, id, &first);
  if (!room((void **)&s->partv, &s->cap_parts, n, sizeof *s->partv))
    return 0;
  for (int i = 0; i < n; i++) {
    s->partv[i].rule = PQgetvalue(b->res, first + i, 1);
    s->partv[i].grp = get(b->res, first + i, 2);
    s->partv[i].points = strtod(PQgetvalue(b->res, first + i, 3), NULL);
  }
  s->c.parts = s->partv;
  s->c.nparts = n;
  return 1;
}

static int load_segments(struct lrs_pg_scan *s, long long id) {
  batch_res *b = &s->aux[3];
  int first, n = rows_of(b, id, &first);
  if (!room((void **)&s->segv, &s->cap_segs, n, sizeof *s->segv)) return 0;
  for (int i = 0; i < n; i++) s->segv[i] = PQgetvalue(b->res, first + i, 1);
  s->c.segments = s->segv;
  s->c.nsegments = n;
  return 1;
}

static const char *text_col(const struct lrs_pg_scan *s, int col) {
  return col < 0 || s->vals[col].type != LRS_STR ? NULL : s->vals[col].s;
}

static long long int_col(const struct lrs_pg_scan *s, int col) {
  if (col < 0) return 0;
  const lrs_value *v = &s->vals[col];
  return v->type == LRS_INT ? v->i : v->type == LRS_FLOAT ? (long long)v->r
                                                          : 0;
}

/* Row r of the batch into s->c. */
static int load_contact(struct lrs_pg_scan *s, int r) {
  const PGresult *res = s->contacts.res;
  for (int i = 0; i < s->ncols; i++) {
    lrs_value *v = &s->vals[i];
    memset(v, 0, sizeof *v);
    if (PQgetisnull(res, r, 2 * i + 1)) continue;
    lrs_pg_decode(v, s->kinds[i], PQgetvalue(res, r, 2 * i),
                  PQgetvalue(res, r, 2 * i + 1));
  }
  lrs_contact *c = &s->c;
  long long id = int_col(s, s->col.c_id);
  c->id = id;
  c->ncols = s->ncols;
  c->vals = s->vals;
  c->key = text_col(s, s->col.c_key);
  if (!c->key) c->key = "";
  const lrs_value *sc = &s->vals[s->col.c_score];
  c->score = sc->type == LRS_FLOAT ? sc->r : sc->type == LRS_INT
                                               ? (double)sc->i : 0;
  c->stage = text_col(s, s->col.c_stage);
  c->owner = text_col(s, s->col.c_owner);
  c->grade = text_col(s, s->col.c_grade);
  c->scores = text_col(s, s->col.c_scores);
  c->grades = text_col(s, s->col.c_grades);
  c->due_at = int_col(s, s->col.c_due);
  c->assigned_at = int_col(s, s->col.c_assigned);
  c->manual_at = int_col(s, s->col.c_manual);
  c->data_at = int_col(s, s->col.c_data);
  c->manual_until = int_col(s, s->col.c_manual_until);
  c->stage_since = int_col(s, s->col.c_stage_since);
  c->stable_until = int_col(s, s->col.c_stable);
  c->account_key = text_col(s, s->col.c_account);
  if (!load_acts(s, id) || !load_parts(s, id) || !load_segments(s, id))
    return LR_NOMEM;
  load_outcome(s, id);
  for (int i = 0; i < s->nsql; i++) {
    batch_res *b = &s->seg[i];
    while (b->pos < b->n && id_at(b, b->pos, 0) < id) b->pos++;
    s->member[i] = b->pos < b->n && id_at(b, b->pos, 0) == id;
  }
  c->sql_member = s->member;
  return LR_OK;
}

int lrs_pg_scan_next(struct lrs_pg_scan *s, const lrs_contact **out) {
  while (s->contacts.pos >= s->contacts.n) {
    if (s->done) return 0;
    int rc = s->list ? next_list(s) : next_range(s);
    if (rc != LR_OK) {
      s->done = 1;
      return -rc;
    }
  }
  int rc = load_contact(s, s->contacts.pos++);
  if (rc != LR_OK) return -rc;
  *out = &s->c;
  return 1;
}

void lrs_pg_scan_close(struct lrs_pg_scan *s) {
  if (!s) return;
  clear_all(s);
  for (int i = 0; i < s->ncols && s->names; i++) free(s->names[i]);
  free(s->names);
  free(s->kinds);
  lrb_free(&s->select);
  lrb_free(&s->view);
  free(s->seg);
  free(s->sqls);
  free(s->member);
  for (int i = 0; i < s->ntypes; i++) free(s->types[i]);
  free(s->types);
  free(s->acts);
  free(s->partv);
  free(s->segv);
  free(s->vals);
  free(s);
}

int lrs_pg_contact_span(lrs_snap *snap, long long *count, long long *lo,
                        long long *hi) {
  PGresult *res;
  int rc = lrs_pg_snap_query(snap, "SELECT count(*), coalesce(min(id), 0), "
                             "coalesce(max(id), 0) FROM contacts", 0, NULL,
                             &res);
  if (rc != LR_OK) return rc;
  *count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  *lo = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
  *hi = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
  PQclear(res);
  return LR_OK;
}

int lrs_pg_contact_id(lrs_snap *snap, const char *key, long long want,
                      long long *id) {
  char buf[24];
  snprintf(buf, sizeof buf, "%lld", want);
  const char *p[] = { want ? buf : key };
  PGresult *res;
  int rc = lrs_pg_snap_query(snap, want
      ? "SELECT id FROM contacts WHERE id = $1::bigint"
      : "SELECT id FROM contacts WHERE key = $1 OR key = lower(trim($1)) "
        "ORDER BY key = $1 DESC LIMIT 1", 1, p, &res);
  if (rc != LR_OK) return rc;
  *id = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
  PQclear(res);
  return LR_OK;
}
