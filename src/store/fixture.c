/*
** fixture.c -- SQL segment membership of an in-memory contact.
*/
#include "db_int.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "counts.h"
#include "store.h"

static int exec(sqlite3 *conn, const char *sql) {
  return sqlite3_exec(conn, sql, NULL, NULL, NULL);
}

static int has_column(sqlite3 *conn, const char *name) {
  sqlite3_stmt *st = NULL;
  int found = 0;
  if (sqlite3_prepare_v2(conn, "SELECT 1 FROM pragma_table_info('contacts') "
                         "WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

static int add_column(sqlite3 *conn, const char *name) {
  lr_buf b = LR_BUF_INIT;
  lrb_adds(&b, "ALTER TABLE contacts ADD COLUMN ");
  lrs_quote_ident(&b, name);
  int rc = b.oom ? SQLITE_NOMEM : exec(conn, b.p);
  lrb_free(&b);
  return rc;
}

static int insert_contact(sqlite3 *conn, const lrs_contact *c,
                          const char *const *colnames) {
  lr_buf b = LR_BUF_INIT, q = LR_BUF_INIT;
  int rc = SQLITE_OK, n = 0;
  lrb_adds(&b, "INSERT INTO contacts(");
  for (int i = 0; i < c->ncols && rc == SQLITE_OK; i++) {
    if (!has_column(conn, colnames[i])) rc = add_column(conn, colnames[i]);
    if (c->vals[i].type == LRS_NULL && strcmp(colnames[i], "score") != 0)
      continue;
    if (n++) {
      lrb_addc(&b, ',');
      lrb_addc(&q, ',');
    }
    lrs_quote_ident(&b, colnames[i]);
    lrb_printf(&q, "?%d", i + 1);
  }
  lrb_adds(&b, ") VALUES(");
  lrb_add(&b, lrb_str(&q), q.n);
  lrb_addc(&b, ')');
  sqlite3_stmt *st = NULL;
  if (rc == SQLITE_OK)
    rc = b.oom || q.oom ? SQLITE_NOMEM
                        : sqlite3_prepare_v2(conn, b.p, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    for (int i = 0; i < c->ncols; i++) {
      if (strcmp(colnames[i], "score") == 0 && c->vals[i].type == LRS_NULL)
        sqlite3_bind_double(st, i + 1, c->score);
      else
        lrs__bind(st, i + 1, &c->vals[i]);
    }
    rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(conn);
  }
  sqlite3_finalize(st);
  lrb_free(&b);
  lrb_free(&q);
  return rc;
}

static int insert_events(sqlite3 *conn, const lrs_contact *c) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(conn, "INSERT INTO activities(contact_id, type, "
                              "occurred_at, value, campaign) "
                              "VALUES(?1,?2,?3,?4,?5)", -1, &st, NULL);
  for (int i = 0; i < c->nacts && rc == SQLITE_OK; i++) {
    const lrs_activity *a = &c->acts[i];
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_text(st, 2, c->types[a->type], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, a->at);
    if (a->has_value) sqlite3_bind_double(st, 4, a->value);
    else sqlite3_bind_null(st, 4);
    if (a->campaign) sqlite3_bind_text(st, 5, a->campaign, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, 5);
    rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(conn);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK || !c->has_outcome) return rc;
  rc = sqlite3_prepare_v2(conn, "INSERT INTO outcomes(contact_id, result, "
                          "amount, closed_at) VALUES(?1,?2,?3,?4)", -1, &st,
                          NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_text(st, 2, c->outcome, -1, SQLITE_STATIC);
    if (c->has_amount) sqlite3_bind_double(st, 3, c->amount);
    sqlite3_bind_int64(st, 4, c->closed_at);
    rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(conn);
  }
  sqlite3_finalize(st);
  return rc;
}

/* "no such column: NAME" -> NAME (into buf), else NULL. */
static const char *missing_column(const char *msg, char *buf, size_t n) {
  const char *p = strstr(msg, "no such column: ");
  if (!p) return NULL;
  p += 16;
  size_t k = 0;
  while (p[k] && p[k] != ' ' && p[k] != ')' && k + 1 < n) k++;
  if (!k || memchr(p, '.', k)) return NULL;    /* t.col: not ours to add */
  memcpy(buf, p, k);
  buf[k] = '\0';
  return buf;
}

static int match_one(sqlite3 *conn, long long id, const char *sql,
                     int add_missing, unsigned char *member, char *err,
                     size_t errlen) {
  for (int tries = 0; tries < 64; tries++) {
    sqlite3_stmt *st = NULL;
    int rc = lrs_prepare_user(conn, "SELECT 1 FROM contacts WHERE id = ?1 AND ",
                              sql, "", &st, err, errlen);
    if (rc == SQLITE_OK) {
      sqlite3_bind_int64(st, 1, id);
      int s = sqlite3_step(st);
      *member = s == SQLITE_ROW;
      if (s != SQLITE_ROW && s != SQLITE_DONE) {
        snprintf(err, errlen, "segment SQL failed: %s", sqlite3_errmsg(conn));
        rc = s;
      }
      sqlite3_finalize(st);
      return rc;
    }
    char col[128];
    if (!add_missing || !missing_column(err, col, sizeof col) ||
        add_column(conn, col) != SQLITE_OK)
      return rc;
  }
  return SQLITE_ERROR;
}

/* The fixture's SQLite code as an LR code: SQL that fails is the policy's
** (the caller names the segment), anything else the store's. */
static int fixture_rc(int src) {
  if (src == SQLITE_OK) return LR_OK;
  int rc = lrs_map_rc(src);
  return rc == LR_OK ? LR_ERROR : rc;
}

int lrs_fixture_members(lr_db *db, const lrs_contact *c,
                        const char *const *colnames,
                        const char *const *sqls, int nsql,
                        const unsigned char *want, int add_missing,
                        unsigned char *member, int *bad, char *err,
                        size_t errlen) {
  sqlite3 *conn = db->sql;
  int any = 0;
  *bad = -1;
  for (int i = 0; i < nsql; i++) any |= want[i];
  if (!any) return LR_OK;
  int rc = exec(conn, "SAVEPOINT lr_fixture");
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "fixture: %s", sqlite3_errmsg(conn));
    return fixture_rc(rc);
  }
  rc = insert_contact(conn, c, colnames);
  if (rc == SQLITE_OK) rc = insert_events(conn, c);
  if (rc != SQLITE_OK)
    snprintf(err, errlen, "fixture: %s", sqlite3_errmsg(conn));
  for (int i = 0; i < nsql && rc == SQLITE_OK; i++) {
    if (!want[i]) continue;
    rc = match_one(conn, c->id, sqls[i], add_missing, &member[i], err, errlen);
    if (rc != SQLITE_OK) *bad = i;
  }
  exec(conn, "ROLLBACK TO lr_fixture");
  exec(conn, "RELEASE lr_fixture");
  return fixture_rc(rc);
}
