/* buf.h - a growable byte buffer with a maximum and a sticky error.
 *
 * Invariants: data is NUL-terminated whenever len > 0 or data != NULL;
 * len < cap; len <= max. Once an append fails (out of memory or over max),
 * err stays set and every later append is a no-op, so a sequence of appends
 * can be checked once at the end (as PQExpBuffer does).
 * sl_buf_init: empty, no memory. sl_buf_reset: len = 0, keeps memory and
 * clears err. sl_buf_release: frees memory, back to the init state.
 */
#ifndef SL_BASE_BUF_H
#define SL_BASE_BUF_H

#include "base/err.h"
#include <stddef.h>
#include <string.h>

struct sl_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0 = SIZE_MAX/2 */
    int err;    /* 0, SL_ENOMEM or SL_ELIMIT */
};

void sl_buf_init(struct sl_buf *b, size_t max);
void sl_buf_reset(struct sl_buf *b);
void sl_buf_release(struct sl_buf *b);
/* Makes room for n more bytes; 0 or the sticky error. */
int sl_buf_grow(struct sl_buf *b, size_t n);
/* sl_buf_add when the bytes do not fit as things are (grows, or fails). */
int sl_buf_add_grow(struct sl_buf *b, const void *p, size_t n);
static inline int sl_buf_add(struct sl_buf *b, const void *p, size_t n)
{
    if (n < b->cap - b->len && n <= b->max - b->len && !b->err) { /* room: inline */
        if (n)
            memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return sl_buf_add_grow(b, p, n);
}
int sl_buf_addstr(struct sl_buf *b, const char *s);
int sl_buf_addf(struct sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int sl_buf_addch(struct sl_buf *b, char c)
{
    if (b->len + 1 < b->cap && b->len < b->max && !b->err) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return sl_buf_add(b, &c, 1);
}
/* Takes the memory out (caller frees); b is back to init. */
char *sl_buf_detach(struct sl_buf *b, size_t *len);

#endif
