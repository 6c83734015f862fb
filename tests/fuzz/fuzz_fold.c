/*
** fuzz_fold.c -- lr_fold_name on arbitrary bytes: never reads or writes
** out of bounds, and the documented shape holds: ASCII snake_case
** ([a-z0-9] words joined by single '_', none at either end), at most 63
** bytes, never a leading digit; folding is idempotent; a smaller buffer
** gets the same name cut short (without a dangling '_').
*/
#include <ctype.h>

#include "fuzz.h"
#include "leadrules.h"

static void check_shape(const char *s) {
  size_t n = strlen(s);
  FUZZ_CHECK(n <= 63);
  if (n == 0) return;
  FUZZ_CHECK(!isdigit((unsigned char)s[0]));
  FUZZ_CHECK(s[0] != '_' && s[n - 1] != '_');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (c == '_') FUZZ_CHECK(s[i + 1] != '_');
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *in = fuzz_cstr(data, size);
  char big[128], again[128];
  memset(big, 'Z', sizeof big);
  lr_fold_name(in, big, 64);
  FUZZ_CHECK(memchr(big, 0, 64) != NULL);
  FUZZ_CHECK(big[64] == 'Z');                  /* no write past n */
  check_shape(big);
  lr_fold_name(big, again, sizeof again);
  FUZZ_CHECK(strcmp(big, again) == 0);         /* idempotent */
  /* Small buffers: the same name, truncated, and nothing written past n. */
  for (size_t n = 0; n <= 8; n++) {
    char small[16];
    memset(small, 'Z', sizeof small);
    lr_fold_name(in, small, n);
    if (n == 0) {
      FUZZ_CHECK(small[0] == 'Z');
      continue;
    }
    FUZZ_CHECK(small[n] == 'Z');
    size_t len = strnlen(small, n);
    FUZZ_CHECK(len < n);
    size_t want = strlen(big) < n - 1 ? strlen(big) : n - 1;
    if (want && big[want - 1] == '_') want--;  /* a cut never ends in '_' */
    FUZZ_CHECK(len == want && memcmp(small, big, len) == 0);
  }
  free(in);
  return 0;
}
