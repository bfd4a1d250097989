/* csv.c - a streaming RFC 4180 reader (see csv.h for the dialect).
 *
 * One context object holds the input window, the record number and the
 * current row, as SQLite's ext/misc/csv.c does. Unquoted runs and quoted
 * runs are found by scanning the window directly (a table lookup per byte,
 * memchr for quotes) and copied into the row buffer in one piece; the window
 * is refilled only when a run reaches its end. Fields are stored back to
 * back, NUL-terminated, in one buffer; the cell array is fixed up to point
 * into it once the row is complete. */
#include "read/csv.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"

#define WINDOW       (256 * 1024)
#define DETECT_BYTES (64 * 1024)

struct sl_csv {
    int fd;
    int eof;   /* fd returned 0 (or there is no fd) */
    int done;  /* end reached or an error reported */
    char *win; /* input window: bytes [pos, end) not yet parsed */
    size_t pos, end, cap;
    uint64_t got; /* bytes taken from the input in all */
    uint64_t total;
    char delim;
    unsigned char stop[256]; /* bytes that end an unquoted run */
    uint64_t max_field;
    uint64_t max_row;
    size_t max_fields;
    long long rownum;   /* records started */
    long long line;     /* physical line of the next byte, 1-based */
    struct sl_buf text; /* the row's fields, each NUL-terminated */
    struct sl_cell *cells;
    size_t ncap;
    /* Decoding (another encoding than UTF-8): the input's bytes wait in
     * raw[rpos, rend) and refill converts them into the window. */
    iconv_t cd;   /* NOCONV: the input is read as UTF-8 */
    char enc[32]; /* the encoding read, for messages and statistics */
    char *raw;
    size_t rpos, rend, rcap;
    int raw_eof;
};

#define NOCONV  ((iconv_t)-1)
#define RAW_CAP (64 * 1024)

/* Reads more raw bytes (decoding). 1 = some, 0 = end, < 0 = error. */
static int read_raw(struct sl_csv *c, struct sl_error *err)
{
    if (c->raw_eof)
        return 0;
    if (c->rpos > 0) {
        memmove(c->raw, c->raw + c->rpos, c->rend - c->rpos);
        c->rend -= c->rpos;
        c->rpos = 0;
    }
    for (;;) {
        ssize_t n = read(c->fd, c->raw + c->rend, c->rcap - c->rend);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sl_err_set(err, SL_EIO, "cannot read: %s", strerror(errno));
        if (n == 0) {
            c->raw_eof = 1;
            return 0;
        }
        c->rend += (size_t)n;
        c->got += (uint64_t)n;
        return 1;
    }
}

/* Decodes raw bytes into dst[0, cap) (cap >= 8): the bytes written, 0 at
 * the end of input, < 0 on an error. A sequence the encoding refuses is
 * reported only once the text before it has been parsed, so the error
 * names its row and column. */
static ssize_t decode(struct sl_csv *c, char *dst, size_t cap, struct sl_error *err)
{
    for (;;) {
        if (c->rpos < c->rend) {
            char *in = c->raw + c->rpos, *out = dst;
            size_t inleft = c->rend - c->rpos, outleft = cap;
            size_t r = iconv(c->cd, &in, &inleft, &out, &outleft);
            int e = errno;
            c->rpos = (size_t)(in - c->raw);
            if (out > dst)
                return out - dst;
            if (r == (size_t)-1 && e == EILSEQ)
                return sl_err_set(err, SL_ECHARSET,
                                  "byte 0x%02X is not valid %s text; the file is in another "
                                  "encoding: give it with --encoding (iconv -l lists the names)",
                                  (unsigned char)c->raw[c->rpos], c->enc);
            /* else the rest is an incomplete sequence (EINVAL): read more */
        }
        int rc = read_raw(c, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (c->rpos < c->rend)
                return sl_err_set(err, SL_ECHARSET,
                                  "the file ends in the middle of a %s "
                                  "character",
                                  c->enc);
            return 0;
        }
    }
}

/* Moves the unparsed bytes to the front and reads more. 1 = more bytes, 0 =
 * end of input, < 0 = read error. */
static int refill(struct sl_csv *c, struct sl_error *err)
{
    if (c->eof)
        return 0;
    if (c->pos > 0) {
        memmove(c->win, c->win + c->pos, c->end - c->pos);
        c->end -= c->pos;
        c->pos = 0;
    }
    while (c->end < c->cap) {
        if (c->cd != NOCONV) {
            if (c->cap - c->end < 8)
                break; /* a character may need 4 bytes; parse first */
            ssize_t n = decode(c, c->win + c->end, c->cap - c->end, err);
            if (n < 0)
                return (int)n;
            if (n == 0)
                c->eof = 1;
            c->end += (size_t)(n > 0 ? n : 0);
            break;
        }
        ssize_t n = read(c->fd, c->win + c->end, c->cap - c->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sl_err_set(err, SL_EIO, "cannot read: %s", strerror(errno));
        if (n == 0) {
            c->eof = 1;
            break;
        }
        c->end += (size_t)n;
        c->got += (uint64_t)n;
        break; /* a pipe gives what it has; do not wait for a full window */
    }
    return c->end > c->pos ? 1 : 0;
}

/* The next byte without consuming it: 0..255, -1 at the end, < -1 error. */
static inline int peek(struct sl_csv *c, struct sl_error *err)
{
    if (c->pos < c->end)
        return (unsigned char)c->win[c->pos];
    int rc = refill(c, err);
    if (rc < 0)
        return rc == -1 ? -2 : rc;
    return rc ? (unsigned char)c->win[c->pos] : -1;
}

static void set_stop(struct sl_csv *c)
{
    memset(c->stop, 0, sizeof c->stop);
    c->stop[(unsigned char)c->delim] = 1;
    c->stop['\n'] = 1;
    c->stop['\r'] = 1;
}

/* Counts the candidate delimiters outside quotes in the first record of
 * the window and picks the most frequent (ties: , then ; then TAB). */
static char detect(const char *p, size_t n)
{
    size_t comma = 0, semi = 0, tab = 0;
    int inq = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == '"')
            inq = !inq;
        else if (inq)
            continue;
        else if (ch == '\n' || ch == '\r')
            break;
        else if (ch == ',')
            comma++;
        else if (ch == ';')
            semi++;
        else if (ch == '\t')
            tab++;
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

/* "cp-1252", "CP1252", "cp_1252" -> "cp1252": for comparing names. */
static void enc_key(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; s && *s && o + 1 < cap; s++)
        if (*s != '-' && *s != '_' && *s != ' ')
            out[o++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
    out[o] = '\0';
}

/* The encoding: a byte-order mark decides by itself; else the option; else
 * UTF-8. Decoded input starts in raw (the prefix, its BOM dropped). */
static int set_encoding(struct sl_csv *c, const void *prefix, size_t n, const char *want,
                        struct sl_error *err)
{
    static const struct {
        const char *bom;
        size_t len;
        const char *name;
    } boms[] = {
        {"\xEF\xBB\xBF", 3, "UTF-8"},    {"\xFF\xFE\0\0", 4, "UTF-32LE"},
        {"\0\0\xFE\xFF", 4, "UTF-32BE"}, {"\xFF\xFE", 2, "UTF-16LE"},
        {"\xFE\xFF", 2, "UTF-16BE"},
    };
    const char *name = NULL;
    size_t skip = 0;
    for (size_t i = 0; i < sizeof boms / sizeof boms[0] && !name; i++)
        if (n >= boms[i].len && !memcmp(prefix, boms[i].bom, boms[i].len))
            name = boms[i].name, skip = boms[i].len;
    char a[32], b[32];
    enc_key(want, a, sizeof a);
    enc_key(name, b, sizeof b);
    if (name && want && *want && strncmp(b, a, strlen(a)))
        sl_warn("the file starts with a %s byte-order mark, which decides its encoding; "
                "--encoding %s is ignored",
                name, want);
    if (!name && want && *want && strcmp(a, "utf8"))
        name = want;
    if (!name || !strcmp(name, "UTF-8"))
        return 0; /* read as it is; sl_csv_open skips a UTF-8 BOM */
    c->cd = iconv_open("UTF-8", name);
    if (c->cd == NOCONV)
        return sl_err_set(err, errno == EINVAL ? SL_EINVAL : SL_ENOMEM,
                          errno == EINVAL ? "unknown encoding '%s'; 'iconv -l' lists the names "
                                            "this system knows (cp1252, macintosh, latin1, "
                                            "utf-16, ...)"
                                          : "cannot open a converter from '%s': out of memory",
                          name);
    snprintf(c->enc, sizeof c->enc, "%s", name);
    for (char *p = c->enc; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    c->rcap = n > RAW_CAP ? n : RAW_CAP;
    if (!(c->raw = sl_malloc(c->rcap)))
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    memcpy(c->raw, (const char *)prefix + skip, n - skip);
    c->rend = n - skip;
    c->got = n;
    c->eof = 0; /* the window's end comes when raw is decoded */
    return 0;
}

/* A byte-order mark needs the first 4 bytes: read into head when the
 * caller gave fewer (they are parsed first, as the prefix is). */
static const void *first_bytes(int fd, const void *prefix, size_t *prefix_len, char head[8])
{
    if (fd < 0 || *prefix_len >= 4)
        return prefix;
    if (*prefix_len)
        memcpy(head, prefix, *prefix_len);
    while (*prefix_len < 4) {
        ssize_t n = read(fd, head + *prefix_len, 4 - *prefix_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* an error shows again at the next read */
        *prefix_len += (size_t)n;
    }
    return head;
}

/* The reader's state and limits, and its window (a small file of known
 * size gets a window to fit; a file that grows meanwhile is still read
 * right, in more refills). 0 or SL_ENOMEM. */
static int init_reader(struct sl_csv *c, int fd, uint64_t total, size_t prefix_len,
                       const struct sl_reader_opts *opts)
{
    c->fd = fd;
    c->eof = fd < 0;
    c->raw_eof = fd < 0;
    c->cd = NOCONV;
    sl_strlcpy(c->enc, "UTF-8", sizeof c->enc);
    c->total = total;
    c->line = 1;
    struct sheetload_limits lim = opts ? opts->limits : (struct sheetload_limits){0};
    sl_limits_defaults(&lim);
    c->max_field = lim.max_cell_bytes;
    c->max_row = lim.max_cell_bytes * 4;
    c->max_fields = lim.max_fields ? lim.max_fields : SL_CSV_DEFAULT_MAX_FIELDS;
    sl_buf_init(&c->text, 0);
    size_t cap = total && total < WINDOW ? (size_t)total + 1 : WINDOW;
    if (cap < 4096)
        cap = 4096;
    if (prefix_len > cap)
        cap = prefix_len;
    c->cap = cap;
    c->win = sl_malloc(cap + 1);
    return c->win ? 0 : SL_ENOMEM;
}

/* Fills enough to see the BOM and the first record, then sets the
 * delimiter (given, else detected from it). */
static int first_record(struct sl_csv *c, const struct sl_reader_opts *opts, struct sl_error *err)
{
    int rc;
    while (!c->eof && c->end < DETECT_BYTES && !memchr(c->win, '\n', c->end) &&
           !memchr(c->win, '\r', c->end)) {
        size_t before = c->end;
        if ((rc = refill(c, err)) == SL_ECHARSET) {
            sl_err_clear(err); /* reported again, with its row, when parsed */
            break;
        }
        if (rc < 0)
            return rc;
        if (c->end == before)
            break;
    }
    if (c->cd == NOCONV && c->end >= 3 && !memcmp(c->win, "\xEF\xBB\xBF", 3))
        c->pos = 3;
    c->delim = opts && opts->delimiter ? opts->delimiter : detect(c->win + c->pos, c->end - c->pos);
    if (c->delim == '"' || c->delim == '\n' || c->delim == '\r')
        return sl_err_set(err, SL_EINVAL, "the delimiter cannot be a quote or a line end");
    set_stop(c);
    return 0;
}

int sl_csv_open(struct sl_csv **out, int fd, const void *prefix, size_t prefix_len, uint64_t total,
                const struct sl_reader_opts *opts, struct sl_error *err)
{
    struct sl_csv *c = sl_calloc(1, sizeof *c);
    char head[8];
    *out = NULL;
    if (!c) {
        if (fd >= 0)
            close(fd);
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    prefix = first_bytes(fd, prefix, &prefix_len, head);
    int rc = init_reader(c, fd, total, prefix_len, opts);
    if (!rc)
        rc = set_encoding(c, prefix, prefix_len, opts ? opts->encoding : NULL, err);
    if (!rc && c->cd == NOCONV) {
        if (prefix_len)
            memcpy(c->win, prefix, prefix_len);
        c->end = prefix_len;
        c->got = prefix_len;
    }
    if (!rc)
        rc = first_record(c, opts, err);
    if (rc) {
        if (!err || !err->code)
            sl_err_set(err, SL_ENOMEM, "out of memory");
        sl_csv_close(c);
        return rc < 0 ? rc : SL_ENOMEM;
    }
    *out = c;
    return 0;
}

void sl_csv_close(struct sl_csv *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    if (c->cd != NOCONV)
        iconv_close(c->cd);
    sl_free(c->raw);
    sl_free(c->win);
    sl_buf_release(&c->text);
    sl_free(c->cells);
    sl_free(c);
}

uint64_t sl_csv_bytes_read(const struct sl_csv *c)
{
    if (c->cd != NOCONV)
        return c->got - (c->rend - c->rpos); /* raw bytes decoded */
    return c->got - (c->end - c->pos);
}

const char *sl_csv_encoding(const struct sl_csv *c)
{
    return c->enc;
}

uint64_t sl_csv_bytes_total(const struct sl_csv *c)
{
    return c->total;
}

char sl_csv_delimiter(const struct sl_csv *c)
{
    return c->delim;
}

/* Offset of the first byte that is not valid UTF-8 in s[0..n), or n. */
static size_t utf8_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* Fast path: 8 ASCII bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char b = s[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp, min;
        if (b >= 0xC2 && b <= 0xDF)
            k = 1, cp = b & 0x1F, min = 0x80;
        else if (b >= 0xE0 && b <= 0xEF)
            k = 2, cp = b & 0x0F, min = 0x800;
        else if (b >= 0xF0 && b <= 0xF4)
            k = 3, cp = b & 0x07, min = 0x10000;
        else
            return i;
        if (n - i <= k)
            return i;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += k + 1;
    }
    return n;
}

static int fail_at(struct sl_csv *c, struct sl_error *err, int code, size_t col)
{
    c->done = 1;
    if (err && err->code)
        code = err->code; /* the first error seen is the one reported */
    if (err && err->code == code) {
        if (!err->row)
            err->row = c->rownum;
        if (!err->col)
            err->col = (int)col;
    }
    return code;
}

/* Appends s[0..n) to the current field, which started at text offset fstart. */
static int add(struct sl_csv *c, const char *s, size_t n, size_t fstart, size_t col,
               struct sl_error *err)
{
    if (c->text.len - fstart + n > c->max_field) {
        sl_err_set(err, SL_ELIMIT, "a field is longer than the limit of %llu bytes",
                   (unsigned long long)c->max_field);
        return fail_at(c, err, SL_ELIMIT, col);
    }
    if (c->text.len + n > c->max_row) {
        sl_err_set(err, SL_ELIMIT, "the row is longer than the limit of %llu bytes",
                   (unsigned long long)c->max_row);
        return fail_at(c, err, SL_ELIMIT, col);
    }
    if (sl_buf_add(&c->text, s, n)) {
        sl_err_set(err, SL_ENOMEM, "out of memory");
        return fail_at(c, err, SL_ENOMEM, col);
    }
    return 0;
}

static long long count_nl(const char *p, size_t n)
{
    long long k = 0;
    const char *e = p + n;
    while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

/* A quoted field; the opening quote is at c->pos. */
static int quoted(struct sl_csv *c, size_t fstart, size_t col, struct sl_error *err)
{
    long long start_line = c->line;
    c->pos++;
    for (;;) {
        if (c->pos == c->end) {
            int rc = refill(c, err);
            if (rc < 0)
                return fail_at(c, err, rc, col);
            if (rc == 0) {
                sl_err_set(err, SL_ECSV,
                           "unterminated quoted field: the quote opening it on line %lld is "
                           "never closed; a quote inside a quoted field must be doubled (\"\")",
                           start_line);
                return fail_at(c, err, SL_ECSV, col);
            }
        }
        const char *p = c->win + c->pos;
        size_t avail = c->end - c->pos;
        const char *q = memchr(p, '"', avail);
        size_t run = q ? (size_t)(q - p) : avail;
        if (run) {
            c->line += count_nl(p, run);
            if (add(c, p, run, fstart, col, err))
                return err ? err->code : SL_ECSV;
            c->pos += run;
        }
        if (!q)
            continue;
        /* At a quote: a doubled quote is data, else the field is closed. */
        c->pos++;
        int nx = peek(c, err);
        if (nx < -1)
            return fail_at(c, err, SL_EIO, col);
        if (nx == '"') {
            if (add(c, "\"", 1, fstart, col, err))
                return err ? err->code : SL_ECSV;
            c->pos++;
            continue;
        }
        if (nx == -1 || nx == (unsigned char)c->delim || nx == '\n' || nx == '\r')
            return 0;
        if (nx >= 0x20 && nx < 0x7F)
            sl_err_set(err, SL_ECSV,
                       "unexpected '%c' after the closing quote of a field; a quote inside "
                       "a quoted field must be doubled (\"\")",
                       nx);
        else
            sl_err_set(err, SL_ECSV,
                       "unexpected byte 0x%02X after the closing quote of a field; a quote "
                       "inside a quoted field must be doubled (\"\")",
                       (unsigned)nx);
        return fail_at(c, err, SL_ECSV, col);
    }
}

/* An unquoted field from c->pos up to a delimiter, line end or the end. */
static int unquoted(struct sl_csv *c, size_t fstart, size_t col, struct sl_error *err)
{
    for (;;) {
        const unsigned char *p = (const unsigned char *)c->win + c->pos;
        const unsigned char *e = (const unsigned char *)c->win + c->end;
        const unsigned char *s = p;
        while (s < e && !c->stop[*s])
            s++;
        if (s > p) {
            if (add(c, (const char *)p, (size_t)(s - p), fstart, col, err))
                return err ? err->code : SL_ECSV;
            c->pos += (size_t)(s - p);
        }
        if (s < e)
            return 0;
        int rc = refill(c, err);
        if (rc < 0)
            return fail_at(c, err, rc, col);
        if (rc == 0)
            return 0;
    }
}

/* How the row read so far (its fields are NUL-separated in c->text) reads
 * in Windows-1252, joined by the delimiter and cut to about 80 bytes; 0
 * when it is not Windows-1252 either (a byte it leaves undefined). */
static int read_as_cp1252(struct sl_csv *c, char *out, size_t cap)
{
    char row[96];
    size_t shown = 0;
    for (size_t i = 0; i < c->text.len && shown < 80; i++)
        row[shown++] = c->text.data[i] ? c->text.data[i] : c->delim;
    /* The rest of the record (raw), read on as far as needed: the import
     * stops here anyway. */
    while (c->end - c->pos < 80 && !memchr(c->win + c->pos, '\n', c->end - c->pos) &&
           !memchr(c->win + c->pos, '\r', c->end - c->pos)) {
        size_t before = c->end - c->pos;
        if (refill(c, NULL) <= 0 || c->end - c->pos == before)
            break;
    }
    for (size_t i = c->pos; i < c->end && shown < 80; i++) {
        char ch = c->win[i];
        if (ch == '\n' || ch == '\r')
            break;
        row[shown++] = ch;
    }
    for (size_t i = 0; i < shown; i++)
        if ((unsigned char)row[i] < 0x20)
            row[i] = ' '; /* a quoted line break: one line of message */
    iconv_t cd = iconv_open("UTF-8", "CP1252");
    if (cd == NOCONV)
        return 0;
    char *in = row, *o = out;
    size_t inleft = shown, outleft = cap - 1;
    size_t r = iconv(cd, &in, &inleft, &o, &outleft);
    int e = errno;
    iconv_close(cd);
    if (r == (size_t)-1 && e != E2BIG)
        return 0;
    *o = '\0';
    return 1;
}

static int end_field(struct sl_csv *c, size_t nf, size_t fstart, struct sl_error *err)
{
    size_t flen = c->text.len - fstart;
    if (nf >= c->max_fields) {
        sl_err_set(err, SL_ELIMIT, "the row has more than the limit of %zu fields", c->max_fields);
        return fail_at(c, err, SL_ELIMIT, nf + 1);
    }
    if (nf >= c->ncap) {
        size_t ncap = c->ncap ? c->ncap * 2 : 16;
        if (ncap > c->max_fields)
            ncap = c->max_fields;
        struct sl_cell *cells = sl_realloc(c->cells, ncap * sizeof *cells);
        if (!cells) {
            sl_err_set(err, SL_ENOMEM, "out of memory");
            return fail_at(c, err, SL_ENOMEM, nf + 1);
        }
        c->cells = cells;
        c->ncap = ncap;
    }
    const unsigned char *f = (const unsigned char *)(c->text.data ? c->text.data + fstart : "");
    size_t bad = utf8_bad(f, flen);
    if (bad < flen) {
        char as1252[160];
        if (c->cd == NOCONV && read_as_cp1252(c, as1252, sizeof as1252))
            sl_err_set(err, SL_EUTF8,
                       "invalid UTF-8 (byte 0x%02X); the row reads '%s' as "
                       "Windows-1252: if that is right, add --encoding cp1252 (?encoding=cp1252 "
                       "on upload; for a file from Excel for Mac: macintosh), or save the file "
                       "as UTF-8",
                       (unsigned)f[bad], as1252);
        else
            sl_err_set(err, SL_EUTF8, "invalid UTF-8 (byte 0x%02X)%s; save the file as UTF-8%s",
                       (unsigned)f[bad], c->cd == NOCONV ? "" : " after decoding",
                       c->cd == NOCONV ? ", or give its encoding with --encoding" : "");
        return fail_at(c, err, SL_EUTF8, nf + 1);
    }
    c->cells[nf].text = NULL; /* fixed up at the end of the row */
    c->cells[nf].len = flen;
    c->cells[nf].kind = flen ? SL_CELL_STRING : SL_CELL_EMPTY;
    if (sl_buf_addch(&c->text, '\0')) {
        sl_err_set(err, SL_ENOMEM, "out of memory");
        return fail_at(c, err, SL_ENOMEM, nf + 1);
    }
    return 0;
}

int sl_csv_next(struct sl_csv *c, struct sl_row *row, struct sl_error *err)
{
    if (c->done)
        return 0;
    int b = peek(c, err);
    if (b < -1) {
        c->rownum++; /* the error is in the record that did not start */
        return fail_at(c, err, SL_EIO, 0);
    }
    if (b == -1) {
        c->done = 1;
        return 0;
    }
    c->rownum++;
    sl_buf_reset(&c->text);
    size_t nf = 0;
    for (;;) {
        size_t fstart = c->text.len;
        int rc = b == '"' ? quoted(c, fstart, nf + 1, err) : unquoted(c, fstart, nf + 1, err);
        if (rc)
            return rc;
        if ((rc = end_field(c, nf, fstart, err)))
            return rc;
        nf++;
        b = peek(c, err);
        if (b < -1)
            return fail_at(c, err, SL_EIO, nf);
        if (b == (unsigned char)c->delim) {
            c->pos++;
            b = peek(c, err);
            if (b < -1)
                return fail_at(c, err, SL_EIO, nf);
            continue;
        }
        break;
    }
    /* At a line end or the end of input. */
    if (b == '\r') {
        c->pos++;
        if (peek(c, err) == '\n')
            c->pos++;
        c->line++;
    } else if (b == '\n') {
        c->pos++;
        c->line++;
    }
    const char *base = c->text.data ? c->text.data : "";
    size_t off = 0;
    for (size_t i = 0; i < nf; i++) {
        c->cells[i].text = base + off;
        off += c->cells[i].len + 1;
    }
    row->num = c->rownum;
    row->ncells = nf;
    row->cells = c->cells;
    return 1;
}
