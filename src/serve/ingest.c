/*
** ingest.c -- lr_ingest: events from NDJSON or CSV, one per line, applied
** opts->batch at a time through lr_apply_events (one transaction each).
**
** A bad event is named by its line.  With --rejects it is set aside (the
** line as read and why, one JSON object a line) and the rest of its batch
** is applied again without it; without, the ingest stops and its batch is
** rolled back.  Batches committed before stay: the message says from
** which line nothing was applied.
*/
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/contact.h"
#include "../store/realtime_io.h"
#include "../util/buf.h"
#include "event_json.h"
#include "ingest.h"

/* ---- one line into an event -------------------------------------------- */

static const char *copy(lr_arena *a, const char *s) {
  return s ? lra_strdup(a, s) : NULL;
}

/* Copy the event's strings out of the JSON document into the arena. */
static int own_strings(lr_arena *a, lr_event *e) {
  e->key = copy(a, e->key);
  e->type = copy(a, e->type);
  e->campaign = copy(a, e->campaign);
  const char **f = (const char **)e->fields;
  for (int i = 0; i < 2 * e->n_fields; i++) f[i] = copy(a, f[i]);
  return e->key ? 0 : -1;
}

static int parse_ndjson(lrv_ingest *g, const char *line, lr_event *e,
                        char *err, size_t n) {
  json_error_t je;
  json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &je);
  if (!o) {
    snprintf(err, n, "malformed JSON at column %d: %s", je.column,
             lrv_json_why(&je));
    return -1;
  }
  int rc = lrv_event_from_json(o, "create", LR_EVENT_CREATE, &g->arena, e,
                               err, n);
  if (rc == 0 && own_strings(&g->arena, e) != 0) {
    snprintf(err, n, "out of memory");
    rc = -1;
  }
  json_decref(o);
  return rc;
}

/* ---- CSV: a header, then one event a line ---------------------------------- */

typedef struct csv_row {
  char *cell[LRV_CSV_COLS];
  int n, too_many;
  lr_arena *arena;
} csv_row;

static void on_cell(void *s, size_t len, void *ctx) {
  csv_row *r = ctx;
  if (r->n >= LRV_CSV_COLS) {
    r->too_many = 1;
    return;
  }
  r->cell[r->n++] = lra_strndup(r->arena, s ? s : "", s ? len : 0);
}

/* The first cell of r that is not UTF-8 (the stores keep UTF-8 text
** only), as an error; 0 when all are. */
static int not_utf8(const csv_row *r, const char *const *names, char *err,
                    size_t n) {
  for (int c = 0; c < r->n; c++) {
    size_t len = strlen(r->cell[c]), ok = lrb_utf8_valid(r->cell[c], len);
    if (ok == len) continue;
    if (names) snprintf(err, n, "column '%s': invalid UTF-8 at byte %zu "
                        "(events are UTF-8 text)", names[c], ok + 1);
    else snprintf(err, n, "header, column %d: invalid UTF-8 at byte %zu "
                  "(events are UTF-8 text)", c + 1, ok + 1);
    return -1;
  }
  return 0;
}

/* A number as an import takes it: decimal, with an exponent or not;
** no hex, inf or nan, which strtod would read. */
static int number(const char *s, double *out) {
  size_t n = strlen(s);
  while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (!n || strspn(s, "0123456789+-.eE") < n ||
      strcspn(s, "0123456789") >= n)
    return -1;
  char tmp[64], *end;
  if (n >= sizeof tmp) return -1;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  errno = 0;
  *out = strtod(tmp, &end);
  return *end || (errno == ERANGE && (*out > 1 || *out < -1)) ? -1 : 0;
}

static int split_csv(lrv_ingest *g, const char *line, csv_row *r) {
  memset(r, 0, sizeof *r);
  r->arena = &g->arena;
  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) != 0) return -1;
  size_t len = strlen(line);
  int ok = csv_parse(&p, line, len, on_cell, NULL, r) == len &&
           csv_fini(&p, on_cell, NULL, r) == 0;
  csv_free(&p);
  return ok && !r->too_many ? 0 : -1;
}

static const char *const CSV_NAMES[LRV_CSV_COLS] = {
  "contact", "type", "at", "value", "campaign",
};

static int csv_header(lrv_ingest *g, const char *line, char *err, size_t n) {
  csv_row r;
  if (split_csv(g, line, &r) != 0) {
    snprintf(err, n, "cannot read the header as CSV");
    return -1;
  }
  if (not_utf8(&r, NULL, err, n)) return -1;
  for (int i = 0; i < LRV_CSV_COLS; i++) g->csv_col[i] = -1;
  for (int c = 0; c < r.n; c++) {
    int k = 0;
    while (k < LRV_CSV_COLS && strcmp(r.cell[c], CSV_NAMES[k]) != 0) k++;
    if (k == LRV_CSV_COLS) {
      snprintf(err, n, "column '%.60s': not a column of events (they have "
               "contact, type, at, value, campaign)", r.cell[c]);
      return -1;
    }
    if (g->csv_col[k] >= 0) {      /* each cell of a row has one name */
      snprintf(err, n, "column '%s' appears twice", CSV_NAMES[k]);
      return -1;
    }
    g->csv_col[k] = c;
  }
  if (g->csv_col[0] < 0 || g->csv_col[1] < 0) {
    snprintf(err, n, "events need the columns contact and type");
    return -1;
  }
  g->csv_ncols = r.n;
  return 0;
}

static const char *cell(const csv_row *r, int col) {
  return col >= 0 && col < r->n && r->cell[col][0] ? r->cell[col] : NULL;
}

static int parse_csv(lrv_ingest *g, const char *line, lr_event *e, char *err,
                     size_t n) {
  csv_row r;
  memset(e, 0, sizeof *e);
  if (split_csv(g, line, &r) != 0 || r.n != g->csv_ncols) {
    snprintf(err, n, "expected %d CSV cells, as the header has", g->csv_ncols);
    return -1;
  }
  const char *names[LRV_CSV_COLS];
  for (int k = 0; k < LRV_CSV_COLS; k++)
    if (g->csv_col[k] >= 0) names[g->csv_col[k]] = CSV_NAMES[k];
  if (not_utf8(&r, names, err, n)) return -1;
  e->key = cell(&r, g->csv_col[0]);
  e->type = cell(&r, g->csv_col[1]);
  e->campaign = cell(&r, g->csv_col[4]);
  const char *at = cell(&r, g->csv_col[2]), *value = cell(&r, g->csv_col[3]);
  if (!e->key) return snprintf(err, n, "column 'contact': empty"), -1;
  if (!e->type) return snprintf(err, n, "column 'type': empty"), -1;
  if (strlen(e->key) > LRS_MAX_KEY || strlen(e->type) > LRS_MAX_KEY)
    return snprintf(err, n, "column '%s': at most %d bytes", strlen(e->key) >
                    LRS_MAX_KEY ? "contact" : "type", LRS_MAX_KEY), -1;
  if (at && lr_parse_time(at, &e->at) != LR_OK)
    return snprintf(err, n, "column 'at': cannot read \"%.40s\" as a time "
                    "(use ISO-8601 or unix seconds)", at), -1;
  if (value) {
    if (number(value, &e->value) != 0)
      return snprintf(err, n, "column 'value': \"%.40s\" is not a number",
                      value), -1;
    e->has_value = 1;
  }
  return 0;
}

/* ---- the batch ---------------------------------------------------------- */

/* Set a line aside (written by write_rejects once its batch commits). */
static int reject(lrv_ingest *g, long long line, const char *raw,
                  const char *why) {
  if (g->nrej == g->caprej) {
    long long cap = g->caprej ? g->caprej * 2 : 16;
    struct lrv_reject *v = realloc(g->rejv, (size_t)cap * sizeof *v);
    if (!v) return -1;
    g->rejv = v;
    g->caprej = cap;
  }
  struct lrv_reject *r = &g->rejv[g->nrej];
  r->line = line;
  r->raw = lra_strdup(&g->arena, raw);
  r->why = lra_strdup(&g->arena, why);
  if (!r->raw || !r->why) return -1;
  g->nrej++;
  return 0;
}

static int by_line(const void *x, const void *y) {
  long long a = ((const struct lrv_reject *)x)->line;
  long long b = ((const struct lrv_reject *)y)->line;
  return a < b ? -1 : a > b;
}

/* One JSON object a line: {"line", "reason", "text"}, in line order. */
static int write_rejects(lrv_ingest *g) {
  qsort(g->rejv, (size_t)g->nrej, sizeof *g->rejv, by_line);
  int bad = 0;
  for (long long i = 0; i < g->nrej && !bad; i++) {
    json_t *o = json_pack("{s:I, s:s, s:s}", "line", (json_int_t)g->rejv[i].line,
                          "reason", g->rejv[i].why, "text", g->rejv[i].raw);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    bad = !s || lr_output_write(g->rej, s, strlen(s)) ||
          lr_output_write(g->rej, "\n", 1);
    free(s);
  }
  g->report.rejected += g->nrej;
  g->nrej = 0;
  return bad ? lr__err(g->db, LR_IO, "--rejects: cannot write") : LR_OK;
}

static void write_decision(lrv_ingest *g, json_t *o) {
  char *s = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  if (!s) return;
  g->o.decisions(g->o.decisions_ctx, s, strlen(s));
  g->o.decisions(g->o.decisions_ctx, "\n", 1);
  free(s);
}

static void on_touched(void *ctx, const lr_touched *t) {
  lrv_ingest *g = ctx;
  g->report.contacts++;
  g->report.moves += t->n_moves;
  g->report.handoffs += t->handoff != NULL;
  if (!g->o.decisions) return;
  long long line = g->line_of[t->events[0]];
  for (int i = 0; i < t->n_moves; i++) {
    const lr_move *m = &t->moves[i];
    write_decision(g, json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:I}",
                                "kind", "move", "key", t->key, "from", m->from,
                                "to", m->to, "transition", m->transition,
                                "reason", m->reason, "line", (json_int_t)line));
  }
  if (t->handoff)
    write_decision(g, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "kind",
                                "handoff", "key", t->key, "stage",
                                t->handoff->stage, "owner", t->handoff->owner,
                                "due", (json_int_t)t->handoff->due, "line",
                                (json_int_t)line));
}

/* "event 3: no contact ..." -> "FILE:LINE: no contact ...". */
static int name_line(lrv_ingest *g, int rc, long long line) {
  const char *msg = lr_errmsg(g->db), *p = msg;
  if (strncmp(p, "event ", 6) == 0 && (p = strstr(p, ": "))) msg = p + 2;
  char *keep = strdup(msg);
  lr__err(g->db, rc, "%s:%lld: %s", g->name, line, keep ? keep : "");
  free(keep);
  return rc;
}

/* Drop event i from the batch (it was set aside). */
static void drop(lrv_ingest *g, long long i) {
  memmove(&g->ev[i], &g->ev[i + 1], (size_t)(g->n - i - 1) * sizeof *g->ev);
  memmove(&g->line_of[i], &g->line_of[i + 1],
          (size_t)(g->n - i - 1) * sizeof *g->line_of);
  memmove(&g->raw[i], &g->raw[i + 1], (size_t)(g->n - i - 1) * sizeof *g->raw);
  g->n--;
}

static int flush(lrv_ingest *g) {
  lr_apply_opts ao = LR_APPLY_OPTS_INIT;
  ao.now = g->now;
  ao.by = "ingest";
  ao.cancel = g->o.cancel;
  int rc = LR_OK;
  long long failed = -1;
  while (g->n) {
    rc = lr_apply_events(g->p, g->ev, g->n, &ao, on_touched, g, &failed);
    if (rc == LR_OK || failed < 0 || !g->rej ||
        (rc != LR_INPUT && rc != LR_NOTFOUND)) break;
    name_line(g, rc, g->line_of[failed]);
    if (reject(g, g->line_of[failed], g->raw[failed], lr_errmsg(g->db)) != 0)
      return lr__err(g->db, LR_NOMEM, "out of memory");
    drop(g, failed);
    rc = LR_OK;
  }
  if (rc != LR_OK) {
    if (failed >= 0) name_line(g, rc, g->line_of[failed]);
    if (g->report.batches) {
      char *keep = strdup(lr_errmsg(g->db));
      lr__err(g->db, rc, "%s (nothing from line %lld on was applied; the "
              "%lld events before it are committed)", keep ? keep : "",
              g->line_of[0], g->report.events);
      free(keep);
    }
    return rc;
  }
  g->report.events += g->n;
  g->report.batches += g->n > 0;
  g->n = 0;
  rc = g->nrej ? write_rejects(g) : LR_OK;
  lra_reset(&g->arena);
  return rc;
}

int lrv_ingest_line(lrv_ingest *g, const char *line, long long lineno) {
  char err[512];
  lr_event e;
  int bad;
  if (g->o.format == LR_INGEST_CSV) bad = parse_csv(g, line, &e, err, sizeof err);
  else bad = parse_ndjson(g, line, &e, err, sizeof err);
  if (bad) {
    char shown[600];
    snprintf(shown, sizeof shown, "%s", err);
    if (!g->rej)
      return lr__err(g->db, LR_INPUT, "%s:%lld: %s", g->name, lineno, shown);
    char msg[700];
    snprintf(msg, sizeof msg, "%s:%lld: %s", g->name, lineno, shown);
    return reject(g, lineno, line, msg) == 0
               ? LR_OK : lr__err(g->db, LR_NOMEM, "out of memory");
  }
  char *raw = lra_strdup(&g->arena, line);
  if (!raw) return lr__err(g->db, LR_NOMEM, "out of memory");
  g->ev[g->n] = e;
  g->line_of[g->n] = lineno;
  g->raw[g->n++] = raw;
  if (g->n == g->batch) {
    int rc = flush(g);
    if (rc != LR_OK) return rc;
  }
  return LR_OK;
}

int lrv_ingest_finish(lrv_ingest *g) { return flush(g); }

int lrv_ingest_header(lrv_ingest *g, const char *line) {
  char err[512];
  if (csv_header(g, line, err, sizeof err) != 0)
    return lr__err(g->db, LR_INPUT, "%s:1: %s", g->name, err);
  return LR_OK;
}
