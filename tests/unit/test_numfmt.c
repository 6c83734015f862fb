/*
** test_numfmt.c -- numbers for people (util/numfmt.c).
*/
#include <math.h>

#include "util/numfmt.h"
#include "t.h"

static void test_count(void) {
  char b[LRU_NUM_SIZE];
  CHECK_STR(lru_fmt_count(b, sizeof b, 0), "0");
  CHECK_STR(lru_fmt_count(b, sizeof b, 999), "999");
  CHECK_STR(lru_fmt_count(b, sizeof b, 1000), "1,000");
  CHECK_STR(lru_fmt_count(b, sizeof b, 9240), "9,240");
  CHECK_STR(lru_fmt_count(b, sizeof b, 123456), "123,456");
  CHECK_STR(lru_fmt_count(b, sizeof b, 1234567), "1,234,567");
  CHECK_STR(lru_fmt_count(b, sizeof b, -1234567), "-1,234,567");
  CHECK_STR(lru_fmt_count(b, sizeof b, -999), "-999");
  CHECK_STR(lru_fmt_count(b, sizeof b, -9223372036854775807LL - 1),
            "-9,223,372,036,854,775,808");
  char small[4];
  CHECK_STR(lru_fmt_count(small, sizeof small, 12345), "12,");  /* truncated */
}

static void test_percent(void) {
  char b[LRU_NUM_SIZE];
  CHECK_STR(lru_fmt_percent(b, sizeof b, 0.38539), "38.5%");
  CHECK_STR(lru_fmt_percent(b, sizeof b, 1), "100.0%");
  CHECK_STR(lru_fmt_percent(b, sizeof b, 0), "0.0%");
  CHECK_STR(lru_fmt_percent(b, sizeof b, 0.00049), "0.0%");
  CHECK_STR(lru_fmt_percent(b, sizeof b, -0.0), "0.0%");
  CHECK_STR(lru_fmt_percent(b, sizeof b, NAN), "-");
}

static void test_amount(void) {
  char b[LRU_NUM_SIZE];
  CHECK_STR(lru_fmt_amount(b, sizeof b, 12345.6, NULL), "12,345.60");
  CHECK_STR(lru_fmt_amount(b, sizeof b, 12345.6, "EUR"), "12,345.60 EUR");
  CHECK_STR(lru_fmt_amount(b, sizeof b, 12345.6, ""), "12,345.60");
  CHECK_STR(lru_fmt_amount(b, sizeof b, 0.005, NULL), "0.01");
  CHECK_STR(lru_fmt_amount(b, sizeof b, 999.999, NULL), "1,000.00");
  CHECK_STR(lru_fmt_amount(b, sizeof b, -1500, "USD"), "-1,500.00 USD");
  CHECK_STR(lru_fmt_amount(b, sizeof b, -0.001, NULL), "0.00");
  CHECK_STR(lru_fmt_amount(b, sizeof b, 0, NULL), "0.00");
  CHECK_STR(lru_fmt_amount(b, sizeof b, NAN, "EUR"), "-");
  CHECK_STR(lru_fmt_amount(b, sizeof b, 1e20, NULL), "1e+20");
}

int main(void) {
  test_count();
  test_percent();
  test_amount();
  return t_done();
}
