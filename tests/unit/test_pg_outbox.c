/*
** test_pg_outbox.c -- the outbox's reads and acknowledgements
** (lr_outbox_each, lr_outbox_ack, lr_outbox_acked) on the database named
** by $LR_OUTBOX_DB, printed as text to stdout: tests/cli/test_pg_manual.sh
** runs it on an SQLite file and on a PostgreSQL database after the same
** runs and compares the two outputs byte for byte.  Without
** $LR_OUTBOX_DB (a plain ctest run) there is nothing to read: it passes.
*/
#include "t.h"
#include "leadrules.h"

#include <stdlib.h>

static int print_row(void *ctx, const lr_outbox_row *r) {
  int *n = ctx;
  printf("%lld %lld %s %s %s\n", r->id, r->at, r->kind, r->key, r->json);
  return ++*n >= 1000;
}

static void acked(lr_db *db, const char *who) {
  long long id = -1;
  CHECK_INT(lr_outbox_acked(db, who, &id), LR_OK);
  printf("acked %s %lld\n", who, id);
}

int main(void) {
  const char *path = getenv("LR_OUTBOX_DB");
  if (!path) return t_done();
  lr_db *db = NULL;
  if (lr_open(path, &db) != LR_OK) {
    fprintf(stderr, "%s\n", lr_errmsg(db));
    return 1;
  }
  int n = 0;
  CHECK_INT(lr_outbox_each(db, 0, 3, print_row, &n), LR_OK);
  CHECK_INT(n, 3);
  acked(db, "sync");
  CHECK_INT(lr_outbox_ack(db, "sync", 3), LR_OK);
  CHECK_INT(lr_outbox_ack(db, "sync", 1), LR_OK);      /* older: ignored */
  acked(db, "sync");
  acked(db, "other");
  n = 0;
  CHECK_INT(lr_outbox_each(db, 3, 0, print_row, &n), LR_OK);
  printf("%d rows after 3\n", n);
  CHECK_INT(lr_outbox_each(db, 0, 0, NULL, NULL), LR_MISUSE);
  CHECK_INT(lr_outbox_ack(db, NULL, 1), LR_MISUSE);
  lr_close(db);
  fflush(stdout);
  return t_done();
}
