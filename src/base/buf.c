/* buf.c - growable capped buffer (see buf.h for the invariants). */
#include "base/buf.h"

#include "base/err.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

void sl_buf_init(struct sl_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max ? max : SIZE_MAX / 2;
}

void sl_buf_reset(struct sl_buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->data)
        b->data[0] = '\0';
}

void sl_buf_release(struct sl_buf *b)
{
    size_t max = b->max;
    sl_free(b->data);
    sl_buf_init(b, max);
}

int sl_buf_grow(struct sl_buf *b, size_t n)
{
    if (b->err)
        return b->err;
    if (n > b->max - b->len)
        return b->err = SL_ELIMIT;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap < SIZE_MAX / 2 ? cap * 2 : need;
    char *p = sl_realloc(b->data, cap);
    if (!p)
        return b->err = SL_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int sl_buf_add_grow(struct sl_buf *b, const void *p, size_t n)
{
    if (sl_buf_grow(b, n))
        return b->err;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sl_buf_addstr(struct sl_buf *b, const char *s)
{
    return sl_buf_add(b, s, strlen(s));
}

int sl_buf_addf(struct sl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return b->err ? b->err : (b->err = SL_EINVAL);
    if ((size_t)n < sizeof small)
        return sl_buf_add(b, small, (size_t)n);
    if (sl_buf_grow(b, (size_t)n))
        return b->err;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *sl_buf_detach(struct sl_buf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    if (!p) {
        p = sl_malloc(1);
        if (p)
            p[0] = '\0';
    }
    size_t max = b->max;
    sl_buf_init(b, max);
    return p;
}
