/*
** pg_accounts_match.c -- contacts.account_key on PostgreSQL
** (lrs_accounts_rematch): the match is the one SQLite computes with its
** lr_host and lr_mail_domain functions (accounts_io.c), computed here by
** the same C functions (util/domain.c) on the contacts read with a
** cursor, so that both stores match alike; the contacts whose match
** changed go with COPY into a staging table, then one UPDATE.  Inside
** the import's transaction.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/domain.h"
#include "accounts.h"
#include "db_int.h"
#include "pg_int.h"

#define FETCH "FETCH 8192 FROM lr_match"

typedef struct keys { char **v; int n; } keys;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *find(const keys *k, const char *s) {
  char **hit = k->n ? bsearch(&s, k->v, (size_t)k->n, sizeof *k->v, cmp_str)
                    : NULL;
  return hit ? *hit : NULL;
}

static void keys_free(keys *k) {
  for (int i = 0; i < k->n; i++) free(k->v[i]);
  free(k->v);
}

static int load_keys(lr_db *db, keys *k) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT key FROM accounts ORDER BY key COLLATE "
                        "\"C\"", 0, NULL, &res, "accounts");
  if (rc != LR_OK) return rc;
  int n = PQntuples(res);
  k->v = calloc((size_t)n + 1, sizeof *k->v);
  for (int r = 0; k->v && r < n; r++) {
    if (!(k->v[r] = strdup(PQgetvalue(res, r, 0)))) break;
    k->n = r + 1;
  }
  PQclear(res);
  return k->v && k->n == n ? LR_OK : lr__err(db, LR_NOMEM, "out of memory");
}

/* SQLite's coalesce(key = lower(trim(account)), key = lr_host(account),
** key = lr_mail_domain(email)): the account a contact matches, or NULL. */
static const char *match(const keys *k, const char *account,
                         const char *email) {
  char buf[256];
  if (account) {
    size_t n = strlen(account), i = 0;
    while (i < n && account[i] == ' ') i++;
    while (n > i && account[n - 1] == ' ') n--;
    if (n - i < sizeof buf) {
      for (size_t j = i; j < n; j++) {
        char c = account[j];
        buf[j - i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
      }
      buf[n - i] = '\0';
      const char *hit = find(k, buf);
      if (hit) return hit;
    }
    if (lru_host(account, strlen(account), buf, sizeof buf)) {
      const char *hit = find(k, buf);
      if (hit) return hit;
    }
  }
  if (email && lru_email_domain(email, strlen(email), buf, sizeof buf) &&
      !lru_is_freemail(buf))
    return find(k, buf);
  return NULL;
}

typedef struct change { long long id; const char *key; } change;

/* The contacts whose match changes, in *out (keys point into k). */
static int scan(lr_db *db, long long seq, const keys *k, change **out,
                long long *n) {
  char sql[320], where[64];
  if (seq > 0) snprintf(where, sizeof where, "import_seq = %lld", seq);
  else snprintf(where, sizeof where, "account_key IS NULL OR data ->> "
                "'account' IS NOT NULL");
  snprintf(sql, sizeof sql, "DECLARE lr_match NO SCROLL CURSOR FOR SELECT "
           "id, account_key, data ->> 'account', email FROM contacts WHERE %s",
           where);
  int rc = lrs_pg_exec(db, sql, "accounts");
  PGresult *res;
  long long cap = 0;
  while (rc == LR_OK &&
         (rc = lrs_pg_query(db, FETCH, 0, NULL, &res, "accounts")) == LR_OK) {
    int rows = PQntuples(res);
    for (int r = 0; r < rows && rc == LR_OK; r++) {
      const char *old = PQgetisnull(res, r, 1) ? NULL : PQgetvalue(res, r, 1);
      const char *m = match(k, PQgetisnull(res, r, 2) ? NULL
                               : PQgetvalue(res, r, 2),
                            PQgetisnull(res, r, 3) ? NULL
                               : PQgetvalue(res, r, 3));
      if (old && m ? strcmp(old, m) == 0 : old == m) continue;
      if (*n == cap) {
        cap = cap ? cap * 2 : 1024;
        change *v = realloc(*out, (size_t)cap * sizeof *v);
        if (!v) rc = lr__err(db, LR_NOMEM, "out of memory");
        else *out = v;
      }
      if (rc == LR_OK)
        (*out)[(*n)++] = (change){ atoll(PQgetvalue(res, r, 0)), m };
    }
    PQclear(res);
    if (!rows) break;
  }
  if (rc == LR_OK) rc = lrs_pg_exec(db, "CLOSE lr_match", "accounts");
  return rc;
}

static int write_changes(lr_db *db, const change *v, long long n,
                         long long *changed) {
  lrs_pg_copy cp = {0};
  int rc = lrs_pg_copy_begin(&cp, db, "CREATE TEMP TABLE lr_match_w(id "
                             "bigint, k text) ON COMMIT DROP; COPY "
                             "lr_match_w FROM STDIN", "accounts");
  for (long long i = 0; i < n && rc == LR_OK; i++) {
    lrb_printf(&cp.buf, "%lld\t", v[i].id);
    lrs_value k = { v[i].key ? LRS_STR : LRS_NULL, 0, 0, v[i].key,
                    v[i].key ? strlen(v[i].key) : 0 };
    lrs_pg_copy_value(&cp.buf, &k);
    rc = lrs_pg_copy_row_end(&cp);
  }
  if (rc == LR_OK) rc = lrs_pg_copy_end(&cp);
  lrs_pg_copy_free(&cp);
  long long before = 0;
  if (rc == LR_OK)
    rc = lrs_pg_exec_count(db, "UPDATE contacts c SET account_key = w.k FROM"
                           " lr_match_w w WHERE c.id = w.id", "accounts",
                           &before);
  if (rc == LR_OK) rc = lrs_pg_exec(db, "DROP TABLE lr_match_w", "accounts");
  if (changed) *changed = before;
  return rc;
}

int lrs_pg_accounts_rematch(lr_db *db, long long seq, long long *changed) {
  if (changed) *changed = 0;
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT EXISTS(SELECT 1 FROM accounts) OR EXISTS("
                      "SELECT 1 FROM contacts WHERE account_key IS NOT "
                      "NULL)", 0, NULL, &res, "accounts");
  if (rc != LR_OK) return rc;
  int any = PQgetvalue(res, 0, 0)[0] == 't';
  PQclear(res);
  if (!any) return LR_OK;   /* nothing to match and nothing matched */
  keys k = { NULL, 0 };
  change *v = NULL;
  long long n = 0;
  rc = load_keys(db, &k);
  if (rc == LR_OK) rc = scan(db, seq, &k, &v, &n);
  if (rc == LR_OK && n) rc = write_changes(db, v, n, changed);
  free(v);
  keys_free(&k);
  return rc;
}
