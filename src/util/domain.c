/*
** domain.c -- hosts for account matching (domain.h).
**
** The free-mail list is the one in stdlib/freemail.lua, which the build
** embeds (lr_stdlib[]): one list, which policies can read and extend,
** and which the importer reads here without Lua, as the quoted strings of
** its `M.domains = { ... }` table.
*/
#include "domain.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int host_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c >= 0x80;
}

static const char *find_n(const char *s, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(s + i, needle, k) == 0) return s + i;
  return NULL;
}

size_t lru_host(const char *s, size_t n, char *out, size_t cap) {
  while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  const char *scheme = find_n(s, n, "://");
  if (scheme) { n -= (size_t)(scheme + 3 - s); s = scheme + 3; }
  size_t end = 0;                     /* the authority: up to / ? # */
  while (end < n && s[end] != '/' && s[end] != '?' && s[end] != '#') end++;
  n = end;
  for (size_t i = n; i > 0; i--)      /* user:pass@ */
    if (s[i - 1] == '@') { s += i; n -= i; break; }
  for (size_t i = 0; i < n; i++)      /* :port */
    if (s[i] == ':') { n = i; break; }
  while (n && s[n - 1] == '.') n--;
  if (n >= 4 && (s[0] == 'w' || s[0] == 'W') && (s[1] == 'w' || s[1] == 'W') &&
      (s[2] == 'w' || s[2] == 'W') && s[3] == '.') { s += 4; n -= 4; }
  if (n == 0 || n + 1 > cap) return 0;
  int dot = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
    if (!host_char(c)) return 0;
    if (c == '.') dot = 1;
    out[i] = (char)c;
  }
  if (!dot || out[0] == '.') return 0;
  out[n] = '\0';
  return n;
}

size_t lru_email_domain(const char *s, size_t n, char *out, size_t cap) {
  size_t at = n;
  for (size_t i = n; i > 0; i--)
    if (s[i - 1] == '@') { at = i - 1; break; }
  if (at == n) return 0;
  const char *d = s + at + 1;
  size_t dn = n - at - 1;
  /* an email's domain is a bare host: no scheme, path or port */
  for (size_t i = 0; i < dn; i++)
    if (d[i] == '/' || d[i] == ':') return 0;
  return lru_host(d, dn, out, cap);
}

struct lr_stdlib_module { const char *name; const char *src; size_t len; };
extern const struct lr_stdlib_module lr_stdlib[];

static char **free_list;
static size_t free_n;
static pthread_once_t free_once = PTHREAD_ONCE_INIT;

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The quoted strings inside `M.domains = { ... }`. */
static void load_list(void) {
  const char *src = NULL;
  for (const struct lr_stdlib_module *m = lr_stdlib; m->name; m++)
    if (strcmp(m->name, "freemail") == 0) src = m->src;
  const char *p = src ? strstr(src, "M.domains = {") : NULL;
  const char *end = p ? strchr(p, '}') : NULL;
  if (!end) return;
  size_t cap = 0;
  while ((p = strchr(p, '"')) != NULL && p < end) {
    const char *q = strchr(p + 1, '"');
    if (!q || q > end) break;
    if (free_n == cap) {
      size_t nc = cap ? cap * 2 : 64;
      char **v = realloc(free_list, nc * sizeof *v);
      if (!v) return;
      free_list = v;
      cap = nc;
    }
    char *d = strndup(p + 1, (size_t)(q - p - 1));
    if (!d) return;
    free_list[free_n++] = d;
    p = q + 1;
  }
  qsort(free_list, free_n, sizeof *free_list, cmp);
}

int lru_is_freemail(const char *domain) {
  pthread_once(&free_once, load_list);
  if (!domain || !free_n) return 0;
  return bsearch(&domain, free_list, free_n, sizeof *free_list, cmp) != NULL;
}
