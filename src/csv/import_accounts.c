/*
** import_accounts.c -- an accounts file: one row per company, upserted on
** its key, the domain: the `domain`, `website` or `company_domain` column
** (`Domain`, `Website`, `Company Domain` headers), or --key COLUMN.  A
** domain or website cell is reduced to its host (https://www.Acme.example/x
** -> acme.example); any other key is trimmed and lower-cased.  Every other
** column is a field, typed as contacts' are (a number only when it
** round-trips), kept in the account's JSON object.  After the rows, every
** contact is matched again (lrs_accounts_rematch).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/accounts.h"
#include "../util/domain.h"
#include "import.h"

static const char *const KEY_NAMES[] = { "domain", "website",
                                         "company_domain", NULL };

typedef struct accts {
  int host;                  /* the key is a domain: reduce it to a host */
  lr_buf data;               /* the row's JSON object */
  long long rows;
} accts;

static int start(lrc_import *im, const lrc_row *header) {
  accts *k = calloc(1, sizeof *k);
  if (!k) return lrc_fail(im, 0, LR_NOMEM, "out of memory");
  im->k = k;
  int col = -1;
  if (im->o.key) {
    col = lrc_header_find(&im->head, im->o.key);
    if (col < 0)
      return lrc_fail(im, header->line, LR_INPUT, "--key '%s': no such "
                      "column", im->o.key);
  }
  for (int i = 0; col < 0 && KEY_NAMES[i]; i++)
    col = lrc_header_find(&im->head, KEY_NAMES[i]);
  if (col < 0)
    return lrc_fail(im, header->line, LR_INPUT, "no 'Domain', 'Website' or "
                    "'Company Domain' column to key accounts by (name "
                    "another with --key)");
  im->key_col = col;
  const char *name = im->head.cols[col].name;
  for (int i = 0; KEY_NAMES[i]; i++)
    if (strcmp(name, KEY_NAMES[i]) == 0) k->host = 1;
  snprintf(im->key_field, sizeof im->key_field, "%s", name);
  /* Remember each field's header (export --accounts writes them). */
  lr_buf h = LR_BUF_INIT;
  lrb_adds(&h, "{");
  int n = 0;
  for (int i = 0; i < im->head.n; i++) {
    const lrc_col *c = &im->head.cols[i];
    if (c->skip || i == col) continue;
    if (n++) lrb_addc(&h, ',');
    lrb_json_str(&h, c->name, strlen(c->name));
    lrb_addc(&h, ':');
    lrb_json_str(&h, c->header, strlen(c->header));
  }
  lrb_adds(&h, "}");
  int rc = h.oom ? lrc_fail(im, 0, LR_NOMEM, "out of memory")
                 : lrs_account_headers_add(im->db, h.p);
  lrb_free(&h);
  if (rc != LR_OK && rc != LR_NOMEM) rc = lrc_store_fail(im, header, rc);
  return rc;
}

static int put_value(lrc_import *im, lr_buf *b, const lrc_cell *c) {
  if (lrc_is_null(im, c)) {
    lrb_adds(b, "null");
    return LR_OK;
  }
  lrc_num num;
  switch (lrc_infer(c->p, c->n, &num)) {
    case LRC_INT: lrb_printf(b, "%lld", num.i); break;
    case LRC_REAL: {
      char t[40];
      lrc_real_text(num.d, t);
      lrb_adds(b, t);
      break;
    }
    default: lrb_json_str(b, c->p, c->n);
  }
  return LR_OK;
}

static int row(lrc_import *im, const lrc_row *r) {
  accts *k = im->k;
  const lrc_cell *kc = &r->cells[im->key_col];
  char key[256], shown[80];
  if (!lrc_key(im, kc)) return lrc_bad_row(im, r, im->key_col, "empty key");
  size_t n;
  if (k->host) {
    n = lru_host(im->key.p, im->key.n, key, sizeof key);
    if (!n)
      return lrc_bad_row(im, r, im->key_col, "not a domain or website: %s",
                         lrc_show(im, kc, shown, sizeof shown));
  } else {
    n = im->key.n < sizeof key ? im->key.n : 0;
    if (!n) return lrc_bad_row(im, r, im->key_col, "key longer than 255 bytes");
    for (size_t i = 0; i < n; i++) {
      char ch = im->key.p[i];
      key[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
    }
    key[n] = '\0';
  }
  lr_buf *b = &k->data;
  lrb_reset(b);
  lrb_addc(b, '{');
  int first = 1;
  for (int i = 0; i < im->head.n; i++) {
    const lrc_col *c = &im->head.cols[i];
    if (c->skip || i == im->key_col) continue;
    if (!first) lrb_addc(b, ',');
    first = 0;
    lrb_json_str(b, c->name, strlen(c->name));
    lrb_addc(b, ':');
    put_value(im, b, &r->cells[i]);
  }
  lrb_addc(b, '}');
  if (b->oom) return lrc_fail(im, r->line, LR_NOMEM, "out of memory");
  int what = 0;
  int rc = lrs_account_put(im->db, im->seq, key, b->p, &what);
  if (rc != LR_OK) return lrc_store_fail(im, r, rc);
  if (what == 0) im->rep->inserted++;
  else if (what == 1) im->rep->updated++;
  else im->rep->merged++;
  k->rows++;
  return LR_OK;
}

static int finish(lrc_import *im) {
  int rc = lrs_account_puts_end(im->db, 1);
  if (rc == LR_OK) rc = lrs_accounts_rematch(im->db, 0, NULL);
  return rc == LR_OK ? LR_OK : lrc_store_fail(im, NULL, rc);
}

static void free_kind(lrc_import *im) {
  accts *k = im->k;
  lrs_account_puts_end(im->db, 0);        /* what a failed import kept */
  if (!k) return;
  lrb_free(&k->data);
  free(k);
  im->k = NULL;
}

const lrc_kind lrc_kind_accounts = {
  .name = "accounts", .start = start, .row = row, .finish = finish,
  .free = free_kind,
};
