/*
** test_import.c -- whole-file imports into real database files: counts,
** stored values and types, keys, headers, every kind of bad input (exact
** message, database unchanged), rejects, cancellation, activities,
** outcomes, and the X Education leads.  With LR_TEST_DB=postgresql
** (t_pg.h) into PostgreSQL databases.
*/
#include "leadrules.h"
#include "dbcheck.h"
#include "t.h"
#include "t_db.h"

static char dbpath[1100];
static lr_db *db;

static lr_db *fresh(const char *name) {
  if (db) lr_close(db);
  snprintf(dbpath, sizeof dbpath, "%s", t_db_fresh(name));
  db = NULL;
  if (lr_open(dbpath, &db) != LR_OK) {
    fprintf(stderr, "cannot open %s\n", dbpath);
    exit(2);
  }
  return db;
}

/* Write text to a file in the scratch directory; its path. */
static const char *file(const char *name, const char *text) {
  const char *p = t_path(name);
  t_write(p, text);
  return p;
}

static lr_import_report rep;

/* q with each typeof(FIELD) read from contacts.data on PostgreSQL (the
** type of the cell's value, lr_compat.jtypeof: pg_compat_unit.sql). */
static const char *ty(const char *q) {
  static char b[4][1024];
  static int k;
  if (!t_pg()) return q;
  char *o = b[k++ % 4], *w = o;
  const char *t;
  while ((t = strstr(q, "typeof(")) && w - o < 900) {
    size_t n = strcspn(t + 7, ")");
    w += snprintf(w, 1024 - (size_t)(w - o), "%.*slr_compat.jtypeof(data->'%.*s')",
                  (int)(t - q), q, (int)n, t + 7);
    q = t + 7 + n + 1;
  }
  snprintf(w, 1024 - (size_t)(w - o), "%s", q);
  return o;
}

static int imp(int kind, const char *path, const lr_import_opts *o) {
  return lr_import_csv(db, kind, path, o, &rep);
}

/* lr_errmsg must be "<path><rest>". */
#define CHECK_ERR(path, rest) do { \
  char want_[2048]; \
  snprintf(want_, sizeof want_, "%s%s", (path), (rest)); \
  CHECK_STR(lr_errmsg(db), want_); \
} while (0)

static const char *fx(const char *name) {
  static char b[4][1200];
  static int k;
  char *p = b[k++ % 4];
  snprintf(p, 1200, "%s", t_src(name));
  return p;
}

static void test_contacts_basic(void) {
  fresh("basic.db");
  CHECK_INT(imp(LR_CONTACTS, fx("tests/fixtures/csv/contacts_basic.csv"), NULL),
            LR_OK);
  CHECK_INT(rep.rows_read, 3);
  CHECK_INT(rep.inserted, 3);
  CHECK_INT(rep.updated, 0);
  CHECK_INT(rep.merged, 0);
  CHECK_INT(rep.rejected, 0);
  CHECK_INT(rep.columns, 12);
  CHECK_INT(rep.fields_created, 5);   /* zip phone visits time_on_site notes */
  CHECK_STR(rep.key_field, "email");
  /* key lower-cased, the email field as written */
  CHECK_STR(q_text(dbpath, "SELECT email FROM contacts WHERE key='ann@example.com'"),
            "Ann@Example.com");
  /* CRM aliases onto well-known fields */
  CHECK_STR(q_text(dbpath, "SELECT title||'|'||company||'|'||source FROM contacts "
                   "WHERE key='bob@example.com'"), "Student|Stark, Inc.|Google");
  CHECK_INT(q_int(dbpath, "SELECT created_at FROM contacts WHERE key='ann@example.com'"),
            1709251200);
  CHECK_INT(q_int(dbpath, "SELECT created_at FROM contacts WHERE key='bob@example.com'"),
            1709373600);
  CHECK_INT(q_int(dbpath, "SELECT created_at FROM contacts WHERE key='carol@example.com'"),
            1709337600);
  /* inference: text that only looks numeric stays text */
  CHECK_STR(q_text(dbpath, ty("SELECT typeof(zip)||':'||zip FROM contacts WHERE "
                   "key='ann@example.com'")), "text:02134");
  CHECK_STR(q_text(dbpath, ty("SELECT typeof(zip)||':'||zip FROM contacts WHERE "
                   "key='bob@example.com'")), "text:000123");
  CHECK_STR(q_text(dbpath, ty("SELECT typeof(zip)||':'||zip FROM contacts WHERE "
                   "key='carol@example.com'")), "integer:90210");
  CHECK_STR(q_text(dbpath, "SELECT phone FROM contacts WHERE key='ann@example.com'"),
            "+1 555 0100");
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts WHERE phone IS NULL"), 1);
  CHECK_STR(q_text(dbpath, ty("SELECT typeof(visits)||':'||visits FROM contacts WHERE "
                   "key='ann@example.com'")), "integer:42");
  CHECK_STR(q_text(dbpath, ty("SELECT typeof(time_on_site)||':'||time_on_site FROM "
                   "contacts WHERE key='ann@example.com'")), "real:3.5");
  CHECK_STR(q_text(dbpath, ty("SELECT typeof(time_on_site)||':'||time_on_site FROM "
                   "contacts WHERE key='carol@example.com'")), "text:1.50");
  CHECK_STR(q_text(dbpath, "SELECT notes FROM contacts WHERE key='bob@example.com'"),
            "said \"maybe\"");
  CHECK_STR(q_text(dbpath, "SELECT notes FROM contacts WHERE key='carol@example.com'"),
            "two\nlines");
  /* registry: original headers and widened types; no declared types */
  CHECK_STR(q_text(dbpath, "SELECT type||'|'||header FROM fields WHERE name='visits'"),
            "integer|Visits");
  CHECK_STR(q_text(dbpath, "SELECT type FROM fields WHERE name='time_on_site'"), "text");
  CHECK_STR(q_text(dbpath, "SELECT type FROM fields WHERE name='zip'"), "text");
  CHECK_STR(q_text(dbpath, "SELECT header FROM fields WHERE name='title'"), "Job Title");
  if (!t_pg())     /* SQLite's columns (PostgreSQL's fields: data) */
    CHECK_STR(q_text(dbpath, "SELECT '['||type||']' FROM pragma_table_info('contacts') "
                     "WHERE name='zip'"), "[]");
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts WHERE data_at > 0 AND "
                  "import_seq = 1"), 3);
  CHECK_STR(q_text(dbpath, "SELECT kind||'|'||rows_read||'|'||inserted||'|'||key_field "
                   "FROM imports"), "contacts|3|3|email");
  CHECK_STR(q_text(dbpath, "SELECT v FROM meta WHERE k='key_field'"), "email");
}

static void test_upsert_counts(void) {
  fresh("upsert.db");
  const char *a = file("a.csv", "email,name,visits\n"
                       "a@x.example,Ann,1\nb@x.example,Bob,2\nc@x.example,Cy,3\n");
  CHECK_INT(imp(LR_CONTACTS, a, NULL), LR_OK);
  t_sql(dbpath, "UPDATE contacts SET data_at=1, stage='mql'");
  /* b changes, c is the same, d is new and repeated: the last d wins */
  const char *b = file("b.csv", "email,name,visits\n"
                       "B@x.example,Bobby,2\nc@x.example,Cy,3\n"
                       "d@x.example,Dee,4\n d@x.example ,Dee,5\n");
  CHECK_INT(imp(LR_CONTACTS, b, NULL), LR_OK);
  CHECK_INT(rep.rows_read, 4);
  CHECK_INT(rep.inserted, 1);
  CHECK_INT(rep.updated, 2);
  CHECK_INT(rep.merged, 1);
  CHECK_INT(rep.fields_created, 0);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts"), 4);
  CHECK_STR(q_text(dbpath, "SELECT name FROM contacts WHERE key='b@x.example'"), "Bobby");
  CHECK_INT(q_int(dbpath, "SELECT visits FROM contacts WHERE key='d@x.example'"), 5);
  /* data_at moves only where a value changed */
  CHECK_INT(q_int(dbpath, "SELECT data_at FROM contacts WHERE key='c@x.example'"), 1);
  CHECK_INT(q_int(dbpath, "SELECT data_at > 1000 FROM contacts WHERE key='b@x.example'"), 1);
  CHECK_INT(q_int(dbpath, "SELECT data_at > 1000 FROM contacts WHERE key='d@x.example'"), 1);
  /* a key seen twice in a first import (bulk load): the last row wins */
  fresh("bulkdup.db");
  const char *d = file("d.csv", "email,n\nx@y.example,1\nz@y.example,2\n"
                       "X@y.example,3\nx@y.example,4\n");
  CHECK_INT(imp(LR_CONTACTS, d, NULL), LR_OK);
  CHECK_INT(rep.inserted, 2);
  CHECK_INT(rep.merged, 2);
  CHECK_INT(q_int(dbpath, "SELECT n FROM contacts WHERE key='x@y.example'"), 4);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts"), 2);
  CHECK_INT(q_int(dbpath, t_pg() ? "SELECT count(*) FROM pg_indexes WHERE "
                  "indexname='contacts_by_key'" : "SELECT count(*) FROM sqlite_schema WHERE "
                  "name='contacts_by_key'"), 1);
}

static void test_stage_owner(void) {
  fresh("stage.db");
  const char *a = file("s1.csv", "email,stage,owner\na@x.example,lead,ana\n"
                       "b@x.example,,\n");
  CHECK_INT(imp(LR_CONTACTS, a, NULL), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT stage||'/'||owner FROM contacts WHERE key='a@x.example'"),
            "lead/ana");
  /* the engine moved a; b has none yet */
  t_sql(dbpath, "UPDATE contacts SET stage='mql' WHERE key='a@x.example'");
  const char *b = file("s2.csv", "email,stage,owner\na@x.example,subscriber,ben\n"
                       "b@x.example,lead,ben\nc@x.example,subscriber,\n"
                       "c@x.example,lead,cy\n");
  CHECK_INT(imp(LR_CONTACTS, b, NULL), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT stage||'/'||owner FROM contacts WHERE key='a@x.example'"),
            "mql/ana");
  CHECK_STR(q_text(dbpath, "SELECT stage||'/'||owner FROM contacts WHERE key='b@x.example'"),
            "lead/ben");
  CHECK_STR(q_text(dbpath, "SELECT stage||'/'||owner FROM contacts WHERE key='c@x.example'"),
            "lead/cy");                       /* later row of the same file */
}

static void test_keys(void) {
  fresh("keys.db");
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  o.key = "Prospect ID";
  const char *p = file("p.csv", "Prospect ID,Email,Name\n  AbC-1 ,A@x.example,Ann\n"
                       "abc-1,b@x.example,Bob\n");
  CHECK_INT(imp(LR_CONTACTS, p, &o), LR_OK);
  CHECK_STR(rep.key_field, "prospect_id");
  CHECK_INT(rep.inserted, 2);                 /* case kept: two keys */
  CHECK_STR(q_text(dbpath, "SELECT key FROM contacts ORDER BY id LIMIT 1"), "AbC-1");
  CHECK_STR(q_text(dbpath, "SELECT prospect_id FROM contacts ORDER BY id LIMIT 1"),
            "  AbC-1 ");
  /* later imports use the database's key field by default */
  const char *p2 = file("p2.csv", "prospect_id,Name\nAbC-1,Annie\n");
  CHECK_INT(imp(LR_CONTACTS, p2, NULL), LR_OK);
  CHECK_INT(rep.updated, 1);
  /* ... and refuse another */
  unsigned long long before = db_digest(dbpath);
  o.key = "Email";
  CHECK_INT(imp(LR_CONTACTS, p, &o), LR_INPUT);
  CHECK_ERR(p, ": --key 'Email': this database keys contacts on 'prospect_id' "
            "(a database has one key field; use a new database to key on 'email')");
  o.key = "Nope";
  CHECK_INT(imp(LR_CONTACTS, p, &o), LR_INPUT);
  CHECK_ERR(p, ": --key 'Nope': no such column");
  CHECK(db_digest(dbpath) == before);
  /* default email key, missing */
  fresh("nokey.db");
  const char *n = file("n.csv", "Name,City\nAnn,Oslo\n");
  CHECK_INT(imp(LR_CONTACTS, n, NULL), LR_INPUT);
  CHECK_ERR(n, ": no 'email' column to key contacts on (name the key column "
            "with --key COLUMN)");
  /* an empty key is a bad row */
  const char *e = file("e.csv", "email,name\na@x.example,A\n   ,B\n");
  before = db_digest(dbpath);
  CHECK_INT(imp(LR_CONTACTS, e, NULL), LR_INPUT);
  CHECK_ERR(e, ":3: column 'email': empty key");
  CHECK(db_digest(dbpath) == before);
}

static void test_headers(void) {
  fresh("headers.db");
  unsigned long long before = db_digest(dbpath);
  const char *d = file("dup.csv", "Email,Name,Email\na@x.example,A,b\n");
  CHECK_INT(imp(LR_CONTACTS, d, NULL), LR_INPUT);
  CHECK_ERR(d, ":1: column 'Email': duplicate header (columns 1 and 3); rename "
            "one: --map 'Email=NAME' names the first");
  const char *f = file("fold.csv", "email,E-Mail,E Mail\na@x.example,b,c\n");
  CHECK_INT(imp(LR_CONTACTS, f, NULL), LR_INPUT);
  CHECK_ERR(f, ":1: column 'E Mail': becomes field 'e_mail', like column "
            "'E-Mail'; rename one: --map 'E Mail=NAME'");
  const char *s = file("score.csv", "email,Score\na@x.example,5\n");
  CHECK_INT(imp(LR_CONTACTS, s, NULL), LR_INPUT);
  CHECK_ERR(s, ":1: column 'Score': 'score' is a leadrules column and cannot be "
            "imported; rename it (--map 'Score=crm_score') or skip it (--map "
            "'Score=')");
  const char *id = file("id.csv", "Id,email\n7,a@x.example\n");
  CHECK_INT(imp(LR_CONTACTS, id, NULL), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "column 'Id': 'id' is a leadrules column");
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  const char *bad_map[] = { "Nope=x" };
  o.maps = bad_map;
  o.n_maps = 1;
  CHECK_INT(imp(LR_CONTACTS, s, &o), LR_MISUSE);
  {
    char want[1200];
    snprintf(want, sizeof want, "--map 'Nope=x': %s has no column 'Nope'", s);
    CHECK_STR(lr_errmsg(db), want);
  }
  CHECK(db_digest(dbpath) == before);
  /* maps fix both problems; 'H=' skips a column */
  const char *maps[] = { "Score=crm_score", "E Mail=", "E-Mail=alt_email" };
  o.maps = maps;
  o.n_maps = 1;
  CHECK_INT(imp(LR_CONTACTS, s, &o), LR_OK);
  CHECK_INT(q_int(dbpath, "SELECT crm_score FROM contacts"), 5);
  CHECK_STR(q_text(dbpath, "SELECT header FROM fields WHERE name='crm_score'"), "Score");
  o.maps = maps + 1;
  o.n_maps = 2;
  CHECK_INT(imp(LR_CONTACTS, f, &o), LR_OK);
  CHECK_INT(rep.fields_created, 1);
  CHECK_STR(q_text(dbpath, "SELECT alt_email FROM contacts WHERE key='a@x.example'"), "b");
  CHECK_INT(q_int(dbpath, t_pg() ? "SELECT count(*) FROM fields WHERE "
                  "name='e_mail'" : "SELECT count(*) FROM pragma_table_info('contacts') WHERE "
                  "name='e_mail'"), 0);
  /* empty and unfoldable headers get column_N (1-based position) */
  const char *u = file("unnamed.csv", "email,,Имя,\na@x.example,1,2,3\n");
  CHECK_INT(imp(LR_CONTACTS, u, NULL), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT ''||column_2||column_3||column_4 FROM contacts "
                   "WHERE key='a@x.example'"), "123");
  CHECK_STR(q_text(dbpath, "SELECT header FROM fields WHERE name='column_3'"), "Имя");
  /* an alias yields when the file also has the field itself */
  const char *t = file("titles.csv", "email,Title,Job Title\na@x.example,T,JT\n");
  CHECK_INT(imp(LR_CONTACTS, t, NULL), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT title||'|'||job_title FROM contacts WHERE "
                   "key='a@x.example'"), "T|JT");
}

/* Every bad input stops the import with its exact message and leaves the
** database as it was. */
static void bad(int kind, const char *name, const char *text, const char *enc,
                int want_rc, const char *rest) {
  const char *p = file(name, text);
  unsigned long long before = db_digest(dbpath);
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  o.encoding = enc;
  int rc = imp(kind, p, &o);
  CHECK_INT(rc, want_rc);
  CHECK_ERR(p, rest);
  if (db_digest(dbpath) != before) {
    t_failed++;
    fprintf(stderr, "%s: database changed by a failed import\n", name);
  } else {
    t_passed++;
  }
}

static void test_bad_input(void) {
  fresh("bad.db");
  CHECK_INT(imp(LR_CONTACTS, file("seed.csv", "email,Name,Created Date\n"
                                  "zed@x.example,Zed,2024-01-01\n"), NULL), LR_OK);
  CHECK_INT(imp(LR_ACTIVITIES, file("seed_act.csv", "email,type,occurred_at\n"
                                    "zed@x.example,email_open,2024-01-02\n"), NULL),
            LR_OK);
  bad(LR_CONTACTS, "count.csv", "email,Name\na@x.example,A\nb@x.example,B,extra\n",
      NULL, LR_INPUT, ":3: row has 3 cells, the header has 2");
  bad(LR_CONTACTS, "short.csv", "email,Name,City\na@x.example,A,Oslo\n\"b\nc\",B\n",
      NULL, LR_INPUT, ":3: row has 2 cells, the header has 3");
  bad(LR_CONTACTS, "open.csv", "email,Name\na@x.example,\"A\nb@x.example,B\n",
      NULL, LR_INPUT, ":2: column 'Name': quoted cell is never closed "
      "(unterminated quote)");
  bad(LR_CONTACTS, "stray.csv", "email,Name\na@x.example,A\"x\n", NULL, LR_INPUT,
      ":2: column 'Name': quote inside an unquoted cell (quote the whole cell "
      "and double the quotes inside it: \"say \"\"hi\"\"\")");
  bad(LR_CONTACTS, "after.csv", "email,Name\na@x.example,\"A\"x\n", NULL, LR_INPUT,
      ":2: column 'Name': text after a closing quote (a quote inside a quoted "
      "cell must be doubled: \"\")");
  bad(LR_CONTACTS, "utf8.csv", "email,Name\na@x.example,Jos\xE9\n", NULL, LR_INPUT,
      ":2: column 'Name': invalid UTF-8 (if the file is not UTF-8, give its "
      "encoding with --encoding, e.g. latin1 or windows-1252)");
  bad(LR_CONTACTS, "hdr8.csv", "email,N\xE4me\na@x.example,A\n", NULL, LR_INPUT,
      ":1: header, column 2: invalid UTF-8 (if the file is not UTF-8, give its "
      "encoding with --encoding, e.g. latin1 or windows-1252)");
  {
    const char nul[] = "email,Name\na@x.example,A\0B\n";
    const char *p = t_path("nul.csv");
    FILE *f = fopen(p, "wb");
    fwrite(nul, 1, sizeof nul - 1, f);
    fclose(f);
    unsigned long long before = db_digest(dbpath);
    CHECK_INT(imp(LR_CONTACTS, p, NULL), LR_INPUT);
    CHECK_ERR(p, ":2: column 'Name': NUL byte in cell");
    CHECK(db_digest(dbpath) == before);
  }
  bad(LR_CONTACTS, "date.csv", "email,Created Date\na@x.example,2024-01-05\n"
      "b@x.example,yesterday\n", NULL, LR_INPUT, ":3: column 'Created Date': "
      "cannot read 'yesterday' as a date (use ISO-8601 such as 2024-03-01 or "
      "2024-03-01T10:00:00Z, or unix seconds)");
  bad(LR_CONTACTS, "empty.csv", "", NULL, LR_INPUT,
      ": empty file (a header line is needed)");
  bad(LR_CONTACTS, "bad1252.csv", "email,Name\na@x.example,\x81\n", "windows-1252",
      LR_INPUT, ":2: not valid windows-1252 (byte 0x81 at offset 23)");
  bad(LR_ACTIVITIES, "act_unknown.csv", "email,type,occurred_at\n"
      "zed@x.example,page_view,2024-02-01\nnobody@x.example,page_view,2024-02-01\n",
      NULL, LR_INPUT, ":3: column 'email': no contact with key 'nobody@x.example'");
  bad(LR_ACTIVITIES, "act_time.csv", "email,type,at\nzed@x.example,page_view,"
      "01/02/2024\n", NULL, LR_INPUT, ":2: column 'at': cannot read '01/02/2024' "
      "as a time (use ISO-8601 such as 2024-03-01T10:00:00Z, or unix seconds)");
  bad(LR_ACTIVITIES, "act_value.csv", "email,type,at,value\nzed@x.example,deal,"
      "2024-02-01,lots\n", NULL, LR_INPUT, ":2: column 'value': 'lots' is not a number");
  bad(LR_ACTIVITIES, "act_type.csv", "email,type,at\nzed@x.example, ,2024-02-01\n",
      NULL, LR_INPUT, ":2: column 'type': empty activity type");
  bad(LR_ACTIVITIES, "act_extra.csv", "email,type,at,color\nzed@x.example,x,"
      "2024-02-01,red\n", NULL, LR_INPUT, ":1: column 'color': not a column of "
      "activities files (they have email, type, occurred_at, value, campaign); "
      "skip it with --map 'color='");
  bad(LR_ACTIVITIES, "act_notype.csv", "email,at\nzed@x.example,2024-02-01\n", NULL,
      LR_INPUT, ": no 'type' column (activities need the contact key 'email', type "
      "and occurred_at; its header may also be activity, activity_type, event, "
      "event_type or event_name)");
  /* the headers other systems export land on the fixed columns */
  CHECK_INT(imp(LR_ACTIVITIES, file("act_alias.csv", "Email,Activity Type,"
                                    "Activity Date,UTM Campaign\nzed@x.example,"
                                    "demo_request,2024-02-01 09:00 UTC,spring\n"),
                NULL), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT type||'|'||occurred_at||'|'||campaign FROM "
                   "activities WHERE type='demo_request'"),
            "demo_request|1706778000|spring");
  CHECK_INT(imp(LR_OUTCOMES, file("out_alias.csv", "Email,Won,Close Date\n"
                                  "zed@x.example,Closed Won,2024/03/01\n"), NULL),
            LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT result||'|'||closed_at FROM outcomes"),
            "won|1709251200");
  bad(LR_ACTIVITIES, "act_twoat.csv", "email,type,at,date\nzed@x.example,x,1,2\n",
      NULL, LR_INPUT, ":1: column 'date': same meaning as column 'at' "
      "(occurred_at); skip one with --map 'date='");
  bad(LR_OUTCOMES, "out_result.csv", "email,result,closed_at\nzed@x.example,maybe,"
      "2024-03-01\n", NULL, LR_INPUT, ":2: column 'result': expected won or lost "
      "(or 1/0, yes/no, true/false, Closed Won/Closed Lost), got 'maybe'; a "
      "deal still open is not an outcome (leave it out, or --rejects FILE sets "
      "such rows aside)");
  bad(LR_OUTCOMES, "out_unknown.csv", "email,outcome,closed_at\nx@x.example,won,"
      "2024-03-01\n", NULL, LR_INPUT, ":2: column 'email': no contact with key "
      "'x@x.example'");
  bad(LR_OUTCOMES, "out_date.csv", "email,result,close_date\nzed@x.example,won,"
      "soon\n", NULL, LR_INPUT, ":2: column 'close_date': cannot read 'soon' as a "
      "date (use ISO-8601 such as 2024-03-01, or unix seconds)");
  bad(LR_OUTCOMES, "out_amount.csv", "email,result,amount,closed_at\nzed@x.example,"
      "won,$5k,2024-03-01\n", NULL, LR_INPUT, ":2: column 'amount': '$5k' is not a "
      "number");
  /* a missing file is LR_NOTFOUND and says so */
  CHECK_INT(imp(LR_CONTACTS, t_path("missing.csv"), NULL), LR_NOTFOUND);
  CHECK_CONTAINS(lr_errmsg(db), "missing.csv: cannot open: No such file or directory");
  CHECK_INT(imp(99, t_path("x.csv"), NULL), LR_MISUSE);
}

static void test_rejects(void) {
  fresh("rejects.db");
  const char *p = file("mixed.csv", "email,Name,Created Date\n"
                       "a@x.example,Ann,2024-01-01\n"
                       "b@x.example,\"Bob, Jr\",someday\n"
                       ",Nobody,2024-01-02\n"
                       "c@x.example,Cy,2024-01-03,extra\n"
                       "d@x.example,Dee,2024-01-04\n");
  const char *rj = t_path("rejects.csv");
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  o.rejects = rj;
  CHECK_INT(imp(LR_CONTACTS, p, &o), LR_OK);
  CHECK_INT(rep.rows_read, 5);
  CHECK_INT(rep.inserted, 2);
  CHECK_INT(rep.rejected, 3);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts"), 2);
  FILE *f = fopen(rj, "rb");
  char buf[2048] = "";
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = '\0';
  if (f) fclose(f);
  CHECK_STR(buf, "email,Name,Created Date,reject_reason\r\n"
            "b@x.example,\"Bob, Jr\",someday,\"line 3: column 'Created Date': cannot "
            "read 'someday' as a date (use ISO-8601 such as 2024-03-01 or "
            "2024-03-01T10:00:00Z, or unix seconds)\"\r\n"
            ",Nobody,2024-01-02,line 4: column 'email': empty key\r\n"
            "c@x.example,Cy,2024-01-03,extra,\"line 5: row has 4 cells, the header "
            "has 3\"\r\n");
  CHECK_STR(q_text(dbpath, "SELECT rejected FROM imports"), "3");
  /* a structural error still stops everything, and the rejects file of
  ** the import before stays as it was */
  const char *q = file("broken.csv", "email,Name\nx@x.example,\"X\n");
  unsigned long long before = db_digest(dbpath);
  CHECK_INT(imp(LR_CONTACTS, q, &o), LR_INPUT);
  CHECK(db_digest(dbpath) == before);
  f = fopen(rj, "rb");
  char again[2048] = "";
  n = f ? fread(again, 1, sizeof again - 1, f) : 0;
  again[n] = '\0';
  if (f) fclose(f);
  CHECK_STR(again, buf);
  /* activities: unknown contacts can be rejected too */
  o.rejects = t_path("act_rejects.csv");
  CHECK_INT(imp(LR_ACTIVITIES, file("acts.csv", "email,type,at\n"
                                    "a@x.example,open,2024-02-01\n"
                                    "q@x.example,open,2024-02-01\n"), &o), LR_OK);
  CHECK_INT(rep.inserted, 1);
  CHECK_INT(rep.rejected, 1);
}

static void test_nulls(void) {
  fresh("nulls.db");
  const char *nulls[] = { "Select", "N/A" };
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  o.nulls = nulls;
  o.n_nulls = 2;
  const char *p = file("nulls.csv", "email,City,Spec,Count\n"
                       "a@x.example,Select,N/A,\n"
                       "b@x.example,select,\"\",Select\n");
  CHECK_INT(imp(LR_CONTACTS, p, &o), LR_OK);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts WHERE city IS NULL"), 1);
  CHECK_STR(q_text(dbpath, "SELECT city FROM contacts WHERE key='b@x.example'"),
            "select");                       /* exact, case-sensitive */
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts WHERE spec IS NULL"), 2);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts WHERE count IS NULL"), 2);
}

static void test_encodings_and_delimiters(void) {
  fresh("enc.db");
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  o.encoding = "latin1";
  CHECK_INT(imp(LR_CONTACTS, fx("tests/fixtures/csv/latin1.csv"), &o), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT first_name||'|'||city||'|'||notes FROM contacts "
                   "WHERE key='maria@example.com'"), "María|Málaga|café, olé");
  o.encoding = "UTF-16";
  CHECK_INT(imp(LR_CONTACTS, fx("tests/fixtures/csv/utf16.csv"), &o), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT first_name||city FROM contacts WHERE "
                   "key='kenji@example.com'"), "健二東京");
  o.encoding = "windows-1252";
  CHECK_INT(imp(LR_CONTACTS, fx("tests/fixtures/csv/windows1252.csv"), &o), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT price FROM contacts WHERE key='zoe@example.com'"),
            "€5");
  CHECK_INT(imp(LR_CONTACTS, fx("tests/fixtures/csv/semicolon.csv"), NULL), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT name FROM contacts WHERE key='a@x.example'"),
            "Lee; Ann");
  CHECK_INT(q_int(dbpath, "SELECT score_value FROM contacts WHERE key='b@x.example'"), 6);
  CHECK_INT(imp(LR_CONTACTS, fx("tests/fixtures/csv/tab.csv"), NULL), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT name FROM contacts WHERE key='t2@x.example'"),
            "Tab, Two");
  CHECK_INT(imp(LR_CONTACTS, fx("tests/fixtures/csv/bom.csv"), NULL), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT name FROM contacts WHERE key='bom@x.example'"),
            "Bom");
  lr_import_opts d = LR_IMPORT_OPTS_INIT;
  d.delimiter = '|';
  CHECK_INT(imp(LR_CONTACTS, file("pipe.csv", "email|name\np@x.example|P, Q\n"), &d),
            LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT name FROM contacts WHERE key='p@x.example'"), "P, Q");
}

static void test_types_widen(void) {
  fresh("widen.db");
  CHECK_INT(imp(LR_CONTACTS, file("w1.csv", "email,n,m\na@x.example,1,\n"), NULL),
            LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT type FROM fields WHERE name='n'"), "integer");
  CHECK_STR(q_text(dbpath, "SELECT type FROM fields WHERE name='m'"), "text");
  CHECK_INT(imp(LR_CONTACTS, file("w2.csv", "email,n\nb@x.example,2.5\n"), NULL),
            LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT type FROM fields WHERE name='n'"), "real");
  CHECK_INT(imp(LR_CONTACTS, file("w3.csv", "email,n\nc@x.example,3\n"), NULL), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT type FROM fields WHERE name='n'"), "real");
  CHECK_INT(imp(LR_CONTACTS, file("w4.csv", "email,n\nd@x.example,n/a\n"), NULL),
            LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT type FROM fields WHERE name='n'"), "text");
  CHECK_STR(q_text(dbpath, ty(t_pg() ? "SELECT group_concat(typeof(n), ',') "
                   "FROM (SELECT data FROM contacts ORDER BY id)" :
                   "SELECT group_concat(typeof(n), ',') FROM "
                   "(SELECT n FROM contacts ORDER BY id)")),
            "integer,real,integer,text");
}

/* Issue 15: the email key is stored trimmed in the email column too;
** text in company_size (a number field) is a bad row; a policy reads an
** aliased column by its folded header too (lead.lead_source). */
static void test_email_numbers_names(void) {
  fresh("issue15.db");
  const char *p = file("i15.csv", "Email,Company Size,Lead Source\n"
                       " \tAnn@X.example  ,5000,Web\n"
                       "bob@x.example,N/A,Ads\n");
  CHECK_INT(imp(LR_CONTACTS, p, NULL), LR_INPUT);
  CHECK_ERR(p, ":3: column 'Company Size': 'N/A' is not a number, and "
            "company_size is a number field (--null VALUE reads such cells as "
            "empty; --map 'Company Size=company_size_text' keeps the text in a "
            "field of its own)");
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts"), 0);
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  const char *nulls[] = { "N/A" };
  o.nulls = nulls;
  o.n_nulls = 1;
  CHECK_INT(imp(LR_CONTACTS, p, &o), LR_OK);
  CHECK_STR(q_text(dbpath, "SELECT key || '|' || email || '|' || "
                   "ifnull(company_size, 'NULL') FROM contacts ORDER BY id"),
            "ann@x.example|Ann@X.example|5000");
  CHECK_STR(q_text(dbpath, "SELECT group_concat(ifnull(company_size, 'NULL'))"
                   " FROM contacts"), "5000,NULL");
  /* other key fields keep their cells as written (test_keys) */
  lr_policy *pol = NULL;
  static const char POLICY[] =
      "stages { 'lead' }\n"
      "rule 'web' { points = 1, when = function(l)\n"
      "  return l.lead_source == 'Web' and l.source == 'Web' end }\n"
      "rule 'big' { points = 10, when = function(l)\n"
      "  return (l.company_size or 0) >= 1000 end }\n";
  CHECK_INT(lr_policy_load_string(db, "p.lua", POLICY, sizeof POLICY - 1,
                                  NULL, &pol), LR_OK);
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  ro.now = 1800000000;
  lr_run_result r;
  CHECK_INT(lr_run(pol, &ro, &r), LR_OK);
  lr_run_result_free(&r);
  lr_policy_free(pol);
  CHECK_STR(q_text(dbpath, "SELECT group_concat(score) FROM contacts"),
            "11.0,0.0");
}

static void test_activities_outcomes(void) {
  fresh("events.db");
  CHECK_INT(imp(LR_CONTACTS, fx("tests/fixtures/csv/contacts_basic.csv"), NULL),
            LR_OK);
  t_sql(dbpath, "UPDATE contacts SET data_at=5");
  CHECK_INT(imp(LR_ACTIVITIES, fx("tests/fixtures/csv/activities.csv"), NULL), LR_OK);
  CHECK_INT(rep.rows_read, 3);
  CHECK_INT(rep.inserted, 3);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM activities"), 3);
  CHECK_STR(q_text(dbpath, "SELECT group_concat(type||':'||occurred_at||':'||"
                   "ifnull(value,'-')||':'||ifnull(campaign,'-'), ' ') FROM "
                   "(SELECT * FROM activities ORDER BY id)"),
            "email_open:1709629200:-:spring page_view:1709629200:3.0:- "
            "demo_request:1709683200:-:spring");
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM activities a JOIN contacts c ON "
                  "c.id=a.contact_id WHERE c.key='ann@example.com'"), 2);
  /* contacts with new activities are marked changed; the others are not */
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts WHERE data_at > 5"), 2);
  CHECK_INT(q_int(dbpath, "SELECT data_at FROM contacts WHERE key='carol@example.com'"), 5);
  /* re-importing appends */
  CHECK_INT(imp(LR_ACTIVITIES, fx("tests/fixtures/csv/activities.csv"), NULL), LR_OK);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM activities"), 6);

  CHECK_INT(imp(LR_OUTCOMES, fx("tests/fixtures/csv/outcomes.csv"), NULL), LR_OK);
  CHECK_INT(rep.inserted, 3);
  CHECK_STR(q_text(dbpath, "SELECT group_concat(result||':'||ifnull(amount,'-')||':'"
                   "||closed_at, ' ') FROM (SELECT * FROM outcomes ORDER BY id)"),
            "won:1200.5:1711929600 lost:-:1712016000 won:300.0:1712102400");
  /* upsert on (contact, closed_at): one replaced, one new, one merged */
  const char *o2 = file("o2.csv", "Email,Outcome,Amount,Closed At\n"
                        "bob@example.com,YES,99,2024-04-02\n"
                        "bob@example.com,no,,2024-05-01\n"
                        "bob@example.com,false,7,2024-05-01\n");
  CHECK_INT(imp(LR_OUTCOMES, o2, NULL), LR_OK);
  CHECK_INT(rep.inserted, 1);
  CHECK_INT(rep.updated, 1);
  CHECK_INT(rep.merged, 1);
  CHECK_STR(q_text(dbpath, "SELECT group_concat(result||':'||ifnull(amount,'-'), ' ') "
                   "FROM (SELECT o.* FROM outcomes o JOIN contacts c ON c.id=o.contact_id "
                   "WHERE c.key='bob@example.com' ORDER BY closed_at)"),
            "won:99.0 lost:7.0");
}

static int stop_progress(void *ctx, long long rows) {
  (*(long long *)ctx) = rows;
  return 1;
}

static int count_progress(void *ctx, long long rows) {
  (*(long long *)ctx)++;
  (void)rows;
  return 0;
}

static void test_cancel(void) {
  fresh("cancel.db");
  CHECK_INT(imp(LR_CONTACTS, file("one.csv", "email\nfirst@x.example\n"), NULL), LR_OK);
  const char *p = t_path("many.csv");
  FILE *f = fopen(p, "wb");
  fputs("email,n\n", f);
  for (int i = 0; i < 40000; i++) fprintf(f, "u%d@x.example,%d\n", i, i);
  fclose(f);
  unsigned long long before = db_digest(dbpath);
  long long at = 0;
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  o.progress = stop_progress;
  o.progress_ctx = &at;
  CHECK_INT(imp(LR_CONTACTS, p, &o), LR_INTERRUPT);
  CHECK_INT(at, 16384);
  CHECK_CONTAINS(lr_errmsg(db), "import cancelled");
  CHECK(db_digest(dbpath) == before);
  volatile int flag = 1;
  lr_import_opts c = LR_IMPORT_OPTS_INIT;
  c.cancel = &flag;
  CHECK_INT(imp(LR_CONTACTS, p, &c), LR_INTERRUPT);
  CHECK(db_digest(dbpath) == before);
  long long calls = 0;
  o.progress = count_progress;
  o.progress_ctx = &calls;
  CHECK_INT(imp(LR_CONTACTS, p, &o), LR_OK);
  CHECK_INT(calls, 2);
  CHECK_INT(rep.inserted, 40000);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts"), 40001);
}

static void test_x_education(void) {
  fresh("xedu.db");
  const char *nulls[] = { "Select" };
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  o.key = "Prospect ID";
  o.nulls = nulls;
  o.n_nulls = 1;
  const char *path = "/work/shared/data/x-education-leads.csv";
  char local[1200];
  snprintf(local, sizeof local, "%s", t_src("examples/data/x-education-leads.csv"));
  if (access(local, R_OK) == 0) path = local;
  if (access(path, R_OK) != 0) {
    fprintf(stderr, "x-education-leads.csv not found; skipped\n");
    return;
  }
  CHECK_INT(imp(LR_CONTACTS, path, &o), LR_OK);
  CHECK_INT(rep.rows_read, 9240);
  CHECK_INT(rep.inserted, 9240);
  CHECK_INT(rep.merged, 0);
  CHECK_INT(rep.rejected, 0);
  CHECK_INT(rep.columns, 38);
  CHECK_INT(rep.fields_created, 36);      /* Lead Source, Country: well-known */
  CHECK_STR(rep.key_field, "prospect_id");
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts"), 9240);
  CHECK_INT(q_int(dbpath, "SELECT lead_number FROM contacts WHERE "
                  "key='7927b2df-8bba-4d29-b9a2-b6e0beafe620'"), 660737);
  CHECK_STR(q_text(dbpath, "SELECT source||'|'||lead_origin||'|'||last_activity FROM "
                   "contacts WHERE key='2a272436-5132-4136-86fa-dcc88c88f482'"),
            "Organic Search|API|Email Opened");
  CHECK_STR(q_text(dbpath, ty("SELECT typeof(page_views_per_visit)||':'||"
                   "page_views_per_visit FROM contacts WHERE "
                   "key='2a272436-5132-4136-86fa-dcc88c88f482'")), "real:2.5");
  CHECK_INT(q_int(dbpath, "SELECT total_time_spent_on_website FROM contacts WHERE "
                  "key='2a272436-5132-4136-86fa-dcc88c88f482'"), 674);
  CHECK_STR(q_text(dbpath, "SELECT type FROM fields WHERE name='totalvisits'"), "integer");
  CHECK_STR(q_text(dbpath, "SELECT type FROM fields WHERE name='page_views_per_visit'"),
            "real");
  CHECK_STR(q_text(dbpath, "SELECT header FROM fields WHERE "
                   "name='a_free_copy_of_mastering_the_interview'"),
            "A free copy of Mastering The Interview");
  /* the header's last, empty name; the column is empty in every row */
  CHECK_STR(q_text(dbpath, "SELECT '['||header||']' FROM fields WHERE name='column_38'"),
            "[]");
  CHECK_INT(q_int(dbpath, "SELECT count(column_38) FROM contacts"), 0);
  /* "Select" means not answered */
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts WHERE specialization='Select' "
                  "OR city='Select' OR lead_profile='Select'"), 0);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts WHERE city IS NULL"), 3669);
  CHECK_INT(q_int(dbpath, "SELECT sum(converted) FROM contacts"), 3561);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts WHERE totalvisits IS NULL"), 137);
}

/* A file that repeats 1,000 keys over 200,000 rows, first into an empty
** database (bulk load, duplicates removed at the end) and then again
** (upserts): the counts, the last row of each key winning, and SQLite's
** peak heap.  Removing 199,000 duplicates in one DELETE held their ids in
** memory (24 bytes each: 100 MB at 4M rows; a peak of 9.3 MB here); a
** range of ids at a time keeps the peak at SQLite's caches (6.5 MB here,
** the same at 400,000 rows).  Counted in bytes SQLite allocated, not in
** time. */
static void test_repeated_keys(void) {
  fresh("repeat.db");
  const char *path = t_path("repeat.csv");
  FILE *f = fopen(path, "w");
  if (!f) { CHECK(!"cannot write repeat.csv"); return; }
  fprintf(f, "email,n\n");
  for (int i = 0; i < 200000; i++) fprintf(f, "k%d@x.example,%d\n", i % 1000, i);
  fclose(f);
  sqlite3_memory_highwater(1);                  /* reset the peak */
  CHECK_INT(imp(LR_CONTACTS, path, NULL), LR_OK);
  sqlite3_int64 peak = sqlite3_memory_highwater(1);
  if (!t_pg())
    printf("repeated keys: SQLite heap peak %lld bytes (bulk load)\n",
         (long long)peak);
  if (!t_pg()) CHECK(peak < 8 * 1024 * 1024);
  CHECK_INT(rep.rows_read, 200000);
  CHECK_INT(rep.inserted, 1000);
  CHECK_INT(rep.updated, 0);
  CHECK_INT(rep.merged, 199000);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts"), 1000);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts WHERE n >= 199000"), 1000);
  CHECK_INT(q_int(dbpath, "SELECT n FROM contacts WHERE key='k7@x.example'"), 199007);
  if (!t_pg()) {   /* SQLite's own */
    CHECK_INT(q_int(dbpath, "SELECT count(*) FROM sqlite_temp_schema"), 0);
    CHECK_STR(q_text(dbpath, "PRAGMA integrity_check"), "ok");
  }
  /* Again, into the contacts now there: upserts. */
  CHECK_INT(imp(LR_CONTACTS, path, NULL), LR_OK);
  peak = sqlite3_memory_highwater(1);
  if (!t_pg())
    printf("repeated keys: SQLite heap peak %lld bytes (upserts)\n",
         (long long)peak);
  if (!t_pg()) CHECK(peak < 40 * 1024 * 1024);   /* the 32 MiB page cache */
  CHECK_INT(rep.inserted, 0);
  CHECK_INT(rep.updated, 1000);
  CHECK_INT(rep.merged, 199000);
  CHECK_INT(q_int(dbpath, "SELECT count(*) FROM contacts"), 1000);
}

int main(void) {
  t_tmpdir();
  test_contacts_basic();
  test_upsert_counts();
  test_repeated_keys();
  test_stage_owner();
  test_keys();
  test_headers();
  test_bad_input();
  test_rejects();
  test_nulls();
  test_encodings_and_delimiters();
  test_types_widen();
  test_email_numbers_names();
  test_activities_outcomes();
  test_cancel();
  test_x_education();
  lr_close(db);
  return t_done();
}
