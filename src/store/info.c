/*
** info.c -- lr_info: what a database holds, as text or JSON.  The same on
** both backends: every query here is SQL that SQLite and PostgreSQL both
** take (lrs_rows_text), except where the fields' order is read.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_int.h"
#include "pg_int.h"
#include "store.h"

typedef struct info_out {
  lr_db *db;
  lr_buf b;
  int json;
  int k;                       /* rows written of the current list */
  long long n;                 /* count() */
} info_out;

static long long num(const char *s) { return s ? atoll(s) : 0; }

static int got_count(void *ctx, int n, const char *const *v) {
  info_out *o = ctx;
  o->n = n ? num(v[0]) : -1;
  return 0;
}

static long long count(info_out *o, const char *sql) {
  o->n = -1;
  if (lrs_rows_text(o->db, sql, got_count, o, "info") != LR_OK) o->n = -1;
  return o->n;
}

static void when(char *buf, size_t n, long long t) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (t <= 0 || !gmtime_r(&tt, &tm)) snprintf(buf, n, "-");
  else strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void jstr(lr_buf *b, const char *s) {
  lrb_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

/* name, type, header, builtin, imported */
static int field_row(void *ctx, int n, const char *const *v) {
  (void)n;
  info_out *o = ctx;
  int builtin = num(v[3]) != 0, imported = num(v[4]) != 0;
  if (o->json) {
    lrb_adds(&o->b, o->k++ ? ",{\"name\":" : "{\"name\":");
    jstr(&o->b, v[0]);
    lrb_adds(&o->b, ",\"type\":");
    jstr(&o->b, v[1]);
    lrb_adds(&o->b, ",\"header\":");
    jstr(&o->b, v[2]);
    lrb_printf(&o->b, ",\"builtin\":%s,\"imported\":%s}",
               builtin ? "true" : "false", imported ? "true" : "false");
  } else {
    const char *note = builtin && !imported ? "(well-known, not imported)"
                       : v[2] && *v[2] ? v[2] : "(empty header)";
    lrb_printf(&o->b, "  %-32s %-8s %s\n", v[0], v[1], note);
  }
  return 0;
}

static int fields(lr_db *db, info_out *o) {
  o->k = 0;
  if (o->json) lrb_adds(&o->b, ",\"fields\":[");
  else lrb_printf(&o->b, "fields:\n  %-32s %-8s %s\n", "name", "type",
                  "original header");
  int rc = lrs_rows_text(db, lrs_is_pg(db)
      ? "SELECT name, type, header, builtin, CASE WHEN import_seq IS NOT NULL "
        "THEN 1 ELSE 0 END FROM fields ORDER BY ord"
      : "SELECT f.name, f.type, f.header, f.builtin, f.import_seq IS NOT NULL "
        "FROM pragma_table_info('contacts') AS c JOIN fields AS f "
        "ON f.name = c.name ORDER BY c.cid", field_row, o, "info");
  if (o->json) lrb_adds(&o->b, "]");
  return rc;
}

/* id, kind, file, at, rows_read, inserted, updated, merged, rejected,
** fields_created */
static int import_row(void *ctx, int n, const char *const *v) {
  (void)n;
  info_out *o = ctx;
  char at[32];
  when(at, sizeof at, num(v[3]));
  long long x[6];
  for (int i = 0; i < 6; i++) x[i] = num(v[4 + i]);
  if (o->json) {
    lrb_printf(&o->b, "%s{\"id\":%lld,\"kind\":", o->k++ ? "," : "",
               num(v[0]));
    jstr(&o->b, v[1]);
    lrb_adds(&o->b, ",\"file\":");
    jstr(&o->b, v[2]);
    lrb_printf(&o->b, ",\"at\":\"%s\",\"rows_read\":%lld,\"inserted\":%lld,"
               "\"updated\":%lld,\"merged\":%lld,\"rejected\":%lld,"
               "\"fields_created\":%lld}", at, x[0], x[1], x[2], x[3], x[4],
               x[5]);
  } else {
    if (!o->k++) lrb_adds(&o->b, "recent imports:\n");
    lrb_printf(&o->b, "  #%lld %s %s %s: %lld rows (%lld inserted, %lld "
               "updated, %lld merged, %lld rejected)\n", num(v[0]), at,
               v[1], v[2], x[0], x[1], x[2], x[3], x[4]);
  }
  return 0;
}

static int imports(lr_db *db, info_out *o) {
  o->k = 0;
  if (o->json) lrb_adds(&o->b, ",\"recent_imports\":[");
  int rc = lrs_rows_text(db,
      "SELECT id, kind, file, at, rows_read, inserted, updated, merged, "
      "rejected, fields_created FROM imports ORDER BY id DESC LIMIT 5",
      import_row, o, "info");
  if (o->json) lrb_adds(&o->b, "]");
  return rc;
}

/* id, kind, policy, now, evaluated */
static int run_row(void *ctx, int n, const char *const *v) {
  (void)n;
  info_out *o = ctx;
  char at[32];
  when(at, sizeof at, num(v[3]));
  if (o->json) {
    lrb_printf(&o->b, ",\"last_run\":{\"id\":%lld,\"kind\":", num(v[0]));
    jstr(&o->b, v[1]);
    lrb_adds(&o->b, ",\"policy\":");
    jstr(&o->b, v[2]);
    lrb_printf(&o->b, ",\"now\":\"%s\",\"evaluated\":%lld}", at, num(v[4]));
  } else {
    lrb_printf(&o->b, "last run: #%lld %s %s, now %s, %lld contacts\n",
               num(v[0]), v[1], v[2] ? v[2] : "-", at, num(v[4]));
  }
  return 0;
}

/* PostgreSQL: whom a segment's `where` runs as, the reader role that
** may read contacts only, or the login user when it may not create one
** (docs/postgresql.md).  Nothing on SQLite, whose SQL has no roles. */
static int user_sql(lr_db *db, info_out *o) {
  char role[80], user[80];
  if (!lrs_is_pg(db)) return LR_OK;
  int rc = lrs_pg_reader_role(db, role, sizeof role, user, sizeof user);
  if (rc != LR_OK) return rc;
  if (o->json) {
    lrb_adds(&o->b, ",\"user_sql_role\":");
    if (role[0]) jstr(&o->b, role);
    else lrb_adds(&o->b, "null");
  } else if (role[0]) {
    lrb_printf(&o->b, "user sql:   as role %s (reads contacts, activities and "
               "outcomes only)\n", role);
  } else {
    lrb_printf(&o->b, "user sql:   as the login user %s (no reader role: "
               "creating one needs CREATEROLE or superuser)\n", user);
  }
  return LR_OK;
}

static int last_run(lr_db *db, info_out *o) {
  return lrs_rows_text(db, "SELECT id, kind, policy, now, evaluated FROM "
                       "runs ORDER BY id DESC LIMIT 1", run_row, o, "info");
}

int lr_info(lr_db *db, int format, lr_write_fn write, void *ctx) {
  if (!lrs_is_open(db) || !write)
    return lr__err(db, LR_MISUSE, "lr_info: no database or writer");
  info_out o = { db, LR_BUF_INIT, format == LR_FMT_JSON, 0, 0 };
  long long version = count(&o, lrs_is_pg(db)
      ? "SELECT v::bigint FROM meta WHERE k = 'schema_version'"
      : "PRAGMA user_version");
  long long contacts = count(&o, "SELECT count(*) FROM contacts");
  long long activities = count(&o, "SELECT count(*) FROM activities");
  long long types = count(&o, "SELECT count(DISTINCT type) FROM activities");
  long long won = count(&o, "SELECT count(*) FROM outcomes WHERE result='won'");
  long long lost = count(&o, "SELECT count(*) FROM outcomes WHERE result='lost'");
  long long nimports = count(&o, "SELECT count(*) FROM imports");
  long long runs = count(&o, "SELECT count(*) FROM runs");
  /* db->path: a PostgreSQL URI is kept without its password (api.c). */
  int rc;
  if (o.json) {
    lrb_adds(&o.b, "{\"database\":");
    jstr(&o.b, db->path);
    lrb_printf(&o.b, ",\"schema_version\":%lld,\"key_field\":", version);
    jstr(&o.b, db->key_field);
    rc = user_sql(db, &o);
    lrb_printf(&o.b, ",\"contacts\":%lld,\"activities\":%lld,"
               "\"activity_types\":%lld,\"outcomes\":{\"won\":%lld,"
               "\"lost\":%lld},\"imports\":%lld,\"runs\":%lld", contacts,
               activities, types, won, lost, nimports, runs);
  } else {
    lrb_printf(&o.b, "database:   %s (schema version %lld)\n", db->path,
               version);
    lrb_printf(&o.b, "key field:  %s\n", db->key_field);
    rc = user_sql(db, &o);
    lrb_printf(&o.b, "contacts:   %lld\n", contacts);
    lrb_printf(&o.b, "activities: %lld (%lld types)\n", activities, types);
    lrb_printf(&o.b, "outcomes:   %lld (%lld won, %lld lost)\n", won + lost,
               won, lost);
    lrb_printf(&o.b, "imports:    %lld\nruns:       %lld\n", nimports, runs);
  }
  if (rc == LR_OK) rc = fields(db, &o);
  if (rc == LR_OK) rc = imports(db, &o);
  if (rc == LR_OK) rc = last_run(db, &o);
  if (rc == LR_OK && o.json) lrb_adds(&o.b, "}\n");
  if (rc == LR_OK && o.b.oom) rc = lr__err(db, LR_NOMEM, "out of memory");
  if (rc == LR_OK && write(ctx, lrb_str(&o.b), o.b.n))
    rc = lr__err(db, LR_IO, "info: writing the output failed");
  lrb_free(&o.b);
  return rc == LR_OK ? lr__ok(db) : rc;
}
