/*
** scan.c -- the merged contact scan.
*/
#include "db_int.h"
#include "scan.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/arena.h"
#include "../util/buf.h"
#include "counts.h"
#include "pg_int.h"
#include "store.h"

typedef struct cursor {
  sqlite3_stmt *st;
  int has;                   /* a row is pending */
  long long cid;             /* its contact id */
} cursor;

struct lrs_scan {
  struct lrs_pg_scan *pg;    /* PostgreSQL: the scan is pg_scan.c's */
  lrs_snap *snap;
  sqlite3 *conn;
  sqlite3_stmt *contacts;
  cursor actc, outs, parts, segs;
  cursor *sqlseg;
  int nsql;
  unsigned char *member;
  int ncols;
  char **colnames;
  lrs_engine_cols col;
  char **types;              /* activity type names, interned */
  int ntypes, cap_types;
  lrs_activity *acts;
  int cap_acts;
  lrs_part *partv;
  int cap_parts;
  const char **segv;
  int cap_segs;
  lrs_value *vals;
  lr_arena arena;            /* per-contact strings of the merged cursors */
  lrs_contact c;
  /* lrs_scan_ids: the same five statements over a list of ids (one
  ** statement per chunk, prepared on first use), swapped in for the
  ** range ones while in_list; the list as JSON text, bound to them. */
  sqlite3_stmt *other[5];
  int in_list;
  lr_buf idlist;
  const long long *ids;      /* a short list: the ids still to visit, */
  long long nids;            /* each a range of its own */
  int watched;               /* lrs_scan_limits set a progress handler */
  int failed;                /* SQL segment whose statement failed, or -1 */
  char why[512];             /* and why */
};

static int cursor_step(cursor *c);
static int cursor_range(cursor *c, long long lo, long long hi);

void lrs_scan_limits(lrs_scan *s, volatile int *cancel, long long max_steps) {
  if (s->pg) return;         /* statement_timeout bounds PostgreSQL's */
  lrs__snap_watch(s->snap, cancel, max_steps);
  s->watched = 1;
}

int lrs_scan_overrun(const lrs_scan *s) {
  if (s->pg) return -1;
  int i = lrs_snap_overrun(s->snap);
  return i < s->nsql ? i : -1;
}

int lrs_scan_failed(const lrs_scan *s, const char **why) {
  if (s->pg) return lrs_pg_scan_failed(s->pg, why);
  *why = s->why;
  return s->failed;
}

/* Start SQL segment i's cursor on lo..hi (seek 0) or move it to contact
** lo (seek 1), under the limits of user SQL and its step budget.  An
** error of its own (a value too big, a function's error) is remembered
** as segment i's. */
static int sql_cursor(lrs_scan *s, int i, int seek, long long lo,
                      long long hi) {
  lrs__user_enter(s->snap, i);
  int rc;
  if (seek) {
    cursor *c = &s->sqlseg[i];
    rc = SQLITE_OK;
    while (c->has && c->cid < lo && rc == SQLITE_OK) rc = cursor_step(c);
  } else {
    rc = cursor_range(&s->sqlseg[i], lo, hi);
  }
  lrs__user_leave(s->snap);
  if ((rc & 0xff) == SQLITE_TOOBIG || (rc & 0xff) == SQLITE_ERROR) {
    s->failed = i;
    lrs_user_sqlerr(s->snap, rc, "SQL failed", s->why, sizeof s->why);
  }
  return rc;
}

static int prep(sqlite3 *conn, const char *sql, sqlite3_stmt **st) {
  return sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

/* The scan's statements: the contact rows, then the rows of each table
** merged with them, in contact order.  Over a range of ids (?1..?2) or a
** list of them (?1, a JSON array in increasing order): a list is one
** statement per chunk, where a range per id reset five statements for
** each contact, and each reset freed and regrew their registers. */
static const struct { const char *cols, *table, *id, *order; } SCAN_SQL[5] = {
  { "*", "contacts", "id", "id" },
  { "contact_id, type, occurred_at, value, campaign", "activities",
    "contact_id", "contact_id, type, occurred_at" },
  { "contact_id, result, amount, closed_at", "outcomes", "contact_id",
    "contact_id, closed_at" },
  { "contact_id, rule, grp, points", "score_parts", "contact_id",
    "contact_id, rule" },
  { "contact_id, segment", "segment_members", "contact_id",
    "contact_id, segment" },
};

static int prep_scan(sqlite3 *conn, int i, int list, sqlite3_stmt **st) {
  char sql[256];
  snprintf(sql, sizeof sql, list
           ? "SELECT %s FROM %s WHERE %s IN (SELECT value FROM json_each(?1)) "
             "ORDER BY %s"
           : "SELECT %s FROM %s WHERE %s BETWEEN ?1 AND ?2 ORDER BY %s",
           SCAN_SQL[i].cols, SCAN_SQL[i].table, SCAN_SQL[i].id,
           SCAN_SQL[i].order);
  return prep(conn, sql, st);
}

static int col_index(char *const *names, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0) return i;
  return -1;
}

void lrs_engine_cols_find(lrs_engine_cols *c, char *const *names, int n) {
  c->c_id = col_index(names, n, "id");
  c->c_key = col_index(names, n, "key");
  c->c_score = col_index(names, n, "score");
  c->c_stage = col_index(names, n, "stage");
  c->c_owner = col_index(names, n, "owner");
  c->c_grade = col_index(names, n, "grade");
  c->c_scores = col_index(names, n, "scores");
  c->c_due = col_index(names, n, "due_at");
  c->c_assigned = col_index(names, n, "assigned_at");
  c->c_manual = col_index(names, n, "manual_at");
  c->c_data = col_index(names, n, "data_at");
  c->c_manual_until = col_index(names, n, "manual_until");
  c->c_stage_since = col_index(names, n, "stage_since");
  c->c_grades = col_index(names, n, "grades");
  c->c_stable = col_index(names, n, "stable_until");
  c->c_account = col_index(names, n, "account_key");
}

/* An error opening the scan: SQL of the policy that does not prepare (or
** reads what it may not) is the policy's error. */
static int open_fail(lrs_scan *s, lrs_snap *snap, int src) {
  lrs_scan_close(s);
  int rc = lrs__snap_rc(snap, src);
  return src == SQLITE_AUTH || src == SQLITE_ERROR ? LR_POLICY : rc;
}

int lrs_scan_open(lrs_snap *snap, const char *const *sql_segments, int nsql,
                  lrs_scan **out, int *bad, char *err, size_t errlen) {
  *out = NULL;
  *bad = -1;
  if (snap->pg) {
    lrs_scan *s = calloc(1, sizeof *s);
    int rc = s ? lrs_pg_scan_open(snap, sql_segments, nsql, &s->pg, bad, err,
                                  errlen) : LR_NOMEM;
    if (rc == LR_OK) *out = s;
    else lrs_scan_close(s);
    return rc;
  }
  sqlite3 *conn = snap->conn;
  lrs_scan *s = calloc(1, sizeof *s);
  if (!s) return lrs__snap_rc(snap, SQLITE_NOMEM);
  s->snap = snap;
  s->conn = conn;
  s->failed = -1;
  lra_init(&s->arena, 8192);
  int rc = SQLITE_OK;
  sqlite3_stmt **mine[5] = { &s->contacts, &s->actc.st, &s->outs.st,
                             &s->parts.st, &s->segs.st };
  for (int i = 0; i < 5 && rc == SQLITE_OK; i++)
    rc = prep_scan(conn, i, 0, mine[i]);
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "scan: %s", sqlite3_errmsg(conn));
    return open_fail(s, snap, rc);
  }
  s->nsql = nsql;
  s->sqlseg = calloc((size_t)nsql + 1, sizeof *s->sqlseg);
  s->member = calloc((size_t)nsql + 1, 1);
  if (!s->sqlseg || !s->member) {
    return open_fail(s, snap, SQLITE_NOMEM);
  }
  for (int i = 0; i < nsql; i++) {
    rc = lrs_prepare_user(conn, "SELECT id FROM contacts WHERE id BETWEEN ?1 "
                          "AND ?2 AND ", sql_segments[i], " ORDER BY id",
                          &s->sqlseg[i].st, err, errlen);
    if (rc != SQLITE_OK) {
      *bad = i;
      return open_fail(s, snap, rc);
    }
  }
  s->ncols = sqlite3_column_count(s->contacts);
  s->colnames = calloc((size_t)s->ncols + 1, sizeof *s->colnames);
  s->vals = calloc((size_t)s->ncols + 1, sizeof *s->vals);
  if (!s->colnames || !s->vals) {
    return open_fail(s, snap, SQLITE_NOMEM);
  }
  for (int i = 0; i < s->ncols; i++) {
    s->colnames[i] = strdup(sqlite3_column_name(s->contacts, i));
    if (!s->colnames[i]) {
      return open_fail(s, snap, SQLITE_NOMEM);
    }
  }
  lrs_engine_cols_find(&s->col, s->colnames, s->ncols);
  *out = s;
  return LR_OK;
}

int lrs_scan_columns(lrs_scan *s, const char *const **names) {
  if (s->pg) return lrs_pg_scan_columns(s->pg, names);
  *names = (const char *const *)s->colnames;
  return s->ncols;
}

static int cursor_step(cursor *c) {
  int rc = sqlite3_step(c->st);
  if (rc == SQLITE_ROW) {
    c->has = 1;
    c->cid = sqlite3_column_int64(c->st, 0);
    return SQLITE_OK;
  }
  c->has = 0;
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int cursor_range(cursor *c, long long lo, long long hi) {
  sqlite3_reset(c->st);
  sqlite3_bind_int64(c->st, 1, lo);
  sqlite3_bind_int64(c->st, 2, hi);
  return cursor_step(c);
}

/* Swap the list statements in (list 1) or out (list 0); the list ones
** are prepared on first use.  SQLite code. */
static int use_list(lrs_scan *s, int list) {
  if (s->in_list == list) return SQLITE_OK;
  sqlite3_stmt **mine[5] = { &s->contacts, &s->actc.st, &s->outs.st,
                             &s->parts.st, &s->segs.st };
  for (int i = 0; i < 5; i++) {
    if (!s->other[i]) {
      int rc = prep_scan(s->conn, i, list, &s->other[i]);
      if (rc != SQLITE_OK) return rc;
    }
  }
  for (int i = 0; i < 5; i++) {
    sqlite3_stmt *t = *mine[i];
    sqlite3_reset(t);
    *mine[i] = s->other[i];
    s->other[i] = t;
  }
  s->in_list = list;
  return SQLITE_OK;
}

/* Rewind every statement to ids lo..hi. */
static int set_range(lrs_scan *s, long long lo, long long hi) {
  int rc = use_list(s, 0);
  if (rc != SQLITE_OK) return lrs__snap_rc(s->snap, rc);
  sqlite3_reset(s->contacts);
  sqlite3_bind_int64(s->contacts, 1, lo);
  sqlite3_bind_int64(s->contacts, 2, hi);
  rc = cursor_range(&s->actc, lo, hi);
  if (rc == SQLITE_OK) rc = cursor_range(&s->outs, lo, hi);
  if (rc == SQLITE_OK) rc = cursor_range(&s->parts, lo, hi);
  if (rc == SQLITE_OK) rc = cursor_range(&s->segs, lo, hi);
  for (int i = 0; i < s->nsql && rc == SQLITE_OK; i++)
    rc = sql_cursor(s, i, 0, lo, hi);
  return rc == SQLITE_OK ? LR_OK : lrs__snap_rc(s->snap, rc);
}

int lrs_scan_range(lrs_scan *s, long long lo, long long hi) {
  if (s->pg) return lrs_pg_scan_range(s->pg, lo, hi);
  s->nids = 0;
  return set_range(s, lo, hi);
}

static int cursor_list(cursor *c, const lr_buf *list) {
  sqlite3_reset(c->st);
  sqlite3_bind_text(c->st, 1, lrb_str(list), -1, SQLITE_STATIC);
  return cursor_step(c);
}

/* A contact outside the set costs nothing (no row of it is stepped over):
** a short list (an event's few contacts) is a range per id, an index
** seek per statement; a chunk of run --changed is one JSON array bound
** to each statement (6% fewer instructions in a --changed run at 100k,
** where resets per id freed and regrew every statement's registers).
** SQL segments stay ranges, moved to each contact as it comes. */
#define LIST_MIN 16
int lrs_scan_ids(lrs_scan *s, const long long *ids, long long n) {
  if (s->pg) return lrs_pg_scan_ids(s->pg, ids, n);
  s->ids = ids + (n > 0);
  s->nids = n > 0 && n < LIST_MIN ? n - 1 : 0;
  if (n < LIST_MIN) return n > 0 ? set_range(s, ids[0], ids[0]) : set_range(s, 1, 0);
  lrb_reset(&s->idlist);
  lrb_addc(&s->idlist, '[');
  for (long long i = 0; i < n; i++)
    lrb_printf(&s->idlist, i ? ",%lld" : "%lld", ids[i]);
  lrb_addc(&s->idlist, ']');
  if (s->idlist.oom) return lrs__snap_rc(s->snap, SQLITE_NOMEM);
  int rc = use_list(s, 1);
  if (rc == SQLITE_OK) {
    sqlite3_reset(s->contacts);
    sqlite3_bind_text(s->contacts, 1, lrb_str(&s->idlist), -1, SQLITE_STATIC);
    rc = cursor_list(&s->actc, &s->idlist);
  }
  if (rc == SQLITE_OK) rc = cursor_list(&s->outs, &s->idlist);
  if (rc == SQLITE_OK) rc = cursor_list(&s->parts, &s->idlist);
  if (rc == SQLITE_OK) rc = cursor_list(&s->segs, &s->idlist);
  return rc == SQLITE_OK ? LR_OK : lrs__snap_rc(s->snap, rc);
}

int lrs_scan_one(lrs_scan *s, long long id) { return lrs_scan_range(s, id, id); }

static int intern_type(lrs_scan *s, const char *t, int n) {
  for (int i = s->ntypes - 1; i >= 0; i--)
    if ((int)strlen(s->types[i]) == n && memcmp(s->types[i], t, (size_t)n) == 0)
      return i;
  if (s->ntypes == s->cap_types) {
    int cap = s->cap_types ? s->cap_types * 2 : 16;
    char **v = realloc(s->types, (size_t)cap * sizeof *v);
    if (!v) return -1;
    s->types = v;
    s->cap_types = cap;
  }
  char *d = malloc((size_t)n + 1);
  if (!d) return -1;
  memcpy(d, t, (size_t)n);
  d[n] = '\0';
  s->types[s->ntypes] = d;
  return s->ntypes++;
}

/* Skip rows of contacts before `id` (orphans cannot exist with foreign
** keys on, but a scan never trusts that). */
static int cursor_seek(cursor *c, long long id) {
  int rc = SQLITE_OK;
  while (c->has && c->cid < id && rc == SQLITE_OK) rc = cursor_step(c);
  return rc;
}

static int load_acts(lrs_scan *s, long long id) {
  cursor *c = &s->actc;
  int rc = cursor_seek(c, id);
  int n = 0;
  while (rc == SQLITE_OK && c->has && c->cid == id) {
    if (n == s->cap_acts) {
      int cap = s->cap_acts ? s->cap_acts * 2 : 64;
      lrs_activity *v = realloc(s->acts, (size_t)cap * sizeof *v);
      if (!v) return SQLITE_NOMEM;
      s->acts = v;
      s->cap_acts = cap;
    }
    lrs_activity *a = &s->acts[n++];
    const char *t = (const char *)sqlite3_column_text(c->st, 1);
    int tl = sqlite3_column_bytes(c->st, 1);
    a->type = intern_type(s, t ? t : "", t ? tl : 0);
    if (a->type < 0) return SQLITE_NOMEM;
    a->at = sqlite3_column_int64(c->st, 2);
    a->has_value = sqlite3_column_type(c->st, 3) != SQLITE_NULL;
    a->value = a->has_value ? sqlite3_column_double(c->st, 3) : 0;
    a->campaign = NULL;
    if (sqlite3_column_type(c->st, 4) != SQLITE_NULL) {
      const char *cp = (const char *)sqlite3_column_text(c->st, 4);
      a->campaign = lra_strndup(&s->arena, cp, (size_t)sqlite3_column_bytes(c->st, 4));
      if (!a->campaign) return SQLITE_NOMEM;
    }
    rc = cursor_step(c);
  }
  s->c.acts = s->acts;
  s->c.nacts = n;
  s->c.types = (const char *const *)s->types;
  s->c.ntypes = s->ntypes;
  return rc;
}

static int load_outcome(lrs_scan *s, long long id) {
  cursor *c = &s->outs;
  int rc = cursor_seek(c, id);
  s->c.has_outcome = 0;
  while (rc == SQLITE_OK && c->has && c->cid == id) {
    /* ordered by closed_at: the last one wins */
    const char *r = (const char *)sqlite3_column_text(c->st, 1);
    s->c.has_outcome = 1;
    s->c.outcome = r && strcmp(r, "won") == 0 ? "won" : "lost";
    s->c.has_amount = sqlite3_column_type(c->st, 2) != SQLITE_NULL;
    s->c.amount = sqlite3_column_double(c->st, 2);
    s->c.closed_at = sqlite3_column_int64(c->st, 3);
    rc = cursor_step(c);
  }
  return rc;
}

static int load_parts(lrs_scan *s, long long id) {
  cursor *c = &s->parts;
  int rc = cursor_seek(c, id);
  int n = 0;
  while (rc == SQLITE_OK && c->has && c->cid == id) {
    if (n == s->cap_parts) {
      int cap = s->cap_parts ? s->cap_parts * 2 : 32;
      lrs_part *v = realloc(s->partv, (size_t)cap * sizeof *v);
      if (!v) return SQLITE_NOMEM;
      s->partv = v;
      s->cap_parts = cap;
    }
    lrs_part *p = &s->partv[n++];
    p->rule = lra_strdup(&s->arena, (const char *)sqlite3_column_text(c->st, 1));
    p->grp = sqlite3_column_type(c->st, 2) == SQLITE_NULL ? NULL
             : lra_strdup(&s->arena, (const char *)sqlite3_column_text(c->st, 2));
    p->points = sqlite3_column_double(c->st, 3);
    if (!p->rule) return SQLITE_NOMEM;
    rc = cursor_step(c);
  }
  s->c.parts = s->partv;
  s->c.nparts = n;
  return rc;
}

static int load_segments(lrs_scan *s, long long id) {
  cursor *c = &s->segs;
  int rc = cursor_seek(c, id);
  int n = 0;
  while (rc == SQLITE_OK && c->has && c->cid == id) {
    if (n == s->cap_segs) {
      int cap = s->cap_segs ? s->cap_segs * 2 : 16;
      const char **v = realloc(s->segv, (size_t)cap * sizeof *v);
      if (!v) return SQLITE_NOMEM;
      s->segv = v;
      s->cap_segs = cap;
    }
    s->segv[n] = lra_strdup(&s->arena, (const char *)sqlite3_column_text(c->st, 1));
    if (!s->segv[n++]) return SQLITE_NOMEM;
    rc = cursor_step(c);
  }
  s->c.segments = s->segv;
  s->c.nsegments = n;
  return rc;
}

static const char *text_or_null(sqlite3_stmt *st, int col) {
  if (col < 0 || sqlite3_column_type(st, col) == SQLITE_NULL) return NULL;
  return (const char *)sqlite3_column_text(st, col);
}

static long long int_or_zero(sqlite3_stmt *st, int col) {
  if (col < 0 || sqlite3_column_type(st, col) == SQLITE_NULL) return 0;
  return sqlite3_column_int64(st, col);
}

int lrs_scan_next(lrs_scan *s, const lrs_contact **out) {
  if (s->pg) return lrs_pg_scan_next(s->pg, out);
  int rc = sqlite3_step(s->contacts);
  while (rc == SQLITE_DONE && s->nids > 0) {      /* a short list: next id */
    long long id = *s->ids++;
    s->nids--;
    int src = set_range(s, id, id);
    if (src != LR_OK) return -src;
    rc = sqlite3_step(s->contacts);
  }
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) return -lrs__snap_rc(s->snap, rc);
  lra_reset(&s->arena);
  sqlite3_stmt *st = s->contacts;
  lrs_contact *c = &s->c;
  long long id = sqlite3_column_int64(st, s->col.c_id);
  c->id = id;
  /* Row values point into SQLite's row buffer, valid until the next step. */
  for (int i = 0; i < s->ncols; i++)
    if (lrs__column(st, i, &s->vals[i]) != LR_OK)
      return -lrs__snap_rc(s->snap, SQLITE_NOMEM);
  c->ncols = s->ncols;
  c->vals = s->vals;
  c->key = text_or_null(st, s->col.c_key);
  c->score = sqlite3_column_double(st, s->col.c_score);
  c->stage = text_or_null(st, s->col.c_stage);
  c->owner = text_or_null(st, s->col.c_owner);
  c->grade = text_or_null(st, s->col.c_grade);
  c->scores = text_or_null(st, s->col.c_scores);
  c->grades = text_or_null(st, s->col.c_grades);
  c->due_at = int_or_zero(st, s->col.c_due);
  c->assigned_at = int_or_zero(st, s->col.c_assigned);
  c->manual_at = int_or_zero(st, s->col.c_manual);
  c->data_at = int_or_zero(st, s->col.c_data);
  c->manual_until = int_or_zero(st, s->col.c_manual_until);
  c->stage_since = int_or_zero(st, s->col.c_stage_since);
  c->stable_until = int_or_zero(st, s->col.c_stable);
  c->account_key = s->col.c_account >= 0 ? text_or_null(st, s->col.c_account) : NULL;
  if (!c->key) c->key = "";
  rc = load_acts(s, id);
  if (rc == SQLITE_OK) rc = load_outcome(s, id);
  if (rc == SQLITE_OK) rc = load_parts(s, id);
  if (rc == SQLITE_OK) rc = load_segments(s, id);
  for (int i = 0; i < s->nsql && rc == SQLITE_OK; i++) {
    rc = s->in_list ? sql_cursor(s, i, 0, id, id) : sql_cursor(s, i, 1, id, 0);
    s->member[i] = s->sqlseg[i].has && s->sqlseg[i].cid == id;
  }
  c->sql_member = s->member;
  if (rc != SQLITE_OK) return -lrs__snap_rc(s->snap, rc);
  *out = c;
  return 1;
}

void lrs_scan_close(lrs_scan *s) {
  if (!s) return;
  if (s->pg || !s->snap) {
    lrs_pg_scan_close(s->pg);
    free(s);
    return;
  }
  if (s->watched) lrs__snap_watch(s->snap, NULL, 0);
  sqlite3_finalize(s->contacts);
  sqlite3_finalize(s->actc.st);
  sqlite3_finalize(s->outs.st);
  sqlite3_finalize(s->parts.st);
  sqlite3_finalize(s->segs.st);
  for (int i = 0; i < 5; i++) sqlite3_finalize(s->other[i]);
  lrb_free(&s->idlist);
  for (int i = 0; i < s->nsql && s->sqlseg; i++) sqlite3_finalize(s->sqlseg[i].st);
  free(s->sqlseg);
  free(s->member);
  for (int i = 0; i < s->ncols && s->colnames; i++) free(s->colnames[i]);
  free(s->colnames);
  free(s->vals);
  for (int i = 0; i < s->ntypes; i++) free(s->types[i]);
  free(s->types);
  free(s->acts);
  free(s->partv);
  free(s->segv);
  lra_free(&s->arena);
  free(s);
}

int lrs_contact_span(lrs_snap *snap, long long *count, long long *lo,
                     long long *hi) {
  if (snap->pg) return lrs_pg_contact_span(snap, count, lo, hi);
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(snap->conn, "SELECT count(*), min(id), max(id) "
                              "FROM contacts", -1, &st, NULL);
  if (rc != SQLITE_OK) return lrs__snap_rc(snap, rc);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *count = sqlite3_column_int64(st, 0);
    *lo = sqlite3_column_int64(st, 1);
    *hi = sqlite3_column_int64(st, 2);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? LR_OK : lrs__snap_rc(snap, rc);
}

/* The id of "#ID": '#' and 1 to 18 digits, nothing else ("#1e3" and
** "#12abc" name no contact, where SQLite's CAST would read 1 and 12). */
static long long hash_id(const char *key) {
  long long v = 0;
  size_t n = strlen(key + 1);
  if (n < 1 || n > 18) return 0;
  for (const char *p = key + 1; *p; p++) {
    if (*p < '0' || *p > '9') return 0;
    v = v * 10 + (*p - '0');
  }
  return v;
}

int lrs_contact_id(lrs_snap *snap, const char *key, long long *id) {
  sqlite3_stmt *st;
  *id = 0;
  int by_id = key[0] == '#';
  long long want = by_id ? hash_id(key) : 0;
  if (by_id && want <= 0) return LR_OK;             /* no such contact */
  if (snap->pg) return lrs_pg_contact_id(snap, key, want, id);
  int rc = sqlite3_prepare_v2(snap->conn, by_id
      ? "SELECT id FROM contacts WHERE id = ?1"
      : "SELECT id FROM contacts WHERE key = ?1 OR key = lower(trim(?1)) "
        "ORDER BY key = ?1 DESC LIMIT 1", -1, &st, NULL);
  if (rc != SQLITE_OK) return lrs__snap_rc(snap, rc);
  if (by_id) sqlite3_bind_int64(st, 1, want);
  else sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
  rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? SQLITE_OK : rc;
  sqlite3_finalize(st);
  return rc == SQLITE_OK ? LR_OK : lrs__snap_rc(snap, rc);
}

void lrs_scan_idle(lrs_scan *s) {
  if (!s) return;
  if (s->pg) {
    lrs_pg_scan_idle(s->pg);
    return;
  }
  sqlite3_reset(s->contacts);
  sqlite3_reset(s->actc.st);
  sqlite3_reset(s->outs.st);
  sqlite3_reset(s->parts.st);
  sqlite3_reset(s->segs.st);
  for (int i = 0; i < 5; i++)
    if (s->other[i]) sqlite3_reset(s->other[i]);
  s->actc.has = s->outs.has = s->parts.has = s->segs.has = 0;
  for (int i = 0; i < s->nsql && s->sqlseg; i++) {
    sqlite3_reset(s->sqlseg[i].st);
    s->sqlseg[i].has = 0;
  }
}
