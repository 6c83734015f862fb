/*
** header.c -- from a header row to field names: fold, --map, CRM aliases,
** and the checks that make a name unambiguous.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

static char *trimmed(const lrc_cell *c) {
  const char *p = c->p ? c->p : "";
  size_t n = c->p ? c->n : 0;
  while (n && (*p == ' ' || *p == '\t')) { p++; n--; }
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  char *s = malloc(n + 1);
  if (s) {
    if (n) memcpy(s, p, n);
    s[n] = '\0';
  }
  return s;
}

void lrc_header_free(lrc_header *h) {
  for (int i = 0; i < h->n; i++) free(h->cols[i].header);
  free(h->cols);
  h->cols = NULL;
  h->n = 0;
}

static int find_header(const lrc_header *h, const char *want) {
  for (int i = 0; i < h->n; i++)
    if (strcmp(h->cols[i].header, want) == 0) return i;
  char f[LRC_NAME_MAX + 1];
  lr_fold_name(want, f, sizeof f);
  if (!*f) return -1;
  for (int i = 0; i < h->n; i++) {
    char g[LRC_NAME_MAX + 1];
    lr_fold_name(h->cols[i].header, g, sizeof g);
    if (!*g) snprintf(g, sizeof g, "column_%d", i + 1);   /* as named */
    if (strcmp(f, g) == 0) return i;
  }
  return -1;
}

int lrc_header_find(const lrc_header *h, const char *want) {
  for (int i = 0; i < h->n; i++)
    if (!h->cols[i].skip && strcmp(h->cols[i].name, want) == 0) return i;
  int i = find_header(h, want);
  if (i >= 0 && h->cols[i].skip) return -1;
  if (i >= 0) return i;
  char f[LRC_NAME_MAX + 1];
  lr_fold_name(want, f, sizeof f);
  for (i = 0; i < h->n; i++)
    if (!h->cols[i].skip && *f && strcmp(h->cols[i].name, f) == 0) return i;
  return -1;
}

static int apply_map(lrc_header *h, const char *map, const char *file,
                     lr_buf *err) {
  const char *eq = strrchr(map, '=');
  if (!eq || eq == map) {
    lrb_printf(err, "--map '%s': expected 'Header=field' (or 'Header=' to "
               "skip the column)", map);
    return LR_MISUSE;
  }
  char head[1024];
  snprintf(head, sizeof head, "%.*s", (int)(eq - map), map);
  int i = find_header(h, head);
  if (i < 0) {
    lrb_printf(err, "--map '%s': %s has no column '%s'", map, file, head);
    return LR_MISUSE;
  }
  lrc_col *c = &h->cols[i];
  if (c->mapped || c->skip) {
    lrb_printf(err, "--map '%s': column '%s' is mapped twice", map,
               c->header);
    return LR_MISUSE;
  }
  if (!eq[1]) {
    c->skip = 1;
    c->name[0] = '\0';
    return LR_OK;
  }
  lr_fold_name(eq + 1, c->name, sizeof c->name);
  if (!c->name[0]) {
    lrb_printf(err, "--map '%s': '%s' is not a usable field name (use "
               "letters, digits and _)", map, eq + 1);
    return LR_MISUSE;
  }
  c->mapped = 1;
  return LR_OK;
}

/* CRM aliases: "Job Title" is `title` unless the file also has a column
** that already is `title`, or two columns claim it. */
static void apply_aliases(lrc_header *h) {
  for (int i = 0; i < h->n; i++) {
    lrc_col *c = &h->cols[i];
    if (c->mapped || c->skip) continue;
    const char *to = lrc_alias(c->name);
    if (!to) continue;
    int clash = 0;
    for (int j = 0; j < h->n && !clash; j++) {
      if (j == i || h->cols[j].skip) continue;
      const char *other = h->cols[j].mapped ? NULL : lrc_alias(h->cols[j].name);
      clash = strcmp(h->cols[j].name, to) == 0 ||
              (other && strcmp(other, to) == 0);
    }
    if (!clash) snprintf(c->name, sizeof c->name, "%s", to);
  }
}

int lrc_header_resolve(lrc_header *h, const lrc_row *row, int kind,
                       const char *const *maps, int n_maps, const char *file,
                       lr_buf *err) {
  h->cols = calloc((size_t)row->n, sizeof *h->cols);
  if (!h->cols) {
    lrb_adds(err, "out of memory");
    return LR_NOMEM;
  }
  for (int i = 0; i < row->n; i++) {
    lrc_col *c = &h->cols[i];
    if (!(c->header = trimmed(&row->cells[i]))) {
      lrc_header_free(h);
      lrb_adds(err, "out of memory");
      return LR_NOMEM;
    }
    h->n++;
    lr_fold_name(c->header, c->name, sizeof c->name);
    if (!c->name[0]) snprintf(c->name, sizeof c->name, "column_%d", i + 1);
  }
  for (int k = 0; k < n_maps; k++) {
    int rc = apply_map(h, maps[k], file, err);
    if (rc != LR_OK) return rc;
  }
  if (kind == LR_CONTACTS) apply_aliases(h);
  for (int j = 1; j < h->n; j++) {
    if (h->cols[j].skip) continue;
    for (int i = 0; i < j; i++) {
      if (h->cols[i].skip || strcmp(h->cols[i].name, h->cols[j].name) != 0)
        continue;
      if (strcmp(h->cols[i].header, h->cols[j].header) == 0)
        lrb_printf(err, "%s:%lld: column '%s': duplicate header (columns %d "
                   "and %d); rename one: --map '%s=NAME' names the first",
                   file, row->line, h->cols[j].header, i + 1, j + 1,
                   h->cols[j].header);
      else
        lrb_printf(err, "%s:%lld: column '%s': becomes field '%s', like "
                   "column '%s'; rename one: --map '%s=NAME'", file,
                   row->line, h->cols[j].header, h->cols[j].name,
                   h->cols[i].header, h->cols[j].header);
      return LR_INPUT;
    }
  }
  return LR_OK;
}
