/*
** pg_json_flat.c -- the JSON objects an accounts import writes (a field
** name to a scalar), merged as SQLite's json_patch merges them, text for
** text: an account's fields and the account headers are stored as JSON
** text on both stores (jsonb would reorder the keys), so PostgreSQL's
** copy must be the very bytes SQLite's json_patch leaves.  For flat
** objects that is RFC 7396: a key of the patch replaces the target's
** value in place or is appended after the target's keys; a null in the
** patch removes the key.  Values are copied as written (SQLite keeps a
** value's text, escapes included).
*/
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

static const char *ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

/* The end of the JSON string starting at p ('"'), or NULL. */
static const char *str_end(const char *p) {
  for (p++; *p && *p != '"'; p++)
    if (*p == '\\' && !*++p) return NULL;
  return *p ? p + 1 : NULL;
}

/* The end of the value at p (a scalar, or a nested object or array). */
static const char *value_end(const char *p) {
  if (*p == '"') return str_end(p);
  int depth = 0;
  for (; *p; p++) {
    if (*p == '"') {
      p = str_end(p);
      if (!p) return NULL;
      p--;
    } else if (*p == '{' || *p == '[') {
      depth++;
    } else if (*p == '}' || *p == ']') {
      if (!depth) return p;
      if (!--depth) return p + 1;
    } else if (!depth && (*p == ',' || *p == ' ' || *p == '\n' ||
                          *p == '\t' || *p == '\r')) {
      return p;
    }
  }
  return depth ? NULL : p;
}

int lrs_pg_json_members(const char *s, lrs_pg_member **out, int *n) {
  *out = NULL;
  *n = 0;
  int cap = 0;
  const char *p = ws(s ? s : "{}");
  if (*p != '{') return -1;
  p = ws(p + 1);
  if (*p == '}') return 0;
  for (;;) {
    if (*p != '"') goto bad;
    lrs_pg_member m;
    m.k = p;
    if (!(p = str_end(p))) goto bad;
    m.kn = (size_t)(p - m.k);
    p = ws(p);
    if (*p != ':') goto bad;
    p = ws(p + 1);
    m.v = p;
    if (!(p = value_end(p)) || p == m.v) goto bad;
    m.vn = (size_t)(p - m.v);
    if (*n == cap) {
      int nc = cap ? cap * 2 : 16;
      lrs_pg_member *v = realloc(*out, (size_t)nc * sizeof *v);
      if (!v) goto bad;
      *out = v;
      cap = nc;
    }
    (*out)[(*n)++] = m;
    p = ws(p);
    if (*p == '}') return 0;
    if (*p != ',') goto bad;
    p = ws(p + 1);
  }
bad:
  free(*out);
  *out = NULL;
  *n = 0;
  return -1;
}

static int same_key(const lrs_pg_member *a, const lrs_pg_member *b) {
  return a->kn == b->kn && memcmp(a->k, b->k, a->kn) == 0;
}

static int is_null(const lrs_pg_member *m) {
  return m->vn == 4 && memcmp(m->v, "null", 4) == 0;
}

static void put(lr_buf *out, const lrs_pg_member *m, int *first) {
  if (!*first) lrb_addc(out, ',');
  *first = 0;
  lrb_add(out, m->k, m->kn);
  lrb_addc(out, ':');
  lrb_add(out, m->v, m->vn);
}

int lrs_pg_json_patch(lr_buf *out, const char *target, const char *patch) {
  lrs_pg_member *t = NULL, *p = NULL;
  int nt = 0, np = 0, first = 1;
  if (lrs_pg_json_members(target, &t, &nt) != 0 ||
      lrs_pg_json_members(patch, &p, &np) != 0) {
    free(t);
    return -1;
  }
  lrb_addc(out, '{');
  for (int i = 0; i < nt; i++) {            /* the target's keys, in place */
    const lrs_pg_member *m = &t[i];
    for (int j = np - 1; j >= 0; j--)
      if (same_key(&p[j], m)) { m = &p[j]; break; }
    if (m == &t[i] || !is_null(m)) put(out, m, &first);
  }
  for (int j = 0; j < np; j++) {            /* then the new ones */
    int seen = 0;
    for (int i = 0; i < nt && !seen; i++) seen = same_key(&t[i], &p[j]);
    for (int i = 0; i < j && !seen; i++) seen = same_key(&p[i], &p[j]);
    if (!seen && !is_null(&p[j])) put(out, &p[j], &first);
  }
  lrb_addc(out, '}');
  free(t);
  free(p);
  return 0;
}

static int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static unsigned u4(const char *s) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hex(s[i]);
    if (h < 0) return 0xFFFD;
    v = v * 16 + (unsigned)h;
  }
  return v;
}

static void utf8(lr_buf *b, unsigned c) {
  if (c < 0x80) {
    lrb_addc(b, (char)c);
  } else if (c < 0x800) {
    lrb_addc(b, (char)(0xC0 | c >> 6));
    lrb_addc(b, (char)(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    lrb_addc(b, (char)(0xE0 | c >> 12));
    lrb_addc(b, (char)(0x80 | (c >> 6 & 0x3F)));
    lrb_addc(b, (char)(0x80 | (c & 0x3F)));
  } else {
    lrb_addc(b, (char)(0xF0 | c >> 18));
    lrb_addc(b, (char)(0x80 | (c >> 12 & 0x3F)));
    lrb_addc(b, (char)(0x80 | (c >> 6 & 0x3F)));
    lrb_addc(b, (char)(0x80 | (c & 0x3F)));
  }
}

void lrs_pg_json_text(lr_buf *out, const char *s, size_t n) {
  if (n < 2 || s[0] != '"') {               /* not a string: as written */
    lrb_add(out, s, n);
    return;
  }
  const char *e = s + n - 1;
  for (const char *p = s + 1; p < e; p++) {
    if (*p != '\\' || p + 1 >= e) {
      lrb_addc(out, *p);
      continue;
    }
    char c = *++p;
    switch (c) {
      case 'n': lrb_addc(out, '\n'); break;
      case 't': lrb_addc(out, '\t'); break;
      case 'r': lrb_addc(out, '\r'); break;
      case 'b': lrb_addc(out, '\b'); break;
      case 'f': lrb_addc(out, '\f'); break;
      case 'u': {
        unsigned v = e - p > 4 ? u4(p + 1) : 0xFFFD;
        p += e - p > 4 ? 4 : 0;
        if (v >= 0xD800 && v < 0xDC00 && e - p > 6 && p[1] == '\\' &&
            p[2] == 'u') {
          unsigned lo = u4(p + 3);
          if (lo >= 0xDC00 && lo < 0xE000) {
            v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          }
        }
        utf8(out, v);
        break;
      }
      default: lrb_addc(out, c);              /* \" \\ \/ */
    }
  }
}
