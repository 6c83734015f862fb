/*
** infer.c -- type inference that never destroys data.
**
** A cell becomes a number only when the number converts back to exactly
** the same text: "42", "-7", "3.5", "0.25" are numbers; "02134", "000123",
** "+1 555 0100", "1E5", "1.50", " 5", "0x10", "-0", "inf" and "nan" keep
** their text.  The canonical text of a real is the shortest of %.15g,
** %.16g and %.17g that reads back to the same double; export writes reals
** that way, so an export re-imports to the same values.
*/
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Numbers are read and written in the C locale whatever the embedding
** program chose with setlocale(): "3.5" must never become "3,5".  One
** immutable locale object, made once; uselocale() switches only the
** calling thread, and only around the conversion. */
static locale_t c_numeric;
static pthread_once_t c_once = PTHREAD_ONCE_INIT;
static void make_c(void) { c_numeric = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static locale_t enter_c(void) {
  pthread_once(&c_once, make_c);
  return c_numeric ? uselocale(c_numeric) : (locale_t)0;
}

static void leave_c(locale_t old) {
  if (old) uselocale(old);
}

static const double POW10[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
  1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

int lrc_real_text(double d, char *buf) {
  locale_t old = enter_c();
  /* Literal precisions: the longest output ("-1.2345678901234567e-308",
  ** 24 bytes) visibly fits the 32 bytes the callers give. */
  snprintf(buf, 32, "%.15g", d);
  if (strtod(buf, NULL) != d) snprintf(buf, 32, "%.16g", d);
  if (strtod(buf, NULL) != d) snprintf(buf, 32, "%.17g", d);
  leave_c(old);
  return (int)strlen(buf);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int lrc_infer(const char *s, size_t n, lrc_num *out) {
  if (n == 0) return LRC_NULL;
  size_t i = (s[0] == '-');
  if (i == n || !is_digit(s[i])) return LRC_TEXT;
  /* Integer part: "0" or no leading zero. */
  size_t int_start = i;
  if (s[i] == '0') i++;
  else while (i < n && is_digit(s[i])) i++;
  size_t int_digits = i - int_start;
  if (i == n) {
    if (int_digits > 19 || (s[int_start] == '0' && int_start == 1))
      return LRC_TEXT;                       /* too long, or "-0" */
    unsigned long long v = 0;
    for (size_t k = int_start; k < n; k++) v = v * 10 + (unsigned)(s[k] - '0');
    if (int_start ? v > 9223372036854775808ULL : v > 9223372036854775807ULL)
      return LRC_TEXT;
    out->i = int_start ? (long long)(0 - v) : (long long)v;
    return LRC_INT;
  }
  if (s[i] != '.' || i + 1 == n) return LRC_TEXT;
  size_t frac_start = ++i;
  while (i < n && is_digit(s[i])) i++;
  if (i != n || s[n - 1] == '0') return LRC_TEXT;   /* junk, or "1.50" */
  /* Fast path: at most 15 significant digits in fixed notation convert
  ** exactly (mantissa < 2^53, one correctly rounded division) and print
  ** back identically with %.15g. */
  int zeros = 0, sig = 0;
  unsigned long long m = 0;
  int leading = (s[int_start] == '0');
  for (size_t k = int_start; k < n; k++) {
    if (s[k] == '.') continue;
    if (leading && s[k] == '0') {
      if (k >= frac_start) zeros++;
      continue;
    }
    leading = 0;
    if (++sig > 15) break;
    m = m * 10 + (unsigned)(s[k] - '0');
  }
  size_t frac_digits = n - frac_start;
  if (sig <= 15 && zeros <= 3 && frac_digits <= 22) {
    double d = (double)m / POW10[frac_digits];
    out->d = int_start ? -d : d;
    return LRC_REAL;
  }
  /* Slow path: convert and compare the canonical text. */
  char tmp[40], back[32];
  if (n >= sizeof tmp) return LRC_TEXT;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  locale_t old = enter_c();
  double d = strtod(tmp, NULL);
  leave_c(old);
  lrc_real_text(d, back);
  if (strcmp(back, tmp) != 0) return LRC_TEXT;
  out->d = d;
  return LRC_REAL;
}

/* A space that groups digits: ' ', NBSP (U+00A0), narrow NBSP (U+202F),
** or the Swiss apostrophe: its length in bytes, or 0. */
static size_t group_space(const char *s, size_t n) {
  if (n >= 1 && (*s == ' ' || *s == '\'')) return 1;
  if (n >= 2 && memcmp(s, "\xC2\xA0", 2) == 0) return 2;
  if (n >= 3 && memcmp(s, "\xE2\x80\xAF", 3) == 0) return 3;
  return 0;
}

/* Bytes of a currency sign or a common ISO code (USD) at the start of
** s[0..n), or at its end (at_end), with a space between it and the
** number. */
static size_t currency(const char *s, size_t n, int at_end) {
  static const char *const SIGNS[] = { "$", "\xE2\x82\xAC", "\xC2\xA3",
                                       "\xC2\xA5", "\xE2\x82\xB9", NULL };
  size_t len = 0;
  for (int i = 0; SIGNS[i] && !len; i++) {
    size_t m = strlen(SIGNS[i]);
    if (n >= m && memcmp(at_end ? s + n - m : s, SIGNS[i], m) == 0) len = m;
  }
  static const char CODES[] = "USD EUR GBP JPY CHF CAD AUD NZD INR CNY HKD "
                              "SGD SEK NOK DKK PLN CZK BRL MXN ZAR";
  for (size_t i = 0; !len && n >= 3 && i + 3 <= sizeof CODES - 1; i += 4)
    if (memcmp(at_end ? s + n - 3 : s, CODES + i, 3) == 0) len = 3;
  if (len && len < n && (at_end ? s[n - len - 1] : s[len]) == ' ') len++;
  return len;
}

int lrc_parse_amount(const char *s, size_t n, double *out) {
  int plain = lrc_parse_number(s, n, out);
  if (plain != 0) return plain;
  while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  int neg = n && *s == '-';
  if (neg) { s++; n--; }
  size_t c = currency(s, n, 0);
  s += c;
  n -= c;
  if (!c) n -= currency(s, n, 1);
  if (!neg && c && n && *s == '-') { neg = 1; s++; n--; }
  /* Runs of digits between marks ('.', ',' or a grouping space). */
  enum { MAXRUN = 12 };
  size_t start[MAXRUN], len[MAXRUN];
  char mark[MAXRUN + 1];             /* mark[i]: before run i (i > 0) */
  int runs = 0;
  for (size_t i = 0; i < n;) {
    if (runs == MAXRUN) return 0;
    start[runs] = i;
    while (i < n && is_digit(s[i])) i++;
    len[runs] = i - start[runs];
    if (!len[runs]) return 0;
    runs++;
    if (i == n) break;
    size_t g = (s[i] == '.' || s[i] == ',') ? 1 : group_space(s + i, n - i);
    if (!g || i + g == n) return 0;
    mark[runs] = g == 1 && s[i] != '\'' ? s[i] : ' ';
    i += g;
  }
  if (runs == 0 || (runs == 1 && !c)) return 0;
  /* The decimal mark: the last mark when it is '.' or ',' and differs
  ** from the others (which group); a single '.' or ',' before three
  ** digits could be either. */
  int last = runs - 1, dec = 0;
  if (last > 0 && mark[last] != ' ') {
    int same = 1;
    for (int i = 1; i < last; i++) same &= mark[i] == mark[last];
    if (last == 1 && len[1] == 3 && len[0] <= 3 && s[start[0]] != '0')
      return LRC_AMBIGUOUS;
    dec = last == 1 || !same;
    for (int i = 1; dec && i < last; i++)
      if (mark[i] == mark[last]) return 0;
  }
  int whole = dec ? last : runs;       /* runs of the integer part */
  for (int i = 1; i < whole; i++)
    if (mark[i] != mark[1] || len[i] != 3) return 0;
  if (whole > 1 && (len[0] > 3 || s[start[0]] == '0')) return 0;
  char tmp[80];
  size_t k = 0;
  if (neg) tmp[k++] = '-';
  for (int i = 0; i < whole; i++)
    for (size_t j = 0; j < len[i] && k < sizeof tmp - 2; j++)
      tmp[k++] = s[start[i] + j];
  if (dec) tmp[k++] = '.';
  for (size_t j = 0; dec && j < len[last] && k < sizeof tmp - 1; j++)
    tmp[k++] = s[start[last] + j];
  if (k >= sizeof tmp - 2) return 0;
  return lrc_parse_number(tmp, k, out);
}

int lrc_parse_number(const char *s, size_t n, double *out) {
  while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (n == 0 || n >= 64) return 0;
  char tmp[64];
  int digits = 0;
  for (size_t k = 0; k < n; k++) {
    char c = s[k];
    if (is_digit(c)) digits++;
    else if (!strchr("+-.eE", c)) return 0;   /* no hex, inf, nan, commas */
    tmp[k] = c;
  }
  tmp[n] = '\0';
  if (!digits) return 0;
  char *end;
  locale_t old = enter_c();
  double d = strtod(tmp, &end);
  leave_c(old);
  if (*end) return 0;
  if (isinf(d)) return -1;
  *out = d;
  return 1;
}
