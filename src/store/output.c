/*
** output.c -- lr_output: a file the user named for output, refused when
** it is the database, one of its companion files, an input or another
** open output, and written beside its target until committed (the
** writing itself is util/outfile.c; "the same file" util/samefile.c).
** It lives in the store because only the store knows the database's
** files.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/outfile.h"
#include "../util/samefile.h"
#include "db_int.h"
#include "output.h"
#include "store.h"

struct lr_output {
  lr_db *db;
  char *opt, *path;           /* as given, for messages (opt may be NULL) */
  lrb_outfile f;
  lr_output *next;            /* db->outputs */
};

/* Append "OPT PATH: " to b. */
static void prefix(lr_buf *b, const char *opt, const char *path) {
  lrb_printf(b, "%s%s%s: ", opt ? opt : "", opt ? " " : "", path);
}

/* db's message "OPT PATH: <fmt>"; returns rc. */
static int say(lr_db *db, int rc, const char *opt, const char *path,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int say(lr_db *db, int rc, const char *opt, const char *path,
               const char *fmt, ...) {
  lr_buf b = LR_BUF_INIT;
  prefix(&b, opt, path);
  va_list ap;
  va_start(ap, fmt);
  lrb_vprintf(&b, fmt, ap);
  va_end(ap);
  lr__err(db, rc, "%s", b.oom ? "out of memory" : lrb_str(&b));
  lrb_free(&b);
  return rc;
}

static int io_code(int e) {
  return e == ENOSPC || e == EFBIG || e == EDQUOT ? LR_FULL : LR_IO;
}

/* Which of the database's files path is ("" for the database itself,
** "-wal"...), or NULL.  Both the name db was opened with and SQLite's
** name for it (symlinks resolved) are checked. */
static const char *db_file(lr_db *db, const char *path) {
  static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
  if (db->pg) return NULL;          /* a server's database is no file here */
  const char *base[2] = { db->path, sqlite3_db_filename(db->sql, "main") };
  for (int i = 0; i < 2; i++) {
    if (!base[i] || !*base[i] || strcmp(base[i], ":memory:") == 0) continue;
    for (int k = 0; k < 4; k++) {
      lr_buf name = LR_BUF_INIT;
      lrb_printf(&name, "%s%s", base[i], suffix[k]);
      int same = !name.oom && lrb_same_file(path, name.p);
      lrb_free(&name);
      if (same) return suffix[k];
    }
  }
  return NULL;
}

/* LR_OK when nothing forbids writing path; else LR_MISUSE, said. */
static int allowed(lr_db *db, const char *opt, const char *path,
                   const char *const *inputs, int n_inputs) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return say(db, LR_MISUSE, opt, path, "that is a directory; choose a file");
  const char *which = db_file(db, path);
  if (which)
    return say(db, LR_MISUSE, opt, path, "that is the database%s%s%s; "
               "choose another file", *which ? "'s " : "", which,
               *which ? " file" : "");
  for (int i = 0; i < n_inputs; i++) {
    const char *in = inputs[i];
    if (in && *in && lrb_same_file(path, in))
      return say(db, LR_MISUSE, opt, path, "that is an input of this command "
                 "(%s); choose another file",
                 strcmp(in, "-") == 0 ? "the standard input" : in);
  }
  for (lr_output *o = db->outputs; o; o = o->next)
    if (lrb_same_file(path, o->f.target))
      return say(db, LR_MISUSE, opt, path, "that is already the output of "
                 "%s%s%s; choose another file", o->opt ? o->opt : "",
                 o->opt ? " " : "", o->path);
  return LR_OK;
}

static void unlink_from_db(lr_output *o) {
  for (lr_output **p = &o->db->outputs; *p; p = &(*p)->next)
    if (*p == o) {
      *p = o->next;
      break;
    }
}

static void release(lr_output *o) {
  lrb_out_abort(&o->f);
  unlink_from_db(o);
  lrs_release(o->db);
  free(o->opt);
  free(o->path);
  free(o);
}

int lr_output_open(lr_db *db, const char *opt, const char *path,
                   const char *const *inputs, int n_inputs, lr_output **out) {
  if (out) *out = NULL;
  if (!db || !out) return LR_MISUSE;
  if (!lrs_is_open(db))
    return lr__err(db, LR_MISUSE, "lr_output_open: no database");
  if (!path || !*path || n_inputs < 0 || (n_inputs > 0 && !inputs))
    return lr__err(db, LR_MISUSE, "lr_output_open: no file named");
  int rc = allowed(db, opt, path, inputs, n_inputs);
  if (rc != LR_OK) return rc;
  int e = 0;
  char *target = lrb_path_final(path, &e);
  lr_output *o = target ? calloc(1, sizeof *o) : NULL;
  if (o && (!(o->path = strdup(path)) || (opt && !(o->opt = strdup(opt)))))
    e = ENOMEM;
  if (o && !e) e = lrb_out_begin(&o->f, target);
  free(target);
  if (!o || e) {
    if (o) {
      free(o->opt);
      free(o->path);
      free(o);
    }
    e = e ? e : ENOMEM;
    if (e == ENOMEM) return lr__err(db, LR_NOMEM, "out of memory");
    return say(db, io_code(e), opt, path, "cannot write: %s", strerror(e));
  }
  o->db = db;
  o->next = db->outputs;
  db->outputs = o;
  lrs_hold(db);
  *out = o;
  return lr__ok(db);
}

int lr_output_write(void *output, const char *data, size_t n) {
  return output ? lrb_out_write(&((lr_output *)output)->f, data, n) : 1;
}

int lrs_output_why(lr_output *o, lr_buf *err) {
  int e = o->f.err ? o->f.err : EIO;
  prefix(err, o->opt, o->path);
  lrb_printf(err, "cannot write: %s", strerror(e));
  return io_code(e);
}

int lrs_output_sync(lr_output *o) {
  return lrb_out_sync(&o->f) ? io_code(o->f.err) : LR_OK;
}

lr_db *lrs_output_db(lr_output *o) { return o->db; }

int lr_output_commit(lr_output *output) {
  if (!output) return LR_MISUSE;
  lr_output *o = output;
  lr_db *db = o->db;
  int e = lrb_out_commit(&o->f);
  int rc = e ? say(db, io_code(e), o->opt, o->path, "cannot write: %s",
                   strerror(e))
             : LR_OK;
  release(o);
  return rc == LR_OK ? lr__ok(db) : rc;
}

void lr_output_abort(lr_output *output) {
  if (output) release(output);
}
