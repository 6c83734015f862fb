/*
** report_accounts.h -- the account funnel table of lr_report.
*/
#ifndef LR_REPORT_ACCOUNTS_H
#define LR_REPORT_ACCOUNTS_H

#include "../engine/model.h"
#include "outfmt.h"

/* Fill t (initialised here; lrp_table_free it): account stage, accounts,
** contacts.  Only a header row when the database has no accounts.
** acc: the policy's account model for the order, or NULL. */
int lrp_account_funnel(lr_db *db, const lrp_model *acc, lrp_table *t);

#endif
