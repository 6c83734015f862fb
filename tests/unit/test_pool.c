/*
** test_pool.c -- the engine's worker pool (src/engine/pool.h): chunks are
** consumed in id order for any number of jobs, progress runs from 0 to
** total, the first failure in id order wins (and nothing after it is
** consumed), the cancel flag and progress stop it, consume() may stop it
** early, and the same policy twice gets two Lua instances.  With
** LR_TEST_DB=postgresql on a PostgreSQL database (t_pg.h).
*/
#include "leadrules.h"
#include "engine/pool.h"
#include "t.h"
#include "t_db.h"

static const char *POLICY =
    "stages { 'lead', 'mql' }\n"
    "rule 'vp' { points = 50, when = function(lead)\n"
    "  return (lead.title or ''):find('VP') ~= nil end }\n";

#define NCONTACTS 9000                 /* five chunks of ids */

typedef struct slot {
  long long n, idsum;
} slot;

typedef struct state {
  long long fail_at[2];                /* chunks that fail (-1: none) */
  long long done_at;                   /* consume() says enough (-1) */
  long long consume_fails_at;          /* consume() fails (-1) */
  long long next;                      /* the chunk consume() expects */
  long long n, idsum;                  /* summed in consume() */
  int out_of_order;
  int two_states;                      /* saw w[0] and w[1] apart */
  long long progress_calls, last_done, last_total;
  int progress_stop_at;                /* call that returns 1 (0: none) */
  int progress_backwards;
} state;

static int on_chunk(void *ctx, lrp_worker *w, lrp_chunk *c) {
  state *st = ctx;
  if (c->k == st->fail_at[0] || c->k == st->fail_at[1]) {
    snprintf(c->err, sizeof c->err, "chunk %lld failed", c->k);
    return LR_POLICY;
  }
  slot *s = c->slot;
  s->n = s->idsum = 0;
  const lrs_contact *ct;
  lrs_scan_range(w[0].scan, c->lo, c->hi);
  while (lrs_scan_next(w[0].scan, &ct) == 1) {
    if (lrp_eval_contact(&w[0].ev, ct, &w[0].res) != LR_OK) return LR_ERROR;
    s->n++;
    s->idsum += ct->id;
  }
  c->evaluated = s->n;
  return LR_OK;
}

static int on_chunk2(void *ctx, lrp_worker *w, lrp_chunk *c) {
  state *st = ctx;
  if (w[0].in != w[1].in && w[0].in->rt->L != w[1].in->rt->L)
    st->two_states = 1;
  return on_chunk(ctx, w, c);
}

static int on_consume(void *ctx, lrp_chunk *c) {
  state *st = ctx;
  const slot *s = c->slot;
  if (c->k != st->next++) st->out_of_order = 1;
  if (c->k == st->consume_fails_at) {
    snprintf(c->err, sizeof c->err, "consume %lld failed", c->k);
    return LR_IO;
  }
  st->n += s->n;
  st->idsum += s->idsum;
  return c->k == st->done_at ? LRP_POOL_DONE : LR_OK;
}

static int on_progress(void *ctx, long long done, long long total) {
  state *st = ctx;
  if (done < st->last_done) st->progress_backwards = 1;
  st->last_done = done;
  st->last_total = total;
  return ++st->progress_calls == st->progress_stop_at;
}

static lr_policy *P;
static long long LO, HI;

static int run_pool(state *st, int jobs, volatile int *cancel, lrp_pool *pl,
                    int twice) {
  memset(pl, 0, sizeof *pl);
  pl->policy[0] = P;
  pl->policy[1] = P;
  pl->npolicies = twice ? 2 : 1;
  pl->now = 1700000000;
  pl->cancel = cancel;
  pl->jobs = jobs;
  pl->lo = LO;
  pl->hi = HI;
  pl->total = NCONTACTS;
  pl->ctx = st;
  pl->slot_size = sizeof(slot);
  pl->chunk = twice ? on_chunk2 : on_chunk;
  pl->consume = on_consume;
  pl->progress = on_progress;
  pl->progress_ctx = st;
  return lrp_pool_run(pl);
}

static void reset(state *st) {
  memset(st, 0, sizeof *st);
  st->fail_at[0] = st->fail_at[1] = -1;
  st->done_at = st->consume_fails_at = -1;
}

static void test_order(int jobs) {
  state st;
  lrp_pool pl;
  reset(&st);
  CHECK_INT(run_pool(&st, jobs, NULL, &pl, 0), LR_OK);
  CHECK_INT(st.out_of_order, 0);
  CHECK_INT(st.next, 5);
  CHECK_INT(st.n, NCONTACTS);
  CHECK_INT(st.idsum, (long long)NCONTACTS * (NCONTACTS + 1) / 2);
  /* 0 before the first chunk, one after each, total/total at the end */
  CHECK_INT(st.progress_calls, 7);
  CHECK_INT(st.progress_backwards, 0);
  CHECK_INT(st.last_done, NCONTACTS);
  CHECK_INT(st.last_total, NCONTACTS);
}

static void test_first_error(int jobs) {
  state st;
  lrp_pool pl;
  reset(&st);
  st.fail_at[0] = 3;
  st.fail_at[1] = 1;
  CHECK_INT(run_pool(&st, jobs, NULL, &pl, 0), LR_POLICY);
  CHECK_STR(pl.err, "chunk 1 failed");
  CHECK_INT(pl.in_consume, 0);
  CHECK_INT(st.next, 1);                   /* chunk 0 only */
  CHECK_INT(st.out_of_order, 0);

  reset(&st);
  st.consume_fails_at = 2;
  CHECK_INT(run_pool(&st, jobs, NULL, &pl, 0), LR_IO);
  CHECK_STR(pl.err, "consume 2 failed");
  CHECK_INT(pl.in_consume, 1);
  CHECK_INT(st.next, 3);
}

static void test_stop(int jobs) {
  state st;
  lrp_pool pl;
  volatile int flag = 1;
  reset(&st);
  CHECK_INT(run_pool(&st, jobs, &flag, &pl, 0), LR_INTERRUPT);
  CHECK_STR(pl.err, "interrupted");
  CHECK_INT(st.next, 0);

  reset(&st);
  st.progress_stop_at = 3;                 /* after the second chunk */
  CHECK_INT(run_pool(&st, jobs, NULL, &pl, 0), LR_INTERRUPT);
  CHECK_INT(st.next, 2);
  CHECK_INT(st.progress_calls, 3);         /* no final call */

  reset(&st);
  st.done_at = 1;
  CHECK_INT(run_pool(&st, jobs, NULL, &pl, 0), LR_OK);
  CHECK_INT(st.next, 2);
  CHECK_INT(st.last_done, NCONTACTS);      /* the final call */
}

static void test_twice(int jobs) {
  state st;
  lrp_pool pl;
  reset(&st);
  CHECK_INT(run_pool(&st, jobs, NULL, &pl, 1), LR_OK);
  CHECK_INT(st.two_states, 1);
  CHECK_INT(st.n, NCONTACTS);
}

int main(void) {
  t_tmpdir();
  const char *path = t_db("pool.db");
  lr_db *db = NULL;
  CHECK_INT(lr_open(path, &db), LR_OK);
  lr_close(db);
  t_add_contacts(path, NCONTACTS);
  LO = t_sql_int(path, "SELECT min(id) FROM contacts");
  HI = t_sql_int(path, "SELECT max(id) FROM contacts");
  CHECK_INT(LO, 1);
  CHECK_INT(HI, NCONTACTS);
  CHECK_INT(lr_open(path, &db), LR_OK);
  CHECK_INT(lr_policy_load_string(db, "policy.lua", POLICY, strlen(POLICY),
                                  NULL, &P), LR_OK);
  for (int jobs = 1; jobs <= 3; jobs += 2) {
    test_order(jobs);
    test_first_error(jobs);
    test_stop(jobs);
    test_twice(jobs);
  }
  lr_policy_free(P);
  lr_close(db);
  return t_done();
}
