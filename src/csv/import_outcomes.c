/*
** import_outcomes.c -- an outcomes file: what sales reports back.  Contact
** key, result (also spelled outcome, won, is_won: won/lost, 1/0, yes/no,
** true/false, a stage that starts Closed Won/Closed Lost, any case),
** optional amount (money as exports write it too: lrc_parse_amount),
** closed_at (also close_date, closed, date...).
** Upserted on (contact, closed_at): re-importing a corrected file
** replaces the outcomes it names.
*/
#include <string.h>
#include <strings.h>

#include "events.h"

/* The fixed columns, in lrc_events.col. */
enum { RESULT, AMOUNT, CLOSED };

/* The headers of CRM deal and opportunity exports too (folded):
** Salesforce's Won / IsWon, Stage Name and CloseDate, HubSpot's Deal
** Stage and Close Date, Pipedrive's Status, Zoho's Stage and Closing
** Date.  A stage column's closed stages are results (Closed Won, ...);
** an open one is a bad row that says so. */
static const char *const RESULT_NAMES[] = {
  "result", "outcome", "won", "is_won", "iswon", "stage", "deal_stage",
  "stage_name", "status", "deal_status", NULL };
static const char *const AMOUNT_NAMES[] = { "amount", NULL };
static const char *const CLOSED_NAMES[] = {
  "closed_at", "close_date", "closed", "closed_date", "date", "closedate",
  "date_closed", "closing_date", NULL };

static const lrc_event_col COLS[] = {
  [RESULT] = { RESULT_NAMES, 1 }, [AMOUNT] = { AMOUNT_NAMES, 0 },
  [CLOSED] = { CLOSED_NAMES, 1 },
};

static int start(lrc_import *im, const lrc_row *header) {
  int rc = lrc_events_start(im, header, COLS, 3);
  lrc_events *k = im->k;
  if (rc == LR_OK && lrs_outcomes_open(im->db, im->seq, &k->w) != LR_OK)
    rc = lrc_store_fail(im, header, lr_errcode(im->db));
  return rc;
}

/* won: 1, lost: 0, neither: -1. */
static int won_lost(const lrc_cell *c) {
  /* pairs: a deal stage as CRMs export it ("Closed Won", "closedwon") */
  static const char *const WON[] = { "won", "1", "yes", "true", "y",
                                     "closed won", "closedwon", "closed_won",
                                     NULL };
  static const char *const LOST[] = { "lost", "0", "no", "false", "n",
                                      "closed lost", "closedlost",
                                      "closed_lost", NULL };
  const char *p = c->p;
  size_t n = c->n;
  while (n && (*p == ' ' || *p == '\t')) { p++; n--; }
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  for (int i = 0; WON[i]; i++) {
    if (strlen(WON[i]) == n && strncasecmp(p, WON[i], n) == 0) return 1;
    if (strlen(LOST[i]) == n && strncasecmp(p, LOST[i], n) == 0) return 0;
  }
  /* Stages that say more after it, whatever joins the words: Zoho's
  ** "Closed-Lost to Competition", "Closed Won - Renewal". */
  char w[16];
  size_t k = 0;
  for (size_t i = 0; i < n && k < sizeof w - 1; i++) {
    int letter = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z');
    if (!letter && p[i] != ' ' && p[i] != '-' && p[i] != '_' && p[i] != '/')
      return -1;
    if (!letter) continue;
    w[k++] = (char)(p[i] | 0x20);
    int end = i + 1 == n || !((p[i + 1] >= 'a' && p[i + 1] <= 'z') ||
                              (p[i + 1] >= 'A' && p[i + 1] <= 'Z'));
    if (end && k == 9 && memcmp(w, "closedwon", 9) == 0) return 1;
    if (end && k == 10 && memcmp(w, "closedlost", 10) == 0) return 0;
  }
  return -1;
}

static int row(lrc_import *im, const lrc_row *r) {
  lrc_events *k = im->k;
  char shown[80];
  if (!lrc_key(im, &r->cells[im->key_col]))
    return lrc_bad_row(im, r, im->key_col, "empty key");
  const lrc_cell *res = &r->cells[k->col[RESULT]];
  int won = lrc_is_null(im, res) ? -1 : won_lost(res);
  if (won < 0)
    return lrc_bad_row(im, r, k->col[RESULT], "expected won or lost (or "
                       "1/0, yes/no, true/false, Closed Won/Closed Lost), "
                       "got %s; a deal still open is not an outcome (leave "
                       "it out, or --rejects FILE sets such rows aside)",
                       lrc_show(im, res, shown, sizeof shown));
  long long closed;
  int rc = lrc_event_time(im, r, k->col[CLOSED], "empty close date", "date",
                          "2024-03-01", &closed);
  if (rc != LR_OK) return rc;
  lrs_value amount = { LRS_NULL, 0, 0, NULL, 0 };
  int has;
  rc = lrc_event_number(im, r, k->col[AMOUNT], &amount.r, &has);
  if (rc != LR_OK) return rc;
  if (has)
    amount.type = LRS_FLOAT;
  rc = lrs_outcome_put(k->w, im->key.p, im->key.n, won, &amount, closed);
  rc = lrc_event_written(im, r, rc);
  if (rc != LR_OK) return rc;
  k->rows++;
  return LR_OK;
}

static int finish(lrc_import *im) {
  lrc_events *k = im->k;
  lr_import_report *rep = im->rep;
  int rc = lrs_outcomes_finish(k->w, &rep->updated, &rep->merged);
  if (rc != LR_OK) return lrc_store_fail(im, NULL, rc);
  rep->inserted = k->rows - rep->updated - rep->merged;
  return LR_OK;
}

const lrc_kind lrc_kind_outcomes = {
  .name = "outcomes", .start = start, .row = row, .finish = finish,
  .free = lrc_events_free,
};
