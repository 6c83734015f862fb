/*
** export_accounts.c -- lr_export_accounts: the accounts as RFC 4180 CSV or
** a JSON array, in key order: the key (domain), every imported field (by
** its original header unless field_names), then score, one score_GROUP
** per group the last run stored, grade, stage, owner and contacts (how
** many contacts are matched to the account).  Cells are written as
** lr_export writes a contact's.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/accounts.h"
#include "csv.h"

typedef struct xp {
  const lr_export_opts *o;
  lr_write_fn write;
  void *ctx;
  lr_buf b;
  const char **labels;       /* one per value */
  int n, rows;
} xp;

/* Split "a\tb\n" lines: names (and labels when given) point into text. */
static int split_lines(char *text, const char **names, const char **labels,
                       int cap) {
  int n = 0;
  for (char *save = NULL, *t = strtok_r(text, "\n", &save); t && n < cap;
       t = strtok_r(NULL, "\n", &save)) {
    char *tab = strchr(t, '\t');
    if (tab) *tab = '\0';
    names[n] = t;
    if (labels) labels[n] = tab ? tab + 1 : t;
    n++;
  }
  return n;
}

static void put(xp *x, const lrs_value *v) {
  char num[40];
  switch (v->type) {
    case LRS_INT: lrb_printf(&x->b, "%lld", v->i); break;
    case LRS_FLOAT: lrb_add(&x->b, num, (size_t)lrc_real_text(v->r, num)); break;
    case LRS_STR:
      if (x->o->json) lrb_json_str(&x->b, v->s, v->n);
      else lrc_out_text(&x->b, v->s, v->n, x->o->raw);
      break;
    default: if (x->o->json) lrb_adds(&x->b, "null");
  }
}

static int row(void *ctx, const lrs_value *v, int n) {
  xp *x = ctx;
  if (x->o->json) {
    lrb_adds(&x->b, x->rows++ ? ",\n{" : "{");
    for (int i = 0; i < n; i++) {
      if (i) lrb_addc(&x->b, ',');
      lrb_json_str(&x->b, x->labels[i], strlen(x->labels[i]));
      lrb_addc(&x->b, ':');
      put(x, &v[i]);
    }
    lrb_addc(&x->b, '}');
  } else {
    for (int i = 0; i < n; i++) {
      if (i) lrb_addc(&x->b, ',');
      put(x, &v[i]);
    }
    lrb_adds(&x->b, "\r\n");
  }
  if (x->b.oom) return LR_NOMEM;
  if (x->b.n >= 65536) {
    if (x->write(x->ctx, x->b.p, x->b.n)) return LR_IO;
    lrb_reset(&x->b);
  }
  return LR_OK;
}

int lr_export_accounts(lr_db *db, const lr_export_opts *opts,
                       lr_write_fn write, void *ctx) {
  lr_export_opts o;
  if (!write) return lr__err(db, LR_MISUSE, "lr_export_accounts: no output");
  if (lr__opts(db, &o, sizeof o, opts, "lr_export_accounts") != LR_OK)
    return lr_errcode(db);
  lr_buf ftext = LR_BUF_INIT, gtext = LR_BUF_INIT;
  int rc = lrs_account_fields(db, &ftext);
  if (rc == LR_OK) rc = lrs_account_groups(db, &gtext);
  int cap = 8 + 2 * (int)(ftext.n + gtext.n);
  const char **names = calloc((size_t)cap, sizeof *names);
  const char **labels = calloc((size_t)cap, sizeof *labels);
  const char **groups = calloc((size_t)cap, sizeof *groups);
  char **glabels = calloc((size_t)cap, sizeof *glabels);
  if (rc == LR_OK && (!names || !labels || !groups || !glabels))
    rc = lr__err(db, LR_NOMEM, "out of memory");
  xp x = { &o, write, ctx, LR_BUF_INIT, labels, 0, 0 };
  if (rc == LR_OK) {
    const char **fl = labels + 1;
    int nf = ftext.n ? split_lines(ftext.p, names, fl, cap - 8) : 0;
    if (o.field_names) for (int i = 0; i < nf; i++) fl[i] = names[i];
    int ng = gtext.n ? split_lines(gtext.p, groups, NULL, cap - 8 - nf) : 0;
    int k = 0;
    labels[k++] = "domain";
    k += nf;
    labels[k++] = "score";
    for (int i = 0; i < ng; i++) {
      size_t len = strlen(groups[i]) + 7;
      if (!(glabels[i] = malloc(len))) { rc = LR_NOMEM; break; }
      snprintf(glabels[i], len, "score_%s", groups[i]);
      labels[k++] = glabels[i];
    }
    labels[k++] = "grade";
    labels[k++] = "stage";
    labels[k++] = "owner";
    labels[k++] = "contacts";
    x.n = k;
    if (o.json) {
      lrb_adds(&x.b, "[");
    } else {
      for (int i = 0; i < k; i++) {
        if (i) lrb_addc(&x.b, ',');
        lrc_out_cell(&x.b, labels[i], strlen(labels[i]), ',');
      }
      lrb_adds(&x.b, "\r\n");
    }
    if (rc == LR_OK)
      rc = lrs_accounts_export(db, names, nf, groups, ng, row, &x);
    if (rc == LR_NOMEM || x.b.oom) rc = lr__err(db, LR_NOMEM, "out of memory");
    else if (rc == LR_IO) rc = lr__err(db, LR_IO, "export: write failed");
    if (rc == LR_OK && o.json) lrb_adds(&x.b, x.rows ? "]\n" : "]\n");
    if (rc == LR_OK && x.b.n && write(ctx, x.b.p, x.b.n))
      rc = lr__err(db, LR_IO, "export: write failed");
  }
  for (int i = 0; glabels && i < cap; i++) free(glabels[i]);
  free(glabels);
  free(names);
  free(labels);
  free(groups);
  lrb_free(&ftext);
  lrb_free(&gtext);
  lrb_free(&x.b);
  return rc == LR_OK ? lr__ok(db) : rc;
}
