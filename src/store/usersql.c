/*
** usersql.c -- the guard for SQL that users write (a segment's `where`, a
** script's leads{where=}, query() and count() of the developer tools): an
** authorizer that lets it read contact data only, and SQLite limits that
** bound what one statement, or one call of a function in it, may build.
**
** The limits are set while such SQL prepares and while it steps, and put
** back after, so the engine's own reads and writes on the same connection
** keep SQLite's defaults.  The VM-step budget and Ctrl-C are the progress
** handler's (snap.c); a limit stops what happens inside one function call,
** where no progress handler runs: printf('%.*c', N, 'x'), randomblob(N),
** zeroblob(N) and replace() fail with "string or blob too big" instead of
** allocating N bytes.
*/
#include "db_int.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

static const struct { int id, value; } LIMITS[LRS_NLIMITS] = {
  /* The longest value a field holds (import, lead:set): user SQL reads
  ** every stored value, and builds nothing longer. */
  { SQLITE_LIMIT_LENGTH, (int)LRS_MAX_VALUE },
  /* A `where` is a line or ten; this bounds the parser's memory. */
  { SQLITE_LIMIT_SQL_LENGTH, LRS_USER_SQL_MAX },
  /* SQLite's default, fixed here whatever the build's maximum. */
  { SQLITE_LIMIT_EXPR_DEPTH, 1000 },
  { SQLITE_LIMIT_COMPOUND_SELECT, 64 },
  { SQLITE_LIMIT_FUNCTION_ARG, 100 },
  /* One LIKE or GLOB does work in pattern length x text length. */
  { SQLITE_LIMIT_LIKE_PATTERN_LENGTH, LRS_USER_LIKE_MAX },
  { SQLITE_LIMIT_VARIABLE_NUMBER, 100 },
  /* Sorts in user SQL start no threads (only the engine's pool does). */
  { SQLITE_LIMIT_WORKER_THREADS, 0 },
};

static void limits_on(sqlite3 *conn, int *saved) {
  for (int i = 0; i < LRS_NLIMITS; i++)
    saved[i] = sqlite3_limit(conn, LIMITS[i].id, LIMITS[i].value);
}

static void limits_off(sqlite3 *conn, const int *saved) {
  for (int i = 0; i < LRS_NLIMITS; i++)
    sqlite3_limit(conn, LIMITS[i].id, saved[i]);
}

void lrs__user_enter(lrs_snap *s, int tag) {
  limits_on(s->conn, s->saved);
  s->steps = 0;
  s->user = tag + 1;
}

void lrs__user_leave(lrs_snap *s) {
  s->user = 0;
  limits_off(s->conn, s->saved);
}

void lrs_user_sqlerr(lrs_snap *s, int src, const char *what, char *err,
                     size_t errlen) {
  const char *m = sqlite3_errmsg(s->conn);
  if ((src & 0xff) == SQLITE_TOOBIG)
    snprintf(err, errlen, "%s: %s (a value in SQL may be at most %u MiB)",
             what, m, LRS_MAX_VALUE >> 20);
  else if (strstr(m, "LIKE or GLOB pattern too complex"))
    snprintf(err, errlen, "%s: %s (a pattern may be at most %d bytes)", what,
             m, LRS_USER_LIKE_MAX);
  else
    snprintf(err, errlen, "%s: %s", what, m);
}

/* The first table a refused read named (the authorizer's context), and
** whether a recursive WITH was refused (a condition: no_recursive). */
struct denied {
  char *table;
  size_t n;
  int no_recursive, recursive;
};

static int deny_read(struct denied *d, const char *db, const char *table) {
  if (d->n && !d->table[0])
    snprintf(d->table, d->n, "%s%s%s", db && strcmp(db, "main") ? db : "",
             db && strcmp(db, "main") ? "." : "", table ? table : "");
  return SQLITE_DENY;
}

/* User SQL may read contact data and call functions; nothing else: no
** writes, no attach, no pragmas, no other tables. */
static int authorizer(void *ctx, int action, const char *a, const char *b,
                      const char *db, const char *trigger) {
  (void)trigger;
  switch (action) {
    case SQLITE_SELECT:
      return SQLITE_OK;
    case SQLITE_FUNCTION:
      /* Deny functions that reach outside the data. */
      if (b && (strcmp(b, "load_extension") == 0 || strcmp(b, "readfile") == 0
                || strcmp(b, "writefile") == 0 || strcmp(b, "edit") == 0 ||
                strcmp(b, "fts3_tokenizer") == 0))
        return SQLITE_DENY;
      return SQLITE_OK;
    case SQLITE_READ:
      if (db && strcmp(db, "main") != 0) return deny_read(ctx, db, a);
      if (a && (strcmp(a, "contacts") == 0 || strcmp(a, "activities") == 0 ||
                strcmp(a, "outcomes") == 0))
        return SQLITE_OK;
      return deny_read(ctx, db, a);
    case SQLITE_RECURSIVE:           /* LRS_USER_RECURSIVE */
      if (!((struct denied *)ctx)->no_recursive) return SQLITE_OK;
      ((struct denied *)ctx)->recursive = 1;
      return SQLITE_DENY;
    default:
      return SQLITE_DENY;
  }
}

/* "no such column: lead_source" for a name that lrs_fields_resolve gives
** a field (the folded header of an aliased column): SQL sees only real
** column names, so the message says which field it became. */
static void column_hint(sqlite3 *conn, const char *msg, char *err,
                        size_t errlen) {
  static const char NOCOL[] = "no such column: ";
  if (strncmp(msg, NOCOL, sizeof NOCOL - 1) != 0) return;
  const char *name = msg + sizeof NOCOL - 1;
  lrs_fields f;
  if (lrs_fields_read(conn, &f) != SQLITE_OK) return;
  const lrs_field *hit = lrs_fields_resolve(&f, name);
  size_t len = strlen(err);
  if (hit && strcmp(hit->name, name) != 0 && len < errlen)
    snprintf(err + len, errlen - len, " (the column '%s' was imported as "
             "the field '%s': write %s)", hit->header, hit->name, hit->name);
  lrs_fields_free(&f);
}

/* The first parameter the user's condition names ("$$won$$", ":x", "?",
** "?1") in st, the statement prepared from head, where and tail; NULL when
** it names none.  Read from st itself while either side is free of '?':
** with none in head and tail every parameter of st is the user's, and
** with none in where the user's are those named otherwise than ours
** ("?N"; an unnumbered "?" has no name), whose indexes follow in the
** order they appear.  Only a '?' on both sides (a "?1" of the user's is
** our ?1 in st) takes a statement of its own, the condition prepared
** alone. */
static char *user_param(sqlite3 *conn, sqlite3_stmt *st, const char *head,
                        const char *where, const char *tail) {
  int ours = strchr(head, '?') || strchr(tail, '?');
  sqlite3_stmt *alone = NULL;
  if (ours && strchr(where, '?')) {
    lr_buf q = LR_BUF_INIT;
    lrb_printf(&q, "SELECT 1 FROM contacts WHERE (\n%s\n)", where);
    if (q.oom || sqlite3_prepare_v2(conn, q.p, -1, &alone, NULL) != SQLITE_OK)
      sqlite3_finalize(alone), alone = NULL;
    lrb_free(&q);
    if (!alone) return NULL;
    st = alone;
    ours = 0;
  }
  char *name = NULL;
  for (int i = 1; i <= sqlite3_bind_parameter_count(st) && !name; i++) {
    const char *n = sqlite3_bind_parameter_name(st, i);
    if (!ours) name = strdup(n ? n : "?");
    else if (n && n[0] != '?') name = strdup(n);
  }
  sqlite3_finalize(alone);
  return name;
}

/* Is name a table or view of the database (not a WITH's name, which the
** authorizer reports as a table too)? */
static int is_table(sqlite3 *conn, const char *name) {
  sqlite3_stmt *st = NULL;
  /* "temp.t" (another schema), sqlite_schema and the like */
  int yes = strchr(name, '.') || strncmp(name, "sqlite_", 7) == 0;
  if (!yes && name[0] &&
      sqlite3_prepare_v2(conn, "SELECT 1 FROM sqlite_schema WHERE name = ?1 "
                         "AND type IN ('table', 'view')", -1, &st,
                         NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    yes = sqlite3_step(st) == SQLITE_ROW;
  }
  sqlite3_finalize(st);
  return yes;
}

int lrs_prepare_user(sqlite3 *conn, const char *head, const char *where,
                     const char *tail, sqlite3_stmt **st, char *err,
                     size_t errlen) {
  char table[128];
  return lrs_prepare_user_t(conn, head, where, tail, st, err, errlen, table,
                            sizeof table);
}

int lrs_prepare_user_t(sqlite3 *conn, const char *head, const char *where,
                       const char *tail, sqlite3_stmt **st, char *err,
                       size_t errlen, char *table, size_t n) {
  struct denied denied = { table, n, strstr(head, "WHERE") != NULL, 0 };
  if (n) table[0] = '\0';
  lr_buf sql = LR_BUF_INIT;
  /* The user text sits on its own lines inside parentheses, so that a
  ** trailing "--" comment cannot swallow the rest of the statement. */
  lrb_printf(&sql, "%s(\n%s\n)%s", head, where, tail);
  if (sql.oom) return SQLITE_NOMEM;
  int saved[LRS_NLIMITS];
  limits_on(conn, saved);
  sqlite3_set_authorizer(conn, authorizer, &denied);
  const char *rest = NULL;
  int rc = sqlite3_prepare_v2(conn, sql.p, -1, st, &rest);
  /* A condition takes no parameters of its own: SQLite would bind one
  ** ("$$won$$", ":x", "?", or our own "?1") to NULL or to what we give
  ** ours, and the segment would quietly match the wrong contacts, where
  ** PostgreSQL refuses it or reads "$$won$$" as text. */
  char *param = rc == SQLITE_OK && strstr(head, "WHERE")
                    ? user_param(conn, *st, head, where, tail) : NULL;
  sqlite3_set_authorizer(conn, NULL, NULL);
  limits_off(conn, saved);
  if (rc == SQLITE_OK && rest) {
    while (*rest == ' ' || *rest == '\n' || *rest == '\t' || *rest == ';') rest++;
    if (*rest) {
      sqlite3_finalize(*st);
      *st = NULL;
      snprintf(err, errlen, "segment SQL must be one expression (found more "
               "after it)");
      lrb_free(&sql);
      free(param);
      return SQLITE_ERROR;
    }
  }
  if (rc == SQLITE_OK && param) {
    sqlite3_finalize(*st);
    *st = NULL;
    snprintf(err, errlen, "segment SQL has a parameter (%.60s), which "
             "nothing gives a value: write text in single quotes ('won')",
             param);
    free(param);
    lrb_free(&sql);
    return SQLITE_ERROR;
  }
  if (rc != SQLITE_OK) {
    char m[512];                     /* is_table prepares: copy it first */
    snprintf(m, sizeof m, "%s", sqlite3_errmsg(conn));
    /* In PostgreSQL's store's words (pg_usersql.c, pg_scan.c). */
    if (rc == SQLITE_AUTH && denied.recursive)
      snprintf(err, errlen, "%s", LRS_USER_RECURSIVE);
    else if (rc == SQLITE_AUTH && denied.n && is_table(conn, denied.table))
      snprintf(err, errlen, "segment SQL: it reads the table %s (a "
               "segment's SQL reads contacts, activities and outcomes only)",
               denied.table);
    else if (rc == SQLITE_AUTH)
      snprintf(err, errlen, "segment SQL may only read contact data (%s)", m);
    else if (rc == SQLITE_TOOBIG)
      snprintf(err, errlen, "segment SQL does not prepare: SQL longer than "
               "%d KiB", LRS_USER_SQL_MAX >> 10);
    else
      snprintf(err, errlen, "segment SQL does not prepare: %s", m);
    if (rc == SQLITE_ERROR) column_hint(conn, m, err, errlen);
  }
  lrb_free(&sql);
  return rc;
}
