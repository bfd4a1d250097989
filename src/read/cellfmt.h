/* cellfmt.h - a cell's value as text, per ../shared/corpus/SPEC.md §4-6:
 * numbers (shortest round trip, Python repr layout), Excel serial dates and
 * times in both date systems, ISO 8601 t="d" cells, _xHHHH_ escapes, and
 * the classification of number format codes. Pure functions, no state, no
 * allocation: also the target of the cell-value fuzzer. */
#ifndef SL_READ_CELLFMT_H
#define SL_READ_CELLFMT_H

#include <stddef.h>
#include <string.h>

/* Output buffers of these functions hold at least this many bytes. */
#define SL_CELLFMT_MAX 64

/* What a number format means for a value (SPEC §6). */
enum sl_numfmt_kind {
    SL_NF_NONE = 0, /* not a date: the number is written */
    SL_NF_DATE,     /* a date, perhaps with a time part */
    SL_NF_TIME,     /* time of day only */
    SL_NF_ELAPSED,  /* elapsed time: [h]:mm:ss */
};

/* Kind of a built-in number format id (no custom override). */
int sl_numfmt_builtin(long id);
/* Kind of a custom format code; *pad (may be NULL) gets the zero-padding
 * width when the first section is two or more '0' only, else 0. */
int sl_numfmt_classify(const char *code, int *pad);

/* Parses s[0..n) as Python's float() would (surrounding whitespace, sign,
 * digits, '.', exponent, inf, nan; no hex). 0 or -1 when not a number. */
int sl_parse_double(const char *s, size_t n, double *out);

/* §5: an integer when integral and |x| < 1e15, else the shortest text that
 * reads back as x in repr layout. Writes out (NUL-terminated), returns the
 * length. */
size_t sl_fmt_number(double x, char *out);
/* Zero-padded to width (§5) when x is non-negative, integral and < 1e15;
 * else as sl_fmt_number. width <= 0 means no padding. */
size_t sl_fmt_number_padded(double x, int width, char *out);
/* §6: serial x under a date/time kind; returns the length, or 0 when x is
 * negative, not finite or past year 9999 (write it as a number then). */
size_t sl_fmt_serial(double x, int kind, int date1904, char *out);
/* §6 t="d": ISO 8601 text in v; returns the length, or 0 when v does not
 * parse (write v as it is then). kind SL_NF_TIME gives the time only. */
size_t sl_fmt_iso(const char *v, size_t n, int kind, char *out);

/* §4: decodes _xHHHH_ escapes of s[0..n) in place (the text only shrinks),
 * joining escaped surrogate pairs, a lone surrogate becoming U+FFFD. Returns
 * the new length; s is not NUL-terminated by this. */
size_t sl_xesc_decode(char *s, size_t n);
/* Where s[0..n) may hold such an escape (its first '_' that has room for
 * one after it), or NULL: then sl_xesc_decode leaves it as it is. */
static inline const char *sl_xesc_first(const char *s, size_t n)
{
    return n >= 7 ? memchr(s, '_', n - 6) : NULL;
}

#endif
