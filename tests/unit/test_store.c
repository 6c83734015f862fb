/*
** test_store.c -- opening, creating, migrating and refusing database files;
** a run's batch of changes (apply.h) written and read back.  With
** LR_TEST_DB=postgresql (t_pg.h) the same on PostgreSQL databases, but for
** what only SQLite's files have (T_SQLITE_ONLY says which).
*/
#include "leadrules.h"
#include "store/apply.h"
#include "store/db_int.h"
#include "store/query.h"
#include "store/realtime_io.h"
#include "store/scan.h"
#include "store/snap.h"
#include "t_db.h"

static void test_create_and_reopen(void) {
  lr_db *db = NULL;
  const char *p = t_db("new.db");
  CHECK_INT(lr_open(p, &db), LR_OK);
  CHECK_STR(lr_errmsg(db), "not an error");
  CHECK_STR(lr_db_backend(db), t_pg() ? "postgresql" : "sqlite");
  CHECK_INT(lr_close(db), LR_OK);
  CHECK_INT(lr_open(p, &db), LR_OK);
  lr_close(db);
  if (t_pg()) {
    CHECK_STR(t_sql_text(p, "SELECT v FROM meta WHERE k='schema_version'"),
              "4");
    CHECK_STR(t_sql_text(p, "SELECT v FROM meta WHERE k='application'"),
              "leadrules");
  }
  T_SQLITE_ONLY("PRAGMA user_version and the WAL journal are the file's");
  sqlite3 *s;
  sqlite3_open(p, &s);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(s, "PRAGMA user_version", -1, &st, NULL);
  sqlite3_step(st);
  CHECK_INT(sqlite3_column_int(st, 0), 4);
  sqlite3_finalize(st);
  sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL);
  sqlite3_step(st);
  CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);
  sqlite3_close(s);
}

/* A PostgreSQL database whose schema holds tables of another application
** is not changed. */
static void refuses_foreign_pg(void) {
  const char *p = t_db("other.db");
  t_sql(p, "CREATE TABLE mine(x integer); INSERT INTO mine VALUES(1)");
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_NOTADB);
  CHECK_CONTAINS(lr_errmsg(db), "not a leadrules database");
  lr_close(db);
  CHECK_INT(t_sql_int(p, "SELECT count(*) FROM pg_tables WHERE "
                      "schemaname = 'public'"), 1);
  CHECK_INT(t_sql_int(p, "SELECT x FROM mine"), 1);
}

static void test_refuses_foreign_file(void) {
  if (t_pg()) refuses_foreign_pg();
  T_SQLITE_ONLY("a file of another application, a text file");
  const char *p = t_path("other.db");
  sqlite3 *s;
  sqlite3_open(p, &s);
  sqlite3_exec(s, "CREATE TABLE mine(x); INSERT INTO mine VALUES(1)", 0, 0, 0);
  sqlite3_close(s);
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_NOTADB);
  CHECK_CONTAINS(lr_errmsg(db), "not a leadrules database");
  lr_close(db);
  /* untouched */
  sqlite3_open(p, &s);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(s, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL);
  sqlite3_step(st);
  CHECK_INT(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(s);

  const char *txt = t_path("text.db");
  t_write(txt, "this is not a database, just text that is long enough to matter\n");
  CHECK_INT(lr_open(txt, &db), LR_NOTADB);
  CHECK_CONTAINS(lr_errmsg(db), "text.db: not a leadrules database");
  lr_close(db);
}

static void test_newer_schema(void) {
  const char *p = t_db("newer.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_OK);
  lr_close(db);
  t_sql(p, t_pg() ? "UPDATE meta SET v='99' WHERE k='schema_version'"
                  : "PRAGMA user_version=99");
  CHECK_INT(lr_open(p, &db), LR_SCHEMA);
  CHECK_CONTAINS(lr_errmsg(db), "newer leadrules (schema version 99");
  lr_close(db);
}

static void test_directory_and_missing(void) {
  lr_db *db = NULL;
  if (!t_pg()) {   /* a database on PostgreSQL: an empty one read-only */
    CHECK_INT(lr_open(t_path(""), &db), LR_IO);
    CHECK_CONTAINS(lr_errmsg(db), "is a directory");
    lr_close(db);
  }
  CHECK_INT(lr_open_v2(t_db("missing.db"), &db, LR_OPEN_READONLY, -1),
            LR_NOTFOUND);
  lr_close(db);
  CHECK_INT(lr_open(NULL, &db), LR_MISUSE);
  lr_close(db);
  CHECK_INT(lr_open("x", NULL), LR_MISUSE);
  CHECK_INT(lr_close(NULL), LR_OK);
  CHECK_STR(lr_errstr(LR_BUSY), "database is locked");
  CHECK_STR(lr_libversion(), LR_VERSION);
}

/* A version-1 file (as the first release wrote it) opens with this build
** and is migrated forward with its data intact. */
static void test_migrate_v1(void) {
  T_SQLITE_ONLY("version 1 was an SQLite file (PostgreSQL began at 4)");
  const char *p = t_path("v1.db");
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "sqlite3 '%s' < '%s'", p,
           t_src("tests/fixtures/schema_v1.sql"));
  CHECK_INT(system(cmd), 0);
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_OK);
  lr_close(db);
  sqlite3 *s;
  sqlite3_open(p, &s);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(s, "SELECT key, score, grade, (SELECT count(*) FROM "
                     "routing_state), stage_since, manual_until, email FROM contacts", -1, &st,
                     NULL);
  CHECK_INT(sqlite3_step(st), SQLITE_ROW);
  CHECK_STR((const char *)sqlite3_column_text(st, 0), "ann@example.com");
  CHECK_INT(sqlite3_column_int(st, 1), 42);
  CHECK_INT(sqlite3_column_type(st, 2), SQLITE_NULL);
  /* Version 3 dates the current stage from its latest entry. */
  CHECK_INT(sqlite3_column_int(st, 4), 3000);
  CHECK_INT(sqlite3_column_type(st, 5), SQLITE_NULL);
  /* and trims the email key's column (v1 stored the cell as written) */
  CHECK_STR((const char *)sqlite3_column_text(st, 6), "Ann@Example.com");
  sqlite3_finalize(st);
  sqlite3_close(s);
}

/* A snapshot sees the committed state of when it was opened, whatever is
** committed later; the main view sees the latest.  Opening one checks its
** first read. */
static void test_snapshot(void) {
  lr_db *db = NULL;
  const char *p = t_db("snap.db");
  CHECK_INT(lr_open(p, &db), LR_OK);
  lrs_snap *snap = NULL;
  CHECK_INT(lrs_snap_open(db, &snap), LR_OK);
  t_sql(p, "INSERT INTO contacts(key) VALUES('a@x.com')");
  long long n = -1, lo = 0, hi = 0;
  CHECK_INT(lrs_contact_span(snap, &n, &lo, &hi), LR_OK);
  CHECK_INT(n, 0);
  CHECK_INT(lrs_contact_span(lrs_snap_main(db), &n, &lo, &hi), LR_OK);
  CHECK_INT(n, 1);
  long long id = 0;
  CHECK_INT(lrs_contact_id(lrs_snap_main(db), "A@x.com ", &id), LR_OK);
  CHECK_INT(id, lo);
  lrs_rows *r = NULL;
  char err[256] = "";
  CHECK_INT(lrs_query_open(lrs_snap_main(db), "SELECT key, 2.5 AS x, NULL "
                           "AS y FROM contacts", &r, err, sizeof err), LR_OK);
  const lrs_value *v = NULL;
  CHECK_INT(lrs_rows_next(r, &v), 1);
  CHECK_STR(lrs_rows_name(r, 0), "key");
  CHECK_STR(v[0].s, "a@x.com");
  CHECK_INT(v[1].type, LRS_FLOAT);
  CHECK_INT(v[2].type, LRS_NULL);
  CHECK_INT(lrs_rows_next(r, &v), 0);
  lrs_rows_close(r);
  /* A table user SQL may not read: the user's error (LR_POLICY), in the
  ** same words on both stores. */
  CHECK_INT(lrs_query_open(lrs_snap_main(db), "SELECT * FROM meta", &r, err,
                           sizeof err), LR_POLICY);
  CHECK_STR(err, "query: it reads the table meta (query() reads contacts, "
            "activities and outcomes only)");
  CHECK_INT(lrs_query_open(lrs_snap_main(db), "SELECT count(*) FROM meta", &r,
                           err, sizeof err), LR_POLICY);
  CHECK_STR(err, "query: it reads the table meta (query() reads contacts, "
            "activities and outcomes only)");
  CHECK_INT(lrs_query_open(lrs_snap_main(db), "SELECT key FROM contacts WHERE "
                           "id IN (SELECT contact_id FROM stage_history)", &r,
                           err, sizeof err), LR_POLICY);
  CHECK_STR(err, "query: it reads the table stage_history (query() reads "
            "contacts, activities and outcomes only)");
  lrs_snap_close(snap);
  /* The first read of a snapshot fails: said, not ignored. */
  t_sql(p, "DROP TABLE meta");
  CHECK_INT(lrs_snap_open(db, &snap), LR_ERROR);
  CHECK(snap == NULL);
  CHECK_CONTAINS(lr_errmsg(db), t_pg() ? "read snapshot: " :
                 "read snapshot: no such table: meta");
  CHECK_CONTAINS(lr_errmsg(db), "meta");
  lr_close(db);
}

/* The first column of the first row of q, as text ("(null)" for none). */
static const char *sql_str(const char *path, const char *q) {
  const char *v = t_sql_text(path, q);
  return strcmp(v, "(none)") == 0 ? "(null)" : v;
}

#define CH_NOW 1790000000LL

/* Contact 1 with a stale part and segment; the batch's strings come from
** a buffer overwritten after each call, so the batch must copy them. */
static void changes_first(lr_db *db, lrs_changes *b) {
  char s[4][64];
#define S(i, v) strcpy(s[i], v)
#define CLOBBER memset(s, 'x', sizeof s - 1)
  CHECK_INT(lrs_changes_contact(b, 1, 1, 12.5, S(0, "mql"), 1, S(1, "A"),
                                S(3, "{\"total\":\"A\"}"), 1,
                                S(2, "{\"fit\":12.5}")), LR_OK);
  CLOBBER;
  CHECK_INT(lrs_changes_contact(b, 2, 1, 3, NULL, 0, NULL, NULL, 0, NULL),
            LR_OK);
  CHECK_INT(lrs_changes_history(b, 1, NULL, S(0, "lead"),
                                S(1, "initial stage"), NULL), LR_OK);
  CLOBBER;
  CHECK_INT(lrs_changes_history(b, 1, S(0, "lead"), S(1, "mql"), S(2, "hot"),
                                S(3, "t1")), LR_OK);
  CLOBBER;
  CHECK_INT(lrs_changes_part_del(b, 1, S(0, "old")), LR_OK);
  CLOBBER;
  CHECK_INT(lrs_changes_part(b, 1, S(0, "fit"), S(1, "fit"), 10, 1), LR_OK);
  CLOBBER;
  CHECK_INT(lrs_changes_part(b, 1, S(0, "web"), NULL, 2.5, 1), LR_OK);
  /* 37 rows: statements of 32, 4 and 1 */
  for (int i = 0; i < 37; i++) {
    snprintf(s[0], sizeof s[0], "r%02d", i);
    CHECK_INT(lrs_changes_part(b, 2, s[0], NULL, i + 1, 1), LR_OK);
    CLOBBER;
  }
  CHECK_INT(lrs_changes_member(b, 1, S(0, "hot"), 1), LR_OK);
  CHECK_INT(lrs_changes_member(b, 1, S(1, "gone"), 0), LR_OK);
  CLOBBER;
  CHECK_INT(lrs_changes_assign(b, 1, S(0, "ann"), S(1, "mql"), CH_NOW + 60),
            LR_OK);
  CLOBBER;
  CHECK_INT(lrs_changes_error(b, 3, S(0, "boom")), LR_OK);
  CLOBBER;
  long long before = lrs_total_changes(db);
  CHECK_INT(lrs_changes_apply(b), LR_OK);
  /* 2 contacts, 2 history, 1 part cleared, 39 parts, 2 members, an
  ** assignment and its owner, an error */
  CHECK_INT(lrs_total_changes(db) - before, 49);
#undef S
#undef CLOBBER
}

static void changes_check_first(const char *p, long long run) {
  char q[512];
  snprintf(q, sizeof q, "SELECT count(*) FROM contacts WHERE id=1 AND "
           "score=12.5 AND stage='mql' AND grade='A' AND scores='{\"fit\":12.5}'"
           " AND grades='{\"total\":\"A\"}'"
           " AND owner='ann' AND assigned_at=%lld AND due_at=%lld AND "
           "updated_at=%lld", CH_NOW, CH_NOW + 60, CH_NOW);
  CHECK_INT(t_sql_int(p, q), 1);
  CHECK_STR(sql_str(p, "SELECT quote(score)||quote(stage)||quote(grade)||"
                    "quote(owner)||quote(grades) FROM contacts WHERE id=2"),
            "3.0NULLNULLNULLNULL");
  CHECK_STR(sql_str(p, "SELECT group_concat(x, ';') FROM (SELECT id||','||"
                    "contact_id||','||quote(from_stage)||','||to_stage||','||at"
                    "||','||run_id||','||reason||','||quote(transition)||','||"
                    "quote(by) AS x FROM stage_history ORDER BY id)"),
            "1,1,NULL,lead,1790000000,1,initial stage,NULL,NULL;"
            "2,1,'lead',mql,1790000000,1,hot,'t1',NULL");
  CHECK_STR(sql_str(p, "SELECT group_concat(rule||'='||points||quote(grp), ' ')"
                    " FROM score_parts WHERE contact_id=1"),
            "fit=10.0'fit' web=2.5NULL");
  CHECK_INT(t_sql_int(p, "SELECT count(*) FROM score_parts WHERE contact_id=2"),
            37);
  CHECK_INT(t_sql_int(p, "SELECT sum(points) FROM score_parts WHERE "
                      "contact_id=2 AND rule GLOB 'r[0-3][0-9]'"), 37 * 38 / 2);
  CHECK_STR(sql_str(p, "SELECT group_concat(segment) FROM segment_members"),
            "hot");
  snprintf(q, sizeof q, "SELECT count(*) FROM assignments WHERE id=1 AND "
           "contact_id=1 AND owner='ann' AND stage='mql' AND at=%lld AND "
           "run_id=%lld AND due=%lld", CH_NOW, run, CH_NOW + 60);
  CHECK_INT(t_sql_int(p, q), 1);
  /* (PostgreSQL's run_errors has no rowid: in the order written) */
  CHECK_STR(sql_str(p, t_pg() ? "SELECT group_concat('1,'||run_id||','||"
                    "contact_id||','||message, ';') FROM run_errors" :
                    "SELECT group_concat(rowid||','||run_id||','||"
                    "contact_id||','||message, ';') FROM run_errors"),
            "1,1,3,boom");
}

/* The same batch again: it was emptied by the first apply. */
static void changes_second(lr_db *db, lrs_changes *b) {
  long long before = lrs_total_changes(db);
  CHECK_INT(lrs_changes_apply(b), LR_OK);      /* nothing queued */
  CHECK_INT(lrs_total_changes(db) - before, 0);
  /* one part updated, the others deleted */
  CHECK_INT(lrs_changes_part(b, 2, "r00", NULL, 7, 0), LR_OK);
  for (int i = 1; i < 37; i++) {
    char r[16];
    snprintf(r, sizeof r, "r%02d", i);
    CHECK_INT(lrs_changes_part_del(b, 2, r), LR_OK);
  }
  CHECK_INT(lrs_changes_member(b, 1, "hot", 0), LR_OK);
  CHECK_INT(lrs_changes_member(b, 2, "gone", 1), LR_OK);
  CHECK_INT(lrs_changes_history(b, 2, NULL, "lead", "initial stage", NULL),
            LR_OK);
  CHECK_INT(lrs_changes_assign(b, 2, "bob", NULL, 0), LR_OK);
  CHECK_INT(lrs_changes_error(b, 1, "bang"), LR_OK);
  CHECK_INT(lrs_changes_apply(b), LR_OK);
  /* 36 parts deleted and 1 updated, 2 members, a history row, an
  ** assignment and its owner, an error */
  CHECK_INT(lrs_total_changes(db) - before, 37 + 2 + 1 + 2 + 1);
}

static void changes_check_second(const char *p) {
  CHECK_STR(sql_str(p, "SELECT group_concat(rule||'='||points) FROM "
                    "score_parts WHERE contact_id=2"), "r00=7.0");
  CHECK_STR(sql_str(p, "SELECT group_concat(contact_id||segment) FROM "
                    "segment_members"), "2gone");
  CHECK_STR(sql_str(p, "SELECT id||to_stage FROM stage_history WHERE "
                    "contact_id=2"), "3lead");
  CHECK_STR(sql_str(p, "SELECT id||owner||quote(stage)||quote(due) FROM "
                    "assignments WHERE contact_id=2"), "2bobNULLNULL");
  CHECK_STR(sql_str(p, "SELECT quote(owner)||quote(due_at) FROM contacts "
                    "WHERE id=2"), "'bob'NULL");
  CHECK_STR(sql_str(p, t_pg() ? "SELECT string_agg(n||message, ',' ORDER "
                    "BY n) FROM (SELECT row_number() OVER () AS n, message "
                    "FROM run_errors) e" :
                    "SELECT group_concat(rowid||message) FROM run_errors"),
            "1boom,2bang");
}

/* PostgreSQL: the last statement the store's connection sent, read by the
** server (pg_stat_activity) as another client: the one connection to p
** inside a transaction. */
static void store_last_sql(const char *p, char *out, size_t n) {
  PGresult *r = PQexec(t_pg_conn(p), "SELECT query FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> "
                       "pg_backend_pid() AND state LIKE 'idle in transaction%'");
  CHECK_INT(PQntuples(r), 1);
  snprintf(out, n, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "?");
  PQclear(r);
}

static void test_changes(void) {
  const char *p = t_db("changes.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_OK);
  t_add_contacts(p, 3);
  t_sql(p, "INSERT INTO score_parts(contact_id, rule, points) "
           "VALUES(1, 'old', 1);"
           "INSERT INTO segment_members(segment, contact_id) VALUES('gone', 1)");
  long long run = 0;
  CHECK_INT(lrs_begin(db), LR_OK);
  CHECK_INT(lrs_run_start(db, "run", "p.lua", NULL, CH_NOW, NULL, &run), LR_OK);
  lrs_changes *b = lrs_changes_new(db, run, CH_NOW);
  CHECK(b != NULL);
  changes_first(db, b);
  CHECK_INT(lrs_commit(db), LR_OK);
  changes_check_first(p, run);
  CHECK_INT(lrs_begin(db), LR_OK);
  changes_second(db, b);
  CHECK_INT(lrs_commit(db), LR_OK);
  changes_check_second(p);
  /* A failed apply says which write failed, and empties the batch too
  ** (applied again in a new transaction: PostgreSQL's failed one takes
  ** no more statements). */
  CHECK_INT(lrs_begin(db), LR_OK);
  CHECK_INT(lrs_changes_part(b, 2, "r00", NULL, 8, 1), LR_OK);
  CHECK_INT(lrs_changes_apply(b), LR_ERROR);
  CHECK_CONTAINS(lr_errmsg(db), t_pg() ? "score_parts" : "write score parts: ");
  CHECK_INT(lrs_rollback(db), LR_OK);
  CHECK_INT(lrs_begin(db), LR_OK);
  long long before = lrs_total_changes(db);
  /* An empty batch writes nothing and, on PostgreSQL, sends nothing (it
  ** sent a staging table and an empty COPY, a round trip each). */
  char sent[512] = "", then[512] = "";
  if (t_pg()) store_last_sql(p, sent, sizeof sent);
  CHECK_INT(lrs_changes_apply(b), LR_OK);
  CHECK_INT(lrs_total_changes(db) - before, 0);
  if (t_pg()) {
    store_last_sql(p, then, sizeof then);
    CHECK_STR(then, sent);
    CHECK_CONTAINS(sent, "pg_advisory_xact_lock");  /* lrs_begin's */
  }
  CHECK_INT(lrs_rollback(db), LR_OK);
  lrs_changes_free(b);
  lr_close(db);
}

/* lrs_nest_flat: nested levels take no savepoint; committed, they are
** part of the transaction; a rolled-back one makes its commit fail, and
** the rollback that follows leaves nothing. */
static void test_nest_flat(void) {
  T_SQLITE_ONLY("lrs_nest_flat and lrs_exec are the SQLite store's "
                "(PostgreSQL nests with savepoints)");
  const char *p = t_path("flat.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_OK);
  t_add_contacts(p, 2);
  CHECK_INT(lrs_begin(db), LR_OK);
  lrs_nest_flat(db, 1);
  CHECK_INT(lrs_begin(db), LR_OK);
  CHECK_INT(lrs_exec(db, "UPDATE contacts SET score=5 WHERE id=1"), LR_OK);
  CHECK_INT(lrs_commit(db), LR_OK);
  CHECK_INT(lrs_txn_depth(db), 1);
  lrs_nest_flat(db, 0);
  CHECK_INT(lrs_commit(db), LR_OK);
  CHECK_STR(sql_str(p, "SELECT group_concat(score) FROM contacts"), "5.0,0.0");
  CHECK_INT(lrs_begin(db), LR_OK);
  CHECK_INT(lrs_exec(db, "UPDATE contacts SET score=7 WHERE id=2"), LR_OK);
  lrs_nest_flat(db, 1);
  CHECK_INT(lrs_begin(db), LR_OK);
  CHECK_INT(lrs_exec(db, "UPDATE contacts SET score=9 WHERE id=1"), LR_OK);
  CHECK_INT(lrs_rollback(db), LR_OK);
  lrs_nest_flat(db, 0);
  CHECK_INT(lrs_commit(db), LR_ERROR);
  CHECK_CONTAINS(lr_errmsg(db), "nothing committed");
  CHECK_INT(lrs_rollback(db), LR_OK);
  CHECK_INT(lrs_txn_depth(db), 0);
  CHECK_STR(sql_str(p, "SELECT group_concat(score) FROM contacts"), "5.0,0.0");
  /* The next transaction commits as before. */
  CHECK_INT(lrs_begin(db), LR_OK);
  CHECK_INT(lrs_exec(db, "UPDATE contacts SET score=1 WHERE id=2"), LR_OK);
  CHECK_INT(lrs_commit(db), LR_OK);
  CHECK_STR(sql_str(p, "SELECT group_concat(score) FROM contacts"), "5.0,1.0");
  lr_close(db);
}

/* One integer setting of db's own connection. */
static long long conn_int(lr_db *db, const char *sql) {
  sqlite3_stmt *st;
  long long v = -1;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* lrs_ingest_tune sets ingest's cache, sync and checkpoint settings;
** lrs_ingest_untune puts back the handle's own, which a library caller
** keeps using after lr_ingest. */
static void test_ingest_untune(void) {
  T_SQLITE_ONLY("SQLite's PRAGMAs of the connection");
  const char *p = t_path("tune.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_OK);
  CHECK_INT(lrs_exec(db, "PRAGMA synchronous=FULL; PRAGMA cache_size=-1234; "
                         "PRAGMA wal_autocheckpoint=777"), LR_OK);
  long long mmap0 = conn_int(db, "PRAGMA mmap_size");
  CHECK_INT(lrs_ingest_tune(db, 100000), LR_OK);
  CHECK_INT(conn_int(db, "PRAGMA cache_size"), -4000000);
  CHECK_INT(conn_int(db, "PRAGMA synchronous"), 1);
  CHECK_INT(conn_int(db, "PRAGMA foreign_keys"), 0);
  lrs_ingest_untune(db);
  CHECK_INT(conn_int(db, "PRAGMA cache_size"), -1234);
  CHECK_INT(conn_int(db, "PRAGMA synchronous"), 2);
  CHECK_INT(conn_int(db, "PRAGMA wal_autocheckpoint"), 777);
  CHECK_INT(conn_int(db, "PRAGMA mmap_size"), mmap0);
  CHECK_INT(conn_int(db, "PRAGMA foreign_keys"), 1);
  lr_close(db);
}

/* PostgreSQL: how many times contacts was vacuumed and analysed by hand
** (VACUUM, ANALYZE; autovacuum counts apart), "vacuums/analyzes". */
static const char *tidy_counts(const char *p, const char *table) {
  static char out[64];
  const char *v[1] = { table };
  PGresult *r = PQexecParams(t_pg_conn(p), "SELECT vacuum_count || '/' || "
                             "analyze_count FROM pg_stat_user_tables WHERE "
                             "relid = to_regclass($1)", 1, NULL, v, NULL,
                             NULL, 0);
  snprintf(out, sizeof out, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 0)
                                                    : "?");
  PQclear(r);
  return out;
}

/* n contacts from key number `from` (from + 1 .. from + n). */
static const char *tidy_csv(int from, int n) {
  const char *csv = t_path("tidy.csv");
  FILE *f = fopen(csv, "w");
  fputs("email,title\n", f);
  for (int i = from + 1; i <= from + n; i++)
    fprintf(f, "c%06d@tidy.example,CEO\n", i);
  fclose(f);
  return csv;
}

/* After an import commits, each table it wrote at least 10,000 rows of
** (and a tenth of the table) is vacuumed and analysed (pg_tidy.c); a
** small import is not; an import that rolls back leaves no note behind
** for the next commit. */
static void test_tidy(void) {
  if (!t_pg()) {
    printf("skipped on SQLite: %s: VACUUM (ANALYZE) after an import is "
           "PostgreSQL's\n", __func__);
    return;
  }
  const char *p = t_db_fresh("tidy.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(p, &db), LR_OK);
  lr_import_report res;
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, tidy_csv(0, 100), NULL, &res),
            LR_OK);
  CHECK_STR(tidy_counts(p, "contacts"), "0/0");
  /* 12,000 rows written, then rolled back (the caller's transaction). */
  CHECK_INT(lrs_begin(db), LR_OK);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, tidy_csv(100, 12000), NULL, &res),
            LR_OK);
  CHECK_INT(res.inserted, 12000);
  CHECK_INT(lrs_rollback(db), LR_OK);
  CHECK_STR(tidy_counts(p, "contacts"), "0/0");
  CHECK_STR(t_sql_text(p, "SELECT count(*) FROM contacts"), "100");
  /* ... and its 12,000 do not count towards the next import's. */
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, tidy_csv(100, 200), NULL, &res),
            LR_OK);
  CHECK_STR(tidy_counts(p, "contacts"), "0/0");
  /* 12,000 of a table of 300: vacuumed and analysed, contacts and the
  ** run state of the new contacts. */
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, tidy_csv(300, 12000), NULL, &res),
            LR_OK);
  CHECK_STR(tidy_counts(p, "contacts"), "1/1");
  CHECK_STR(tidy_counts(p, "contact_state"), "1/1");
  CHECK_STR(tidy_counts(p, "activities"), "0/0");
  /* 500 more: too few. */
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, tidy_csv(12300, 500), NULL, &res),
            LR_OK);
  CHECK_STR(tidy_counts(p, "contacts"), "1/1");
  lr_close(db);
  /* A user who may write the tables but does not own them: the import
  ** commits, and the VACUUM it may not run is skipped. */
  char role[64], sql[1024], uri[700];
  snprintf(role, sizeof role, "lrt_tidy_%d", (int)getpid());
  snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN; "
           "GRANT USAGE ON SCHEMA public TO %s; GRANT SELECT, INSERT, UPDATE, "
           "DELETE ON ALL TABLES IN SCHEMA public TO %s; GRANT USAGE, SELECT, "
           "UPDATE ON ALL SEQUENCES IN SCHEMA public TO %s", role, role, role,
           role, role);
  PGresult *r = PQexec(t_pg_conn(p), sql);
  CHECK_INT(PQresultStatus(r), PGRES_COMMAND_OK);
  PQclear(r);
  const char *at = strchr(p, '@');          /* postgresql://USER@HOST... */
  snprintf(uri, sizeof uri, "postgresql://%s%s", role, at ? at : "");
  CHECK_INT(lr_open(uri, &db), LR_OK);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, tidy_csv(20000, 12000), NULL, &res),
            LR_OK);
  CHECK_INT(res.inserted, 12000);
  lr_close(db);
  CHECK_STR(tidy_counts(p, "contacts"), "1/1");
  CHECK_STR(t_sql_text(p, "SELECT count(*) FROM contacts"), "24800");
  snprintf(sql, sizeof sql, "DROP OWNED BY %s; DROP ROLE %s", role, role);
  r = PQexec(t_pg_conn(p), sql);
  CHECK_INT(PQresultStatus(r), PGRES_COMMAND_OK);
  PQclear(r);
}

int main(void) {
  t_tmpdir();
  test_nest_flat();
  test_ingest_untune();
  test_create_and_reopen();
  test_snapshot();
  test_refuses_foreign_file();
  test_newer_schema();
  test_directory_and_missing();
  test_migrate_v1();
  test_changes();
  test_tidy();
  return t_done();
}
