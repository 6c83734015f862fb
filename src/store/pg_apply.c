/*
** pg_apply.c -- a chunk of a run's changes on PostgreSQL (apply.h): the
** updates and deletes go with one COPY into a staging table and are then
** applied by one set-based statement per kind, in the order SQLite's
** writer applies them; the new rows (stage history, score parts,
** assignments, errors) go with COPY straight into their tables, in the
** order added, so that their ids are SQLite's.  The rows each statement
** changed are counted as SQLite counts them (lrs_total_changes).  The
** per-contact state goes to contact_state (pg_schema.c), not to the wide
** row of contacts.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "apply_rows.h"
#include "pg_int.h"

/* The staging table: k says which kind a row is (K_*). */
static const char STAGE[] =
  "CREATE TEMP TABLE IF NOT EXISTS lr_w(k int, id bigint, w int, "
  "n double precision, i bigint, t1 text, t2 text, t3 text, t4 text) "
  "ON COMMIT DROP";

enum { K_CONTACT = 1, K_SPELL, K_CLEAR, K_SET, K_ADD, K_DEL, K_UNASSIGN,
       K_ASSIGN, K_UNLOCK, K_STABLE };

/* Each kind's statement, in SQLite's order (apply.c); %1$lld is now. */
static const char *const APPLY[] = {
  [K_CONTACT] = "UPDATE contact_state c SET "
    "score = CASE WHEN w.w & 1 <> 0 THEN w.n ELSE c.score END, "
    "stage = CASE WHEN w.w & 2 <> 0 THEN w.t1 ELSE c.stage END, "
    "due_at = CASE WHEN w.w & 2 <> 0 THEN NULL ELSE c.due_at END, "
    "stage_since = CASE WHEN w.w & 2 <> 0 THEN %1$lld ELSE c.stage_since END, "
    "grade = CASE WHEN w.w & 4 <> 0 THEN w.t2 ELSE c.grade END, "
    "grades = CASE WHEN w.w & 4 <> 0 THEN w.t3 ELSE c.grades END, "
    "scores = CASE WHEN w.w & 8 <> 0 THEN w.t4 ELSE c.scores END, "
    "stable_until = CASE WHEN w.w & 16 <> 0 THEN w.i ELSE c.stable_until END, "
    "updated_at = %1$lld FROM lr_w w WHERE w.k = 1 AND c.contact_id = w.id",
  [K_SPELL] = "UPDATE contact_state c SET stage = w.t1, updated_at = %1$lld "
    "FROM lr_w w WHERE w.k = 2 AND c.contact_id = w.id",
  [K_CLEAR] = "DELETE FROM score_parts p USING lr_w w WHERE w.k = 3 AND "
    "p.contact_id = w.id AND p.rule = w.t1",
  [K_SET] = "UPDATE score_parts p SET grp = w.t2, points = w.n FROM lr_w w "
    "WHERE w.k = 4 AND p.contact_id = w.id AND p.rule = w.t1",
  [K_ADD] = "INSERT INTO segment_members(contact_id, segment) SELECT id, t1 "
    "FROM lr_w WHERE k = 5 ON CONFLICT DO NOTHING",
  [K_DEL] = "DELETE FROM segment_members m USING lr_w w WHERE w.k = 6 AND "
    "m.contact_id = w.id AND m.segment = w.t1",
  [K_UNASSIGN] = "UPDATE contact_state c SET owner = NULL, "
    "assigned_at = NULL, due_at = NULL FROM lr_w w WHERE w.k = 7 AND "
    "c.contact_id = w.id",
  [K_ASSIGN] = "UPDATE contact_state c SET owner = w.t1, "
    "assigned_at = %1$lld, due_at = w.i FROM lr_w w WHERE w.k = 8 AND "
    "c.contact_id = w.id",
  [K_UNLOCK] = "UPDATE contacts c SET manual_at = NULL, manual_until = NULL "
    "FROM lr_w w WHERE w.k = 9 AND c.id = w.id",
  [K_STABLE] = "UPDATE contact_state c SET stable_until = w.i FROM lr_w w "
    "WHERE w.k = 10 AND c.contact_id = w.id",
};

static void put_text(lr_buf *b, const char *s) {
  lrs_value v = { s ? LRS_STR : LRS_NULL, 0, 0, s, s ? strlen(s) : 0 };
  lrs_pg_copy_value(b, &v);
}

static void put_real(lr_buf *b, double d) {
  lrs_value v = { LRS_FLOAT, 0, d, NULL, 0 };
  lrs_pg_copy_value(b, &v);
}

/* i, or \N when i is 0 (the store's "none"). */
static void put_int0(lr_buf *b, long long i) {
  if (i) lrb_printf(b, "%lld", i);
  else lrb_adds(b, "\\N");
}

/* One staging row: kind, id, w, n, i, then up to four texts. */
static int stage(lrs_pg_copy *cp, int k, long long id, int w, const double *n,
                 const long long *i, const char *t1, const char *t2,
                 const char *t3, const char *t4) {
  lr_buf *b = &cp->buf;
  lrb_printf(b, "%d\t%lld\t%d\t", k, id, w);
  if (n) put_real(b, *n);
  else lrb_adds(b, "\\N");
  lrb_addc(b, '\t');
  if (i) put_int0(b, *i);
  else lrb_adds(b, "\\N");
  const char *t[] = { t1, t2, t3, t4 };
  for (int j = 0; j < 4; j++) {
    lrb_addc(b, '\t');
    put_text(b, t[j]);
  }
  return lrs_pg_copy_row_end(cp);
}

/* The staged rows of every kind; *used[k] says which kinds have some. */
static int stage_all(lrs_changes *c, lrs_pg_copy *cp, int *used) {
  int rc = LR_OK;
  const contact_row *cr = c->contacts.v;
  used[K_CONTACT] = c->contacts.n > 0;
  for (long long j = 0; j < c->contacts.n && rc == LR_OK; j++)
    rc = stage(cp, K_CONTACT, cr[j].id, cr[j].which, &cr[j].score,
               &cr[j].stable, cr[j].stage, cr[j].grade, cr[j].grades,
               cr[j].scores);
  const struct { rows *l; int k; } text[] = {
    { &c->spells, K_SPELL }, { &c->clears, K_CLEAR }, { &c->adds, K_ADD },
    { &c->dels, K_DEL }, { &c->unassigns, K_UNASSIGN },
    { &c->unlocks, K_UNLOCK },
  };
  for (size_t t = 0; t < sizeof text / sizeof *text; t++) {
    const text_row *r = text[t].l->v;
    used[text[t].k] = text[t].l->n > 0;
    for (long long j = 0; j < text[t].l->n && rc == LR_OK; j++) {
      rc = stage(cp, text[t].k, r[j].id, 0, NULL, NULL, r[j].text, NULL,
                 NULL, NULL);
    }
  }
  const part_row *p = c->sets.v;
  used[K_SET] = c->sets.n > 0;
  for (long long j = 0; j < c->sets.n && rc == LR_OK; j++)
    rc = stage(cp, K_SET, p[j].id, 0, &p[j].points, NULL, p[j].rule,
               p[j].grp, NULL, NULL);
  const assign_row *a = c->assigns.v;
  used[K_ASSIGN] = c->assigns.n > 0;
  for (long long j = 0; j < c->assigns.n && rc == LR_OK; j++)
    rc = stage(cp, K_ASSIGN, a[j].id, 0, NULL, &a[j].due, a[j].owner, NULL,
               NULL, NULL);
  const stable_row *s = c->stables.v;
  used[K_STABLE] = c->stables.n > 0;
  for (long long j = 0; j < c->stables.n && rc == LR_OK; j++)
    rc = stage(cp, K_STABLE, s[j].id, 0, NULL, &s[j].at, NULL, NULL, NULL,
               NULL);
  return rc;
}

/* Stage the updates and deletes, then run the statement of each kind
** that has rows, and empty the staging table (its rows not counted).
** With none (the lists stage_all stages all empty), nothing is sent: no
** staging table, no empty COPY (a chunk with nothing to change, a
** re-run's usual chunk, cost two round trips). */
static int write_staged(lrs_changes *c) {
  lr_db *db = c->db;
  if (!(c->contacts.n || c->spells.n || c->clears.n || c->adds.n ||
        c->dels.n || c->unassigns.n || c->unlocks.n || c->sets.n ||
        c->assigns.n || c->stables.n))
    return LR_OK;
  int used[K_STABLE + 1] = {0};
  lrs_pg_copy cp = {0};
  int rc = LR_OK;
  if (!db->pg->staged) {
    rc = lrs_pg_exec(db, STAGE, "write run");
    db->pg->staged = rc == LR_OK;
  }
  if (rc == LR_OK)
    rc = lrs_pg_copy_begin(&cp, db, "COPY lr_w FROM STDIN", "write run");
  if (rc == LR_OK) rc = stage_all(c, &cp, used);
  if (rc == LR_OK) rc = lrs_pg_copy_end(&cp);
  long long staged = cp.rows;
  lrs_pg_copy_free(&cp);
  if (rc != LR_OK || !staged) return rc;
  lr_buf sql = LR_BUF_INIT;
  for (int k = K_CONTACT; k <= K_STABLE; k++) {
    if (!used[k]) continue;
    lrb_printf(&sql, APPLY[k], c->now);
    lrb_adds(&sql, ";\n");
  }
  /* TRUNCATE, not DELETE: deleted rows stay in the table until the run's
  ** transaction ends, and every chunk's statements scanned all of the
  ** chunks' before it (at 1M the state UPDATE went from 27 to 110 ms a
  ** chunk).  A table made in this transaction is truncated in place. */
  lrb_adds(&sql, "TRUNCATE lr_w");
  long long n = 0;
  rc = sql.oom ? lr__err(db, LR_NOMEM, "out of memory")
               : lrs_pg_exec_count(db, lrb_str(&sql), "write run", &n);
  lrb_free(&sql);
  if (rc == LR_OK) db->pg->changes += n;
  return rc;
}

/* The new rows of one table: COPY sql, then each row by put(). */
typedef void put_fn(lr_buf *b, const lrs_changes *c, const void *row);

static int copy_rows(lrs_changes *c, const rows *l, size_t size,
                     const char *table, const char *sql, put_fn *put) {
  if (!l->n) return LR_OK;
  lrs_pg_copy cp = {0};
  int rc = LR_OK;
  if (!strcmp(table, "stage_history")) rc = lrs_pg_sync_ids(c->db, table, 2);
  if (!strcmp(table, "assignments")) rc = lrs_pg_sync_ids(c->db, table, 4);
  if (rc == LR_OK) rc = lrs_pg_copy_begin(&cp, c->db, sql, "write run");
  const char *row = l->v;
  for (long long j = 0; j < l->n && rc == LR_OK; j++, row += size) {
    put(&cp.buf, c, row);
    rc = lrs_pg_copy_row_end(&cp);
  }
  if (rc == LR_OK) rc = lrs_pg_copy_end(&cp);
  if (rc == LR_OK) c->db->pg->changes += cp.rows;
  lrs_pg_copy_free(&cp);
  return rc;
}

static void put_hist(lr_buf *b, const lrs_changes *c, const void *row) {
  const hist_row *h = row;
  lrb_printf(b, "%lld\t", h->id);
  put_text(b, h->from);
  lrb_addc(b, '\t');
  put_text(b, h->to);
  lrb_printf(b, "\t%lld\t", c->now);
  put_int0(b, c->run_id);
  lrb_addc(b, '\t');
  put_text(b, h->reason);
  lrb_addc(b, '\t');
  put_text(b, h->transition);
}

static void put_part(lr_buf *b, const lrs_changes *c, const void *row) {
  const part_row *p = row;
  (void)c;
  lrb_printf(b, "%lld\t", p->id);
  put_text(b, p->rule);
  lrb_addc(b, '\t');
  put_text(b, p->grp);
  lrb_addc(b, '\t');
  put_real(b, p->points);
}

static void put_assign(lr_buf *b, const lrs_changes *c, const void *row) {
  const assign_row *a = row;
  lrb_printf(b, "%lld\t", a->id);
  put_text(b, a->owner);
  lrb_addc(b, '\t');
  put_text(b, a->stage);
  lrb_printf(b, "\t%lld\t", c->now);
  put_int0(b, c->run_id);
  lrb_addc(b, '\t');
  put_int0(b, a->due);
}

static void put_error(lr_buf *b, const lrs_changes *c, const void *row) {
  const text_row *e = row;
  lrb_printf(b, "%lld\t", e->id);
  put_text(b, e->text);
  lrb_printf(b, "\t%lld", c->run_id);
}

int lrs_pg_changes_write(lrs_changes *c) {
  int rc = write_staged(c);
  if (rc == LR_OK)
    rc = copy_rows(c, &c->hist, sizeof(hist_row), "stage_history", "COPY stage_history("
                   "contact_id, from_stage, to_stage, at, run_id, reason, "
                   "transition) FROM STDIN", put_hist);
  if (rc == LR_OK)
    rc = copy_rows(c, &c->parts, sizeof(part_row), "score_parts", "COPY score_parts("
                   "contact_id, rule, grp, points) FROM STDIN", put_part);
  if (rc == LR_OK)
    rc = copy_rows(c, &c->assigns, sizeof(assign_row), "assignments", "COPY assignments("
                   "contact_id, owner, stage, at, run_id, due) FROM STDIN",
                   put_assign);
  if (rc == LR_OK)
    rc = copy_rows(c, &c->errors, sizeof(text_row), "run_errors", "COPY run_errors("
                   "contact_id, message, run_id) FROM STDIN", put_error);
  /* The account step's writes (pg_account_write.c) go with its batch. */
  if (rc == LR_OK) rc = lrs_pg_account_writes_flush(c->db);
  return rc;
}
