/*
** test_wal_limit.c -- a big transaction's WAL does not stay big on disk
** while another connection keeps the file open (journal_size_limit).
*/
#include <sys/stat.h>

#include "leadrules.h"
#include "store/db_int.h"
#include "t_db.h"

static long long file_size(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static void test_wal_cut_back(void) {
  const char *p = t_path("wal.db");
  char wal[4096];
  snprintf(wal, sizeof wal, "%s-wal", p);
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_OK);
  sqlite3 *other;                  /* keeps the WAL from being deleted */
  CHECK_INT(sqlite3_open(p, &other), SQLITE_OK);
  CHECK_INT(sqlite3_exec(other, "SELECT count(*) FROM meta", 0, 0, 0), SQLITE_OK);
  /* About 100 MB in one transaction, as a run over many contacts. */
  CHECK_INT(sqlite3_exec(db->sql,
                         "CREATE TABLE big(x); BEGIN; "
                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                         "SELECT i + 1 FROM n WHERE i < 100000) "
                         "INSERT INTO big SELECT zeroblob(1000) FROM n; COMMIT",
                         0, 0, 0), SQLITE_OK);
  CHECK(file_size(wal) > 90000000);
  /* The next write restarts the checkpointed WAL and cuts it back. */
  CHECK_INT(sqlite3_exec(db->sql, "INSERT INTO big VALUES(1)", 0, 0, 0), SQLITE_OK);
  CHECK(file_size(wal) <= 64ll << 20);
  sqlite3_close(other);
  lr_close(db);
}

int main(void) {
  t_tmpdir();
  test_wal_cut_back();
  return t_done();
}
