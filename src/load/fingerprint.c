/* fingerprint.c - SHA-256 of a file or a buffer, by nettle. */
#include <errno.h>
#include <stdio.h>

#include <nettle/sha2.h>

#include "base/err.h"
#include "load/fingerprint.h"

static void hex(const struct sha256_ctx *c, char out[SL_FINGERPRINT_HEX + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char d[SHA256_DIGEST_SIZE];
    sha256_digest((struct sha256_ctx *)c, sizeof d, d);
    for (size_t i = 0; i < sizeof d; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[SL_FINGERPRINT_HEX] = '\0';
}

void sl_fingerprint_mem(const void *p, size_t len, char out[SL_FINGERPRINT_HEX + 1])
{
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, len, p);
    hex(&c, out);
}

int sl_fingerprint_file(const char *path, char out[SL_FINGERPRINT_HEX + 1])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return SL_EIO;
    struct sha256_ctx c;
    unsigned char buf[65536];
    size_t n;
    sha256_init(&c);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&c, n, buf);
    int bad = ferror(f), saved = errno;
    fclose(f);
    if (bad) {
        errno = saved;
        return SL_EIO;
    }
    hex(&c, out);
    return 0;
}
