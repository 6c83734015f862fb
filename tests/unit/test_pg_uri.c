/*
** test_pg_uri.c -- lr_open on a PostgreSQL URI that cannot connect
** (port 1 on loopback refuses at once): the handle says it is on
** PostgreSQL, and neither lr_db_path nor the error shows the password,
** wherever the URI carries it.  No server needed.
*/
#include "t.h"
#include "leadrules.h"

static void refused(const char *uri, const char *shown, const char *secret) {
  lr_db *db = NULL;
  CHECK_INT(lr_open(uri, &db), LR_IO);
  CHECK_STR(lr_db_backend(db), "postgresql");
  CHECK_STR(lr_db_path(db), shown);
  CHECK_CONTAINS(lr_errmsg(db), "cannot connect to PostgreSQL");
  CHECK_CONTAINS(lr_errmsg(db), shown);
  CHECK(strstr(lr_errmsg(db), secret) == NULL);
  CHECK(strstr(lr_db_path(db), secret) == NULL);
  lr_close(db);
}

int main(void) {
  refused("postgresql://ann:s3cret@127.0.0.1:1/crm",
          "postgresql://ann@127.0.0.1:1/crm", "s3cret");
  refused("postgres://ann:p@ss@127.0.0.1:1/crm",         /* '@' in it */
          "postgres://ann@127.0.0.1:1/crm", "p@ss");
  refused("postgres://127.0.0.1:1/crm?password=s3cret&sslmode=disable",
          "postgres://127.0.0.1:1/crm?sslmode=disable", "s3cret");
  refused("postgres://127.0.0.1:1/crm?sslmode=disable&password=s3cret",
          "postgres://127.0.0.1:1/crm?sslmode=disable", "s3cret");
  refused("postgresql://127.0.0.1:1/crm?password=s3cret",
          "postgresql://127.0.0.1:1/crm", "s3cret");
  refused("postgresql://ann@127.0.0.1:1/crm", "postgresql://ann@127.0.0.1:1/crm",
          "no password here");

  lr_db *db = NULL;
  CHECK_INT(lr_open(":memory:", &db), LR_OK);
  CHECK_STR(lr_db_backend(db), "sqlite");
  lr_close(db);
  CHECK(lr_db_backend(NULL) == NULL);
  return t_done();
}
