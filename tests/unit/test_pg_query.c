/*
** test_pg_query.c -- query.h's cursors (the shell's query(), a
** contact's row and activities) on the database named by $LR_QUERY_DB,
** printed as text: each line of the file $LR_QUERY_SQL is one query
** (its rows, or "error: ..."), then contact #$LR_QUERY_ID's row and
** activities, and what lr_contact_get gives of it (its grades and group
** scores in order).  tests/cli/test_pg_manual.sh runs it on an SQLite file and
** on a PostgreSQL database with the same data and compares the outputs,
** and checks that hostile SQL is refused on PostgreSQL.  Without
** $LR_QUERY_DB (a plain ctest run) there is nothing to read: it passes.
*/
#include "t.h"
#include "leadrules.h"
#include "store/query.h"
#include "store/snap.h"

#include <stdlib.h>

static void print_rows(lrs_snap *snap, lrs_rows *r) {
  const lrs_value *row;
  int got, n = lrs_rows_columns(r);
  (void)snap;
  while ((got = lrs_rows_next(r, &row)) == 1) {
    for (int i = 0; i < n; i++) {
      const lrs_value *v = &row[i];
      printf("%s%s=", i ? "|" : "", lrs_rows_name(r, i));
      if (v->type == LRS_INT) printf("%lld", v->i);
      else if (v->type == LRS_FLOAT) printf("%.15g", v->r);
      else if (v->type == LRS_STR) printf("'%.*s'", (int)v->n, v->s);
      else printf("NULL");
    }
    printf("\n");
  }
  if (got < 0) printf("error: %s\n", lrs_rows_errmsg(r));
}

int main(void) {
  const char *path = getenv("LR_QUERY_DB"), *file = getenv("LR_QUERY_SQL");
  if (!path || !file) return t_done();
  lr_db *db = NULL;
  if (lr_open(path, &db) != LR_OK) {
    fprintf(stderr, "%s\n", lr_errmsg(db));
    return 1;
  }
  lrs_snap *snap = lrs_snap_main(db);
  FILE *f = fopen(file, "r");
  char line[4096];
  while (f && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    char err[1024] = "";
    lrs_rows *r = NULL;
    printf("> %s\n", line);
    if (lrs_query_open(snap, line, &r, err, sizeof err) != LR_OK) {
      printf("error: %s\n", err);
      continue;
    }
    for (int i = 1; i <= lrs_rows_params(r); i++) {
      lrs_value v = { LRS_INT, 3, 0, NULL, 0 };
      lrs_rows_bind(r, i, &v);
    }
    print_rows(snap, r);
    lrs_rows_close(r);
  }
  if (f) fclose(f);
  long long id = getenv("LR_QUERY_ID") ? atoll(getenv("LR_QUERY_ID")) : 1;
  lrs_rows *r = NULL;
  CHECK_INT(lrs_contact_row_open(snap, id, &r), LR_OK);
  if (r) print_rows(snap, r);
  lrs_rows_close(r);
  r = NULL;
  CHECK_INT(lrs_contact_acts_open(snap, id, &r), LR_OK);
  if (r) print_rows(snap, r);
  lrs_rows_close(r);
  char key[24];
  snprintf(key, sizeof key, "#%lld", id);
  lr_contact *c = NULL;
  CHECK_INT(lr_contact_get(db, key, &c), LR_OK);
  if (c) {
    printf("%lld %s %s %.15g %s %s %lld %lld %lld %lld %lld %lld\n", c->id,
           c->key, c->stage ? c->stage : "-", c->score,
           c->grade ? c->grade : "-", c->owner ? c->owner : "-",
           c->assigned_at, c->due_at, c->stage_since, c->manual_at,
           c->manual_until, c->updated_at);
    for (int i = 0; i < c->n_grades; i++)
      printf("grade %s=%s\n", c->grades[i].name,
             c->grades[i].grade ? c->grades[i].grade : "-");
    for (int i = 0; i < c->n_scores; i++)
      printf("score %s=%.15g\n", c->scores[i].name, c->scores[i].score);
  }
  lr_contact_free(c);
  CHECK_INT(lr_contact_get(db, "nobody@nowhere.example", &c), LR_NOTFOUND);
  lr_close(db);
  fflush(stdout);
  return t_done();
}
