/*
** tqdb.h -- test helpers over a real database file: plain SQL through a
** separate sqlite3 connection (as another process would see the file), a
** fresh database per test, and loading a policy from a string.  With
** LR_TEST_DB=postgresql each is a PostgreSQL database (t_pg.h).
*/
#ifndef LR_TQDB_H
#define LR_TQDB_H

#include "leadrules.h"
#include "t_db.h"

static lr_db *db;
static const char *dbpath;

__attribute__((unused)) static void sql(const char *q) { t_sql(dbpath, q); }
__attribute__((unused)) static long long sql_int(const char *q) {
  return t_sql_int(dbpath, q);
}
__attribute__((unused)) static double sql_real(const char *q) {
  return t_sql_real(dbpath, q);
}
__attribute__((unused)) static const char *sql_text(const char *q) {
  return t_sql_text(dbpath, q);
}

/* A fresh, empty database named PREFIX<n>.db; then `setup` SQL. */
__attribute__((unused)) static void fresh_db(const char *prefix,
                                             const char *setup) {
  if (db) lr_close(db);
  db = NULL;
  static int n;
  char name[128];
  snprintf(name, sizeof name, "%s%d.db", prefix, n++);
  static char path[1200];
  snprintf(path, sizeof path, "%s", t_db_fresh(name));
  dbpath = path;
  if (lr_open(dbpath, &db) != LR_OK) {
    fprintf(stderr, "cannot create %s: %s\n", dbpath, lr_errmsg(db));
    exit(2);
  }
  lr_close(db);
  db = NULL;
  if (setup) sql(setup);
  if (lr_open(dbpath, &db) != LR_OK) {
    fprintf(stderr, "cannot open %s: %s\n", dbpath, lr_errmsg(db));
    exit(2);
  }
}

__attribute__((unused)) static lr_policy *policy(const char *src) {
  lr_policy *p = NULL;
  if (lr_policy_load_string(db, "policy.lua", src, strlen(src), NULL, &p) !=
      LR_OK) {
    fprintf(stderr, "policy does not load: %s\n", lr_errmsg(db));
    exit(2);
  }
  return p;
}

/* Run a policy at `now` (one job); returns the result code. */
__attribute__((unused)) static int run_at(lr_policy *p, long long now,
                                          int override_manual) {
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = now;
  o.jobs = 1;
  o.override_manual = override_manual;
  int rc = lr_run(p, &o, NULL);
  if (rc != LR_OK) fprintf(stderr, "run failed: %s\n", lr_errmsg(db));
  return rc;
}

/* sha256 of the database file after a checkpoint (nothing-written checks);
** on PostgreSQL a digest of every table's rows (t_pg_digest). */
__attribute__((unused)) static void file_hash(char out[128]) {
  if (t_is_uri(dbpath)) {
    snprintf(out, 128, "%016llx", t_pg_digest(dbpath));
    return;
  }
  char cmd[2600];
  snprintf(cmd, sizeof cmd, "sqlite3 '%s' 'PRAGMA wal_checkpoint(TRUNCATE)' "
           ">/dev/null && sha256sum < '%s'", dbpath, dbpath);
  FILE *f = popen(cmd, "r");
  out[0] = 0;
  if (f) {
    if (!fgets(out, 128, f)) out[0] = 0;
    pclose(f);
  }
}

#endif
