/* utf8.c - making outside text valid UTF-8 (see utf8.h). */
#include "base/utf8.h"

#include <string.h>

size_t sl_utf8_seq(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* past U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

size_t sl_utf8_clean(char *dst, size_t cap, const char *src, size_t n, int flags)
{
    static const char repl[] = "\xef\xbf\xbd";
    const unsigned char *s = (const unsigned char *)src;
    size_t out = 0, i = 0;
    if (cap == 0)
        return 0;
    while (i < n) {
        size_t k = s[i] ? sl_utf8_seq(s + i, n - i) : 0;
        const char *piece = (const char *)s + i;
        size_t plen = k;
        char ctl = '_';
        if (k == 0) {
            piece = repl, plen = 3, k = 1;
        } else if ((flags & SL_UTF8_NOCTRL) && k == 1 && (s[i] < 0x20 || s[i] == 0x7f)) {
            piece = &ctl, plen = 1;
        }
        if (out + plen >= cap)
            break;
        memcpy(dst + out, piece, plen);
        out += plen;
        i += k;
    }
    dst[out] = '\0';
    return out;
}
