/* csvw.c - the CSV field writer: runs of plain bytes are copied whole. */
#include "base/csvw.h"

#include <string.h>

/* Bytes that force quoting: , " CR LF. */
static int special(unsigned char c)
{
    return c == ',' || c == '"' || c == '\r' || c == '\n';
}

static int space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

char *sl_csvw_put(char *d, const char *s, size_t n, int flags)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0;
    while (k < n && !special(u[k]))
        k++;
    int quote = k < n || (n && (flags & SL_CSVW_QUOTE_SPACE) && (space(u[0]) || space(u[n - 1])));
    int nul = (flags & SL_CSVW_NUL_FFFD) && memchr(s, 0, n);
    if (!quote && !nul) {
        memcpy(d, s, n);
        return d + n;
    }
    if (quote)
        *d++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (u[i] == '"')
            *d++ = '"';
        if (u[i] == 0 && nul) {
            memcpy(d, "\xEF\xBF\xBD", 3);
            d += 3;
        } else {
            *d++ = (char)u[i];
        }
    }
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
