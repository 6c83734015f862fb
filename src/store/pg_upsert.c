/*
** pg_upsert.c -- a contacts import on PostgreSQL: every row is streamed
** with COPY into a temporary staging table, and the import ends in a few
** set-based statements: the last row of each key, which keys change, an
** UPDATE of the contacts that exist and an INSERT of the others.  The
** result is what SQLite's row-at-a-time upsert (contacts_io.c) leaves:
** the same values, ids, data_at, change_mark and counts (a key seen again
** in the same file is merged; the file's last row of a key wins; stage
** and owner only start a contact, unless the file repeats its key).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

struct lrs_pg_upsert {
  lr_db *db;
  int n;
  char **names;
  int *how;
  int *col;                /* type of each real column, -1: in data */
  long long seq, now, rows;
  lrs_pg_copy copy;        /* its buf: rows not yet sent */
};

/* A double as the shortest text that reads back the same; a real keeps
** a '.' or an exponent, so that its kind survives jsonb. */
static void put_real(lr_buf *b, double d, int mark) {
  char s[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(s, sizeof s, "%.*g", prec, d);
    for (char *p = s; *p; p++)
      if (*p == ',') *p = '.';           /* a locale's decimal comma */
    if (prec == 17 || strtod(s, NULL) == d) break;
  }
  lrb_adds(b, s);
  if (mark && !strpbrk(s, ".eEni")) lrb_adds(b, ".0");
}

/* Append s as COPY text: backslash, tab, newline and return escaped. */
static void copy_text(lr_buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
      case '\\': lrb_adds(b, "\\\\"); break;
      case '\t': lrb_adds(b, "\\t"); break;
      case '\n': lrb_adds(b, "\\n"); break;
      case '\r': lrb_adds(b, "\\r"); break;
      default: lrb_addc(b, s[i]);
    }
  }
}

void lrs_pg_copy_value(lr_buf *b, const lrs_value *v) {
  char s[32];
  switch (v ? v->type : LRS_NULL) {
    case LRS_INT: snprintf(s, sizeof s, "%lld", v->i); lrb_adds(b, s); break;
    /* -0 as 0: SQLite keeps a whole real as an integer, without a sign */
    case LRS_FLOAT: put_real(b, v->r == 0 ? 0.0 : v->r, 0); break;
    case LRS_STR: copy_text(b, v->s, v->n); break;
    default: lrb_adds(b, "\\N");
  }
}

void lrs_pg_json_value(lr_buf *b, const lrs_value *v) {
  char s[32];
  switch (v ? v->type : LRS_NULL) {
    case LRS_INT: snprintf(s, sizeof s, "%lld", v->i); lrb_adds(b, s); break;
    case LRS_FLOAT:
      if (v->r != v->r || v->r - v->r != 0) lrb_adds(b, "null");
      else put_real(b, v->r, 1);
      break;
    case LRS_STR: lrb_json_str(b, v->s, v->n); break;
    default: lrb_adds(b, "null");
  }
}

static const char *const CAST[] = { "", "::bigint", "::double precision" };

/* The cast of staging column j to its contacts column. */
static const char *cast(const struct lrs_pg_upsert *u, int j) {
  if (strcmp(u->names[j], "company_size") == 0) return "::numeric";
  return CAST[u->col[j]];
}

int lrs_pg_upsert_open(lr_db *db, const char *const *names, const int *how,
                       int n, long long seq, long long now,
                       struct lrs_pg_upsert **out) {
  *out = NULL;
  struct lrs_pg_upsert *u = calloc(1, sizeof *u);
  if (!u) return lr__err(db, LR_NOMEM, "out of memory");
  *out = u;
  u->db = db;
  u->n = n;
  u->seq = seq;
  u->now = now;
  u->names = calloc((size_t)n + 1, sizeof *u->names);
  u->how = calloc((size_t)n + 1, sizeof *u->how);
  u->col = calloc((size_t)n + 1, sizeof *u->col);
  if (!u->names || !u->how || !u->col)
    return lr__err(db, LR_NOMEM, "out of memory");
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "DROP TABLE IF EXISTS pg_temp.lr_stage; CREATE TEMP TABLE "
                 "lr_stage(ord bigint, key text, data jsonb");
  for (int j = 0; j < n; j++) {
    u->names[j] = strdup(names[j]);
    if (!u->names[j]) return lr__err(db, LR_NOMEM, "out of memory");
    u->how[j] = how[j];
    u->col[j] = lrs_pg_column_type(names[j]);
    if (u->col[j] >= 0) lrb_printf(&sql, ", v%d text", j);
  }
  lrb_adds(&sql, ") ON COMMIT DROP; COPY lr_stage FROM STDIN");
  if (sql.oom) {
    lrb_free(&sql);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  int rc = lrs_pg_copy_begin(&u->copy, db, sql.p, "import");
  lrb_free(&sql);
  return rc;
}

int lrs_pg_upsert_row(struct lrs_pg_upsert *u, const char *key,
                      size_t keylen, const lrs_value *vals) {
  lr_buf *b = &u->copy.buf;
  lrb_printf(b, "%lld\t", ++u->rows);
  copy_text(b, key, keylen);
  lrb_addc(b, '\t');
  lr_buf doc = LR_BUF_INIT;
  lrb_addc(&doc, '{');
  for (int j = 0; j < u->n; j++) {
    if (u->col[j] >= 0) continue;
    if (doc.n > 1) lrb_addc(&doc, ',');
    lrb_json_str(&doc, u->names[j], strlen(u->names[j]));
    lrb_addc(&doc, ':');
    lrs_pg_json_value(&doc, &vals[j]);
  }
  lrb_addc(&doc, '}');
  copy_text(b, doc.p, doc.n);
  if (doc.oom) b->oom = 1;
  lrb_free(&doc);
  for (int j = 0; j < u->n; j++) {
    if (u->col[j] < 0) continue;
    lrb_addc(b, '\t');
    lrs_pg_copy_value(b, &vals[j]);
  }
  return lrs_pg_copy_row_end(&u->copy);
}

/* "row j of lr_stage s differs from contact c", as SQLite's upsert decides
** whether data_at moves (contacts_io.c changed()). */
static void changed(lr_buf *b, const struct lrs_pg_upsert *u) {
  lrb_adds(b, "false");
  for (int j = 0; j < u->n; j++) {
    lr_buf id = LR_BUF_INIT;
    lrs_quote_ident(&id, u->names[j]);
    if (u->col[j] < 0) {
      lrb_adds(b, " OR c.data->");
      lrs_pg_quote_str(b, u->names[j]);
      lrb_adds(b, " IS DISTINCT FROM nullif(s.data->");
      lrs_pg_quote_str(b, u->names[j]);
      lrb_adds(b, ", 'null')");
    } else if (u->how[j] == LRS_SET_START) {
      lrb_printf(b, " OR (c.%s IS NULL AND s.v%d IS NOT NULL)", lrb_str(&id), j);
    } else {
      lrb_printf(b, " OR c.%s IS DISTINCT FROM s.v%d%s", lrb_str(&id), j,
                 cast(u, j));
    }
    lrb_free(&id);
  }
}

static const char MARK[] = "(SELECT coalesce(max(id), 0) FROM runs)";

static void update_sql(lr_buf *b, const struct lrs_pg_upsert *u);
static void insert_sql(lr_buf *b, const struct lrs_pg_upsert *u, int bulk);

/* UPDATE the contacts the file names that exist, INSERT the others. */
static void write_sql(lr_buf *b, const struct lrs_pg_upsert *u, int bulk) {
  lrb_adds(b, "CREATE TEMP TABLE lr_last ON COMMIT DROP AS SELECT DISTINCT ON "
              "(key) s.*, count(*) OVER w AS n, min(ord) OVER w AS first "
              "FROM lr_stage s WINDOW w AS (PARTITION BY key) "
              "ORDER BY key, ord DESC;");
  /* Into an empty table every key is new: nothing to compare or update. */
  if (!bulk) update_sql(b, u);
  insert_sql(b, u, bulk);
}

/* col = l.vJ, or for a column that only starts a contact (stage, owner)
** l.vJ when the contact has none or the file repeats its key. */
static void set_col(lr_buf *b, const struct lrs_pg_upsert *u, int j) {
  lr_buf id = LR_BUF_INIT;
  lrs_quote_ident(&id, u->names[j]);
  if (u->how[j] == LRS_SET_START)
    lrb_printf(b, "%s = CASE WHEN l.n > 1 OR c.%s IS NULL THEN l.v%d%s "
               "ELSE c.%s END", id.p, id.p, j, cast(u, j), id.p);
  else
    lrb_printf(b, "%s = l.v%d%s", id.p, j, cast(u, j));
  if (id.oom) b->oom = 1;
  lrb_free(&id);
}

/* The columns of contact_state the file names (stage, owner), when it
** names any. */
static void state_sql(lr_buf *b, const struct lrs_pg_upsert *u) {
  int any = 0;
  for (int j = 0; j < u->n; j++) {
    if (u->col[j] < 0 || !lrs_pg_state_column(u->names[j])) continue;
    lrb_adds(b, any++ ? ", " : "UPDATE contact_state c SET ");
    set_col(b, u, j);
  }
  if (any)
    lrb_adds(b, " FROM lr_last l JOIN contacts k ON k.key = l.key "
                "WHERE c.contact_id = k.id;");
}

static void update_sql(lr_buf *b, const struct lrs_pg_upsert *u) {
  lrb_adds(b, "CREATE TEMP TABLE lr_changed ON COMMIT DROP AS SELECT DISTINCT "
              "s.key FROM lr_stage s JOIN " LRS_PG_CONTACTS " c ON c.key = "
              "s.key WHERE ");
  changed(b, u);
  lrb_adds(b, ";");
  state_sql(b, u);
  lrb_adds(b, "UPDATE contacts c SET ");
  for (int j = 0; j < u->n; j++) {
    if (u->col[j] < 0 || lrs_pg_state_column(u->names[j])) continue;
    set_col(b, u, j);
    lrb_adds(b, ", ");
  }
  /* In id order: each new row version goes at the table's end, so the
  ** contacts of an id range (what a run reads together) stay on few
  ** pages, as on SQLite, not spread over the table in key order. */
  lrb_printf(b, "data = jsonb_strip_nulls(c.data || l.data), import_seq = "
             "%lld, data_at = CASE WHEN l.ck IS NULL THEN c.data_at ELSE "
             "%lld END, change_mark = CASE WHEN l.ck IS NULL THEN "
             "c.change_mark ELSE %s END FROM (SELECT l.*, k.key AS ck, o.id "
             "AS cid FROM lr_last l JOIN contacts o ON o.key = l.key LEFT JOIN "
             "lr_changed k ON k.key = l.key ORDER BY o.id) l WHERE c.id = "
             "l.cid;", u->seq, u->now, MARK);
}

/* The new contacts, each with its row of contact_state (pg_schema.c):
** the stage and owner the file gives it, in id order. */
static void insert_sql(lr_buf *b, const struct lrs_pg_upsert *u, int bulk) {
  lrb_adds(b, "WITH n AS (INSERT INTO contacts(id, key, data, data_at, "
              "import_seq, change_mark");
  for (int j = 0; j < u->n; j++)
    if (u->col[j] >= 0 && !lrs_pg_state_column(u->names[j])) {
      lrb_adds(b, ", ");
      lrs_quote_ident(b, u->names[j]);
    }
  /* Ids as SQLite gives them: into an empty table the row number of the
  ** key's last row (its earlier rows were appended, then deleted); else
  ** one past the largest, in the order keys first appear. */
  lrb_printf(b, ") SELECT (SELECT coalesce(max(id), 0) FROM contacts) + %s, "
             "l.key, jsonb_strip_nulls(l.data), %lld, %lld, %s",
             bulk ? "l.ord" : "row_number() OVER (ORDER BY l.first)",
             u->now, u->seq, MARK);
  for (int j = 0; j < u->n; j++)
    if (u->col[j] >= 0 && !lrs_pg_state_column(u->names[j]))
      lrb_printf(b, ", l.v%d%s", j, cast(u, j));
  lrb_adds(b, " FROM lr_last l WHERE NOT EXISTS (SELECT 1 FROM contacts c "
              "WHERE c.key = l.key) ORDER BY l.first RETURNING id, key) "
              "INSERT INTO contact_state(contact_id");
  int any = 0;
  for (int j = 0; j < u->n; j++)
    if (u->col[j] >= 0 && lrs_pg_state_column(u->names[j])) {
      lrb_adds(b, ", ");
      lrs_quote_ident(b, u->names[j]);
      any = 1;
    }
  lrb_adds(b, ") SELECT n.id");
  for (int j = 0; j < u->n; j++)
    if (u->col[j] >= 0 && lrs_pg_state_column(u->names[j]))
      lrb_printf(b, ", l.v%d%s", j, cast(u, j));
  lrb_adds(b, any ? " FROM n JOIN lr_last l ON l.key = n.key ORDER BY n.id"
                  : " FROM n ORDER BY n.id");
}

int lrs_pg_upsert_finish(struct lrs_pg_upsert *u, long long *inserted,
                         long long *updated, long long *merged) {
  lr_db *db = u->db;
  *inserted = *updated = *merged = 0;
  int rc = lrs_pg_copy_end(&u->copy);
  if (rc != LR_OK) return rc;
  int any;
  if ((rc = lrs_pg_contacts_any(db, &any)) != LR_OK) return rc;
  PGresult *res;
  rc = lrs_pg_query(db, "SELECT count(DISTINCT key), count(DISTINCT key) "
                    "FILTER (WHERE EXISTS (SELECT 1 FROM contacts c WHERE "
                    "c.key = s.key)) FROM lr_stage s", 0, NULL, &res,
                    "import");
  if (rc != LR_OK) return rc;
  long long keys = atoll(PQgetvalue(res, 0, 0));
  *updated = atoll(PQgetvalue(res, 0, 1));
  PQclear(res);
  *inserted = keys - *updated;
  *merged = u->rows - keys;
  lr_buf sql = LR_BUF_INIT;
  write_sql(&sql, u, !any);
  if (sql.oom) rc = lr__err(db, LR_NOMEM, "out of memory");
  else rc = lrs_pg_exec(db, sql.p, "write contacts");
  lrb_free(&sql);
  if (rc == LR_OK)
    rc = lrs_pg_exec(db, "DROP TABLE IF EXISTS lr_stage, lr_last, lr_changed",
                     "import");
  if (rc == LR_OK) {
    lrs_pg_tidy_note(db, LRS_PG_TIDY_CONTACTS, *inserted + *updated);
    lrs_pg_tidy_note(db, LRS_PG_TIDY_STATE, *inserted);
  }
  return rc;
}

void lrs_pg_upsert_free(struct lrs_pg_upsert *u) {
  if (!u) return;
  for (int j = 0; u->names && j < u->n; j++) free(u->names[j]);
  free(u->names);
  free(u->how);
  free(u->col);
  lrs_pg_copy_free(&u->copy);
  free(u);
}

int lrs_pg_contacts_any(lr_db *db, int *any) {
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT EXISTS(SELECT 1 FROM contacts)", 0, NULL,
                        &res, "contacts");
  if (rc != LR_OK) return rc;
  *any = PQgetvalue(res, 0, 0)[0] == 't';
  PQclear(res);
  return LR_OK;
}
