/*
** info.c -- lr_info: what a database holds, as text or JSON.
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db_int.h"
#include "store.h"

typedef struct info_out {
  lr_buf b;
  int json;
} info_out;

static long long count(lr_db *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  long long n = -1;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
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

static int fields(lr_db *db, info_out *o) {
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql,
      "SELECT f.name, f.type, f.header, f.builtin, f.import_seq IS NOT NULL "
      "FROM pragma_table_info('contacts') AS c JOIN fields AS f "
      "ON f.name = c.name ORDER BY c.cid", -1, &st, NULL);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "info");
  int k = 0;
  if (o->json) lrb_adds(&o->b, ",\"fields\":[");
  else lrb_printf(&o->b, "fields:\n  %-32s %-8s %s\n", "name", "type",
                  "original header");
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    const char *type = (const char *)sqlite3_column_text(st, 1);
    const char *header = (const char *)sqlite3_column_text(st, 2);
    int builtin = sqlite3_column_int(st, 3);
    int imported = sqlite3_column_int(st, 4);
    if (o->json) {
      lrb_adds(&o->b, k++ ? ",{\"name\":" : "{\"name\":");
      jstr(&o->b, name);
      lrb_adds(&o->b, ",\"type\":");
      jstr(&o->b, type);
      lrb_adds(&o->b, ",\"header\":");
      jstr(&o->b, header);
      lrb_printf(&o->b, ",\"builtin\":%s,\"imported\":%s}",
                 builtin ? "true" : "false", imported ? "true" : "false");
    } else {
      const char *note = builtin && !imported ? "(well-known, not imported)"
                         : header && *header ? header : "(empty header)";
      lrb_printf(&o->b, "  %-32s %-8s %s\n", name, type, note);
    }
  }
  sqlite3_finalize(st);
  if (o->json) lrb_adds(&o->b, "]");
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "info");
  return LR_OK;
}

static int imports(lr_db *db, info_out *o) {
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql,
      "SELECT id, kind, file, at, rows_read, inserted, updated, merged, "
      "rejected, fields_created FROM imports ORDER BY id DESC LIMIT 5",
      -1, &st, NULL);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "info");
  int k = 0;
  if (o->json) lrb_adds(&o->b, ",\"recent_imports\":[");
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    char at[32];
    when(at, sizeof at, sqlite3_column_int64(st, 3));
    long long v[6];
    for (int i = 0; i < 6; i++) v[i] = sqlite3_column_int64(st, 4 + i);
    const char *kind = (const char *)sqlite3_column_text(st, 1);
    const char *file = (const char *)sqlite3_column_text(st, 2);
    if (o->json) {
      lrb_printf(&o->b, "%s{\"id\":%lld,\"kind\":", k++ ? "," : "",
                 sqlite3_column_int64(st, 0));
      jstr(&o->b, kind);
      lrb_adds(&o->b, ",\"file\":");
      jstr(&o->b, file);
      lrb_printf(&o->b, ",\"at\":\"%s\",\"rows_read\":%lld,\"inserted\":%lld,"
                 "\"updated\":%lld,\"merged\":%lld,\"rejected\":%lld,"
                 "\"fields_created\":%lld}", at, v[0], v[1], v[2], v[3], v[4],
                 v[5]);
    } else {
      if (!k++) lrb_adds(&o->b, "recent imports:\n");
      lrb_printf(&o->b, "  #%lld %s %s %s: %lld rows (%lld inserted, %lld "
                 "updated, %lld merged, %lld rejected)\n",
                 sqlite3_column_int64(st, 0), at, kind, file, v[0], v[1],
                 v[2], v[3], v[4]);
    }
  }
  sqlite3_finalize(st);
  if (o->json) lrb_adds(&o->b, "]");
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "info");
  return LR_OK;
}

static int last_run(lr_db *db, info_out *o) {
  sqlite3_stmt *st = NULL;
  int src = sqlite3_prepare_v2(db->sql,
      "SELECT id, kind, policy, now, evaluated, dry_run FROM runs "
      "ORDER BY id DESC LIMIT 1", -1, &st, NULL);
  if (src != SQLITE_OK) return lrs_sqlerr(db, src, "info");
  src = sqlite3_step(st);
  if (src == SQLITE_ROW) {
    char at[32];
    when(at, sizeof at, sqlite3_column_int64(st, 3));
    const char *policy = (const char *)sqlite3_column_text(st, 2);
    if (o->json) {
      lrb_printf(&o->b, ",\"last_run\":{\"id\":%lld,\"kind\":",
                 sqlite3_column_int64(st, 0));
      jstr(&o->b, (const char *)sqlite3_column_text(st, 1));
      lrb_adds(&o->b, ",\"policy\":");
      jstr(&o->b, policy);
      lrb_printf(&o->b, ",\"now\":\"%s\",\"evaluated\":%lld}", at,
                 sqlite3_column_int64(st, 4));
    } else {
      lrb_printf(&o->b, "last run: #%lld %s %s, now %s, %lld contacts\n",
                 sqlite3_column_int64(st, 0),
                 (const char *)sqlite3_column_text(st, 1),
                 policy ? policy : "-", at, sqlite3_column_int64(st, 4));
    }
    src = SQLITE_DONE;
  }
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) return lrs_sqlerr(db, src, "info");
  return LR_OK;
}

int lr_info(lr_db *db, int format, lr_write_fn write, void *ctx) {
  if (!db || !db->sql || !write)
    return lr__err(db, LR_MISUSE, "lr_info: no database or writer");
  info_out o = { LR_BUF_INIT, format == LR_FMT_JSON };
  long long version = count(db, "PRAGMA user_version");
  long long contacts = count(db, "SELECT count(*) FROM contacts");
  long long activities = count(db, "SELECT count(*) FROM activities");
  long long types = count(db, "SELECT count(DISTINCT type) FROM activities");
  long long won = count(db, "SELECT count(*) FROM outcomes WHERE result='won'");
  long long lost = count(db, "SELECT count(*) FROM outcomes WHERE result='lost'");
  long long nimports = count(db, "SELECT count(*) FROM imports");
  long long runs = count(db, "SELECT count(*) FROM runs");
  if (o.json) {
    lrb_adds(&o.b, "{\"database\":");
    jstr(&o.b, db->path);
    lrb_printf(&o.b, ",\"schema_version\":%lld,\"key_field\":", version);
    jstr(&o.b, db->key_field);
    lrb_printf(&o.b, ",\"contacts\":%lld,\"activities\":%lld,"
               "\"activity_types\":%lld,\"outcomes\":{\"won\":%lld,"
               "\"lost\":%lld},\"imports\":%lld,\"runs\":%lld", contacts,
               activities, types, won, lost, nimports, runs);
  } else {
    lrb_printf(&o.b, "database:   %s (schema version %lld)\n", db->path,
               version);
    lrb_printf(&o.b, "key field:  %s\n", db->key_field);
    lrb_printf(&o.b, "contacts:   %lld\n", contacts);
    lrb_printf(&o.b, "activities: %lld (%lld types)\n", activities, types);
    lrb_printf(&o.b, "outcomes:   %lld (%lld won, %lld lost)\n", won + lost,
               won, lost);
    lrb_printf(&o.b, "imports:    %lld\nruns:       %lld\n", nimports, runs);
  }
  int rc = fields(db, &o);
  if (rc == LR_OK) rc = imports(db, &o);
  if (rc == LR_OK) rc = last_run(db, &o);
  if (rc == LR_OK && o.json) lrb_adds(&o.b, "}\n");
  if (rc == LR_OK && o.b.oom) rc = lr__err(db, LR_NOMEM, "out of memory");
  if (rc == LR_OK && write(ctx, lrb_str(&o.b), o.b.n))
    rc = lr__err(db, LR_IO, "info: writing the output failed");
  lrb_free(&o.b);
  return rc == LR_OK ? lr__ok(db) : rc;
}
