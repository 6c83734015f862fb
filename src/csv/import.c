/*
** import.c -- lr_import_csv: one CSV file into the store, in one
** transaction.
**
** The reader streams rows; the first is the header, resolved to field
** names and handed to the kind (contacts, activities, outcomes) to set up
** its writer; every other row is checked (cell count, bytes) and written.
** A bad row stops the import and everything rolls back, unless --rejects
** is given: then it goes to the rejects file and the rest commits.
** Structural damage (a quote never closed, a stray quote) and problems in
** the header always stop the import: past them, rows cannot be trusted.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../store/accounts.h"
#include "import.h"

int lrc_fail(lrc_import *im, long long line, int rc, const char *fmt, ...) {
  lrb_reset(&im->err);
  if (line > 0) lrb_printf(&im->err, "%s:%lld: ", im->file, line);
  else lrb_printf(&im->err, "%s: ", im->file);
  va_list ap;
  va_start(ap, fmt);
  lrb_vprintf(&im->err, fmt, ap);
  va_end(ap);
  return rc;
}

int lrc_store_fail(lrc_import *im, const lrc_row *row, int rc) {
  return lrc_fail(im, row ? row->line : 0, rc, "%s", lr_errmsg(im->db));
}

int lrc_bad_row(lrc_import *im, const lrc_row *row, int col,
                const char *fmt, ...) {
  if (im->piped && im->kind->settle) {      /* earlier rows first */
    int rc = im->kind->settle(im);
    if (rc != LR_OK) return rc;
  }
  lrb_reset(&im->why);
  if (col >= 0 && col < im->head.n)
    lrb_printf(&im->why, "column '%s': ", im->head.cols[col].header);
  va_list ap;
  va_start(ap, fmt);
  lrb_vprintf(&im->why, fmt, ap);
  va_end(ap);
  if (!im->rj)
    return lrc_fail(im, row->line, LR_INPUT, "%s", lrb_str(&im->why));
  char reason[64];
  snprintf(reason, sizeof reason, "line %lld: ", row->line);
  lr_buf full = LR_BUF_INIT;
  lrb_adds(&full, reason);
  lrb_adds(&full, lrb_str(&im->why));
  int rc = lrc_rejects_write(im->rj, row, lrb_str(&full), &im->err);
  lrb_free(&full);
  if (rc != LR_OK) return rc;
  im->rep->rejected++;
  return LRC_REJECTED;
}

int lrc_is_null(const lrc_import *im, const lrc_cell *c) {
  if (!c->p || c->n == 0) return 1;
  for (int i = 0; i < im->o.n_nulls; i++) {
    const char *v = im->o.nulls[i];
    if (v && strlen(v) == c->n && memcmp(v, c->p, c->n) == 0) return 1;
  }
  return 0;
}

int lrc_key(lrc_import *im, const lrc_cell *c) {
  lrb_reset(&im->key);
  if (lrc_is_null(im, c)) return 0;
  const char *p = c->p;
  size_t n = c->n;
  while (n && (*p == ' ' || *p == '\t')) { p++; n--; }
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  if (!n) return 0;
  lrb_add(&im->key, p, n);
  if (im->key_lower && !im->key.oom)
    for (size_t i = 0; i < n; i++)
      if (im->key.p[i] >= 'A' && im->key.p[i] <= 'Z') im->key.p[i] += 32;
  return !im->key.oom;
}

int lrc_cell_time(const lrc_cell *c, long long *t) {
  char buf[64];
  if (c->n >= sizeof buf) return 0;
  memcpy(buf, c->p, c->n);
  buf[c->n] = '\0';
  return lr_parse_time(buf, t) == LR_OK;
}

const char *lrc_show(lrc_import *im, const lrc_cell *c, char *buf,
                     size_t n) {
  (void)im;
  size_t len = c->p ? c->n : 0;
  int cut = len > 60;
  if (cut) len = 60;
  snprintf(buf, n, "'%.*s'%s", (int)len, c->p ? c->p : "", cut ? "..." : "");
  return buf;
}

int lrc_find_key_column(lrc_import *im) {
  char stored[64] = "";
  lrs_key_field_get(im->db, stored, sizeof stored);
  const char *want = im->o.key ? im->o.key : *stored ? stored : "email";
  int col = lrc_header_find(&im->head, want);
  if (col < 0) {
    if (im->o.key)
      return lrc_fail(im, 0, LR_INPUT, "--key '%s': no such column",
                      im->o.key);
    return lrc_fail(im, 0, LR_INPUT, "no '%s' column to find contacts by "
                    "(the contact key; name another column with --key)",
                    want);
  }
  im->key_col = col;
  snprintf(im->key_field, sizeof im->key_field, "%s",
           *stored ? stored : im->head.cols[col].name);
  im->key_lower = strcmp(im->key_field, "email") == 0;
  return LR_OK;
}

int lrc_start(lrc_import *im, const lrc_row *row) {
  if (row->bad_cell >= 0)
    return lrc_fail(im, row->line, LR_INPUT, "header, column %d: %s",
                    row->bad_cell + 1, row->bad_why);
  int kind = im->kind == &lrc_kind_contacts ? LR_CONTACTS
           : im->kind == &lrc_kind_activities ? LR_ACTIVITIES
           : im->kind == &lrc_kind_accounts ? LR_ACCOUNTS : LR_OUTCOMES;
  int rc = lrc_header_resolve(&im->head, row, kind, im->o.maps, im->o.n_maps,
                              im->file, &im->err);
  if (rc != LR_OK) return rc;
  im->rep->columns = row->n;
  rc = im->kind->start(im, row);
  if (rc != LR_OK) return rc;
  if (im->rj)
    rc = lrc_rejects_header(im->rj, lrc_reader_delimiter(im->rd), row,
                            &im->err);
  return rc;
}

int lrc_check_row(lrc_import *im, const lrc_row *row) {
  im->rep->rows_read++;
  if (im->o.cancel && *im->o.cancel)
    return lrc_fail(im, row->line, LR_INTERRUPT, "import cancelled");
  if (row->n != im->head.n)
    return lrc_bad_row(im, row, -1, "row has %d cells, the header has %d",
                       row->n, im->head.n);
  if (row->bad_cell >= 0)
    return lrc_bad_row(im, row, row->bad_cell, "%s", row->bad_why);
  for (int i = 0; im->blanks && i < im->head.n; i++) {
    char shown[80];
    if (im->head.cols[i].blank && !lrc_is_null(im, &row->cells[i]))
      return lrc_bad_row(im, row, -1, "column %d has no header but holds %s "
                         "(skip the column with --map 'column_%d=')", i + 1,
                         lrc_show(im, &row->cells[i], shown, sizeof shown),
                         i + 1);
  }
  return LR_OK;
}

/* Reader callback of an import without a reading thread. */
static int data_row(void *ctx, const lrc_row *row, lr_buf *err) {
  (void)err;
  lrc_import *im = ctx;
  if (row->index == 0) return lrc_start(im, row);
  int rc = lrc_check_row(im, row);
  if (rc == LR_OK) rc = im->kind->row(im, row);
  if (rc == LRC_REJECTED) rc = LR_OK;
  if (rc == LR_OK && im->o.progress &&
      im->rep->rows_read % LRC_PROGRESS_ROWS == 0 &&
      im->o.progress(im->o.progress_ctx, im->rep->rows_read))
    rc = lrc_fail(im, row->line, LR_INTERRUPT, "import cancelled");
  return rc;
}

static const lrc_kind *kind_of(int kind) {
  switch (kind) {
    case LR_CONTACTS: return &lrc_kind_contacts;
    case LR_ACTIVITIES: return &lrc_kind_activities;
    case LR_OUTCOMES: return &lrc_kind_outcomes;
    case LR_ACCOUNTS: return &lrc_kind_accounts;
    default: return NULL;
  }
}

static int options(lr_db *db, lr_import_opts *o,
                   const lr_import_opts *given) {
  if (lr__opts(db, o, sizeof *o, given, "lr_import_csv") != LR_OK)
    return lr_errcode(db);
  if (o->key && !*o->key) o->key = NULL;
  if (o->encoding && !*o->encoding) o->encoding = NULL;
  if (o->rejects && !*o->rejects) o->rejects = NULL;
  return LR_OK;
}

static int import_csv(lr_db *db, int kind, const char *path,
                      const lr_import_opts *opts, lr_import_report *report) {
  lr_import_report dummy;
  lr_import_report *rep = report ? report : &dummy;
  memset(rep, 0, sizeof *rep);
  const lrc_kind *k = kind_of(kind);
  if (!k) return lr__err(db, LR_MISUSE, "lr_import_csv: unknown kind %d", kind);
  if (!path || !*path) return lr__err(db, LR_MISUSE, "lr_import_csv: no file");
  if (lrs_readonly(db))
    return lr__err(db, LR_READONLY, "%s: opened read-only", lr_db_path(db));

  lrc_import im;
  memset(&im, 0, sizeof im);
  im.db = db;
  im.kind = k;
  im.rep = rep;
  im.key_col = -1;
  if (options(db, &im.o, opts) != LR_OK) return lr_errcode(db);   /* before any allocation */
  im.file = strcmp(path, "-") == 0 ? "<stdin>" : path;
  if (lr__clock(db, im.o.now, "lr_import_csv", &im.now) != LR_OK)
    return lr_errcode(db);

  /* The rejects file is named (and refused when it is the database or
  ** the CSV) before anything is read. */
  if (im.o.rejects && lrc_rejects_open(&im.rj, db, im.o.rejects, path) != LR_OK)
    return lr_errcode(db);
  lrc_reader_opts ro = { path, im.o.encoding, im.o.delimiter };
  int rc = lrc_reader_open(&im.rd, &ro, &im.err);
  if (rc != LR_OK) {
    lrc_rejects_discard(im.rj);
    lr__err(db, rc, "%s", lrb_str(&im.err));
    lrb_free(&im.err);
    return rc;
  }
  /* A first import of contacts (or activities) writes every page once,
  ** not twice. */
  int any = 1;
  if (kind == LR_CONTACTS && lrs_txn_depth(db) == 0 &&
      lrs_contacts_any(db, &any) == LR_OK && !any)
    lrs_bulk_journal_begin(db);
  if (kind == LR_ACTIVITIES && lrs_txn_depth(db) == 0 &&
      lrs_activities_any(db, &any) == LR_OK && !any)
    lrs_bulk_journal_begin(db);
  /* Activities need no foreign-key check per row: each row's contact
  ** was just found by its key in this same transaction. */
  int resolved = kind == LR_ACTIVITIES;
  rc = resolved ? lrs_run_begin(db) : lrs_begin(db);
  int began = rc == LR_OK;
  if (rc != LR_OK) lrc_store_fail(&im, NULL, rc);
  if (rc == LR_OK) {
    rc = lrs_import_log_start(db, k->name, im.file, im.now, &im.seq);
    if (rc != LR_OK) lrc_store_fail(&im, NULL, rc);
  }
  if (rc == LR_OK) {
    im.piped = k->prepare && (!k->piped || k->piped(&im, path));
    rc = im.piped ? lrc_pipe_run(&im)
                  : lrc_reader_run(im.rd, data_row, &im, &im.err);
  }
  if (rc == LR_OK && im.head.n == 0)
    rc = lrc_fail(&im, 0, LR_INPUT, "no header line");
  if (rc == LR_OK) rc = k->finish(&im);
  /* A contact's account is matched again when either side changes. */
  if (rc == LR_OK && kind == LR_CONTACTS &&
      (rc = lrs_accounts_rematch(db, im.seq, NULL)) != LR_OK)
    lrc_store_fail(&im, NULL, rc);
  if (rc == LR_OK) {
    rc = lrs_import_log_finish(db, im.seq, im.key_field[0] ? im.key_field
                               : NULL, rep);
    if (rc != LR_OK) lrc_store_fail(&im, NULL, rc);
  }
  if (rc == LR_OK && im.rj)
    rc = lrc_rejects_sync(im.rj, &im.err);       /* written before commit */
  if (k->free) k->free(&im);
  /* A cancel that came after the last row (e.g. while waiting for EOF on a
  ** pipe) still rolls back: cancelled means nothing was imported. */
  if (rc == LR_OK && im.o.cancel && *im.o.cancel)
    rc = lrc_fail(&im, 0, LR_INTERRUPT, "import cancelled");
  if (rc == LR_OK) {
    rc = lrs_commit(db);
    if (rc != LR_OK) lrc_store_fail(&im, NULL, rc);
    else began = 0;
  }
  int committed = rc == LR_OK;
  if (committed && kind == LR_CONTACTS && im.key_field[0])
    lrs_key_field_use(db, im.key_field);
  if (committed && im.rj) {
    /* Synced before the commit, only the rename is left; should it fail,
    ** the import stays committed and the message says so. */
    rc = lrc_rejects_commit(im.rj, &im.err);
    im.rj = NULL;
    if (rc != LR_OK) lrb_adds(&im.err, " (the import itself is committed)");
  }
  if (rc != LR_OK) {
    if (began) lrs_rollback(db);
    lrc_rejects_discard(im.rj);
    lr__err(db, rc, "%s", im.err.n ? lrb_str(&im.err) : lr_errmsg(db));
    /* the report still says how far the import got */
  } else {
    lr__ok(db);
  }
  if (resolved) lrs_run_end(db);
  lrs_bulk_journal_end(db);
  snprintf(rep->key_field, sizeof rep->key_field, "%s", im.key_field);
  lrc_reader_close(im.rd);
  lrc_header_free(&im.head);
  lrb_free(&im.err);
  lrb_free(&im.why);
  lrb_free(&im.key);
  return rc;
}

int lr_import_csv(lr_db *db, int kind, const char *path,
                  const lr_import_opts *opts, lr_import_report *report) {
  if (!lrs_is_open(db)) return lr__err(db, LR_MISUSE, "lr_import_csv: no database");
  int rc = import_csv(db, kind, path, opts, report);
  /* Also when it failed before its transaction began (a file that cannot
  ** be read, a refused option): a first import leaves nothing, as the
  ** CLI removes a new SQLite file (lr_close on PostgreSQL). */
  if (rc != LR_OK) lrs_write_failed(db);
  return rc;
}
