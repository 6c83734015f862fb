/*
** check.c -- lr_check: what is wrong with a policy, before it runs.
**
** Static checks read the model and the source (srcscan.c): fields the
** policy reads that the contacts table lacks, stages and handoffs nothing
** reaches, transitions that can never start, unused segments, segment SQL
** that does not prepare.  Data checks evaluate the contacts (or a spread
** sample) through lrp_worker / lrp_eval_contact, the path lr_run uses,
** and report evaluation errors by line, and rules that fire on no contact
** or on every one.  Findings are sorted by line and written
** "file:LINE: error|warning: text".
*/
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../util/grow.h"
#include "../store/counts.h"
#include "../store/query.h"
#include "../store/scan.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../engine/eval.h"
#include "../engine/pool.h"
#include "../lua/srcscan.h"

typedef struct finding {
  int line;                          /* 0: about the whole file */
  int seq;                           /* order of discovery, for ties */
  int error;
  char *text;                        /* the whole line, without '\n' */
} finding;

typedef struct errgroup {
  char *loc;                         /* "file:LINE", or NULL */
  char *msg;
  char *key;                         /* first contact */
  long long n;
} errgroup;

typedef struct checker {
  lr_policy *p;
  const lrp_model *m;
  lr_db *db;
  char file[LRP_WHERE];              /* chunk name used in `where` */
  finding *v;
  long long n, cap;
  int errors, warnings, oom;
  char **cols;                       /* contacts columns */
  int ncols;
  lrp_refs refs;
  long long *stage_n;                /* contacts per stage index */
  long long undeclared;              /* contacts in stages not declared */
  lr_buf notes;
} checker;

static int line_of(const char *where) {
  const char *c = strrchr(where, ':');
  return c ? atoi(c + 1) : 0;
}

static void vadd(checker *ck, int line, const char *loc, int error,
                 const char *fmt, va_list ap) {
  {
    finding *v = lru_grow(ck->v, ck->n, &ck->cap, sizeof *v, 32);
    if (!v) {
      ck->oom = 1;
      return;
    }
    ck->v = v;
  }
  lr_buf b = LR_BUF_INIT;
  if (loc) lrb_printf(&b, "%s: ", loc);
  else if (line > 0) lrb_printf(&b, "%s:%d: ", ck->file, line);
  else lrb_printf(&b, "%s: ", ck->file);
  lrb_adds(&b, error ? "error: " : "warning: ");
  lrb_vprintf(&b, fmt, ap);
  if (b.oom) {
    lrb_free(&b);
    ck->oom = 1;
    return;
  }
  finding *f = &ck->v[ck->n];
  f->line = line;
  f->seq = ck->n;
  f->error = error;
  f->text = b.p;
  ck->n++;
  if (error) ck->errors++;
  else ck->warnings++;
}

static void add(checker *ck, int line, int error, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
static void add(checker *ck, int line, int error, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vadd(ck, line, NULL, error, fmt, ap);
  va_end(ap);
}

/* A finding at a declaration's "file:LINE". */
static void add_at(checker *ck, const char *where, int error,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add_at(checker *ck, const char *where, int error,
                   const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (where && *where) vadd(ck, line_of(where), where, error, fmt, ap);
  else vadd(ck, 0, NULL, error, fmt, ap);
  va_end(ap);
}

static int cmp_finding(const void *a, const void *b) {
  const finding *x = a, *y = b;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  return x->seq - y->seq;
}

/* ---- fields ---------------------------------------------------------------- */

static int has_col(const checker *ck, const char *name) {
  for (int i = 0; i < ck->ncols; i++)
    if (strcmp(ck->cols[i], name) == 0) return 1;
  for (int i = 0; i < ck->p->naliases; i++)      /* lead.lead_source */
    if (strcmp(ck->p->aliases[2 * i], name) == 0) return 1;
  return 0;
}

/* Edit distance with transpositions (optimal string alignment),
** case-insensitive; names are short. */
static int distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > 64 || m > 64) return 99;
  int d[65][65];
  for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++) {
      int cost = (a[i - 1] | 32) != (b[j - 1] | 32);
      int v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && (a[i - 1] | 32) == (b[j - 2] | 32) &&
          (a[i - 2] | 32) == (b[j - 1] | 32) && d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[n][m];
}

/* The closest column or other name of a field (lead.lead_source for the
** `Lead Source` column stored as source), when close enough to be a typo. */
static const char *suggest(const checker *ck, const char *name) {
  size_t len = strlen(name);
  int limit = len <= 4 ? 1 : len <= 9 ? 2 : 3;
  const char *best = NULL;
  int bd = limit + 1;
  for (int i = 0; i < ck->ncols + ck->p->naliases; i++) {
    const char *c = i < ck->ncols ? ck->cols[i]
                                  : ck->p->aliases[2 * (i - ck->ncols)];
    int d = distance(name, c);
    if (d < bd) {
      best = c;
      bd = d;
    }
  }
  return best;
}

/* Reported statically already (so evaluation errors do not repeat it). */
static int field_reported(const checker *ck, const char *name, int line) {
  for (int i = 0; i < ck->refs.n; i++) {
    const lrp_ref *r = &ck->refs.v[i];
    if (r->kind == LRP_REF_FIELD && r->line == line &&
        strcmp(r->name, name) == 0 && !has_col(ck, name) &&
        !lrp_lead_builtin(name))
      return 1;
  }
  return 0;
}

static void check_fields(checker *ck) {
  for (int i = 0; i < ck->refs.n; i++) {
    const lrp_ref *r = &ck->refs.v[i];
    if (r->kind != LRP_REF_FIELD || lrp_lead_builtin(r->name) ||
        has_col(ck, r->name))
      continue;
    int dup = 0;
    for (int k = 0; k < i && !dup; k++)
      dup = ck->refs.v[k].kind == LRP_REF_FIELD &&
            ck->refs.v[k].line == r->line &&
            strcmp(ck->refs.v[k].name, r->name) == 0;
    if (dup) continue;
    const char *s = suggest(ck, r->name);
    if (s)
      add(ck, r->line, 1, "lead.%s: no such field in the database (did you "
          "mean '%s'?)", r->name, s);
    else
      add(ck, r->line, 1, "lead.%s: no such field in the database (the "
          "contacts table has no column '%s')", r->name, r->name);
  }
}

/* ---- segment SQL ----------------------------------------------------------- */

static int check_sql(checker *ck) {
  int ok = 1;
  for (int i = 0; i < ck->m->nsegments; i++) {
    const lrp_segment *s = &ck->m->segments[i];
    if (!s->sql) continue;
    char err[1024] = "";
    if (lrs_where_check(lrs_snap_main(ck->db), s->sql, err, sizeof err)
        != LR_OK) {
      add_at(ck, s->where, 1, "segment '%s': %s", s->name, err);
      ok = 0;
    }
  }
  return ok;
}

/* ---- stages, transitions, handoffs ----------------------------------------- */

static void count_stage(void *ctx, const char *stage, long long n) {
  checker *ck = ctx;
  if (!*stage) {
    ck->stage_n[0] += n;             /* no stage yet: starts in the first */
    return;
  }
  int i = lrp_stage_find(ck->m, stage);
  if (i >= 0) {
    ck->stage_n[i] += n;
    return;
  }
  ck->undeclared += n;
  add(ck, 0, 1, "%lld contact%s in stage '%s', which the policy does not "
      "declare (a run fails on them; declare it with stage \"%s\")", n,
      n == 1 ? " is" : "s are", stage, stage);
}

static void check_stages(checker *ck) {
  const lrp_model *m = ck->m;
  int ns = m->nstages;
  unsigned char *reach = calloc((size_t)ns + 1, 1);
  unsigned char *targeted = calloc((size_t)ns + 1, 1);
  if (!reach || !targeted) {
    free(reach);
    free(targeted);
    ck->oom = 1;
    return;
  }
  /* Roots: the first funnel stage, and stages that hold contacts now. */
  reach[0] = 1;
  for (int i = 0; i < ns; i++)
    if (ck->stage_n[i] > 0) reach[i] = 1;
  for (int t = 0; t < m->ntransitions; t++) targeted[m->transitions[t].to] = 1;
  for (int changed = 1; changed;) {
    changed = 0;
    for (int t = 0; t < m->ntransitions; t++) {
      const lrp_transition *tr = &m->transitions[t];
      if (reach[tr->to]) continue;
      int from = 0;
      if (tr->any_from) {
        for (int i = 0; i < ns && !from; i++) from = reach[i] && i != tr->to;
      }
      for (int k = 0; k < tr->nfrom && !from; k++) from = reach[tr->from[k]];
      if (from) reach[tr->to] = changed = 1;
    }
  }
  for (int i = 1; i < ns; i++) {
    const lrp_stage *s = &m->stages[i];
    long long n = ck->stage_n[i];
    if (!targeted[i]) {
      if (n)
        add_at(ck, s->where, 0, "stage '%s' is reached by no transition (the "
               "%lld contact%s in it came by import or by hand)", s->name, n,
               n == 1 ? "" : "s");
      else
        add_at(ck, s->where, 0, "stage '%s' is reached by no transition",
               s->name);
    } else if (!reach[i]) {
      add_at(ck, s->where, 0, "stage '%s' is unreachable: the transitions "
             "into it start from stages no contact can be in", s->name);
    }
  }
  for (int t = 0; t < m->ntransitions; t++) {
    const lrp_transition *tr = &m->transitions[t];
    if (tr->any_from) continue;
    int from = 0;
    for (int k = 0; k < tr->nfrom && !from; k++) from = reach[tr->from[k]];
    if (from) continue;
    lr_buf names = LR_BUF_INIT;
    for (int k = 0; k < tr->nfrom; k++)
      lrb_printf(&names, "%s'%s'", k ? ", " : "", m->stages[tr->from[k]].name);
    add_at(ck, tr->where, 0, "transition %s never runs: no contact can be "
           "in %s %s", tr->label, tr->nfrom > 1 ? "stages" : "stage",
           lrb_str(&names));
    lrb_free(&names);
  }
  for (int h = 0; h < m->nhandoffs; h++) {
    const lrp_handoff *ho = &m->handoffs[h];
    if (!reach[ho->stage])
      add_at(ck, ho->where, 0, "handoff for stage '%s' never fires: no "
             "contact can reach '%s'", m->stages[ho->stage].name,
             m->stages[ho->stage].name);
  }
  free(reach);
  free(targeted);
}

/* ---- segments --------------------------------------------------------------- */

static void check_segments(checker *ck) {
  const lrp_model *m = ck->m;
  for (int i = 0; i < m->nsegments; i++) {
    const lrp_segment *s = &m->segments[i];
    int used = s->used;
    for (int k = 0; k < ck->refs.n && !used; k++) {
      const lrp_ref *r = &ck->refs.v[k];
      if ((r->kind == LRP_REF_SEGMENT || r->kind == LRP_REF_STRING) &&
          strcmp(r->name, s->name) == 0)
        used = 1;
    }
    if (!used)
      add_at(ck, s->where, 0, "segment '%s' is used by no rule, transition or "
             "handoff", s->name);
  }
}

/* ---- evaluation over the data ----------------------------------------------- */

typedef struct datastats {
  long long evaluated, ok, total;
  long long *fired;                  /* per rule */
  long long *members;                /* per segment */
  errgroup *groups;
  int ngroups;
  long long capgroups;
  long long other_errors;            /* beyond the groups kept */
  long long known_errors;            /* failures the static checks named */
} datastats;

#define MAX_GROUPS 50

/* "file:LINE: contact KEY: message" -> loc, key, message. */
static void split_error(const char *err, char *loc, size_t nloc, char *key,
                        size_t nkey, const char **msg) {
  loc[0] = key[0] = '\0';
  *msg = err;
  const char *c = strstr(err, "contact ");
  if (!c) return;
  if (c > err) {
    if (c - err < 3 || c[-1] != ' ' || c[-2] != ':') return;
    snprintf(loc, nloc, "%.*s", (int)(c - err - 2), err);
  }
  const char *k = c + 8;
  const char *e = strstr(k, ": ");
  if (!e) return;
  snprintf(key, nkey, "%.*s", (int)(e - k), k);
  *msg = e + 2;
}

static void group_error(checker *ck, datastats *ds, const char *err) {
  char loc[LRP_WHERE + 64], key[256];
  const char *msg;
  split_error(err, loc, sizeof loc, key, sizeof key, &msg);
  /* Said already by the static checks? */
  const char *uf = strstr(msg, "unknown field 'lead.");
  if (uf && loc[0]) {
    char name[128];
    const char *q = uf + 20;
    size_t n = strcspn(q, "'");
    snprintf(name, sizeof name, "%.*s", (int)n, q);
    if (field_reported(ck, name, line_of(loc))) {
      ds->known_errors++;
      return;
    }
  }
  if (ck->undeclared && strstr(msg, "is not declared by the policy")) {
    ds->known_errors++;
    return;
  }
  for (int i = 0; i < ds->ngroups; i++) {
    errgroup *g = &ds->groups[i];
    if (strcmp(g->msg, msg) == 0 &&
        strcmp(g->loc ? g->loc : "", loc) == 0) {
      g->n++;
      return;
    }
  }
  if (ds->ngroups == MAX_GROUPS) {
    ds->other_errors++;
    return;
  }
  {
    errgroup *v = lru_grow(ds->groups, ds->ngroups, &ds->capgroups, sizeof *v,
                           8);
    if (!v) {
      ck->oom = 1;
      return;
    }
    ds->groups = v;
  }
  errgroup *g = &ds->groups[ds->ngroups++];
  g->loc = loc[0] ? strdup(loc) : NULL;
  g->msg = strdup(msg);
  g->key = strdup(key);
  g->n = 1;
  if (!g->msg || !g->key) ck->oom = 1;
}

/* Evaluate the contacts ids[0..n), or (ids NULL) those of ids lo..hi. */
static int eval_range(checker *ck, lrp_worker *w, datastats *ds,
                      const long long *ids, long long n, long long lo,
                      long long hi, long long limit) {
  const lrp_model *m = ck->m;
  int src = ids ? lrs_scan_ids(w->scan, ids, n)
                : lrs_scan_range(w->scan, lo, hi);
  const lrs_contact *c;
  int got = 0;
  while (src == LR_OK && ds->evaluated < limit &&
         (got = lrs_scan_next(w->scan, &c)) == 1) {
    ds->evaluated++;
    int rc = lrp_eval_contact(&w->ev, c, &w->res);
    if (rc == LR_NOMEM || rc == LR_INTERRUPT) return rc;
    if (rc != LR_OK) {
      group_error(ck, ds, w->ev.err);
      continue;
    }
    ds->ok++;
    for (int i = 0; i < m->nrules; i++) ds->fired[i] += w->res.fired[i] != 0;
    for (int i = 0; i < m->nsegments; i++)
      ds->members[i] += w->res.member[i] == 1;
  }
  if (src == LR_OK && got < 0) src = -got;
  return src;
}

/* Forget what a pass counted (the sample is taken again). */
static void datastats_clear(datastats *ds, const lrp_model *m) {
  ds->evaluated = ds->ok = 0;
  memset(ds->fired, 0, (size_t)m->nrules * sizeof *ds->fired);
  memset(ds->members, 0, (size_t)m->nsegments * sizeof *ds->members);
  for (int i = 0; i < ds->ngroups; i++) {
    free(ds->groups[i].loc);
    free(ds->groups[i].msg);
    free(ds->groups[i].key);
  }
  ds->ngroups = 0;
  ds->other_errors = ds->known_errors = 0;
}

static void datastats_free(datastats *ds) {
  for (int i = 0; i < ds->ngroups; i++) {
    free(ds->groups[i].loc);
    free(ds->groups[i].msg);
    free(ds->groups[i].key);
  }
  free(ds->groups);
  free(ds->fired);
  free(ds->members);
}

/* One pass of the pool: over the windows win[0..nwin-1] of `width` ids
** each, or (win NULL) the whole lo..hi.  Short windows go `per` to a
** chunk, their ids as one list (a few statements per chunk on any store,
** not a few per window: PostgreSQL answers each over the network); a
** window wider than half of LRP_CHUNK_IDS is a chunk of its own, a range.
** It runs on the checker's own worker, one job, so chunks come in order
** and count straight into ds, up to `limit` contacts. */
typedef struct datapass {
  checker *ck;
  datastats *ds;
  const long long *win;
  long long nwin, width, per, lo, hi;
  long long limit;
  long long *ids;                    /* [per * width]: a chunk's list */
} datapass;

/* Chunk k: windows k*per.. as ids (a range when per is 1). */
static void pass_range(void *ctx, lrp_chunk *c) {
  const datapass *dp = ctx;
  if (dp->win) {
    c->lo = dp->win[c->k * dp->per];
    long long last = (c->k + 1) * dp->per < dp->nwin ? (c->k + 1) * dp->per
                                                     : dp->nwin;
    c->hi = dp->win[last - 1] + dp->width - 1;
  } else {
    c->lo = dp->lo;
    c->hi = dp->hi;
  }
}

static int pass_chunk(void *ctx, lrp_worker *w, lrp_chunk *c) {
  datapass *dp = ctx;
  long long before = dp->ds->evaluated, n = 0;
  if (dp->win && dp->per > 1)
    for (long long k = c->k * dp->per; k < dp->nwin &&
         k < (c->k + 1) * dp->per; k++)
      for (long long i = 0; i < dp->width; i++) dp->ids[n++] = dp->win[k] + i;
  int rc = eval_range(dp->ck, w, dp->ds, n ? dp->ids : NULL, n,
                      c->lo, c->hi, dp->limit);
  c->evaluated = dp->ds->evaluated - before;
  return rc;
}

static int pass_consume(void *ctx, lrp_chunk *c) {
  (void)c;
  const datapass *dp = ctx;
  return dp->ds->evaluated < dp->limit ? LR_OK : LRP_POOL_DONE;
}

static int data_pass(datapass *dp, lrp_worker *w) {
  lrp_pool pl;
  memset(&pl, 0, sizeof pl);
  pl.policy[0] = dp->ck->p;
  pl.npolicies = 1;
  pl.workers = w;
  pl.nchunks = dp->win ? (dp->nwin + dp->per - 1) / dp->per : 1;
  pl.range = pass_range;
  pl.ctx = dp;
  pl.chunk = pass_chunk;
  pl.consume = pass_consume;
  return lrp_pool_run(&pl);
}

/* Evaluate every contact, or a sample of `want` spread over the ids. */
static int evaluate_data(checker *ck, lrp_worker *w, datastats *ds,
                         long long want, long long lo, long long hi) {
  datapass dp = {ck, ds, NULL, 0, 0, 1, lo, hi, LLONG_MAX, NULL};
  if (want >= ds->total) return data_pass(&dp, w);
  /* A sample spread over the id range: many short windows of
  ** consecutive ids, each at a pseudo-random place in its stretch
  ** (a fixed seed, so the output is stable), so that data with a
  ** period in its ids cannot line up with the windows. */
  long long span = hi - lo + 1, nwin = want < 1000 ? want : 1000;
  long long step = span / nwin;
  long long width = (want * span / ds->total + nwin - 1) / nwin;
  if (width < 1) width = 1;
  if (width > step) width = step;
  long long win[1000];
  unsigned long long seed = 0x9E3779B97F4A7C15ull;
  for (long long k = 0; k < nwin; k++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    long long room = step - width + 1;
    win[k] = lo + k * step + (long long)((seed >> 33) % (unsigned long long)room);
  }
  dp.win = win;
  dp.nwin = nwin;
  dp.width = width;
  dp.limit = want;
  dp.per = width < LRP_CHUNK_IDS ? LRP_CHUNK_IDS / width : 1;
  if (dp.per > 1 &&
      !(dp.ids = malloc((size_t)(dp.per * width) * sizeof *dp.ids)))
    return LR_NOMEM;
  int rc = data_pass(&dp, w);
  free(dp.ids);
  /* Sparse ids: top up from the start. */
  if (rc == LR_OK && ds->evaluated < want) {
    datastats_clear(ds, ck->m);
    dp.win = NULL;
    rc = data_pass(&dp, w);
  }
  return rc;
}

static void iso(long long t, char *buf, size_t n) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The data checks' findings: errors by kind, rules and segments that
** never (or always) fire, and a note of what was evaluated. */
static void report_data(checker *ck, const datastats *ds, long long now) {
  const lrp_model *m = ck->m;
  char sample[96];
  if (ds->evaluated == ds->total)
    snprintf(sample, sizeof sample, "%lld contact%s", ds->evaluated,
             ds->evaluated == 1 ? "" : "s");
  else
    snprintf(sample, sizeof sample, "%lld contacts (a sample of %lld)",
             ds->evaluated, ds->total);
  for (int i = 0; i < ds->ngroups; i++) {
    const errgroup *g = &ds->groups[i];
    if (g->loc)
      add_at(ck, g->loc, 1, "%s (fails on %lld of the %s evaluated, e.g. "
             "contact %s)", g->msg, g->n, sample, g->key);
    else
      add(ck, 0, 1, "%s (fails on %lld of the %s evaluated, e.g. contact "
          "%s)", g->msg, g->n, sample, g->key);
  }
  if (ds->other_errors)
    add(ck, 0, 1, "%lld more evaluation errors of other kinds",
        ds->other_errors);
  /* Fire counts are over the contacts that evaluated cleanly. */
  char clean[128];
  if (ds->ok == ds->evaluated) snprintf(clean, sizeof clean, "%s", sample);
  else snprintf(clean, sizeof clean, "%lld contact%s evaluated without error",
                ds->ok, ds->ok == 1 ? "" : "s");
  if (ds->ok > 0) {
    for (int i = 0; i < m->nrules; i++) {
      const lrp_rule *r = &m->rules[i];
      if (ds->fired[i] == 0)
        add_at(ck, r->where, 0, "rule '%s' fired on none of the %s",
               r->name, clean);
      else if (ds->fired[i] == ds->ok && ds->ok > 1)
        add_at(ck, r->where, 0, "rule '%s' fired on every one of the %s "
               "(it does not tell leads apart)", r->name, clean);
    }
    for (int i = 0; i < m->nsegments; i++)
      if (ds->members[i] == 0)
        add_at(ck, m->segments[i].where, 0, "segment '%s' matched none of "
               "the %s", m->segments[i].name, clean);
  }
  char when[40];
  iso(now, when, sizeof when);
  lrb_printf(&ck->notes, "%s: note: evaluated %s at now = %s", ck->file,
             sample, when);
  if (ds->evaluated > ds->ok)
    lrb_printf(&ck->notes, "; %lld failed", ds->evaluated - ds->ok);
  if (ds->known_errors)
    lrb_printf(&ck->notes, " (%lld on the errors above)", ds->known_errors);
  lrb_addc(&ck->notes, '\n');
}

static void check_data(checker *ck, const lr_check_opts *o) {
  const lrp_model *m = ck->m;
  long long now = o->now;                   /* lr__clock made it a time */
  lrp_worker w;
  char err[2048] = "";
  int rc = lrp_worker_open(&w, ck->p, 0, now, 0, NULL, err, sizeof err);
  if (rc != LR_OK) {
    add(ck, 0, 1, "cannot evaluate the contacts: %s", err);
    lrp_worker_close(&w);
    return;
  }
  datastats ds;
  memset(&ds, 0, sizeof ds);
  long long lo = 0, hi = -1;
  if (lrs_contact_span(w.snap, &ds.total, &lo, &hi) != LR_OK) {
    add(ck, 0, 1, "cannot count the contacts: %s", lrs_snap_errmsg(w.snap));
    lrp_worker_close(&w);
    return;
  }
  if (ds.total == 0) {
    lrb_printf(&ck->notes, "%s: note: the database has no contacts; the data "
               "checks (evaluation errors, rules that never or always fire) "
               "did not run\n", ck->file);
    lrp_worker_close(&w);
    return;
  }
  ds.fired = calloc((size_t)m->nrules + 1, sizeof *ds.fired);
  ds.members = calloc((size_t)m->nsegments + 1, sizeof *ds.members);
  if (!ds.fired || !ds.members) {
    ck->oom = 1;
  } else {
    long long want = o->sample == 0 ? LR_CHECK_SAMPLE
                     : o->sample < 0 ? ds.total : o->sample;
    rc = evaluate_data(ck, &w, &ds, want, lo, hi);
    if (rc != LR_OK) add(ck, 0, 1, "evaluating the contacts failed: %s",
                         lr_errstr(rc));
    report_data(ck, &ds, now);
  }
  datastats_free(&ds);
  lrp_worker_close(&w);
}

/* ---- the entry points ------------------------------------------------------- */

static int emit(lr_write_fn write, void *ctx, const char *s, size_t n) {
  return write && n ? write(ctx, s, n) : 0;
}

int lr_check_v2(lr_policy *p, const lr_check_opts *opts, lr_write_fn write,
                void *ctx, int *errors, int *warnings) {
  if (errors) *errors = 0;
  if (warnings) *warnings = 0;
  if (!lrp_policy_ok(p)) return LR_MISUSE;
  lr_check_opts o;
  if (lr__opts(p->db, &o, sizeof o, opts, "lr_check") != LR_OK ||
      lr__clock(p->db, o.now, "lr_check", &o.now) != LR_OK)
    return lr_errcode(p->db);
  checker ck;
  memset(&ck, 0, sizeof ck);
  ck.p = p;
  ck.m = &p->main.m;
  ck.db = p->db;
  /* The file as the declarations name it ("file:LINE" minus the line). */
  snprintf(ck.file, sizeof ck.file, "%s", p->name);
  if (ck.m->nstages && ck.m->stages[0].where[0]) {
    snprintf(ck.file, sizeof ck.file, "%s", ck.m->stages[0].where);
    char *c = strrchr(ck.file, ':');
    if (c) *c = '\0';
  }
  ck.stage_n = calloc((size_t)ck.m->nstages + 1, sizeof *ck.stage_n);
  ck.cols = lrs_contact_columns(lrs_snap_main(p->db), &ck.ncols);
  if (!ck.cols && lrs_is_pg(p->db)) {          /* the server's error */
    free(ck.stage_n);
    return lrs_snap_report(lrs_snap_main(p->db), "check: reading the "
                           "contacts' columns");
  }
  if (!ck.stage_n || !ck.cols ||
      lrp_scan_source(p->source, p->source_len, &ck.refs) != 0) {
    free(ck.stage_n);
    free(ck.cols);
    lrp_refs_free(&ck.refs);
    return lr__err(p->db, LR_NOMEM, "out of memory");
  }
  check_fields(&ck);
  int sql_ok = check_sql(&ck);
  int src = lrs_stage_counts(lrs_snap_main(p->db), count_stage, &ck);
  if (src != LR_OK)
    add(&ck, 0, 1, "cannot count contacts by stage: %s",
        lrs_snap_errmsg(lrs_snap_main(p->db)));
  check_stages(&ck);
  check_segments(&ck);
  if (sql_ok) check_data(&ck, &o);
  else
    lrb_printf(&ck.notes, "%s: note: the data checks did not run (fix the "
               "segment SQL first)\n", ck.file);

  if (ck.n) qsort(ck.v, (size_t)ck.n, sizeof *ck.v, cmp_finding);
  int werr = 0;
  for (int i = 0; i < ck.n && !werr; i++) {
    werr = emit(write, ctx, ck.v[i].text, strlen(ck.v[i].text)) ||
           emit(write, ctx, "\n", 1);
  }
  if (!werr) werr = emit(write, ctx, lrb_str(&ck.notes), ck.notes.n);
  char sum[96];
  snprintf(sum, sizeof sum, "%d error%s, %d warning%s\n", ck.errors,
           ck.errors == 1 ? "" : "s", ck.warnings, ck.warnings == 1 ? "" : "s");
  if (!werr) werr = emit(write, ctx, sum, strlen(sum));
  if (errors) *errors = ck.errors;
  if (warnings) *warnings = ck.warnings;
  int oom = ck.oom || ck.notes.oom;
  for (int i = 0; i < ck.n; i++) free(ck.v[i].text);
  free(ck.v);
  free(ck.cols);
  free(ck.stage_n);
  lrp_refs_free(&ck.refs);
  lrb_free(&ck.notes);
  if (oom) return lr__err(p->db, LR_NOMEM, "out of memory");
  if (werr) return lr__err(p->db, LR_IO, "writing the findings failed");
  return lr__ok(p->db);
}

int lr_check(lr_policy *p, lr_write_fn write, void *ctx, int *errors,
             int *warnings) {
  return lr_check_v2(p, NULL, write, ctx, errors, warnings);
}
