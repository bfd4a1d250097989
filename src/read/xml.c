/* xml.c - the XML parser of one zip entry (xml.h): expat, or for the hot
 * parts the pull scanner of scan.c, behind the same handlers.
 *
 * With the scanner (sl_xml_open_fast), events are pulled one at a time and
 * given to the handlers below, which suspend or fail by flags read after
 * each. A part the scanner leaves to expat (another encoding, a DTD) is
 * handed over before any event: expat parses the bytes the scanner took,
 * then reads on from the stream. SL_XML_EXPAT=1 in the environment makes
 * every part go through expat (for comparisons).
 *
 * Chunks of the inflating stream (zip.c, perhaps inflated ahead by a
 * thread) are copied into expat's own buffer (XML_GetBuffer +
 * XML_ParseBuffer), whose unparsed rest expat keeps. A handler
 * that suspends (XML_StopParser with resumable = true) leaves the rest of
 * the buffer to XML_ResumeParser on the next sl_xml_run. Any DOCTYPE is
 * refused: no OOXML part needs one, and refusing it closes the door on
 * entity expansion bombs before expat's own protection is needed. */
#include "read/xml.h"

#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "read/scan.h"
#include "read/zip.h"

struct sl_xml {
    XML_Parser p;             /* expat; NULL while the scanner reads */
    struct sl_scan *sc;       /* the scanner, or NULL */
    int susp_req;             /* scanner: a handler asked to suspend */
    struct sl_zip_stream *in; /* NULL: bytes from memory */
    const char *mem, *name;
    size_t memlen, memoff, memstep;
    struct sl_xml_handler h;
    void *ud;
    int depth;
    int max_depth;
    int suspended; /* expat is suspended: resume before feeding */
    int fed_final; /* the last buffer was given to expat */
    int done;
    struct sl_buf *collect;
    size_t mark; /* collect->len when collecting began */
    uint64_t max_cell;
    struct sl_error ferr; /* a handler's failure */
};

void sl_xml_fail(struct sl_xml *x, int code, const char *fmt, ...)
{
    if (x->ferr.code)
        return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sl_err_set(&x->ferr, code, "'%s' line %lu: %s", sl_xml_part(x), sl_xml_line(x), msg);
    if (!x->sc)
        XML_StopParser(x->p, XML_FALSE);
}

void sl_xml_suspend(struct sl_xml *x)
{
    if (x->ferr.code)
        return;
    if (x->sc)
        x->susp_req = 1;
    else
        XML_StopParser(x->p, XML_TRUE);
}

static void text(struct sl_xml *x, const char *s, size_t len)
{
    struct sl_buf *b = x->collect;
    if (!b || x->ferr.code)
        return;
    if (b->len + len < b->cap && b->len + len <= b->max && !b->err &&
        (uint64_t)(b->len - x->mark) + (uint64_t)len <= x->max_cell) {
        memcpy(b->data + b->len, s, len); /* room: the common case */
        b->len += len;
        b->data[b->len] = '\0';
        return;
    }
    if ((uint64_t)(b->len - x->mark) + (uint64_t)len > x->max_cell) {
        sl_xml_fail(x, SL_ELIMIT,
                    "a text passes the limit of %llu bytes for one cell; raise the limit if the "
                    "file is genuine",
                    (unsigned long long)x->max_cell);
        return;
    }
    if (sl_buf_add(b, s, len))
        sl_xml_fail(x, b->err,
                    b->err == SL_ELIMIT
                        ? "the text passes the memory limit for it; raise the limit "
                          "if the file is genuine"
                        : "out of memory");
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    text(ud, s, (size_t)len);
}

void sl_xml_collect(struct sl_xml *x, struct sl_buf *b)
{
    x->collect = b;
    if (b)
        x->mark = b->len;
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct sl_xml *x = ud;
    x->collect = NULL; /* only the text before a child element counts */
    if (x->ferr.code)
        return;
    if (++x->depth > x->max_depth) {
        sl_xml_fail(x, SL_ELIMIT, "XML nested deeper than the limit of %d elements", x->max_depth);
        return;
    }
    if (x->h.start) /* the scanner gives local names already */
        x->h.start(x->ud, x->sc ? name : sl_xml_local(name), atts, x->depth);
}

static void on_end(void *ud, const XML_Char *name)
{
    struct sl_xml *x = ud;
    x->collect = NULL;
    if (x->ferr.code)
        return;
    if (x->h.end)
        x->h.end(x->ud, x->depth);
    x->depth--;
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                       int has_internal_subset)
{
    sl_xml_fail(ud, SL_EXML,
                "has a DTD (<!DOCTYPE>), which no OOXML part needs; refused (an entity bomb?)");
}

static void on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                      int value_len, const XML_Char *base, const XML_Char *sysid,
                      const XML_Char *pubid, const XML_Char *notation)
{
    sl_xml_fail(ud, SL_EXML, "declares an entity, which no OOXML part needs; refused");
}

/* The next chunk of the part's bytes (scan.h's sl_scan_read_fn). */
static long src_chunk(void *ud, const char **data, struct sl_error *err)
{
    struct sl_xml *x = ud;
    if (x->in)
        return sl_zip_stream_chunk(x->in, data, err);
    size_t n = x->memlen - x->memoff;
    if (n > x->memstep)
        n = x->memstep;
    *data = x->mem + x->memoff;
    x->memoff += n;
    return (long)n;
}

static int make_expat(struct sl_xml *x, struct sl_error *err)
{
    x->p = XML_ParserCreateNS(NULL, SL_XML_NSSEP);
    if (!x->p)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, on_start, on_end);
    XML_SetCharacterDataHandler(x->p, on_text);
    XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
    XML_SetEntityDeclHandler(x->p, on_entity);
    XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
    return 0;
}

/* After the source is set: the parser. */
static int setup(struct sl_xml *x, const struct sl_xml_handler *h, void *ud,
                 const struct sheetload_limits *lim, int fast, struct sl_error *err)
{
    x->h = *h;
    x->ud = ud;
    x->max_depth = lim->max_depth > 1000000 ? 1000000 : (int)lim->max_depth;
    x->max_cell = lim->max_cell_bytes;
    const char *force = getenv("SL_XML_EXPAT");
    if (fast && !(force && *force == '1')) {
        size_t max_token =
            lim->max_cell_bytes > SIZE_MAX / 4 ? SIZE_MAX / 4 : (size_t)lim->max_cell_bytes;
        return sl_scan_open(&x->sc, src_chunk, x, sl_xml_part(x), max_token, err);
    }
    return make_expat(x, err);
}

static int open_zip(struct sl_xml **out, struct sl_zip *z, long idx, const struct sl_xml_handler *h,
                    void *ud, const struct sheetload_limits *lim, int fast, struct sl_error *err)
{
    *out = NULL;
    struct sl_xml *x = sl_calloc(1, sizeof *x);
    if (!x)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    int rc = sl_zip_stream_open(&x->in, z, idx, err);
    if (!rc)
        rc = setup(x, h, ud, lim, fast, err);
    if (rc) {
        sl_xml_close(x);
        return rc;
    }
    *out = x;
    return 0;
}

int sl_xml_open(struct sl_xml **out, struct sl_zip *z, long idx, const struct sl_xml_handler *h,
                void *ud, const struct sheetload_limits *lim, struct sl_error *err)
{
    return open_zip(out, z, idx, h, ud, lim, 0, err);
}

int sl_xml_open_fast(struct sl_xml **out, struct sl_zip *z, long idx,
                     const struct sl_xml_handler *h, void *ud, const struct sheetload_limits *lim,
                     struct sl_error *err)
{
    return open_zip(out, z, idx, h, ud, lim, 1, err);
}

int sl_xml_open_mem(struct sl_xml **out, const char *data, size_t len, size_t step,
                    const char *name, const struct sl_xml_handler *h, void *ud,
                    const struct sheetload_limits *lim, int fast, struct sl_error *err)
{
    *out = NULL;
    struct sl_xml *x = sl_calloc(1, sizeof *x);
    if (!x)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    x->mem = data;
    x->memlen = len;
    x->memstep = step ? step : len ? len : 1;
    x->name = name;
    int rc = setup(x, h, ud, lim, fast, err);
    if (rc) {
        sl_xml_close(x);
        return rc;
    }
    *out = x;
    return 0;
}

void sl_xml_close(struct sl_xml *x)
{
    if (!x)
        return;
    if (x->p)
        XML_ParserFree(x->p);
    sl_scan_close(x->sc);
    sl_zip_stream_close(x->in);
    sl_free(x);
}

/* After expat returned st: 1 suspended, 0 go on (or done), < 0 error. */
static int status(struct sl_xml *x, enum XML_Status st, struct sl_error *err)
{
    if (x->ferr.code) {
        if (err && !err->code) {
            err->code = x->ferr.code;
            memcpy(err->msg, x->ferr.msg, sizeof err->msg);
        }
        return x->ferr.code;
    }
    if (st == XML_STATUS_ERROR)
        return sl_err_set(err, SL_EXML, "'%s' line %lu: %s; the part is not well-formed XML",
                          sl_xml_part(x), (unsigned long)XML_GetCurrentLineNumber(x->p),
                          XML_ErrorString(XML_GetErrorCode(x->p)));
    if (st == XML_STATUS_SUSPENDED) {
        x->suspended = 1;
        return 1;
    }
    if (x->fed_final)
        x->done = 1;
    return 0;
}

/* A handler's failure, into err. */
static int handler_failed(struct sl_xml *x, struct sl_error *err)
{
    if (err && !err->code) {
        err->code = x->ferr.code;
        memcpy(err->msg, x->ferr.msg, sizeof err->msg);
    }
    return x->ferr.code;
}

/* The scanner left the part to expat: it parses what the scanner took. */
static int to_expat(struct sl_xml *x, struct sl_error *err)
{
    int rc = make_expat(x, err);
    if (rc)
        return rc;
    const char *d;
    size_t n;
    struct sl_scan *sc = x->sc;
    sl_scan_taken(sc, &d, &n);
    x->sc = NULL; /* the handlers now suspend and fail through expat */
    enum XML_Status st = XML_Parse(x->p, d, (int)n, XML_FALSE); /* expat copies */
    sl_scan_close(sc);
    return status(x, st, err);
}

/* The handler's whole element at the scanner's position, if it takes
 * one: 1, else 0. */
static int take_whole(struct sl_xml *x)
{
    char *p;
    size_t n;
    if (x->depth >= 32 || !((x->h.whole_depths >> x->depth) & 1) || x->depth + 4 > x->max_depth ||
        !sl_scan_peek(x->sc, &p, &n))
        return 0;
    size_t k = x->h.whole(x->ud, p, n, x->depth);
    if (!k)
        return 0;
    sl_scan_skip(x->sc, k);
    x->collect = NULL;
    return 1;
}

static int scan_run(struct sl_xml *x, struct sl_error *err)
{
    for (;;) {
        if (!x->h.whole || !take_whole(x)) {
            struct sl_scan_ev ev;
            int k = sl_scan_next(x->sc, &ev, err);
            switch (k) {
            case SL_SCAN_START:
                on_start(x, ev.name, ev.atts);
                break;
            case SL_SCAN_END:
                on_end(x, NULL);
                break;
            case SL_SCAN_TEXT:
                text(x, ev.text, ev.len);
                break;
            case SL_SCAN_DONE:
                x->done = 1;
                return 0;
            case SL_SCAN_EXPAT:
                return to_expat(x, err);
            default:
                return k;
            }
        }
        if (x->ferr.code)
            return handler_failed(x, err);
        if (x->susp_req) {
            x->susp_req = 0;
            return 1;
        }
    }
}

int sl_xml_run(struct sl_xml *x, struct sl_error *err)
{
    if (x->ferr.code)
        return status(x, XML_STATUS_ERROR, err);
    if (x->sc) {
        if (x->done)
            return 0;
        int rc = scan_run(x, err);
        if (rc || x->done || x->sc)
            return rc;
        /* handed to expat: read on below */
    }
    if (x->suspended) {
        x->suspended = 0;
        int rc = status(x, XML_ResumeParser(x->p), err);
        if (rc)
            return rc;
    }
    while (!x->done) {
        const char *data = NULL;
        long n = src_chunk(x, &data, err);
        if (n < 0)
            return (int)n;
        if (n) {
            void *buf = XML_GetBuffer(x->p, (int)n);
            if (!buf)
                return sl_err_set(err, SL_ENOMEM, "'%s': out of memory parsing XML",
                                  sl_xml_part(x));
            memcpy(buf, data, (size_t)n);
        }
        x->fed_final = n == 0;
        enum XML_Status st =
            n ? XML_ParseBuffer(x->p, (int)n, x->fed_final) : XML_Parse(x->p, "", 0, XML_TRUE);
        int rc = status(x, st, err);
        if (rc)
            return rc;
    }
    return 0;
}

int sl_xml_failed(const struct sl_xml *x)
{
    return x->ferr.code != 0;
}

int sl_xml_suspend_asked(const struct sl_xml *x)
{
    return x->susp_req;
}

const char *sl_xml_part(const struct sl_xml *x)
{
    return x->in ? sl_zip_stream_name(x->in) : x->name;
}

unsigned long sl_xml_line(const struct sl_xml *x)
{
    return x->sc ? sl_scan_line(x->sc) : (unsigned long)XML_GetCurrentLineNumber(x->p);
}

uint64_t sl_xml_pos(const struct sl_xml *x)
{
    return x->in ? sl_zip_stream_pos(x->in) : x->memoff;
}
uint64_t sl_xml_size(const struct sl_xml *x)
{
    return x->in ? sl_zip_stream_size(x->in) : x->memlen;
}
