/*
** report_accounts.c -- the account funnel of a report: how many accounts
** are in each account stage, and how many contacts they hold, in the
** order of the policy's account stages (--policy), then the others by
** name.  Printed only when the database has accounts.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/accounts.h"
#include "report_accounts.h"

typedef struct row {
  char *stage;
  long long accounts, contacts;
} row;

static int rank(const lrp_model *acc, const char *stage) {
  for (int i = 0; acc && i < acc->nstages; i++)
    if (strcasecmp(acc->stages[i].name, stage) == 0) return i;
  return acc ? acc->nstages : 0;
}

int lrp_account_funnel(lr_db *db, const lrp_model *acc, lrp_table *t) {
  lrp_table_init(t, "lrr");
  if (!lrs_accounts_any(db)) return LR_OK;
  lr_buf b = LR_BUF_INIT;
  int rc = lrs_account_stage_counts(db, &b);
  row v[128];
  int n = 0;
  for (char *save = NULL, *l = rc == LR_OK && b.n ? strtok_r(b.p, "\n", &save)
                                                   : NULL;
       l && n < 128; l = strtok_r(NULL, "\n", &save)) {
    char *t1 = strchr(l, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!t2) continue;
    *t1 = *t2 = '\0';
    v[n].stage = l;
    v[n].accounts = atoll(t1 + 1);
    v[n].contacts = atoll(t2 + 1);
    n++;
  }
  for (int i = 1; i < n; i++)        /* stable: by policy rank, then name */
    for (int j = i; j > 0 && rank(acc, v[j - 1].stage) > rank(acc, v[j].stage);
         j--) {
      row x = v[j];
      v[j] = v[j - 1];
      v[j - 1] = x;
    }
  lrp_table_cell(t, "account stage");
  lrp_table_cell(t, "accounts");
  lrp_table_cell(t, "contacts");
  for (int i = 0; i < n; i++) {
    lrp_table_cell(t, "%s", *v[i].stage ? v[i].stage : "(none)");
    lrp_table_cell(t, "%lld", v[i].accounts);
    lrp_table_cell(t, "%lld", v[i].contacts);
  }
  lrb_free(&b);
  return rc;
}
