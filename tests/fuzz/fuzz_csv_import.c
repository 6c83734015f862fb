/*
** fuzz_csv_import.c -- whole CSV files through lr_import_csv into a fresh
** database (a copy of a new one, on /dev/shm).  The first byte picks the kind (contacts,
** activities, outcomes) and options (delimiter detection or a given one,
** --null values, a --map, a rejects file, an existing contact); the rest
** is the file.  Checks: a failed import leaves the database exactly as it
** was (digest) and says why; a successful one passes quick_check, and
** exporting the result gives valid JSON and a CSV in which no cell
** (header included) could run as a spreadsheet formula.
*/
#include <unistd.h>

#include "fuzz.h"
#include "leadrules.h"
#include "oracle.h"
#include "store/db_int.h"

static char csv_path[96], rej_path[96], db_path[96];
static char *tpl;                 /* a fresh database file's bytes */
static size_t tpl_n;

/* Files under /dev/shm when it exists (no disk I/O), else /tmp. */
static void make_paths(void) {
  const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  int pid = (int)getpid();
  snprintf(csv_path, sizeof csv_path, "%s/lr_fuzz_%d.csv", dir, pid);
  snprintf(rej_path, sizeof rej_path, "%s/lr_fuzz_%d.rej", dir, pid);
  snprintf(db_path, sizeof db_path, "%s/lr_fuzz_%d.db", dir, pid);
}

static void remove_db(void) {
  char p[128];
  unlink(db_path);
  snprintf(p, sizeof p, "%s-journal", db_path);
  unlink(p);
  snprintf(p, sizeof p, "%s-wal", db_path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", db_path);
  unlink(p);
}

/* Migrating a new database costs milliseconds: do it once, keep the file
** (in rollback-journal mode, so a copy is the whole database) and start
** every input from a copy of it. */
static void make_template(void) {
  lr_db *db = NULL;
  remove_db();
  if (lr_open(db_path, &db) != LR_OK) abort();
  sqlite3_exec(db->sql, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
  lr_close(db);
  FILE *f = fopen(db_path, "rb");
  if (!f) abort();
  fseek(f, 0, SEEK_END);
  tpl_n = (size_t)ftell(f);
  rewind(f);
  tpl = malloc(tpl_n);
  if (!tpl || fread(tpl, 1, tpl_n, f) != tpl_n) abort();
  fclose(f);
}

typedef struct sink { char *p; size_t n, cap; } sink;

static int sink_write(void *ctx, const char *data, size_t n) {
  sink *s = ctx;
  if (s->n + n + 1 > s->cap) {
    size_t cap = (s->n + n + 1) * 2;
    char *p = realloc(s->p, cap);
    if (!p) return 1;
    s->p = p;
    s->cap = cap;
  }
  memcpy(s->p + s->n, data, n);
  s->n += n;
  return 0;
}

static int write_file(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  int ok = fwrite(data, 1, size, f) == size;
  return fclose(f) == 0 && ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned flags = data[0];
  data++;
  size--;
  if (!tpl) {
    make_paths();
    make_template();
  }
  if (!write_file(csv_path, data, size)) abort();
  remove_db();
  if (!write_file(db_path, (const uint8_t *)tpl, tpl_n)) abort();
  lr_db *db = NULL;
  if (lr_open(db_path, &db) != LR_OK) abort();
  if (flags & 0x04)
    sqlite3_exec(db->sql,
                 "INSERT INTO contacts(key, email, title) VALUES"
                 " ('a@x.example', 'a@x.example', 'VP'),"
                 " ('b@x.example', 'b@x.example', NULL)", NULL, NULL, NULL);
  uint64_t before = or_digest(db->sql);
  static const char *const nulls[] = { "Select", "NA", "" };
  static const char *const maps[] = { "Job Title=title", "Notes=",
                                      "Prospect ID=external_id" };
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  o.delimiter = (flags & 0x18) == 0x08 ? ';' : (flags & 0x18) == 0x10 ? '\t'
              : (flags & 0x18) == 0x18 ? ',' : 0;
  if (flags & 0x20) { o.nulls = nulls; o.n_nulls = 3; }
  if (flags & 0x40) { o.maps = maps; o.n_maps = 3; }
  if (flags & 0x80) o.rejects = rej_path;
  int kind = 1 + (int)(flags & 3) % 3;
  lr_import_report rep;
  int rc = lr_import_csv(db, kind, csv_path, &o, &rep);
  if (rc != LR_OK) {
    FUZZ_CHECK(rc != LR_MISUSE || (flags & 0x40));
    FUZZ_CHECK(lr_errmsg(db)[0] != 0);
    FUZZ_CHECK(or_digest(db->sql) == before);       /* atomic */
  } else {
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db->sql, "PRAGMA quick_check", -1, &st, NULL);
    FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW);
    FUZZ_CHECK(strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0);
    sqlite3_finalize(st);
    FUZZ_CHECK(rep.rows_read >= rep.inserted + rep.updated);
    sink out = { 0, 0, 0 };
    lr_export_opts eo = LR_EXPORT_OPTS_INIT;
    FUZZ_CHECK(lr_export(db, &eo, sink_write, &out) == LR_OK);
    const char *why = NULL;
    if (!or_csv_safe(out.p ? out.p : "", out.n, &why)) {
      fprintf(stderr, "export cell could run as a formula: '%s'\n", why);
      FUZZ_CHECK(!"export is formula-safe");
    }
    out.n = 0;
    eo.json = 1;
    FUZZ_CHECK(lr_export(db, &eo, sink_write, &out) == LR_OK);
    FUZZ_CHECK(or_json_valid(out.p, out.n));
    free(out.p);
  }
  FUZZ_CHECK(lr_close(db) == LR_OK);
  unlink(rej_path);
  unlink(csv_path);
  remove_db();
  return 0;
}
