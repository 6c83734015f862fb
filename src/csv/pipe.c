/*
** pipe.c -- an import on two threads: a reading thread runs libcsv and
** prepares rows (checks, keys, inference) into batches; the caller's
** thread, which owns the database connection, binds and writes them in
** order.  Parsing and writing take similar time, so this nearly halves an
** import on two cores.
**
** Only the caller's thread touches the database, calls the progress
** callback, and writes im->db's error; only the reading thread touches the
** reader, the rejects file, im->err and the row counters until it is
** joined.  The header is a handshake: the reader hands it over and waits
** while the writer sets up tables and statements.  A fixed ring of
** batches bounds memory whatever the file size.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

#define NBATCH 4
#define BATCH_ROWS 512
#define BATCH_BYTES (256u << 10)

typedef struct pipe_s {
  lrc_import *im;
  pthread_mutex_t mu;
  pthread_cond_t to_writer, to_reader;
  lrc_batch b[NBATCH];
  int full[NBATCH];          /* ready for the writer */
  int head, tail;            /* writer takes b[head]; reader fills b[tail] */
  int filling;               /* reader holds b[tail] */
  const lrc_row *header;     /* handed over, waiting for setup */
  int header_rc, header_done;
  int stop;                  /* writer failed: reader must stop */
  int done;                  /* reader finished */
  int reader_rc;
  lr_buf werr;               /* writer's error message */
  int writer_rc;
} pipe_s;

int lrc_batch_text(lrc_batch *b, lrs_value *v, const char *s, size_t n) {
  v->type = LRS_STR;
  v->i = (long long)b->arena.n;       /* offset until the batch is sealed */
  v->n = n;
  v->s = NULL;
  lrb_add(&b->arena, s, n);
  return !b->arena.oom;
}

int lrc_batch_key(lrc_batch *b, lrc_slot *slot, const char *s, size_t n) {
  slot->key = (const char *)(size_t)b->arena.n;
  slot->keyn = n;
  lrb_add(&b->arena, s, n);
  return !b->arena.oom;
}

/* Offsets become pointers once nothing more is added to the arena. */
static void seal(lrc_batch *b) {
  const char *base = lrb_str(&b->arena);
  for (int r = 0; r < b->n; r++) {
    lrc_slot *s = &b->slots[r];
    s->key = base + (size_t)s->key;
    for (int j = 0; j < b->nvals; j++)
      if (s->vals[j].type == LRS_STR) s->vals[j].s = base + s->vals[j].i;
  }
}

static int batch_init(lrc_batch *b, int nvals) {
  b->cap = BATCH_ROWS;
  b->nvals = nvals;
  b->slots = calloc(BATCH_ROWS, sizeof *b->slots);
  b->vals = calloc((size_t)BATCH_ROWS * (size_t)(nvals ? nvals : 1),
                   sizeof *b->vals);
  if (!b->slots || !b->vals) return 0;
  for (int r = 0; r < BATCH_ROWS; r++)
    b->slots[r].vals = b->vals + (size_t)r * (size_t)nvals;
  return 1;
}

static void batch_free(lrc_batch *b) {
  free(b->slots);
  free(b->vals);
  lrb_free(&b->arena);
}

/* Reader thread: hand a full batch over (lock held). */
static void publish(pipe_s *p) {
  lrc_batch *b = &p->b[p->tail];
  seal(b);
  p->full[p->tail] = 1;
  p->tail = (p->tail + 1) % NBATCH;
  p->filling = 0;
  pthread_cond_signal(&p->to_writer);
}

static int on_row(void *ctx, const lrc_row *row, lr_buf *err) {
  (void)err;
  pipe_s *p = ctx;
  lrc_import *im = p->im;
  if (row->index == 0) {
    pthread_mutex_lock(&p->mu);
    p->header = row;
    pthread_cond_signal(&p->to_writer);
    while (!p->header_done) pthread_cond_wait(&p->to_reader, &p->mu);
    int rc = p->header_rc;
    pthread_mutex_unlock(&p->mu);
    return rc;
  }
  int rc = lrc_check_row(im, row);
  if (rc == LRC_REJECTED) return LR_OK;
  if (rc != LR_OK) return rc;
  if (!p->filling) {
    pthread_mutex_lock(&p->mu);
    while (p->full[p->tail] && !p->stop)
      pthread_cond_wait(&p->to_reader, &p->mu);
    int stop = p->stop;
    pthread_mutex_unlock(&p->mu);
    if (stop) return LR_ERROR;
    lrc_batch *b = &p->b[p->tail];
    b->n = 0;
    lrb_reset(&b->arena);
    p->filling = 1;
  }
  lrc_batch *b = &p->b[p->tail];
  lrc_slot *slot = &b->slots[b->n];
  slot->line = row->line;
  rc = im->kind->prepare(im, row, b, slot);
  if (rc == LRC_REJECTED) return LR_OK;
  if (rc != LR_OK) return rc;
  if (++b->n == b->cap || b->arena.n >= BATCH_BYTES) {
    if (im->kind->settle && (rc = im->kind->settle(im)) != LR_OK) return rc;
    pthread_mutex_lock(&p->mu);
    publish(p);
    int stop = p->stop;
    pthread_mutex_unlock(&p->mu);
    if (stop) return LR_ERROR;
  }
  return LR_OK;
}

static void *reader_main(void *arg) {
  pipe_s *p = arg;
  lrc_import *im = p->im;
  int rc = lrc_reader_run(im->rd, on_row, p, &im->err);
  /* Rows held back precede wherever reading stopped: their error wins. */
  if (p->filling && im->kind->settle) {
    int held = im->kind->settle(im);
    if (held != LR_OK) rc = held;
  }
  pthread_mutex_lock(&p->mu);
  if (p->filling) publish(p);
  p->reader_rc = rc;
  p->done = 1;
  pthread_cond_signal(&p->to_writer);
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* Writer side: set up from the header (database work), answer the
** reader. */
static void setup(pipe_s *p) {
  lrc_import *im = p->im;
  int rc = lrc_start(im, p->header);   /* im->err: the reader is waiting */
  if (rc == LR_OK) {
    int nvals = im->kind->nvals(im);
    for (int i = 0; i < NBATCH && rc == LR_OK; i++)
      if (!batch_init(&p->b[i], nvals))
        rc = lrc_fail(im, 0, LR_NOMEM, "out of memory");
  }
  pthread_mutex_lock(&p->mu);
  p->header = NULL;
  p->header_rc = rc;
  p->header_done = 1;
  pthread_cond_signal(&p->to_reader);
  pthread_mutex_unlock(&p->mu);
}

static int write_batch(pipe_s *p, lrc_batch *b, long long *written) {
  lrc_import *im = p->im;
  for (int r = 0; r < b->n; r++) {
    int rc = im->kind->write(im, &b->slots[r]);
    if (rc != LR_OK) {
      lrb_printf(&p->werr, "%s:%lld: %s", im->file, b->slots[r].line,
                 lr_errmsg(im->db));
      return rc;
    }
    if (++*written % LRC_PROGRESS_ROWS == 0) {
      if ((im->o.cancel && *im->o.cancel) ||
          (im->o.progress && im->o.progress(im->o.progress_ctx, *written))) {
        lrb_printf(&p->werr, "%s:%lld: import cancelled", im->file,
                   b->slots[r].line);
        return LR_INTERRUPT;
      }
    }
  }
  int rc = b->n && im->kind->flush ? im->kind->flush(im) : LR_OK;
  if (rc != LR_OK)
    lrb_printf(&p->werr, "%s:%lld: %s", im->file, b->slots[b->n - 1].line,
               lr_errmsg(im->db));
  return rc;
}

int lrc_pipe_run(lrc_import *im) {
  pipe_s p;
  memset(&p, 0, sizeof p);
  p.im = im;
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.to_writer, NULL);
  pthread_cond_init(&p.to_reader, NULL);
  pthread_t th;
  if (pthread_create(&th, NULL, reader_main, &p) != 0) {
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.to_writer);
    pthread_cond_destroy(&p.to_reader);
    return lrc_fail(im, 0, LR_ERROR, "cannot start the reading thread");
  }
  long long written = 0;
  pthread_mutex_lock(&p.mu);
  for (;;) {
    if (p.header) {
      pthread_mutex_unlock(&p.mu);
      setup(&p);
      pthread_mutex_lock(&p.mu);
      continue;
    }
    if (p.full[p.head]) {
      lrc_batch *b = &p.b[p.head];
      pthread_mutex_unlock(&p.mu);
      int rc = p.writer_rc ? LR_OK : write_batch(&p, b, &written);
      pthread_mutex_lock(&p.mu);
      if (rc != LR_OK) {
        p.writer_rc = rc;
        p.stop = 1;
      }
      p.full[p.head] = 0;
      p.head = (p.head + 1) % NBATCH;
      pthread_cond_signal(&p.to_reader);
      continue;
    }
    if (p.done) break;
    pthread_cond_wait(&p.to_writer, &p.mu);
  }
  pthread_mutex_unlock(&p.mu);
  pthread_join(th, NULL);
  int rc = p.reader_rc;
  if (p.writer_rc) {
    rc = p.writer_rc;
    lrb_reset(&im->err);
    lrb_adds(&im->err, lrb_str(&p.werr));
  }
  for (int i = 0; i < NBATCH; i++) batch_free(&p.b[i]);
  lrb_free(&p.werr);
  pthread_mutex_destroy(&p.mu);
  pthread_cond_destroy(&p.to_writer);
  pthread_cond_destroy(&p.to_reader);
  return rc;
}
