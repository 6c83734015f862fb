/*
** manual.c -- lr_contact_move and lr_contact_set, and the writes scripts
** make: each recorded with who, when and why.
**
** The rule for later runs (lrp_manual_lock in eval.c): a contact moved by
** hand has manual_at = the time of the move and manual_until = its expiry
** (NULL: none); the policy leaves its stage alone until a later move (which
** restamps both), an outcome closed after manual_at, a run whose now is at
** or past manual_until, or a run with --override-manual (which clears
** both).  Data changes (imports, `leadrules set`, lead:set) leave the lock
** alone, so data_at is only "when the data last changed".  Every stamp is
** the caller's clock (--now) as given: a move's manual_at and its expiry
** are on the same clock as the runs that read them.
*/
#include "db_int.h"
#include "pg_int.h"
#include "manual.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "apply.h"
#include "scan.h"
#include "select.h"

void lrs_type_text(const char *s, lrs_value *v) {
  memset(v, 0, sizeof *v);
  v->type = LRS_STR;
  v->s = s;
  v->n = strlen(s);
  if (!*s || v->n > 40) return;
  char buf[64];
  char *end;
  /* integer: canonical decimal that prints back the same */
  const char *p = s + (*s == '-');
  if (*p >= '0' && *p <= '9') {
    long long i = strtoll(s, &end, 10);
    if (!*end) {
      snprintf(buf, sizeof buf, "%lld", i);
      if (strcmp(buf, s) == 0) {
        v->type = LRS_INT;
        v->i = i;
        return;
      }
    }
  }
  /* real: the shortest form that reads back the same number is the text */
  double d = strtod(s, &end);
  if (*end || end == s || isnan(d) || isinf(d)) return;
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (strtod(buf, NULL) == d) {
      if (strcmp(buf, s) == 0) {
        v->type = LRS_FLOAT;
        v->r = d;
      }
      return;
    }
  }
}

int lrs_field_writable(lr_db *db, const char *field, const lrs_value *v,
                       int *type) {
  if (!field || !*field) return lr__err(db, LR_MISUSE, "no field name given");
  if (lrs_is_engine_field(field))
    return lr__err(db, LR_MISUSE, "'%s' is owned by the engine (the policy "
                   "computes it); it cannot be set by hand", field);
  if (strcmp(field, lrs_key_field(db)) == 0)
    return lr__err(db, LR_MISUSE, "'%s' is the key field (it names each "
                   "contact, and imports match rows by it): it cannot be set "
                   "by hand, or the next import would add the contact again "
                   "under its old %s", field, field);
  if (strcmp(field, "stage") == 0)
    return lr__err(db, LR_MISUSE, "the stage is changed with `leadrules move "
                   "KEY STAGE --reason TEXT` (lead:move_to in scripts), so "
                   "that the move is recorded in the stage history");
  lrs_fields f;
  int rc = lrs_fields_load(db, &f);
  if (rc != LR_OK) return rc;
  const lrs_field *fd = lrs_fields_find(&f, field);
  int number = fd && fd->builtin && fd->type != LRS_TEXT;
  if (fd) *type = fd->type;
  char near[96] = "";
  if (!fd) {                        /* "did you mean", as run and check say */
    const char *names[256];
    int n = 0;
    for (int i = 0; i < f.n && n < 256; i++)
      if (!lrs_is_engine_field(f.v[i].name)) names[n++] = f.v[i].name;
    const char *m = lr_nearest(field, names, n);
    if (m) snprintf(near, sizeof near, "; did you mean '%.63s'?", m);
  }
  lrs_fields_free(&f);
  if (!fd)
    return near[0] ? lr__err(db, LR_NOTFOUND, "unknown field '%s'%s "
                             "(`leadrules info` lists the fields)", field, near)
                   : lr__err(db, LR_NOTFOUND, "unknown field '%s' (no such "
                             "column; `leadrules info` lists the fields)",
                             field);
  if (number && v && v->type == LRS_STR)
    return lr__err(db, LR_INPUT, "'%.*s' is not a number, and %s is a "
                   "number field (leave it empty to clear it)",
                   v->n > 60 ? 60 : (int)v->n, v->s, field);
  return LR_OK;
}

static int type_rank(int t) {
  return t == LRS_INTEGER ? 1 : t == LRS_REAL ? 2 : 3;
}

/* Text kept in the store is UTF-8 on both stores: PostgreSQL refuses
** other bytes, and SQLite would keep what no export gives back. */
static int utf8_text(lr_db *db, const char *s, const char *what) {
  size_t n = s ? strlen(s) : 0, ok = s ? lrb_utf8_valid(s, n) : 0;
  if (ok < n)
    return lr__err(db, LR_INPUT, "%s is not valid UTF-8 (byte %zu)", what,
                   ok + 1);
  return LR_OK;
}

/* A value the declared type cannot hold widens it, as an import does. */
static int widen(lr_db *db, const char *field, const lrs_value *v, int type) {
  int vt = v->type == LRS_INT ? LRS_INTEGER : v->type == LRS_FLOAT ? LRS_REAL
           : v->type == LRS_STR ? LRS_TEXT : -1;
  if (vt >= 0 && type_rank(vt) > type_rank(type))
    return lrs_field_set_type(db, field, vt);
  return LR_OK;
}

static const char AUDIT_ADD[] =
    "INSERT INTO audit(contact_id, field, old_value, new_value, at, by, "
    "reason, run_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

int lrs_field_write(lr_db *db, long long id, const char *field,
                    const lrs_value *v, const char *by, const char *reason,
                    long long run_id, long long now, int *changed) {
  *changed = 0;
  int type = LRS_TEXT;
  int rc = lrs_field_writable(db, field, v, &type);
  if (rc != LR_OK) return rc;
  /* No longer than an import takes: SQL written by users reads it. */
  if (v->type == LRS_STR && v->n > LRS_MAX_VALUE)
    return lr__err(db, LR_INPUT, "'%s': a value may be at most %u MiB "
                   "(this one is %zu bytes)", field, LRS_MAX_VALUE >> 20,
                   v->n);
  size_t ok = v->type == LRS_STR ? lrb_utf8_valid(v->s, v->n) : 0;
  if (v->type == LRS_STR && ok < v->n)
    return lr__err(db, LR_INPUT, "the value of '%s' is not valid UTF-8 "
                   "(byte %zu)", field, ok + 1);
  if (utf8_text(db, reason, "the reason") != LR_OK) return db->rc;
  if (db->pg) {
    rc = lrs_pg_field_write(db, id, field, v, by, reason, run_id, now,
                            changed);
    return rc == LR_OK && *changed ? widen(db, field, v, type) : rc;
  }
  /* The column name is data: statements are built for it, not cached. */
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "SELECT ");
  lrs_quote_ident(&sql, field);
  lrb_adds(&sql, ", ");
  lrs_quote_ident(&sql, field);
  lrb_adds(&sql, " IS ?2 FROM contacts WHERE id = ?1");
  if (sql.oom) return lr__err(db, LR_NOMEM, "out of memory");
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql, sql.p, -1, &st, NULL);
  lrb_free(&sql);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "read field");
  sqlite3_bind_int64(st, 1, id);
  lrs__bind(st, 2, v);
  src = sqlite3_step(st);
  if (src != SQLITE_ROW) {
    sqlite3_finalize(st);
    if (src == SQLITE_DONE)
      return lr__err(db, LR_NOTFOUND, "no contact with id %lld", id);
    return lrs_sqlerr(db, src, "read field");
  }
  if (sqlite3_column_int(st, 1)) {          /* same value: nothing to do */
    sqlite3_finalize(st);
    return LR_OK;
  }
  sqlite3_value *old = sqlite3_value_dup(sqlite3_column_value(st, 0));
  sqlite3_finalize(st);
  if (!old) return lr__err(db, LR_NOMEM, "out of memory");

  lrb_adds(&sql, "UPDATE contacts SET ");
  lrs_quote_ident(&sql, field);
  lrb_adds(&sql, " = ?2, data_at = ?3, updated_at = ?3, change_mark = "
                 LRS_CHANGE_MARK " WHERE id = ?1");
  if (sql.oom) {
    sqlite3_value_free(old);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  src = sqlite3_prepare_v2(db->sql, sql.p, -1, &st, NULL);
  lrb_free(&sql);
  if (src == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, id);
    lrs__bind(st, 2, v);
    sqlite3_bind_int64(st, 3, now);
    src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src == SQLITE_DONE) src = SQLITE_OK;
  }
  if (src != SQLITE_OK) {
    sqlite3_value_free(old);
    return lrs_sqlerr(db, src, "write field");
  }
  st = lrs_cached(db, AUDIT_ADD);
  if (!st) {
    sqlite3_value_free(old);
    return db->rc;
  }
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
  sqlite3_bind_value(st, 3, old);
  lrs__bind(st, 4, v);
  sqlite3_bind_int64(st, 5, now);
  if (by) sqlite3_bind_text(st, 6, by, -1, SQLITE_STATIC);
  if (reason) sqlite3_bind_text(st, 7, reason, -1, SQLITE_STATIC);
  if (run_id) sqlite3_bind_int64(st, 8, run_id);
  src = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_value_free(old);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "record audit");
  *changed = 1;
  return widen(db, field, v, type);
}

static const char STAGE_SET[] =
    "UPDATE contacts SET stage = ?2, updated_at = ?3, manual_at = ?3, "
    "manual_until = ?4, due_at = NULL, stage_since = ?3, change_mark = "
    LRS_CHANGE_MARK " WHERE id = ?1";

int lrs_stage_write(lr_db *db, long long id, const char *from,
                    const char *to, const char *by, const char *reason,
                    long long run_id, long long now, long long until) {
  int rc = lrs_history_add(db, id, from && *from ? from : NULL, to, now,
                           run_id, reason, NULL, by);
  if (rc != LR_OK) return rc;
  if (db->pg) return lrs_pg_stage_set(db, id, to, now, until);
  sqlite3_stmt *st = lrs_cached(db, STAGE_SET);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, now);
  if (until) sqlite3_bind_int64(st, 4, until);
  else sqlite3_bind_null(st, 4);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "move contact");
  return LR_OK;
}

static const char CONTACT_STAGE[] = "SELECT stage FROM contacts WHERE id = ?1";

int lrs_contact_find(lr_db *db, const char *key, long long *id, char *stage,
                     size_t n) {
  *id = 0;
  if (!key || !*key) return lr__err(db, LR_MISUSE, "no contact key given");
  lrs_snap *own = lrs_snap_main(db);
  if (lrs_contact_id(own, key, id) != LR_OK)
    return lrs_snap_report(own, "find contact");
  if (!*id) return lrs_no_contact(db, key);
  if (!stage) return LR_OK;
  if (db->pg) return lrs_pg_contact_stage(db, *id, stage, n);
  sqlite3_stmt *st = lrs_cached(db, CONTACT_STAGE);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, *id);
  stage[0] = '\0';
  int src = sqlite3_step(st);
  if (src == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(stage, n, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return lrs_sqlerr(db, src, "find contact");
  return LR_OK;
}

/* The known stages, collected by lrs_distinct (the rule lead:move_to
** uses too): what contacts have, what their history has, and what the
** last run's policy declared. */
typedef struct known {
  const char *want;
  char *out;
  size_t n;
  int found, count;
  const char *names[64];
  char store[64][64];
  lr_buf list;
} known;

static int known_stage(void *ctx, const char *name) {
  known *k = ctx;
  if (!name) return 0;
  if (strcasecmp(name, k->want) == 0) {
    snprintf(k->out, k->n, "%s", name);     /* the data's spelling wins */
    k->found = 1;
    return 1;
  }
  lrb_printf(&k->list, "%s%s", k->count ? ", " : "", name);
  if (k->count < 64 && strlen(name) < 64) {
    snprintf(k->store[k->count], 64, "%s", name);
    k->names[k->count] = k->store[k->count];
  } else if (k->count < 64) {
    k->names[k->count] = "";
  }
  k->count++;
  return 0;
}

int lrs_stage_known(lr_db *db, const char *want, char *out, size_t n) {
  snprintf(out, n, "%s", want);
  known *k = calloc(1, sizeof *k);
  if (!k) return lr__err(db, LR_NOMEM, "out of memory");
  k->want = want;
  k->out = out;
  k->n = n;
  lrs_snap *own = lrs_snap_main(db);
  int rc = lrs_distinct(own, LRS_DISTINCT_STAGES, known_stage, k);
  if (rc != LR_OK) {
    rc = lrs_snap_report(own, "read the stages");
  } else if (!k->found && k->count) {
    /* Nothing to check against in a new database: any name is taken. */
    const char *near = lr_nearest(want, k->names,
                                   k->count < 64 ? k->count : 64);
    char hint[128] = "";
    if (near) snprintf(hint, sizeof hint, "did you mean '%s'? ", near);
    rc = lr__err(db, LR_INPUT, "unknown stage '%s' (%sthe known stages: %s; "
                 "a stage is known once a contact has been in it or a run's "
                 "policy declared it)", want, hint, lrb_str(&k->list));
  }
  lrb_free(&k->list);
  free(k);
  return rc;
}

static int check_text(lr_db *db, const char *s, const char *what) {
  if (!s || !*s) return lr__err(db, LR_MISUSE, "%s is required", what);
  return LR_OK;
}

static void iso(long long t, char *buf, size_t n) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int lrs_lock_until_ok(lr_db *db, long long now, long long until) {
  if (until == 0) return LR_OK;
  char a[32], b[32];
  if (until < 0 || until > LR_TIME_MAX)
    return lr__err(db, LR_MISUSE, "the lock's expiry %lld is out of range "
                   "(0 for none, or unix seconds up to %lld)", until,
                   LR_TIME_MAX);
  if (until <= now) {
    iso(until, a, sizeof a);
    iso(now, b, sizeof b);
    return lr__err(db, LR_MISUSE, "the lock's expiry (%s) is not after the "
                   "move (%s): give a time later than the move's clock", a, b);
  }
  return LR_OK;
}

int lr_contact_move(lr_db *db, const char *key, const char *stage,
                    const char *by, const char *reason, long long now) {
  return lr_contact_move_v2(db, key, stage, by, reason, now, 0);
}

static const char AUDIT_RENEW[] =
    "INSERT INTO audit(contact_id, field, old_value, new_value, at, by, "
    "reason, run_id) SELECT id, 'manual_until', manual_until, ?2, ?3, ?4, "
    "?5, ?6 FROM contacts WHERE id = ?1";

static const char LOCK_RENEW[] =
    "UPDATE contacts SET manual_at = ?2, manual_until = ?3, updated_at = ?2, "
    "change_mark = " LRS_CHANGE_MARK " WHERE id = ?1";

/* A move to the stage the contact is in renews its lock: manual_at and
** the expiry are restamped and the audit says so, but no S->S history row
** is written and stage_since stays (cool-downs keep counting). */
static int lock_renew(lr_db *db, long long id, const char *by,
                      const char *reason, long long run_id, long long now,
                      long long until) {
  if (db->pg) return lrs_pg_lock_renew(db, id, by, reason, run_id, now, until);
  sqlite3_stmt *st = lrs_cached(db, AUDIT_RENEW);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  if (until) sqlite3_bind_int64(st, 2, until);
  else sqlite3_bind_null(st, 2);
  sqlite3_bind_int64(st, 3, now);
  sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, run_id);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "record lock renewal");
  st = lrs_cached(db, LOCK_RENEW);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, now);
  if (until) sqlite3_bind_int64(st, 3, until);
  else sqlite3_bind_null(st, 3);
  src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "renew lock");
}

int lr_contact_move_v2(lr_db *db, const char *key, const char *stage,
                       const char *by, const char *reason, long long now,
                       long long until) {
  if (!lrs_is_open(db)) return LR_MISUSE;
  if (check_text(db, stage, "a stage") || check_text(db, reason,
      "a reason (--reason TEXT): every manual change says why") ||
      utf8_text(db, stage, "the stage") ||
      utf8_text(db, reason, "the reason") ||
      utf8_text(db, by, "the name given with --by") ||
      lr__clock(db, now, "lr_contact_move", &now) != LR_OK ||
      lrs_lock_until_ok(db, now, until) != LR_OK)
    return db->rc;
  if (!by || !*by) by = "unknown";
  int rc = lrs_writer_begin(db);
  if (rc != LR_OK) return rc;
  long long id, run_id = 0;
  char from[256], to[256];
  rc = lrs_stage_known(db, stage, to, sizeof to);
  if (rc == LR_OK) rc = lrs_contact_find(db, key, &id, from, sizeof from);
  if (rc == LR_OK)
    rc = lrs_run_start(db, "manual", NULL, NULL, now, by, &run_id);
  int renew = rc == LR_OK && strcasecmp(from, to) == 0;
  if (renew)
    rc = lock_renew(db, id, by, reason, run_id, now, until);
  else if (rc == LR_OK)
    rc = lrs_stage_write(db, id, from, to, by, reason, run_id, now, until);
  if (rc == LR_OK) rc = lrs_run_finish(db, run_id, 1, 0, !renew, 0, 0);
  if (rc == LR_OK) rc = lrs_commit(db);
  if (rc != LR_OK) lrs_rollback(db);
  lrs_writer_end(db);
  return rc == LR_OK ? lr__ok(db) : rc;
}

int lr_contact_set(lr_db *db, const char *key, const char *field,
                   const char *value, const char *by, const char *reason,
                   long long now) {
  if (!lrs_is_open(db)) return LR_MISUSE;
  /* The stage is set by a move: recorded in the history, and locked. */
  if (field && strcmp(field, "stage") == 0)
    return lr_contact_move_v2(db, key, value, by, reason, now, 0);
  if (check_text(db, field, "a field") || check_text(db, reason,
      "a reason (--reason TEXT): every manual change says why") ||
      utf8_text(db, reason, "the reason") ||
      utf8_text(db, by, "the name given with --by") ||
      lr__clock(db, now, "lr_contact_set", &now) != LR_OK)
    return db->rc;
  if (!by || !*by) by = "unknown";
  lrs_value v;
  if (value) lrs_type_text(value, &v);
  else memset(&v, 0, sizeof v);              /* LRS_NULL */
  int type;
  char name[LRS_NAME_FOLD];                 /* the one naming rule */
  int rc = lrs_field_name(db, field, name, sizeof name);
  if (rc != LR_OK) return rc;
  field = name;
  rc = lrs_field_writable(db, field, &v, &type);
  if (rc != LR_OK) return rc;
  rc = lrs_writer_begin(db);
  if (rc != LR_OK) return rc;
  long long id, run_id = 0;
  int changed = 0;
  rc = lrs_contact_find(db, key, &id, NULL, 0);
  if (rc == LR_OK)
    rc = lrs_run_start(db, "manual", NULL, NULL, now, by, &run_id);
  if (rc == LR_OK)
    rc = lrs_field_write(db, id, field, &v, by, reason, run_id, now, &changed);
  if (rc == LR_OK && !changed) {
    /* Nothing changed: no trace of a change that did not happen. */
    lrs_rollback(db);
    lrs_writer_end(db);
    return lr__ok(db);
  }
  if (rc == LR_OK) rc = lrs_run_finish(db, run_id, 1, 0, 0, 0, 0);
  if (rc == LR_OK) rc = lrs_commit(db);
  if (rc != LR_OK) lrs_rollback(db);
  lrs_writer_end(db);
  return rc == LR_OK ? lr__ok(db) : rc;
}

static const char EVENTS[] =
    "SELECT kind, at, by, reason, rk, a, b, c FROM ("
    " SELECT 'move' AS kind, h.at AS at, h.by AS by, h.reason AS reason,"
    "  r.kind AS rk, h.from_stage AS a, h.to_stage AS b, NULL AS c,"
    "  h.id AS seq, 0 AS src"
    " FROM stage_history h JOIN runs r ON r.id = h.run_id"
    " WHERE h.contact_id = ?1 AND r.kind IN ('manual', 'script')"
    " UNION ALL"
    " SELECT 'set', a.at, a.by, a.reason, r.kind, a.field,"
    "  CAST(a.old_value AS TEXT), CAST(a.new_value AS TEXT), a.id, 1"
    " FROM audit a LEFT JOIN runs r ON r.id = a.run_id"
    " WHERE a.contact_id = ?1)"
    " ORDER BY at DESC, src DESC, seq DESC LIMIT ?2";

static const char *col(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

int lrs_manual_events(lrs_snap *snap, long long id, int limit,
                      int (*cb)(void *ctx, const lrs_manual_event *e),
                      void *ctx) {
  if (snap->pg) return lrs_pg_manual_events(snap, id, limit, cb, ctx);
  sqlite3_stmt *st;
  int src = sqlite3_prepare_v2(snap->conn, EVENTS, -1, &st, NULL);
  if (src != SQLITE_OK) return lrs__snap_rc(snap, src);
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int(st, 2, limit);
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    lrs_manual_event e;
    memset(&e, 0, sizeof e);
    e.kind = col(st, 0);
    e.at = sqlite3_column_int64(st, 1);
    e.by = col(st, 2);
    e.reason = col(st, 3);
    e.run_kind = col(st, 4);
    if (e.kind && strcmp(e.kind, "move") == 0) {
      e.from = col(st, 5);
      e.to = col(st, 6);
    } else {
      e.field = col(st, 5);
      e.old_value = col(st, 6);
      e.new_value = col(st, 7);
    }
    if (cb(ctx, &e)) break;
  }
  sqlite3_finalize(st);
  return src == SQLITE_ROW || src == SQLITE_DONE ? LR_OK
                                                 : lrs__snap_rc(snap, src);
}

/* The move that set manual_at is stamped with it (lrs_stage_write); the
** last of its run's rows at that time is where it left the contact. */
static const char LOCK_STAGE[] =
    "SELECT h.to_stage FROM stage_history h JOIN runs r ON r.id = h.run_id"
    " WHERE h.contact_id = ?1 AND h.at = ?2 AND r.kind IN ('manual', 'script')"
    " ORDER BY h.id DESC LIMIT 1";

int lrs_manual_stage(lrs_snap *snap, long long id, long long manual_at,
                     char **stage) {
  if (snap->pg) return lrs_pg_manual_stage(snap, id, manual_at, stage);
  *stage = NULL;
  sqlite3_stmt *st;
  int src = sqlite3_prepare_v2(snap->conn, LOCK_STAGE, -1, &st, NULL);
  if (src != SQLITE_OK) return lrs__snap_rc(snap, src);
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, manual_at);
  src = sqlite3_step(st);
  int rc = LR_OK;
  if (src == SQLITE_ROW && col(st, 0) && !(*stage = strdup(col(st, 0))))
    rc = LR_NOMEM;
  sqlite3_finalize(st);
  if (src != SQLITE_ROW && src != SQLITE_DONE) return lrs__snap_rc(snap, src);
  return rc;
}
