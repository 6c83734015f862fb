/*
** test_export.c -- lr_export: exact CSV and JSON output, formula
** neutralisation on every cell type, field selection, filters, and the
** round trip export -> import into a new database.  With
** LR_TEST_DB=postgresql on PostgreSQL databases (t_pg.h).
*/
#include "leadrules.h"
#include "dbcheck.h"
#include "t.h"
#include "t_db.h"

#include "util/buf.h"

static lr_db *db;
static char dbpath[1100];
static lr_buf out;

static int collect(void *ctx, const char *data, size_t n) {
  (void)ctx;
  lrb_add(&out, data, n);
  return 0;
}

static int fail_write(void *ctx, const char *data, size_t n) {
  (void)ctx; (void)data; (void)n;
  return 1;
}

static const char *export(const lr_export_opts *o) {
  lrb_reset(&out);
  int rc = lr_export(db, o, collect, NULL);
  if (rc != LR_OK) {
    lrb_reset(&out);
    lrb_printf(&out, "ERROR(%d): %s", rc, lr_errmsg(db));
  }
  return lrb_str(&out);
}

static lr_db *open_db(const char *name, char *path) {
  snprintf(path, 1100, "%s", t_db_fresh(name));
  lr_db *d = NULL;
  if (lr_open(path, &d) != LR_OK) exit(2);
  return d;
}

static const char *file(const char *name, const char *text) {
  const char *p = t_path(name);
  t_write(p, text);
  return p;
}

static void exec(const char *path, const char *sql) {
  if (t_is_uri(path)) {
    t_sql(path, sql);
    return;
  }
  sqlite3 *s;
  sqlite3_open(path, &s);
  if (sqlite3_exec(s, sql, 0, 0, 0) != SQLITE_OK)
    fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(s));
  sqlite3_close(s);
}

static const char DATA[] =
  "email,First Name,Job Title,Notes,Amount,Ratio,Code\n"
  "a@x.example,Ann,-5,=1+1,-5,-2.5,+44\n"
  "b@x.example,\"Bob \"\"B\"\"\",@boss,\"tab\tin\",12,0.1,-5 apples\n"
  "c@x.example,,Chief,\"line\ntwo\",,,\"\tlead\"\n";

static void test_csv_neutralised(void) {
  db = open_db("export.db", dbpath);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, file("data.csv", DATA), NULL, NULL),
            LR_OK);
  CHECK_STR(export(NULL),
            "email,First Name,Job Title,Notes,Amount,Ratio,Code,stage,owner,"
            "score,grade\r\n"
            "a@x.example,Ann,'-5,'=1+1,-5,-2.5,'+44,,,0,\r\n"
            "b@x.example,\"Bob \"\"B\"\"\",'@boss,tab\tin,12,0.1,'-5 apples,,,0,\r\n"
            "c@x.example,,Chief,\"line\ntwo\",,,'\tlead,,,0,\r\n");
  lr_export_opts o = LR_EXPORT_OPTS_INIT;
  o.raw = 1;
  CHECK_STR(export(&o),
            "email,First Name,Job Title,Notes,Amount,Ratio,Code,stage,owner,"
            "score,grade\r\n"
            "a@x.example,Ann,-5,=1+1,-5,-2.5,+44,,,0,\r\n"
            "b@x.example,\"Bob \"\"B\"\"\",@boss,tab\tin,12,0.1,-5 apples,,,0,\r\n"
            "c@x.example,,Chief,\"line\ntwo\",,,\tlead,,,0,\r\n");
  /* a CR at the start: neutralised and quoted */
  exec(dbpath, "UPDATE contacts SET notes=char(13)||'x', code='@' WHERE key='a@x.example'");
  o.raw = 0;
  o.fields = "Notes,code,amount";
  CHECK_STR(export(&o), "Notes,Code,Amount\r\n\"'\rx\",'@,-5\r\n"
            "tab\tin,'-5 apples,12\r\n\"line\ntwo\",'\tlead,\r\n");
  o.field_names = 1;
  o.fields = "notes, Job Title ,score";
  CHECK_STR(export(&o), "notes,title,score\r\n\"'\rx\",'-5,0\r\n"
            "tab\tin,'@boss,0\r\n\"line\ntwo\",Chief,0\r\n");
}

static void test_json(void) {
  /* (PostgreSQL's text is valid UTF-8: U+FFFD itself there) */
  exec(dbpath, t_pg() ? "UPDATE contacts SET notes='A'||chr(65533)||'B'||"
                        "chr(1), score=12.5 WHERE key='b@x.example'"
                      : "UPDATE contacts SET notes=CAST(x'41FF4201' AS TEXT), "
                        "score=12.5 WHERE key='b@x.example'");
  lr_export_opts o = LR_EXPORT_OPTS_INIT;
  o.json = 1;
  o.fields = "email,notes,amount,ratio,score,first_name";
  char want[1024];
  /* SQLite's bad byte is written U+FFFD's escape; PostgreSQL's U+FFFD as
  ** it is */
  snprintf(want, sizeof want,
            "[\n{\"email\":\"a@x.example\",\"Notes\":\"\\rx\",\"Amount\":-5,"
            "\"Ratio\":-2.5,\"score\":0,\"First Name\":\"Ann\"},\n"
            "{\"email\":\"b@x.example\",\"Notes\":\"A%sB\\u0001\",\"Amount\":12,"
            "\"Ratio\":0.1,\"score\":12.5,\"First Name\":\"Bob \\\"B\\\"\"},\n"
            "{\"email\":\"c@x.example\",\"Notes\":\"line\\ntwo\",\"Amount\":null,"
            "\"Ratio\":null,\"score\":0,\"First Name\":null}\n]\n",
            t_pg() ? "\xef\xbf\xbd" : "\\ufffd");
  CHECK_STR(export(&o), want);
  o.field_names = 1;
  o.fields = "first_name";
  o.stage = "nowhere";
  CHECK_STR(export(&o), "[]\n");
}

static void test_filters_and_errors(void) {
  exec(dbpath, "UPDATE contacts SET stage='sql' WHERE key IN ('a@x.example','c@x.example');"
               "INSERT INTO segment_members(segment, contact_id) SELECT 'vip', id "
               "FROM contacts WHERE key IN ('b@x.example','c@x.example')");
  lr_export_opts o = LR_EXPORT_OPTS_INIT;
  o.fields = "email";
  o.stage = "sql";
  CHECK_STR(export(&o), "email\r\na@x.example\r\nc@x.example\r\n");
  o.segment = "vip";
  CHECK_STR(export(&o), "email\r\nc@x.example\r\n");
  o.stage = NULL;
  CHECK_STR(export(&o), "email\r\nb@x.example\r\nc@x.example\r\n");
  o.segment = NULL;
  o.fields = "email,nope";
  CHECK_STR(export(&o), "ERROR(8): --fields: no field 'nope' (see leadrules info "
            "for the fields)");
  o.fields = "import_seq";
  CHECK_CONTAINS(export(&o), "no field 'import_seq'");
  o.fields = "id,key,updated_at";
  CHECK_STR(export(&o), "id,key,updated_at\r\n1,a@x.example,\r\n2,b@x.example,\r\n"
            "3,c@x.example,\r\n");
  CHECK_INT(lr_export(db, NULL, fail_write, NULL), LR_IO);
  CHECK_STR(lr_errmsg(db), "export: writing the output failed");
}

/* A filter that matches nothing: LR_OK, the empty output, and one note
** naming the filter and what exists (issue 15). */
static lr_buf notes;
static int note(void *ctx, const char *data, size_t n) {
  CHECK(ctx == &notes);
  lrb_add(&notes, data, n);
  return 0;
}

static void test_empty_filter_note(void) {
  lr_export_opts o = LR_EXPORT_OPTS_INIT;
  o.fields = "email";
  o.note = note;
  o.note_ctx = &notes;
  o.stage = "sql";                      /* matches: no note */
  CHECK_STR(export(&o), "email\r\na@x.example\r\nc@x.example\r\n");
  CHECK_STR(lrb_str(&notes), "");
  o.stage = "SQL";
  CHECK_STR(export(&o), "email\r\n");
  CHECK_STR(lrb_str(&notes), "no contact is in stage 'SQL' (the stages with "
            "contacts: sql 2; names are case-sensitive: did you mean 'sql'?)\n");
  lrb_reset(&notes);
  o.stage = NULL;
  o.segment = "vips";
  o.json = 1;
  CHECK_STR(export(&o), "[]\n");
  CHECK_STR(lrb_str(&notes), "no contact is in segment 'vips' as of the last "
            "run (the segments with contacts: vip 2)\n");
  lrb_reset(&notes);
  o.stage = "sql";
  o.segment = "vip";                    /* c is in both: no note */
  CHECK_STR(export(&o), "[\n{\"email\":\"c@x.example\"}\n]\n");
  CHECK_STR(lrb_str(&notes), "");
  exec(dbpath, "UPDATE contacts SET stage='lead' WHERE key='c@x.example'");
  CHECK_STR(export(&o), "[]\n");
  CHECK_STR(lrb_str(&notes), "no contact is in stage 'sql' and segment 'vip' "
            "at once\n");
  lrb_reset(&notes);
  o.note = NULL;                        /* no note without a callback */
  o.stage = "nope";
  CHECK_STR(export(&o), "[]\n");
  CHECK_STR(lrb_str(&notes), "");
  lrb_free(&notes);
}

/* fingerprint on PostgreSQL: each field's value type and value as they
** are in contacts.data. */
static void fingerprint_pg(const char *path, lr_buf *b) {
  PGresult *f = t_pg_sql(path, "SELECT name, type, header FROM fields WHERE "
                         "(import_seq IS NOT NULL OR builtin = 0) AND name "
                         "NOT IN ('stage', 'owner') ORDER BY name");
  lr_buf sql = LR_BUF_INIT;
  lrb_adds(&sql, "SELECT key");
  for (int i = 0; f && i < PQntuples(f); i++) {
    const char *name = PQgetvalue(f, i, 0);
    lrb_printf(b, "field %s %s [%s]\n", name, PQgetvalue(f, i, 1),
               PQgetvalue(f, i, 2));
    lrb_printf(&sql, ", lr_compat.jtypeof(data->'%s'), "
               "lr_compat.jquote(data->'%s')", name, name);
  }
  PQclear(f);
  lrb_adds(&sql, ", stage, owner FROM contacts ORDER BY key");
  PGresult *r = t_pg_sql(path, sql.p);
  for (int i = 0; r && i < PQntuples(r); i++) {
    for (int c = 0; c < PQnfields(r); c++) {
      const char *v = t_pg_value(r, i, c);
      lrb_printf(b, "%s|", v ? v : "NULL");
    }
    lrb_addc(b, '\n');
  }
  PQclear(r);
  lrb_free(&sql);
}

/* Everything an import wrote, with storage classes, in key order. */
static void fingerprint(const char *path, lr_buf *b) {
  if (t_is_uri(path)) {
    fingerprint_pg(path, b);
    return;
  }
  sqlite3 *s;
  sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL);
  sqlite3_stmt *f;
  /* stage and owner are compared below (exports always carry them, so
  ** the copy records them as imported) */
  sqlite3_prepare_v2(s, "SELECT name, type, header FROM fields WHERE (import_seq "
                     "IS NOT NULL OR builtin = 0) AND name NOT IN ('stage', "
                     "'owner') ORDER BY name", -1, &f, NULL);
  lr_buf cols = LR_BUF_INIT;
  lrb_adds(&cols, "key");
  while (sqlite3_step(f) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(f, 0);
    lrb_printf(b, "field %s %s [%s]\n", name, sqlite3_column_text(f, 1),
               sqlite3_column_text(f, 2));
    lrb_printf(&cols, ", typeof(\"%s\"), quote(\"%s\")", name, name);
  }
  sqlite3_finalize(f);
  lr_buf sql = LR_BUF_INIT;
  lrb_printf(&sql, "SELECT %s, stage, owner FROM contacts ORDER BY key", cols.p);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s, sql.p, -1, &st, NULL) != SQLITE_OK)
    fprintf(stderr, "%s: %s\n", sql.p, sqlite3_errmsg(s));
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(st); i++) {
      const char *v = (const char *)sqlite3_column_text(st, i);
      lrb_printf(b, "%s|", v ? v : "NULL");
    }
    lrb_addc(b, '\n');
  }
  sqlite3_finalize(st);
  sqlite3_close(s);
  lrb_free(&cols);
  lrb_free(&sql);
}

static int to_file(void *ctx, const char *data, size_t n) {
  return fwrite(data, 1, n, ctx) != n;
}

static void round_trip(int raw, const char *name) {
  char path2[1100];
  const char *csv = t_path(name);
  FILE *f = fopen(csv, "wb");
  lr_export_opts o = LR_EXPORT_OPTS_INIT;
  o.raw = raw;
  CHECK_INT(lr_export(db, &o, to_file, f), LR_OK);
  fclose(f);
  lr_db *first = db;
  char name2[64];
  snprintf(name2, sizeof name2, "%s.db", name);
  db = open_db(name2, path2);
  const char *maps[] = { "score=", "grade=" };
  lr_import_opts io = LR_IMPORT_OPTS_INIT;
  io.maps = maps;
  io.n_maps = 2;
  lr_import_report r;
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, &io, &r), LR_OK);
  lr_close(db);
  db = first;
  lr_buf a = LR_BUF_INIT, b = LR_BUF_INIT;
  fingerprint(dbpath, &a);
  fingerprint(path2, &b);
  CHECK_STR(b.p, a.p);
  lrb_free(&a);
  lrb_free(&b);
}

static void test_round_trip(void) {
  lr_close(db);
  db = open_db("trip.db", dbpath);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, t_src("tests/fixtures/csv/contacts_basic.csv"),
                          NULL, NULL), LR_OK);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, file("more.csv",
            "Email,Big,Tiny,Neg,Text Num,Stage,Empty\n"
            "d@x.example,9223372036854775807,0.0001,-0.75,007,lead,\n"
            "e@x.example,-12,123456789012345.5,-3,1e5,,\n"), NULL, NULL), LR_OK);
  /* without formula-like text, the default export round-trips too */
  exec(dbpath, "UPDATE contacts SET phone=NULL, stage='mql', owner='ana' WHERE "
               "key='ann@example.com'");
  round_trip(0, "trip_default.csv");
  /* with it, --raw does */
  exec(dbpath, "UPDATE contacts SET notes='=HYPERLINK(\"x\")', phone='+1 555 0100' "
               "WHERE key='bob@example.com'");
  round_trip(1, "trip_raw.csv");
}

/* A field keeps the header of the first import that wrote it: a later
** file whose header folds to the same field (a partial sync that writes
** field names) does not rename the column exports write.  A builtin
** field registered under its own name takes the first real header an
** import brings; a failed import claims none. */
static void test_headers_kept(void) {
  lr_close(db);
  db = open_db("kept.db", dbpath);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, file("k1.csv",
            "Email,Notes\na@x.example,n1\n"), NULL, NULL), LR_OK);
  /* rolled back (a short row stops it): 'Job Title' is not registered */
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, file("k2.csv",
            "email,Job Title\nb@x.example,CTO\nc@x.example,VP,extra\n"),
            NULL, NULL), LR_INPUT);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, file("k3.csv",
            "email,JobTitle,Company Size,NOTES\na@x.example,CTO,50,n2\n"),
            NULL, NULL), LR_OK);
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, file("k4.csv",
            "EMAIL,job_title,company_size,notes\nb@x.example,VP,7,n3\n"),
            NULL, NULL), LR_OK);
  lr_export_opts o = LR_EXPORT_OPTS_INIT;
  CHECK_STR(export(&o), "Email,JobTitle,Company Size,Notes,stage,owner,score,"
            "grade\r\na@x.example,CTO,50,n2,,,0,\r\nb@x.example,VP,7,n3,,,0,"
            "\r\n");
  /* the kept headers still name the fields */
  o.fields = "JobTitle,company size,NOTES";
  o.field_names = 1;
  CHECK_STR(export(&o), "title,company_size,notes\r\n"
            "CTO,50,n2\r\nVP,7,n3\r\n");
}

int main(void) {
  t_tmpdir();
  test_csv_neutralised();
  test_json();
  test_filters_and_errors();
  test_empty_filter_note();
  test_round_trip();
  test_headers_kept();
  lr_close(db);
  lrb_free(&out);
  return t_done();
}
