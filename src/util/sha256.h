/* sha256.h -- SHA-256 (FIPS 180-4), for policy hashes recorded with runs. */
#ifndef LR_SHA256_H
#define LR_SHA256_H
#include <stddef.h>
/* Hex digest (64 chars + NUL) of data into out. */
void lr_sha256_hex(const void *data, size_t n, char out[65]);
#endif
