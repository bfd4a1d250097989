/* scan.c - the pull scanner of the worksheet and shared-strings parts
 * (scan.h).
 *
 * The window. Chunks of the inflated part are appended to one buffer;
 * bytes [pos, end) are not yet scanned and buf[end] is a NUL sentinel, so
 * the byte loops stop at the end without a bound check. A token (tag,
 * comment, CDATA, reference) is scanned from pos and pos moves past it only
 * when it is complete; when the window ends inside one, the scanned bytes
 * are kept, at least as many again are read, and the token is scanned anew
 * (geometric, so a long token costs linear time), up to max_token bytes.
 * Text is handed out as it comes, in pieces, and never rescanned. Nothing
 * is copied: names and values are NUL-terminated in place, references and
 * line ends decoded in place (decoding only shrinks). The window moves its
 * unscanned rest to the front when it needs room, so pointers handed out
 * live until the next call.
 *
 * Strictness. The fast path takes a tag whose names are ASCII NCNames,
 * with at most one prefix bound by an ancestor (or xml:), no namespace
 * declaration and at most 32 attributes; it checks quoting, spacing,
 * characters (UTF-8, XML's Char), references and duplicates. Any tag it
 * does not take, for whatever reason, is given to expat alone, wrapped in
 * an element that declares the namespaces in scope: expat's verdict and
 * expat's attributes stand. Comments and processing instructions are
 * checked the same way, and so is the prolog (XML declaration, comments,
 * PIs before the root); a prolog that is not UTF-8, has a DTD or is
 * broken sends the whole part to expat (SL_SCAN_EXPAT, before any event).
 * Text, CDATA, end tags and what follows the root are checked here. */
#include "read/scan.h"

#include <expat.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define WIN0       (512 * 1024)
#define PROLOG_MAX (1024 * 1024)
#define FAST_ATTS  32
#define XML_NS     "http://www.w3.org/XML/1998/namespace"

enum { ST_PROLOG, ST_BODY, ST_EPILOG, ST_DONE, ST_FAILED, ST_EXPAT };
enum { NEED = 100, SLOW = 101 };

/* Byte classes. */
enum { C_TX = 1, C_AV = 2, C_WS = 4, C_NS = 8, C_NC = 16 };
static unsigned char cls[256];
static pthread_once_t cls_once = PTHREAD_ONCE_INIT;
static void init_cls(void)
{
    for (int c = 0x20; c < 0x80; c++) {
        if (c != '<' && c != '&' && c != ']')
            cls[c] |= C_TX;
        if (c != '<' && c != '&' && c != '"' && c != '\'')
            cls[c] |= C_AV;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
            cls[c] |= C_NS | C_NC;
        if ((c >= '0' && c <= '9') || c == '.' || c == '-')
            cls[c] |= C_NC;
    }
    cls['\t'] |= C_TX | C_WS;
    cls['\n'] |= C_TX | C_WS;
    cls['\r'] |= C_WS;
    cls[' '] |= C_WS;
}

struct binding {
    size_t pre, npre; /* prefix in nsbuf ("" = the default namespace) */
    size_t uri, nuri; /* "" for xmlns="" */
    int depth;        /* of the element that declared it */
};

struct fatt {
    unsigned char *name, *val;
    size_t nlen, vlen;
    int colon; /* offset of ':' in name, -1 */
    int dec;   /* the value has references or white space to decode */
    const char *uri;
    size_t nuri;
};

struct sl_scan {
    sl_scan_read_fn rd;
    void *ud;
    const char *part;
    size_t max_token;
    unsigned char *buf;
    size_t cap, pos, end;
    int eof;
    unsigned long lines; /* line ends in bytes dropped from the window */
    unsigned long lost;  /* line ends overwritten in [0, pos) */
    int state, rc;
    struct sl_error err; /* with rc, given again */
    int depth, pending_end;
    struct sl_buf names; /* open elements' qnames, each NUL-terminated */
    size_t *stk, nstk, stkcap;
    struct binding *ns;
    size_t nns, nscap;
    struct sl_buf nsbuf;
    const char **atts;
    size_t attcap;
    size_t *aoff; /* slow path: offsets into ab of the strings given */
    size_t naoff, aoffcap;
    struct fatt fa[FAST_ATTS];
    struct sl_buf ab;   /* expanded attribute names, slow-path copies */
    struct sl_buf mdoc; /* a document for expat */
    XML_Parser mp;
    /* expat's results on mdoc */
    int m_starts, m_oom, m_dtd, m_enc_ok;
    size_t m_nns0, m_ns0len;
};

/* Whether a[0..n) == b[0..n): names are short, a call to memcmp costs
 * more than the loop. */
static inline int same(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

static unsigned long count_nl(const unsigned char *p, size_t n)
{
    unsigned long k = 0;
    const unsigned char *e = p + n;
    while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

unsigned long sl_scan_line(const struct sl_scan *s)
{
    return 1 + s->lines + s->lost + count_nl(s->buf, s->pos);
}

static int fail_at(struct sl_scan *s, struct sl_error *err, int code, unsigned long line,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail_at(struct sl_scan *s, struct sl_error *err, int code, unsigned long line,
                   const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->state = ST_FAILED;
    s->rc = sl_err_set(&s->err, code, "'%s' line %lu: %s", s->part, line, msg);
    if (err && !err->code)
        *err = s->err;
    return s->rc;
}

/* Not well-formed at the current position. */
static int bad(struct sl_scan *s, struct sl_error *err, const char *what)
{
    return fail_at(s, err, SL_EXML, sl_scan_line(s), "%s; the part is not well-formed XML", what);
}

int sl_scan_open(struct sl_scan **out, sl_scan_read_fn rd, void *ud, const char *part,
                 size_t max_token, struct sl_error *err)
{
    pthread_once(&cls_once, init_cls);
    *out = NULL;
    struct sl_scan *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    s->rd = rd;
    s->ud = ud;
    s->part = part;
    s->max_token = max_token < 4096 ? 4096 : max_token;
    s->cap = WIN0;
    s->buf = sl_malloc(s->cap + 1);
    if (!s->buf) {
        sl_free(s);
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    s->buf[0] = 0;
    sl_buf_init(&s->names, 0);
    sl_buf_init(&s->nsbuf, 0);
    sl_buf_init(&s->ab, 0);
    sl_buf_init(&s->mdoc, 0);
    *out = s;
    return 0;
}

void sl_scan_close(struct sl_scan *s)
{
    if (!s)
        return;
    if (s->mp)
        XML_ParserFree(s->mp);
    sl_buf_release(&s->names);
    sl_buf_release(&s->nsbuf);
    sl_buf_release(&s->ab);
    sl_buf_release(&s->mdoc);
    sl_free(s->stk);
    sl_free(s->ns);
    sl_free(s->atts);
    sl_free(s->aoff);
    sl_free(s->buf);
    sl_free(s);
}

void sl_scan_taken(const struct sl_scan *s, const char **data, size_t *len)
{
    *data = (const char *)s->buf;
    *len = s->end;
}

/* Reads until [pos, end) holds want bytes or the part ends. */
static int fill(struct sl_scan *s, size_t want, struct sl_error *err)
{
    if (want > s->max_token + 8 && s->state != ST_PROLOG)
        return fail_at(s, err, SL_ELIMIT, sl_scan_line(s),
                       "an XML tag, comment or reference longer than %zu bytes; refused",
                       s->max_token);
    while (s->end - s->pos < want && !s->eof) {
        const char *d = NULL;
        long n = s->rd(s->ud, &d, err);
        if (n < 0) {
            s->state = ST_FAILED;
            s->rc = (int)n;
            if (err)
                s->err = *err;
            return s->rc;
        }
        if (n == 0) {
            s->eof = 1;
            break;
        }
        if (s->end + (size_t)n > s->cap && s->pos > 0 && s->state != ST_PROLOG) {
            s->lines += s->lost + count_nl(s->buf, s->pos);
            s->lost = 0;
            memmove(s->buf, s->buf + s->pos, s->end - s->pos);
            s->end -= s->pos;
            s->pos = 0;
        }
        if (s->end + (size_t)n > s->cap) {
            size_t cap = s->cap * 2;
            while (cap < s->end + (size_t)n)
                cap *= 2;
            unsigned char *b = sl_realloc(s->buf, cap + 1);
            if (!b)
                return fail_at(s, err, SL_ENOMEM, sl_scan_line(s), "out of memory");
            s->buf = b;
            s->cap = cap;
        }
        memcpy(s->buf + s->end, d, (size_t)n);
        s->end += (size_t)n;
        s->buf[s->end] = 0;
    }
    return 0;
}

/* Asks for more after a token did not fit: at least as many again. */
static int more(struct sl_scan *s, struct sl_error *err)
{
    size_t have = s->end - s->pos;
    return fill(s, have < 4096 ? have + 4096 : have * 2, err);
}

/* A UTF-8 sequence at p that is an XML Char: its length (2-4), 0 when it
 * is not one, -1 when the window ends inside it. */
static int utf8_len(const unsigned char *p, const unsigned char *e)
{
    unsigned c = p[0];
    int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    for (int i = 1; i < n; i++) {
        if (p + i >= e)
            return -1;
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    }
    if (n == 3) {
        if (c == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && p[1] > 0x9F)
            return 0; /* a surrogate */
        if (c == 0xEF && p[1] == 0xBF && p[2] > 0xBD)
            return 0; /* U+FFFE, U+FFFF */
    } else if (n == 4) {
        if (c == 0xF0 && p[1] < 0x90)
            return 0;
        if (c == 0xF4 && p[1] > 0x8F)
            return 0;
    }
    return n;
}

static size_t put_utf8(unsigned char *o, uint32_t v)
{
    if (v < 0x80) {
        o[0] = (unsigned char)v;
        return 1;
    }
    if (v < 0x800) {
        o[0] = (unsigned char)(0xC0 | (v >> 6));
        o[1] = (unsigned char)(0x80 | (v & 0x3F));
        return 2;
    }
    if (v < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (v >> 12));
        o[1] = (unsigned char)(0x80 | ((v >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (v & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (v >> 18));
    o[1] = (unsigned char)(0x80 | ((v >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((v >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (v & 0x3F));
    return 4;
}

/* The reference at r ('&'): writes its character to out; returns the
 * bytes written, 0 when it is not a valid one, -1 when e comes first.
 * *used gets its length. */
static int ref(const unsigned char *r, const unsigned char *e, unsigned char *out, size_t *used)
{
    const unsigned char *p = r + 1;
    if (p >= e)
        return -1;
    if (*p == '#') {
        p++;
        int hex = p < e && *p == 'x';
        if (hex)
            p++;
        uint32_t v = 0;
        int digits = 0;
        for (; p < e && *p != ';'; p++, digits++) {
            unsigned d;
            if (*p >= '0' && *p <= '9')
                d = *p - '0';
            else if (hex && *p >= 'a' && *p <= 'f')
                d = *p - 'a' + 10;
            else if (hex && *p >= 'A' && *p <= 'F')
                d = *p - 'A' + 10;
            else
                return 0;
            v = v * (hex ? 16 : 10) + d;
            if (v > 0x10FFFF)
                return 0;
        }
        if (p >= e)
            return -1;
        if (!digits)
            return 0;
        if (!(v == 9 || v == 10 || v == 13 || (v >= 0x20 && v <= 0xD7FF) ||
              (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF)))
            return 0;
        *used = (size_t)(p + 1 - r);
        return (int)put_utf8(out, v);
    }
    const unsigned char *n = p;
    for (; p < e && *p != ';'; p++)
        if (p - n >= 4 || !(cls[*p] & C_NC))
            return 0;
    if (p >= e)
        return -1;
    size_t len = (size_t)(p - n);
    unsigned char c;
    if (len == 3 && !memcmp(n, "amp", 3))
        c = '&';
    else if (len == 2 && !memcmp(n, "lt", 2))
        c = '<';
    else if (len == 2 && !memcmp(n, "gt", 2))
        c = '>';
    else if (len == 4 && !memcmp(n, "quot", 4))
        c = '"';
    else if (len == 4 && !memcmp(n, "apos", 4))
        c = '\'';
    else
        return 0;
    *used = len + 2;
    out[0] = c;
    return 1;
}

/* ---- expat on one construct ---- */

static void XMLCALL m_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct sl_scan *s = ud;
    if (++s->m_starts != 2)
        return;
    /* Our element: its local name and attributes into ab, offsets kept. */
    const char *l = strrchr(name, '\x01');
    size_t n = 0;
    while (atts[n])
        n++;
    if (n + 2 > s->aoffcap) {
        size_t cap = (n + 2) * 2;
        size_t *o = sl_realloc(s->aoff, cap * sizeof *o);
        if (!o) {
            s->m_oom = 1;
            return;
        }
        s->aoff = o;
        s->aoffcap = cap;
    }
    sl_buf_reset(&s->ab);
    s->aoff[0] = 0;
    sl_buf_add(&s->ab, l ? l + 1 : name, strlen(l ? l + 1 : name) + 1);
    for (size_t i = 0; i < n; i++) {
        s->aoff[i + 1] = s->ab.len;
        sl_buf_add(&s->ab, atts[i], strlen(atts[i]) + 1);
    }
    s->naoff = n + 1;
    if (s->ab.err)
        s->m_oom = 1;
}

static void XMLCALL m_ns(void *ud, const XML_Char *prefix, const XML_Char *uri)
{
    struct sl_scan *s = ud;
    if (s->m_starts != 1)
        return; /* the wrapper's own */
    if (s->nns == s->nscap) {
        size_t cap = s->nscap ? s->nscap * 2 : 16;
        struct binding *b = sl_realloc(s->ns, cap * sizeof *b);
        if (!b) {
            s->m_oom = 1;
            return;
        }
        s->ns = b;
        s->nscap = cap;
    }
    struct binding *b = &s->ns[s->nns++];
    const char *p = prefix ? prefix : "", *u = uri ? uri : "";
    b->pre = s->nsbuf.len;
    b->npre = strlen(p);
    sl_buf_add(&s->nsbuf, p, b->npre + 1);
    b->uri = s->nsbuf.len;
    b->nuri = strlen(u);
    sl_buf_add(&s->nsbuf, u, b->nuri + 1);
    b->depth = s->depth + 1;
    if (s->nsbuf.err)
        s->m_oom = 1;
}

static void XMLCALL m_decl(void *ud, const XML_Char *version, const XML_Char *encoding,
                           int standalone)
{
    struct sl_scan *s = ud;
    s->m_enc_ok =
        (!encoding || !strcasecmp(encoding, "UTF-8")) && version && !strcmp(version, "1.0");
}

static void XMLCALL m_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                              const XML_Char *pubid, int has_internal_subset)
{
    struct sl_scan *s = ud;
    s->m_dtd = 1;
    XML_StopParser(s->mp, XML_FALSE);
}

/* Parses mdoc with expat: 0 well-formed, else expat's error code. */
static int micro(struct sl_scan *s)
{
    if (!s->mp) {
        s->mp = XML_ParserCreateNS(NULL, '\x01');
        if (!s->mp)
            return -1;
    } else {
        XML_ParserReset(s->mp, NULL);
    }
    XML_SetUserData(s->mp, s);
    XML_SetElementHandler(s->mp, m_start, NULL);
    XML_SetStartNamespaceDeclHandler(s->mp, m_ns);
    XML_SetXmlDeclHandler(s->mp, m_decl);
    XML_SetStartDoctypeDeclHandler(s->mp, m_doctype);
    XML_SetParamEntityParsing(s->mp, XML_PARAM_ENTITY_PARSING_NEVER);
    s->m_starts = s->m_oom = s->m_dtd = 0;
    s->m_enc_ok = 1;
    if (s->mdoc.err)
        return -1;
    if (XML_Parse(s->mp, s->mdoc.data, (int)s->mdoc.len, XML_TRUE) != XML_STATUS_OK)
        return XML_GetErrorCode(s->mp) ? (int)XML_GetErrorCode(s->mp) : -1;
    return s->m_oom || s->m_dtd ? -1 : 0;
}

/* Appends s escaped for an attribute value. */
static void add_escaped(struct sl_buf *b, const char *p, size_t n)
{
    static const char *const esc[256] = {['&'] = "&amp;", ['<'] = "&lt;",   ['"'] = "&quot;",
                                         ['\t'] = "&#9;", ['\n'] = "&#10;", ['\r'] = "&#13;"};
    for (size_t i = 0; i < n; i++) {
        const char *e = esc[(unsigned char)p[i]];
        if (e)
            sl_buf_addstr(b, e);
        else
            sl_buf_addch(b, p[i]);
    }
}

/* mdoc = <_ (the namespaces in scope)> + construct [+ </qname>] + </_> */
static void wrap(struct sl_scan *s, const unsigned char *c, size_t n, const unsigned char *qn,
                 size_t nq)
{
    struct sl_buf *d = &s->mdoc;
    sl_buf_reset(d);
    sl_buf_addstr(d, "<_");
    for (size_t i = s->nns; i-- > 0;) {
        const struct binding *b = &s->ns[i];
        const char *pre = s->nsbuf.data + b->pre;
        int seen = 0;
        for (size_t j = i + 1; j < s->nns && !seen; j++)
            seen = s->ns[j].npre == b->npre && !memcmp(s->nsbuf.data + s->ns[j].pre, pre, b->npre);
        if (seen || (b->npre == 0 && b->nuri == 0))
            continue;
        if (b->npre) {
            sl_buf_addstr(d, " xmlns:");
            sl_buf_add(d, pre, b->npre);
        } else {
            sl_buf_addstr(d, " xmlns");
        }
        sl_buf_addstr(d, "=\"");
        add_escaped(d, s->nsbuf.data + b->uri, b->nuri);
        sl_buf_addch(d, '"');
    }
    sl_buf_addch(d, '>');
    sl_buf_add(d, c, n);
    if (qn) {
        sl_buf_addstr(d, "</");
        sl_buf_add(d, qn, nq);
        sl_buf_addch(d, '>');
    }
    sl_buf_addstr(d, "</_>");
}

/* expat refused the construct at pos: its message, its line. */
static int micro_fail(struct sl_scan *s, int code, struct sl_error *err)
{
    if (code < 0 || s->m_oom)
        return fail_at(s, err, SL_ENOMEM, sl_scan_line(s), "out of memory");
    unsigned long line = sl_scan_line(s) + (unsigned long)XML_GetCurrentLineNumber(s->mp) - 1;
    return fail_at(s, err, SL_EXML, line, "%s; the part is not well-formed XML",
                   XML_ErrorString((enum XML_Error)code));
}

/* Pushes the qname of a started element (the common case inline: room in
 * both arrays). */
static int push_name_grow(struct sl_scan *s, const unsigned char *qn, size_t n,
                          struct sl_error *err)
{
    if (s->nstk == s->stkcap) {
        size_t cap = s->stkcap ? s->stkcap * 2 : 64;
        size_t *k = sl_realloc(s->stk, cap * sizeof *k);
        if (!k)
            return fail_at(s, err, SL_ENOMEM, sl_scan_line(s), "out of memory");
        s->stk = k;
        s->stkcap = cap;
    }
    s->stk[s->nstk++] = s->names.len;
    sl_buf_add(&s->names, qn, n);
    sl_buf_addch(&s->names, '\0');
    if (s->names.err)
        return fail_at(s, err, SL_ENOMEM, sl_scan_line(s), "out of memory");
    return 0;
}

static inline __attribute__((always_inline)) int
push_name(struct sl_scan *s, const unsigned char *qn, size_t n, struct sl_error *err)
{
    struct sl_buf *b = &s->names;
    if (s->nstk == s->stkcap || b->len + n + 1 >= b->cap || b->len + n + 1 > b->max)
        return push_name_grow(s, qn, n, err);
    s->stk[s->nstk++] = b->len;
    char *d = b->data + b->len;
    for (size_t i = 0; i < n; i++) /* short: no call to memcpy */
        d[i] = (char)qn[i];
    d[n] = d[n + 1] = '\0';
    b->len += n + 1;
    return 0;
}

static inline void pop(struct sl_scan *s)
{
    while (s->nns && s->ns[s->nns - 1].depth == s->depth) {
        s->nns--;
        s->nsbuf.len = s->ns[s->nns].pre;
    }
    s->names.len = s->stk[--s->nstk];
    s->depth--;
}

static inline int set_atts(struct sl_scan *s, size_t n, struct sl_error *err)
{
    if (__builtin_expect(2 * n + 1 > s->attcap, 0)) {
        size_t cap = 2 * n + 16;
        const char **a = sl_realloc(s->atts, cap * sizeof *a);
        if (!a)
            return fail_at(s, err, SL_ENOMEM, sl_scan_line(s), "out of memory");
        s->atts = a;
        s->attcap = cap;
    }
    return 0;
}

/* A quote-aware search for the end of the tag at pos: the offset after its
 * '>', 0 when the window ends first. */
static size_t tag_end(const struct sl_scan *s)
{
    const unsigned char *p = s->buf + s->pos + 1, *e = s->buf + s->end;
    while (p < e) {
        if (*p == '>')
            return (size_t)(p + 1 - s->buf);
        if (*p == '"' || *p == '\'') {
            const unsigned char *q = memchr(p + 1, *p, (size_t)(e - p - 1));
            if (!q)
                return 0;
            p = q + 1;
        } else {
            p++;
        }
    }
    return 0;
}

/* A start tag expat reads for us. */
static int slow_tag(struct sl_scan *s, struct sl_scan_ev *ev, struct sl_error *err)
{
    size_t te;
    while (!(te = tag_end(s))) {
        if (s->eof)
            return bad(s, err, "the part ends inside a tag");
        int rc = more(s, err);
        if (rc)
            return rc;
    }
    const unsigned char *t = s->buf + s->pos, *qn = t + 1;
    size_t nq = 0;
    while (qn + nq < s->buf + te && !(cls[qn[nq]] & C_WS) && qn[nq] != '/' && qn[nq] != '>')
        nq++;
    int empty = te - s->pos >= 2 && t[te - s->pos - 2] == '/';
    wrap(s, t, te - s->pos, empty ? NULL : qn, nq);
    size_t nns0 = s->nns, ns0 = s->nsbuf.len;
    int code = micro(s);
    if (code || s->m_starts < 2) {
        s->nns = nns0;
        s->nsbuf.len = ns0;
        return micro_fail(s, code ? code : -1, err);
    }
    size_t natt = (s->naoff - 1) / 2;
    if (set_atts(s, natt, err) || push_name(s, qn, nq, err))
        return s->rc;
    ev->name = s->ab.data;
    for (size_t i = 0; i < 2 * natt; i++)
        s->atts[i] = s->ab.data + s->aoff[i + 1];
    s->atts[2 * natt] = NULL;
    ev->atts = s->atts;
    s->depth++;
    s->pending_end = empty;
    s->pos = te;
    return SL_SCAN_START;
}

/* Finds the URI bound to prefix p (n bytes), NULL when unbound. */
static const char *lookup(const struct sl_scan *s, const unsigned char *p, size_t n, size_t *nuri)
{
    for (size_t i = s->nns; i-- > 0;) {
        const struct binding *b = &s->ns[i];
        if (b->npre == n && !memcmp(s->nsbuf.data + b->pre, p, n)) {
            *nuri = b->nuri;
            return s->nsbuf.data + b->uri;
        }
    }
    return NULL;
}

/* Decodes an attribute value in place; its new length, or -1 when it has
 * a reference that is not one. */
static long decode_att(struct sl_scan *s, unsigned char *v, size_t n)
{
    unsigned char *r = v, *w = v, *e = v + n;
    while (r < e) {
        unsigned char c = *r;
        if (c == '&') {
            size_t used = 0;
            unsigned char tmp[4];
            int k = ref(r, e, tmp, &used);
            if (k <= 0)
                return -1;
            memcpy(w, tmp, (size_t)k);
            w += k;
            r += used;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            if (c == '\n')
                s->lost++;
            *w++ = ' ';
            r++;
            if (c == '\r' && r < e && *r == '\n') {
                s->lost++;
                r++;
            }
        } else {
            *w++ = c;
            r++;
        }
    }
    return (long)(w - v);
}

/* Scans a name at p (ASCII NCName[:NCName]); its end, NULL when it is not
 * such a name; *colon the offset of ':' or -1. */
static unsigned char *qname(unsigned char *p, int *colon)
{
    unsigned char *b = p;
    *colon = -1;
    if (!(cls[*p] & C_NS))
        return NULL;
    p++;
    while (cls[*p] & C_NC)
        p++;
    if (*p == ':') {
        *colon = (int)(p - b);
        p++;
        if (!(cls[*p] & C_NS))
            return NULL;
        p++;
        while (cls[*p] & C_NC)
            p++;
        if (*p == ':')
            return NULL;
    }
    return *p >= 0x80 ? NULL : p;
}

/* One attribute at p (after white space): name, '=', quoted value, into
 * a; the byte after its closing quote, or NULL with *rc NEED or SLOW. */
static unsigned char *lex_att(struct fatt *a, unsigned char *p, const unsigned char *e, int *rc)
{
    *rc = SLOW;
    a->name = p;
    unsigned char *ne = qname(p, &a->colon);
    if (!ne)
        return NULL;
    if (ne >= e)
        goto need;
    a->nlen = (size_t)(ne - p);
    if ((a->colon == 5 || (a->colon < 0 && a->nlen == 5)) && !memcmp(p, "xmlns", 5))
        return NULL;
    p = ne;
    while (cls[*p] & C_WS)
        p++;
    if (p >= e)
        goto need;
    if (*p != '=')
        return NULL;
    for (p++; cls[*p] & C_WS;)
        p++;
    if (p >= e)
        goto need;
    unsigned char q = *p;
    if (q != '"' && q != '\'')
        return NULL;
    a->val = ++p;
    a->dec = 0;
    for (;;) {
        while (cls[*p] & C_AV)
            p++;
        unsigned char c = *p;
        if (c == q && p < e)
            break;
        if (p >= e)
            goto need;
        if (c == '"' || c == '\'') {
            p++;
        } else if (c == '\t' || c == '\n' || c == '\r' || c == '&') {
            a->dec = 1;
            p++;
        } else if (c >= 0x80) {
            int k = utf8_len(p, e);
            if (k <= 0) {
                if (k < 0)
                    *rc = NEED;
                return NULL;
            }
            p += k;
        } else {
            return NULL;
        }
    }
    a->vlen = (size_t)(p - a->val);
    return p + 1;
need:
    *rc = NEED;
    return NULL;
}

/* The attributes of the start tag from p (after its name) to its end:
 * into s->fa, *n of them, *empty for '/>'; 0 with *pp after the tag,
 * NEED or SLOW. */
static int lex_atts(struct sl_scan *s, unsigned char **pp, const unsigned char *e, size_t *n,
                    int *empty)
{
    unsigned char *p = *pp;
    *n = 0;
    *empty = 0;
    for (;;) {
        int ws = 0, rc;
        while (cls[*p] & C_WS)
            p++, ws = 1;
        if (p >= e)
            return NEED;
        if (*p == '>') {
            *pp = p + 1;
            return 0;
        }
        if (*p == '/') {
            if (p + 1 >= e)
                return NEED;
            if (p[1] != '>')
                return SLOW;
            *pp = p + 2;
            *empty = 1;
            return 0;
        }
        if (!ws || *n == FAST_ATTS)
            return SLOW;
        if (!(p = lex_att(&s->fa[*n], p, e, &rc)))
            return rc;
        ++*n;
    }
}

/* Whether two attributes have one expanded name. */
static int same_att(const struct fatt *x, const struct fatt *y)
{
    if (!x->uri != !y->uri)
        return 0;
    if (!x->uri)
        return x->nlen == y->nlen && same(x->name, y->name, x->nlen);
    size_t lx = x->nlen - (size_t)x->colon;
    return lx == y->nlen - (size_t)y->colon && same(x->name + x->colon, y->name + y->colon, lx) &&
           x->nuri == y->nuri && !memcmp(x->uri, y->uri, x->nuri);
}

/* The prefixes of the n attributes bound, no duplicates, values decoded:
 * 0; SLOW for anything expat must judge; *anyuri: one is namespaced. */
static int check_atts(struct sl_scan *s, size_t n, int *anyuri)
{
    *anyuri = 0;
    for (size_t i = 0; i < n; i++) {
        struct fatt *a = &s->fa[i];
        a->uri = NULL;
        if (a->colon < 0)
            continue;
        *anyuri = 1;
        if (a->colon == 3 && !memcmp(a->name, "xml", 3)) {
            a->uri = XML_NS;
            a->nuri = sizeof XML_NS - 1;
        } else if (!(a->uri = lookup(s, a->name, (size_t)a->colon, &a->nuri))) {
            return SLOW;
        }
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (same_att(&s->fa[i], &s->fa[j]))
                return SLOW; /* a duplicate: expat says which */
    for (size_t i = 0; i < n; i++) {
        struct fatt *a = &s->fa[i];
        if (a->dec) {
            long k = decode_att(s, a->val, a->vlen);
            if (k < 0)
                return SLOW;
            a->vlen = (size_t)k;
        }
    }
    return 0;
}

/* The expanded names of the namespaced attributes ("URI\x01local"), one
 * after the other in s->ab. */
static int expand_atts(struct sl_scan *s, size_t n, struct sl_error *err)
{
    sl_buf_reset(&s->ab);
    for (size_t i = 0; i < n; i++) {
        struct fatt *a = &s->fa[i];
        if (!a->uri)
            continue;
        sl_buf_add(&s->ab, a->uri, a->nuri);
        sl_buf_addch(&s->ab, '\x01');
        sl_buf_add(&s->ab, a->name + a->colon + 1, a->nlen - (size_t)a->colon - 1);
        sl_buf_addch(&s->ab, '\0');
    }
    if (s->ab.err)
        return fail_at(s, err, SL_ENOMEM, sl_scan_line(s), "out of memory");
    return 0;
}

/* Names and values NUL-terminated in place, expat's attribute array. */
static void put_atts(struct sl_scan *s, size_t n)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        struct fatt *a = &s->fa[i];
        if (a->name[a->nlen] == '\n')
            s->lost++;
        a->name[a->nlen] = '\0';
        a->val[a->vlen] = '\0';
        if (a->uri) {
            s->atts[2 * i] = s->ab.data + off;
            off += a->nuri + a->nlen - (size_t)a->colon + 1;
        } else {
            s->atts[2 * i] = (const char *)a->name;
        }
        s->atts[2 * i + 1] = (const char *)a->val;
    }
    s->atts[2 * n] = NULL;
}

/* The fast path for the start tag at pos: SL_SCAN_START, NEED, SLOW, < 0.
 * The whole tag is read (lex_atts) before it is resolved and checked
 * (check_atts), then written. */
static int fast_tag(struct sl_scan *s, struct sl_scan_ev *ev, struct sl_error *err)
{
    unsigned char *b = s->buf + s->pos, *e = s->buf + s->end;
    int colon, empty, anyuri;
    unsigned char *qn = b + 1, *qe = qname(qn, &colon);
    if (!qe)
        return b + 2 >= e ? NEED : SLOW;
    if (qe >= e)
        return NEED;
    unsigned char *p = qe;
    size_t n, nuri = 0;
    int rc = lex_atts(s, &p, e, &n, &empty);
    if (rc)
        return rc;
    if (colon >= 0 && !lookup(s, qn, (size_t)colon, &nuri))
        return SLOW; /* unbound (expat says so), or xml: on an element */
    if ((rc = check_atts(s, n, &anyuri)))
        return rc;
    if (set_atts(s, n, err) || push_name(s, qn, (size_t)(qe - qn), err) ||
        (anyuri && expand_atts(s, n, err)))
        return s->rc;
    put_atts(s, n);
    if (*qe == '\n')
        s->lost++;
    *qe = '\0';
    ev->name = (const char *)(colon >= 0 ? qn + colon + 1 : qn);
    ev->atts = s->atts;
    s->depth++;
    s->pending_end = empty;
    s->pos = (size_t)(p - s->buf);
    return SL_SCAN_START;
}

static int start_tag(struct sl_scan *s, struct sl_scan_ev *ev, struct sl_error *err)
{
    for (;;) {
        int rc = fast_tag(s, ev, err);
        if (rc == SLOW)
            return slow_tag(s, ev, err);
        if (rc != NEED)
            return rc;
        if (s->eof)
            return bad(s, err, "the part ends inside a tag");
        if ((rc = more(s, err)))
            return rc;
    }
}

static int end_tag(struct sl_scan *s, struct sl_error *err)
{
    for (;;) {
        unsigned char *b = s->buf + s->pos, *e = s->buf + s->end, *p = b + 2;
        while (p < e && !(cls[*p] & C_WS) && *p != '>')
            p++;
        unsigned char *ne = p;
        while (cls[*p] & C_WS)
            p++;
        if (p >= e) {
            if (s->eof)
                return bad(s, err, "the part ends inside an end tag");
            int rc = more(s, err);
            if (rc)
                return rc;
            continue;
        }
        const char *open = s->names.data + s->stk[s->nstk - 1];
        size_t n = (size_t)(ne - b - 2);
        if (*p != '>' || n != s->names.len - s->stk[s->nstk - 1] - 1 || !same(open, b + 2, n))
            return bad(s, err, "mismatched tag");
        s->pos = (size_t)(p + 1 - s->buf);
        pop(s);
        if (s->depth == 0)
            s->state = ST_EPILOG;
        return SL_SCAN_END;
    }
}

/* Finds lit (after at bytes from pos) in the window: the offset after it,
 * 0 when not (yet) there. */
static size_t find(const struct sl_scan *s, size_t at, const char *lit)
{
    size_t n = strlen(lit);
    const unsigned char *p = s->buf + s->pos + at, *e = s->buf + s->end;
    while (p + n <= e) {
        const unsigned char *q = memchr(p, lit[0], (size_t)(e - p));
        if (!q || q + n > e)
            return 0;
        if (!memcmp(q, lit, n))
            return (size_t)(q + n - s->buf);
        p = q + 1;
    }
    return 0;
}

/* A comment or PI at pos, ending in lit: checked by expat alone. */
static int misc(struct sl_scan *s, const char *lit, size_t skip, struct sl_error *err)
{
    size_t end;
    while (!(end = find(s, skip, lit))) {
        if (s->eof)
            return bad(s, err, "the part ends inside a comment or processing instruction");
        int rc = more(s, err);
        if (rc)
            return rc;
    }
    wrap(s, s->buf + s->pos, end - s->pos, NULL, 0);
    int code = micro(s);
    if (code)
        return micro_fail(s, code, err);
    s->pos = end;
    return 0;
}

/* CDATA at pos: its text decoded (line ends) in place. */
static int cdata(struct sl_scan *s, struct sl_scan_ev *ev, struct sl_error *err)
{
    size_t end;
    while (!(end = find(s, 9, "]]>"))) {
        if (s->eof)
            return bad(s, err, "the part ends inside a CDATA section");
        int rc = more(s, err);
        if (rc)
            return rc;
    }
    unsigned char *r = s->buf + s->pos + 9, *w = r, *e = s->buf + end - 3;
    ev->text = (const char *)w;
    while (r < e) {
        unsigned char c = *r;
        if (c >= 0x20 && c < 0x80) {
            *w++ = *r++;
        } else if (c == '\t' || c == '\n') {
            *w++ = *r++;
        } else if (c == '\r') {
            *w++ = '\n';
            r++;
            if (r < e && *r == '\n')
                r++;
        } else if (c >= 0x80) {
            int k = utf8_len(r, e);
            if (k <= 0)
                return bad(s, err, "not a character of XML in a CDATA section");
            memmove(w, r, (size_t)k);
            w += k;
            r += k;
        } else {
            return bad(s, err, "not a character of XML in a CDATA section");
        }
    }
    ev->len = (size_t)(w - (unsigned char *)ev->text);
    s->pos = end;
    return ev->len ? SL_SCAN_TEXT : 0;
}

/* Text at pos up to the next '<' or as far as the window goes, decoded in
 * place: SL_SCAN_TEXT, 0 (none here: a tag follows), NEED, < 0. */
static int text(struct sl_scan *s, struct sl_scan_ev *ev, struct sl_error *err)
{
    unsigned char *b = s->buf + s->pos, *r = b, *w = b, *e = s->buf + s->end;
    for (;;) {
        unsigned char *r0 = r;
        while (cls[*r] & C_TX)
            r++;
        if (w != r0)
            memmove(w, r0, (size_t)(r - r0));
        w += r - r0;
        if (r >= e || *r == '<')
            break;
        unsigned char c = *r;
        if (c == '&') {
            size_t used = 0;
            int k = ref(r, e, w, &used); /* writes at most used bytes: w <= r */
            if (k < 0 && !s->eof)
                break;
            if (k <= 0) {
                s->pos = (size_t)(r - s->buf);
                return bad(s, err, "a reference that is not one ('&' must be written '&amp;')");
            }
            w += k;
            r += used;
        } else if (c == '\r') {
            if (r + 1 >= e && !s->eof)
                break;
            *w++ = '\n';
            r++;
            if (r < e && *r == '\n')
                r++;
        } else if (c == ']') {
            if (r + 2 >= e && !s->eof)
                break;
            if (r + 2 < e && r[1] == ']' && r[2] == '>') {
                s->pos = (size_t)(r - s->buf);
                return bad(s, err, "']]>' in text");
            }
            *w++ = *r++;
        } else if (c >= 0x80) {
            int k = utf8_len(r, e);
            if (k < 0 && !s->eof)
                break;
            if (k <= 0) {
                s->pos = (size_t)(r - s->buf);
                return bad(s, err, "not UTF-8, or not a character of XML");
            }
            memmove(w, r, (size_t)k);
            w += k;
            r += k;
        } else {
            s->pos = (size_t)(r - s->buf);
            return bad(s, err, "a control character, which XML does not allow");
        }
    }
    s->pos = (size_t)(r - s->buf);
    if (w != b) {
        ev->text = (const char *)b;
        ev->len = (size_t)(w - b);
        return SL_SCAN_TEXT;
    }
    return r < e && *r == '<' ? 0 : NEED;
}

/* Before the root: BOM, XML declaration, comments, PIs, white space,
 * checked by expat on the bytes with an empty root after them. 0: pos at
 * the root's '<'; SL_SCAN_EXPAT; < 0. */
static int prolog(struct sl_scan *s, struct sl_error *err)
{
    int rc = fill(s, 4, err);
    if (rc)
        return rc;
    const unsigned char *b = s->buf;
    size_t p = 0;
    if (s->end >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        p = 3;
    else if (s->end < 2 || b[0] == 0xFE || b[0] == 0xFF || !b[0] || !b[1])
        return SL_SCAN_EXPAT;
    for (;;) {
        if (s->end > PROLOG_MAX)
            return SL_SCAN_EXPAT;
        b = s->buf;
        while (p < s->end && (cls[b[p]] & C_WS))
            p++;
        if (p + 4 > s->end && !s->eof) {
            if ((rc = fill(s, s->end + 4096, err)))
                return rc;
            continue;
        }
        if (p >= s->end || b[p] != '<' || p + 1 >= s->end)
            return SL_SCAN_EXPAT;
        size_t save = s->pos, end = 0;
        s->pos = p;
        if (b[p + 1] == '?')
            end = find(s, 2, "?>");
        else if (p + 4 <= s->end && !memcmp(b + p, "<!--", 4))
            end = find(s, 4, "-->");
        else if (b[p + 1] == '!')
            return SL_SCAN_EXPAT; /* a DTD: expat refuses it */
        else
            break; /* the root */
        s->pos = save;
        if (!end) {
            if (s->eof)
                return SL_SCAN_EXPAT;
            if ((rc = fill(s, s->end + 4096, err)))
                return rc;
            continue;
        }
        p = end;
    }
    sl_buf_reset(&s->mdoc);
    sl_buf_add(&s->mdoc, s->buf, p);
    sl_buf_addstr(&s->mdoc, "<_/>");
    if (micro(s) || !s->m_enc_ok)
        return SL_SCAN_EXPAT;
    s->pos = p;
    return 0;
}

static int epilog(struct sl_scan *s, struct sl_error *err)
{
    for (;;) {
        while (s->pos < s->end && (cls[s->buf[s->pos]] & C_WS))
            s->pos++;
        int rc = fill(s, 4, err);
        if (rc)
            return rc;
        if (s->pos >= s->end) {
            s->state = ST_DONE;
            return SL_SCAN_DONE;
        }
        if (cls[s->buf[s->pos]] & C_WS)
            continue;
        const unsigned char *b = s->buf + s->pos;
        if (s->end - s->pos >= 4 && !memcmp(b, "<!--", 4))
            rc = misc(s, "-->", 4, err);
        else if (s->end - s->pos >= 2 && !memcmp(b, "<?", 2))
            rc = misc(s, "?>", 2, err);
        else
            return bad(s, err, "junk after the document element");
        if (rc)
            return rc;
    }
}

/* A '<' at pos that is no start or end tag: a comment, PI or CDATA
 * (SL_SCAN_TEXT with its text), 0 when it gave no event, < 0. */
static int markup(struct sl_scan *s, struct sl_scan_ev *ev, struct sl_error *err)
{
    const unsigned char *b = s->buf + s->pos;
    if (b[1] == '?')
        return misc(s, "?>", 2, err);
    if (s->end - s->pos >= 4 && !memcmp(b, "<!--", 4))
        return misc(s, "-->", 4, err);
    if (s->end - s->pos >= 9 && !memcmp(b, "<![CDATA[", 9))
        return cdata(s, ev, err);
    return bad(s, err, "'<!' that starts no comment or CDATA section");
}

/* Inside the root: the next event. */
static int body(struct sl_scan *s, struct sl_scan_ev *ev, struct sl_error *err)
{
    int rc;
    for (;;) {
        if (s->state == ST_EPILOG)
            return epilog(s, err);
        if (s->end - s->pos < 9 && !s->eof && (rc = fill(s, 9, err)))
            return rc;
        if (s->pos >= s->end)
            return bad(s, err, "the part ends before its elements are closed");
        const unsigned char *b = s->buf + s->pos;
        if (b[0] != '<') {
            rc = text(s, ev, err);
            if (rc == NEED) {
                if (s->eof)
                    return bad(s, err, "the part ends before its elements are closed");
                if ((rc = more(s, err)))
                    return rc;
                continue;
            }
            if (rc)
                return rc;
            continue;
        }
        if (s->pos + 1 >= s->end)
            return bad(s, err, "the part ends inside a tag");
        if (b[1] == '/')
            return end_tag(s, err);
        if (b[1] != '!' && b[1] != '?')
            return start_tag(s, ev, err);
        if ((rc = markup(s, ev, err)))
            return rc;
    }
}

/* Any state but the body's plain course: an error or the end given
 * again, the end of an empty element, the prolog. */
static int next_rare(struct sl_scan *s, struct sl_scan_ev *ev, struct sl_error *err)
{
    if (s->state == ST_FAILED) {
        if (err && !err->code)
            *err = s->err;
        return s->rc;
    }
    if (s->state == ST_DONE)
        return SL_SCAN_DONE;
    if (s->state == ST_EXPAT)
        return SL_SCAN_EXPAT;
    if (s->pending_end) {
        s->pending_end = 0;
        pop(s);
        if (s->depth == 0)
            s->state = ST_EPILOG;
        return SL_SCAN_END;
    }
    if (s->state == ST_EPILOG)
        return epilog(s, err);
    int rc = prolog(s, err);
    if (rc == SL_SCAN_EXPAT) {
        s->state = ST_EXPAT;
        return rc;
    }
    if (rc)
        return rc;
    s->state = ST_BODY;
    return start_tag(s, ev, err);
}

int sl_scan_next(struct sl_scan *s, struct sl_scan_ev *ev, struct sl_error *err)
{
    if (__builtin_expect(s->state != ST_BODY || s->pending_end, 0))
        return next_rare(s, ev, err);
    return body(s, ev, err);
}

int sl_scan_peek(struct sl_scan *s, char **p, size_t *n)
{
    if (s->state != ST_BODY || s->pending_end || s->pos >= s->end)
        return 0;
    *p = (char *)s->buf + s->pos;
    *n = s->end - s->pos;
    return 1;
}

void sl_scan_skip(struct sl_scan *s, size_t n)
{
    s->pos += n;
}

/* The bytes of the 16 at q that may not be plain ASCII character data, a
 * bit each: all but 0x20-0x7F other than '<', '&' and ']' (a tab, a line
 * end or a byte past 0x7F gets a look of its own). */
static inline unsigned odd16(const unsigned char *q)
{
#ifdef __SSE2__
    __m128i v = _mm_loadu_si128((const __m128i *)q);
    __m128i ok = _mm_cmpgt_epi8(v, _mm_set1_epi8(0x1F)); /* signed: 0x80-0xFF fail */
    __m128i bad = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')), _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))),
        _mm_cmpeq_epi8(v, _mm_set1_epi8(']')));
    return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(bad, ok)) ^ 0xFFFFu;
#else
    (void)q;
    return 1; /* the first byte: the byte loop takes every one */
#endif
}

/* Runs of plain bytes are skipped 16 at a time, to the first byte that is
 * not (ctz of the mask); that byte is judged alone, then blocks again. */
size_t sl_scan_plain(const char *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p, *q = b, *e = b + n;
    while (q < e) {
        if (e - q >= 16) {
            unsigned m = odd16(q);
            if (!m) {
                q += 16;
                continue;
            }
            q += __builtin_ctz(m);
        }
        if (*q < 0x80) {
            if (!(cls[*q] & C_TX) || *q == '\n')
                return (size_t)(q - b);
            q++;
        } else {
            int k = utf8_len(q, e);
            if (k <= 0)
                return (size_t)(q - b);
            q += k;
        }
    }
    return (size_t)(q - b);
}
