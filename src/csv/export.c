/*
** export.c -- lr_export: contacts as RFC 4180 CSV or a JSON array.
**
** Columns: the key field first, then every field an import wrote, in
** table order, then the engine's stage, owner, score and grade (or the
** --fields list).  Headers are the original CSV headers unless
** field_names.  Numbers are written as numbers: integers as digits, reals
** in their shortest round-trip form (infer.c), so an export re-imports to
** the same values.  A text cell a spreadsheet would run as a formula
** (leading = + - @ TAB CR) gets a ' in front unless raw; numbers are never
** touched (-5 stays -5, while the text "-5 apples" becomes '-5 apples).
** JSON is for programs and is never neutralised; control characters and
** invalid UTF-8 are escaped.  Output goes through `write` in 64 KiB
** pieces; memory does not grow with the number of contacts.
*/
#include <stdlib.h>
#include <string.h>

#include "../store/contacts_io.h"
#include "csv.h"

#define FLUSH_AT (64u << 10)

typedef struct col {
  const char *name;
  const char *label;
} col;

typedef struct out {
  lr_write_fn write;
  void *ctx;
  lr_buf b;
  int failed;
} out;

static void flush(out *o, int force) {
  if (o->failed || (!force && o->b.n < FLUSH_AT)) return;
  if (o->b.n && o->write(o->ctx, o->b.p, o->b.n)) o->failed = 1;
  lrb_reset(&o->b);
}

static const char *const ENGINE_COLS[] = { "stage", "owner", "score", "grade" };

static int add_col(col *cols, int *n, const char *name, const char *label) {
  for (int i = 0; i < *n; i++)
    if (strcmp(cols[i].name, name) == 0) return 0;
  cols[*n].name = name;
  cols[*n].label = label && *label ? label : name;
  (*n)++;
  return 1;
}

/* --fields: names, original headers or their folded forms. */
static int pick_fields(lr_db *db, const lrs_fields *f, const char *list,
                       col *cols, int *n, char ***owned, int cap) {
  char *copy = strdup(list);
  if (!copy) return lr__err(db, LR_NOMEM, "out of memory");
  *owned = calloc((size_t)cap, sizeof **owned);
  if (!*owned) { free(copy); return lr__err(db, LR_NOMEM, "out of memory"); }
  int rc = LR_OK, k = 0;
  for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    while (*t == ' ') t++;
    size_t len = strlen(t);
    while (len && t[len - 1] == ' ') t[--len] = '\0';
    if (!*t) continue;
    const lrs_field *hit = lrs_fields_resolve(f, t);
    if (*n >= cap) break;
    if (hit) {
      add_col(cols, n, hit->name, hit->header);
    } else if (strcmp(t, "import_seq") != 0 && lrs_contacts_has_column(db, t)) {
      (*owned)[k] = strdup(t);
      if (!(*owned)[k]) { rc = lr__err(db, LR_NOMEM, "out of memory"); break; }
      add_col(cols, n, (*owned)[k], (*owned)[k]);
      k++;
    } else {
      rc = lr__err(db, LR_INPUT, "--fields: no field '%s' (see leadrules "
                   "info for the fields)", t);
      break;
    }
  }
  free(copy);
  if (rc == LR_OK && *n == 0)
    rc = lr__err(db, LR_INPUT, "--fields: no fields given");
  return rc;
}

static void default_fields(lr_db *db, const lrs_fields *f, col *cols, int *n) {
  const lrs_field *key = lrs_fields_find(f, lrs_key_field(db));
  if (key && (key->imported || !key->builtin))
    add_col(cols, n, key->name, key->header);
  for (int i = 0; i < f->n; i++) {
    const lrs_field *x = &f->v[i];
    if (strcmp(x->name, "stage") == 0 || strcmp(x->name, "owner") == 0)
      continue;
    if (x->imported || !x->builtin) add_col(cols, n, x->name, x->header);
  }
  for (size_t i = 0; i < sizeof ENGINE_COLS / sizeof *ENGINE_COLS; i++) {
    const lrs_field *x = lrs_fields_find(f, ENGINE_COLS[i]);
    add_col(cols, n, ENGINE_COLS[i], x && x->imported ? x->header : NULL);
  }
}

/* A CSV text cell, neutralised when a spreadsheet would run it. */
static void put_text(out *o, const char *s, size_t n, int raw) {
  if (!raw && lrc_formula_like(s, n)) {
    lr_buf t = LR_BUF_INIT;            /* rare: formula-like text */
    lrb_addc(&t, '\'');
    lrb_add(&t, s, n);
    lrc_out_cell(&o->b, lrb_str(&t), t.n, ',');
    lrb_free(&t);
  } else {
    lrc_out_cell(&o->b, s, n, ',');
  }
}

static void put_value(out *o, const lrs_value *v, int json, int raw) {
  char num[32];
  switch (v->type) {
    case LRS_INT:
      lrb_printf(&o->b, "%lld", v->i);
      break;
    case LRS_FLOAT:
      if (json && (v->r != v->r || v->r - v->r != 0)) lrb_adds(&o->b, "null");
      else lrb_add(&o->b, num, (size_t)lrc_real_text(v->r, num));
      break;
    case LRS_STR:
      if (json) lrb_json_str(&o->b, v->s, v->n);
      else put_text(o, v->s, v->n, raw);
      break;
    default:
      if (json) lrb_adds(&o->b, "null");
  }
}

/* A filter matched no contact: tell opts->note which and what there is
** (the output itself stays a valid, empty CSV or JSON array). */
static int empty_note(lr_db *db, const lr_export_opts *o) {
  lr_buf note = LR_BUF_INIT;
  int rc = LR_OK;
  if (o->stage && *o->stage) rc = lrs_export_empty_note(db, 0, o->stage, &note);
  if (rc == LR_OK && o->segment && *o->segment)
    rc = lrs_export_empty_note(db, 1, o->segment, &note);
  if (rc == LR_OK && !note.n && o->stage && *o->stage && o->segment &&
      *o->segment)
    lrb_printf(&note, "no contact is in stage '%s' and segment '%s' at once",
               o->stage, o->segment);
  if (rc == LR_OK && note.oom) rc = lr__err(db, LR_NOMEM, "out of memory");
  if (rc == LR_OK && note.n) {
    lrb_adds(&note, "\n");
    o->note(o->note_ctx, note.p, note.n);
  }
  lrb_free(&note);
  return rc;
}

int lr_export(lr_db *db, const lr_export_opts *opts, lr_write_fn write,
              void *ctx) {
  if (!lrs_is_open(db) || !write)
    return lr__err(db, LR_MISUSE, "lr_export: no database or writer");
  lr_export_opts o;
  if (lr__opts(db, &o, sizeof o, opts, "lr_export") != LR_OK)
    return lr_errcode(db);
  lrs_fields f;
  int rc = lrs_fields_load(db, &f);
  if (rc != LR_OK) return rc;
  int cap = f.n + 16;
  col *cols = calloc((size_t)cap, sizeof *cols);
  lrs_value *vals = calloc((size_t)cap, sizeof *vals);
  const char **names = calloc((size_t)cap, sizeof *names);
  char **owned = NULL;
  int n = 0;
  out w = { write, ctx, LR_BUF_INIT, 0 };
  lrs_cursor *cur = NULL;
  if (!cols || !vals || !names) {
    rc = lr__err(db, LR_NOMEM, "out of memory");
    goto done;
  }
  if (o.fields && *o.fields)
    rc = pick_fields(db, &f, o.fields, cols, &n, &owned, cap);
  else
    default_fields(db, &f, cols, &n);
  if (rc != LR_OK) goto done;
  for (int i = 0; i < n; i++) names[i] = cols[i].name;
  rc = lrs_export_open(db, names, n, o.stage && *o.stage ? o.stage : NULL,
                       o.segment && *o.segment ? o.segment : NULL, &cur);
  if (rc != LR_OK) goto done;
  /* header */
  if (o.json) {
    lrb_adds(&w.b, "[");
  } else {
    for (int i = 0; i < n; i++) {
      const char *label = o.field_names ? cols[i].name : cols[i].label;
      if (i) lrb_addc(&w.b, ',');
      put_text(&w, label, strlen(label), o.raw);  /* headers come from CSVs too */
    }
    lrb_adds(&w.b, "\r\n");
  }
  long long rows = 0;
  int got;
  while ((got = lrs_export_next(cur, vals)) == 1) {
    if (o.json) {
      lrb_adds(&w.b, rows ? ",\n{" : "\n{");
      for (int i = 0; i < n; i++) {
        const char *label = o.field_names ? cols[i].name : cols[i].label;
        if (i) lrb_addc(&w.b, ',');
        lrb_json_str(&w.b, label, strlen(label));
        lrb_addc(&w.b, ':');
        put_value(&w, &vals[i], 1, o.raw);
      }
      lrb_addc(&w.b, '}');
    } else {
      for (int i = 0; i < n; i++) {
        if (i) lrb_addc(&w.b, ',');
        put_value(&w, &vals[i], 0, o.raw);
      }
      lrb_adds(&w.b, "\r\n");
    }
    rows++;
    if (w.b.oom) break;
    flush(&w, 0);
    if (w.failed) break;
  }
  if (got < 0) {
    rc = -got;
    goto done;
  }
  if (o.json) lrb_adds(&w.b, rows ? "\n]\n" : "]\n");
  if (!rows && o.note && ((o.stage && *o.stage) ||
                          (o.segment && *o.segment))) {
    rc = empty_note(db, &o);
    if (rc != LR_OK) goto done;
  }
  if (w.b.oom) {
    rc = lr__err(db, LR_NOMEM, "out of memory");
    goto done;
  }
  flush(&w, 1);
  if (w.failed) {
    rc = lr__err(db, LR_IO, "export: writing the output failed");
    goto done;
  }
  rc = lr__ok(db);
done:
  lrs_export_close(cur);
  if (owned)
    for (int i = 0; i < cap; i++) free(owned[i]);
  free(owned);
  free(cols);
  free(vals);
  free(names);
  lrb_free(&w.b);
  lrs_fields_free(&f);
  return rc;
}
