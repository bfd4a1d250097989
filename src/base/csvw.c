/* csvw.c - the CSV field writer: runs of plain bytes are copied whole.
 *
 * Most fields need no quoting, so the test for , " CR LF is the hot part:
 * it takes 16 bytes at a time with SSE2 where the compiler has it (every
 * x86-64), 8 at a time otherwise (a word's bytes compared at once), and
 * the last few bytes through a table. A quoted field's double quotes are
 * found with memchr and the runs between them copied whole. */
#include "base/csvw.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Bytes that force quoting: , " CR LF. */
static const unsigned char special[256] = {[','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1};

static int space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

#ifndef __SSE2__
/* Whether any byte of w is 0 (the classic bit trick, exact). */
static inline uint64_t has_zero(uint64_t w)
{
    return (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
}
#endif

/* Whether s[0..n) holds a byte that forces quoting. */
static int needs_quote(const unsigned char *s, size_t n)
{
    size_t k = 0;
#ifdef __SSE2__
    const __m128i comma = _mm_set1_epi8(','), dq = _mm_set1_epi8('"'), cr = _mm_set1_epi8('\r'),
                  lf = _mm_set1_epi8('\n');
    for (; k + 16 <= n; k += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + k));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, dq)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
        if (_mm_movemask_epi8(m))
            return 1;
    }
#else
    for (; k + 8 <= n; k += 8) {
        uint64_t w;
        memcpy(&w, s + k, 8);
        if (has_zero(w ^ 0x2C2C2C2C2C2C2C2CULL) | has_zero(w ^ 0x2222222222222222ULL) |
            has_zero(w ^ 0x0D0D0D0D0D0D0D0DULL) | has_zero(w ^ 0x0A0A0A0A0A0A0A0AULL))
            return 1;
    }
#endif
    for (; k < n; k++)
        if (special[s[k]])
            return 1;
    return 0;
}

/* Copies s[0..n) to d with every '"' doubled; returns the end. */
static char *put_doubled(char *d, const char *s, size_t n)
{
    const char *e = s + n;
    for (;;) {
        const char *q = memchr(s, '"', (size_t)(e - s));
        size_t run = q ? (size_t)(q + 1 - s) : (size_t)(e - s);
        memcpy(d, s, run);
        d += run;
        if (!q)
            return d;
        *d++ = '"';
        s = q + 1;
    }
}

/* The slow path: a NUL written as U+FFFD, quotes doubled when quoted. */
static char *put_nul(char *d, const unsigned char *u, size_t n, int quote)
{
    for (size_t i = 0; i < n; i++) {
        if (u[i] == '"' && quote)
            *d++ = '"';
        if (u[i] == 0) {
            memcpy(d, "\xEF\xBF\xBD", 3);
            d += 3;
        } else {
            *d++ = (char)u[i];
        }
    }
    return d;
}

char *sl_csvw_put(char *d, const char *s, size_t n, int flags)
{
    const unsigned char *u = (const unsigned char *)s;
    int quote = needs_quote(u, n) ||
                (n && (flags & SL_CSVW_QUOTE_SPACE) && (space(u[0]) || space(u[n - 1])));
    int nul = (flags & SL_CSVW_NUL_FFFD) && memchr(s, 0, n);
    if (!quote && !nul) {
        memcpy(d, s, n);
        return d + n;
    }
    if (quote)
        *d++ = '"';
    d = nul ? put_nul(d, u, n, quote) : put_doubled(d, s, n);
    if (quote)
        *d++ = '"';
    return d;
}

void sl_csvw_add(struct sl_buf *b, const char *s, size_t n, int flags)
{
    if (sl_buf_grow(b, sl_csvw_max(n, flags)))
        return;
    char *d = sl_csvw_put(b->data + b->len, s, n, flags);
    b->len = (size_t)(d - b->data);
    b->data[b->len] = '\0';
}
