/*
** test_output.c -- lr_output: an output file is refused when it is the
** database, its -wal, -shm or -journal file, an input or another open
** output (by name, through a symlink, a hard link, "..", the standard
** input), or a directory; otherwise it appears only on commit, in the
** umask's mode, with no temporary file left, and an abort or a failed
** import leaves an older file byte for byte.  Real files throughout.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>

#include "leadrules.h"
#include "t.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[8192];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

/* A scratch path of one's own (t_path's buffers rotate). */
#define OWN_PATH(var, name) \
  char var[1200];           \
  snprintf(var, sizeof var, "%s", t_path(name))

static lr_db *open_db(const char *name) {
  lr_db *db = NULL;
  CHECK_INT(lr_open(name[0] == ':' ? name : t_path(name), &db), LR_OK);
  return db;
}

static int exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

/* Entries of the scratch directory (hidden ones too: temporary files),
** but for the databases' files, which SQLite makes and removes. */
static int entries(void) {
  DIR *d = opendir(t_path(""));
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
        !strstr(e->d_name, ".db")) n++;
  if (d) closedir(d);
  return n;
}

/* path with opt is refused, with "OPT PATH: why" and nothing created. */
static void refused(lr_db *db, const char *opt, const char *path,
                    const char *const *inputs, int n, const char *why) {
  int before = entries();
  lr_output *out = (lr_output *)db;             /* must be set to NULL */
  CHECK_INT(lr_output_open(db, opt, path, inputs, n, &out), LR_MISUSE);
  CHECK(out == NULL);
  char want[2048];
  snprintf(want, sizeof want, "%s%s%s: %s", opt ? opt : "", opt ? " " : "",
           path, why);
  CHECK_STR(lr_errmsg(db), want);
  CHECK_INT(entries(), before);
}

static void test_refused(void) {
  lr_db *db = open_db("leads.db");
  t_write(t_path("in.csv"), "email\na@x.example\n");
  OWN_PATH(csv, "in.csv");
  OWN_PATH(policy, "policy.lua");
  const char *in[] = { csv, NULL, policy };
  t_write(in[2], "stages { 'a' }\n");
  const char *db_is = "that is the database; choose another file";
  refused(db, "--html", t_path("leads.db"), in, 3, db_is);
  refused(db, NULL, t_path("leads.db"), NULL, 0, db_is);
  refused(db, "--html", t_path("leads.db-wal"), in, 3,
          "that is the database's -wal file; choose another file");
  refused(db, "--html", t_path("leads.db-shm"), in, 3,
          "that is the database's -shm file; choose another file");
  CHECK(!exists(t_path("leads.db-journal")));  /* refused all the same */
  refused(db, "--html", t_path("leads.db-journal"), in, 3,
          "that is the database's -journal file; choose another file");
  /* A symlink, a dangling one to a companion file, "..", a hard link. */
  CHECK_INT(symlink("leads.db", t_path("link.db")), 0);
  refused(db, "-o", t_path("link.db"), NULL, 0, db_is);
  CHECK_INT(symlink(t_path("leads.db-journal"), t_path("dangling")), 0);
  refused(db, "-o", t_path("dangling"), NULL, 0,
          "that is the database's -journal file; choose another file");
  CHECK_INT(mkdir(t_path("sub"), 0777), 0);
  refused(db, "-o", t_path("sub/../leads.db"), NULL, 0, db_is);
  refused(db, "-o", t_path("sub"), NULL, 0, "that is a directory; choose a file");
  char want[2600];
  snprintf(want, sizeof want, "that is an input of this command (%s); "
           "choose another file", in[0]);
  refused(db, "--rejects", in[0], in, 3, want);
  CHECK_INT(link(in[0], t_path("hard.csv")), 0);
  refused(db, "--rejects", t_path("hard.csv"), in, 3, want);
  snprintf(want, sizeof want, "that is an input of this command (%s); "
           "choose another file", in[2]);
  refused(db, "--html", in[2], in, 3, want);
  /* "-": whatever file the standard input is. */
  int saved = dup(0);
  int fd = open(in[0], O_RDONLY);
  CHECK(fd >= 0 && dup2(fd, 0) == 0);
  const char *dash[] = { "-" };
  refused(db, "--rejects", t_path("hard.csv"), dash, 1,
          "that is an input of this command (the standard input); choose "
          "another file");
  dup2(saved, 0);
  close(fd);
  close(saved);
  CHECK_STR(slurp(in[0]), "email\na@x.example\n");
  /* Another output open on the same database. */
  lr_output *a = NULL;
  CHECK_INT(lr_output_open(db, "--html", t_path("a.html"), NULL, 0, &a), LR_OK);
  CHECK_INT(symlink("a.html", t_path("a-link.html")), 0);
  snprintf(want, sizeof want, "that is already the output of --html %s; "
           "choose another file", t_path("a.html"));
  refused(db, "--rejects", t_path("a-link.html"), NULL, 0, want);
  lr_output_abort(a);
  CHECK(!exists(t_path("a.html")));
  CHECK_INT(lr_close(db), LR_OK);
}

/* Commit puts the file in place; until then it is a temporary file. */
static void test_commit(void) {
  lr_db *db = open_db("leads.db");
  OWN_PATH(path, "report.html");
  t_write(path, "old\n");
  int before = entries();
  mode_t um = umask(027);
  lr_output *out = NULL;
  CHECK_INT(lr_output_open(db, "--html", path, NULL, 0, &out), LR_OK);
  CHECK_INT(entries(), before + 1);            /* the temporary file */
  CHECK_INT(lr_output_write(out, "new ", 4), 0);
  CHECK_INT(lr_output_write(out, "text\n", 5), 0);
  CHECK_STR(slurp(path), "old\n");
  CHECK_INT(lr_close(db), LR_MISUSE);          /* the output holds db */
  CHECK_CONTAINS(lr_errmsg(db), "output");
  CHECK_INT(lr_output_commit(out), LR_OK);
  umask(um);
  CHECK_STR(slurp(path), "new text\n");
  CHECK_INT(entries(), before);                /* nothing left behind */
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
  /* Through a symlink: the file it points to, the link stays a link. */
  CHECK_INT(symlink("report.html", t_path("r-link.html")), 0);
  CHECK_INT(lr_output_open(db, NULL, t_path("r-link.html"), NULL, 0, &out),
            LR_OK);
  CHECK_INT(lr_output_write(out, "via link\n", 9), 0);
  CHECK_INT(lr_output_commit(out), LR_OK);
  CHECK_STR(slurp(path), "via link\n");
  CHECK(lstat(t_path("r-link.html"), &st) == 0 && S_ISLNK(st.st_mode));
  /* Abort: the old file byte for byte, the temporary file gone. */
  CHECK_INT(lr_output_open(db, "--html", path, NULL, 0, &out), LR_OK);
  CHECK_INT(lr_output_write(out, "partial", 7), 0);
  lr_output_abort(out);
  CHECK_STR(slurp(path), "via link\n");
  CHECK_INT(entries(), before + 1);            /* + r-link.html */
  CHECK_INT(lr_close(db), LR_OK);
}

static void test_errors(void) {
  lr_db *db = open_db(":memory:");
  lr_output *out = NULL;
  CHECK_INT(lr_output_open(NULL, NULL, "x", NULL, 0, &out), LR_MISUSE);
  CHECK_INT(lr_output_open(db, NULL, "x", NULL, 0, NULL), LR_MISUSE);
  CHECK_INT(lr_output_open(db, NULL, "", NULL, 0, &out), LR_MISUSE);
  CHECK_INT(lr_output_open(db, NULL, "x", NULL, 1, &out), LR_MISUSE);
  CHECK_INT(lr_output_commit(NULL), LR_MISUSE);
  lr_output_abort(NULL);
  CHECK(lr_output_write(NULL, "x", 1) != 0);
  OWN_PATH(missing, "no/such/dir/x.html");
  CHECK_INT(lr_output_open(db, "--html", missing, NULL, 0, &out), LR_IO);
  char want[2600];
  snprintf(want, sizeof want, "--html %s: cannot write: %s", missing,
           strerror(ENOENT));
  CHECK_STR(lr_errmsg(db), want);
  /* A device is written in place, and a full one says so at commit. */
  if (access("/dev/full", W_OK) == 0) {
    CHECK_INT(lr_output_open(db, "--html", "/dev/full", NULL, 0, &out), LR_OK);
    for (int i = 0; i < 4096 && lr_output_write(out, "0123456789abcdef", 16) == 0;)
      i++;
    CHECK_INT(lr_output_commit(out), LR_FULL);
    CHECK_CONTAINS(lr_errmsg(db), "--html /dev/full: cannot write: ");
    CHECK(exists("/dev/full"));
  }
  CHECK_INT(lr_close(db), LR_OK);
}

/* lr_import_csv's rejects file goes through lr_output: the CSV and the
** database are refused, and a rolled-back import leaves an older rejects
** file as it was and creates none. */
static void test_import_rejects(void) {
  lr_db *db = open_db("imp.db");
  OWN_PATH(csv, "imp.csv");
  t_write(csv, "email,name\na@x.example,Ann\n,NoKey\n");
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  o.rejects = csv;
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, &o, NULL), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), ": that is an input of this command");
  CHECK_STR(slurp(csv), "email,name\na@x.example,Ann\n,NoKey\n");
  o.rejects = t_path("imp.db");
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, &o, NULL), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "--rejects ");
  CHECK_CONTAINS(lr_errmsg(db), ": that is the database; choose another file");
  /* A structural error rolls back: the older file stays. */
  OWN_PATH(rj, "rj.csv");
  t_write(rj, "older\n");
  t_write(t_path("broken.csv"), "email,name\n,x\n\"b@x.example,open quote\n");
  o.rejects = rj;
  int before = entries();
  CHECK(lr_import_csv(db, LR_CONTACTS, t_path("broken.csv"), &o, NULL) != LR_OK);
  CHECK_STR(slurp(rj), "older\n");
  CHECK_INT(entries(), before);
  o.rejects = t_path("new-rj.csv");
  CHECK(lr_import_csv(db, LR_CONTACTS, t_path("broken.csv"), &o, NULL) != LR_OK);
  CHECK(!exists(t_path("new-rj.csv")));
  CHECK_INT(entries(), before);
  /* Success: the file in place, nothing else. */
  o.rejects = rj;
  lr_import_report r;
  CHECK_INT(lr_import_csv(db, LR_CONTACTS, csv, &o, &r), LR_OK);
  CHECK_INT(r.rejected, 1);
  CHECK_STR(slurp(rj), "email,name,reject_reason\r\n,NoKey,line 3: column "
            "'email': empty key\r\n");
  CHECK_INT(entries(), before);
  CHECK_INT(lr_close(db), LR_OK);
}

int main(void) {
  t_tmpdir();
  test_refused();
  t_tmpdir();
  test_commit();
  t_tmpdir();
  test_errors();
  t_tmpdir();
  test_import_rejects();
  return t_done();
}
