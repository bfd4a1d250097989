/* test_load_fingerprint - the ledger's file fingerprint is SHA-256: the
 * known-answer vectors of FIPS 180-4 (NIST's example messages "abc", the
 * empty message, the 448- and 896-bit messages and one million 'a'), hashed
 * from memory and from a file; a missing file is SL_EIO. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/err.h"
#include "load/fingerprint.h"
#include "test.h"

struct kat {
    const char *msg;
    const char *digest;
};

static const struct kat kats[] = {
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnop"
     "qrsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
};
static const char *million_a = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

static char tmp[64];

static void write_file(const void *p, size_t n)
{
    snprintf(tmp, sizeof tmp, "/tmp/sl-fp.XXXXXX");
    int fd = mkstemp(tmp);
    T_OK(fd >= 0);
    T_EQ_INT(write(fd, p, n), (long long)n);
    close(fd);
}

static void test_vectors(void)
{
    char out[SL_FINGERPRINT_HEX + 1];
    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        sl_fingerprint_mem(kats[i].msg, strlen(kats[i].msg), out);
        T_EQ_STR(out, kats[i].digest);
        write_file(kats[i].msg, strlen(kats[i].msg));
        T_EQ_INT(sl_fingerprint_file(tmp, out), 0);
        T_EQ_STR(out, kats[i].digest);
        unlink(tmp);
    }
}

/* One million 'a': longer than the file reader's buffer, so the digest
 * spans several updates. */
static void test_million(void)
{
    size_t n = 1000000;
    char *a = malloc(n), out[SL_FINGERPRINT_HEX + 1];
    T_OK(a);
    memset(a, 'a', n);
    sl_fingerprint_mem(a, n, out);
    T_EQ_STR(out, million_a);
    write_file(a, n);
    T_EQ_INT(sl_fingerprint_file(tmp, out), 0);
    T_EQ_STR(out, million_a);
    unlink(tmp);
    free(a);
}

static void test_missing(void)
{
    char out[SL_FINGERPRINT_HEX + 1] = "untouched";
    T_EQ_INT(sl_fingerprint_file("/nonexistent/sheetload-fingerprint", out), SL_EIO);
    T_EQ_STR(out, "untouched");
}

int main(void)
{
    T_RUN(test_vectors);
    T_RUN(test_million);
    T_RUN(test_missing);
    return 0;
}
