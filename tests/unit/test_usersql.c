/*
** test_usersql.c -- the guard for SQL written by users (src/store/usersql.c,
** userfn.c): the limits it runs under, that they are lifted for the
** store's own reads, and that the bounded printf/format, instr, replace
** and trims give SQLite's results (plain SQLite is the oracle: every
** expression is run on a connection without them and compared).
*/
#include "leadrules.h"
#include "store/query.h"
#include "store/db_int.h"
#include "store/snap.h"
#include "t.h"

#include <sqlite3.h>

static lr_db *db;
static const char *path;

/* "typeof:quote" of expression e through the guard (query on snap), or
** "error: <message>". */
static const char *guarded(lrs_snap *snap, const char *e) {
  static char out[4096];
  char sql[2048], err[512] = "";
  snprintf(sql, sizeof sql, "SELECT typeof(v) || ':' || quote(v) FROM "
           "(SELECT %s AS v)", e);
  lrs_rows *r = NULL;
  if (lrs_query_open(snap, sql, &r, err, sizeof err) != LR_OK) {
    snprintf(out, sizeof out, "error: %s", err);
    return out;
  }
  const lrs_value *v = NULL;
  int got = lrs_rows_next(r, &v);
  if (got == 1) snprintf(out, sizeof out, "%s", v[0].s ? v[0].s : "(null)");
  else snprintf(out, sizeof out, "error: %s", lrs_rows_errmsg(r));
  lrs_rows_close(r);
  return out;
}

/* The same with SQLite's own functions, on a plain connection. */
static const char *plain(const char *e) {
  static char out[4096];
  char sql[2048];
  snprintf(sql, sizeof sql, "SELECT typeof(v) || ':' || quote(v) FROM "
           "(SELECT %s AS v)", e);
  sqlite3 *s = NULL;
  sqlite3_stmt *st = NULL;
  sqlite3_open(":memory:", &s);
  if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
  else
    snprintf(out, sizeof out, "error: %s", sqlite3_errmsg(s));
  sqlite3_finalize(st);
  sqlite3_close(s);
  return out;
}

static void same_as_sqlite(lrs_snap *snap, const char *e) {
  char want[4096];
  snprintf(want, sizeof want, "%s", plain(e));
  const char *got = guarded(snap, e);
  if (strcmp(got, want) == 0) {
    t_passed++;
  } else {
    t_failed++;
    fprintf(stderr, "%s:%d: %s: got %s, SQLite gives %s\n", __FILE__,
            __LINE__, e, got, want);
  }
}

static void test_same_results(lrs_snap *snap) {
  static const char *const E[] = {
    /* instr: text counts characters, blobs bytes; mixed is text */
    "instr('hello', 'l')", "instr('hello', 'lo')", "instr('hello', 'x')",
    "instr('hello', '')", "instr('', '')", "instr('', 'a')",
    "instr(NULL, 'a')", "instr('a', NULL)", "instr(12345, 34)",
    "instr(x'0102030203', x'0203')", "instr(x'0102', 'a')",
    "instr('héllo wörld', 'wö')", "instr('日本語テキスト', 'テ')",
    "instr('ab' || x'80' || 'c', x'80')", "instr(x'80' || 'abc', x'80')",
    "instr('aé', x'a9')", "instr(2.5, '.')", "instr('abcabc', 'cab')",
    /* replace: bytes, left to right, no overlap */
    "replace('hello', 'l', 'L')", "replace('aaaa', 'aa', 'b')",
    "replace('abc', '', 'x')", "replace(123, '', 'x')",
    "replace('abc', NULL, 'x')", "replace(NULL, 'a', 'x')",
    "replace('abc', 'b', NULL)", "replace('abc', 'abc', '')",
    "replace('abc', 'abcd', 'x')", "replace(12321, 2, 9)",
    "replace('héllo', 'é', 'e')", "replace(x'616263', 'b', 'B')",
    "replace('a-b-c', '-', '--')", "replace('', 'a', 'b')",
    /* trims with a set of characters */
    "trim('xxhixx', 'x')", "ltrim('xxhixx', 'x')", "rtrim('xxhixx', 'x')",
    "trim('  hi  ', '')", "trim(NULL, 'x')", "trim('abc', NULL)",
    "trim('ébé', 'é')", "trim(12300, '0')", "trim(x'616263', 'ac')",
    "ltrim('aéb', 'a')",
    /* printf / format */
    "printf('%d-%s', 5, 'x')", "printf('%5.2f|%-4d|', 3.14159, 7)",
    "printf('%.*c', 3, 'z')", "printf('%*d', -4, 1)", "printf('%q', 'it''s')",
    "printf('%Q', NULL)", "printf('%w', 'a\"b')", "printf('%%')",
    "printf('%lld', 9007199254740993)", "printf('%s %s', 'one')",
    "printf(NULL, 1)", "printf('%,d', 1234567)", "printf('%!.3g', 0.1)",
    "format('%05d', 42)", "printf('no conversions')", "printf('%')",
    "printf('%c', 'hello')", "printf('%.3s', 'abcdef')",
  };
  for (size_t i = 0; i < sizeof E / sizeof E[0]; i++) same_as_sqlite(snap, E[i]);
}

#define TOO_BIG "error: query: string or blob too big (a value in SQL may " \
                "be at most 16 MiB)"
#define PRINTF_REFUSED "error: query: printf: a width or precision over " \
                       "the length limit of SQL values"

/* What one call may do: build at most LRS_MAX_VALUE bytes, loop over a
** width or a set of characters of bounded size. */
static void test_limits(lrs_snap *snap) {
  CHECK_STR(guarded(snap, "length(randomblob(2000000000))"),
            TOO_BIG);
  CHECK_STR(guarded(snap, "length(zeroblob(16777217))"),
            TOO_BIG);
  CHECK_STR(guarded(snap, "length(zeroblob(16777216))"), "integer:16777216");
  CHECK_STR(guarded(snap, "length(replace(printf('%.*c', 10000, 'x'), 'x', "
                    "printf('%.*c', 10000, 'y')))"),
            TOO_BIG);
  CHECK_STR(guarded(snap, "printf('%.*c', 2000000000, 'x')"),
            PRINTF_REFUSED);
  CHECK_STR(guarded(snap, "printf('%2000000000d', 1)"),
            PRINTF_REFUSED);
  CHECK_STR(guarded(snap, "length(printf('%.*c', 16000000, 'x'))"),
            "integer:16000000");
  CHECK_STR(guarded(snap, "trim('abc', printf('%.*c', 65, 'x'))"),
            "error: query: trim: at most 64 bytes of characters to remove");
  CHECK_STR(guarded(snap, "'abc' LIKE printf('%.*c', 201, '%')"),
            "error: query: LIKE or GLOB pattern too complex (a pattern may be "
            "at most 200 bytes)");
  CHECK_STR(guarded(snap, "'abc' LIKE printf('%.*c', 200, '%')"),
            "integer:1");
  /* Quadratic inputs run in linear time: 16 MiB against 8 MiB. */
  CHECK_STR(guarded(snap, "instr(printf('%.*c', 16000000, 'a'), printf('%.*c', "
                    "8000000, 'a') || 'b')"), "integer:0");
  CHECK_STR(guarded(snap, "length(replace(printf('%.*c', 16000000, 'a'), "
                    "printf('%.*c', 8000000, 'a') || 'b', 'x'))"),
            "integer:16000000");
  /* SQL text: at most 1 MiB. */
  char *big = malloc(1100000);
  memset(big, ' ', 1100000 - 1);
  memcpy(big, "SELECT 1", 8);
  memcpy(big + 1100000 - 4, "+ 1", 4);
  lrs_rows *r = NULL;
  char err[512] = "";
  CHECK_INT(lrs_query_open(snap, big, &r, err, sizeof err), LR_ERROR);
  CHECK_STR(err, "query: SQL longer than 1024 KiB");
  free(big);
}

/* The limits hold while user SQL runs, not for the store's own reads: a
** 20 MB value (written by another program) is read whole by the store
** and refused to user SQL. */
static void test_lifted_after(void) {
  sqlite3 *s = NULL;
  sqlite3_open(path, &s);
  CHECK_INT(sqlite3_exec(s, "UPDATE contacts SET company = "
                         "printf('%.*c', 20000000, 'c')", 0, 0, 0), SQLITE_OK);
  sqlite3_close(s);
  lrs_snap *snap = lrs_snap_main(db);
  CHECK_STR(guarded(snap, "(SELECT length(company) > 0 FROM contacts)"),
            TOO_BIG);
  lrs_rows *r = NULL;
  CHECK_INT(lrs_contact_row_open(snap, 1, &r), LR_OK);
  const lrs_value *v = NULL;
  CHECK_INT(lrs_rows_next(r, &v), 1);
  int ci = -1;
  for (int i = 0; i < lrs_rows_columns(r); i++)
    if (strcmp(lrs_rows_name(r, i), "company") == 0) ci = i;
  CHECK(ci >= 0 && v[ci].type == LRS_STR && v[ci].n == 20000000);
  lrs_rows_close(r);
}

/* ---- a segment's SQL is prepared once ------------------------------------ */

/* A virtual table of no rows named contacts whose xBestIndex counts the
** planning it is asked for: the same count for one lrs_prepare_user as
** for one sqlite3_prepare_v2 of its statement means one prepare. */
static int plans;

static int vt_connect(sqlite3 *c, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **vt, char **err) {
  (void)aux, (void)argc, (void)argv, (void)err;
  int rc = sqlite3_declare_vtab(c, "CREATE TABLE x(id INTEGER, stage TEXT, "
                                "email TEXT)");
  if (rc != SQLITE_OK) return rc;
  *vt = sqlite3_malloc(sizeof **vt);
  if (!*vt) return SQLITE_NOMEM;
  memset(*vt, 0, sizeof **vt);
  return SQLITE_OK;
}
static int vt_disconnect(sqlite3_vtab *vt) { sqlite3_free(vt); return SQLITE_OK; }
static int vt_best(sqlite3_vtab *vt, sqlite3_index_info *info) {
  (void)vt;
  plans++;
  info->estimatedCost = 1000;
  return SQLITE_OK;
}
static int vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cur) {
  (void)vt;
  *cur = sqlite3_malloc(sizeof **cur);
  if (!*cur) return SQLITE_NOMEM;
  memset(*cur, 0, sizeof **cur);
  return SQLITE_OK;
}
static int vt_close(sqlite3_vtab_cursor *cur) { sqlite3_free(cur); return SQLITE_OK; }
static int vt_filter(sqlite3_vtab_cursor *cur, int i, const char *s, int n,
                     sqlite3_value **v) {
  (void)cur, (void)i, (void)s, (void)n, (void)v;
  return SQLITE_OK;
}
static int vt_next(sqlite3_vtab_cursor *cur) { (void)cur; return SQLITE_OK; }
static int vt_eof(sqlite3_vtab_cursor *cur) { (void)cur; return 1; }
static int vt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  (void)cur, (void)i;
  sqlite3_result_null(ctx);
  return SQLITE_OK;
}
static int vt_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *id) {
  (void)cur;
  *id = 0;
  return SQLITE_OK;
}
static const sqlite3_module COUNTING = {
  .xCreate = vt_connect, .xConnect = vt_connect, .xBestIndex = vt_best,
  .xDisconnect = vt_disconnect, .xDestroy = vt_disconnect, .xOpen = vt_open,
  .xClose = vt_close, .xFilter = vt_filter, .xNext = vt_next, .xEof = vt_eof,
  .xColumn = vt_column, .xRowid = vt_rowid,
};

static void test_prepared_once(void) {
  sqlite3 *c = NULL;
  CHECK_INT(sqlite3_open(":memory:", &c), SQLITE_OK);
  CHECK_INT(sqlite3_create_module(c, "counting", &COUNTING, NULL), SQLITE_OK);
  CHECK_INT(sqlite3_exec(c, "CREATE VIRTUAL TABLE contacts USING counting",
                         0, 0, 0), SQLITE_OK);
  /* head, where, tail, what lrs_prepare_user says ("" for nothing), and
  ** whether it takes one prepare (a '?' in the condition and in ours
  ** takes the condition alone too: the user's ?1 would be our ?1) */
  static const struct { const char *head, *where, *tail, *err; int once; }
  cases[] = {
    { "SELECT count(*) FROM contacts WHERE ", "email LIKE '%x%'", "", "", 1 },
    { "SELECT count(*) FROM contacts WHERE ", "stage = :s", "", "(:s)", 1 },
    { "SELECT count(*) FROM contacts WHERE ", "stage = $$won$$", "",
      "($$won$$)", 1 },
    { "SELECT count(*) FROM contacts WHERE ", "id = ?", "", "(?)", 1 },
    { "SELECT count(*) FROM contacts WHERE ", "id = ?3", "", "(?)", 1 },
    { "SELECT id FROM contacts WHERE id BETWEEN ?1 AND ?2 AND ",
      "email LIKE '%x%'", " ORDER BY id", "", 1 },
    { "SELECT id FROM contacts WHERE id BETWEEN ?1 AND ?2 AND ",
      "stage = @s OR stage = :t", " ORDER BY id", "(@s)", 1 },
    /* :x takes index 3, which the tail's ?3 then names too */
    { "SELECT id FROM contacts WHERE (?1 IS NULL OR stage = ?1) AND id > ?2 "
      "AND ", "stage = :x", " ORDER BY id LIMIT ?3", "(:x)", 1 },
    { "SELECT id FROM contacts WHERE id BETWEEN ?1 AND ?2 AND ", "id = ?1",
      " ORDER BY id", "(?1)", 0 },
    { "SELECT id FROM contacts WHERE id BETWEEN ?1 AND ?2 AND ", "id = ?",
      " ORDER BY id", "(?)", 0 },
    { "SELECT id FROM contacts WHERE id BETWEEN ?1 AND ?2 AND ",
      "email = 'why?'", " ORDER BY id", "", 0 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char sql[512], err[512] = "";
    snprintf(sql, sizeof sql, "%s(\n%s\n)%s", cases[i].head, cases[i].where,
             cases[i].tail);
    sqlite3_stmt *st = NULL;
    plans = 0;
    CHECK_INT(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_finalize(st);
    int one = plans;
    plans = 0;
    st = NULL;
    int rc = lrs_prepare_user(c, cases[i].head, cases[i].where,
                              cases[i].tail, &st, err, sizeof err);
    sqlite3_finalize(st);
    if (!*cases[i].err) {
      CHECK_INT(rc, SQLITE_OK);
      CHECK_STR(err, "");
    } else {
      CHECK_INT(rc, SQLITE_ERROR);
      CHECK_CONTAINS(err, "segment SQL has a parameter ");
      CHECK_CONTAINS(err, cases[i].err);
    }
    CHECK(one > 0);
    if (cases[i].once) CHECK_INT(plans, one);
    else CHECK(plans > one);
  }
  sqlite3_close(c);
}

int main(void) {
  t_tmpdir();
  path = t_path("usersql.db");
  remove(path);
  if (lr_open(path, &db) != LR_OK) return 2;
  sqlite3 *s = NULL;
  sqlite3_open(path, &s);
  sqlite3_exec(s, "INSERT INTO contacts(id, key) VALUES(1, 'a@x.example')",
               0, 0, 0);
  sqlite3_close(s);
  lrs_snap *snap = NULL;
  CHECK_INT(lrs_snap_open(db, &snap), LR_OK);      /* a reader connection */
  test_same_results(snap);
  test_limits(snap);
  lrs_snap_close(snap);
  test_same_results(lrs_snap_main(db));            /* the main connection */
  test_limits(lrs_snap_main(db));
  test_lifted_after();
  test_prepared_once();
  lr_close(db);
  return t_done();
}
