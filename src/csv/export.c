/*
** export.c -- lr_export: contacts as RFC 4180 CSV or a JSON array.
**
** Columns: the key field first, then every field an import wrote, in
** table order, then the engine's stage, owner, score and grade and one
** grade_NAME per stored grade (or the --fields list).  Headers are the
** original CSV headers unless field_names.  Times are ISO-8601 UTC text
** unless epoch (unix seconds).  Numbers are written as numbers: integers as digits, reals
** in their shortest round-trip form (infer.c), so an export re-imports to
** the same values.  A text cell a spreadsheet would run as a formula
** (leading = + - @ TAB CR) gets a ' in front unless raw; numbers are never
** touched (-5 stays -5, while the text "-5 apples" becomes '-5 apples).
** JSON is for programs and is never neutralised; control characters and
** invalid UTF-8 are escaped.  Output goes through `write` in 64 KiB
** pieces; memory does not grow with the number of contacts.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/accounts.h"
#include "../store/contacts_io.h"
#include "../store/report_sql.h"
#include "../util/timefmt.h"
#include "csv.h"

#define FLUSH_AT (64u << 10)

typedef struct col {
  const char *name;
  const char *label;
  int grade;                 /* a grade out of contacts.grades */
  int time;                  /* unix seconds: written as ISO-8601 text */
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

/* Columns that hold unix seconds (engine-owned, or created_at). */
static const char *const TIME_COLS[] = {
  "created_at", "due_at", "assigned_at", "stage_since", "updated_at",
  "manual_at", "manual_until", "data_at",
};

static int is_time_col(const char *name) {
  for (size_t i = 0; i < sizeof TIME_COLS / sizeof *TIME_COLS; i++)
    if (strcmp(name, TIME_COLS[i]) == 0) return 1;
  return 0;
}

/* cols[*n] = name (a grade when grade), unless it is there already. */
static int add_col(col *cols, int *n, const char *name, const char *label,
                   int grade) {
  for (int i = 0; i < *n; i++)
    if (strcmp(cols[i].name, name) == 0 && cols[i].grade == grade) return 0;
  cols[*n].name = name;
  cols[*n].label = label && *label ? label : name;
  cols[*n].grade = grade;
  cols[*n].time = !grade && is_time_col(name);
  (*n)++;
  return 1;
}

/* The grade names of the database, with their column labels "grade_NAME"
** (NULL where a field already has that name: the field wins). */
typedef struct gradecols {
  char **names, **labels;
  int n;
} gradecols;

static void gradecols_free(gradecols *g) {
  lrs_strings_free(g->names);
  if (g->labels)
    for (int i = 0; i < g->n; i++) free(g->labels[i]);
  free(g->labels);
  memset(g, 0, sizeof *g);
}

static int gradecols_load(lr_db *db, const lrs_fields *f, gradecols *g) {
  int rc = lrs_grade_names(db, &g->names, &g->n);
  if (rc != LR_OK) return rc;
  g->labels = calloc((size_t)g->n + 1, sizeof *g->labels);
  if (!g->labels) return lr__err(db, LR_NOMEM, "out of memory");
  for (int i = 0; i < g->n; i++) {
    size_t len = strlen(g->names[i]) + 7;
    char *l = malloc(len);
    if (!l) return lr__err(db, LR_NOMEM, "out of memory");
    snprintf(l, len, "grade_%s", g->names[i]);
    if (lrs_fields_find(f, l) || lrs_contacts_has_column(db, l)) {
      free(l);
      l = NULL;
    }
    g->labels[i] = l;
  }
  return LR_OK;
}

/* The known name nearest a mistyped t, for the error ("did you mean"). */
static const char *nearest_col(const lrs_fields *f, const gradecols *g,
                               const char *t) {
  enum { MAXN = 512 };
  const char *names[MAXN];
  int n = 0;
  for (size_t i = 0; i < sizeof ENGINE_COLS / sizeof *ENGINE_COLS; i++)
    names[n++] = ENGINE_COLS[i];
  for (size_t i = 0; i < sizeof TIME_COLS / sizeof *TIME_COLS; i++)
    names[n++] = TIME_COLS[i];
  for (int i = 0; i < f->n && n < MAXN; i++) names[n++] = f->v[i].name;
  for (int i = 0; i < g->n && n < MAXN; i++)
    if (g->labels[i]) names[n++] = g->labels[i];
  return lr_nearest(t, names, n);
}

/* Which column a name given by the user means: a field or contacts column
** by its name, a field by its original header or its folded form, or
** grade_NAME.
** Sets *x; *owned when x->name had to be copied.  LR_INPUT when none. */
static int resolve(lr_db *db, const lrs_fields *f, const gradecols *g,
                   const char *t, col *x, char **owned, const char *opt) {
  /* A column's own name before another's header: `score` is leadrules'
  ** score even when a CRM's "Score" column was imported as crm_score. */
  const lrs_field *hit = lrs_fields_find(f, t);
  if (!hit && (strcmp(t, "import_seq") == 0 || !lrs_contacts_has_column(db, t)))
    hit = lrs_fields_resolve(f, t);
  memset(x, 0, sizeof *x);
  *owned = NULL;
  if (hit) {
    x->name = hit->name;
    x->label = hit->header;
  } else if (strcmp(t, "import_seq") != 0 && lrs_contacts_has_column(db, t)) {
    if (!(*owned = strdup(t))) return lr__err(db, LR_NOMEM, "out of memory");
    x->name = x->label = *owned;
  } else {
    for (int i = 0; i < g->n && !x->name; i++)
      if (g->labels[i] && strcmp(g->labels[i], t) == 0) {
        x->name = g->names[i];
        x->label = g->labels[i];
        x->grade = 1;
      }
    if (!x->name) {
      const char *near = nearest_col(f, g, t);
      if (near)
        return lr__err(db, LR_INPUT, "%s: no field '%s'; did you mean '%s'? "
                       "(see leadrules info for the fields%s)", opt, t, near,
                       g->n ? "; grades are grade_NAME" : "");
      return lr__err(db, LR_INPUT, "%s: no field '%s' (see leadrules "
                     "info for the fields%s)", opt, t,
                     g->n ? "; grades are grade_NAME" : "");
    }
  }
  x->time = !x->grade && is_time_col(x->name);
  return LR_OK;
}

/* Each item of a comma-separated list, trimmed; empty items skipped. */
static int each_item(lr_db *db, const char *list,
                     int (*fn)(void *ctx, const char *item), void *ctx) {
  char *copy = strdup(list);
  if (!copy) return lr__err(db, LR_NOMEM, "out of memory");
  int rc = LR_OK;
  for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && rc == LR_OK;
       t = strtok_r(NULL, ",", &save)) {
    while (*t == ' ') t++;
    size_t len = strlen(t);
    while (len && t[len - 1] == ' ') t[--len] = '\0';
    if (*t) rc = fn(ctx, t);
  }
  free(copy);
  return rc;
}

/* Columns being chosen (--fields, --sort): strings copied along the way
** are kept in owned[] until the export ends. */
typedef struct picker {
  lr_db *db;
  const lrs_fields *f;
  const gradecols *g;
  col *cols;
  int n, cap;
  char **owned;
  int nowned;
  const char *opt;
} picker;

static int pick_one(void *ctx, const char *t) {
  picker *p = ctx;
  if (p->n >= p->cap) return LR_OK;
  col x;
  char *own = NULL;
  int rc = resolve(p->db, p->f, p->g, t, &x, &own, p->opt);
  if (rc != LR_OK) return rc;
  if (add_col(p->cols, &p->n, x.name, x.label, x.grade)) {
    p->cols[p->n - 1].time = x.time;
    if (own) p->owned[p->nowned++] = own;   /* at most one per column */
  } else {
    free(own);
  }
  return LR_OK;
}

/* A list of names (--fields or --sort) into p->cols. */
static int pick(picker *p, const char *list) {
  int rc = each_item(p->db, list, pick_one, p);
  if (rc == LR_OK && p->n == 0)
    rc = lr__err(p->db, LR_INPUT, "%s: no fields given", p->opt);
  return rc;
}

static void default_fields(lr_db *db, const lrs_fields *f, const gradecols *g,
                           col *cols, int *n) {
  const lrs_field *key = lrs_fields_find(f, lrs_key_field(db));
  if (key && (key->imported || !key->builtin))
    add_col(cols, n, key->name, key->header, 0);
  for (int i = 0; i < f->n; i++) {
    const lrs_field *x = &f->v[i];
    if (strcmp(x->name, "stage") == 0 || strcmp(x->name, "owner") == 0)
      continue;
    if (x->imported || !x->builtin) add_col(cols, n, x->name, x->header, 0);
  }
  for (size_t i = 0; i < sizeof ENGINE_COLS / sizeof *ENGINE_COLS; i++) {
    const lrs_field *x = lrs_fields_find(f, ENGINE_COLS[i]);
    add_col(cols, n, ENGINE_COLS[i], x && x->imported ? x->header : NULL, 0);
  }
  for (int i = 0; i < g->n; i++)
    if (g->labels[i]) add_col(cols, n, g->names[i], g->labels[i], 1);
  /* The contact's account, once the database has accounts ("account",
  ** unless an imported field has that name). */
  if (lrs_accounts_any(db))
    add_col(cols, n, "account_key", lrs_fields_find(f, "account")
                                        ? "account_key" : "account", 0);
}

/* A CSV text cell, neutralised when a spreadsheet would run it. */
static void put_text(out *o, const char *s, size_t n, int raw) {
  lrc_out_text(&o->b, s, n, raw);
}

static void put_value(out *o, const lrs_value *v, int json, int raw,
                      int iso) {
  char num[32];
  if (iso && v->type == LRS_INT && lru_iso(v->i, num, sizeof num)) {
    if (json) lrb_json_str(&o->b, num, strlen(num));
    else lrb_adds(&o->b, num);
    return;
  }
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

/* Open the cursor for the chosen columns, filters and sort. */
static int open_rows(lr_db *db, const lr_export_opts *o, picker *sel,
                     picker *by, lrs_cursor **cur) {
  lrs_xcol *xc = calloc((size_t)sel->n + (size_t)by->n + 1, sizeof *xc);
  if (!xc) return lr__err(db, LR_NOMEM, "out of memory");
  for (int i = 0; i < sel->n; i++)
    xc[i] = (lrs_xcol){ sel->cols[i].name, sel->cols[i].grade };
  for (int i = 0; i < by->n; i++)
    xc[sel->n + i] = (lrs_xcol){ by->cols[i].name, by->cols[i].grade };
  lrs_export_query q = {
    xc, sel->n, o->stage && *o->stage ? o->stage : NULL,
    o->segment && *o->segment ? o->segment : NULL, xc + sel->n, by->n,
    o->desc,
  };
  int rc = lrs_export_open(db, &q, cur);
  free(xc);
  return rc;
}

/* A header that would read as another column of the same file (a CRM's
** "Score" imported as crm_score, beside leadrules' own score) gives way
** to its field name, so no two columns of an export look alike. */
static void distinct_labels(col *cols, int n) {
  for (int i = 0; i < n; i++) {
    if (cols[i].grade || strcmp(cols[i].label, cols[i].name) == 0) continue;
    char fi[LRC_NAME_MAX + 1], fj[LRC_NAME_MAX + 1];
    lr_fold_name(cols[i].label, fi, sizeof fi);
    for (int j = 0; j < n; j++) {
      if (j == i) continue;
      lr_fold_name(cols[j].label, fj, sizeof fj);
      if (strcmp(fi, fj) == 0 || strcmp(fi, cols[j].name) == 0) {
        cols[i].label = cols[i].name;
        break;
      }
    }
  }
}

static void put_header(out *w, const lr_export_opts *o, const picker *sel) {
  if (o->json) {
    lrb_adds(&w->b, "[");
    return;
  }
  for (int i = 0; i < sel->n; i++) {
    const char *label = o->field_names && !sel->cols[i].grade
                            ? sel->cols[i].name : sel->cols[i].label;
    if (i) lrb_addc(&w->b, ',');
    put_text(w, label, strlen(label), o->raw);  /* headers come from CSVs too */
  }
  lrb_adds(&w->b, "\r\n");
}

static void put_row(out *w, const lr_export_opts *o, const picker *sel,
                    const lrs_value *vals, long long rows) {
  if (o->json) lrb_adds(&w->b, rows ? ",\n{" : "\n{");
  for (int i = 0; i < sel->n; i++) {
    const col *c = &sel->cols[i];
    if (i) lrb_addc(&w->b, ',');
    if (o->json) {
      const char *label = o->field_names && !c->grade ? c->name : c->label;
      lrb_json_str(&w->b, label, strlen(label));
      lrb_addc(&w->b, ':');
    }
    put_value(w, &vals[i], o->json, o->raw, c->time && !o->epoch);
  }
  lrb_adds(&w->b, o->json ? "}" : "\r\n");
}

/* Stream the rows; LR_OK or the error (set on db). */
static int put_rows(lr_db *db, out *w, const lr_export_opts *o,
                    const picker *sel, lrs_cursor *cur, lrs_value *vals,
                    long long *nrows) {
  put_header(w, o, sel);
  long long rows = 0;
  int got;
  while ((got = lrs_export_next(cur, vals)) == 1) {
    put_row(w, o, sel, vals, rows++);
    if (w->b.oom) break;
    flush(w, 0);
    if (w->failed) break;
  }
  if (got < 0) return -got;
  *nrows = rows;
  if (o->json) lrb_adds(&w->b, rows ? "\n]\n" : "]\n");
  if (w->b.oom) return lr__err(db, LR_NOMEM, "out of memory");
  flush(w, 1);
  if (w->failed) return lr__err(db, LR_IO, "export: writing the output failed");
  return LR_OK;
}

static void picker_free(picker *p) {
  if (p->owned)
    for (int i = 0; i < p->nowned; i++) free(p->owned[i]);
  free(p->owned);
  free(p->cols);
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
  gradecols g = { 0 };
  /* One read snapshot for the field list, the grade names and the rows. */
  int rc = lrs_report_begin(db);
  if (rc != LR_OK) return rc;
  if ((rc = lrs_fields_load(db, &f)) != LR_OK) {
    lrs_report_end(db);
    return rc;
  }
  rc = gradecols_load(db, &f, &g);
  int cap = f.n + g.n + 64;   /* fields, grades, engine columns */
  picker sel = { db, &f, &g, calloc((size_t)cap, sizeof(col)), 0, cap,
                 calloc((size_t)cap, sizeof(char *)), 0, "--fields" };
  picker by = { db, &f, &g, calloc((size_t)cap, sizeof(col)), 0, cap,
                calloc((size_t)cap, sizeof(char *)), 0, "--sort" };
  lrs_value *vals = calloc((size_t)cap, sizeof *vals);
  out w = { write, ctx, LR_BUF_INIT, 0 };
  lrs_cursor *cur = NULL;
  if (rc == LR_OK && (!sel.cols || !sel.owned || !by.cols || !by.owned || !vals))
    rc = lr__err(db, LR_NOMEM, "out of memory");
  if (rc == LR_OK) {
    if (o.fields && *o.fields) rc = pick(&sel, o.fields);
    else default_fields(db, &f, &g, sel.cols, &sel.n);
  }
  if (rc == LR_OK) distinct_labels(sel.cols, sel.n);
  if (rc == LR_OK && o.sort && *o.sort) rc = pick(&by, o.sort);
  if (rc == LR_OK) rc = open_rows(db, &o, &sel, &by, &cur);
  long long rows = 0;
  if (rc == LR_OK) rc = put_rows(db, &w, &o, &sel, cur, vals, &rows);
  if (rc == LR_OK && !rows && o.note &&
      ((o.stage && *o.stage) || (o.segment && *o.segment)))
    rc = empty_note(db, &o);
  if (rc == LR_OK) rc = lr__ok(db);
  lrs_export_close(cur);
  lrs_report_end(db);
  picker_free(&sel);
  picker_free(&by);
  free(vals);
  lrb_free(&w.b);
  gradecols_free(&g);
  lrs_fields_free(&f);
  return rc;
}
