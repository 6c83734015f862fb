/*
** ingest_run.c -- lr_ingest: open the input and the rejects file, feed
** the lines to the batch (ingest.c), commit the rejects after the last
** batch.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/realtime_io.h"
#include "../util/buf.h"
#include "../store/store.h"
#include "../engine/model.h"
#include "ingest.h"

static lr_db *db_of(lr_policy *p) { return lrp_policy_ok(p) ? p->db : NULL; }

static int setup(lrv_ingest *g, lr_policy *p, const char *path,
                 const lr_ingest_opts *opts) {
  memset(g, 0, sizeof *g);
  g->p = p;
  g->db = db_of(p);
  if (lr__opts(g->db, &g->o, sizeof g->o, opts, "lr_ingest") != LR_OK ||
      lr__clock(g->db, g->o.now, "lr_ingest", &g->now) != LR_OK)
    return lr_errcode(g->db);
  if (g->o.format != LR_INGEST_NDJSON && g->o.format != LR_INGEST_CSV)
    return lr__err(g->db, LR_MISUSE, "lr_ingest: unknown format %d",
                   g->o.format);
  if (g->o.batch < 0)
    return lr__err(g->db, LR_MISUSE, "--batch %lld: must be positive",
                   g->o.batch);
  /* Events hit random contacts: a bigger batch shares more pages between
  ** them (contact rows, index leaves), each written once per commit. */
  g->batch = g->o.batch ? g->o.batch : 10000;
  g->name = strcmp(path, "-") == 0 ? "stdin" : path;
  g->ev = calloc((size_t)g->batch, sizeof *g->ev);
  g->line_of = calloc((size_t)g->batch, sizeof *g->line_of);
  g->raw = calloc((size_t)g->batch, sizeof *g->raw);
  lra_init(&g->arena, 1 << 16);
  if (!g->ev || !g->line_of || !g->raw)
    return lr__err(g->db, LR_NOMEM, "out of memory");
  if (g->o.rejects) {
    const char *inputs[] = { path };
    return lr_output_open(g->db, "--rejects", g->o.rejects, inputs, 1,
                          &g->rej);
  }
  return LR_OK;
}

static void teardown(lrv_ingest *g) {
  free(g->ev);
  free(g->line_of);
  free(g->raw);
  free(g->rejv);
  lra_free(&g->arena);
}

/* Is a quoted CSV cell still open after s (it was when `in`)?  Every
** '"' flips it: "" inside quotes, an escaped quote, flips it twice. */
static int open_quote(const char *s, size_t n, int in) {
  for (size_t i = 0; i < n; i++)
    if (s[i] == '"') in = !in;
  return in;
}

/* One record (a line; in CSV, lines joined while a quoted cell is open):
** the CSV header first; blank ones are skipped. */
static int one_record(lrv_ingest *g, const char *rec, size_t len,
                      long long lineno) {
  if (g->o.cancel && *g->o.cancel)
    return lr__err(g->db, LR_INTERRUPT, "ingest interrupted");
  if (lineno == 1 && g->o.format == LR_INGEST_CSV)
    return lrv_ingest_header(g, rec);
  if (len && strspn(rec, " \t") != len) return lrv_ingest_line(g, rec, lineno);
  return LR_OK;
}

/* Every record.  A CSV record spanning lines (a quoted cell holding a
** newline) is named by its first line. */
static int read_all(lrv_ingest *g, FILE *in) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  long long lineno = 0, first = 0;
  int rc = LR_OK, quoted = 0, csv = g->o.format == LR_INGEST_CSV;
  lr_buf rec = LR_BUF_INIT;
  while (rc == LR_OK && (len = getline(&line, &cap, in)) >= 0) {
    lineno++;
    g->report.lines++;
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    /* C would read the line up to a NUL and drop the rest unseen. */
    const char *nul = memchr(line, '\0', (size_t)len);
    if (nul) {
      rc = lr__err(g->db, LR_INPUT, "%s:%lld: NUL byte at column %zu (events "
                   "are text)", g->name, lineno, (size_t)(nul - line) + 1);
      break;
    }
    if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
      memmove(line, line + 3, (size_t)len - 2);   /* a byte-order mark */
      len -= 3;
    }
    if (!csv) {
      rc = one_record(g, line, (size_t)len, lineno);
      continue;
    }
    if (quoted) lrb_addc(&rec, '\n');
    else {
      lrb_reset(&rec);
      first = lineno;
    }
    lrb_add(&rec, line, (size_t)len);
    if ((quoted = open_quote(line, (size_t)len, quoted))) continue;
    rc = rec.oom ? lr__err(g->db, LR_NOMEM, "out of memory")
                 : one_record(g, lrb_str(&rec), rec.n, first);
  }
  free(line);
  if (rc == LR_OK && ferror(in))
    rc = lr__err(g->db, LR_IO, "%s: cannot read", g->name);
  if (rc == LR_OK && quoted)
    rc = lr__err(g->db, LR_INPUT, "%s:%lld: a quoted cell is not closed "
                 "before the end of the file", g->name, first);
  lrb_free(&rec);
  if (rc == LR_OK && csv && lineno == 0)
    rc = lr__err(g->db, LR_INPUT, "%s: empty (no header)", g->name);
  return rc == LR_OK ? lrv_ingest_finish(g) : rc;
}

int lr_ingest(lr_policy *p, const char *path, const lr_ingest_opts *opts,
              lr_ingest_report *report) {
  if (report) memset(report, 0, sizeof *report);
  if (!db_of(p) || !path) return LR_MISUSE;
  lrv_ingest g;
  int rc = setup(&g, p, path, opts);
  FILE *in = NULL;
  if (rc == LR_OK) {
    in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in) rc = lr__err(g.db, LR_NOTFOUND, "%s: cannot open", path);
  }
  if (rc == LR_OK) {
    lrs_ingest_tune(g.db, g.batch);
    rc = read_all(&g, in);
    lrs_ingest_untune(g.db);
  }
  if (in && in != stdin) fclose(in);
  /* Lines set aside by batches that committed must not be lost. */
  if (g.rej && (rc == LR_OK || g.report.batches)) {
    int orc = lr_output_commit(g.rej);
    if (rc == LR_OK) rc = orc;
  } else if (g.rej) {
    lr_output_abort(g.rej);
  }
  if (report) *report = g.report;
  teardown(&g);
  return rc == LR_OK ? lr__ok(g.db) : rc;
}
