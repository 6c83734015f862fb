/*
** fold.c -- CSV headers to field names: snake_case ASCII.
**
** "Total Time Spent on Website" -> "total_time_spent_on_website".  ASCII
** letters are lower-cased (no camelCase splitting: "TotalVisits" ->
** "totalvisits", "LinkedIn" -> "linkedin"), digits kept, apostrophes
** dropped ("Lead's" -> "leads"), '%' '#' '&' read as words (pct, num, and),
** Latin letters with accents transliterated ("Größe" -> "grosse"), and
** every other character is a separator; runs of separators become one
** '_', with none at either end.  A name that would start with a digit gets
** an "x_" prefix; names are cut at LRC_NAME_MAX bytes.  Characters of other
** scripts are separators too, so a header with no Latin letters or digits
** folds to "" and the importer names it column_N.
*/
#include <string.h>

#include "csv.h"

/* U+00C0..U+00FF: one ASCII letter each; '*' separator; digits index
** MULTI for letters that become two. */
static const char LATIN1[] =
  "aaaaaa0ceeeeiiiidnooooo*ouuuuy12"
  "aaaaaa0ceeeeiiiidnooooo*ouuuuy1y";
/* U+0100..U+017F (Latin Extended-A). */
static const char LATINA[] =
  "aaaaaa" "cccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh"     /* 0100 */
  "iiiiiiiiii" "33" "jj" "kkk" "llllllllll" "nnnnnnnnn"        /* 0128 */
  "oooooo" "44" "rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu"    /* 014C */
  "ww" "yyy" "zzzzzz" "s";                                     /* 0174 */
_Static_assert(sizeof LATIN1 == 65 && sizeof LATINA == 129, "tables");
static const char *const MULTI[] = { "ae", "th", "ss", "ij", "oe" };

typedef struct out {
  char *buf;
  size_t n, cap;   /* cap: usable bytes (excluding the NUL) */
  int sep;         /* a separator is pending */
} out;

static void put(out *o, const char *s) {
  if (o->sep && o->n > 0 && o->n < o->cap) o->buf[o->n++] = '_';
  o->sep = 0;
  for (; *s && o->n < o->cap; s++) o->buf[o->n++] = *s;
}

/* Decode one UTF-8 sequence; returns its length, *cp = -1 if invalid. */
static size_t decode(const unsigned char *s, long *cp) {
  unsigned c = s[0];
  size_t len;
  long v;
  if (c < 0x80) { *cp = c; return 1; }
  if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; }
  else { *cp = -1; return 1; }
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) { *cp = -1; return i; }
    v = (v << 6) | (s[i] & 0x3F);
  }
  *cp = v;
  return len;
}

static const char *translit(long cp, char one[2]) {
  char c = 0;
  if (cp >= 0xC0 && cp <= 0xFF) c = LATIN1[cp - 0xC0];
  else if (cp >= 0x100 && cp <= 0x17F) c = LATINA[cp - 0x100];
  if (!c || c == '*') return NULL;
  if (c >= '0' && c <= '9') return MULTI[c - '0'];
  one[0] = c;
  one[1] = '\0';
  return one;
}

void lr_fold_name(const char *header, char *buf, size_t n) {
  if (!buf || n == 0) return;
  buf[0] = '\0';
  if (!header) return;
  char tmp[LRC_NAME_MAX + 1];
  out o = { tmp, 0, LRC_NAME_MAX, 0 };
  const unsigned char *s = (const unsigned char *)header;
  while (*s && o.n < o.cap) {
    long cp;
    size_t len = decode(s, &cp);
    s += len;
    char one[2];
    const char *t;
    if (cp >= 'A' && cp <= 'Z') {
      one[0] = (char)(cp - 'A' + 'a'); one[1] = 0; put(&o, one);
    } else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
      one[0] = (char)cp; one[1] = 0; put(&o, one);
    } else if (cp == '\'' || cp == 0x2019 || (cp >= 0x300 && cp <= 0x36F)) {
      /* apostrophes and combining accents join, they do not separate */
    } else if (cp == '%' || cp == '#' || cp == '&') {
      o.sep = 1;
      put(&o, cp == '%' ? "pct" : cp == '#' ? "num" : "and");
      o.sep = 1;
    } else if ((t = translit(cp, one)) != NULL) {
      put(&o, t);
    } else {
      o.sep = 1;
    }
  }
  while (o.n > 0 && tmp[o.n - 1] == '_') o.n--;
  tmp[o.n] = '\0';
  const char *prefix = (o.n > 0 && tmp[0] >= '0' && tmp[0] <= '9') ? "x_" : "";
  size_t pl = strlen(prefix), len = o.n;
  if (pl + len > LRC_NAME_MAX) len = LRC_NAME_MAX - pl;
  while (len > 0 && tmp[len - 1] == '_') len--;
  size_t k = 0;
  for (size_t i = 0; i < pl && k + 1 < n; i++) buf[k++] = prefix[i];
  for (size_t i = 0; i < len && k + 1 < n; i++) buf[k++] = tmp[i];
  while (k > 0 && buf[k - 1] == '_') k--;
  buf[k] = '\0';
}

/*
** Common CRM export headers for the well-known fields (Salesforce,
** HubSpot, Zoho, Pipedrive spellings), by folded name.  Only headers
** that cannot mean anything else are here; an alias applies only when no
** other column of the file already is that field (see header.c).
*/
static const struct { const char *from, *to; } ALIASES[] = {
  {"email_address", "email"}, {"e_mail", "email"},
  {"e_mail_address", "email"}, {"email_id", "email"},
  {"firstname", "first_name"}, {"given_name", "first_name"},
  {"forename", "first_name"},
  {"lastname", "last_name"}, {"surname", "last_name"},
  {"family_name", "last_name"},
  {"company_name", "company"}, {"organization", "company"},
  {"organisation", "company"}, {"organization_name", "company"},
  {"organisation_name", "company"}, {"account_name", "company"},
  {"job_title", "title"}, {"jobtitle", "title"},
  {"country_region", "country"}, {"country_name", "country"},
  {"number_of_employees", "company_size"}, {"employees", "company_size"},
  {"employee_count", "company_size"}, {"no_of_employees", "company_size"},
  {"num_employees", "company_size"},
  {"lead_source", "source"}, {"original_source", "source"},
  {"created_date", "created_at"}, {"create_date", "created_at"},
  {"created", "created_at"}, {"created_on", "created_at"},
  {"date_created", "created_at"}, {"created_time", "created_at"},
  {"creation_date", "created_at"}, {"createddate", "created_at"},
};

const char *lrc_alias(const char *folded) {
  for (size_t i = 0; i < sizeof ALIASES / sizeof *ALIASES; i++)
    if (strcmp(folded, ALIASES[i].from) == 0) return ALIASES[i].to;
  return NULL;
}
