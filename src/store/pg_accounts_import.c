/*
** pg_accounts_import.c -- an accounts import on PostgreSQL (accounts.h).
** SQLite upserts row by row (insert the first row of a key, json_patch
** each later one into the stored object).  Here the stored accounts are
** read once, each row is merged in memory the same way (pg_json_flat.c,
** so the stored text is the same bytes), and flush writes the accounts
** the file touched with one COPY into a staging table and two set-based
** statements: an UPDATE of those that existed and an INSERT of the new
** ones, with SQLite's ids (one past the largest, in the order keys first
** appear).  Companies are few next to contacts: their objects fit in
** memory.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "db_int.h"
#include "pg_int.h"

typedef struct acct {
  long long id, seq;               /* seq: the import that last wrote it */
  char *key, *data;
  int is_new, touched;
} acct;

struct lrs_pg_accts {
  long long seq, next_id;
  acct *v;
  int n, cap;
  int *slot;                       /* hash of keys: index + 1, 0 empty */
  int nslot;
};

static unsigned hash(const char *s) {
  unsigned h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static int *find_slot(struct lrs_pg_accts *a, const char *key) {
  unsigned m = (unsigned)a->nslot - 1;
  for (unsigned i = hash(key) & m;; i = (i + 1) & m) {
    int *s = &a->slot[i];
    if (!*s || strcmp(a->v[*s - 1].key, key) == 0) return s;
  }
}

/* Room for one more account (the table at most half full). */
static int grow(struct lrs_pg_accts *a) {
  if (a->n == a->cap) {
    int nc = a->cap ? a->cap * 2 : 256;
    acct *v = realloc(a->v, (size_t)nc * sizeof *v);
    if (!v) return LR_NOMEM;
    a->v = v;
    a->cap = nc;
  }
  if (2 * (a->n + 1) <= a->nslot) return LR_OK;
  int ns = a->nslot ? a->nslot * 2 : 512;
  int *slot = calloc((size_t)ns, sizeof *slot);
  if (!slot) return LR_NOMEM;
  free(a->slot);
  a->slot = slot;
  a->nslot = ns;
  for (int i = 0; i < a->n; i++) *find_slot(a, a->v[i].key) = i + 1;
  return LR_OK;
}

static int add(struct lrs_pg_accts *a, long long id, long long seq,
               const char *key, const char *data, int is_new) {
  if (grow(a) != LR_OK) return LR_NOMEM;
  acct *x = &a->v[a->n];
  memset(x, 0, sizeof *x);
  x->id = id;
  x->seq = seq;
  x->is_new = is_new;
  x->key = strdup(key);
  x->data = data ? strdup(data) : NULL;
  if (!x->key || (data && !x->data)) {
    free(x->key);
    free(x->data);
    return LR_NOMEM;
  }
  *find_slot(a, key) = ++a->n;
  return LR_OK;
}

/* Every stored account, read once at the import's first row. */
static int load(lr_db *db, long long seq, struct lrs_pg_accts **out) {
  struct lrs_pg_accts *a = calloc(1, sizeof *a);
  if (!a) return lr__err(db, LR_NOMEM, "out of memory");
  a->seq = seq;
  a->nslot = 512;
  a->slot = calloc((size_t)a->nslot, sizeof *a->slot);
  *out = a;
  db->pg->accts = a;
  if (!a->slot) return lr__err(db, LR_NOMEM, "out of memory");
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT id, key, import_seq, data FROM accounts",
                        0, NULL, &res, "accounts");
  for (int r = 0; rc == LR_OK && r < PQntuples(res); r++) {
    long long id = atoll(PQgetvalue(res, r, 0));
    if (id > a->next_id) a->next_id = id;
    if (add(a, id, atoll(PQgetvalue(res, r, 2)), PQgetvalue(res, r, 1),
            PQgetisnull(res, r, 3) ? NULL : PQgetvalue(res, r, 3), 0))
      rc = lr__err(db, LR_NOMEM, "out of memory");
  }
  PQclear(res);
  return rc;
}

int lrs_pg_account_put(lr_db *db, long long seq, const char *key,
                       const char *data, int *what) {
  struct lrs_pg_accts *a = db->pg->accts;
  if (a && a->seq != seq) {        /* an earlier import's, left over */
    lrs_pg_account_puts_free(db);
    a = NULL;
  }
  int rc = a ? LR_OK : load(db, seq, &a);
  if (rc != LR_OK) return rc;
  int *s = find_slot(a, key);
  if (!*s) {                       /* SQLite: INSERT, the row as given */
    rc = add(a, ++a->next_id, seq, key, data ? data : "{}", 1);
    if (rc != LR_OK) return lr__err(db, rc, "out of memory");
    a->v[a->n - 1].touched = 1;
    *what = 0;
    return LR_OK;
  }
  acct *x = &a->v[*s - 1];
  lr_buf b = LR_BUF_INIT;
  if (lrs_pg_json_patch(&b, x->data ? x->data : "{}", data ? data : "{}")) {
    lrb_free(&b);
    return lr__err(db, LR_CORRUPT, "accounts: account %s: its fields are "
                   "not a JSON object", key);
  }
  if (b.oom) {
    lrb_free(&b);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  free(x->data);
  x->data = b.p;                   /* the buffer's memory, now the row's */
  *what = x->seq == seq ? 2 : 1;  /* merged: this file wrote it already */
  x->touched = 1;
  x->seq = seq;
  return LR_OK;
}

static void put_text(lr_buf *b, const char *s) {
  lrs_value v = { s ? LRS_STR : LRS_NULL, 0, 0, s, s ? strlen(s) : 0 };
  lrs_pg_copy_value(b, &v);
}

int lrs_pg_account_puts_flush(lr_db *db) {
  struct lrs_pg_accts *a = db->pg->accts;
  if (!a) return LR_OK;
  lrs_pg_copy cp = {0};
  int rc = lrs_pg_copy_begin(&cp, db, "CREATE TEMP TABLE lr_acc(id bigint,"
                             " key text, data text, seq bigint, is_new"
                             " boolean) ON COMMIT DROP; COPY lr_acc FROM"
                             " STDIN", "accounts");
  for (int i = 0; i < a->n && rc == LR_OK; i++) {
    const acct *x = &a->v[i];
    if (!x->touched) continue;
    lrb_printf(&cp.buf, "%lld\t", x->id);
    put_text(&cp.buf, x->key);
    lrb_addc(&cp.buf, '\t');
    put_text(&cp.buf, x->data);
    lrb_printf(&cp.buf, "\t%lld\t%s", x->seq, x->is_new ? "t" : "f");
    rc = lrs_pg_copy_row_end(&cp);
  }
  if (rc == LR_OK) rc = lrs_pg_copy_end(&cp);
  lrs_pg_copy_free(&cp);
  if (rc == LR_OK)
    rc = lrs_pg_exec(db, "UPDATE accounts a SET data = s.data, import_seq ="
                     " s.seq FROM lr_acc s WHERE a.id = s.id AND NOT"
                     " s.is_new; INSERT INTO accounts(id, key, data,"
                     " import_seq) SELECT id, key, data, seq FROM lr_acc"
                     " WHERE is_new; DROP TABLE lr_acc", "accounts");
  lrs_pg_account_puts_free(db);
  return rc;
}

void lrs_pg_account_puts_free(lr_db *db) {
  struct lrs_pg_accts *a = db->pg ? db->pg->accts : NULL;
  if (!a) return;
  for (int i = 0; i < a->n; i++) {
    free(a->v[i].key);
    free(a->v[i].data);
  }
  free(a->v);
  free(a->slot);
  free(a);
  db->pg->accts = NULL;
}

int lrs_pg_account_headers_add(lr_db *db, const char *json) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT v FROM meta WHERE k = 'account_headers'",
                        0, NULL, &res, "account fields");
  if (rc != LR_OK) return rc;
  const char *old = PQntuples(res) && !PQgetisnull(res, 0, 0)
                        ? PQgetvalue(res, 0, 0) : NULL;
  /* SQLite: json_patch(old, json_patch(new, old)): the first import that
  ** wrote a field names its header; new fields follow. */
  lr_buf mid = LR_BUF_INIT, v = LR_BUF_INIT;
  if (old && (lrs_pg_json_patch(&mid, json, old) ||
              lrs_pg_json_patch(&v, old, lrb_str(&mid))))
    rc = lr__err(db, LR_CORRUPT, "account fields: not a JSON object");
  else if (!old)
    lrb_adds(&v, json);
  if (rc == LR_OK && (mid.oom || v.oom))
    rc = lr__err(db, LR_NOMEM, "out of memory");
  PQclear(res);
  if (rc == LR_OK) rc = lrs_pg_meta_set(db, "account_headers", lrb_str(&v));
  lrb_free(&mid);
  lrb_free(&v);
  return rc;
}
