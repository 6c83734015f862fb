/*
** test_checkpointer.c -- the log copied back from a thread (store/
** checkpointer.h) on a real database file: many small commits, as serve
** makes them, are copied back by the thread's passes, the log stays
** bounded by the writer's own checkpoint, and every row is there after
** the thread stopped and the file was opened again.
*/
#include <sys/stat.h>
#include <time.h>

#include "leadrules.h"
#include "store/checkpointer.h"
#include "store/realtime_io.h"
#include "t_db.h"

#define SOFT 64                   /* log pages: small, for a small test */
#define HARD 256

static long long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Eight activities a commit, each with a wide campaign (in the table and
** its covering index): about ten log pages a commit. */
static void commits(lr_db *db, long long id, int n) {
  static long long at = 1790000000LL;
  char wide[3000];
  memset(wide, 'c', sizeof wide - 1);
  wide[sizeof wide - 1] = '\0';
  for (int i = 0; i < n; i++) {
    CHECK_INT(lrs_begin(db), LR_OK);
    for (int k = 0; k < 8; k++)
      CHECK_INT(lrs_rt_activity(db, id, "visit", at++, 0, 0, wide,
                                1790000000LL), LR_OK);
    CHECK_INT(lrs_commit(db), LR_OK);
  }
}

static void wait_passes(lrs_ckpt *c) {
  struct timespec ms = { 0, 1000000 };
  for (int i = 0; i < 10000 && lrs_ckpt_passes(c) == 0; i++) nanosleep(&ms, NULL);
}

int main(void) {
  t_tmpdir();
  const char *path = t_path("ckpt.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lrs_sync_normal(db);
  long long id = 0;
  int created = 0;
  CHECK_INT(lrs_rt_contact(db, "a@x.com", 1, 1790000000LL, &id, &created),
            LR_OK);
  lrs_ckpt *c = NULL;
  CHECK_INT(lrs_ckpt_start(db, SOFT, HARD, &c), LR_OK);
  CHECK(c != NULL);
  /* Past SOFT pages of log: the thread wakes and copies. */
  commits(db, id, 40);
  wait_passes(c);
  CHECK(lrs_ckpt_passes(c) > 0);
  /* Past HARD: the log stays within it and one pass's commits. */
  commits(db, id, 400);
  char wal[4200];
  snprintf(wal, sizeof wal, "%s-wal", path);
  long long page = t_sql_int(path, "PRAGMA page_size");
  CHECK(file_size(wal) <= 4 * HARD * (page + 24) + 32);
  CHECK(file_size(wal) > 0);
  lrs_ckpt_stop(c);
  lrs_ckpt_stop(NULL);                       /* a no-op */
  lr_close(db);
  CHECK_INT(t_sql_int(path, "SELECT count(*) FROM activities"), 8 * 440);
  /* No thread on a database in memory: the writer checkpoints alone. */
  CHECK_INT(lr_open(":memory:", &db), LR_OK);
  CHECK_INT(lrs_ckpt_start(db, SOFT, HARD, &c), LR_OK);
  CHECK(c == NULL);
  lr_close(db);
  return t_done();
}
