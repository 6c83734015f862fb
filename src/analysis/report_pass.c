/*
** report_pass.c -- the report's figures from one pass over the tables.
** Contacts, segment members, stage history, assignments and outcome dates
** are each read once, in contact id order, and merged; a contact's rows
** are worked out while they are in memory and added to its groups and to
** (all).  The figures come back as the rows the per-figure queries of
** report_sql.h would give (same columns, same order where order counts),
** so that report.c turns them into tables one way.  Those queries read
** the history eight times, with window functions and a sort each time;
** this reads it once (README, "Design notes").
*/
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "../util/grow.h"

/* ---- a map from a pair of integers to a row of counters ---------------------- */

typedef struct pmap {
  int w;                               /* counters per entry */
  long long n, cap;
  long long *key;                      /* [cap][2] */
  long long *val;                      /* [cap][w] */
  long long *slot;                     /* [nslot]: entry + 1, 0 empty */
  long long nslot;
  long long last[2], last_e;           /* the key asked last: entry + 1 */
} pmap;

static unsigned long long mix(long long a, long long b) {
  unsigned long long h = (unsigned long long)a * 0x9E3779B97F4A7C15ULL;
  h ^= (unsigned long long)b + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
  return h ^ (h >> 29);
}

static int pmap_rehash(pmap *m) {
  long long ns = m->nslot ? m->nslot * 2 : 64;
  long long *s = calloc((size_t)ns, sizeof *s);
  if (!s) return 0;
  for (long long e = 0; e < m->n; e++) {
    unsigned long long h = mix(m->key[e * 2], m->key[e * 2 + 1]);
    long long i = (long long)(h & (unsigned long long)(ns - 1));
    while (s[i]) i = (i + 1) & (ns - 1);
    s[i] = e + 1;
  }
  free(m->slot);
  m->slot = s;
  m->nslot = ns;
  return 1;
}

/* The counters of (a, b), zeroed when new; NULL when out of memory. */
static long long *pmap_get(pmap *m, long long a, long long b) {
  if (m->last_e && m->last[0] == a && m->last[1] == b)   /* runs of a key */
    return &m->val[(m->last_e - 1) * m->w];
  if (m->n * 2 >= m->nslot && !pmap_rehash(m)) return NULL;
  unsigned long long h = mix(a, b);
  long long i = (long long)(h & (unsigned long long)(m->nslot - 1));
  for (; m->slot[i]; i = (i + 1) & (m->nslot - 1)) {
    long long e = m->slot[i] - 1;
    if (m->key[e * 2] == a && m->key[e * 2 + 1] == b) {
      m->last[0] = a, m->last[1] = b, m->last_e = e + 1;
      return &m->val[e * m->w];
    }
  }
  if (m->n == m->cap) {
    long long cap = m->cap ? m->cap * 2 : 64;
    long long *k = realloc(m->key, (size_t)cap * 2 * sizeof *k);
    if (!k) return NULL;
    m->key = k;
    long long *v = realloc(m->val, (size_t)cap * (size_t)m->w * sizeof *v);
    if (!v) return NULL;
    m->val = v;
    m->cap = cap;
  }
  long long e = m->n++;
  m->key[e * 2] = a;
  m->key[e * 2 + 1] = b;
  memset(&m->val[e * m->w], 0, (size_t)m->w * sizeof *m->val);
  m->slot[i] = e + 1;
  m->last[0] = a, m->last[1] = b, m->last_e = e + 1;
  return &m->val[e * m->w];
}

static const long long *pmap_find(const pmap *m, long long a, long long b) {
  if (!m->nslot) return NULL;
  long long i = (long long)(mix(a, b) & (unsigned long long)(m->nslot - 1));
  for (; m->slot[i]; i = (i + 1) & (m->nslot - 1)) {
    long long e = m->slot[i] - 1;
    if (m->key[e * 2] == a && m->key[e * 2 + 1] == b) return &m->val[e * m->w];
  }
  return NULL;
}

static void pmap_free(pmap *m) {
  free(m->key);
  free(m->val);
  free(m->slot);
}

/* ---- names (stages, owners, grades, groups) as small integers ----------------- */

typedef struct names {
  char **v;
  long long n, cap;
  pmap ix;                             /* (hash, 0) -> chain of ids */
  long long *next;                     /* [cap]: next id with that hash, -1 */
} names;

static long long hash_str(const char *s) {
  unsigned long long h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return (long long)(h >> 1);
}

/* The id of s, or -1 (with add: a new id; -2 when out of memory). */
static long long name_id(names *t, const char *s, int add) {
  long long h = hash_str(s);
  t->ix.w = 1;
  const long long *head = pmap_find(&t->ix, h, 0);
  for (long long i = head ? head[0] : -1; i >= 0; i = t->next[i])
    if (strcmp(t->v[i], s) == 0) return i;
  if (!add) return -1;
  long long cap = t->cap;
  char **v = lru_grow(t->v, t->n, &cap, sizeof *v, 16);
  if (!v) return -2;
  t->v = v;
  if (cap != t->cap) {
    long long *nx = realloc(t->next, (size_t)cap * sizeof *nx);
    if (!nx) return -2;
    t->next = nx;
    t->cap = cap;
  }
  long long *slot = pmap_get(&t->ix, h, 0);
  char *d = strdup(s);
  if (!slot || !d) {
    free(d);
    return -2;
  }
  long long id = t->n++;
  t->v[id] = d;
  t->next[id] = head ? slot[0] : -1;
  slot[0] = id;
  return id;
}

static void names_free(names *t) {
  for (long long i = 0; i < t->n; i++) free(t->v[i]);
  free(t->v);
  free(t->next);
  pmap_free(&t->ix);
}

/* ---- the pass ------------------------------------------------------------------ */

typedef struct hrow {                  /* by (at, id) */
  long long at, run;
  int has_run;
  long long from, to;                  /* stage ids; -1: NULL */
} hrow;

typedef struct arow {
  long long at, due, run, owner;
  int has_due, has_run, breached;
} arow;

typedef struct ocon {                  /* a contact with an outcome since */
  long long id;
  long long code;                      /* its d: a group, or D_NULL, D_OTHER */
} ocon;

#define D_NULL -1                      /* the split's value is NULL */
#define D_OTHER -2                     /* folded into (other) */

typedef struct dvec {
  double *v;
  long long n, cap;
} dvec;

struct lrp_pass {
  rpt *r;
  int G, ALL, F;                       /* groups with (all) last; funnel */
  long long since, now;
  names stages, owners, grades, groups;
  long long scache[64];                /* stage id + 1 by a short key */
  long long *rank;                     /* [stage]: funnel position, or -1 */
  long long rank_cap;
  long long none_g, other_g;           /* group of NULL, of folded values */
  long long nkept;                     /* -1: every value is a group */
  /* per stage: first position, sum of positions, rows; in contacts.stage */
  long long *seen;                     /* [stage][4]: first position, sum of
                                          positions, rows; in contacts.stage */
  long long *fun;                      /* [stage + 1][G]: current stage */
  pmap moves, exits;                   /* (from, to) -> contacts */
  pmap entered;                        /* (g, stage): first entry >= since */
  pmap conv;                           /* (g, from * 2^32 + to) */
  long long *passed;                   /* [k][G][2]: passed, moved on */
  long long *ent;                      /* [2F]: a contact's, per k */
  long long *ce, nce, capce;           /* its conversions: (a, a * 2^32 + b)
                                          pairs; b = -1: entered a */
  long long *mark, capmark, gen[2];    /* [stage][2]: last stamps */
  long long *reach;                    /* [G][F + 1]: by top + 1 */
  pmap through;                        /* (g, stage) -> zero-second stays */
  pmap stay_ix;                        /* (g, stage) -> index into stays */
  dvec *stays;
  long long nstays, capstays;
  pmap hand;                           /* (g, owner) -> n, due, breached */
  pmap grade;                          /* (g, grade) -> [NBANDS] */
  pmap coh;                            /* (day, top) -> contacts */
  pmap hday;                           /* (day, 0) -> n, due, breached */
  long long win_first, win_last, win_rows;
  /* the current contact */
  long long cid;
  int exists;
  long long stage, grade_id, band;
  long long *gl;                       /* its groups, then (all) */
  long long ngl, capgl;
  hrow *h;
  long long nh, caph;
  arow *a;
  long long na, capa;
  long long *closed;
  long long nclosed, capclosed;
  long long dcode;                     /* its d (a field split) */
  /* contacts with an outcome closed since, in id order, for the
  ** outcomes' query (lrp_pass_outcomes) */
  ocon *oc;
  long long noc, capoc;
  int oc_bad;                          /* a d it cannot name: use the join */
  int oom;
};

/* Zeroed room for `cap` rows of w counters in *v, which has `old`. */
static int widen(long long **v, long long old, long long cap, long long w) {
  long long *x = realloc(*v, (size_t)(cap * w) * sizeof *x);
  if (!x) return 0;
  memset(x + old * w, 0, (size_t)((cap - old) * w) * sizeof *x);
  *v = x;
  return 1;
}

/* Per-stage arrays as the stages grow (in the order first seen). */
static int grow_rank(lrp_pass *p) {
  while (p->rank_cap < p->stages.n + 1) {
    long long old = p->rank_cap, cap = old ? old * 2 : 16;
    if (!widen(&p->rank, old, cap, 1) || !widen(&p->seen, old, cap, 4) ||
        !widen(&p->fun, old, cap, p->G))
      return 0;
    p->rank_cap = cap;
  }
  return 1;
}

static long long rank_of(const lrp_pass *p, long long stage) {
  return stage >= 0 ? p->rank[stage] : -1;
}

/* A stage's id (interned), with its funnel rank on first sight.  Two per
** history row: a cache keyed by the first three bytes answers most of them
** without hashing the whole name. */
static long long stage_id(lrp_pass *p, const lrs_value *v) {
  if (v->type != LRS_STR) return -1;
  const unsigned char *u = (const unsigned char *)v->s;
  unsigned key = u[0];
  if (u[0]) key = key * 31 + u[1];
  if (u[0] && u[1]) key = key * 31 + u[2];
  long long *c = &p->scache[key & 63], hit = *c - 1;
  if (hit >= 0 && strcmp(p->stages.v[hit], v->s) == 0) return hit;
  long long n = p->stages.n, id = name_id(&p->stages, v->s, 1);
  if (id >= 0) *c = id + 1;
  if (id < 0 || !grow_rank(p)) return p->oom = 1, -1;
  if (id == n) {
    p->rank[id] = -1;
    for (int k = 0; k < p->F; k++)
      if (strcmp(p->r->stage[k], v->s) == 0) {
        p->rank[id] = k;
        break;
      }
  }
  return id;
}

/* The group of a dimension value (NULL: the (none) group), folded into
** (other) when it is not kept; -1 when there is none. */
static long long group_of_value(lrp_pass *p, const lrs_value *v) {
  if (v->type == LRS_NULL) return p->none_g;
  long long g = name_id(&p->groups, v->type == LRS_STR ? v->s : "", 0);
  if (p->nkept >= 0 && (g < 0 || g >= p->nkept)) return p->other_g;
  return g;
}

static void add_group(lrp_pass *p, long long g) {
  if (g < 0) return;
  long long *x = lru_grow(p->gl, p->ngl, &p->capgl, sizeof *x, 8);
  if (!x) {
    p->oom = 1;
    return;
  }
  p->gl = x;
  p->gl[p->ngl++] = g;
}

/* A handoff is answered by the first stage move of its contact after it
** (a later time, or the same time in a later run: a run's own moves into
** the stage share its time) or an outcome closed at or after it; it is
** breached when its due time is before the clock and nothing answered it
** by then (at or before due: answering exactly at due is in time). */
static int breached(const lrp_pass *p, const arow *a) {
  if (!a->has_due || a->due >= p->now) return 0;
  for (long long i = 0; i < p->nh; i++) {
    const hrow *h = &p->h[i];
    if (h->at <= a->due &&
        (h->at > a->at || (h->at == a->at && h->has_run && a->has_run &&
                           h->run > a->run)))
      return 0;
  }
  for (long long i = 0; i < p->nclosed; i++)
    if (p->closed[i] >= a->at && p->closed[i] <= a->due) return 0;
  return 1;
}

static long long day_of(long long t) {
  return t - (t % 86400) - (t % 86400 < 0 ? 86400 : 0);
}

static void count(lrp_pass *p, pmap *m, long long a, long long b, int col,
                  long long by) {
  long long *v = pmap_get(m, a, b);
  if (!v) p->oom = 1;
  else v[col] += by;
}

/* Figures that do not split: every history and assignment row counts,
** a contact's row or not (as the queries that read one table). */
static void contact_overall(lrp_pass *p) {
  long long top = -1;
  for (long long i = 0; i < p->nh; i++) {
    const hrow *h = &p->h[i];
    if (h->to < 0) continue;           /* to_stage is NOT NULL */
    long long *s = &p->seen[h->to * 4];
    if (!s[2] || i + 1 < s[0]) s[0] = i + 1;
    s[1] += i + 1;
    s[2]++;
    if (h->from >= 0 && h->from != h->to) {
      count(p, &p->moves, h->from, h->to, 0, 0);
      if (h->at >= p->since) {
        int dup = 0;                   /* contacts, not rows */
        for (long long j = 0; j < i && !dup; j++)
          dup = p->h[j].from == h->from && p->h[j].to == h->to &&
                p->h[j].at >= p->since;
        if (!dup) count(p, &p->exits, h->from, h->to, 0, 1);
      }
    }
    if (rank_of(p, h->to) > top) top = rank_of(p, h->to);
    if (!p->win_rows || h->at < p->win_first) p->win_first = h->at;
    if (!p->win_rows || h->at > p->win_last) p->win_last = h->at;
    p->win_rows++;
  }
  if (p->nh && p->h[0].at >= p->since)
    count(p, &p->coh, day_of(p->h[0].at), top, 0, 1);
  for (long long i = 0; i < p->na; i++) {
    arow *a = &p->a[i];
    if (a->at < p->since) continue;
    a->breached = breached(p, a);
    long long *v = pmap_get(&p->hday, day_of(a->at), 0);
    if (!v) return (void)(p->oom = 1);
    v[0]++;
    v[1] += a->has_due;
    v[2] += a->breached;
  }
}

/* Conversion through the funnel, from stage k to the next: a row passes
** k when it enters it or moves from a funnel stage before k to one after
** it (lead -> sql passes mql).  A contact counts when its first row
** passing k (by at, id) is at or after since, and moved on when that row
** or a later one reaches a stage after k. */
static void contact_passed(lrp_pass *p, long long *ent, long long *mov) {
  long long later = -1;                /* furthest rank after row i */
  long long *first = ent;              /* reuse: first passing row per k */
  for (int k = 0; k + 1 < p->F; k++) first[k] = -1, mov[k] = 0;
  for (long long i = p->nh - 1; i >= 0; i--) {
    const hrow *h = &p->h[i];
    long long rt = rank_of(p, h->to), rf = rank_of(p, h->from);
    for (int k = 0; k + 1 < p->F; k++) {
      if (rt == k || (rf >= 0 && rf < k && rt > k)) {
        first[k] = i;
        mov[k] = rt > k || later > k;
      }
    }
    if (rt > later) later = rt;
  }
  for (int k = 0; k + 1 < p->F; k++) {
    int in = first[k] >= 0 && p->h[first[k]].at >= p->since;
    ent[k] = in;
    mov[k] = in && mov[k];
  }
}

static void add_stay(lrp_pass *p, long long g, long long s, double d) {
  if (d == 0) return count(p, &p->through, g, s, 0, 1);
  long long *ix = pmap_get(&p->stay_ix, g, s);
  if (!ix) return (void)(p->oom = 1);
  if (!ix[0]) {
    dvec *x = lru_grow(p->stays, p->nstays, &p->capstays, sizeof *x, 16);
    if (!x) return (void)(p->oom = 1);
    p->stays = x;
    memset(&p->stays[p->nstays], 0, sizeof *p->stays);
    ix[0] = ++p->nstays;
  }
  dvec *v = &p->stays[ix[0] - 1];
  double *x = lru_grow(v->v, v->n, &v->cap, sizeof *x, 16);
  if (!x) return (void)(p->oom = 1);
  v->v = x;
  v->v[v->n++] = d;
}

/* Mark stage in m (one of two stamp arrays): 1 the first time since the
** stamp moved on, else 0. */
static int stamp(lrp_pass *p, int m, long long stage) {
  if (p->capmark < p->stages.n) {
    long long cap = p->stages.n * 2;
    long long *x = realloc(p->mark, (size_t)cap * 2 * sizeof *x);
    if (!x) return p->oom = 1, 0;
    memset(x, 0, (size_t)cap * 2 * sizeof *x);   /* stamps start over */
    p->mark = x;
    p->capmark = cap;
    p->gen[0] = p->gen[1] = 1;
  }
  if (stage < 0) return 0;
  long long *at = &p->mark[stage * 2 + m];
  if (*at == p->gen[m]) return 0;
  *at = p->gen[m];
  return 1;
}

static void push_ce(lrp_pass *p, long long a, long long b) {
  long long *x = lru_grow(p->ce, p->nce, &p->capce, 2 * sizeof *x, 16);
  if (!x) return (void)(p->oom = 1);
  p->ce = x;
  p->ce[p->nce * 2] = a;
  p->ce[p->nce * 2 + 1] = b;
  p->nce++;
}

/* Conversion without a funnel, every pair of stages at once: a contact
** whose first entry into a (by at, id) is at or after since counts, and
** converted to b when a later row (a later at, or the same at and a later
** id) enters b.  Pairs (a, -1): entered a. */
static void contact_conversion(lrp_pass *p) {
  p->nce = 0;
  p->gen[0]++;
  for (long long i = 0; i < p->nh; i++) {
    long long a = p->h[i].to;
    if (a < 0 || !stamp(p, 0, a) || p->h[i].at < p->since) continue;
    push_ce(p, a, -1);
    p->gen[1]++;
    for (long long j = i + 1; j < p->nh; j++)
      if (p->h[j].to >= 0 && stamp(p, 1, p->h[j].to)) push_ce(p, a, p->h[j].to);
  }
}

static void conversion_add(lrp_pass *p, long long g) {
  for (long long i = 0; i < p->nce; i++) {
    long long a = p->ce[i * 2], b = p->ce[i * 2 + 1];
    if (b < 0) count(p, &p->entered, g, a, 0, 1);
    else count(p, &p->conv, g, a * 4294967296LL + b, 0, 1);
  }
}

/* Figures split by group: the contact adds to each of its groups. */
static void contact_groups(lrp_pass *p) {
  long long *ent = p->ent, *mov = p->ent + p->F, top = -1;
  int F = p->F;
  if (F > 1) contact_passed(p, ent, mov);
  if (!F) contact_conversion(p);
  for (long long i = 0; i < p->nh; i++)
    if (rank_of(p, p->h[i].to) > top) top = rank_of(p, p->h[i].to);
  for (long long n = 0; n < p->ngl && !p->oom; n++) {
    long long g = p->gl[n];
    p->fun[(p->stage + 1) * p->G + g]++;
    if (p->grade_id >= 0) count(p, &p->grade, g, p->grade_id, (int)p->band, 1);
    for (int k = 0; k + 1 < F; k++) {
      p->passed[(k * p->G + g) * 2] += ent[k];
      p->passed[(k * p->G + g) * 2 + 1] += mov[k];
    }
    if (!F) conversion_add(p, g);
    for (long long i = 0; i + 1 < p->nh; i++)
      if (p->h[i].at >= p->since)
        add_stay(p, g, p->h[i].to, (double)(p->h[i + 1].at - p->h[i].at));
    if (p->nh && p->h[0].at >= p->since)
      p->reach[g * (p->F + 1) + top + 1]++;
    for (long long i = 0; i < p->na; i++) {
      const arow *a = &p->a[i];
      if (a->at < p->since) continue;
      long long *v = pmap_get(&p->hand, g, a->owner);
      if (!v) return (void)(p->oom = 1);
      v[0]++;
      v[1] += a->has_due;
      v[2] += a->breached;
    }
  }
}

/* The engagement band of a grade x engagement cell: 0 "< 0", 1 "0-10",
** 2 "10-25", 3 "25-50", 4 ">= 50" (half-open), 5 none; numbers by value,
** anything else (text) above every number, as SQLite compares. */
static long long band_of(const lrs_value *e) {
  if (e->type == LRS_NULL) return 5;
  if (e->type == LRS_INT)
    return e->i < 0 ? 0 : e->i < 10 ? 1 : e->i < 25 ? 2 : e->i < 50 ? 3 : 4;
  if (e->type == LRS_FLOAT)
    return e->r < 0 ? 0 : e->r < 10 ? 1 : e->r < 25 ? 2 : e->r < 50 ? 3 : 4;
  return 4;
}

/* ---- reading the streams -------------------------------------------------------- */

typedef struct stream {
  lrs_rstream *s;
  lrs_value v[LRS_RS_COLS];
  int live;                            /* v holds a row */
} stream;

static int advance(lrp_pass *p, stream *s) {
  if (!s->s) return LR_OK;
  int got = lrs_report_stream_next(s->s, s->v);
  if (got < 0) return -got;
  s->live = got;
  (void)p;
  return LR_OK;
}

static long long id_of(const stream *s) { return s->v[0].i; }

/* Keep the contact when it has an outcome the report counts. */
static int note_outcomes(lrp_pass *p) {
  int any = 0;
  for (long long i = 0; i < p->nclosed && !any; i++)
    any = p->closed[i] >= p->since;
  if (!any || !p->exists) return LR_OK;
  ocon *x = lru_grow(p->oc, p->noc, &p->capoc, sizeof *x, 64);
  if (!x) return LR_NOMEM;
  p->oc = x;
  p->oc[p->noc++] = (ocon){p->cid, p->dcode};
  return LR_OK;
}

/* Take the current contact's rows of every stream. */
static int take(lrp_pass *p, stream *st) {
  long long id = p->cid;
  int rc = LR_OK;
  p->nh = p->na = p->nclosed = p->ngl = 0;
  p->exists = st[LRS_RS_CONTACTS].live && id_of(&st[LRS_RS_CONTACTS]) == id;
  if (p->exists) {
    const lrs_value *v = st[LRS_RS_CONTACTS].v;
    p->stage = stage_id(p, &v[1]);
    if (p->stage >= 0) p->seen[p->stage * 4 + 3] = 1;
    p->grade_id = v[2].type == LRS_STR ? name_id(&p->grades, v[2].s, 1) : -1;
    if (p->grade_id == -2) p->oom = 1;
    p->band = band_of(&v[3]);
    if (p->r->dim.kind == LRS_DIM_FIELD) {
      long long g = group_of_value(p, &v[4]);
      add_group(p, g);
      p->dcode = v[4].type == LRS_NULL ? D_NULL
                 : p->nkept >= 0 && g == p->other_g ? D_OTHER : g;
      if (p->dcode == -1 && v[4].type != LRS_NULL) p->oc_bad = 1;
    }
    rc = advance(p, &st[LRS_RS_CONTACTS]);
  }
  stream *m = &st[LRS_RS_MEMBERS];
  int any = 0;
  for (; rc == LR_OK && m->live && id_of(m) == id; rc = advance(p, m), any = 1)
    if (p->exists) add_group(p, group_of_value(p, &m->v[1]));
  if (p->exists && p->r->dim.kind == LRS_DIM_SEGMENT && !any)
    add_group(p, p->none_g);
  if (p->exists) add_group(p, p->ALL);
  stream *h = &st[LRS_RS_HISTORY];
  for (; rc == LR_OK && h->live && id_of(h) == id; rc = advance(p, h)) {
    hrow *x = lru_grow(p->h, p->nh, &p->caph, sizeof *x, 16);
    if (!x) return LR_NOMEM;
    p->h = x;
    x = &p->h[p->nh++];
    x->at = h->v[1].i;
    x->has_run = h->v[2].type != LRS_NULL;
    x->run = h->v[2].i;
    x->from = stage_id(p, &h->v[3]);
    x->to = stage_id(p, &h->v[4]);
  }
  stream *a = &st[LRS_RS_ASSIGN];
  for (; rc == LR_OK && a->live && id_of(a) == id; rc = advance(p, a)) {
    arow *x = lru_grow(p->a, p->na, &p->capa, sizeof *x, 8);
    if (!x) return LR_NOMEM;
    p->a = x;
    x = &p->a[p->na++];
    x->at = a->v[1].i;
    x->has_due = a->v[2].type != LRS_NULL;
    x->due = a->v[2].i;
    x->has_run = a->v[3].type != LRS_NULL;
    x->run = a->v[3].i;
    x->owner = name_id(&p->owners, a->v[4].type == LRS_STR ? a->v[4].s : "", 1);
    if (x->owner < 0) return LR_NOMEM;
  }
  stream *o = &st[LRS_RS_CLOSED];
  for (; rc == LR_OK && o->live && id_of(o) == id; rc = advance(p, o)) {
    long long *x = lru_grow(p->closed, p->nclosed, &p->capclosed, sizeof *x, 4);
    if (!x) return LR_NOMEM;
    p->closed = x;
    p->closed[p->nclosed++] = o->v[1].i;
  }
  return p->oom ? LR_NOMEM : rc == LR_OK ? note_outcomes(p) : rc;
}

static int merge(lrp_pass *p, stream *st) {
  int rc = LR_OK;
  /* outcome dates answer handoffs and say whose outcomes count */
  if (rc == LR_OK) {
    if (lrs_report_stream(p->r->db, LRS_RS_CLOSED, &p->r->dim,
                          &st[LRS_RS_CLOSED].s) != LR_OK)
      return lr_errcode(p->r->db);
    rc = advance(p, &st[LRS_RS_CLOSED]);
  }
  while (rc == LR_OK) {
    int have = 0;
    for (int i = 0; i <= LRS_RS_CLOSED; i++)
      if (st[i].live && (!have || id_of(&st[i]) < p->cid)) {
        p->cid = id_of(&st[i]);
        have = 1;
      }
    if (!have) break;
    rc = take(p, st);
    if (rc == LR_OK) contact_overall(p);
    if (rc == LR_OK && p->exists) contact_groups(p);
    if (p->oom) rc = LR_NOMEM;
  }
  return rc;
}

/* Open and read the first row of each stream; assignments first: without
** any, no history row's run is compared with one and none is read. */
static int open_streams(lrp_pass *p, stream *st) {
  lr_db *db = p->r->db;
  static const int order[] = {LRS_RS_ASSIGN, LRS_RS_CONTACTS, LRS_RS_MEMBERS,
                              LRS_RS_HISTORY};
  int rc = LR_OK;
  for (int n = 0; n < 4 && rc == LR_OK; n++) {
    int i = order[n], kind = i;
    if (i == LRS_RS_MEMBERS && p->r->dim.kind != LRS_DIM_SEGMENT) continue;
    if (i == LRS_RS_HISTORY && !st[LRS_RS_ASSIGN].live)
      kind = LRS_RS_HISTORY_NORUN;
    if (lrs_report_stream(db, kind, &p->r->dim, &st[i].s) != LR_OK)
      return lr_errcode(db);
    rc = advance(p, &st[i]);
  }
  return rc;
}

/* ---- the entry points ------------------------------------------------------------ */

static int setup(lrp_pass *p, rpt *r) {
  p->r = r;
  p->G = r->ngroups;
  p->ALL = r->ngroups - 1;
  p->F = r->nfunnel;
  p->since = r->o.since;
  p->now = r->now;
  p->moves.w = p->exits.w = p->entered.w = p->conv.w = 1;
  p->through.w = p->stay_ix.w = p->coh.w = 1;
  p->hand.w = p->hday.w = 3;
  p->grade.w = NBANDS;
  p->passed = calloc((size_t)(p->F + 1) * (size_t)p->G * 2, sizeof *p->passed);
  p->ent = calloc((size_t)p->F * 2 + 2, sizeof *p->ent);
  if (!p->ent) return LR_NOMEM;
  p->reach = calloc((size_t)(p->F + 2) * (size_t)p->G, sizeof *p->reach);
  if (!p->passed || !p->reach) return LR_NOMEM;
  for (int g = 0; g < p->ALL; g++)
    if (name_id(&p->groups, r->group[g], 1) < 0) return LR_NOMEM;
  if (!grow_rank(p)) return LR_NOMEM;
  p->none_g = name_id(&p->groups, "(none)", 0);
  p->other_g = name_id(&p->groups, "(other)", 0);
  p->nkept = r->dim.keep ? r->nkept : -1;
  return LR_OK;
}

int lrp_pass_run(rpt *r, lrp_pass **out) {
  lrp_pass *p = calloc(1, sizeof *p);
  *out = p;
  if (!p) return LR_NOMEM;
  int rc = setup(p, r);
  stream st[LRS_RS_CLOSED + 1];
  memset(st, 0, sizeof st);
  if (rc == LR_OK) rc = open_streams(p, st);
  if (rc == LR_OK) rc = merge(p, st);
  for (int i = 0; i <= LRS_RS_CLOSED; i++) lrs_report_stream_close(st[i].s);
  return rc;
}

void lrp_pass_free(lrp_pass *p) {
  if (!p) return;
  names_free(&p->stages);
  names_free(&p->owners);
  names_free(&p->grades);
  names_free(&p->groups);
  free(p->rank);
  free(p->seen);
  free(p->fun);
  pmap *maps[] = {&p->moves, &p->exits, &p->entered,
                  &p->conv, &p->through, &p->stay_ix, &p->hand, &p->grade,
                  &p->coh, &p->hday};
  for (size_t i = 0; i < sizeof maps / sizeof *maps; i++) pmap_free(maps[i]);
  for (long long i = 0; i < p->nstays; i++) free(p->stays[i].v);
  free(p->stays);
  free(p->passed);
  free(p->ent);
  free(p->ce);
  free(p->mark);
  free(p->reach);
  free(p->gl);
  free(p->h);
  free(p->a);
  free(p->closed);
  free(p->oc);
  free(p);
}

/* ---- the figures, as the rows of the queries they replace ------------------------ */

static void v_int(lrs_value *v, long long i) {
  memset(v, 0, sizeof *v);
  v->type = LRS_INT;
  v->i = i;
  v->r = (double)i;
}

static void v_str(lrs_value *v, const char *s) {
  memset(v, 0, sizeof *v);
  v->type = s ? LRS_STR : LRS_NULL;
  v->s = s;
  v->n = s ? strlen(s) : 0;
}

static const char *gname(const lrp_pass *p, long long g) {
  return g == p->ALL ? "(all)" : p->r->group[g];
}

static const char *sname(const lrp_pass *p, long long s) {
  return s >= 0 ? p->stages.v[s] : NULL;
}

/* Whether group g belongs to the rows asked for: (all), or the split. */
static int wanted(const lrp_pass *p, int all, long long g) {
  return all ? g == p->ALL : g != p->ALL;
}

int lrp_pass_stage_seen(lrp_pass *p, lrs_row_fn fn, void *ctx) {
  lrs_value v[4];
  for (int pass = 0; pass < 2; pass++)
    for (long long e = 0; e < p->stages.n; e++) {
      const long long *x = &p->seen[e * 4];
      if ((x[2] > 0) == pass || (pass && !x[3])) continue;
      v_str(&v[0], sname(p, e));
      if (x[2]) {
        v_int(&v[1], x[0]);
        memset(&v[2], 0, sizeof v[2]);
        v[2].type = LRS_FLOAT;
        v[2].r = (double)x[1] / (double)x[2];
      } else {
        v_str(&v[1], NULL);
        v_str(&v[2], NULL);
      }
      v_int(&v[3], x[2]);
      if (fn(ctx, v, 4)) return LR_INTERRUPT;
    }
  return LR_OK;
}

int lrp_pass_moves(lrp_pass *p, lrs_row_fn fn, void *ctx) {
  lrs_value v[3];
  for (long long e = 0; e < p->moves.n; e++) {
    v_str(&v[0], sname(p, p->moves.key[e * 2]));
    v_str(&v[1], sname(p, p->moves.key[e * 2 + 1]));
    v_int(&v[2], 0);
    if (fn(ctx, v, 3)) return LR_INTERRUPT;
  }
  return LR_OK;
}

int lrp_pass_funnel(lrp_pass *p, int all, lrs_row_fn fn, void *ctx) {
  lrs_value v[3];
  for (long long e = -1; e < p->stages.n; e++)
    for (long long g = 0; g < p->G; g++) {
      long long n = p->fun[(e + 1) * p->G + g];
      if (!wanted(p, all, g) || !n) continue;
      v_str(&v[0], gname(p, g));
      v_str(&v[1], sname(p, e));
      v_int(&v[2], n);
      if (fn(ctx, v, 3)) return LR_INTERRUPT;
    }
  return LR_OK;
}

int lrp_pass_passed(lrp_pass *p, int all, int k, lrs_row_fn fn, void *ctx) {
  lrs_value v[3];
  for (long long g = 0; g < p->G && k + 1 < p->F; g++) {
    const long long *x = &p->passed[(k * p->G + g) * 2];
    if (!wanted(p, all, g) || !x[0]) continue;
    v_str(&v[0], gname(p, g));
    v_int(&v[1], x[0]);
    v_int(&v[2], x[1]);
    if (fn(ctx, v, 3)) return LR_INTERRUPT;
  }
  return LR_OK;
}

int lrp_pass_conversion(lrp_pass *p, int all, const char *from,
                        const char *to, lrs_row_fn fn, void *ctx) {
  long long a = name_id(&p->stages, from, 0), b = name_id(&p->stages, to, 0);
  lrs_value v[3];
  for (long long g = 0; g < p->G && a >= 0; g++) {
    const long long *n = pmap_find(&p->entered, g, a);
    const long long *c = b >= 0 ? pmap_find(&p->conv, g, a * 4294967296LL + b)
                                : NULL;
    if (!wanted(p, all, g) || !n) continue;
    v_str(&v[0], gname(p, g));
    v_int(&v[1], n[0]);
    v_int(&v[2], c ? c[0] : 0);
    if (fn(ctx, v, 3)) return LR_INTERRUPT;
  }
  return LR_OK;
}

/* (d, stage, seconds, times): every completed stay of a (group, stage) in
** a row, contiguous; zero-second stays as one row with their number. */
int lrp_pass_stays(lrp_pass *p, int all, lrs_row_fn fn, void *ctx) {
  lrs_value v[4];
  for (long long e = 0; e < p->stay_ix.n; e++) {
    long long g = p->stay_ix.key[e * 2];
    if (!wanted(p, all, g)) continue;
    const dvec *d = &p->stays[p->stay_ix.val[e] - 1];
    v_str(&v[0], gname(p, g));
    v_str(&v[1], sname(p, p->stay_ix.key[e * 2 + 1]));
    v_int(&v[3], 1);
    for (long long i = 0; i < d->n; i++) {
      memset(&v[2], 0, sizeof v[2]);
      v[2].type = LRS_FLOAT;
      v[2].r = d->v[i];
      if (fn(ctx, v, 4)) return LR_INTERRUPT;
    }
  }
  for (long long e = 0; e < p->through.n; e++) {
    long long g = p->through.key[e * 2];
    if (!wanted(p, all, g)) continue;
    v_str(&v[0], gname(p, g));
    v_str(&v[1], sname(p, p->through.key[e * 2 + 1]));
    v_int(&v[2], 0);
    v_int(&v[3], p->through.val[e]);
    if (fn(ctx, v, 4)) return LR_INTERRUPT;
  }
  return LR_OK;
}

typedef struct hsort {
  int null_first;
  const char *d, *owner;
  const long long *v;
} hsort;

static int by_d_owner(const void *a, const void *b) {
  const hsort *x = a, *y = b;
  if (x->null_first != y->null_first) return y->null_first - x->null_first;
  int c = strcmp(x->d, y->d);
  return c ? c : strcmp(x->owner, y->owner);
}

/* Ordered by d (NULL first: the (none) group) and owner, as the query. */
int lrp_pass_handoffs(lrp_pass *p, int all, lrs_row_fn fn, void *ctx) {
  hsort *h = malloc((size_t)(p->hand.n + 1) * sizeof *h);
  if (!h) return LR_NOMEM;
  long long n = 0;
  for (long long e = 0; e < p->hand.n; e++) {
    long long g = p->hand.key[e * 2];
    if (!wanted(p, all, g)) continue;
    h[n].null_first = g == p->none_g;
    h[n].d = gname(p, g);
    h[n].owner = p->owners.v[p->hand.key[e * 2 + 1]];
    h[n++].v = &p->hand.val[e * 3];
  }
  qsort(h, (size_t)n, sizeof *h, by_d_owner);
  lrs_value v[5];
  int rc = LR_OK;
  for (long long i = 0; i < n && rc == LR_OK; i++) {
    v_str(&v[0], h[i].d);
    v_str(&v[1], h[i].owner);
    for (int c = 0; c < 3; c++) v_int(&v[2 + c], h[i].v[c]);
    if (fn(ctx, v, 5)) rc = LR_INTERRUPT;
  }
  free(h);
  return rc;
}

int lrp_pass_grades(lrp_pass *p, int all, lrs_row_fn fn, void *ctx) {
  lrs_value v[4];
  for (long long e = 0; e < p->grade.n; e++) {
    long long g = p->grade.key[e * 2];
    if (!wanted(p, all, g)) continue;
    for (int b = 0; b < NBANDS; b++) {
      long long n = p->grade.val[e * NBANDS + b];
      if (!n) continue;
      v_str(&v[0], gname(p, g));
      v_str(&v[1], p->grades.v[p->grade.key[e * 2 + 1]]);
      v_int(&v[2], b);
      v_int(&v[3], n);
      if (fn(ctx, v, 4)) return LR_INTERRUPT;
    }
  }
  return LR_OK;
}

int lrp_pass_reached(lrp_pass *p, int all, lrs_row_fn fn, void *ctx) {
  lrs_value v[3];
  for (long long g = 0; g < p->G; g++)
    for (int t = 0; t <= p->F && wanted(p, all, g); t++) {
      long long n = p->reach[g * (p->F + 1) + t];
      if (!n) continue;
      v_str(&v[0], gname(p, g));
      if (t) v_int(&v[1], t - 1);
      else v_str(&v[1], NULL);
      v_int(&v[2], n);
      if (fn(ctx, v, 3)) return LR_INTERRUPT;
    }
  return LR_OK;
}

static int by_two(const void *a, const void *b) {
  const long long *x = a, *y = b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* The entries of m as rows (key a, key b, values...), sorted by key. */
static long long *sorted(const pmap *m) {
  int w = 2 + m->w;
  long long *x = malloc((size_t)(m->n + 1) * (size_t)w * sizeof *x);
  if (!x) return NULL;
  for (long long e = 0; e < m->n; e++) {
    x[e * w] = m->key[e * 2];
    x[e * w + 1] = m->key[e * 2 + 1];
    memcpy(&x[e * w + 2], &m->val[e * m->w], (size_t)m->w * sizeof *x);
  }
  qsort(x, (size_t)m->n, (size_t)w * sizeof *x, by_two);
  return x;
}

/* (day, top, contacts) by day, top (no top, NULL, first). */
int lrp_pass_cohorts(lrp_pass *p, lrs_row_fn fn, void *ctx) {
  long long *x = sorted(&p->coh);
  if (!x) return LR_NOMEM;
  lrs_value v[3];
  int rc = LR_OK;
  for (long long e = 0; e < p->coh.n && rc == LR_OK; e++) {
    v_int(&v[0], x[e * 3]);
    if (x[e * 3 + 1] >= 0) v_int(&v[1], x[e * 3 + 1]);
    else v_str(&v[1], NULL);
    v_int(&v[2], x[e * 3 + 2]);
    if (fn(ctx, v, 3)) rc = LR_INTERRUPT;
  }
  free(x);
  return rc;
}

int lrp_pass_handoff_days(lrp_pass *p, lrs_row_fn fn, void *ctx) {
  long long *x = sorted(&p->hday);
  if (!x) return LR_NOMEM;
  lrs_value v[4];
  int rc = LR_OK;
  for (long long e = 0; e < p->hday.n && rc == LR_OK; e++) {
    v_int(&v[0], x[e * 5]);
    for (int c = 0; c < 3; c++) v_int(&v[1 + c], x[e * 5 + 2 + c]);
    if (fn(ctx, v, 4)) rc = LR_INTERRUPT;
  }
  free(x);
  return rc;
}

typedef struct esort {
  const char *from, *to;
  long long n;
} esort;

static int by_names(const void *a, const void *b) {
  const esort *x = a, *y = b;
  int c = strcmp(x->from, y->from);
  return c ? c : strcmp(x->to, y->to);
}

/* (from, to, contacts) by from, to. */
int lrp_pass_exits(lrp_pass *p, lrs_row_fn fn, void *ctx) {
  esort *x = malloc((size_t)(p->exits.n + 1) * sizeof *x);
  if (!x) return LR_NOMEM;
  for (long long e = 0; e < p->exits.n; e++) {
    x[e].from = sname(p, p->exits.key[e * 2]);
    x[e].to = sname(p, p->exits.key[e * 2 + 1]);
    x[e].n = p->exits.val[e];
  }
  qsort(x, (size_t)p->exits.n, sizeof *x, by_names);
  lrs_value v[3];
  int rc = LR_OK;
  for (long long e = 0; e < p->exits.n && rc == LR_OK; e++) {
    v_str(&v[0], x[e].from);
    v_str(&v[1], x[e].to);
    v_int(&v[2], x[e].n);
    if (fn(ctx, v, 3)) rc = LR_INTERRUPT;
  }
  free(x);
  return rc;
}

typedef struct odim {
  const lrp_pass *p;
  int all;
} odim;

/* A contact's d as the outcomes' join with the split gave it. */
static const char *outcome_dim(void *ctx, long long id, int *exists) {
  const odim *o = ctx;
  const lrp_pass *p = o->p;
  long long lo = 0, hi = p->noc;
  while (lo < hi) {
    long long mid = lo + (hi - lo) / 2;
    if (p->oc[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  *exists = lo < p->noc && p->oc[lo].id == id;
  if (!*exists) return NULL;
  if (o->all || p->r->dim.kind == LRS_DIM_ALL) return "(all)";
  long long c = p->oc[lo].code;
  return c == D_NULL ? NULL : c == D_OTHER ? "(other)" : p->groups.v[c];
}

int lrp_pass_outcomes(lrp_pass *p, int all, lrs_row_fn fn, void *ctx) {
  if (!all && (p->r->dim.kind == LRS_DIM_SEGMENT || p->oc_bad)) return -1;
  odim o = {p, all};
  int one = all || p->r->dim.kind == LRS_DIM_ALL;
  return lrs_report_outcomes_by(p->r->db, outcome_dim, &o,
                                one ? "(all)" : NULL, p->since, fn, ctx);
}

int lrp_pass_window(lrp_pass *p, lrs_row_fn fn, void *ctx) {
  lrs_value v[3];
  if (p->win_rows) {
    v_int(&v[0], p->win_first);
    v_int(&v[1], p->win_last);
  } else {
    v_str(&v[0], NULL);
    v_str(&v[1], NULL);
  }
  v_int(&v[2], p->win_rows);
  return fn(ctx, v, 3) ? LR_INTERRUPT : LR_OK;
}

/* ---- the groups of a split by a field ---------------------------------------------- */

#define GROUPS_IN_MEMORY 100000        /* more values: SQLite sorts them */

typedef struct vcount {
  const char *v;
  long long n;
} vcount;

static int by_size(const void *a, const void *b) {
  const vcount *x = a, *y = b;
  if (x->n != y->n) return x->n > y->n ? -1 : 1;
  return strcmp(x->v, y->v);
}

/* Count the field's values in memory: 1 when there are too many to
** keep (the caller asks SQLite), else an LR code. */
static int count_values(lr_db *db, const lrs_dim *dim, names *t,
                        long long **n, long long *nulls) {
  lrs_rstream *s = NULL;
  if (lrs_report_stream(db, LRS_RS_VALUES, dim, &s) != LR_OK)
    return -lr_errcode(db);
  lrs_value v[LRS_RS_COLS];
  long long cap = 0;
  int got, rc = LR_OK;
  while (rc == LR_OK && (got = lrs_report_stream_next(s, v)) > 0) {
    if (v[0].type == LRS_NULL) {
      (*nulls)++;
      continue;
    }
    long long before = t->n;
    long long id = name_id(t, v[0].type == LRS_STR ? v[0].s : "", 1);
    if (id < 0) {
      rc = -LR_NOMEM;
    } else if (id == before) {
      long long *x = lru_grow(*n, id, &cap, sizeof *x, 64);
      if (!x) rc = -LR_NOMEM;
      else (*n = x)[id] = 1;
      if (t->n > GROUPS_IN_MEMORY) rc = 1;
    } else {
      (*n)[id]++;
    }
  }
  if (rc == LR_OK && got < 0) rc = got;
  lrs_report_stream_close(s);
  return rc;
}

int lrp_pass_groups(rpt *r, lrs_row_fn fn, void *ctx) {
  if (r->dim.kind != LRS_DIM_FIELD)
    return lrs_report_groups(r->db, &r->dim, fn, ctx);
  names t;
  memset(&t, 0, sizeof t);
  long long *n = NULL, nulls = 0;
  int rc = count_values(r->db, &r->dim, &t, &n, &nulls);
  vcount *v = rc == LR_OK ? malloc((size_t)(t.n + 1) * sizeof *v) : NULL;
  if (rc == LR_OK && !v) rc = -LR_NOMEM;
  if (v) {
    for (long long i = 0; i < t.n; i++) v[i] = (vcount){t.v[i], n[i]};
    qsort(v, (size_t)t.n, sizeof *v, by_size);
    lrs_value row[2];
    if (nulls) {
      v_str(&row[0], NULL);
      v_int(&row[1], nulls);
      if (fn(ctx, row, 2)) rc = -LR_INTERRUPT;
    }
    for (long long i = 0; i < t.n && rc == LR_OK; i++) {
      v_str(&row[0], v[i].v);
      v_int(&row[1], v[i].n);
      if (fn(ctx, row, 2)) rc = -LR_INTERRUPT;
    }
  }
  free(v);
  free(n);
  names_free(&t);
  if (rc == 1) return lrs_report_groups(r->db, &r->dim, fn, ctx);
  return -rc;
}
