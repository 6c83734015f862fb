/*
** handoffs.c -- lr_handoffs_each: the leads handed to sales, newest first,
** with the cursor a sync passes back (leadrules.h, "The handoff list").
**
** One row per assignments row, joined to the contact as it is now; the
** reason is the one recorded when the contact last entered the handoff's
** stage at or before the handoff.  The cursor is the assignment id: the
** single writer gives ids above every committed one and commits a run's
** rows at once, so rows committed after a reader's snapshot all have ids
** above the highest it saw.  Filters are checked first, so a typo is an
** error naming what exists rather than an empty list.
*/
#include "db_int.h"
#include "pg_int.h"
#include "report_sql.h"

#include <stdio.h>
#include <string.h>

static const char LIST[] =
  "SELECT a.id, a.contact_id, c.key, "
  "  nullif(trim(coalesce(c.first_name, '') || ' ' || "
  "              coalesce(c.last_name, '')), ''), "
  "  c.company, a.stage, c.stage, c.score, c.grade, a.owner, a.at, a.due, "
  "  (SELECT h.reason FROM stage_history h WHERE h.contact_id = a.contact_id"
  "   AND h.to_stage = a.stage AND h.at <= a.at"
  "   ORDER BY h.at DESC, h.id DESC LIMIT 1), a.run_id "
  "FROM assignments a JOIN contacts c ON c.id = a.contact_id "
  "WHERE a.id > ?1 AND (?2 = 0 OR a.run_id >= ?2) AND (?3 = 0 OR a.at >= ?3)"
  "  AND (?4 IS NULL OR a.owner = ?4) AND (?5 IS NULL OR a.stage = ?5)"
  "  AND (?6 = 0 OR a.run_id = ?6) "
  "ORDER BY a.at DESC, a.id DESC";

static const char MAX_ID[] = "SELECT coalesce(max(id), 0) FROM assignments";
static const char RUNS[] =
  "SELECT (SELECT count(*) FROM runs WHERE id = ?1), coalesce(min(id), 0), "
  "coalesce(max(id), 0) FROM runs";
static const char OWNER_KNOWN[] =
  "SELECT EXISTS(SELECT 1 FROM assignments WHERE owner = ?1) OR "
  "EXISTS(SELECT 1 FROM contacts WHERE owner = ?1)";
static const char OWNERS[] =
  "SELECT owner FROM assignments GROUP BY owner ORDER BY count(*) DESC, owner "
  "LIMIT 10";
static const char STAGE_KNOWN[] =
  "SELECT EXISTS(SELECT 1 FROM assignments WHERE stage = ?1) OR "
  "EXISTS(SELECT 1 FROM contacts WHERE stage = ?1)";
static const char STAGES[] =
  "SELECT stage FROM assignments WHERE stage IS NOT NULL GROUP BY stage "
  "ORDER BY count(*) DESC, stage LIMIT 10";

/* The statement's LRS_PG_HO_* on PostgreSQL (pg_handoffs.c). */
static int pg_which(const char *sql) {
  const char *const all[] = { MAX_ID, RUNS, OWNER_KNOWN, OWNERS, STAGE_KNOWN,
                              STAGES };
  int i = 0;
  while (all[i] != sql) i++;
  return i;
}

/* One integer row of a cached statement with up to one text and one
** integer parameter. */
static int query_ints(lr_db *db, const char *sql, const char *text,
                      long long num, long long *out, int n) {
  if (db->pg)
    return lrs_pg_handoffs_ints(db, pg_which(sql), text, num, out, n);
  sqlite3_stmt *st = lrs_cached(db, sql);
  if (!st) return db->rc;
  if (sqlite3_bind_parameter_count(st) >= 1) {
    if (text) sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(st, 1, num);
  }
  int src = sqlite3_step(st);
  for (int i = 0; i < n && src == SQLITE_ROW; i++)
    out[i] = sqlite3_column_int64(st, i);
  sqlite3_reset(st);
  return src == SQLITE_ROW ? LR_OK : lrs_sqlerr(db, src, "handoffs");
}

/* "a, b, c" of the first column of sql's rows, into b. */
static int list_names(lr_db *db, const char *sql, lr_buf *b) {
  if (db->pg) {
    int rc = lrs_pg_handoffs_names(db, pg_which(sql), b);
    if (rc == LR_OK && !b->n) lrb_adds(b, "none yet");
    return rc != LR_OK ? rc : b->oom ? lr__err(db, LR_NOMEM, "out of memory")
                                     : LR_OK;
  }
  sqlite3_stmt *st = lrs_cached(db, sql);
  if (!st) return db->rc;
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW)
    lrb_printf(b, "%s%s", b->n ? ", " : "",
               (const char *)sqlite3_column_text(st, 0));
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "handoffs");
  if (!b->n) lrb_adds(b, "none yet");
  return b->oom ? lr__err(db, LR_NOMEM, "out of memory") : LR_OK;
}

static int check_name(lr_db *db, const char *known, const char *names,
                      const char *what, const char *value) {
  long long ok = 0;
  int rc = query_ints(db, known, value, 0, &ok, 1);
  if (rc != LR_OK || ok) return rc;
  lr_buf b = LR_BUF_INIT;
  rc = list_names(db, names, &b);
  if (rc == LR_OK)
    rc = lr__err(db, LR_INPUT, "--%s '%s': no handoff or contact has that "
                 "%s (%ss with handoffs: %s)", what, value, what, what,
                 lrb_str(&b));
  lrb_free(&b);
  return rc;
}

/* The filters name things that exist, and the cursor is one of ours. */
static int check(lr_db *db, const lr_handoffs_opts *o, long long max_id) {
  if (o->after < 0 || o->since_run < 0 || o->run < 0 || o->since < 0)
    return lr__err(db, LR_MISUSE, "lr_handoffs: a negative after, run, "
                   "since_run or since");
  if (o->after > max_id)
    return lr__err(db, LR_INPUT, "--after %lld: no handoff has that cursor "
                   "(the highest is %lld): is it from another database?",
                   o->after, max_id);
  for (int i = 0; i < 2; i++) {
    long long run = i ? o->run : o->since_run;
    if (!run) continue;
    long long r[3];
    int rc = query_ints(db, RUNS, NULL, run, r, 3);
    if (rc != LR_OK) return rc;
    if (r[0]) continue;
    if (!r[2])
      return lr__err(db, LR_INPUT, "--since %lld: no run #%lld (nothing has "
                     "run yet)", run, run);
    return lr__err(db, LR_INPUT, "--since %lld: no run #%lld (runs are #%lld "
                   "to #%lld; a time is written as a date, 2026-11-01)", run,
                   run, r[1], r[2]);
  }
  if (o->owner && check_name(db, OWNER_KNOWN, OWNERS, "owner", o->owner))
    return db->rc;
  if (o->stage && check_name(db, STAGE_KNOWN, STAGES, "stage", o->stage))
    return db->rc;
  return LR_OK;
}

static const char *text(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

static int list(lr_db *db, const lr_handoffs_opts *o, lr_handoff_fn fn,
                void *ctx) {
  if (db->pg) return lrs_pg_handoffs_list(db, o, fn, ctx);
  sqlite3_stmt *st = lrs_cached(db, LIST);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, o->after);
  sqlite3_bind_int64(st, 2, o->since_run);
  sqlite3_bind_int64(st, 3, o->since);
  if (o->owner) sqlite3_bind_text(st, 4, o->owner, -1, SQLITE_STATIC);
  if (o->stage) sqlite3_bind_text(st, 5, o->stage, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, o->run);
  int src, rc = LR_OK;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    lr_handoff_row r;
    memset(&r, 0, sizeof r);
    r.cursor = sqlite3_column_int64(st, 0);
    r.contact_id = sqlite3_column_int64(st, 1);
    r.key = text(st, 2);
    r.name = text(st, 3);
    r.company = text(st, 4);
    r.stage = text(st, 5);
    r.current_stage = text(st, 6);
    r.score = sqlite3_column_double(st, 7);
    r.grade = text(st, 8);
    r.owner = text(st, 9);
    r.assigned_at = sqlite3_column_int64(st, 10);
    r.due_at = sqlite3_column_int64(st, 11);
    r.reason = text(st, 12);
    r.run_id = sqlite3_column_int64(st, 13);
    if (fn(ctx, &r)) {
      rc = lr_errcode(db) != LR_OK
               ? lr_errcode(db)
               : lr__err(db, LR_INTERRUPT, "handoffs: stopped by the callback");
      break;
    }
  }
  sqlite3_reset(st);
  if (rc == LR_OK && src != SQLITE_DONE) rc = lrs_sqlerr(db, src, "handoffs");
  return rc;
}

int lr_handoffs_each(lr_db *db, const lr_handoffs_opts *opts,
                     lr_handoff_fn fn, void *ctx, long long *cursor) {
  if (cursor) *cursor = 0;
  if (!lrs_is_open(db) || !fn)
    return lr__err(db, LR_MISUSE, "lr_handoffs: no database or callback");
  lr_handoffs_opts o;
  if (lr__opts(db, &o, sizeof o, opts, "lr_handoffs") != LR_OK)
    return lr_errcode(db);
  if (o.owner && !*o.owner) o.owner = NULL;
  if (o.stage && !*o.stage) o.stage = NULL;
  lr__ok(db);
  int rc = lrs_report_begin(db);       /* one snapshot for all of it */
  if (rc != LR_OK) return rc;
  long long max_id = 0;
  rc = query_ints(db, MAX_ID, NULL, 0, &max_id, 1);
  if (rc == LR_OK) rc = check(db, &o, max_id);
  if (rc == LR_OK) rc = list(db, &o, fn, ctx);
  lrs_report_end(db);
  if (rc != LR_OK) return rc;
  if (cursor) *cursor = max_id > o.after ? max_id : o.after;
  return lr__ok(db);
}
