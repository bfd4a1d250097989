/* xls.c - a legacy .xls workbook (BIFF8, and BIFF5/7) read from its OLE2
 * container (libgsf) record by record.
 *
 * The container: libgsf opens the compound file and gives the 'Workbook'
 * stream (BIFF8; 'Book' for BIFF5), checking the sector chains. An OLE2
 * file without one is named from its streams (Word, PowerPoint, an
 * encrypted OOXML package, Outlook).
 *
 * The stream: records of (type u16, length u16, body). The globals come
 * first (BOF, FILEPASS = encrypted, CODEPAGE, DATEMODE = 1904 system,
 * FORMAT, XF, BOUNDSHEET, SST with its CONTINUE records, EOF); each sheet is
 * a substream BOF..EOF at the offset its BOUNDSHEET gives (charts inside a
 * sheet nest their own BOF..EOF, skipped). The chosen sheet's cell records
 * (LABELSST, LABEL, RSTRING, NUMBER, RK, MULRK, BOOLERR, FORMULA and the
 * STRING after it) become cells of text (cellfmt.c: numbers, dates by the
 * XF's number format, zero padding), stored in one array, sorted by (row,
 * column, order in the file) so the later duplicate wins, and handed out
 * as rows.
 *
 * Strings are UTF-16LE or "compressed" (one byte per character, U+0000 to
 * U+00FF) and may change between the two at a CONTINUE boundary; BIFF5
 * strings are bytes in the workbook's code page (iconv). Every length is
 * checked against its record; nothing is allocated from a declared count. */
#include "read/xls.h"

#include <errno.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input-stdio.h>
#include <gsf/gsf-utils.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "read/cellfmt.h"

#define REC_BOF        0x0809
#define REC_EOF        0x000A
#define REC_CONTINUE   0x003C
#define REC_FILEPASS   0x002F
#define REC_CODEPAGE   0x0042
#define REC_DATEMODE   0x0022
#define REC_FORMAT     0x041E
#define REC_XF         0x00E0
#define REC_BOUNDSHEET 0x0085
#define REC_SST        0x00FC
#define REC_LABELSST   0x00FD
#define REC_LABEL      0x0204
#define REC_RSTRING    0x00D6
#define REC_NUMBER     0x0203
#define REC_RK         0x027E
#define REC_MULRK      0x00BD
#define REC_BOOLERR    0x0205
#define REC_FORMULA    0x0006
#define REC_STRING     0x0207
#define REC_SHRFMLA    0x04BC
#define REC_ARRAY      0x0221
#define REC_TABLE      0x0236

#define MAX_COLS 65536 /* a column is a u16 in BIFF */

struct fmt {
    uint16_t id;
    signed char kind; /* enum sl_numfmt_kind */
    signed char pad;  /* zero-padding width, 0 = none */
};

struct xcell {    /* 24 bytes */
    size_t off;   /* of the text in the sheet's text or the shared strings */
    uint32_t row; /* 0-based */
    uint32_t seq; /* order in the file: the later duplicate wins */
    uint32_t len;
    uint16_t col;
    uint8_t kind; /* enum sl_cell_kind */
    uint8_t sst;  /* text is in the shared strings, not the sheet's text */
};

struct sheet {
    char *name;
    uint32_t pos; /* offset of its BOF in the stream */
    uint8_t type; /* 0 worksheet, 1 macro, 2 chart, 6 VB module */
};

struct sl_xls {
    GsfInput *src;
    GsfInfile *ole;
    GsfInput *wb;
    struct sheetload_limits lim;
    int biff; /* 8 or 5 */
    int date1904;
    unsigned codepage;
    iconv_t cd;    /* BIFF5: code page -> UTF-8; (iconv_t)-1 = Latin-1 */
    uint64_t size; /* the stream's */
    /* The current record. */
    uint64_t rpos; /* offset of its header */
    unsigned rtype, rlen;
    unsigned char *rec; /* 65536 bytes */
    int pushed;         /* the current record is to be read again */
    /* Globals. */
    struct fmt *fmts;
    size_t nfmts, fmtcap;
    uint16_t *xf_fmt;
    size_t nxf, xfcap;
    signed char *xf_kind, *xf_pad;
    struct sheet *sheets;
    size_t nsheets, sheetcap, cur;
    /* Shared strings: one arena, each string NUL-terminated. */
    struct sl_buf sst;
    size_t *sst_off;
    size_t nsst, sstcap;
    /* The chosen sheet. */
    struct sl_buf text;
    struct xcell *cells;
    size_t ncells, cellcap;
    uint64_t sheet_bytes;
    /* Hand-out. */
    size_t next; /* index into cells */
    size_t given;
    struct sl_cell *row;
    size_t rowcap;
    int finished;
};

static pthread_once_t gsf_once = PTHREAD_ONCE_INIT;

static void quiet(const gchar *dom, GLogLevelFlags lvl, const gchar *msg, gpointer ud)
{
    (void)dom, (void)lvl, (void)msg, (void)ud; /* corrupt files are our errors, not warnings */
}

static void gsf_setup(void)
{
    gsf_init();
    g_log_set_handler("libgsf:msole", G_LOG_LEVEL_MASK, quiet, NULL);
    g_log_set_handler("libgsf", G_LOG_LEVEL_MASK, quiet, NULL);
    /* gsf-infile.c logs without a domain ("Unable to get child[0] ...");
     * nothing else in sheetload uses GLib's default domain. */
    g_log_set_handler(NULL, G_LOG_LEVEL_MASK & ~G_LOG_LEVEL_ERROR, quiet, NULL);
}

static inline unsigned u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static inline uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double f64(const unsigned char *p)
{
    uint64_t b = (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32;
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static int corrupt(struct sl_xls *x, struct sl_error *err, const char *what)
{
    return sl_err_set(err, SL_EXLSX,
                      "'Workbook' stream, record 0x%04X at offset %llu: %s; the file is corrupt",
                      x->rtype, (unsigned long long)x->rpos, what);
}

/* Reads the next record into x->rec. 1 = a record, 0 = end of stream,
 * < 0 = error. */
static int next_record(struct sl_xls *x, struct sl_error *err)
{
    if (x->pushed) {
        x->pushed = 0;
        return 1;
    }
    gsf_off_t at = gsf_input_tell(x->wb);
    if (at < 0 || (uint64_t)at >= x->size)
        return 0;
    x->rpos = (uint64_t)at;
    unsigned char h[4];
    if (x->size - x->rpos < 4)
        return sl_err_set(err, SL_EXLSX,
                          "'Workbook' stream ends inside a record header at offset %llu; the file "
                          "is truncated",
                          (unsigned long long)x->rpos);
    if (!gsf_input_read(x->wb, 4, h))
        goto unreadable;
    x->rtype = u16(h);
    x->rlen = u16(h + 2);
    if (x->rlen > x->size - x->rpos - 4)
        return sl_err_set(err, SL_EXLSX,
                          "'Workbook' stream: record 0x%04X at offset %llu runs past the end of "
                          "the stream; the file is truncated",
                          x->rtype, (unsigned long long)x->rpos);
    if (x->rlen && !gsf_input_read(x->wb, x->rlen, x->rec))
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

/* A reader of bytes over a record and the CONTINUE records after it. */
struct rd {
    size_t p;
    int cont; /* CONTINUE records may follow */
};

/* Makes at least one byte available; 0 or an error. */
static int rd_more(struct sl_xls *x, struct rd *r, struct sl_error *err, const char *what)
{
    if (r->p < x->rlen)
        return 0;
    if (!r->cont)
        return corrupt(x, err, what);
    for (;;) {
        int rc = next_record(x, err);
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

/* The sticky error of a text buffer (or its length past its maximum) as an
 * error of ours. */
static int text_full(struct sl_buf *b, struct sl_error *err)
{
    if (!b->err && b->len > b->max)
        b->err = SL_ELIMIT; /* sl_buf_addch's fast path fills the capacity past max */
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
            return corrupt(x, err, "a character is split between two records");
        if (avail > cch)
            avail = cch;
        put_chars(out, x->rec + r->p, avail, wide, &s);
        r->p += avail * (wide ? 2 : 1);
        cch -= avail;
    }
    u16_flush(out, &s);
    return text_full(out, err);
}

/* An XLUnicodeString (BIFF8: cch of lenbytes, flags, characters, runs and
 * phonetic data skipped) or a BIFF5 byte string (cch of lenbytes, bytes),
 * appended to out. */
static int rd_string(struct sl_xls *x, struct rd *r, int lenbytes, int rich_ok, struct sl_buf *out,
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
        return rc ? rc : text_full(out, err);
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

static int parse_sst(struct sl_xls *x, struct sl_error *err)
{
    if (x->rlen < 8)
        return corrupt(x, err, "the shared-string table is shorter than its header");
    uint32_t want = u32(x->rec + 4);
    struct rd r = {8, 1};
    while (x->nsst < want) {
        if (r.p >= x->rlen) {
            /* The table may end early (Excel's count can be higher than
             * what follows when strings were dropped): stop at a record
             * that is not a CONTINUE. */
            int rc = next_record(x, err);
            if (rc < 0)
                return rc;
            if (rc == 0 || x->rtype != REC_CONTINUE) {
                if (rc)
                    x->pushed = 1;
                break;
            }
            r.p = 0;
            continue;
        }
        if (x->nsst == x->sstcap) {
            size_t cap = x->sstcap ? x->sstcap * 2 : 1024;
            size_t *v = sl_realloc(x->sst_off, cap * sizeof *v);
            if (!v)
                return sl_err_set(err, SL_ENOMEM, "out of memory");
            x->sst_off = v;
            x->sstcap = cap;
        }
        x->sst_off[x->nsst] = x->sst.len;
        int rc = rd_string(x, &r, 2, 1, &x->sst, err, "a shared string runs past its record");
        if (!rc) {
            sl_buf_addch(&x->sst, '\0');
            rc = text_full(&x->sst, err);
        }
        if (rc)
            return rc;
        x->nsst++;
    }
    return 0;
}

static int add_format(struct sl_xls *x, struct sl_error *err)
{
    if (x->rlen < 2)
        return 0;
    struct sl_buf code;
    sl_buf_init(&code, 1 << 16);
    struct rd r = {2, 0};
    int rc = rd_string(x, &r, x->biff >= 8 ? 2 : 1, 0, &code, err,
                       "a number format runs past its record");
    if (rc) {
        sl_buf_release(&code);
        return rc;
    }
    if (x->nfmts == x->fmtcap) {
        size_t cap = x->fmtcap ? x->fmtcap * 2 : 64;
        struct fmt *v = sl_realloc(x->fmts, cap * sizeof *v);
        if (!v) {
            sl_buf_release(&code);
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        }
        x->fmts = v;
        x->fmtcap = cap;
    }
    int pad = 0;
    struct fmt *f = &x->fmts[x->nfmts++];
    f->id = (uint16_t)u16(x->rec);
    f->kind = (signed char)sl_numfmt_classify(code.data ? code.data : "", &pad);
    f->pad = (signed char)(pad > 100 ? 100 : pad);
    sl_buf_release(&code);
    return 0;
}

static int add_xf(struct sl_xls *x, struct sl_error *err)
{
    if (x->rlen < 4)
        return corrupt(x, err, "an XF record is too short");
    if (x->nxf == x->xfcap) {
        size_t cap = x->xfcap ? x->xfcap * 2 : 64;
        uint16_t *v = sl_realloc(x->xf_fmt, cap * sizeof *v);
        if (!v)
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        x->xf_fmt = v;
        x->xfcap = cap;
    }
    x->xf_fmt[x->nxf++] = (uint16_t)u16(x->rec + 2);
    return 0;
}

static int add_sheet(struct sl_xls *x, struct sl_error *err)
{
    if (x->rlen < 8)
        return corrupt(x, err, "a BOUNDSHEET record is too short");
    struct sl_buf name;
    sl_buf_init(&name, 4096);
    struct rd r = {6, 0};
    int rc = rd_string(x, &r, 1, 0, &name, err, "a sheet name runs past its record");
    if (rc) {
        sl_buf_release(&name);
        return rc;
    }
    if (x->nsheets == x->sheetcap) {
        size_t cap = x->sheetcap ? x->sheetcap * 2 : 8;
        struct sheet *v = sl_realloc(x->sheets, cap * sizeof *v);
        if (!v) {
            sl_buf_release(&name);
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        }
        x->sheets = v;
        x->sheetcap = cap;
    }
    struct sheet *s = &x->sheets[x->nsheets];
    s->name = name.data ? sl_buf_detach(&name, NULL) : sl_strdup("");
    if (!s->name)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    s->pos = u32(x->rec);
    s->type = x->rec[5];
    x->nsheets++;
    return 0;
}

/* Each XF's date kind and padding, from its format (a FORMAT record with
 * that id overrides the built-in meaning; the last one wins). */
static int resolve_xfs(struct sl_xls *x, struct sl_error *err)
{
    if (!x->nxf)
        return 0;
    x->xf_kind = sl_malloc(x->nxf);
    x->xf_pad = sl_malloc(x->nxf);
    if (!x->xf_kind || !x->xf_pad)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    for (size_t i = 0; i < x->nxf; i++) {
        int kind = sl_numfmt_builtin(x->xf_fmt[i]), pad = 0;
        for (size_t j = x->nfmts; j-- > 0;)
            if (x->fmts[j].id == x->xf_fmt[i]) {
                kind = x->fmts[j].kind;
                pad = x->fmts[j].pad;
                break;
            }
        x->xf_kind[i] = (signed char)kind;
        x->xf_pad[i] = (signed char)pad;
    }
    return 0;
}

static int encrypted(struct sl_error *err)
{
    return sl_err_set(err, SL_EFORMAT,
                      "the workbook is password-protected (encrypted); open it in Excel or "
                      "LibreOffice, remove the password and save it again");
}

static void set_codepage(struct sl_xls *x, unsigned cp)
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

static int parse_globals(struct sl_xls *x, struct sl_error *err)
{
    int rc = next_record(x, err);
    if (rc < 0 && x->rtype == REC_BOF)
        return rc;
    if (rc <= 0 || x->rtype != REC_BOF || x->rlen < 4)
        return sl_err_reset(err, SL_EXLSX,
                            "the 'Workbook' stream does not start with a BOF record; the file is "
                            "corrupt or not an Excel workbook");
    unsigned vers = u16(x->rec);
    if (vers == 0x0600)
        x->biff = 8;
    else if (vers == 0x0500)
        x->biff = 5;
    else
        return sl_err_set(err, SL_EFORMAT,
                          "unsupported Excel file version (BIFF BOF 0x%04X); sheetload reads "
                          "Excel 5.0 to 2003 files: save it as .xlsx",
                          vers);
    if (x->biff < 8)
        set_codepage(x, 1252); /* until a CODEPAGE record says otherwise */
    for (;;) {
        if ((rc = next_record(x, err)) < 0)
            return rc;
        if (rc == 0)
            return sl_err_set(err, SL_EXLSX,
                              "the 'Workbook' stream ends before the workbook's EOF record; the "
                              "file is truncated");
        rc = 0;
        switch (x->rtype) {
        case REC_EOF:
            return resolve_xfs(x, err);
        case REC_FILEPASS:
            return encrypted(err);
        case REC_CODEPAGE:
            if (x->rlen >= 2 && x->biff < 8)
                set_codepage(x, u16(x->rec));
            break;
        case REC_DATEMODE:
            if (x->rlen >= 2)
                x->date1904 = u16(x->rec) != 0;
            break;
        case REC_FORMAT:
            rc = add_format(x, err);
            break;
        case REC_XF:
            rc = add_xf(x, err);
            break;
        case REC_BOUNDSHEET:
            rc = add_sheet(x, err);
            break;
        case REC_SST:
            if (x->biff >= 8 && !x->sst_off)
                rc = parse_sst(x, err);
            break;
        default:
            break;
        }
        if (rc)
            return rc;
    }
}

/* ---- the sheet ---- */

static int new_cell(struct sl_xls *x, unsigned row, unsigned col, int kind, int sst, size_t off,
                    size_t len, struct sl_error *err)
{
    if (len == 0)
        return 0; /* an empty string has no value */
    if (len > x->lim.max_cell_bytes) {
        sl_err_set(err, SL_ELIMIT, "a cell's text is longer than the limit of %llu bytes",
                   (unsigned long long)x->lim.max_cell_bytes);
        goto at;
    }
    if (x->ncells == x->cellcap) {
        size_t cap = x->cellcap ? x->cellcap * 2 : 4096;
        if ((uint64_t)cap * sizeof(struct xcell) + x->text.len > x->lim.max_sst_bytes) {
            sl_err_set(err, SL_ELIMIT, "the sheet's cells pass the memory limit of %llu bytes",
                       (unsigned long long)x->lim.max_sst_bytes);
            goto at;
        }
        struct xcell *v = sl_realloc(x->cells, cap * sizeof *v);
        if (!v) {
            sl_err_set(err, SL_ENOMEM, "out of memory");
            goto at;
        }
        x->cells = v;
        x->cellcap = cap;
    }
    struct xcell *c = &x->cells[x->ncells];
    c->row = row;
    c->col = (uint16_t)col;
    c->seq = (uint32_t)x->ncells;
    c->kind = (uint8_t)kind;
    c->sst = (uint8_t)sst;
    c->off = off;
    c->len = (uint32_t)len;
    x->ncells++;
    return 0;
at:
    if (err) {
        err->row = (long long)row + 1;
        err->col = (int)col + 1;
    }
    return err ? err->code : SL_ELIMIT;
}

/* A cell whose text is appended to x->text by the caller from start. */
static int text_cell(struct sl_xls *x, unsigned row, unsigned col, int kind, size_t start,
                     struct sl_error *err)
{
    if (x->text.err || sl_buf_addch(&x->text, '\0')) {
        int code = text_full(&x->text, err);
        if (err) {
            err->row = (long long)row + 1;
            err->col = (int)col + 1;
        }
        return code;
    }
    size_t len = x->text.len - 1 - start;
    int rc = new_cell(x, row, col, kind, 0, start, len, err);
    if (!len)
        x->text.len = start; /* nothing kept */
    return rc;
}

static int number_cell(struct sl_xls *x, unsigned row, unsigned col, unsigned xf, double v,
                       struct sl_error *err)
{
    char buf[SL_CELLFMT_MAX];
    size_t n = 0;
    int kind = xf < x->nxf ? x->xf_kind[xf] : 0, pad = xf < x->nxf ? x->xf_pad[xf] : 0;
    int ck = SL_CELL_NUMBER;
    if (kind != SL_NF_NONE && (n = sl_fmt_serial(v, kind, x->date1904, buf)) > 0)
        ck = SL_CELL_DATE;
    else
        n = pad > 0 ? sl_fmt_number_padded(v, pad, buf) : sl_fmt_number(v, buf);
    size_t start = x->text.len;
    sl_buf_add(&x->text, buf, n);
    return text_cell(x, row, col, ck, start, err);
}

static double rk_value(uint32_t rk)
{
    double d;
    if (rk & 2) {
        d = (double)((int32_t)rk >> 2);
    } else {
        uint64_t b = (uint64_t)(rk & 0xFFFFFFFCu) << 32;
        memcpy(&d, &b, sizeof d);
    }
    return (rk & 1) ? d / 100 : d;
}

static const char *error_text(unsigned code)
{
    switch (code) {
    case 0x00:
        return "#NULL!";
    case 0x07:
        return "#DIV/0!";
    case 0x0F:
        return "#VALUE!";
    case 0x17:
        return "#REF!";
    case 0x1D:
        return "#NAME?";
    case 0x24:
        return "#NUM!";
    case 0x2A:
        return "#N/A";
    case 0x2B:
        return "#GETTING_DATA";
    default:
        return "#ERROR!";
    }
}

static int const_cell(struct sl_xls *x, unsigned row, unsigned col, int kind, const char *s,
                      struct sl_error *err)
{
    size_t start = x->text.len;
    sl_buf_addstr(&x->text, s);
    return text_cell(x, row, col, kind, start, err);
}

static int boolerr(struct sl_xls *x, unsigned row, unsigned col, unsigned v, int is_err,
                   struct sl_error *err)
{
    if (is_err)
        return const_cell(x, row, col, SL_CELL_ERROR, error_text(v), err);
    return const_cell(x, row, col, SL_CELL_BOOL, v ? "TRUE" : "FALSE", err);
}

/* A string cell: the string starts at rec + off (LABEL, RSTRING: cch u16). */
static int label(struct sl_xls *x, unsigned row, unsigned col, struct sl_error *err)
{
    size_t start = x->text.len;
    struct rd r = {6, 0};
    int rc = rd_string(x, &r, 2, 0, &x->text, err, "a string cell runs past its record");
    if (rc) {
        if (err && !err->row) {
            err->row = (long long)row + 1;
            err->col = (int)col + 1;
        }
        return rc;
    }
    return text_cell(x, row, col, SL_CELL_STRING, start, err);
}

struct pending {
    int on;
    unsigned row, col;
};

static int cell_record(struct sl_xls *x, struct pending *pf, struct sl_error *err)
{
    const unsigned char *b = x->rec;
    unsigned n = x->rlen;
    if (x->rtype == REC_STRING) {
        if (!pf->on)
            return 0;
        pf->on = 0;
        size_t start = x->text.len;
        struct rd r = {0, 1};
        int rc = rd_string(x, &r, 2, 0, &x->text, err, "a formula's string runs past its record");
        if (rc) {
            if (err && !err->row) {
                err->row = (long long)pf->row + 1;
                err->col = (int)pf->col + 1;
            }
            return rc;
        }
        return text_cell(x, pf->row, pf->col, SL_CELL_STRING, start, err);
    }
    if (x->rtype == REC_SHRFMLA || x->rtype == REC_ARRAY || x->rtype == REC_TABLE ||
        x->rtype == REC_CONTINUE)
        return 0; /* may come between a FORMULA and its STRING */
    unsigned short known[] = {REC_LABELSST, REC_LABEL, REC_RSTRING, REC_NUMBER,
                              REC_RK,       REC_MULRK, REC_BOOLERR, REC_FORMULA};
    size_t k = 0;
    while (k < sizeof known / sizeof known[0] && known[k] != x->rtype)
        k++;
    if (k == sizeof known / sizeof known[0])
        return 0;
    pf->on = 0;
    if (n < 6)
        return corrupt(x, err, "a cell record is too short");
    unsigned row = u16(b), col = u16(b + 2), xf = u16(b + 4);
    switch (x->rtype) {
    case REC_LABELSST: {
        if (n < 10)
            return corrupt(x, err, "a LABELSST record is too short");
        uint32_t i = u32(b + 6);
        if (i >= x->nsst) {
            sl_err_set(err, SL_EXLSX,
                       "'Workbook' stream: shared string %lu does not exist (the table has %zu "
                       "strings); the file is corrupt",
                       (unsigned long)i, x->nsst);
            if (err) {
                err->row = (long long)row + 1;
                err->col = (int)col + 1;
            }
            return SL_EXLSX;
        }
        size_t off = x->sst_off[i];
        size_t end = i + 1 < x->nsst ? x->sst_off[i + 1] - 1 : x->sst.len - 1;
        return new_cell(x, row, col, SL_CELL_STRING, 1, off, end - off, err);
    }
    case REC_LABEL:
    case REC_RSTRING:
        return label(x, row, col, err);
    case REC_NUMBER:
        if (n < 14)
            return corrupt(x, err, "a NUMBER record is too short");
        return number_cell(x, row, col, xf, f64(b + 6), err);
    case REC_RK:
        if (n < 10)
            return corrupt(x, err, "an RK record is too short");
        return number_cell(x, row, col, xf, rk_value(u32(b + 6)), err);
    case REC_MULRK: {
        /* rw, colFirst, (ixfe, rk) x k, colLast */
        if (n < 12 || (n - 6) % 6)
            return corrupt(x, err, "a MULRK record has a wrong length");
        unsigned cnt = (n - 6) / 6;
        for (unsigned i = 0; i < cnt; i++) {
            const unsigned char *e = b + 4 + 6 * i;
            if (col + i >= MAX_COLS)
                return corrupt(x, err, "a MULRK record runs past the last column");
            int rc = number_cell(x, row, col + i, u16(e), rk_value(u32(e + 2)), err);
            if (rc)
                return rc;
        }
        return 0;
    }
    case REC_BOOLERR:
        if (n < 8)
            return corrupt(x, err, "a BOOLERR record is too short");
        return boolerr(x, row, col, b[6], b[7] != 0, err);
    case REC_FORMULA:
        if (n < 20)
            return corrupt(x, err, "a FORMULA record is too short");
        if (b[12] == 0xFF && b[13] == 0xFF) {
            switch (b[6]) {
            case 0: /* a string: in the STRING record that follows */
                pf->on = 1;
                pf->row = row;
                pf->col = col;
                return 0;
            case 1:
                return boolerr(x, row, col, b[8], 0, err);
            case 2:
                return boolerr(x, row, col, b[8], 1, err);
            default: /* 3: an empty string */
                return 0;
            }
        }
        return number_cell(x, row, col, xf, f64(b + 6), err);
    }
    return 0;
}

static int cmp_cell(const void *a, const void *b)
{
    const struct xcell *p = a, *q = b;
    if (p->row != q->row)
        return p->row < q->row ? -1 : 1;
    if (p->col != q->col)
        return p->col < q->col ? -1 : 1;
    return p->seq < q->seq ? -1 : p->seq > q->seq;
}

static int read_sheet(struct sl_xls *x, struct sl_error *err)
{
    struct sheet *s = &x->sheets[x->cur];
    if (s->pos >= x->size || gsf_input_seek(x->wb, s->pos, G_SEEK_SET)) {
        sl_err_set(err, SL_EXLSX,
                   "the sheet starts at offset %lu, past the end of the 'Workbook' stream "
                   "(%llu bytes); the file is truncated or corrupt",
                   (unsigned long)s->pos, (unsigned long long)x->size);
        return SL_EXLSX;
    }
    x->pushed = 0;
    int rc = next_record(x, err);
    if (rc < 0)
        return rc;
    if (rc == 0 || x->rtype != REC_BOF)
        return sl_err_set(err, SL_EXLSX,
                          "the sheet has no BOF record at offset %lu of the 'Workbook' stream; the "
                          "file is corrupt",
                          (unsigned long)s->pos);
    int depth = 1;
    struct pending pf = {0, 0, 0};
    while (depth > 0) {
        if ((rc = next_record(x, err)) < 0)
            return rc;
        if (rc == 0)
            return sl_err_set(err, SL_EXLSX,
                              "the sheet ends without its EOF record; the file is truncated");
        if (x->rtype == REC_BOF)
            depth++;
        else if (x->rtype == REC_EOF)
            depth--;
        else if (depth == 1 && (rc = cell_record(x, &pf, err)))
            return rc;
    }
    x->sheet_bytes = x->rpos + 4 - s->pos;
    int sorted = 1;
    for (size_t i = 1; i < x->ncells && sorted; i++)
        sorted = cmp_cell(&x->cells[i - 1], &x->cells[i]) < 0;
    if (!sorted)
        qsort(x->cells, x->ncells, sizeof *x->cells, cmp_cell);
    return 0;
}

/* ---- open ---- */

static int choose_sheet(struct sl_xls *x, const char *want, struct sl_error *err)
{
    x->cur = 0;
    if (!want) {
        if (x->nsheets == 0)
            return sl_err_set(err, SL_EXLSX, "the workbook lists no sheets");
        return 0;
    }
    for (size_t i = 0; i < x->nsheets; i++)
        if (!strcmp(x->sheets[i].name, want)) {
            x->cur = i;
            return 0;
        }
    if (want[0] >= '0' && want[0] <= '9' && strspn(want, "0123456789") == strlen(want)) {
        unsigned long long k = strtoull(want, NULL, 10);
        if (k >= 1 && k <= x->nsheets) {
            x->cur = (size_t)k - 1;
            return 0;
        }
    }
    if (x->nsheets == 0)
        return sl_err_set(err, SL_ENOTFOUND, "sheet '%s' not found; the workbook has no sheets",
                          want);
    char list[700];
    size_t off = 0;
    list[0] = '\0';
    for (size_t i = 0; i < x->nsheets; i++) {
        int k = snprintf(list + off, sizeof list - off, "%s'%s'", i ? ", " : "", x->sheets[i].name);
        if (k < 0 || (size_t)k >= sizeof list - off) {
            snprintf(list + off, sizeof list - off, ", ...");
            break;
        }
        off += (size_t)k;
    }
    return sl_err_set(err, SL_ENOTFOUND, "sheet '%s' not found; the workbook has %s", want, list);
}

/* An OLE2 file without a workbook stream: say what it is from its streams. */
static int not_a_workbook(GsfInfile *ole, struct sl_error *err)
{
    int n = gsf_infile_num_children(ole);
    int word = 0, ppt = 0, enc = 0, msg = 0, vis = 0;
    for (int i = 0; i < n; i++) {
        const char *c = gsf_infile_name_by_index(ole, i);
        if (!c)
            continue;
        if (!strcasecmp(c, "WordDocument"))
            word = 1;
        else if (!strcasecmp(c, "PowerPoint Document"))
            ppt = 1;
        else if (!strcasecmp(c, "EncryptedPackage") || !strcasecmp(c, "EncryptionInfo"))
            enc = 1;
        else if (!strncasecmp(c, "__substg1.0_", 12) || !strcasecmp(c, "__properties_version1.0"))
            msg = 1;
        else if (!strcasecmp(c, "VisioDocument"))
            vis = 1;
    }
    const char *what = enc    ? "a password-protected (encrypted) Office document; remove the "
                                "password in Excel and save it again"
                       : word ? "a Word document (.doc), not a spreadsheet"
                       : ppt  ? "a PowerPoint presentation (.ppt), not a spreadsheet"
                       : msg  ? "an Outlook message (.msg), not a spreadsheet; save the attached "
                                "workbook and load that"
                       : vis  ? "a Visio drawing, not a spreadsheet"
                              : "an OLE2 compound file without a 'Workbook' stream, so not an "
                                "Excel workbook";
    return sl_err_set(err, SL_EFORMAT, "this is %s", what);
}

static GsfInput *find_stream(GsfInfile *ole)
{
    static const char *names[] = {"Workbook", "Book"};
    for (size_t k = 0; k < 2; k++) {
        int n = gsf_infile_num_children(ole);
        for (int i = 0; i < n; i++) {
            const char *c = gsf_infile_name_by_index(ole, i);
            if (c && !strcasecmp(c, names[k])) {
                GsfInput *in = gsf_infile_child_by_index(ole, i);
                if (in)
                    return in;
            }
        }
    }
    return NULL;
}

static int open_container(struct sl_xls *x, const char *path, const void *data, size_t n,
                          struct sl_error *err)
{
    GError *ge = NULL;
    if (path)
        x->src = gsf_input_stdio_new(path, &ge);
    else
        x->src = gsf_input_memory_new((const guint8 *)data, (gsf_off_t)n, FALSE);
    if (!x->src) {
        int rc = sl_err_set(err, SL_EIO, "cannot open: %s", ge ? ge->message : "unknown error");
        if (ge)
            g_error_free(ge);
        return rc;
    }
    if (ge)
        g_clear_error(&ge);
    x->ole = gsf_infile_msole_new(x->src, &ge);
    if (!x->ole) {
        char why[200];
        snprintf(why, sizeof why, "%s", ge && ge->message ? ge->message : "unreadable");
        for (char *p = why; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        if (ge)
            g_error_free(ge);
        return sl_err_set(err, SL_EXLSX,
                          "an Office 97-2003 (OLE2) file that is truncated or corrupt (%s)", why);
    }
    x->wb = find_stream(x->ole);
    if (!x->wb)
        return not_a_workbook(x->ole, err);
    gsf_off_t sz = gsf_input_size(x->wb);
    x->size = sz > 0 ? (uint64_t)sz : 0;
    if (x->size > x->lim.max_entry_bytes)
        return sl_err_set(err, SL_ELIMIT,
                          "the 'Workbook' stream is %llu bytes, more than the limit of %llu",
                          (unsigned long long)x->size, (unsigned long long)x->lim.max_entry_bytes);
    if (gsf_input_seek(x->wb, 0, G_SEEK_SET))
        return sl_err_set(err, SL_EXLSX, "cannot read the 'Workbook' stream; the file is corrupt");
    return 0;
}

int sl_xls_open(struct sl_xls **out, const char *path, const void *data, size_t n,
                const struct sl_reader_opts *opts, struct sl_error *err)
{
    *out = NULL;
    pthread_once(&gsf_once, gsf_setup);
    struct sl_xls *x = sl_calloc(1, sizeof *x);
    if (!x)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    x->cd = (iconv_t)-1;
    if (opts)
        x->lim = opts->limits;
    sl_limits_defaults(&x->lim);
    sl_buf_init(&x->sst, x->lim.max_sst_bytes);
    sl_buf_init(&x->text, x->lim.max_sst_bytes);
    int rc = SL_ENOMEM;
    if (!(x->rec = sl_malloc(65536))) {
        sl_err_set(err, SL_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = open_container(x, path, data, n, err)))
        goto fail;
    if ((rc = parse_globals(x, err)))
        goto fail;
    if ((rc = choose_sheet(x, opts ? opts->sheet : NULL, err)))
        goto fail;
    if ((rc = read_sheet(x, err))) {
        if (err && !err->sheet[0])
            sl_strlcpy(err->sheet, x->sheets[x->cur].name, sizeof err->sheet);
        goto fail;
    }
    *out = x;
    return 0;
fail:
    if (err && !err->code)
        sl_err_set(err, rc ? rc : SL_EXLSX, "cannot read the workbook");
    rc = err && err->code ? err->code : (rc ? rc : SL_EXLSX);
    sl_xls_close(x);
    return rc;
}

int sl_xls_next(struct sl_xls *x, struct sl_row *row, struct sl_error *err)
{
    (void)err;
    if (x->finished || x->next >= x->ncells) {
        x->finished = 1;
        return 0;
    }
    uint32_t r = x->cells[x->next].row;
    size_t end = x->next;
    while (end < x->ncells && x->cells[end].row == r)
        end++;
    size_t width = (size_t)x->cells[end - 1].col + 1;
    if (width > x->rowcap) {
        struct sl_cell *v = sl_realloc(x->row, width * sizeof *v);
        if (!v) {
            x->finished = 1;
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        }
        x->row = v;
        x->rowcap = width;
    }
    for (size_t i = 0; i < width; i++)
        x->row[i] = (struct sl_cell){"", 0, SL_CELL_EMPTY};
    for (size_t i = x->next; i < end; i++) { /* sorted: the later duplicate is last */
        const struct xcell *c = &x->cells[i];
        const char *base = c->sst ? x->sst.data : x->text.data;
        x->row[c->col] = (struct sl_cell){base + c->off, c->len, c->kind};
    }
    x->given += end - x->next;
    x->next = end;
    row->num = (long long)r + 1;
    row->ncells = width;
    row->cells = x->row;
    return 1;
}

void sl_xls_close(struct sl_xls *x)
{
    if (!x)
        return;
    if (x->wb)
        g_object_unref(x->wb);
    if (x->ole)
        g_object_unref(x->ole);
    if (x->src)
        g_object_unref(x->src);
    if (x->cd != (iconv_t)-1)
        iconv_close(x->cd);
    for (size_t i = 0; i < x->nsheets; i++)
        sl_free(x->sheets[i].name);
    sl_free(x->sheets);
    sl_free(x->rec);
    sl_free(x->fmts);
    sl_free(x->xf_fmt);
    sl_free(x->xf_kind);
    sl_free(x->xf_pad);
    sl_free(x->sst_off);
    sl_buf_release(&x->sst);
    sl_buf_release(&x->text);
    sl_free(x->cells);
    sl_free(x->row);
    sl_free(x);
}

size_t sl_xls_sheet_count(const struct sl_xls *x)
{
    return x->nsheets;
}

const char *sl_xls_sheet_name(const struct sl_xls *x, size_t i)
{
    return i < x->nsheets ? x->sheets[i].name : NULL;
}

size_t sl_xls_current_sheet(const struct sl_xls *x)
{
    return x->cur;
}

uint64_t sl_xls_bytes_read(const struct sl_xls *x)
{
    return x->ncells ? x->sheet_bytes * x->given / x->ncells : x->sheet_bytes;
}

uint64_t sl_xls_bytes_total(const struct sl_xls *x)
{
    return x->sheet_bytes;
}
