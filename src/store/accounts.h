/*
** accounts.h -- the store's side of accounts (issue 19): companies keyed
** by domain, their import, the match of each contact to its account
** (contacts.account_key), reading them for a run, and a run's writes for
** them (stage history, score parts, handoffs).
*/
#ifndef LR_ACCOUNTS_H
#define LR_ACCOUNTS_H

#include "store.h"

/* One account as stored.  Strings are owned by the lrs_accounts set. */
typedef struct lrs_account {
  long long id;
  char *key;                 /* the domain (or the --key column's value) */
  char *data;                /* imported fields: a flat JSON object */
  double score;
  char *scores, *grade, *grades, *stage, *owner;
  long long stage_since, assigned_at, due_at;   /* 0 when NULL */
  long long ncontacts;       /* contacts matched to it */
} lrs_account;

typedef struct lrs_accounts {
  lrs_account *v;
  int n;
} lrs_accounts;

/* Every account (key NULL) or the one with `key`, in key order (strcmp),
** read on snapshot s.  LR_OK, or the snapshot's error code. */
int lrs_accounts_load(lrs_snap *s, const char *key, lrs_accounts *out);
void lrs_accounts_free(lrs_accounts *a);
/* The account with `key` in a loaded set (binary search), or NULL. */
const lrs_account *lrs_accounts_find(const lrs_accounts *a, const char *key);
/* 1 when the database holds an account. */
int lrs_accounts_any(lr_db *db);

/* Import: upsert one account, its fields a JSON object (NULL: none), by
** this import `seq`.  *what: 0 inserted, 1 updated (an earlier import's
** account), 2 merged (the same key earlier in this file). */
int lrs_account_put(lr_db *db, long long seq, const char *key,
                    const char *data, int *what);
/* The end of an import's lrs_account_put calls: write (1) what they kept
** or drop it (0, the import failed).  SQLite writes each row as it comes;
** PostgreSQL keeps the rows and writes them at once here. */
int lrs_account_puts_end(lr_db *db, int write);
/* Headers of the account fields, a JSON object field -> header, kept in
** meta ("account_headers"): get returns a malloc'd copy or NULL; add
** merges json in, the first import that wrote a field naming it. */
char *lrs_account_headers_get(lr_db *db);
int lrs_account_headers_add(lr_db *db, const char *json);
/* The account fields in order of first import: "name\theader\n" lines
** into out. */
int lrs_account_fields(lr_db *db, lr_buf *out);

/* Recompute contacts.account_key: a contact's `account` field (reduced to
** a host) when it names an account, else its email's domain when that is
** an account and not free mail.  Only contacts of import `seq` when seq >
** 0, else every contact.  *changed counts the contacts whose match
** changed (NULL: not counted). */
int lrs_accounts_rematch(lr_db *db, long long seq, long long *changed);

/* The writes of a run for one account (inside the run's transaction). */
int lrs_account_update(lr_db *db, long long id, double score,
                       const char *scores, const char *grade,
                       const char *grades, const char *stage,
                       long long now, int moved);
int lrs_account_history(lr_db *db, long long id, const char *from,
                        const char *to, long long at, long long run_id,
                        const char *reason, const char *transition);
int lrs_account_parts_clear(lr_db *db, long long id);
int lrs_account_part(lr_db *db, long long id, const char *rule,
                     const char *group, double points);
/* owner NULL clears the owner (a recycled account). */
int lrs_account_assign(lr_db *db, long long id, const char *owner,
                       const char *stage, long long at, long long run_id,
                       long long due);

/* Stored score parts of one account, "rule\tgroup\tpoints\n" lines into
** out (for explain's "stored" line and tests). */
int lrs_account_parts_get(lr_db *db, long long id, lr_buf *out);

/* The ids of the contacts matched to account `key`, in id order (*ids
** malloc'd, free() it).  LR_OK or the snapshot's error code. */
int lrs_account_contact_ids(lrs_snap *s, const char *key, long long **ids,
                            int *n);
/* The key of the account with `id` into buf; LR_NOTFOUND when none. */
int lrs_account_key(lrs_snap *s, long long id, char *buf, size_t n);

/* Accounts per stored stage: "stage\taccounts\tcontacts\n" lines into
** out, by stage name ("" for accounts without a stage). */
int lrs_account_stage_counts(lr_db *db, lr_buf *out);

/* Export: every account in key order, one call of fn per row with the
** values key, each of fields[] (from the account's JSON object), score,
** each of groups[] (from its scores), grade, stage, owner and the number
** of contacts matched to it (3 + nf + ng + 3 values).  A non-zero return
** from fn stops (and is returned). */
int lrs_accounts_export(lr_db *db, const char *const *fields, int nf,
                        const char *const *groups, int ng,
                        int (*fn)(void *ctx, const lrs_value *v, int n),
                        void *ctx);
/* Every group name in the stored accounts' scores, "\n"-separated. */
int lrs_account_groups(lr_db *db, lr_buf *out);

#endif
