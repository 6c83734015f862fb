/*
** fuzz.h -- shared bits of the libFuzzer targets.  Each target defines
** LLVMFuzzerTestOneInput (and may define LLVMFuzzerInitialize); the same
** file links with libFuzzer (scripts/fuzz, clang) or with replay.c (ctest,
** any compiler), which feeds it every file of its corpus.
*/
#ifndef LR_FUZZ_H
#define LR_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the target checks failed: report and crash, so that
** libFuzzer saves the input and replay fails. */
#define FUZZ_CHECK(cond)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                     \
      abort();                                                            \
    }                                                                     \
  } while (0)

/* The input as a NUL-terminated string (cut at its first NUL); free it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s) abort();
  memcpy(s, data, size);
  s[size] = 0;
  return s;
}

#endif
