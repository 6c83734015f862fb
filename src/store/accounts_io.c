/*
** accounts_io.c -- accounts in SQLite (accounts.h): import upserts,
** matching contacts to accounts, loading them for a run, a run's writes.
** On PostgreSQL each function calls its lrs_pg_ twin (pg_account*.c).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/domain.h"
#include "accounts.h"
#include "contacts_io.h"
#include "db_int.h"
#include "pg_int.h"

static char *dup_col(sqlite3_stmt *st, int i, int *oom) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  if (!s) return NULL;
  char *d = strdup(s);
  if (!d) *oom = 1;
  return d;
}

#define LOAD_COLS \
    "SELECT a.id, a.key, a.data, a.score, a.scores, a.grade, a.grades," \
    " a.stage, a.owner, a.stage_since, a.assigned_at, a.due_at," \
    " (SELECT count(*) FROM contacts c WHERE c.account_key = a.key)" \
    " FROM accounts a "
static const char LOAD_SQL[] = LOAD_COLS "ORDER BY a.key";
/* One account (an event's): "?1 IS NULL OR a.key = ?1" in one statement
** scanned every account, 56% of an ingest's instructions with accounts. */
static const char LOAD_ONE_SQL[] = LOAD_COLS "WHERE a.key = ?1";
#undef LOAD_COLS

int lrs_accounts_load(lrs_snap *s, const char *key, lrs_accounts *out) {
  memset(out, 0, sizeof *out);
  if (s->pg) return lrs_pg_accounts_load(s, key, out);
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(s->conn, key ? LOAD_ONE_SQL : LOAD_SQL, -1,
                               &st, NULL);
  if (src != SQLITE_OK) return lrs__snap_rc(s, src);
  if (key) sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int cap = 0, oom = 0;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    if (out->n == cap) {
      int nc = cap ? cap * 2 : 64;
      lrs_account *v = realloc(out->v, (size_t)nc * sizeof *v);
      if (!v) { oom = 1; break; }
      out->v = v;
      cap = nc;
    }
    lrs_account *a = &out->v[out->n++];
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(st, 0);
    a->key = dup_col(st, 1, &oom);
    a->data = dup_col(st, 2, &oom);
    a->score = sqlite3_column_double(st, 3);
    a->scores = dup_col(st, 4, &oom);
    a->grade = dup_col(st, 5, &oom);
    a->grades = dup_col(st, 6, &oom);
    a->stage = dup_col(st, 7, &oom);
    a->owner = dup_col(st, 8, &oom);
    a->stage_since = sqlite3_column_int64(st, 9);
    a->assigned_at = sqlite3_column_int64(st, 10);
    a->due_at = sqlite3_column_int64(st, 11);
    a->ncontacts = sqlite3_column_int64(st, 12);
    if (!a->key) oom = 1;
    if (oom) break;
  }
  sqlite3_finalize(st);
  if (oom) src = SQLITE_NOMEM;
  if (src != SQLITE_DONE && src != SQLITE_ROW) {
    lrs_accounts_free(out);
    return lrs__snap_rc(s, src);
  }
  return LR_OK;
}

void lrs_accounts_free(lrs_accounts *a) {
  for (int i = 0; i < a->n; i++) {
    lrs_account *x = &a->v[i];
    free(x->key); free(x->data); free(x->scores); free(x->grade);
    free(x->grades); free(x->stage); free(x->owner);
  }
  free(a->v);
  memset(a, 0, sizeof *a);
}

const lrs_account *lrs_accounts_find(const lrs_accounts *a, const char *key) {
  int lo = 0, hi = a->n - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2, c = strcmp(a->v[mid].key, key);
    if (c == 0) return &a->v[mid];
    if (c < 0) lo = mid + 1; else hi = mid - 1;
  }
  return NULL;
}

int lrs_accounts_any(lr_db *db) {
  if (db->pg) return lrs_pg_accounts_any(db);
  sqlite3_stmt *st = lrs_cached(db, "SELECT EXISTS(SELECT 1 FROM accounts)");
  if (!st) return 0;
  int any = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
  sqlite3_reset(st);
  return any;
}

static const char FIND_SQL[] = "SELECT id, import_seq FROM accounts WHERE key=?1";
static const char INSERT_SQL[] =
    "INSERT INTO accounts(key, data, import_seq) VALUES(?1, ?2, ?3)";
/* json_patch: a field the file leaves empty (null) is removed, as an empty
** cell sets a contact's field to NULL. */
static const char UPDATE_SQL[] =
    "UPDATE accounts SET data = json_patch(coalesce(data, '{}'), ?2),"
    " import_seq = ?3 WHERE id = ?1";

int lrs_account_put(lr_db *db, long long seq, const char *key,
                    const char *data, int *what) {
  if (db->pg) return lrs_pg_account_put(db, seq, key, data, what);
  sqlite3_stmt *st = lrs_cached(db, FIND_SQL);
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  long long id = 0, was = 0;
  if (src == SQLITE_ROW) {
    id = sqlite3_column_int64(st, 0);
    was = sqlite3_column_int64(st, 1);
  }
  sqlite3_reset(st);
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    return lrs_sqlerr(db, src, "accounts");
  st = lrs_cached(db, id ? UPDATE_SQL : INSERT_SQL);
  if (!st) return db->rc;
  if (id) sqlite3_bind_int64(st, 1, id);
  else sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, data ? data : "{}", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, seq);
  src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "accounts");
  *what = !id ? 0 : was == seq ? 2 : 1;
  return LR_OK;
}

int lrs_account_puts_end(lr_db *db, int write) {
  if (!db->pg) return LR_OK;         /* SQLite wrote each row as it came */
  if (write) return lrs_pg_account_puts_flush(db);
  lrs_pg_account_puts_free(db);
  return LR_OK;
}

char *lrs_account_headers_get(lr_db *db) {
  char buf[16384];
  if (!lrs_meta_get(db, "account_headers", buf, sizeof buf)) return NULL;
  return strdup(buf);
}

int lrs_account_headers_add(lr_db *db, const char *json) {
  if (db->pg) return lrs_pg_account_headers_add(db, json);
  sqlite3_stmt *st = lrs_cached(db, "INSERT INTO meta(k, v) VALUES("
      "'account_headers', ?1) ON CONFLICT(k) DO UPDATE SET"
      " v = json_patch(meta.v, json_patch(excluded.v, meta.v))");
  if (!st) return db->rc;
  sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "account fields");
}

int lrs_account_fields(lr_db *db, lr_buf *out) {
  if (db->pg) return lrs_pg_account_fields(db, out);
  sqlite3_stmt *st = lrs_cached(db, "SELECT j.key, j.value FROM meta,"
      " json_each(meta.v) j WHERE meta.k = 'account_headers' ORDER BY j.id");
  if (!st) return db->rc;
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW)
    lrb_printf(out, "%s\t%s\n", sqlite3_column_text(st, 0),
               sqlite3_column_text(st, 1));
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "account fields");
}

/* SQL functions of the match: lr_host(x) and lr_mail_domain(email), NULL
** when there is none or it is free mail. */
static void fn_host(sqlite3_context *cx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *s = (const char *)sqlite3_value_text(argv[0]);
  char out[256];
  size_t n = s ? lru_host(s, strlen(s), out, sizeof out) : 0;
  if (n) sqlite3_result_text(cx, out, (int)n, SQLITE_TRANSIENT);
  else sqlite3_result_null(cx);
}

static void fn_mail(sqlite3_context *cx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *s = (const char *)sqlite3_value_text(argv[0]);
  char out[256];
  size_t n = s ? lru_email_domain(s, strlen(s), out, sizeof out) : 0;
  if (n && !lru_is_freemail(out))
    sqlite3_result_text(cx, out, (int)n, SQLITE_TRANSIENT);
  else
    sqlite3_result_null(cx);
}

int lrs_accounts_rematch(lr_db *db, long long seq, long long *changed) {
  if (db->pg) return lrs_pg_accounts_rematch(db, seq, changed);
  if (changed) *changed = 0;
  int det = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  if (sqlite3_create_function(db->sql, "lr_host", 1, det, NULL, fn_host,
                              NULL, NULL) != SQLITE_OK ||
      sqlite3_create_function(db->sql, "lr_mail_domain", 1, det, NULL,
                              fn_mail, NULL, NULL) != SQLITE_OK)
    return lrs_sqlerr(db, sqlite3_errcode(db->sql), "accounts");
  /* Nothing to match and nothing matched: an import of contacts into a
  ** database without accounts costs nothing more. */
  if (!lrs_accounts_any(db)) {
    sqlite3_stmt *st = lrs_cached(db, "SELECT EXISTS(SELECT 1 FROM contacts"
                                      " WHERE account_key IS NOT NULL)");
    if (!st) return db->rc;
    int any = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (!any) return LR_OK;
  }
  int has_account = lrs_contacts_has_column(db, "account");
  lr_buf m = LR_BUF_INIT, sql = LR_BUF_INIT;
  lrb_adds(&m, "coalesce(");
  if (has_account)
    lrb_adds(&m, "(SELECT a.key FROM accounts a WHERE a.key = "
                 "lower(trim(contacts.account))), "
                 "(SELECT a.key FROM accounts a WHERE a.key = "
                 "lr_host(contacts.account)), ");
  lrb_adds(&m, "(SELECT a.key FROM accounts a WHERE a.key = "
               "lr_mail_domain(contacts.email)), NULL)");
  /* The match computed once per contact, written only where it changed.
  ** A contacts import matches its own contacts; an accounts import adds or
  ** updates accounts (never removes one), so only contacts without a match
  ** and those whose account field names one can gain or change theirs. */
  lrb_printf(&sql, "UPDATE contacts SET account_key = m.v FROM (SELECT id AS"
             " cid, account_key AS old, %s AS v FROM contacts", lrb_str(&m));
  if (seq > 0) lrb_printf(&sql, " WHERE import_seq = %lld", seq);
  else lrb_printf(&sql, " WHERE account_key IS NULL%s", has_account
                  ? " OR account IS NOT NULL" : "");
  lrb_adds(&sql, ") AS m WHERE contacts.id = m.cid AND m.old IS NOT m.v");
  int rc = LR_OK;
  if (sql.oom || m.oom) rc = lr__err(db, LR_NOMEM, "out of memory");
  else rc = lrs_exec(db, lrb_str(&sql));
  if (rc == LR_OK && changed) *changed = sqlite3_changes(db->sql);
  lrb_free(&m);
  lrb_free(&sql);
  return rc;
}

static int step_done(lr_db *db, sqlite3_stmt *st, const char *what) {
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, what);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s) {
  if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
  else sqlite3_bind_null(st, i);
}

static const char UPD[] =
    "UPDATE accounts SET score=?2, scores=?3, grade=?4, grades=?5,"
    " stage=?6, stage_since = CASE WHEN ?8 THEN ?7 ELSE stage_since END,"
    " due_at = CASE WHEN ?8 THEN NULL ELSE due_at END, updated_at=?7"
    " WHERE id=?1";

int lrs_account_update(lr_db *db, long long id, double score,
                       const char *scores, const char *grade,
                       const char *grades, const char *stage,
                       long long now, int moved) {
  if (db->pg)
    return lrs_pg_account_update(db, id, score, scores, grade, grades, stage,
                                 now, moved);
  sqlite3_stmt *st = lrs_cached(db, UPD);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_double(st, 2, score);
  bind_text(st, 3, scores);
  bind_text(st, 4, grade);
  bind_text(st, 5, grades);
  bind_text(st, 6, stage);
  sqlite3_bind_int64(st, 7, now);
  sqlite3_bind_int(st, 8, moved);
  return step_done(db, st, "accounts");
}

static const char HIST[] =
    "INSERT INTO account_history(account_id, from_stage, to_stage, at,"
    " run_id, reason, transition) VALUES(?1,?2,?3,?4,?5,?6,?7)";

int lrs_account_history(lr_db *db, long long id, const char *from,
                        const char *to, long long at, long long run_id,
                        const char *reason, const char *transition) {
  if (db->pg)
    return lrs_pg_account_history(db, id, from, to, at, run_id, reason,
                                  transition);
  sqlite3_stmt *st = lrs_cached(db, HIST);
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  bind_text(st, 2, from);
  bind_text(st, 3, to);
  sqlite3_bind_int64(st, 4, at);
  if (run_id) sqlite3_bind_int64(st, 5, run_id);
  else sqlite3_bind_null(st, 5);
  bind_text(st, 6, reason);
  bind_text(st, 7, transition);
  return step_done(db, st, "account history");
}

int lrs_account_parts_clear(lr_db *db, long long id) {
  if (db->pg) return lrs_pg_account_parts_clear(db, id);
  sqlite3_stmt *st = lrs_cached(db, "DELETE FROM account_parts WHERE account_id=?1");
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  return step_done(db, st, "account parts");
}

int lrs_account_part(lr_db *db, long long id, const char *rule,
                     const char *group, double points) {
  if (db->pg) return lrs_pg_account_part(db, id, rule, group, points);
  sqlite3_stmt *st = lrs_cached(db, "INSERT INTO account_parts(account_id,"
                                    " rule, grp, points) VALUES(?1,?2,?3,?4)");
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  bind_text(st, 2, rule);
  bind_text(st, 3, group);
  sqlite3_bind_double(st, 4, points);
  return step_done(db, st, "account parts");
}

int lrs_account_assign(lr_db *db, long long id, const char *owner,
                       const char *stage, long long at, long long run_id,
                       long long due) {
  if (db->pg)
    return lrs_pg_account_assign(db, id, owner, stage, at, run_id, due);
  sqlite3_stmt *st;
  if (!owner) {
    st = lrs_cached(db, "UPDATE accounts SET owner=NULL, assigned_at=NULL,"
                        " due_at=NULL WHERE id=?1");
    if (!st) return db->rc;
    sqlite3_bind_int64(st, 1, id);
    return step_done(db, st, "accounts");
  }
  st = lrs_cached(db, "INSERT INTO account_assignments(account_id, owner,"
                      " stage, at, run_id, due) VALUES(?1,?2,?3,?4,?5,?6)");
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  bind_text(st, 2, owner);
  bind_text(st, 3, stage);
  sqlite3_bind_int64(st, 4, at);
  if (run_id) sqlite3_bind_int64(st, 5, run_id);
  else sqlite3_bind_null(st, 5);
  if (due) sqlite3_bind_int64(st, 6, due);
  else sqlite3_bind_null(st, 6);
  int rc = step_done(db, st, "account assignments");
  if (rc != LR_OK) return rc;
  st = lrs_cached(db, "UPDATE accounts SET owner=?2, assigned_at=?3,"
                      " due_at=?4 WHERE id=?1");
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  bind_text(st, 2, owner);
  sqlite3_bind_int64(st, 3, at);
  if (due) sqlite3_bind_int64(st, 4, due);
  else sqlite3_bind_null(st, 4);
  return step_done(db, st, "accounts");
}

int lrs_account_parts_get(lr_db *db, long long id, lr_buf *out) {
  if (db->pg) return lrs_pg_account_parts_get(db, id, out);
  sqlite3_stmt *st = lrs_cached(db, "SELECT rule, coalesce(grp,''), points"
                                    " FROM account_parts WHERE account_id=?1"
                                    " ORDER BY rule");
  if (!st) return db->rc;
  sqlite3_bind_int64(st, 1, id);
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW)
    lrb_printf(out, "%s\t%s\t%g\n", sqlite3_column_text(st, 0),
               sqlite3_column_text(st, 1), sqlite3_column_double(st, 2));
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "account parts");
}

int lrs_account_groups(lr_db *db, lr_buf *out) {
  if (db->pg) return lrs_pg_account_groups(db, out);
  sqlite3_stmt *st = lrs_cached(db, "SELECT j.key FROM accounts a,"
      " json_each(CASE WHEN json_valid(a.scores) THEN a.scores END) j"
      " GROUP BY j.key ORDER BY min(a.id), min(j.id)");
  if (!st) return db->rc;
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW)
    lrb_printf(out, "%s\n", sqlite3_column_text(st, 0));
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "account groups");
}

/* json_extract(col, '$."name"') with the name as one JSON path key. */
static void put_extract(lr_buf *sql, const char *col, const char *name) {
  lr_buf path = LR_BUF_INIT;
  lrb_adds(&path, "$.");
  lrb_json_str(&path, name, strlen(name));
  lrb_printf(sql, ", json_extract(CASE WHEN json_valid(%s) THEN %s END, '",
             col, col);
  for (const char *p = lrb_str(&path); *p; p++) {
    if (*p == '\'') lrb_addc(sql, '\'');
    lrb_addc(sql, *p);
  }
  lrb_adds(sql, "')");
  if (path.oom) sql->oom = 1;
  lrb_free(&path);
}

int lrs_accounts_export(lr_db *db, const char *const *fields, int nf,
                        const char *const *groups, int ng,
                        int (*fn)(void *ctx, const lrs_value *v, int n),
                        void *ctx) {
  if (db->pg)
    return lrs_pg_accounts_export(db, fields, nf, groups, ng, fn, ctx);
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "SELECT a.key");
  for (int i = 0; i < nf; i++) put_extract(&sql, "a.data", fields[i]);
  lrb_adds(&sql, ", a.score");
  for (int i = 0; i < ng; i++) put_extract(&sql, "a.scores", groups[i]);
  lrb_adds(&sql, ", a.grade, a.stage, a.owner, (SELECT count(*) FROM"
                 " contacts c WHERE c.account_key = a.key)"
                 " FROM accounts a ORDER BY a.key");
  if (sql.oom) {
    lrb_free(&sql);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql, sql.p, -1, &st, NULL);
  lrb_free(&sql);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "export accounts");
  int n = sqlite3_column_count(st), rc = LR_OK;
  lrs_value *v = calloc((size_t)n, sizeof *v);
  if (!v) rc = lr__err(db, LR_NOMEM, "out of memory");
  while (rc == LR_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
    for (int i = 0; i < n && rc == LR_OK; i++)
      if (lrs__column(st, i, &v[i]) != LR_OK)
        rc = lr__err(db, LR_NOMEM, "out of memory");
    if (rc == LR_OK) rc = fn(ctx, v, n);
  }
  if (rc == LR_OK && src != SQLITE_DONE)
    rc = lrs_sqlerr(db, src, "export accounts");
  free(v);
  sqlite3_finalize(st);
  return rc;
}

int lrs_account_contact_ids(lrs_snap *s, const char *key, long long **ids,
                            int *n) {
  if (s->pg) return lrs_pg_account_contact_ids(s, key, ids, n);
  *ids = NULL;
  *n = 0;
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(s->conn, "SELECT id FROM contacts WHERE "
                               "account_key = ?1 ORDER BY id", -1, &st, NULL);
  if (src != SQLITE_OK) return lrs__snap_rc(s, src);
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int cap = 0;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n == cap) {
      int nc = cap ? cap * 2 : 16;
      long long *v = realloc(*ids, (size_t)nc * sizeof *v);
      if (!v) { src = SQLITE_NOMEM; break; }
      *ids = v;
      cap = nc;
    }
    (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) {
    free(*ids);
    *ids = NULL;
    *n = 0;
    return lrs__snap_rc(s, src);
  }
  return LR_OK;
}

int lrs_account_key(lrs_snap *s, long long id, char *buf, size_t n) {
  if (s->pg) return lrs_pg_account_key(s, id, buf, n);
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(s->conn, "SELECT key FROM accounts WHERE id=?1",
                               -1, &st, NULL);
  if (src != SQLITE_OK) return lrs__snap_rc(s, src);
  sqlite3_bind_int64(st, 1, id);
  src = sqlite3_step(st);
  int rc = LR_OK;
  if (src == SQLITE_ROW)
    snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
  else if (src == SQLITE_DONE) rc = LR_NOTFOUND;
  else rc = lrs__snap_rc(s, src);
  sqlite3_finalize(st);
  return rc;
}

int lrs_account_stage_counts(lr_db *db, lr_buf *out) {
  if (db->pg) return lrs_pg_account_stage_counts(db, out);
  sqlite3_stmt *st = lrs_cached(db, "SELECT coalesce(a.stage, ''), count(*),"
      " sum((SELECT count(*) FROM contacts c WHERE c.account_key = a.key))"
      " FROM accounts a GROUP BY 1 ORDER BY 1");
  if (!st) return db->rc;
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW)
    lrb_printf(out, "%s\t%lld\t%lld\n", sqlite3_column_text(st, 0),
               (long long)sqlite3_column_int64(st, 1),
               (long long)sqlite3_column_int64(st, 2));
  sqlite3_reset(st);
  return src == SQLITE_DONE ? LR_OK : lrs_sqlerr(db, src, "account funnel");
}
