/* test_read_scan_plain.c - sl_scan_plain (the length of text that needs
 * no decoding, taken 16 bytes at a time where it can) against a byte at a
 * time reference: every kind of byte at every position of texts of 0 to
 * 48 bytes, the blocks' edges and a character cut by the end included. */
#include "read/scan.h"
#include "test.h"

/* What the text may hold as it stands: XML's characters in UTF-8 but
 * '<', '&', ']', CR and LF (the reference, one byte at a time). */
static size_t reference(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c == '<' || c == '&' || c == ']' || c == '\r' || c == '\n' ||
                (c < 0x20 && c != '\t'))
                break;
            i++;
            continue;
        }
        size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (c < 0xC2 || c > 0xF4 || i + k > n)
            break;
        size_t j = 1;
        while (j < k && (p[i + j] & 0xC0) == 0x80)
            j++;
        if (j < k)
            break;
        if ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] > 0x9F) ||
            (c == 0xEF && p[i + 1] == 0xBF && p[i + 2] > 0xBD) || (c == 0xF0 && p[i + 1] < 0x90) ||
            (c == 0xF4 && p[i + 1] > 0x8F))
            break;
        i += k;
    }
    return i;
}

static void test_positions(void)
{
    static const char *const odd[] = {"<",        "&",
                                      "]",        "\n",
                                      "\r",       "\t",
                                      "\x01",     "\x7F",
                                      "\xC3\xB8", "\xF0\x9F\x90\xB6",
                                      "\xFF",     "\xEF\xBF\xBE",
                                      "\xC3"};
    unsigned char buf[64];
    struct sl_scan *s; /* sl_scan_plain's table is set up by the first open */
    struct sl_error err = {0};
    T_EQ_INT(sl_scan_open(&s, NULL, NULL, "t", 4096, &err), 0);
    sl_scan_close(s);
    for (size_t n = 0; n <= 48; n++)
        for (size_t at = 0; at <= n; at++)
            for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
                memset(buf, 'a', sizeof buf);
                size_t m = strlen(odd[k]);
                size_t len = at + m <= n ? n : at + m;
                memcpy(buf + at, odd[k], m);
                T_EQ_INT(sl_scan_plain((const char *)buf, len), reference(buf, len));
                /* the same cut one byte short: a character split by the end */
                if (len)
                    T_EQ_INT(sl_scan_plain((const char *)buf, len - 1), reference(buf, len - 1));
            }
}

int main(void)
{
    T_RUN(test_positions);
    return 0;
}
