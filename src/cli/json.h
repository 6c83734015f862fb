/* json.h -- JSON output helpers for the CLI. */
#ifndef LR_CLI_JSON_H
#define LR_CLI_JSON_H
#include <stdio.h>
/* A JSON string (null for NULL); control chars and bad UTF-8 escaped. */
void cli_json_str(FILE *f, const char *s);
/* A JSON number (integers without a fraction; null for NaN/inf). */
void cli_json_num(FILE *f, double d);
/* Format unix seconds as ISO-8601 UTC ("2026-11-01T00:00:00Z"). */
void cli_iso(long long t, char *buf, size_t n);
#endif
