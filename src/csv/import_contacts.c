/*
** import_contacts.c -- a contacts file: one row per contact, upserted on
** the key; every column a field of contacts.
**
** Columns not yet in the database are added (no declared type) and
** registered with their header; each value is bound as the number or
** text inference says, and the registry's type is widened as values are
** seen (integer -> real -> text) and saved at the end.  Well-known text
** fields (email, first_name, ...) are stored as text as they are;
** created_at must be a date (ISO-8601 or unix seconds).  stage and owner
** give a new contact its starting stage and owner; for a contact that
** already has them they are left to the engine.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

#define MODE_INFER 0    /* a number when it round-trips, else text */
#define MODE_TEXT 1     /* a well-known text field: text as is */
#define MODE_TIME 2     /* created_at: a date, stored as unix seconds */

typedef struct contacts {
  int n;                   /* columns written (skipped ones excluded) */
  int *col;                /* file column of each written column */
  int *mode;
  int *type;               /* widest type seen (LRS_*, -1 none yet) */
  int *start_type;         /* registered type at the start (-1 new) */
  int *builtin;
  lrs_upsert *up;
} contacts;

static int widen(int old, int seen) {
  if (old < 0) return seen;
  if (old == LRS_TEXT || seen == LRS_TEXT) return LRS_TEXT;
  return (old == LRS_REAL || seen == LRS_REAL) ? LRS_REAL : LRS_INTEGER;
}

/* Engine-owned columns, and any column of contacts the registry does not
** know (one a later schema added for the engine), cannot be imported. */
static int check_names(lrc_import *im, const lrc_row *header,
                       const lrs_fields *fields) {
  for (int i = 0; i < im->head.n; i++) {
    const lrc_col *c = &im->head.cols[i];
    if (c->skip) continue;
    if (!lrs_is_engine_field(c->name) &&
        (lrs_fields_find(fields, c->name) ||
         !lrs_contacts_has_column(im->db, c->name)))
      continue;
    return lrc_fail(im, header->line, LR_INPUT, "column '%s': '%s' is a "
                    "leadrules column and cannot be imported; rename it "
                    "(--map '%s=crm_%s') or skip it (--map '%s=')",
                    c->header, c->name, c->header, c->name, c->header);
  }
  return LR_OK;
}

/* The key: --key, else the database's key field, else email.  A database
** has one key field, fixed by its first contacts import. */
static int choose_key(lrc_import *im) {
  char stored[64] = "";
  int have = lrs_key_field_get(im->db, stored, sizeof stored);
  const char *want = im->o.key ? im->o.key : have ? stored : "email";
  int col = lrc_header_find(&im->head, want);
  if (col < 0) {
    if (im->o.key)
      return lrc_fail(im, 0, LR_INPUT, "--key '%s': no such column", want);
    /* "Person - Email - Work": --key would keep its case, a --map makes
    ** it the email key. */
    for (int i = 0; !have && i < im->head.n; i++) {
      const lrc_col *c = &im->head.cols[i];
      if (c->skip || !strstr(c->name, "email")) continue;
      return lrc_fail(im, 0, LR_INPUT, "no 'email' column to key contacts "
                      "on (--map '%s=email' makes column '%s' the email; or "
                      "name the key column with --key COLUMN)", c->header,
                      c->header);
    }
    return lrc_fail(im, 0, LR_INPUT, "no '%s' column to key contacts on "
                    "(name the key column with --key COLUMN)", want);
  }
  const char *name = im->head.cols[col].name;
  int any = 0;
  if (!have && lrs_contacts_any(im->db, &any) != LR_OK)
    return lrc_store_fail(im, NULL, lr_errcode(im->db));
  const char *current = have ? stored : any ? "email" : NULL;
  if (current && strcmp(current, name) != 0)
    return lrc_fail(im, 0, LR_INPUT, "--key '%s': this database keys "
                    "contacts on '%s' (a database has one key field; use a "
                    "new database to key on '%s')", want, current, name);
  if (!have && lrs_key_field_set(im->db, name) != LR_OK)
    return lrc_store_fail(im, NULL, lr_errcode(im->db));
  im->key_col = col;
  snprintf(im->key_field, sizeof im->key_field, "%s", name);
  im->key_lower = strcmp(name, "email") == 0;
  return LR_OK;
}

static int start(lrc_import *im, const lrc_row *header) {
  lrs_fields fields;
  if (lrs_fields_load(im->db, &fields) != LR_OK)
    return lrc_store_fail(im, header, lr_errcode(im->db));
  int rc = check_names(im, header, &fields);
  if (rc == LR_OK) rc = choose_key(im);
  if (rc != LR_OK) {
    lrs_fields_free(&fields);
    return rc;
  }
  contacts *k = calloc(1, sizeof *k);
  if (!k) {
    lrs_fields_free(&fields);
    return lrc_fail(im, 0, LR_NOMEM, "out of memory");
  }
  im->k = k;
  size_t m = (size_t)im->head.n;
  k->col = calloc(m, sizeof *k->col);
  k->mode = calloc(m, sizeof *k->mode);
  k->type = calloc(m, sizeof *k->type);
  k->start_type = calloc(m, sizeof *k->start_type);
  k->builtin = calloc(m, sizeof *k->builtin);
  const char **names = calloc(m, sizeof *names);
  int *how = calloc(m, sizeof *how);
  if (!k->col || !k->mode || !k->type || !k->start_type || !k->builtin ||
      !names || !how) {
    free(names);
    free(how);
    lrs_fields_free(&fields);
    return lrc_fail(im, 0, LR_NOMEM, "out of memory");
  }
  /* Too many new columns: say so before adding any (each ALTER TABLE
  ** costs more as the table widens). */
  int fresh = 0, room = 0, limit = 0;
  for (int i = 0; i < im->head.n; i++)
    fresh += !im->head.cols[i].skip &&
             !lrs_fields_find(&fields, im->head.cols[i].name);
  if (fresh && lrs_contacts_column_room(im->db, &room, &limit) != LR_OK)
    rc = lrc_store_fail(im, header, lr_errcode(im->db));
  else if (fresh > room)
    rc = lrc_fail(im, header->line, LR_INPUT, "%d new columns, but the "
                  "contacts table has room for %d more (at most %d columns "
                  "in all); skip some with --map 'Header='", fresh,
                  room > 0 ? room : 0, limit);
  for (int i = 0; i < im->head.n && rc == LR_OK; i++) {
    const lrc_col *c = &im->head.cols[i];
    if (c->skip) continue;
    int j = k->n++;
    k->col[j] = i;
    names[j] = c->name;
    how[j] = strcmp(c->name, "stage") == 0 || strcmp(c->name, "owner") == 0
                 ? LRS_SET_START : LRS_SET_DATA;
    const lrs_field *f = lrs_fields_find(&fields, c->name);
    if (f) {
      k->builtin[j] = f->builtin;
      k->type[j] = k->start_type[j] = f->type;
      k->mode[j] = !f->builtin ? MODE_INFER
                 : strcmp(c->name, "created_at") == 0 ? MODE_TIME
                 : f->type == LRS_TEXT ? MODE_TEXT : MODE_INFER;
    } else {
      rc = lrs_field_add(im->db, c->name, c->header, LRS_TEXT);
      if (rc != LR_OK) rc = lrc_store_fail(im, header, rc);
      k->type[j] = k->start_type[j] = -1;
      k->mode[j] = MODE_INFER;
      im->rep->fields_created++;
    }
  }
  lrs_fields_free(&fields);
  if (rc == LR_OK) {
    rc = lrs_upsert_open(im->db, names, how, k->n, im->seq, im->now, &k->up);
    if (rc != LR_OK) rc = lrc_store_fail(im, header, rc);
  }
  free(names);
  free(how);
  return rc;
}

static int nvals(lrc_import *im) { return ((contacts *)im->k)->n; }

/* Text in a field that leadrules declares a number (company_size): a bad
** row, so that SQL segments and Lua never see text there (SQL would
** count it above every number, Lua would fail to compare it). */
static int not_a_number(lrc_import *im, const lrc_row *r, int col) {
  const lrc_col *h = &im->head.cols[col];
  char shown[80];
  return lrc_bad_row(im, r, col, "%s is not a number, and %s is a number "
                     "field (--null VALUE reads such cells as empty; --map "
                     "'%s=%s_text' keeps the text in a field of its own)",
                     lrc_show(im, &r->cells[col], shown, sizeof shown),
                     h->name, h->header, h->name);
}

/* Reading thread: key, NULLs, inference; text copied into the batch. */
static int prepare(lrc_import *im, const lrc_row *r, lrc_batch *b,
                   lrc_slot *slot) {
  contacts *k = im->k;
  if (!lrc_key(im, &r->cells[im->key_col])) {
    if (im->key.oom) return lrc_fail(im, r->line, LR_NOMEM, "out of memory");
    return lrc_bad_row(im, r, im->key_col, "empty key");
  }
  if (im->key.n > LRS_MAX_KEY)
    return lrc_bad_row(im, r, im->key_col, "key longer than %d bytes",
                       LRS_MAX_KEY);
  int ok = lrc_batch_key(b, slot, im->key.p, im->key.n);
  for (int j = 0; j < k->n; j++) {
    const lrc_cell *c = &r->cells[k->col[j]];
    lrc_cell key;
    if (k->col[j] == im->key_col && im->key_lower) { /* email: trimmed */
      key = *c;
      while (key.n && (*key.p == ' ' || *key.p == '\t')) { key.p++; key.n--; }
      while (key.n && (key.p[key.n - 1] == ' ' || key.p[key.n - 1] == '\t'))
        key.n--;
      c = &key;
    }
    lrs_value *v = &slot->vals[j];
    if (lrc_is_null(im, c)) {
      v->type = LRS_NULL;
      continue;
    }
    if (c->n > LRS_MAX_KEY &&               /* indexed, as keys are */
        strcmp(im->head.cols[k->col[j]].name, "stage") == 0)
      return lrc_bad_row(im, r, k->col[j], "a stage name is at most %d "
                         "bytes", LRS_MAX_KEY);
    if (k->mode[j] == MODE_TEXT) {
      ok &= lrc_batch_text(b, v, c->p, c->n);
      continue;
    }
    if (k->mode[j] == MODE_TIME) {
      long long t;
      if (!lrc_cell_time(c, &t)) {
        char shown[80];
        return lrc_bad_row(im, r, k->col[j], "cannot read %s as a date (use "
                           "ISO-8601 such as 2024-03-01 or "
                           "2024-03-01T10:00:00Z, or unix seconds)",
                           lrc_show(im, c, shown, sizeof shown));
      }
      v->type = LRS_INT;
      v->i = t;
      continue;
    }
    lrc_num num;
    switch (lrc_infer(c->p, c->n, &num)) {
      case LRC_INT:
        v->type = LRS_INT;
        v->i = num.i;
        if (k->type[j] != LRS_INTEGER) k->type[j] = widen(k->type[j], LRS_INTEGER);
        break;
      case LRC_REAL:
        v->type = LRS_FLOAT;
        v->r = num.d;
        if (k->type[j] != LRS_REAL) k->type[j] = widen(k->type[j], LRS_REAL);
        break;
      default:
        if (k->builtin[j]) return not_a_number(im, r, k->col[j]);
        ok &= lrc_batch_text(b, v, c->p, c->n);
        k->type[j] = LRS_TEXT;
    }
  }
  if (!ok) return lrc_fail(im, r->line, LR_NOMEM, "out of memory");
  return LR_OK;
}

/* Caller's thread: one upsert. */
static int write(lrc_import *im, const lrc_slot *slot) {
  contacts *k = im->k;
  return lrs_upsert_row(k->up, slot->key, slot->keyn, slot->vals);
}

static int flush(lrc_import *im) {
  return lrs_upsert_flush(((contacts *)im->k)->up);
}

static int finish(lrc_import *im) {
  contacts *k = im->k;
  lr_import_report *rep = im->rep;
  int rc = lrs_upsert_finish(k->up, &rep->inserted, &rep->updated,
                             &rep->merged);
  if (rc != LR_OK) return lrc_store_fail(im, NULL, rc);
  for (int j = 0; j < k->n && rc == LR_OK; j++) {
    const lrc_col *c = &im->head.cols[k->col[j]];
    int type = -1;                                    /* keep */
    if (!k->builtin[j]) {
      type = k->type[j] < 0 ? LRS_TEXT : k->type[j];  /* all empty: text */
      if (k->start_type[j] >= 0 && type == k->start_type[j]) type = -1;
    }
    rc = lrs_field_note(im->db, c->name, c->header, type, im->seq);
    if (rc != LR_OK) rc = lrc_store_fail(im, NULL, rc);
  }
  return rc;
}

static void release(lrc_import *im) {
  contacts *k = im->k;
  if (!k) return;
  lrs_upsert_free(k->up);
  free(k->col);
  free(k->mode);
  free(k->type);
  free(k->start_type);
  free(k->builtin);
  free(k);
  im->k = NULL;
}

const lrc_kind lrc_kind_contacts = {
  .name = "contacts", .start = start, .nvals = nvals, .prepare = prepare,
  .write = write, .flush = flush, .finish = finish, .free = release,
};
