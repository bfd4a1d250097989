/* scan.h - a pull scanner for the two hot parts of an xlsx (worksheet and
 * shared strings): XML 1.0 with namespaces, read from a stream of chunks,
 * one event per call, text handed out by pointer into its window.
 *
 * It gives what expat gives the handlers of xml.c (local element names,
 * expat's attribute array: "URI\x01local" for a namespaced attribute,
 * decoded text in pieces) and refuses what expat refuses: the common
 * constructs are checked here byte by byte; rare ones (namespace
 * declarations, names outside ASCII, comments, processing instructions,
 * the prolog) are checked by expat itself on the construct alone, so the
 * two agree (fuzz/fuzz_scan.c holds them to it). A part in another
 * encoding than UTF-8, or whose prolog has a DTD, is left to expat whole
 * (SL_SCAN_EXPAT). */
#ifndef SL_READ_SCAN_H
#define SL_READ_SCAN_H

#include "base/err.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sl_scan;

enum {
    SL_SCAN_DONE = 0,  /* the document ended well-formed */
    SL_SCAN_START = 1, /* name, atts */
    SL_SCAN_END = 2,
    SL_SCAN_TEXT = 3, /* text, len: decoded character data (a piece of it) */
    SL_SCAN_EXPAT = 4 /* parse the whole part with expat: sl_scan_taken */
};

/* One event. Pointers are borrowed until the next sl_scan_next. */
struct sl_scan_ev {
    const char *name;  /* START: the local name */
    const char **atts; /* START: name, value, ..., NULL (expat's form) */
    const char *text;  /* TEXT */
    size_t len;
};

/* Where the bytes come from: > 0 a chunk (borrowed until the next call),
 * 0 at the end, < 0 an error set in err. */
typedef long (*sl_scan_read_fn)(void *ud, const char **data, struct sl_error *err);

/* part: the name for messages (borrowed, must outlive the scanner);
 * max_token: the largest tag, comment or prolog it will hold. */
int sl_scan_open(struct sl_scan **out, sl_scan_read_fn rd, void *ud, const char *part,
                 size_t max_token, struct sl_error *err);
void sl_scan_close(struct sl_scan *s);
/* The next event: SL_SCAN_* >= 0, or < 0 with err set ("'part' line N:
 * ..."). After an error or DONE it returns the same again. */
int sl_scan_next(struct sl_scan *s, struct sl_scan_ev *ev, struct sl_error *err);
/* After SL_SCAN_EXPAT: every byte read from the source so far (borrowed),
 * for expat to parse before it reads on. */
void sl_scan_taken(const struct sl_scan *s, const char **data, size_t *len);
/* The line of the current position (1-based). */
unsigned long sl_scan_line(const struct sl_scan *s);

/* For a caller that takes a whole element of a shape it knows from the
 * bytes themselves (xml.h's whole handler): the unscanned bytes of the
 * window, *p (writable: the caller may NUL-terminate in place what it
 * takes) and *n, when the next event would begin there inside the root;
 * else 0. */
int sl_scan_peek(struct sl_scan *s, char **p, size_t *n);
/* Moves past n bytes given by sl_scan_peek that the caller took: whole
 * elements, well-formed as the scanner would have found them, holding no
 * line end. */
void sl_scan_skip(struct sl_scan *s, size_t n);
/* The length of the text at p[0..n) that is character data as it stands:
 * UTF-8 characters of XML but '<', '&', ']', CR and LF (which need
 * decoding, end the text or count lines). */
size_t sl_scan_plain(const char *p, size_t n);

/* Whether the n bytes at p are lit's, for the lanes' fixed strings: a few
 * word loads where memcmp of more than a few bytes is a library call. */
static inline int sl_scan_is(const char *p, const char *lit, size_t n)
{
    uint64_t a, b;
    if (n < 8) {
        uint32_t c, d;
        if (n < 4) {
            for (size_t i = 0; i < n; i++)
                if (p[i] != lit[i])
                    return 0;
            return 1;
        }
        memcpy(&c, p, 4);
        memcpy(&d, lit, 4);
        if (c != d)
            return 0;
        memcpy(&c, p + n - 4, 4);
        memcpy(&d, lit + n - 4, 4);
        return c == d;
    }
    for (size_t i = 0; i + 8 < n; i += 8) {
        memcpy(&a, p + i, 8);
        memcpy(&b, lit + i, 8);
        if (a != b)
            return 0;
    }
    memcpy(&a, p + n - 8, 8);
    memcpy(&b, lit + n - 8, 8);
    return a == b;
}

#endif
