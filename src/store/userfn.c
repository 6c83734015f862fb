/*
** userfn.c -- SQLite functions whose one call could run for minutes,
** replaced on the connections that run SQL written by users.
**
** The length limit of user SQL (usersql.c) bounds what a function builds,
** not how long it loops, and no progress handler runs inside a call:
**   printf('%.*c', 2000000000, 'x')  loops 2e9 times (17 s) while its
**                                    output stops at the limit;
**   instr(X, Y), replace(X, Y, Z)    compare Y at every byte of X: 4 s at
**                                    1 MB, 18 min at 16 MiB;
**   trim(X, Y) (and ltrim, rtrim)    tries every character of Y at every
**                                    character of X: 93 s at 250 kB.
** instr and replace are rewritten with memmem (linear), with SQLite's
** results; printf/format and two-argument trims check their arguments,
** then SQLite's own function runs on a private in-memory connection.
*/
#define _GNU_SOURCE
#include "db_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRIM_SET_MAX 64          /* bytes of characters a trim may remove */

enum { F_PRINTF, F_TRIM, F_LTRIM, F_RTRIM, NFN };
static const char *const NAMES[NFN] = { "printf", "trim", "ltrim", "rtrim" };
#define MAX_ARGS 128             /* above SQLite's most (127) */

typedef struct userfn {
  sqlite3 *aux;                  /* SQLite's own functions run here */
  sqlite3_stmt *st[NFN][MAX_ARGS];
} userfn;

static void userfn_free(void *p) {
  userfn *u = p;
  if (!u) return;
  for (int f = 0; f < NFN; f++)
    for (int i = 0; i < MAX_ARGS; i++) sqlite3_finalize(u->st[f][i]);
  sqlite3_close_v2(u->aux);
  free(u);
}

/* SELECT name(?1, ..., ?argc) on the private connection, prepared once. */
static sqlite3_stmt *aux_stmt(userfn *u, int f, int argc) {
  if (argc < 0 || argc >= MAX_ARGS) return NULL;
  if (u->st[f][argc]) return u->st[f][argc];
  if (!u->aux && sqlite3_open_v2(":memory:", &u->aux, SQLITE_OPEN_READWRITE |
                                 SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    return NULL;
  lr_buf sql = LR_BUF_INIT;
  lrb_printf(&sql, "SELECT %s(", NAMES[f]);
  for (int i = 1; i <= argc; i++) lrb_printf(&sql, "%s?%d", i > 1 ? ", " : "", i);
  lrb_adds(&sql, ")");
  if (!sql.oom)
    sqlite3_prepare_v3(u->aux, sql.p, -1, SQLITE_PREPARE_PERSISTENT,
                       &u->st[f][argc], NULL);
  lrb_free(&sql);
  return u->st[f][argc];
}

/* The result of SQLite's function f on the same arguments, under the
** calling connection's length limit. */
static void delegate(sqlite3_context *ctx, int f, int argc,
                     sqlite3_value **argv) {
  userfn *u = sqlite3_user_data(ctx);
  sqlite3_stmt *st = aux_stmt(u, f, argc);
  if (!st) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  int limit = sqlite3_limit(sqlite3_context_db_handle(ctx),
                            SQLITE_LIMIT_LENGTH, -1);
  sqlite3_limit(u->aux, SQLITE_LIMIT_LENGTH, limit);
  for (int i = 0; i < argc; i++) sqlite3_bind_value(st, i + 1, argv[i]);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
  else if ((rc & 0xff) == SQLITE_TOOBIG)
    sqlite3_result_error_toobig(ctx);
  else
    sqlite3_result_error(ctx, sqlite3_errmsg(u->aux), -1);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

/* printf(FORMAT, ...): every width and precision, written or given by *,
** at most the length limit; then SQLite's printf. */
static void fn_printf(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (argc < 1) return;
  const unsigned char *fmt = sqlite3_value_text(argv[0]);
  if (!fmt) return;
  long long limit = sqlite3_limit(sqlite3_context_db_handle(ctx),
                                  SQLITE_LIMIT_LENGTH, -1);
  int arg = 1;
  for (const unsigned char *p = fmt; *p; p++) {
    if (*p != '%') continue;
    for (p++; *p && strchr("-+ #!0,.*123456789", *p); p++) {
      long long n = 0;
      if (*p == '*') {
        n = arg < argc ? sqlite3_value_int64(argv[arg]) : 0;
        arg++;
        if (n < 0) n = n == LLONG_MIN ? LLONG_MAX : -n;
      }
      while (*p >= '0' && *p <= '9') {
        n = n > limit ? n : n * 10 + (*p - '0');
        if (p[1] < '0' || p[1] > '9') break;
        p++;
      }
      if (n > limit) {
        sqlite3_result_error(ctx, "printf: a width or precision over the "
                             "length limit of SQL values", -1);
        return;
      }
    }
    while (*p == 'l') p++;
    if (!*p) break;
    if (*p != '%') arg++;            /* a conversion takes an argument */
  }
  delegate(ctx, F_PRINTF, argc, argv);
}

/* trim(X, Y), ltrim, rtrim: tries each character of Y at each of X. */
static void fn_trim(sqlite3_context *ctx, int f, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[1]) != SQLITE_NULL &&
      sqlite3_value_bytes(argv[1]) > TRIM_SET_MAX) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s: at most %d bytes of characters to remove",
             NAMES[f], TRIM_SET_MAX);
    sqlite3_result_error(ctx, msg, -1);
    return;
  }
  delegate(ctx, f, 2, argv);
}
static void fn_trim2(sqlite3_context *c, int n, sqlite3_value **v) {
  (void)n;
  fn_trim(c, F_TRIM, v);
}
static void fn_ltrim2(sqlite3_context *c, int n, sqlite3_value **v) {
  (void)n;
  fn_trim(c, F_LTRIM, v);
}
static void fn_rtrim2(sqlite3_context *c, int n, sqlite3_value **v) {
  (void)n;
  fn_trim(c, F_RTRIM, v);
}

/* instr(X, Y): one more than the characters (blobs: bytes) of X before the
** first Y, 0 when none; a match starts on a character, as in SQLite. */
static void fn_instr(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  int tx = sqlite3_value_type(argv[0]), ty = sqlite3_value_type(argv[1]);
  if (tx == SQLITE_NULL || ty == SQLITE_NULL) return;
  int text = !(tx == SQLITE_BLOB && ty == SQLITE_BLOB);
  const unsigned char *x = text ? sqlite3_value_text(argv[0])
                                : sqlite3_value_blob(argv[0]);
  int nx = sqlite3_value_bytes(argv[0]);
  const unsigned char *y = text ? sqlite3_value_text(argv[1])
                                : sqlite3_value_blob(argv[1]);
  int ny = sqlite3_value_bytes(argv[1]);
  if (ny <= 0) {
    sqlite3_result_int(ctx, 1);
    return;
  }
  if (!y || (nx && !x)) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  const unsigned char *at = NULL;
  if (text && (y[0] & 0xc0) == 0x80)   /* starts mid-character: only at 0 */
    at = ny <= nx && memcmp(x, y, (size_t)ny) == 0 ? x : NULL;
  else if (ny <= nx)
    at = memmem(x, (size_t)nx, y, (size_t)ny);
  if (!at) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  long long n = 1;
  for (const unsigned char *p = x + 1; p <= at; p++)
    n += !text || (*p & 0xc0) != 0x80;
  sqlite3_result_int64(ctx, n);
}

/* replace(X, Y, Z): every Y in X, left to right, replaced by Z (bytes). */
static void fn_replace(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const unsigned char *x = sqlite3_value_text(argv[0]);
  if (!x) return;
  size_t nx = (size_t)sqlite3_value_bytes(argv[0]);
  const unsigned char *y = sqlite3_value_text(argv[1]);
  if (!y) return;
  if (!y[0]) {                       /* as SQLite: an empty (or NUL) Y */
    sqlite3_result_value(ctx, argv[0]);
    return;
  }
  size_t ny = (size_t)sqlite3_value_bytes(argv[1]);
  const unsigned char *z = sqlite3_value_text(argv[2]);
  if (!z) return;
  size_t nz = (size_t)sqlite3_value_bytes(argv[2]);
  size_t limit = (size_t)sqlite3_limit(sqlite3_context_db_handle(ctx),
                                       SQLITE_LIMIT_LENGTH, -1);
  lr_buf out = LR_BUF_INIT;
  const unsigned char *p = x, *end = x + nx;
  while (!out.oom && out.n <= limit) {
    const unsigned char *m = (size_t)(end - p) >= ny
        ? memmem(p, (size_t)(end - p), y, ny) : NULL;
    if (!m) break;
    lrb_add(&out, (const char *)p, (size_t)(m - p));
    lrb_add(&out, (const char *)z, nz);
    p = m + ny;
  }
  lrb_add(&out, (const char *)p, (size_t)(end - p));
  if (out.oom) sqlite3_result_error_nomem(ctx);
  else if (out.n > limit) sqlite3_result_error_toobig(ctx);
  else sqlite3_result_text64(ctx, out.n ? out.p : "", out.n, SQLITE_TRANSIENT,
                             SQLITE_UTF8);
  lrb_free(&out);
}

int lrs__userfn_register(sqlite3 *conn) {
  userfn *u = calloc(1, sizeof *u);
  if (!u) return SQLITE_NOMEM;
  const int fl = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  /* printf owns u: its destructor runs when the connection closes. */
  int rc = sqlite3_create_function_v2(conn, "printf", -1, fl, u, fn_printf,
                                      NULL, NULL, userfn_free);
  if (rc != SQLITE_OK) return rc;
  struct { const char *name; int n; void (*fn)(sqlite3_context *, int,
                                               sqlite3_value **); } f[] = {
    { "format", -1, fn_printf }, { "trim", 2, fn_trim2 },
    { "ltrim", 2, fn_ltrim2 }, { "rtrim", 2, fn_rtrim2 },
    { "instr", 2, fn_instr }, { "replace", 3, fn_replace },
  };
  for (size_t i = 0; i < sizeof f / sizeof f[0] && rc == SQLITE_OK; i++)
    rc = sqlite3_create_function_v2(conn, f[i].name, f[i].n, fl, u, f[i].fn,
                                    NULL, NULL, NULL);
  return rc;
}
