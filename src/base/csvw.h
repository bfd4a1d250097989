/* csvw.h - the one CSV field writer (RFC 4180, as SPEC §7 writes it): a
 * field is quoted only when it holds a comma, a double quote, CR or LF,
 * and a double quote inside is doubled. Every CSV sheetload writes (cat's
 * output, the rejects file, gen's data) goes through it. */
#ifndef SL_BASE_CSVW_H
#define SL_BASE_CSVW_H

#include <stddef.h>

#include "base/buf.h"

enum {
    SL_CSVW_QUOTE_SPACE = 1, /* also quote a field that starts or ends with white space */
    SL_CSVW_NUL_FFFD = 2,    /* write a NUL byte as U+FFFD (text cannot hold U+0000) */
};

/* The most bytes a field of n bytes takes with these flags. */
static inline size_t sl_csvw_max(size_t n, int flags)
{
    return (flags & SL_CSVW_NUL_FFFD ? 3 : 2) * n + 2;
}

/* Writes the field s[0..n) at d, which has room for sl_csvw_max(n, flags)
 * bytes; returns the end. */
char *sl_csvw_put(char *d, const char *s, size_t n, int flags);

/* Appends the field to b (one grow; b's sticky error when it cannot). */
void sl_csvw_add(struct sl_buf *b, const char *s, size_t n, int flags);

#endif
