/*
** version.c -- library version and result-code texts.
*/
#include "../leadrules.h"

const char *lr_libversion(void) { return LR_VERSION; }

int lr_libversion_number(void) { return LR_VERSION_NUMBER; }

const char *lr_errstr(int rc) {
  static const char *const text[] = {
    "not an error", "error", "library misuse", "not found",
    "database is locked", "out of memory", "policy error",
    "sandbox limit exceeded", "bad input", "not a leadrules database",
    "database schema is newer than this build", "I/O error", "interrupted",
    "read-only", "database is corrupt", "disk full", "tests failed",
  };
  if (rc < 0 || rc >= (int)(sizeof text / sizeof *text)) return "unknown error";
  return text[rc];
}
