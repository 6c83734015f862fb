/*
** oracle.h -- checks the fuzz targets (and tests) apply to what leadrules
** writes: a database digest (atomicity: a failed call leaves it
** unchanged), a JSON validator (export --json, run --json), and the CSV
** export's formula neutralisation.
*/
#ifndef LR_ORACLE_H
#define LR_ORACLE_H

#include <csv.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a over the schema and every row of every table, in rowid/key order
** as SELECT * gives it with ORDER BY 1..n. */
static inline void or_fnv(uint64_t *h, const void *p, size_t n) {
  const unsigned char *u = p;
  for (size_t i = 0; i < n; i++) {
    *h ^= u[i];
    *h *= 1099511628211ULL;
  }
}

static inline uint64_t or_digest(sqlite3 *db) {
  uint64_t h = 14695981039346656037ULL;
  sqlite3_stmt *tabs = NULL;
  if (sqlite3_prepare_v2(db, "SELECT type, name, coalesce(sql,'') FROM "
                         "sqlite_schema ORDER BY type, name", -1, &tabs,
                         NULL) != SQLITE_OK)
    return 0;
  while (sqlite3_step(tabs) == SQLITE_ROW) {
    const char *type = (const char *)sqlite3_column_text(tabs, 0);
    const char *name = (const char *)sqlite3_column_text(tabs, 1);
    const char *sql = (const char *)sqlite3_column_text(tabs, 2);
    or_fnv(&h, name, strlen(name) + 1);
    or_fnv(&h, sql, strlen(sql) + 1);
    if (strcmp(type, "table") != 0) continue;
    char *q = sqlite3_mprintf("SELECT * FROM \"%w\"", name);
    sqlite3_stmt *rows = NULL;
    if (q && sqlite3_prepare_v2(db, q, -1, &rows, NULL) == SQLITE_OK) {
      int nc = sqlite3_column_count(rows);
      while (sqlite3_step(rows) == SQLITE_ROW) {
        for (int i = 0; i < nc; i++) {
          int t = sqlite3_column_type(rows, i);
          or_fnv(&h, &t, sizeof t);
          const void *b = sqlite3_column_blob(rows, i);
          int n = sqlite3_column_bytes(rows, i);
          if (b && n > 0) or_fnv(&h, b, (size_t)n);
        }
      }
    }
    sqlite3_finalize(rows);
    sqlite3_free(q);
  }
  sqlite3_finalize(tabs);
  return h;
}

/* ---- JSON: RFC 8259 syntax, strings valid UTF-8 without raw controls -- */
typedef struct or_json { const unsigned char *p, *end; int depth; } or_json;

static inline void or_ws(or_json *j) {
  while (j->p < j->end &&
         (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
    j->p++;
}

static inline int or_utf8(or_json *j) {   /* one multibyte sequence */
  unsigned c = *j->p;
  int len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
          : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (!len || j->end - j->p < len) return 0;
  unsigned long v = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (int i = 1; i < len; i++) {
    if ((j->p[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (j->p[i] & 0x3F);
  }
  if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  j->p += len;
  return 1;
}

static inline int or_str(or_json *j) {
  if (j->p >= j->end || *j->p != '"') return 0;
  j->p++;
  while (j->p < j->end && *j->p != '"') {
    unsigned c = *j->p;
    if (c < 0x20) return 0;
    if (c == '\\') {
      j->p++;
      if (j->p >= j->end) return 0;
      c = *j->p++;
      if (c == 'u') {
        for (int i = 0; i < 4; i++, j->p++)
          if (j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p) ||
              !*j->p)
            return 0;
      } else if (!strchr("\"\\/bfnrt", (int)c) || !c) {
        return 0;
      }
    } else if (c >= 0x80) {
      if (!or_utf8(j)) return 0;
    } else {
      j->p++;
    }
  }
  if (j->p >= j->end) return 0;
  j->p++;
  return 1;
}

static inline int or_value(or_json *j);

static inline int or_num(or_json *j) {
  const unsigned char *s = j->p;
  if (j->p < j->end && *j->p == '-') j->p++;
  if (j->p >= j->end) return 0;
  if (*j->p == '0') j->p++;
  else if (*j->p >= '1' && *j->p <= '9')
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  else return 0;
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return 0;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  return j->p > s;
}

static inline int or_lit(or_json *j, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) return 0;
  j->p += n;
  return 1;
}

static inline int or_value(or_json *j) {
  or_ws(j);
  if (j->p >= j->end || ++j->depth > 200) return 0;
  int ok;
  unsigned c = *j->p;
  if (c == '{' || c == '[') {
    unsigned close = c == '{' ? '}' : ']';
    j->p++;
    or_ws(j);
    ok = 1;
    if (j->p < j->end && *j->p == close) {
      j->p++;
    } else {
      for (;;) {
        if (c == '{') {
          or_ws(j);
          if (!or_str(j)) { ok = 0; break; }
          or_ws(j);
          if (j->p >= j->end || *j->p++ != ':') { ok = 0; break; }
        }
        if (!or_value(j)) { ok = 0; break; }
        or_ws(j);
        if (j->p < j->end && *j->p == ',') { j->p++; continue; }
        if (j->p < j->end && *j->p == close) { j->p++; break; }
        ok = 0;
        break;
      }
    }
  } else if (c == '"') {
    ok = or_str(j);
  } else if (c == 't') {
    ok = or_lit(j, "true");
  } else if (c == 'f') {
    ok = or_lit(j, "false");
  } else if (c == 'n') {
    ok = or_lit(j, "null");
  } else {
    ok = or_num(j);
  }
  j->depth--;
  return ok;
}

/* 1 when s[0..n) is one JSON value (with surrounding whitespace). */
static inline int or_json_valid(const char *s, size_t n) {
  or_json j = { (const unsigned char *)s, (const unsigned char *)s + n, 0 };
  if (!or_value(&j)) return 0;
  or_ws(&j);
  return j.p == j.end;
}

/* ---- CSV export: no cell a spreadsheet would run as a formula -------- */
typedef struct or_csv { int bad; char why[160]; } or_csv;

static inline void or_csv_cell(void *s, size_t n, void *ctx) {
  or_csv *c = ctx;
  const char *p = s;
  if (c->bad || n == 0 || !p) return;
  if (strchr("=+@\t\r", p[0]) && p[0]) {
    c->bad = 1;
  } else if (p[0] == '-') {              /* only a number may start so */
    char tmp[64];
    if (n >= sizeof tmp) {
      c->bad = 1;
    } else {
      memcpy(tmp, p, n);
      tmp[n] = 0;
      char *end;
      double d = strtod(tmp, &end);
      if (*end || !isfinite(d)) c->bad = 1;
    }
  }
  if (c->bad) {
    size_t k = n < 60 ? n : 60;
    memcpy(c->why, p, k);
    c->why[k] = 0;
  }
}

/* 1 when every cell of the CSV text (header included) is safe to open in
** a spreadsheet; *why gets the first bad cell. */
static inline int or_csv_safe(const char *s, size_t n, const char **why) {
  struct csv_parser p;
  or_csv c = { 0, "" };
  if (csv_init(&p, 0) != 0) return 0;
  csv_parse(&p, s, n, or_csv_cell, NULL, &c);
  csv_fini(&p, or_csv_cell, NULL, &c);
  csv_free(&p);
  static char last[160];
  memcpy(last, c.why, sizeof last);
  if (why) *why = last;
  return !c.bad;
}

#endif
