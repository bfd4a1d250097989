/* sha256.h - SHA-256 (FIPS 180-4), for the file fingerprint of the import
 * ledger. Written here because none of the libraries we link exports one
 * (libpq and SQLite keep theirs internal; zlib, libzip, expat, jansson and
 * libdeflate have none), and one small file beats a crypto dependency. */
#ifndef SL_BASE_SHA256_H
#define SL_BASE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sl_sha256 {
    uint32_t h[8];
    uint64_t nbytes;
    unsigned char block[64];
    size_t fill; /* bytes in block */
};

void sl_sha256_init(struct sl_sha256 *s);
void sl_sha256_update(struct sl_sha256 *s, const void *p, size_t n);
/* Writes 32 bytes; s must be initialised again before reuse. */
void sl_sha256_final(struct sl_sha256 *s, unsigned char out[32]);
/* Lower-case hex of a digest: 64 characters + NUL. */
void sl_sha256_hex(const unsigned char digest[32], char out[65]);
/* Hashes a whole file into hex; 0 or SL_EIO (errno kept). */
int sl_sha256_file(const char *path, char out[65]);

#endif
