/*
** handoffs.c -- lr_handoffs: the handoff list (lr_handoffs_each) written
** as text for people, JSON for programs (never altered) or CSV for
** spreadsheets (formula-like cells neutralised as lr_export does).
** Streamed through `write` in 64 KiB pieces.
*/
#include <stdio.h>
#include <string.h>

#include "../store/store.h"
#include "../util/timefmt.h"
#include "csv.h"

#define FLUSH_AT (64u << 10)

typedef struct out {
  const lr_handoffs_opts *o;
  lr_write_fn write;
  void *ctx;
  lr_buf b;
  long long rows;
  int failed;
} out;

static const char *const COLS[] = {
  "cursor", "key", "name", "company", "stage", "current_stage", "score",
  "grade", "owner", "assigned_at", "due_at", "reason", "run",
};
#define NCOLS (int)(sizeof COLS / sizeof *COLS)

static void flush(out *w, int force) {
  if (w->failed || (!force && w->b.n < FLUSH_AT)) return;
  if (w->b.n && w->write(w->ctx, w->b.p, w->b.n)) w->failed = 1;
  lrb_reset(&w->b);
}

/* A time: ISO-8601 text (a JSON string) or seconds; 0 is none. */
static void put_time(out *w, long long t) {
  char iso[LRU_ISO_SIZE];
  int json = w->o->format == LR_FMT_JSON;
  if (!t) {
    lrb_adds(&w->b, json ? "null" : w->o->format == LR_FMT_TEXT ? "-" : "");
  } else if (!w->o->epoch && lru_iso(t, iso, sizeof iso)) {
    if (json) lrb_json_str(&w->b, iso, strlen(iso));
    else lrb_adds(&w->b, iso);
  } else {
    lrb_printf(&w->b, "%lld", t);
  }
}

static void put_str(out *w, const char *s) {
  if (w->o->format == LR_FMT_JSON) {
    if (s) lrb_json_str(&w->b, s, strlen(s));
    else lrb_adds(&w->b, "null");
  } else if (w->o->format == LR_FMT_CSV) {
    if (s) lrc_out_text(&w->b, s, strlen(s), w->o->raw);
  } else {
    lrb_adds(&w->b, s && *s ? s : "-");
  }
}

static void put_num(out *w, double d) {
  char num[32];
  lrb_add(&w->b, num, (size_t)lrc_real_text(d, num));
}

/* Column i of row r. */
static void put_col(out *w, const lr_handoff_row *r, int i) {
  switch (i) {
    case 0: lrb_printf(&w->b, "%lld", r->cursor); break;
    case 1: put_str(w, r->key); break;
    case 2: put_str(w, r->name); break;
    case 3: put_str(w, r->company); break;
    case 4: put_str(w, r->stage); break;
    case 5: put_str(w, r->current_stage); break;
    case 6: put_num(w, r->score); break;
    case 7: put_str(w, r->grade); break;
    case 8: put_str(w, r->owner); break;
    case 9: put_time(w, r->assigned_at); break;
    case 10: put_time(w, r->due_at); break;
    case 11: put_str(w, r->reason); break;
    default: lrb_printf(&w->b, "%lld", r->run_id);
  }
}

/* Text: what sales reads, one handoff a line. */
static void put_text_row(out *w, const lr_handoff_row *r) {
  put_time(w, r->assigned_at);
  lrb_addc(&w->b, ' ');
  put_str(w, r->owner);
  lrb_printf(&w->b, " %s ", r->stage ? r->stage : "-");
  /* where the lead is now, when it has moved on (or was recycled) */
  if (r->current_stage && (!r->stage || strcmp(r->stage, r->current_stage)))
    lrb_printf(&w->b, "(now %s) ", r->current_stage);
  put_str(w, r->key);
  lrb_adds(&w->b, " (");
  put_str(w, r->name);
  lrb_adds(&w->b, ", ");
  put_str(w, r->company);
  lrb_adds(&w->b, ") score ");
  put_num(w, r->score);
  lrb_printf(&w->b, " grade %s due ", r->grade ? r->grade : "-");
  put_time(w, r->due_at);
  lrb_adds(&w->b, ": ");
  put_str(w, r->reason);
  lrb_printf(&w->b, " [cursor %lld]\n", r->cursor);
}

static int on_row(void *ctx, const lr_handoff_row *r) {
  out *w = ctx;
  int f = w->o->format;
  if (f == LR_FMT_TEXT) {
    put_text_row(w, r);
  } else {
    if (f == LR_FMT_JSON) lrb_adds(&w->b, w->rows ? ",\n    {" : "\n    {");
    for (int i = 0; i < NCOLS; i++) {
      if (i) lrb_adds(&w->b, f == LR_FMT_JSON ? ", " : ",");
      if (f == LR_FMT_JSON) lrb_printf(&w->b, "\"%s\": ", COLS[i]);
      put_col(w, r, i);
    }
    lrb_adds(&w->b, f == LR_FMT_JSON ? "}" : "\r\n");
  }
  w->rows++;
  flush(w, 0);
  return w->failed || w->b.oom;
}

int lr_handoffs(lr_db *db, const lr_handoffs_opts *opts, lr_write_fn write,
                void *ctx, long long *cursor) {
  if (cursor) *cursor = 0;
  if (!write) return lr__err(db, LR_MISUSE, "lr_handoffs: no writer");
  lr_handoffs_opts o;
  if (lr__opts(db, &o, sizeof o, opts, "lr_handoffs") != LR_OK)
    return lr_errcode(db);
  int format;
  format = o.format;
  if (format != LR_FMT_TEXT && format != LR_FMT_JSON && format != LR_FMT_CSV)
    return lr__err(db, LR_MISUSE, "lr_handoffs: format %d is not text, JSON "
                   "or CSV", format);
  out w = { &o, write, ctx, LR_BUF_INIT, 0, 0 };
  if (format == LR_FMT_JSON) {
    lrb_adds(&w.b, "{\n  \"handoffs\": [");
  } else if (format == LR_FMT_CSV) {
    for (int i = 0; i < NCOLS; i++) lrb_printf(&w.b, "%s%s", i ? "," : "", COLS[i]);
    lrb_adds(&w.b, "\r\n");
  }
  long long cur = 0;
  int rc = lr_handoffs_each(db, &o, on_row, &w, &cur);
  if (rc == LR_INTERRUPT && (w.failed || w.b.oom))
    rc = lr__err(db, w.failed ? LR_IO : LR_NOMEM, w.failed
                 ? "handoffs: writing the output failed" : "out of memory");
  if (rc == LR_OK) {
    if (format == LR_FMT_JSON)
      lrb_printf(&w.b, "%s],\n  \"count\": %lld,\n  \"cursor\": %lld\n}\n",
                 w.rows ? "\n  " : "", w.rows, cur);
    else if (format == LR_FMT_TEXT)
      lrb_printf(&w.b, "%lld handoff%s; cursor %lld (next time: --after "
                 "%lld)\n", w.rows, w.rows == 1 ? "" : "s", cur, cur);
    if (w.b.oom) rc = lr__err(db, LR_NOMEM, "out of memory");
    flush(&w, 1);
    if (rc == LR_OK && w.failed)
      rc = lr__err(db, LR_IO, "handoffs: writing the output failed");
  }
  lrb_free(&w.b);
  if (rc == LR_OK && cursor) *cursor = cur;
  return rc;
}
