/*
** test_usersql.c -- the guard for SQL written by users (src/store/usersql.c,
** userfn.c): the limits it runs under, that they are lifted for the
** store's own reads, and that the bounded printf/format, instr, replace
** and trims give SQLite's results (plain SQLite is the oracle: every
** expression is run on a connection without them and compared).
*/
#include "leadrules.h"
#include "store/query.h"
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
  lr_close(db);
  return t_done();
}
