/*
** srcscan.c -- tokenize Lua source just enough to find field reads and
** segment names.  Not a parser: a token stream and a few patterns.
*/
#include "srcscan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define T_NAME 1
#define T_STRING 2
#define T_PUNCT 3                   /* one character; ".." and "..." as '~' */
#define T_OTHER 4                   /* numbers */

typedef struct tok {
  int type;
  int line;
  const char *s;                    /* NAME: text; STRING: contents */
  size_t n;
  char c;                           /* PUNCT */
} tok;

typedef struct lexer {
  const char *p, *end;
  int line;
} lexer;

/* Level of a long bracket at p ("[[" 0, "[==[" 2), or -1. */
static int long_bracket(const char *p, const char *end) {
  if (p >= end || *p != '[') return -1;
  const char *q = p + 1;
  int level = 0;
  while (q < end && *q == '=') q++, level++;
  return q < end && *q == '[' ? level : -1;
}

/* Skip a long bracket body after its opening; returns the contents. */
static void skip_long(lexer *lx, int level, const char **s, size_t *n) {
  const char *start = lx->p;
  while (lx->p < lx->end) {
    if (*lx->p == ']') {
      const char *q = lx->p + 1;
      int l = 0;
      while (q < lx->end && *q == '=') q++, l++;
      if (l == level && q < lx->end && *q == ']') {
        *s = start;
        *n = (size_t)(lx->p - start);
        lx->p = q + 1;
        return;
      }
    }
    if (*lx->p == '\n') lx->line++;
    lx->p++;
  }
  *s = start;
  *n = (size_t)(lx->p - start);
}

/* Next token into t; 0 at the end. */
static int next_token(lexer *lx, tok *t) {
  for (;;) {
    while (lx->p < lx->end && isspace((unsigned char)*lx->p)) {
      if (*lx->p == '\n') lx->line++;
      lx->p++;
    }
    if (lx->p >= lx->end) return 0;
    if (lx->p + 1 < lx->end && lx->p[0] == '-' && lx->p[1] == '-') {
      lx->p += 2;
      int level = long_bracket(lx->p, lx->end);
      if (level >= 0) {
        const char *s;
        size_t n;
        lx->p += level + 2;
        skip_long(lx, level, &s, &n);
      } else {
        while (lx->p < lx->end && *lx->p != '\n') lx->p++;
      }
      continue;
    }
    break;
  }
  const char *p = lx->p;
  t->line = lx->line;
  if (isalpha((unsigned char)*p) || *p == '_') {
    while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_'))
      lx->p++;
    t->type = T_NAME;
    t->s = p;
    t->n = (size_t)(lx->p - p);
    return 1;
  }
  if (isdigit((unsigned char)*p) ||
      (*p == '.' && p + 1 < lx->end && isdigit((unsigned char)p[1]))) {
    /* digits, hex digits, dots, exponents with signs */
    while (lx->p < lx->end) {
      char c = *lx->p;
      if (isalnum((unsigned char)c) || c == '.' || c == '_') lx->p++;
      else if ((c == '+' || c == '-') &&
               (lx->p[-1] == 'e' || lx->p[-1] == 'E' || lx->p[-1] == 'p' ||
                lx->p[-1] == 'P')) lx->p++;
      else break;
    }
    t->type = T_OTHER;
    return 1;
  }
  if (*p == '"' || *p == '\'') {
    char q = *p;
    lx->p++;
    const char *s = lx->p;
    while (lx->p < lx->end && *lx->p != q && *lx->p != '\n') {
      if (*lx->p == '\\' && lx->p + 1 < lx->end) {
        if (lx->p[1] == '\n') lx->line++;
        lx->p++;
      }
      lx->p++;
    }
    t->type = T_STRING;
    t->s = s;
    t->n = (size_t)(lx->p - s);
    if (lx->p < lx->end && *lx->p == q) lx->p++;
    return 1;
  }
  int level = long_bracket(p, lx->end);
  if (level >= 0) {
    lx->p += level + 2;
    if (lx->p < lx->end && *lx->p == '\n') {   /* a first newline is skipped */
      lx->line++;
      lx->p++;
    }
    t->type = T_STRING;
    skip_long(lx, level, &t->s, &t->n);
    return 1;
  }
  t->type = T_PUNCT;
  t->c = *p;
  lx->p++;
  if (*p == '.' && lx->p < lx->end && *lx->p == '.') {
    while (lx->p < lx->end && *lx->p == '.') lx->p++;
    t->c = '~';
  }
  return 1;
}

static int is_name(const tok *t, const char *name) {
  return t->type == T_NAME && t->n == strlen(name) &&
         memcmp(t->s, name, t->n) == 0;
}

static int is_punct(const tok *t, char c) {
  return t->type == T_PUNCT && t->c == c;
}

static int add_ref(lrp_refs *r, int kind, int line, const char *s, size_t n) {
  if (r->n == r->cap) {
    int cap = r->cap ? r->cap * 2 : 64;
    lrp_ref *v = realloc(r->v, (size_t)cap * sizeof *v);
    if (!v) return -1;
    r->v = v;
    r->cap = cap;
  }
  char *name = malloc(n + 1);
  if (!name) return -1;
  memcpy(name, s, n);
  name[n] = '\0';
  r->v[r->n].kind = kind;
  r->v[r->n].line = line;
  r->v[r->n].name = name;
  r->n++;
  return 0;
}

/* A string that reads as a plain name (field names never need escapes). */
static int plain(const tok *t) {
  if (t->type != T_STRING || t->n == 0 || t->n > 200) return 0;
  for (size_t i = 0; i < t->n; i++)
    if (t->s[i] == '\\' || t->s[i] == '\n') return 0;
  return 1;
}

int lrp_scan_source(const char *src, size_t len, lrp_refs *out) {
  memset(out, 0, sizeof *out);
  lexer lx = {src, src + len, 1};
  /* A window of five tokens slides over the stream (w[4] newest); four
  ** empty tokens after the last one flush it, so every token passes every
  ** position once. */
  tok w[5];
  memset(w, 0, sizeof w);
  int rc = 0, empties = 0;
  if (len >= 2 && src[0] == '#') {          /* Lua skips a "#!" line */
    while (lx.p < lx.end && *lx.p != '\n') lx.p++;
  }
  while (rc == 0 && empties < 4) {
    tok t;
    memset(&t, 0, sizeof t);
    if (!next_token(&lx, &t)) {
      memset(&t, 0, sizeof t);
      empties++;
    }
    memmove(w, w + 1, 4 * sizeof *w);
    w[4] = t;
    const tok *a = &w[0], *b = &w[1], *c = &w[2], *d = &w[3], *e = &w[4];
    /* lead.NAME, unless x.lead.NAME, lead.NAME(...) or lead.NAME"..." */
    if (is_punct(c, '.') && d->type == T_NAME && !is_punct(a, '.') &&
        !is_punct(a, ':') && !is_punct(e, '(') && !is_punct(e, '{') &&
        e->type != T_STRING) {
      if (is_name(b, "lead"))
        rc = add_ref(out, LRP_REF_FIELD, d->line, d->s, d->n);
      else if (is_name(b, "segment"))
        rc = add_ref(out, LRP_REF_SEGMENT, d->line, d->s, d->n);
    }
    /* lead["NAME"] */
    if (a->type == T_NAME && is_punct(b, '[') && plain(c) && is_punct(d, ']')) {
      if (is_name(a, "lead"))
        rc = add_ref(out, LRP_REF_FIELD, c->line, c->s, c->n);
      else if (is_name(a, "segment"))
        rc = add_ref(out, LRP_REF_SEGMENT, c->line, c->s, c->n);
    }
    /* Every other string, classified at w[1], with w[0] before it and w[2]
    ** after it: `segment "x"` declares, `t["x"]` indexes. */
    if (rc == 0 && b->type == T_STRING &&
        !(is_punct(a, '[') && is_punct(c, ']'))) {
      int decl = is_name(a, "segment") || is_name(a, "rule") ||
                 is_name(a, "stage") || is_name(a, "grade");
      rc = add_ref(out, decl ? LRP_REF_DECL : LRP_REF_STRING, b->line, b->s,
                   b->n);
    }
  }
  return rc;
}

void lrp_refs_free(lrp_refs *r) {
  for (int i = 0; i < r->n; i++) free(r->v[i].name);
  free(r->v);
  memset(r, 0, sizeof *r);
}

int lrp_lead_builtin(const char *name) {
  static const char *const names[] = {"id", "key", "score", "stage",
      "scores", "grade", "grades", "count", "did", "last", "days_since",
      "activities", "in_segment", "outcome", "sla_breached", "set",
      "move_to", "time_in_stage", "stage_since", "assigned_at", "due_at",
      "account", NULL};
  for (int i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0) return 1;
  return 0;
}
