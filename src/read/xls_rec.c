/* xls_rec.c - the .xls reader's records: the Workbook stream read record
 * by record, CONTINUE chains, and BIFF strings decoded to UTF-8 (UTF-16LE
 * or "compressed" one byte per character, switching at a CONTINUE; BIFF5:
 * bytes in the workbook's code page through iconv). Every length is
 * checked against its record. */
#include <errno.h>
#include <stdio.h>

#include "base/alloc.h"
#include "read/xls_int.h"

int sl_xls_corrupt(struct sl_xls *x, struct sl_error *err, const char *what)
{
    return sl_err_set(err, SL_EXLSX,
                      "'Workbook' stream, record 0x%04X at offset %llu: %s; the file is corrupt",
                      x->rtype, (unsigned long long)x->rpos, what);
}

int sl_xls_next_record(struct sl_xls *x, struct sl_error *err)
{
    if (x->pushed) {
        x->pushed = 0;
        return 1;
    }
    gsf_off_t at = sl_xls_gsf.input_tell(x->wb);
    if (at < 0 || (uint64_t)at >= x->size)
        return 0;
    x->rpos = (uint64_t)at;
    unsigned char h[4];
    if (x->size - x->rpos < 4)
        return sl_err_set(err, SL_EXLSX,
                          "'Workbook' stream ends inside a record header at offset %llu; the file "
                          "is truncated",
                          (unsigned long long)x->rpos);
    if (!sl_xls_gsf.input_read(x->wb, 4, h))
        goto unreadable;
    x->rtype = u16(h);
    x->rlen = u16(h + 2);
    if (x->rlen > x->size - x->rpos - 4)
        return sl_err_set(err, SL_EXLSX,
                          "'Workbook' stream: record 0x%04X at offset %llu runs past the end of "
                          "the stream; the file is truncated",
                          x->rtype, (unsigned long long)x->rpos);
    if (x->rlen && !sl_xls_gsf.input_read(x->wb, x->rlen, x->rec))
        goto unreadable;
    return 1;
unreadable:
    return sl_err_set(err, SL_EXLSX,
                      "cannot read the 'Workbook' stream at offset %llu: a sector is missing; the "
                      "file is truncated or corrupt",
                      (unsigned long long)x->rpos);
}

/* ---- text ---- */

static int put_cp(struct sl_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return sl_buf_add(b, u, n);
}

/* A string being decoded: UTF-16 units may pair across chunks. */
struct u16state {
    uint32_t hi; /* a pending high surrogate, or 0 */
};

static void u16_flush(struct sl_buf *b, struct u16state *s)
{
    if (s->hi) {
        put_cp(b, 0xFFFD);
        s->hi = 0;
    }
}

/* Appends n characters at p (2 bytes each when wide, else 1) as UTF-8. */
static void put_chars(struct sl_buf *b, const unsigned char *p, size_t n, int wide,
                      struct u16state *s)
{
    for (size_t i = 0; i < n; i++) {
        if (!wide) {
            u16_flush(b, s);
            if (p[i] < 0x80)
                sl_buf_addch(b, (char)p[i]);
            else
                put_cp(b, p[i]);
            continue;
        }
        uint32_t u = u16(p + 2 * i);
        if (u >= 0xD800 && u <= 0xDBFF) {
            u16_flush(b, s);
            s->hi = u;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            if (s->hi) {
                put_cp(b, 0x10000 + ((s->hi - 0xD800) << 10) + (u - 0xDC00));
                s->hi = 0;
            } else {
                put_cp(b, 0xFFFD);
            }
        } else {
            u16_flush(b, s);
            if (u < 0x80)
                sl_buf_addch(b, (char)u);
            else
                put_cp(b, u);
        }
    }
}

/* BIFF5: n bytes in the workbook's code page, as UTF-8 (an invalid byte
 * becomes U+FFFD). */
static void put_cp_bytes(struct sl_xls *x, struct sl_buf *b, const unsigned char *p, size_t n)
{
    if (x->cd == (iconv_t)-1) {
        struct u16state s = {0};
        put_chars(b, p, n, 0, &s);
        return;
    }
    iconv(x->cd, NULL, NULL, NULL, NULL);
    char *in = (char *)p;
    size_t left = n;
    while (left > 0 && !b->err) {
        if (sl_buf_grow(b, left * 4 + 8))
            return;
        char *o = b->data + b->len;
        size_t room = b->cap - b->len - 1, before = room;
        size_t r = iconv(x->cd, &in, &left, &o, &room);
        b->len += before - room;
        b->data[b->len] = '\0';
        if (r == (size_t)-1 && left > 0 && errno != E2BIG) {
            put_cp(b, 0xFFFD); /* EILSEQ or EINVAL: skip the byte */
            in++;
            left--;
        }
    }
}

static const char *cp_name(unsigned cp, char *name, size_t cap)
{
    switch (cp) {
    case 367:
        return "ASCII";
    case 1200:
    case 0:
        return NULL;
    case 10000:
    case 32768:
        return "MACINTOSH";
    case 32769:
        return "CP1252";
    default:
        snprintf(name, cap, "CP%u", cp);
        return name;
    }
}

/* Makes at least one byte available; 0 or an error. */
static int rd_more(struct sl_xls *x, struct rd *r, struct sl_error *err, const char *what)
{
    if (r->p < x->rlen)
        return 0;
    if (!r->cont)
        return sl_xls_corrupt(x, err, what);
    for (;;) {
        int rc = sl_xls_next_record(x, err);
        if (rc < 0)
            return rc;
        if (rc == 0 || x->rtype != REC_CONTINUE) {
            if (rc)
                x->pushed = 1;
            return sl_err_set(err, SL_EXLSX,
                              "'Workbook' stream at offset %llu: %s; the file is corrupt",
                              (unsigned long long)x->rpos, what);
        }
        r->p = 0;
        if (x->rlen)
            return 0;
    }
}

static int rd_bytes(struct sl_xls *x, struct rd *r, unsigned char *out, size_t n,
                    struct sl_error *err, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        int rc = rd_more(x, r, err, what);
        if (rc)
            return rc;
        out[i] = x->rec[r->p++];
    }
    return 0;
}

static int rd_skip(struct sl_xls *x, struct rd *r, uint64_t n, struct sl_error *err,
                   const char *what)
{
    while (n > 0) {
        int rc = rd_more(x, r, err, what);
        if (rc)
            return rc;
        size_t k = x->rlen - r->p;
        if (k > n)
            k = (size_t)n;
        r->p += k;
        n -= k;
    }
    return 0;
}

int sl_xls_text_full(struct sl_buf *b, struct sl_error *err)
{
    if (!b->err)
        return 0;
    if (b->err == SL_ELIMIT)
        return sl_err_set(err, SL_ELIMIT, "the text passes the memory limit of %llu bytes",
                          (unsigned long long)b->max);
    return sl_err_set(err, SL_ENOMEM, "out of memory");
}

/* cch characters; wide = the first flag's fHighByte. At a CONTINUE
 * boundary a new flags byte says how the rest is stored. */
static int rd_chars(struct sl_xls *x, struct rd *r, size_t cch, int wide, struct sl_buf *out,
                    struct sl_error *err, const char *what)
{
    struct u16state s = {0};
    while (cch > 0) {
        if (r->p >= x->rlen) {
            int rc = rd_more(x, r, err, what);
            if (rc)
                return rc;
            /* The continued part starts with its own flags byte (0 or 1),
             * except in Gnumeric's STRING records, where the characters
             * simply go on: a byte above 1, or a record that holds exactly
             * the rest of the characters, has no flags. */
            unsigned char b0 = x->rec[r->p];
            if (b0 <= 1 && x->rlen - r->p != cch * (wide ? 2 : 1)) {
                wide = b0;
                r->p++;
            }
            continue;
        }
        size_t avail = (x->rlen - r->p) / (wide ? 2 : 1);
        if (avail == 0)
            return sl_xls_corrupt(x, err, "a character is split between two records");
        if (avail > cch)
            avail = cch;
        put_chars(out, x->rec + r->p, avail, wide, &s);
        r->p += avail * (wide ? 2 : 1);
        cch -= avail;
    }
    u16_flush(out, &s);
    return sl_xls_text_full(out, err);
}

int sl_xls_rd_string(struct sl_xls *x, struct rd *r, int lenbytes, int rich_ok, struct sl_buf *out,
                     struct sl_error *err, const char *what)
{
    unsigned char h[4];
    int rc = rd_bytes(x, r, h, (size_t)lenbytes, err, what);
    if (rc)
        return rc;
    size_t cch = lenbytes == 1 ? h[0] : u16(h);
    if (x->biff < 8) {
        unsigned char *tmp = sl_malloc(cch ? cch : 1);
        if (!tmp)
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        rc = rd_bytes(x, r, tmp, cch, err, what);
        if (!rc)
            put_cp_bytes(x, out, tmp, cch);
        sl_free(tmp);
        return rc ? rc : sl_xls_text_full(out, err);
    }
    unsigned char fl;
    if ((rc = rd_bytes(x, r, &fl, 1, err, what)))
        return rc;
    unsigned runs = 0;
    uint32_t ext = 0;
    if (rich_ok && (fl & 8)) {
        if ((rc = rd_bytes(x, r, h, 2, err, what)))
            return rc;
        runs = u16(h);
    }
    if (rich_ok && (fl & 4)) {
        if ((rc = rd_bytes(x, r, h, 4, err, what)))
            return rc;
        ext = u32(h);
    }
    if ((rc = rd_chars(x, r, cch, fl & 1, out, err, what)))
        return rc;
    return rd_skip(x, r, (uint64_t)runs * 4 + ext, err, what);
}

/* ---- globals ---- */

int sl_xls_record_string(struct sl_xls *x, size_t at, int lenbytes, size_t max, struct sl_buf *out,
                         struct sl_error *err, const char *what)
{
    struct rd r = {at, 0};
    sl_buf_init(out, max);
    int rc = sl_xls_rd_string(x, &r, lenbytes, 0, out, err, what);
    if (rc)
        sl_buf_release(out);
    return rc;
}

int sl_xls_grow(void *v, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : first;
    void *p = sl_realloc(*(void **)v, c * size);
    if (!p)
        return -1;
    *(void **)v = p;
    *cap = c;
    return 0;
}

void sl_xls_set_codepage(struct sl_xls *x, unsigned cp)
{
    if (x->cd != (iconv_t)-1)
        iconv_close(x->cd);
    x->cd = (iconv_t)-1;
    x->codepage = cp;
    char buf[16];
    const char *name = cp_name(cp, buf, sizeof buf);
    if (name)
        x->cd = iconv_open("UTF-8", name); /* unknown: Latin-1 */
}
