/*
** test_infer.c -- type inference never destroys data; numeric text;
** delimiter detection.
*/
#include <math.h>

#include "csv/csv.h"
#include "t.h"

static int kind(const char *s) {
  lrc_num n;
  return lrc_infer(s, strlen(s), &n);
}

static void test_integers(void) {
  lrc_num n;
  CHECK_INT(lrc_infer("42", 2, &n), LRC_INT);
  CHECK_INT(n.i, 42);
  CHECK_INT(lrc_infer("-7", 2, &n), LRC_INT);
  CHECK_INT(n.i, -7);
  CHECK_INT(lrc_infer("0", 1, &n), LRC_INT);
  CHECK_INT(n.i, 0);
  CHECK_INT(lrc_infer("9223372036854775807", 19, &n), LRC_INT);
  CHECK_INT(n.i, 9223372036854775807LL);
  CHECK_INT(lrc_infer("-9223372036854775808", 20, &n), LRC_INT);
  CHECK(n.i == (-9223372036854775807LL - 1));
  CHECK_INT(kind("9223372036854775808"), LRC_TEXT);    /* overflow */
  CHECK_INT(kind("-9223372036854775809"), LRC_TEXT);
  CHECK_INT(kind("99999999999999999999"), LRC_TEXT);
}

static void test_text_that_looks_numeric(void) {
  const char *text[] = {
    "02134", "000123", "+1 555 0100", "1E5", "1e5", "1.50", " 5", "5 ",
    "0x10", "inf", "-inf", "nan", "NaN", "-0", "+5", "1.", ".5", "-.5",
    "1,000", "1 000", "12a", "", "-", "0.", "5.0", "-0.0", "1e-7",
    "0.00001", "1.2.3", "--1", "0b101", "١٢٣",
  };
  for (size_t i = 0; i < sizeof text / sizeof *text; i++) {
    int k = kind(text[i]);
    if (k != LRC_TEXT && !(k == LRC_NULL && !*text[i])) {
      t_failed++;
      fprintf(stderr, "'%s' inferred as %d, expected text\n", text[i], k);
    } else {
      t_passed++;
    }
  }
}

static void test_reals(void) {
  lrc_num n;
  CHECK_INT(lrc_infer("3.5", 3, &n), LRC_REAL);
  CHECK(n.d == 3.5);
  CHECK_INT(lrc_infer("0.25", 4, &n), LRC_REAL);
  CHECK(n.d == 0.25);
  CHECK_INT(lrc_infer("-0.5", 4, &n), LRC_REAL);
  CHECK(n.d == -0.5);
  CHECK_INT(lrc_infer("0.1", 3, &n), LRC_REAL);
  CHECK(n.d == 0.1);
  CHECK_INT(lrc_infer("0.0001", 6, &n), LRC_REAL);
  CHECK(n.d == 0.0001);
  CHECK_INT(lrc_infer("13.75", 5, &n), LRC_REAL);
  CHECK(n.d == 13.75);
  CHECK_INT(lrc_infer("2.3333333333333", 15, &n), LRC_REAL);
  CHECK(n.d == strtod("2.3333333333333", NULL));
  /* more than 15 digits: the slow path decides */
  CHECK_INT(lrc_infer("123456789012345.5", 17, &n), LRC_REAL);
  CHECK(n.d == 123456789012345.5);
  CHECK_INT(kind("0.1000000000000000055511151231257827"), LRC_TEXT);
  CHECK_INT(kind("3.14159265358979323846"), LRC_TEXT);   /* not exact */
}

/* Every real inference keeps its text: the canonical form is the input. */
static void test_round_trip_property(void) {
  char buf[64], back[32];
  unsigned long long x = 88172645463325252ULL;
  int checked = 0, bad = 0;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    int digits = (int)(x % 9), frac = (int)((x >> 8) % 8);
    long long m = (long long)((x >> 16) % 100000000000ULL);
    if (i % 3 == 0) snprintf(buf, sizeof buf, "%lld", m);
    else snprintf(buf, sizeof buf, "%s%lld.%0*llu", (x & 1) ? "-" : "",
                  m % 10000000, frac + 1 + digits % 3,
                  (unsigned long long)((x >> 40) % 100000000ULL));
    lrc_num n;
    int k = lrc_infer(buf, strlen(buf), &n);
    if (k == LRC_INT) {
      snprintf(back, sizeof back, "%lld", n.i);
    } else if (k == LRC_REAL) {
      lrc_real_text(n.d, back);
      if (strtod(buf, NULL) != n.d) bad++;    /* exact conversion too */
    } else {
      continue;
    }
    checked++;
    if (strcmp(back, buf) != 0) {
      if (bad++ < 5) fprintf(stderr, "'%s' came back as '%s'\n", buf, back);
    }
  }
  CHECK(checked > 50000);
  CHECK_INT(bad, 0);
}

static void test_real_text(void) {
  char b[32];
  lrc_real_text(0.1, b);
  CHECK_STR(b, "0.1");
  lrc_real_text(2.5, b);
  CHECK_STR(b, "2.5");
  lrc_real_text(100.0, b);
  CHECK_STR(b, "100");
  lrc_real_text(1.0 / 3, b);
  CHECK_STR(b, "0.3333333333333333");
  CHECK(strtod(b, NULL) == 1.0 / 3);
  lrc_real_text(1e20, b);
  CHECK_STR(b, "1e+20");
}

static void test_parse_number(void) {
  double d;
  CHECK(lrc_parse_number("12.5", 4, &d) && d == 12.5);
  CHECK(lrc_parse_number(" 7 ", 3, &d) && d == 7);
  CHECK(lrc_parse_number("1e3", 3, &d) && d == 1000);
  CHECK(lrc_parse_number("-0.25", 5, &d) && d == -0.25);
  CHECK(!lrc_parse_number("abc", 3, &d));
  CHECK(!lrc_parse_number("1,000", 5, &d));
  CHECK(!lrc_parse_number("$5", 2, &d));
  CHECK(!lrc_parse_number("0x10", 4, &d));
  CHECK(!lrc_parse_number("inf", 3, &d));
  CHECK(!lrc_parse_number("nan", 3, &d));
  CHECK(!lrc_parse_number("", 0, &d));
  CHECK(!lrc_parse_number("5 5", 3, &d));
  CHECK(!lrc_parse_number("-", 1, &d));
  /* too large for a double: refused, never infinity */
  d = 7;
  CHECK_INT(lrc_parse_number("1e309", 5, &d), -1);
  CHECK_INT(lrc_parse_number("-1e309", 6, &d), -1);
  CHECK(d == 7);
  CHECK_INT(lrc_parse_number("1.7e308", 7, &d), 1);
  /* contacts cells: "1e309", "inf" and "nan" stay text (infer.c) */
  lrc_num num;
  CHECK_INT(lrc_infer("1e309", 5, &num), LRC_TEXT);
  CHECK_INT(lrc_infer("inf", 3, &num), LRC_TEXT);
  CHECK_INT(lrc_infer("nan", 3, &num), LRC_TEXT);
}

static char sniff(const char *s) { return lrc_sniff_delimiter(s, strlen(s)); }

static void test_sniff(void) {
  CHECK_INT(sniff("a,b,c\n1,2,3\n"), ',');
  CHECK_INT(sniff("a;b;c\n1;2;3\n"), ';');
  CHECK_INT(sniff("a\tb\tc\n"), '\t');
  CHECK_INT(sniff("single\n1\n"), ',');
  CHECK_INT(sniff("\"Name, Title\";Email;Phone\n"), ';');   /* quote-aware */
  CHECK_INT(sniff("\"a;b;c;d\",e\n"), ',');
  CHECK_INT(sniff("a;b,c\n"), ',');                          /* tie: comma */
  CHECK_INT(sniff("a;b\tc\td\n1;2;3;4;5;6\n"), '\t');        /* header only */
  CHECK_INT(sniff("a;b;c"), ';');                            /* no newline */
  CHECK_INT(sniff("\"multi\nline\";b;c\r\n"), ';');
  CHECK_INT(lrc_first_record_end("a,b\r\nc", 6), 5);
  CHECK_INT(lrc_first_record_end("a,b\nc", 5), 4);
  CHECK_INT(lrc_first_record_end("\"a\nb\",c\nd", 9), 8);
  CHECK_INT(lrc_first_record_end("a,b", 3), 0);
  CHECK_INT(lrc_first_record_end("a,b\r", 4), 0);            /* LF may follow */
}

static void test_utf8(void) {
  long long lines = 0;
  size_t bad = 99;
  const char *ok = "plain ascii text, long enough for the fast path";
  CHECK_INT(lrc_utf8_check((const unsigned char *)ok, strlen(ok), &lines, &bad), 0);
  const char *multi = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 ok";
  CHECK_INT(lrc_utf8_check((const unsigned char *)multi, strlen(multi), &lines, &bad), 0);
  const char *latin = "caf\xE9 au lait";
  CHECK_INT(lrc_utf8_check((const unsigned char *)latin, strlen(latin), &lines, &bad), 1);
  CHECK_INT(bad, 3);
  const char overlong[] = "ab\xC0\xAF";
  CHECK_INT(lrc_utf8_check((const unsigned char *)overlong, 4, &lines, &bad), 1);
  const char surrogate[] = "\xED\xA0\x80";
  CHECK_INT(lrc_utf8_check((const unsigned char *)surrogate, 3, &lines, &bad), 1);
  const char cut[] = "ab\xE2\x82";
  CHECK_INT(lrc_utf8_check((const unsigned char *)cut, 4, &lines, &bad), 1);
  const char nul[] = "abcdefghij\0klm";
  CHECK_INT(lrc_utf8_check((const unsigned char *)nul, 14, &lines, &bad), 1);
  CHECK_INT(bad, 10);
  lines = 0;
  const char *nl = "one\ntwo\r\nthree\rfour";
  CHECK_INT(lrc_utf8_check((const unsigned char *)nl, strlen(nl), &lines, &bad), 0);
  CHECK_INT(lines, 3);
}

int main(void) {
  test_integers();
  test_text_that_looks_numeric();
  test_reals();
  test_round_trip_property();
  test_real_text();
  test_parse_number();
  test_sniff();
  test_utf8();
  return t_done();
}
