/*
** t_pg.h -- the unit tests on PostgreSQL (LR_TEST_DB=postgresql, with
** LEADRULES_TEST_PG naming a server: scripts/pg-up).  t_db(name) is then
** a fresh database of its own on that server (created on first use,
** dropped at exit) and its postgresql:// URI, which the library opens as
** it opens a file; t_db.h's t_sql* helpers run the tests' SQLite-spelled
** SQL there through libpq, with tests/cli/pg_compat.sql's functions and
** tests/unit/pg_compat_unit.sql's writable view of contacts.  Without
** LR_TEST_DB=postgresql, t_db(name) is the file t_path(name).
*/
#ifndef LR_T_PG_H
#define LR_T_PG_H

#include <ctype.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <strings.h>

#include "t.h"

/* Are the tests' databases on PostgreSQL? */
static inline int t_pg(void) {
  const char *e = getenv("LR_TEST_DB");
  return e && strcmp(e, "postgresql") == 0;
}

static inline int t_is_uri(const char *p) {
  return p && (strncmp(p, "postgresql://", 13) == 0 ||
               strncmp(p, "postgres://", 11) == 0);
}

/* A check of what only SQLite has (the file, WAL, PRAGMAs, SQLite's
** limits): the calling test function returns there, saying why. */
#define T_SQLITE_ONLY(why) do { if (t_pg()) { \
  printf("skipped on PostgreSQL: %s: %s\n", __func__, why); return; } \
} while (0)

__attribute__((noreturn, format(printf, 1, 2)))
static inline void t_pg_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(2);
}

/* The databases made (name, URI) and open connections to them (one each,
** with lr_compat on its search_path). */
#define T_PG_MAX 64
static struct { char name[128], db[64], uri[600]; PGconn *c; } t_pg_dbs[T_PG_MAX];
static int t_pg_n;
static pid_t t_pg_owner;         /* the process that made them (not a fork) */

static inline PGconn *t_pg_connect(const char *uri) {
  const char *k[] = { "dbname", "options", NULL };
  const char *v[] = { uri, "-c search_path=public,lr_compat "
                      "-c client_min_messages=warning", NULL };
  PGconn *c = PQconnectdbParams(k, v, 1);
  if (PQstatus(c) != CONNECTION_OK)
    t_pg_die("cannot connect to %s: %s", uri, PQerrorMessage(c));
  return c;
}

/* sql on the server's own database.  A CREATE DATABASE copies with
** FILE_COPY: the small template in a quarter of the time of WAL_LOG, the
** default since PostgreSQL 15 (before it, the only way). */
static inline void t_pg_admin(const char *sql) {
  PGconn *c = t_pg_connect(getenv("LEADRULES_TEST_PG"));
  char q[256];
  snprintf(q, sizeof q, "%s%s", sql,
           strncmp(sql, "CREATE DATABASE", 15) == 0 &&
           PQserverVersion(c) >= 150000 ? " STRATEGY = FILE_COPY" : "");
  sql = q;
  PGresult *r = PQexec(c, sql);
  if (PQresultStatus(r) != PGRES_COMMAND_OK)
    t_pg_die("%s: %s", sql, PQerrorMessage(c));
  PQclear(r);
  PQfinish(c);
}

/* (Connections closed first: DROP waits for their server processes.) */
static inline void t_pg_drop_all(void) {
  if (getpid() != t_pg_owner) return;
  for (int i = 0; i < t_pg_n; i++) {
    if (t_pg_dbs[i].c) PQfinish(t_pg_dbs[i].c);
    t_pg_dbs[i].c = NULL;
  }
  for (int i = 0; i < t_pg_n; i++) {
    char q[128];
    snprintf(q, sizeof q, "DROP DATABASE IF EXISTS %s WITH (FORCE)",
             t_pg_dbs[i].db);
    t_pg_admin(q);
  }
  t_pg_n = 0;
}

static inline PGconn *t_pg_conn(const char *uri) {
  for (int i = 0; i < t_pg_n; i++)
    if (strcmp(t_pg_dbs[i].uri, uri) == 0) {
      if (!t_pg_dbs[i].c) t_pg_dbs[i].c = t_pg_connect(uri);
      return t_pg_dbs[i].c;
    }
  t_pg_die("%s is not a test database (t_db)", uri);
}

static inline void t_pg_exec_file(PGconn *c, const char *rel) {
  size_t n = 0;
  FILE *f = fopen(t_src(rel), "rb");
  if (!f) t_pg_die("cannot read %s", t_src(rel));
  char *b = malloc(1 << 20);
  if (b) n = fread(b, 1, (1 << 20) - 1, f);
  fclose(f);
  if (!b) exit(2);
  b[n] = 0;
  PGresult *r = PQexec(c, b);
  if (PQresultStatus(r) != PGRES_COMMAND_OK &&
      PQresultStatus(r) != PGRES_TUPLES_OK)
    t_pg_die("%s: %s", rel, PQerrorMessage(c));
  PQclear(r);
  free(b);
  PQclear(PQexec(c, "RESET search_path"));
}

/* A new, empty database for `name` with the compatibility functions:
** a copy of this program's template (the first database made, its
** functions loaded once; not named, dropped at exit with the others). */
static inline const char *t_pg_make(const char *name) {
  static int tpl = -1;
  const char *base = getenv("LEADRULES_TEST_PG");
  if (!base) t_pg_die("LR_TEST_DB=postgresql needs LEADRULES_TEST_PG");
  if (t_pg_n == T_PG_MAX) t_pg_die("too many test databases");
  if (t_pg_n == 0) {
    t_pg_owner = getpid();
    atexit(t_pg_drop_all);
  }
  if (tpl < 0) {
    tpl = t_pg_n;
    t_pg_make("\001template");
    PGconn *c = t_pg_conn(t_pg_dbs[tpl].uri);
    t_pg_exec_file(c, "tests/cli/pg_compat.sql");
    t_pg_exec_file(c, "tests/unit/pg_compat_unit.sql");
    PQfinish(c);
    t_pg_dbs[tpl].c = NULL;
    t_pg_dbs[tpl].name[0] = 0;
  }
  int i = t_pg_n++;
  snprintf(t_pg_dbs[i].name, sizeof t_pg_dbs[i].name, "%s", name);
  int k = snprintf(t_pg_dbs[i].db, sizeof t_pg_dbs[i].db, "lrt_%d_%d_",
                   (int)getpid(), i);
  for (const char *p = name; *p && k < 60; p++)
    if (isalnum((unsigned char)*p)) t_pg_dbs[i].db[k++] = (char)tolower(*p);
  t_pg_dbs[i].db[k] = 0;
  const char *slash = strrchr(base, '/');
  char uri[600];
  snprintf(uri, sizeof uri, "%.*s/%s", (int)(slash - base), base,
           t_pg_dbs[i].db);
  memcpy(t_pg_dbs[i].uri, uri, sizeof uri);
  char q[200];
  snprintf(q, sizeof q, "DROP DATABASE IF EXISTS %s WITH (FORCE)",
           t_pg_dbs[i].db);
  t_pg_admin(q);
  if (i == tpl)
    snprintf(q, sizeof q, "CREATE DATABASE %s", t_pg_dbs[i].db);
  else
    snprintf(q, sizeof q, "CREATE DATABASE %s TEMPLATE %s", t_pg_dbs[i].db,
             t_pg_dbs[tpl].db);
  t_pg_admin(q);
  return t_pg_dbs[i].uri;
}

/* The test database called `name`: the file t_path(name), or on
** PostgreSQL a database of its own (the same one for the same name). */
__attribute__((unused)) static const char *t_db(const char *name) {
  if (!t_pg()) return t_path(name);
  for (int i = 0; i < t_pg_n; i++)
    if (strcmp(t_pg_dbs[i].name, name) == 0) return t_pg_dbs[i].uri;
  return t_pg_make(name);
}

/* t_db(name), new and empty (a file removed, a database made again). */
__attribute__((unused)) static const char *t_db_fresh(const char *name) {
  if (!t_pg()) {
    const char *p = t_path(name);
    char side[1300];
    remove(p);
    snprintf(side, sizeof side, "%s-wal", p);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", p);
    remove(side);
    return p;
  }
  for (int i = 0; i < t_pg_n; i++)
    if (strcmp(t_pg_dbs[i].name, name) == 0)
      t_pg_dbs[i].name[0] = 0;     /* forgotten here, dropped at exit */
  return t_pg_make(name);
}

/* ---- SQLite's spellings, rewritten for PostgreSQL ---- */

/* Where the quote, identifier or comment that starts at p ends. */
static inline const char *t_pg_skip(const char *p) {
  if (*p == '\'' || *p == '"') {
    char q = *p++;
    while (*p && !(*p == q && p[1] != q)) p += (*p == q) ? 2 : 1;
    return *p ? p + 1 : p;
  }
  if (p[0] == '-' && p[1] == '-') {
    while (*p && *p != '\n') p++;
    return p;
  }
  if (p[0] == '$' && p[1] == '$') {
    const char *e = strstr(p + 2, "$$");
    return e ? e + 2 : p + strlen(p);
  }
  return p + 1;
}

static inline int t_pg_word(const char *p, const char *w) {
  size_t n = strlen(w);
  return strncasecmp(p, w, n) == 0 && !isalnum((unsigned char)p[n]) &&
         p[n] != '_';
}

static inline int t_pg_idch(char c) {
  return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* Does the statement name the table contacts? */
static inline int t_pg_names_contacts(const char *s) {
  for (const char *p = s; *p; p = t_pg_skip(p))
    if ((p == s || !t_pg_idch(p[-1])) && t_pg_word(p, "contacts")) return 1;
  return 0;
}

/* Output grows into a malloc'ed buffer. */
typedef struct { char *p; size_t n, cap; } t_pg_buf;

static inline void t_pg_put(t_pg_buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p) exit(2);
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

/* FROM ( ... ) with no alias (PostgreSQL before 16 wants one). */
static inline int t_pg_wants_alias(const char *after) {
  static const char *const kw[] = { "where", "group", "order", "limit",
    "union", "except", "intersect", "join", "left", "inner", "cross",
    "natural", "on", "using", "having", "window", "offset", "full",
    "right", NULL };
  while (isspace((unsigned char)*after)) after++;
  if (!isalpha((unsigned char)*after) && *after != '"') return 1;
  for (int i = 0; kw[i]; i++) if (t_pg_word(after, kw[i])) return 1;
  return 0;
}

/* s rewritten: X [NOT] GLOB 'p' as X [!]~ lr_compat.glob_re('p'); an
** alias for each subquery in FROM or JOIN. */
static inline char *t_pg_rewrite(const char *s) {
  t_pg_buf b = {0};
  int aliases = 0, depth = 0, open[64];   /* open[d]: a FROM ( at depth d */
  const char *last = NULL;                /* the last word's start */
  for (const char *p = s; *p;) {
    const char *e = t_pg_skip(p);
    if (*p == '(') {
      int from = last && (t_pg_word(last, "from") || t_pg_word(last, "join"));
      if (depth < 64) open[depth] = from;
      depth++;
    } else if (*p == ')' && depth > 0) {
      depth--;
      t_pg_put(&b, p, 1);
      if (depth < 64 && open[depth] && t_pg_wants_alias(p + 1)) {
        char a[32];
        snprintf(a, sizeof a, " AS lr_sq%d", aliases++);
        t_pg_put(&b, a, strlen(a));
      }
      p = e;
      last = NULL;
      continue;
    } else if (t_pg_word(p, "not") && (p == s || !t_pg_idch(p[-1]))) {
      const char *q = p + 3;
      while (isspace((unsigned char)*q)) q++;
      if (t_pg_word(q, "glob")) {
        t_pg_put(&b, "!~ lr_compat.glob_re(", 21);
        p = q + 4;
        goto pattern;
      }
    } else if (t_pg_word(p, "glob") && (p == s || !t_pg_idch(p[-1]))) {
      t_pg_put(&b, "~ lr_compat.glob_re(", 20);
      p += 4;
    pattern:
      while (isspace((unsigned char)*p)) p++;
      e = t_pg_skip(p);
      t_pg_put(&b, p, (size_t)(e - p));
      t_pg_put(&b, ")", 1);
      p = e;
      continue;
    }
    if (*p == '\'') {        /* 'text' || x: text, not x's type */
      const char *n = e, *w = b.p ? b.p + b.n : NULL;
      while (isspace((unsigned char)*n)) n++;
      while (w && w > b.p && isspace((unsigned char)w[-1])) w--;
      t_pg_put(&b, p, (size_t)(e - p));
      if ((n[0] == '|' && n[1] == '|') ||
          (w && w - b.p >= 2 && w[-1] == '|' && w[-2] == '|'))
        t_pg_put(&b, "::text", 6);
      p = e;
      last = NULL;
      continue;
    }
    const char *prev = last;                  /* the word before this */
    if (isalpha((unsigned char)*p) && (p == s || !t_pg_idch(p[-1])))
      last = p;
    else if (!isspace((unsigned char)*p) && !t_pg_idch(*p))
      last = NULL;
    if (isalpha((unsigned char)*p)) {           /* the whole word */
      e = p;
      while (t_pg_idch(*e)) e++;
      /* char(13): SQLite's function, a type name to PostgreSQL */
      if (e - p == 4 && t_pg_word(p, "char") && *e == '(' &&
          !(prev && t_pg_word(prev, "as")))
        t_pg_put(&b, "lr_compat.", 10);
    }
    t_pg_put(&b, p, (size_t)(e - p));
    p = e;
  }
  if (!b.p) t_pg_put(&b, "", 0);
  return b.p;
}

/* ALTER TABLE contacts ADD COLUMN x [type]: x is a text column until the
** call ends (lr_compat.fold_columns then moves it into contacts.data);
** its name is appended to cols ('x',...).  A field SQLite's store would
** know by its column is registered in fields (typed by the declared
** type, as SQLite's affinity would store its values), if the test does
** not.  Returns 1 if s was one. */
static inline int t_pg_add_column(PGconn *c, const char *s, t_pg_buf *cols,
                                   t_pg_buf *reg) {
  char w[4][64];
  int n = 0, used = 0;
  if (sscanf(s, " %63s %63s %63s %63s %n", w[0], w[1], w[2], w[3], &used) != 4
      || strcasecmp(w[0], "alter") || strcasecmp(w[1], "table") ||
      strcasecmp(w[2], "contacts") || strcasecmp(w[3], "add"))
    return 0;
  s += used;
  if (t_pg_word(s, "column")) s += 6;
  while (isspace((unsigned char)*s)) s++;
  if (*s == '"') s++;
  while (t_pg_idch(s[n]) && n < 63) n++;
  const char *ty = s + n + (s[n] == '"');
  while (isspace((unsigned char)*ty)) ty++;
  const char *type = t_pg_word(ty, "integer") || t_pg_word(ty, "int")
                     ? "integer" : t_pg_word(ty, "real") ? "real" : "text";
  char q[512];
  snprintf(q, sizeof q, "DROP VIEW IF EXISTS pg_temp.contacts; "
           "ALTER TABLE public.contacts ADD COLUMN \"%.*s\" text", n, s);
  PGresult *r = PQexec(c, q);
  if (PQresultStatus(r) != PGRES_COMMAND_OK)
    t_pg_die("sql failed: %s\n%s", PQerrorMessage(c), q);
  PQclear(r);
  snprintf(q, sizeof q, "%s'%.*s'", cols->n ? "," : "", n, s);
  t_pg_put(cols, q, strlen(q));
  snprintf(q, sizeof q, "INSERT INTO public.fields(name, type, header) "
           "SELECT '%.*s', '%s', '%.*s' WHERE NOT EXISTS (SELECT 1 FROM "
           "public.fields WHERE name = '%.*s')", n, s, type, n, s, n, s);
  t_pg_put(reg, q, strlen(q) + 1);          /* each with its NUL */
  return 1;
}

static inline PGresult *t_pg_must(PGconn *c, const char *q) {
  PGresult *r = PQexec(c, q);
  if (PQresultStatus(r) != PGRES_COMMAND_OK &&
      PQresultStatus(r) != PGRES_TUPLES_OK)
    t_pg_die("sql failed: %s\n%s", PQerrorMessage(c), q);
  return r;
}

/* One statement of a test's SQL (rewritten). */
static inline PGresult *t_pg_stmt(PGconn *c, const char *s, t_pg_buf *cols,
                                  t_pg_buf *reg, int *inserts) {
  while (isspace((unsigned char)*s)) s++;
  if (!*s) return NULL;
  if (t_pg_word(s, "pragma") && strstr(s, "wal_checkpoint"))
    return NULL;                        /* SQLite's WAL: nothing to do */
  if (t_pg_add_column(c, s, cols, reg)) return NULL;
  if (t_pg_names_contacts(s)) {
    int ddl = t_pg_word(s, "alter") || t_pg_word(s, "create") ||
              t_pg_word(s, "drop");
    PQclear(t_pg_must(c, ddl ? "DROP VIEW IF EXISTS pg_temp.contacts"
                              : "SELECT lr_compat.contacts_rw()"));
  }
  for (const char *p = s; *p; p = t_pg_skip(p))
    if ((p == s || !t_pg_idch(p[-1])) && t_pg_word(p, "insert")) *inserts = 1;
  char *q = t_pg_rewrite(s);
  PGresult *r = t_pg_must(c, q);
  free(q);
  return r;
}

/* Run SQL (statements split at ';') on the test database uri; the last
** statement's result, or NULL. */
static inline PGresult *t_pg_sql(const char *uri, const char *sql) {
  PGconn *c = t_pg_conn(uri);
  t_pg_buf cols = {0}, reg = {0};
  PGresult *last = NULL;
  int inserts = 0;
  char *copy = strdup(sql);
  for (char *p = copy, *start = copy;; ) {
    if (*p == ';' || !*p) {
      int end = !*p;
      *p = 0;
      PGresult *r = t_pg_stmt(c, start, &cols, &reg, &inserts);
      if (r) { PQclear(last); last = r; }
      if (end) break;
      start = ++p;
    } else {
      p = (char *)t_pg_skip(p);
    }
  }
  free(copy);
  PQclear(t_pg_must(c, "DROP VIEW IF EXISTS pg_temp.contacts"));
  if (cols.n) {
    for (size_t at = 0; at < reg.n; at += strlen(reg.p + at) + 1)
      PQclear(t_pg_must(c, reg.p + at));
    free(reg.p);
    t_pg_buf q = {0};
    t_pg_put(&q, "SELECT lr_compat.fold_columns(ARRAY[", 36);
    t_pg_put(&q, cols.p, cols.n);
    t_pg_put(&q, "]::text[])", 10);
    PQclear(t_pg_must(c, q.p));
    free(q.p);
    free(cols.p);
  }
  if (inserts) PQclear(t_pg_must(c, "SELECT lr_compat.sync_seqs()"));
  return last;
}

/* A value as SQLite's text of it: a real as "%!.15g" (87.0), a true as
** 1, a JSON string bare.  NULL for NULL. */
static inline const char *t_pg_value(PGresult *r, int row, int col) {
  static char bufs[16][4096];
  static int k;
  if (PQgetisnull(r, row, col)) return NULL;
  const char *v = PQgetvalue(r, row, col);
  char *b = bufs[k++ % 16];
  Oid t = PQftype(r, col);
  if (t == 701 || t == 700) {                    /* float8, float4 */
    snprintf(b, 4096, "%.15g", strtod(v, NULL));
    char *e = strchr(b, 'e');
    if (!strchr(b, '.') && isdigit((unsigned char)b[strlen(b) - 1])) {
      if (e) {
        memmove(e + 2, e, strlen(e) + 1);
        memcpy(e, ".0", 2);
      } else {
        strcat(b, ".0");
      }
    }
    return b;
  }
  if (t == 16) return strcmp(v, "t") == 0 ? "1" : "0";   /* bool */
  if ((t == 3802 || t == 114) && v[0] == '"') {           /* jsonb, json */
    size_t n = 0;
    for (const char *p = v + 1; *p && p[1] && n < 4095; p++)
      b[n++] = (*p == '\\' && p[1]) ? *++p : *p;
    b[n] = 0;
    return b;
  }
  snprintf(b, 4096, "%s", v);
  return b;
}

/* The first column of the first row of q: *found 0 when there is none.
** As SQLite's text (t_pg_value), or with raw set as PostgreSQL's (a
** real to its last digit), a true as 1. */
static inline const char *t_pg_first_as(const char *uri, const char *q,
                                        int *found, int raw) {
  static char bufs[4][64];
  static int k;
  PGresult *r = t_pg_sql(uri, q);
  const char *v = NULL;
  *found = r && PQntuples(r) > 0 && PQnfields(r) > 0;
  if (*found) v = t_pg_value(r, 0, 0);
  if (*found && v && raw && PQftype(r, 0) != 16) {
    char *b = bufs[k++ % 4];
    snprintf(b, 64, "%s", PQgetvalue(r, 0, 0));
    v = b;
  }
  PQclear(r);
  return v;
}

static inline const char *t_pg_first(const char *uri, const char *q,
                                     int *found) {
  return t_pg_first_as(uri, q, found, 0);
}

/* FNV-1a over every table's name, columns and rows (sorted as text). */
static inline unsigned long long t_pg_digest(const char *uri) {
  unsigned long long h = 1469598103934665603ULL;
  PGconn *c = t_pg_conn(uri);
  PGresult *t = t_pg_must(c, "SELECT table_name FROM information_schema."
                          "tables WHERE table_schema = 'public' ORDER BY 1");
  for (int i = 0; i < PQntuples(t); i++) {
    char q[512];
    snprintf(q, sizeof q, "SELECT '%s', (SELECT string_agg(column_name || "
             "data_type, ',' ORDER BY ordinal_position) FROM information_"
             "schema.columns WHERE table_schema = 'public' AND table_name = "
             "'%s'), (SELECT string_agg(x::text, E'\\n' ORDER BY x::text) "
             "FROM public.\"%s\" x)", PQgetvalue(t, i, 0), PQgetvalue(t, i, 0),
             PQgetvalue(t, i, 0));
    PGresult *r = t_pg_must(c, q);
    for (int j = 0; j < 3; j++) {
      const unsigned char *u = (const unsigned char *)PQgetvalue(r, 0, j);
      for (; *u; u++) h = (h ^ *u) * 1099511628211ULL;
      h = (h ^ 0xff) * 1099511628211ULL;
    }
    PQclear(r);
  }
  PQclear(t);
  return h;
}

/* A new test database `name`, a copy of the test database at uri (its
** connections closed: PostgreSQL copies a template nobody is in). */
__attribute__((unused)) static const char *t_pg_copy(const char *uri,
                                                     const char *name) {
  const char *src = NULL;
  for (int i = 0; i < t_pg_n; i++)
    if (strcmp(t_pg_dbs[i].uri, uri) == 0) {
      if (t_pg_dbs[i].c) PQfinish(t_pg_dbs[i].c);
      t_pg_dbs[i].c = NULL;
      src = t_pg_dbs[i].db;
    }
  if (!src) t_pg_die("%s is not a test database (t_db)", uri);
  const char *to = t_db(name);
  int i = 0;
  while (strcmp(t_pg_dbs[i].uri, to) != 0) i++;
  PQfinish(t_pg_dbs[i].c);
  t_pg_dbs[i].c = NULL;
  char q[256];
  snprintf(q, sizeof q, "DROP DATABASE %s", t_pg_dbs[i].db);
  t_pg_admin(q);
  snprintf(q, sizeof q, "CREATE DATABASE %s TEMPLATE %s", t_pg_dbs[i].db, src);
  t_pg_admin(q);
  return to;
}

/* The rows of each ';'-separated query on the test database at uri,
** written to the file out as SQLite's shell prints them ('|' between
** columns). */
__attribute__((unused)) static void t_pg_dump(const char *uri,
                                              const char *queries,
                                              const char *out) {
  FILE *f = fopen(out, "w");
  if (!f) t_pg_die("cannot write %s", out);
  char *copy = strdup(queries);
  for (char *q = strtok(copy, ";"); q; q = strtok(NULL, ";")) {
    PGresult *r = t_pg_sql(uri, q);
    for (int i = 0; r && i < PQntuples(r); i++)
      for (int j = 0; j < PQnfields(r); j++) {
        const char *v = t_pg_value(r, i, j);
        fprintf(f, "%s%s", v ? v : "", j + 1 < PQnfields(r) ? "|" : "\n");
      }
    PQclear(r);
  }
  free(copy);
  fclose(f);
}

/* Every row of every table but `except`, as text ("table|v|...\n", each
** table's rows ordered by its first two columns); malloc'ed. */
__attribute__((unused)) static char *t_pg_tables(const char *uri,
                                                 const char *except) {
  t_pg_buf b = {0};
  char q[512];
  snprintf(q, sizeof q, "SELECT table_name FROM information_schema.tables "
           "WHERE table_schema = 'public' AND table_name <> '%s' ORDER BY 1",
           except);
  PGresult *t = t_pg_sql(uri, q);
  for (int i = 0; t && i < PQntuples(t); i++) {
    const char *name = PQgetvalue(t, i, 0);
    snprintf(q, sizeof q, "SELECT * FROM public.\"%s\" ORDER BY 1, 2", name);
    PGresult *r = t_pg_sql(uri, q);
    for (int j = 0; r && j < PQntuples(r); j++) {
      t_pg_put(&b, name, strlen(name));
      for (int c = 0; c < PQnfields(r); c++) {
        const char *v = t_pg_value(r, j, c);
        t_pg_put(&b, "|", 1);
        t_pg_put(&b, v ? v : "NULL", strlen(v ? v : "NULL"));
      }
      t_pg_put(&b, "\n", 1);
    }
    PQclear(r);
  }
  PQclear(t);
  if (!b.p) t_pg_put(&b, "", 0);
  return b.p;
}

/* Rows of `table` in the test database a and not in b, plus those in b
** and not in a (as SQLite's EXCEPT both ways, on two databases). */
__attribute__((unused)) static long long t_pg_diff(const char *a,
                                                   const char *b,
                                                   const char *table) {
  char q[256];
  snprintf(q, sizeof q, "SELECT t FROM (SELECT DISTINCT x::text AS t FROM "
           "public.\"%s\" x) d ORDER BY t COLLATE \"C\"", table);
  PGresult *ra = t_pg_sql(a, q), *rb = t_pg_sql(b, q);
  if (!ra || !rb) t_pg_die("%s: no rows", q);
  int i = 0, j = 0, na = PQntuples(ra), nb = PQntuples(rb);
  long long n = 0;
  while (i < na || j < nb) {
    int c = i == na ? 1 : j == nb ? -1
          : strcmp(PQgetvalue(ra, i, 0), PQgetvalue(rb, j, 0));
    if (c == 0) { i++; j++; }
    else if (c < 0) { i++; n++; }
    else { j++; n++; }
  }
  PQclear(ra);
  PQclear(rb);
  return n;
}

#endif
