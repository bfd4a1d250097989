/* fingerprint.h - the file fingerprint that keys the import ledger: the
 * SHA-256 (FIPS 180-4) of the file's bytes, in lower-case hex, computed by
 * nettle. */
#ifndef SL_LOAD_FINGERPRINT_H
#define SL_LOAD_FINGERPRINT_H

#include "base/err.h"
#include <stddef.h>

/* Hex length of a fingerprint, without the NUL. */
#define SL_FINGERPRINT_HEX 64

/* Hashes len bytes at p into out (64 hex characters + NUL). */
void sl_fingerprint_mem(const void *p, size_t len, char out[SL_FINGERPRINT_HEX + 1]);
/* Hashes the whole file at path into out; 0, or SL_EIO with errno kept
 * (out is then untouched). */
int sl_fingerprint_file(const char *path, char out[SL_FINGERPRINT_HEX + 1]);

#endif
