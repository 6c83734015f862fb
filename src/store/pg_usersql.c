/*
** pg_usersql.c -- the guard of SQL written by users (a segment's
** `where`) on PostgreSQL.  It runs in a reader's READ ONLY transaction
** under a statement_timeout (pg_snap.c), over one row of typed contact
** columns (pg_scan_cols.c); here, before it first runs: it may call only
** the functions of the common subset (FUNCS: none that sleeps, locks,
** sets settings or reads files), and its plan may read no table but
** contacts, activities and outcomes, as SQLite's authorizer (usersql.c)
** lets it (EXPLAIN names every relation a subquery would read).  The
** EXPLAIN and the SQL itself run as a role of its own that may only read
** those (lrs_pg_user_query), where the user may create one; else as the
** login user.
*/
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db_int.h"
#include "pg_int.h"

/* Words a '(' may follow: SQL's own, and the functions both SQLite and
** PostgreSQL have with the same meaning. */
static const char *const FUNCS[] = {
  "in", "not", "and", "or", "exists", "any", "all", "some", "between",
  "like", "is", "then", "else", "when", "case", "as", "cast", "select",
  "where", "on", "escape", "values", "from", "coalesce", "nullif",
  "lower", "upper", "length", "substr", "substring", "trim", "ltrim",
  "rtrim", "abs", "round", "replace", "max", "min", "count", "sum", "avg",
  NULL,
};

static int allowed(const char *w, size_t n) {
  for (int i = 0; FUNCS[i]; i++)
    if (strlen(FUNCS[i]) == n && strncasecmp(FUNCS[i], w, n) == 0) return 1;
  return 0;
}

/* p past spaces and comments ("--" to the line's end, nested slash-star),
** which PostgreSQL takes for spaces: "pg_sleep/ * * /(1)" is a call. */
static const char *skip_gap(const char *p) {
  for (;;) {
    while (isspace((unsigned char)*p)) p++;
    if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n') p++;
    } else if (p[0] == '/' && p[1] == '*') {
      int depth = 1;
      for (p += 2; *p && depth; p++) {
        if (p[0] == '/' && p[1] == '*') depth++, p++;
        else if (p[0] == '*' && p[1] == '/') depth--, p++;
      }
    } else {
      return p;
    }
  }
}

static int ident_char(char c) {
  return isalnum((unsigned char)c) || c == '_' || c == '$' ||
         (unsigned char)c >= 0x80;
}

/* Past a literal at p ('...', E'...' with backslashes, "...", $tag$...$tag$)
** the way PostgreSQL reads it; p itself if none starts there. */
static const char *skip_literal(const char *start, const char *p) {
  if (*p == '$') {
    const char *t = p + 1;
    if (isdigit((unsigned char)*t)) return p;         /* $1: a parameter */
    while (isalnum((unsigned char)*t) || *t == '_' ||
           (unsigned char)*t >= 0x80) t++;
    if (*t != '$') return p;
    size_t n = (size_t)(t + 1 - p);
    const char *end = t + 1;
    while (*end && strncmp(end, p, n) != 0) end++;
    return *end ? end + n : end;
  }
  if (*p != '\'' && *p != '"') return p;
  int esc = *p == '\'' && p > start && (p[-1] == 'E' || p[-1] == 'e') &&
            (p - 1 == start || !ident_char(p[-2]));
  char q = *p++;
  while (*p && !(*p == q && p[1] != q)) {
    if (esc && *p == '\\' && p[1]) p += 2;
    else p += *p == q ? 2 : 1;
  }
  return *p ? p + 1 : p;
}

/* What one walk over the SQL finds first: a call of a function not
** allowed (a word followed by '(' that is not in FUNCS, or a quoted name
** followed by '(': "pg_read_file"(...)), and a literal or parameter only
** PostgreSQL reads ($$won$$, $tag$won$tag$, E'won', U&'won', B'01',
** X'1F', N'won', $1), which SQLite refuses or reads another way (X'1F' a
** blob, $$won$$ a parameter bound to NULL).  It skips string literals and
** comments as PostgreSQL's lexer does, and stops at the first call (the
** refusal said first). */
typedef struct found {
  const char *call, *pg;             /* NULL: none */
  size_t call_n, pg_n;
} found;

static void first(const char **at, size_t *len, const char *p, size_t n) {
  if (*at) return;
  *at = p;
  *len = n;
}

static int is_word(const char *w, size_t n, const char *word) {
  return strlen(word) == n && strncasecmp(w, word, n) == 0;
}

static void walk(const char *start, found *f) {
  const char *p = start;
  int with = 0;                      /* 1 after WITH, 2 after WITH RECURSIVE */
  memset(f, 0, sizeof *f);
  while (*p && !f->call) {
    const char *g = skip_gap(p);
    if (g != p) {
      p = g;
      continue;
    }
    const char *l = skip_literal(start, p);
    if (l != p) {
      const char *w = p;             /* a prefix glued to the quote */
      while (*p == '\'' && w > start && (ident_char(w[-1]) || w[-1] == '&'))
        w--;
      if (*p == '"' && *skip_gap(l) == '(')
        first(&f->call, &f->call_n, p, (size_t)(l - p));
      else if (*p == '$' || w != p)
        first(&f->pg, &f->pg_n, w, (size_t)(l - w));
      p = l;
      with = 0;
      continue;
    }
    if (*p == '$' && isdigit((unsigned char)p[1])) {   /* $1 */
      const char *e = p + 1;
      while (isdigit((unsigned char)*e)) e++;
      first(&f->pg, &f->pg_n, p, (size_t)(e - p));
    }
    if (!ident_char(*p)) {
      p++;
      with = 0;
      continue;
    }
    const char *w = p;               /* a word, or a number: 1e5, not $a$ */
    while (ident_char(*p) || *p == '.') p++;
    size_t n = (size_t)(p - w);
    /* The name after WITH [RECURSIVE] is a query's: r(n) lists its
    ** columns, no call (a recursive one is refused by its plan). */
    int cte = with != 0;
    with = is_word(w, n, "with") ? 1
         : with == 1 && is_word(w, n, "recursive") ? 2 : 0;
    if (!cte && !isdigit((unsigned char)*w) && *skip_gap(p) == '(' &&
        !allowed(w, n))
      first(&f->call, &f->call_n, w, n);
  }
}

int lrs_pg_user_calls(const char *sql, char *why, size_t n) {
  found f;
  walk(sql, &f);
  if (f.call) {
    snprintf(why, n, "%.*s() may not be called here (on PostgreSQL a "
             "segment's SQL may call: coalesce, nullif, lower, upper, "
             "length, substr, substring, trim, ltrim, rtrim, abs, round, "
             "replace)", (int)f.call_n, f.call);
    return LR_POLICY;
  }
  if (!f.pg) return LR_OK;
  snprintf(why, n, "%.*s is PostgreSQL's own syntax, which SQLite reads "
           "another way or not at all: write text in single quotes ('won') "
           "and values as literals", f.pg_n > 60 ? 60 : (int)f.pg_n, f.pg);
  return LR_POLICY;
}

/* Is the relation name[0..k) one of the tables ("a,b,c")? */
static int listed(const char *tables, const char *name, size_t k) {
  for (const char *t = tables; *t; t += strcspn(t, ",") + (t[strcspn(t, ",")] != 0))
    if (strcspn(t, ",") == k && strncmp(t, name, k) == 0) return 1;
  return 0;
}

int lrs_pg_user_plan(const char *plan, const char *tables, const char *what,
                     char *why, size_t n) {
  const char *key = "\"Relation Name\": \"";
  for (const char *r = strstr(plan, key); r; r = strstr(r + 1, key)) {
    const char *name = r + strlen(key);
    size_t k = strcspn(name, "\"");
    if (listed(tables, name, k)) continue;
    snprintf(why, n, "it reads the table %.*s (%s)", (int)k, name, what);
    return LR_POLICY;
  }
  return LR_OK;
}

static int find_role(lrs_snap *s);

/* EXPLAIN sql as the login user, or as the SQL will run (lrs_pg_user_query:
** the reader role where there is one); *res NULL if there is none. */
static int explain(lrs_snap *s, const char *sql, int nparams, int as_role,
                   PGresult **res, char *why, size_t n) {
  *res = NULL;
  int rc = as_role ? find_role(s) : LR_OK;
  if (rc != LR_OK) {
    snprintf(why, n, "reader role: %s", lrs_snap_errmsg(s));
    return rc;
  }
  if (as_role && !s->pgrole[0]) return LR_OK;
  lr_buf ex = LR_BUF_INIT;
  lrb_printf(&ex, "EXPLAIN (FORMAT JSON) %s", sql);
  const char *p[] = { "1", "0" };
  rc = ex.oom ? LR_NOMEM
           : as_role ? lrs_pg_user_query(s, lrb_str(&ex), nparams, p, res)
                     : lrs_pg_snap_query(s, lrb_str(&ex), nparams, p, res);
  lrb_free(&ex);
  if (rc == LR_OK) return LR_OK;
  snprintf(why, n, "SQL failed on PostgreSQL: %s", lrs_snap_errmsg(s));
  return LR_POLICY;
}

/* The plan as the login user names what the SQL reads; the plan as the
** reader role, as a run reads it, refuses what the plan does not show
** yet the role may not read (a subquery the planner folds away, another
** schema's table named contacts), so that `check` refuses what a run
** would. */
int lrs_pg_user_check(lrs_snap *s, const char *sql, const char *where,
                      int nparams, char *why, size_t n) {
  if (lrs_pg_user_calls(where, why, n) != LR_OK) return LR_POLICY;
  PGresult *res;
  int rc = explain(s, sql, nparams, 0, &res, why, n);
  if (rc != LR_OK) return rc;
  char t[256];
  const char *plan = PQntuples(res) ? PQgetvalue(res, 0, 0) : "";
  /* As SQLite's authorizer refuses SQLITE_RECURSIVE (usersql.c). */
  if (strstr(plan, "\"Node Type\": \"Recursive Union\"")) {
    PQclear(res);
    snprintf(why, n, "%s", LRS_USER_RECURSIVE);
    return LR_POLICY;
  }
  rc = lrs_pg_user_plan(plan, LRS_PG_USER_TABLES, "a segment's SQL reads "
                        "contacts, activities and outcomes only", t,
                        sizeof t);
  PQclear(res);
  /* "segment SQL: it reads the table runs (...)", as SQLite's store says
  ** it (usersql.c) for a segment, leads{where=} and count() alike. */
  if (rc != LR_OK) snprintf(why, n, "segment SQL: %s", t);
  if (rc != LR_OK) return rc;
  rc = explain(s, sql, nparams, 1, &res, why, n);
  PQclear(res);
  return rc;
}

void lrs_pg_user_with(lr_buf *b, const char *view, const char *from) {
  lrb_printf(b, "WITH lr_batch AS (SELECT %s FROM %s), contacts AS (SELECT "
             "%s FROM " LRS_PG_CONTACTS " AS contacts) ", view, from, view);
}

/* The role's name: one per database and schema, so that a member of one
** database's role reads no other database's contacts. */
#define ROLE_NAME "'leadrules_read_' || substr(md5(current_database() || " \
                  "'.' || current_schema()), 1, 16)"

const char LRS_PG_READER_ROLE_SQL[] =
  "DO $lr$ DECLARE r text := " ROLE_NAME "; BEGIN "
  "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN "
  "  IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles "
  "          WHERE rolname = current_user) THEN RETURN; END IF; "
  "  EXECUTE format('CREATE ROLE %I NOLOGIN', r); "
  "END IF; "
  "IF NOT pg_has_role(current_user, r, 'MEMBER') THEN "
  "  EXECUTE format('GRANT %I TO %I', r, current_user); END IF; "
  "EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), r); "
  "EXECUTE format('GRANT SELECT ON contacts, contact_state, activities, "
  "outcomes TO %I', r); "
  "EXCEPTION WHEN insufficient_privilege OR duplicate_object THEN NULL; "
  "END $lr$";

/* The role the user's SQL runs as: no row when the database has none,
** or when this user may not take it. */
#define FIND_ROLE "SELECT r FROM (SELECT " ROLE_NAME " AS r) x WHERE CASE " \
  "WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r AND " \
  "pg_has_role(current_user, oid, 'MEMBER')) THEN " \
  "has_table_privilege(r, 'contacts', 'SELECT') AND " \
  "has_table_privilege(r, 'contact_state', 'SELECT') ELSE false END"

int lrs_pg_reader_role(lr_db *db, char *role, size_t n, char *user,
                       size_t un) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT current_user, (" FIND_ROLE ")", 0, NULL,
                        &res, "reader role");
  if (rc != LR_OK) return rc;
  snprintf(role, n, "%s", PQgetvalue(res, 0, 1));
  snprintf(user, un, "%s", PQgetvalue(res, 0, 0));
  PQclear(res);
  return LR_OK;
}

/* The reader role of s's database, once: "" when it has none, or when
** this user may not take it. */
static int find_role(lrs_snap *s) {
  if (s->pgrole_known) return LR_OK;
  PGresult *res;
  int rc = lrs_pg_snap_query(s, FIND_ROLE, 0, NULL, &res);
  if (rc != LR_OK) return rc;
  snprintf(s->pgrole, sizeof s->pgrole, "%s",
           PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
  PQclear(res);
  s->pgrole_known = 1;
  return LR_OK;
}

int lrs_pg_user_role_local(lrs_snap *s) {
  int rc = find_role(s);
  if (rc != LR_OK || !s->pgrole[0]) return rc;
  char set[128];
  snprintf(set, sizeof set, "SET LOCAL ROLE \"%s\"", s->pgrole);
  PGresult *r;
  rc = lrs_pg_snap_query(s, set, 0, NULL, &r);
  PQclear(r);
  return rc;
}

int lrs_pg_user_query(lrs_snap *s, const char *sql, int n,
                      const char *const *params, PGresult **out) {
  static const char *const none[1];
  *out = NULL;
  int rc = find_role(s);
  if (rc != LR_OK || !s->pgrole[0])
    return rc != LR_OK ? rc
                       : lrs_pg_snap_query(s, sql, n, params ? params : none,
                                           out);
  /* SET, not SET LOCAL: the main connection may be outside a
  ** transaction; an aborted transaction undoes it, else RESET does. */
  char set[128];
  snprintf(set, sizeof set, "SET ROLE \"%s\"", s->pgrole);
  PGresult *r;
  if ((rc = lrs_pg_snap_query(s, set, 0, NULL, &r)) != LR_OK) return rc;
  PQclear(r);
  rc = lrs_pg_snap_query(s, sql, n, params ? params : none, out);
  PQclear(PQexec(s->pg, "RESET ROLE"));
  return rc;
}
