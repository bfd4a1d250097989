/* test_read_xls_hostile.c - hand-made .xls files, broken, hostile and
 * unusual: each is read to the exact rows it holds or refused with a
 * one-line error that says what is wrong, never a crash, a hang or memory
 * that grows without bound. The OLE2 containers are written at run time with
 * libgsf's writer (GsfOutfileMSOle) around BIFF records built here; a few
 * are then damaged byte by byte (FAT loops, a huge declared stream size,
 * truncation). Each case runs in a child process with an alarm and a
 * peak-RSS check. */
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-utils.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "read/xls.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RSS_LIMIT_MB 900 /* the sanitizer's shadow memory and quarantine */
#else
#define RSS_LIMIT_MB 200
#endif

/* ---- building BIFF records and OLE2 files ---- */

struct bytes {
    unsigned char *p;
    size_t n, cap;
};

static void put(struct bytes *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        T_OK(b->p != NULL);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void put16(struct bytes *b, unsigned v)
{
    unsigned char h[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(b, h, 2);
}

static void put32(struct bytes *b, uint32_t v)
{
    put16(b, v & 0xFFFF);
    put16(b, v >> 16);
}

static void rec(struct bytes *b, unsigned type, const struct bytes *body)
{
    put16(b, type);
    put16(b, (unsigned)body->n);
    put(b, body->p, body->n);
}

/* A record from a printf-like list of fields: 'h' u16, 'w' u32, 'b' byte,
 * 'd' double, 's' compressed BIFF8 string with u16 length (const char *). */
static void recf(struct bytes *b, unsigned type, const char *fmt, ...)
{
    struct bytes body = {0};
    va_list ap;
    va_start(ap, fmt);
    for (const char *f = fmt; *f; f++) {
        if (*f == 'h') {
            put16(&body, va_arg(ap, unsigned));
        } else if (*f == 'w') {
            put32(&body, va_arg(ap, uint32_t));
        } else if (*f == 'b') {
            unsigned char c = (unsigned char)va_arg(ap, unsigned);
            put(&body, &c, 1);
        } else if (*f == 'd') {
            double d = va_arg(ap, double);
            put(&body, &d, 8);
        } else if (*f == 's') {
            const char *s = va_arg(ap, const char *);
            put16(&body, (unsigned)strlen(s));
            put(&body, "\0", 1);
            put(&body, s, strlen(s));
        }
    }
    va_end(ap);
    rec(b, type, &body);
    free(body.p);
}

struct stream {
    const char *name;
    const struct bytes *data;
};

/* An OLE2 file holding the streams, in memory (new). */
static struct bytes ole(const struct stream *s, size_t n)
{
    GsfOutput *mem = gsf_output_memory_new();
    GsfOutfile *o = gsf_outfile_msole_new(mem);
    T_OK(o != NULL);
    for (size_t i = 0; i < n; i++) {
        GsfOutput *c = gsf_outfile_new_child(o, s[i].name, FALSE);
        T_OK(gsf_output_write(c, s[i].data->n, s[i].data->p));
        gsf_output_close(c);
        g_object_unref(c);
    }
    gsf_output_close(GSF_OUTPUT(o));
    g_object_unref(o);
    struct bytes out = {0};
    put(&out, gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)), (size_t)gsf_output_size(mem));
    g_object_unref(mem);
    return out;
}

/* A workbook stream: globals (BOF, extra records, one BOUNDSHEET per
 * sheet, EOF) then the sheets' substreams (BOF, cells, EOF). */
static struct bytes workbook(int biff, const struct bytes *globals, const struct bytes *sheets,
                             const char *const *names, size_t nsheets)
{
    struct bytes g = {0}, out = {0};
    recf(&g, 0x0809, "hhhhww", biff == 8 ? 0x0600 : 0x0500, 0x0005, 0x1, 0x7CC, 0u, 0u);
    if (globals)
        put(&g, globals->p, globals->n);
    size_t bs_at = g.n;
    for (size_t i = 0; i < nsheets; i++) {
        struct bytes body = {0};
        put32(&body, 0); /* patched below */
        put16(&body, 0);
        unsigned char len = (unsigned char)strlen(names[i]);
        put(&body, &len, 1);
        if (biff == 8)
            put(&body, "\0", 1);
        put(&body, names[i], len);
        rec(&g, 0x0085, &body);
        free(body.p);
    }
    recf(&g, 0x000A, "");
    size_t off = g.n;
    size_t p = bs_at;
    for (size_t i = 0; i < nsheets; i++) {
        uint32_t o = (uint32_t)off;
        memcpy(g.p + p + 4, &o, 4);
        p += 4 + (g.p[p + 2] | g.p[p + 3] << 8);
        off += 20 + sheets[i].n + 4;
    }
    put(&out, g.p, g.n);
    for (size_t i = 0; i < nsheets; i++) {
        recf(&out, 0x0809, "hhhhww", biff == 8 ? 0x0600 : 0x0500, 0x0010, 0x1, 0x7CC, 0u, 0u);
        put(&out, sheets[i].p, sheets[i].n);
        recf(&out, 0x000A, "");
    }
    free(g.p);
    return out;
}

static struct bytes xls1(int biff, const struct bytes *globals, const struct bytes *cells)
{
    static const char *const names[] = {"Data"};
    struct bytes wb = workbook(biff, globals, cells, names, 1);
    struct stream s = {biff == 8 ? "Workbook" : "Book", &wb};
    struct bytes f = ole(&s, 1);
    free(wb.p);
    return f;
}

/* ---- reading in a child ---- */

struct result {
    int rc;
    char msg[600];
    char csv[4096];
};

/* Reads sheet (NULL = first) of the file into r: rows as "num:cell|cell;". */
static void read_into(const struct bytes *f, const char *sheet, const struct sheetload_limits *lim,
                      struct result *r)
{
    struct sl_reader_opts o = {0};
    o.sheet = sheet;
    if (lim)
        o.limits = *lim;
    struct sl_error err = {0};
    struct sl_xls *x = NULL;
    memset(r, 0, sizeof *r);
    r->rc = sl_xls_open(&x, NULL, f->p, f->n, &o, &err);
    if (!r->rc) {
        struct sl_row row;
        struct sl_buf b;
        sl_buf_init(&b, 0);
        while ((r->rc = sl_xls_next(x, &row, &err)) == 1) {
            sl_buf_addf(&b, "%lld:", row.num);
            for (size_t i = 0; i < row.ncells; i++) {
                if (i)
                    sl_buf_addch(&b, '|');
                sl_buf_add(&b, row.cells[i].text, row.cells[i].len);
            }
            sl_buf_addch(&b, ';');
        }
        snprintf(r->csv, sizeof r->csv, "%s", b.data ? b.data : "");
        sl_buf_release(&b);
        sl_xls_close(x);
    }
    if (r->rc)
        sl_err_format(&err, r->msg, sizeof r->msg);
}

/* Runs the read in a child (alarm 60 s), returns its result; checks the
 * child's peak RSS. */
static struct result run(const char *what, const struct bytes *f, const char *sheet,
                         const struct sheetload_limits *lim)
{
    int fds[2];
    T_OK(pipe(fds) == 0);
    fflush(NULL);
    pid_t pid = fork();
    T_OK(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        alarm(60);
        struct result r;
        read_into(f, sheet, lim, &r);
        ssize_t w = write(fds[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 3);
    }
    close(fds[1]);
    struct result r;
    size_t got = 0;
    ssize_t k;
    while (got < sizeof r && (k = read(fds[0], (char *)&r + got, sizeof r - got)) > 0)
        got += (size_t)k;
    close(fds[0]);
    int st;
    struct rusage ru;
    T_OK(wait4(pid, &st, 0, &ru) == pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != sizeof r)
        T_FAIL("%s: the child died (status 0x%x)", what, st);
    if (ru.ru_maxrss / 1024 > RSS_LIMIT_MB)
        T_FAIL("%s: peak RSS %ld MB", what, ru.ru_maxrss / 1024);
    if (strchr(r.msg, '\n'))
        T_FAIL("%s: the error is not one line: %s", what, r.msg);
    fprintf(stderr, "  %-28s rc %d %s%.200s\n", what, r.rc, r.msg, r.rc ? "" : r.csv);
    return r;
}

/* Every allocation of the reader made to fail in turn: an error (never a
 * wrong result, a crash or a leak) until the run that fails none. */
static void alloc_failures(const char *what, const struct bytes *f, const char *want)
{
    for (long n = 0;; n++) {
        char got[4096] = "";
        size_t off = 0;
        struct sl_error err = {0};
        struct sl_xls *x = NULL;
        sl_alloc_fail_after(n);
        int rc = sl_xls_open(&x, NULL, f->p, f->n, NULL, &err);
        if (!rc) {
            struct sl_row row;
            while ((rc = sl_xls_next(x, &row, &err)) == 1) {
                off += (size_t)snprintf(got + off, sizeof got - off, "%lld:", row.num);
                for (size_t i = 0; i < row.ncells && off < sizeof got; i++)
                    off += (size_t)snprintf(got + off, sizeof got - off, "%s%.*s", i ? "|" : "",
                                            (int)row.cells[i].len, row.cells[i].text);
                if (off < sizeof got)
                    off += (size_t)snprintf(got + off, sizeof got - off, ";");
                if (off >= sizeof got)
                    off = sizeof got - 1;
            }
            sl_xls_close(x);
        }
        long failed = sl_alloc_failures();
        sl_alloc_fail_after(-1);
        if (rc == 0 && strcmp(got, want))
            T_FAIL("%s: allocation %ld failed: wrong rows without an error: %s", what, n, got);
        if (rc != 0 && failed == 0)
            T_FAIL("%s: error %d with no allocation failure: %s", what, rc, err.msg);
        if (failed == 0) {
            fprintf(stderr, "  %-28s %ld points of failure, all clean\n", what, n);
            return;
        }
    }
}

static void want_rows(const char *what, const struct bytes *f, const char *sheet, const char *csv)
{
    struct result r = run(what, f, sheet, NULL);
    if (r.rc != 0)
        T_FAIL("%s: %s", what, r.msg);
    if (strcmp(r.csv, csv))
        T_FAIL("%s: rows\n  got  %s\n  want %s", what, r.csv, csv);
}

static void want_error(const char *what, const struct bytes *f, const char *sheet,
                       const struct sheetload_limits *lim, int code, const char *text)
{
    struct result r = run(what, f, sheet, lim);
    if (r.rc != code)
        T_FAIL("%s: rc %d, want %d (%s)", what, r.rc, code, r.msg);
    if (!strstr(r.msg, text))
        T_FAIL("%s: message lacks '%s': %s", what, text, r.msg);
}

/* ---- the cases ---- */

static void not_workbooks(void)
{
    struct bytes junk = {0};
    put(&junk, "some bytes of a document", 24);
    struct stream word[] = {{"WordDocument", &junk}, {"1Table", &junk}};
    struct bytes f = ole(word, 2);
    want_error("word document", &f, NULL, NULL, SL_EFORMAT, "a Word document (.doc)");
    free(f.p);
    struct stream enc[] = {{"EncryptionInfo", &junk}, {"EncryptedPackage", &junk}};
    f = ole(enc, 2);
    want_error("encrypted xlsx", &f, NULL, NULL, SL_EFORMAT, "password-protected (encrypted)");
    free(f.p);
    struct stream other[] = {{"Contents", &junk}};
    f = ole(other, 1);
    want_error("other ole2", &f, NULL, NULL, SL_EFORMAT, "without a 'Workbook' stream");
    free(f.p);
    struct stream notbiff[] = {{"Workbook", &junk}};
    f = ole(notbiff, 1);
    want_error("workbook of junk", &f, NULL, NULL, SL_EXLSX, "does not start with a BOF");
    free(f.p);
    struct bytes g = {0};
    recf(&g, 0x002F, "hhh", 1, 1, 1); /* FILEPASS: RC4 */
    f = xls1(8, &g, &(struct bytes){0});
    want_error("filepass", &f, NULL, NULL, SL_EFORMAT, "password-protected (encrypted)");
    free(f.p);
    free(g.p);
    free(junk.p);
}

static void values(void)
{
    struct bytes g = {0}, c = {0};
    /* SST: "alpha", "" (no value), "β" wide, and one split across a
     * CONTINUE whose part switches from compressed to wide. */
    struct bytes sst = {0};
    put32(&sst, 5);
    put32(&sst, 4);
    put16(&sst, 5), put(&sst, "\0alpha", 6);
    put16(&sst, 0), put(&sst, "\0", 1);
    put16(&sst, 1), put(&sst, "\1\xB2\x03", 3);
    put16(&sst, 5), put(&sst, "\0ab", 3); /* 2 of 5 characters here */
    rec(&g, 0x00FC, &sst);
    struct bytes cont = {0};
    put(&cont, "\1\xAC\x20\x3D\xD8", 5); /* flags wide, then EURO SIGN, high surrogate */
    rec(&g, 0x003C, &cont);
    struct bytes cont2 = {0};
    put(&cont2, "\1\x00\xDE", 3); /* its low surrogate (U+1F600) after another flags byte */
    rec(&g, 0x003C, &cont2);
    recf(&g, 0x041E, "hs", 164, "00000");     /* FORMAT: zero padding */
    recf(&g, 0x041E, "hs", 14, "0.00");       /* overrides built-in date 14 */
    recf(&g, 0x041E, "hs", 165, "[h]:mm:ss"); /* elapsed */
    for (unsigned i = 0; i < 4; i++)          /* XF 0..3: General, 164, 14, 165 */
        recf(&g, 0x00E0, "hhhhhhhhhh", 0,
             i == 0   ? 0
             : i == 1 ? 164
             : i == 2 ? 14
                      : 165,
             0, 0, 0, 0, 0, 0, 0, 0);
    recf(&g, 0x00E0, "hhhhhhhhhh", 0, 22, 0, 0, 0, 0, 0, 0, 0, 0); /* XF 4: date-time */
    recf(&c, 0x00FD, "hhhw", 0, 0, 0, 0u);                         /* A1 alpha */
    recf(&c, 0x00FD, "hhhw", 0, 1, 0, 1u);                         /* B1 "" */
    recf(&c, 0x00FD, "hhhw", 0, 2, 0, 2u);                         /* C1 β */
    recf(&c, 0x00FD, "hhhw", 0, 3, 0, 3u);                         /* D1 split */
    recf(&c, 0x0203, "hhhd", 1, 0, 1, 501.0);                      /* A2 00501 */
    recf(&c, 0x0203, "hhhd", 1, 1, 2, 41689.0);                    /* B2 not a date */
    recf(&c, 0x027E, "hhhw", 1, 2, 3, (uint32_t)(6 << 2 | 2));     /* C2 RK 6 days elapsed */
    recf(&c, 0x027E, "hhhw", 1, 3, 0, (uint32_t)(12345 << 2 | 3)); /* D2 RK 123.45 */
    recf(&c, 0x00BD, "hhhwhwh", 2, 1, 0, (uint32_t)(7 << 2 | 2), 4, (uint32_t)(41689 << 2 | 2),
         2);                                     /* MULRK B3 7, C3 date */
    recf(&c, 0x0205, "hhhbb", 3, 0, 0, 1, 0);    /* A4 TRUE */
    recf(&c, 0x0205, "hhhbb", 3, 1, 0, 0x07, 1); /* B4 #DIV/0! */
    /* FORMULA: a bool, an error, an empty string, a number, a string in a
     * STRING record continued in a CONTINUE record. */
    recf(&c, 0x0006, "hhhbbbbbbhhwh", 4, 0, 0, 1, 0, 1, 0, 0, 0, 0xFFFF, 0, 0u, 0);
    recf(&c, 0x0006, "hhhbbbbbbhhwh", 4, 1, 0, 2, 0, 0x2A, 0, 0, 0, 0xFFFF, 0, 0u, 0);
    recf(&c, 0x0006, "hhhbbbbbbhhwh", 4, 2, 0, 3, 0, 0, 0, 0, 0, 0xFFFF, 0, 0u, 0);
    recf(&c, 0x0006, "hhhdhwh", 4, 3, 4, 41689.4375, 0, 0u, 0);
    recf(&c, 0x0006, "hhhbbbbbbhhwh", 4, 4, 0, 0, 0, 0, 0, 0, 0, 0xFFFF, 0, 0u, 0);
    recf(&c, 0x04BC, "hh", 0, 0); /* SHRFMLA between the formula and its string */
    struct bytes str = {0};
    put16(&str, 6), put(&str, "\0str", 4);
    rec(&c, 0x0207, &str);
    struct bytes strc = {0};
    put(&strc, "\0ing", 4);
    rec(&c, 0x003C, &strc);
    /* Out of order, and a duplicate: rows sorted, the later cell wins. */
    recf(&c, 0x0203, "hhhd", 9, 1, 0, 2.5);
    recf(&c, 0x0203, "hhhd", 7, 0, 0, 0.1);
    recf(&c, 0x0203, "hhhd", 9, 1, 0, 3.5);
    recf(&c, 0x0203, "hhhd", 9, 0, 0, -0.0);
    struct bytes f = xls1(8, &g, &c);
    const char *seed = getenv("SL_XLS_SEED"); /* writes fuzz/seeds/fuzz_xls/handmade.xls */
    if (seed) {
        FILE *sf = fopen(seed, "wb");
        T_OK(sf && fwrite(f.p, 1, f.n, sf) == f.n && fclose(sf) == 0);
    }
    const char *rows = "1:alpha||β|ab€😀;2:00501|41689|144:00:00|123.45;3:|7|2014-02-19;"
                       "4:TRUE|#DIV/0!;5:TRUE|#N/A||2014-02-19 10:30:00|string;8:0.1;10:0|3.5;";
    want_rows("values", &f, NULL, rows);
    alloc_failures("values", &f, rows);
    free(f.p);
    /* 1904: the same serial is four years and a day later. */
    struct bytes g2 = {0}, c2 = {0};
    recf(&g2, 0x0022, "h", 1);
    recf(&g2, 0x00E0, "hhhhhhhhhh", 0, 14, 0, 0, 0, 0, 0, 0, 0, 0);
    recf(&c2, 0x0203, "hhhd", 0, 0, 0, 41689.0);
    recf(&c2, 0x0203, "hhhd", 0, 1, 0, 0.0);
    f = xls1(8, &g2, &c2);
    want_rows("1904", &f, NULL, "1:2018-02-20|1904-01-01;");
    free(f.p);
    free(g.p), free(c.p), free(sst.p), free(cont.p), free(cont2.p), free(str.p), free(strc.p);
    free(g2.p), free(c2.p);
}

/* A string that starts a CONTINUE record (no flags byte of its own, the
 * previous string ended with the record): the count is of strings, not of
 * records. */
static void sst_boundary(void)
{
    struct bytes g = {0}, c = {0}, sst = {0}, cont = {0};
    put32(&sst, 3), put32(&sst, 3);
    put16(&sst, 3), put(&sst, "\0one", 4);
    rec(&g, 0x00FC, &sst);
    put16(&cont, 3), put(&cont, "\0two", 4);
    rec(&g, 0x003C, &cont);
    cont.n = 0;
    put16(&cont, 5), put(&cont, "\0three", 6);
    rec(&g, 0x003C, &cont);
    for (unsigned i = 0; i < 3; i++)
        recf(&c, 0x00FD, "hhhw", 0, i, 0, (uint32_t)(2 - i));
    struct bytes f = xls1(8, &g, &c);
    want_rows("sst record boundaries", &f, NULL, "1:three|two|one;");
    free(f.p), free(g.p), free(c.p), free(sst.p), free(cont.p);
}

static void biff5(void)
{
    struct bytes g = {0}, c = {0};
    recf(&g, 0x0042, "h", 1251); /* Cyrillic code page */
    struct bytes lab = {0};
    put16(&lab, 0), put16(&lab, 0), put16(&lab, 0);
    put16(&lab, 6);
    put(&lab, "\xCF\xF0\xE8\xE2\xE5\xF2", 6); /* Привет */
    rec(&c, 0x0204, &lab);
    recf(&c, 0x0203, "hhhd", 0, 1, 0, 1.5);
    struct bytes f = xls1(5, &g, &c);
    want_rows("biff5 cp1251", &f, NULL, "1:Привет|1.5;");
    free(f.p), free(g.p), free(c.p), free(lab.p);
}

static void sheets(void)
{
    struct bytes s[3] = {{0}, {0}, {0}};
    recf(&s[0], 0x0203, "hhhd", 0, 0, 0, 1.0);
    /* A chart substream nested inside a sheet: its records are not cells. */
    recf(&s[1], 0x0203, "hhhd", 0, 0, 0, 2.0);
    recf(&s[1], 0x0809, "hhhhww", 0x0600, 0x0020, 1, 0x7CC, 0u, 0u);
    recf(&s[1], 0x0203, "hhhd", 5, 5, 0, 99.0);
    recf(&s[1], 0x000A, "");
    recf(&s[1], 0x0203, "hhhd", 1, 0, 0, 3.0);
    static const char *const names[] = {"First", "Zweite", "Chart"};
    struct bytes wb = workbook(8, NULL, s, names, 3);
    struct stream st = {"Workbook", &wb};
    struct bytes f = ole(&st, 1);
    want_rows("sheet by name", &f, "Zweite", "1:2;2:3;");
    want_rows("sheet by number", &f, "1", "1:1;");
    want_rows("empty sheet", &f, "3", "");
    want_error("missing sheet", &f, "Nope", NULL, SL_ENOTFOUND,
               "sheet 'Nope' not found; the workbook has 'First', 'Zweite', 'Chart'");
    want_error("sheet 4 of 3", &f, "4", NULL, SL_ENOTFOUND, "not found");
    free(f.p);
    /* A BOUNDSHEET pointing past the end, and a sheet without its EOF. */
    uint32_t far = (uint32_t)wb.n + 100;
    size_t bs = 20; /* the first BOUNDSHEET follows the 20-byte BOF */
    memcpy(wb.p + bs + 4, &far, 4);
    f = ole(&st, 1);
    want_error("sheet offset past the end", &f, NULL, NULL, SL_EXLSX,
               "sheet 'First': the sheet starts at offset");
    free(f.p);
    wb.n -= 4; /* the last sheet's EOF */
    f = ole(&st, 1);
    want_error("sheet without EOF", &f, "Chart", NULL, SL_EXLSX, "ends without its EOF record");
    free(f.p);
    free(wb.p), free(s[0].p), free(s[1].p), free(s[2].p);
}

static void broken_records(void)
{
    struct bytes g = {0}, c = {0};
    recf(&c, 0x00FD, "hhhw", 2, 3, 0, 7u);
    struct bytes f = xls1(8, NULL, &c);
    want_error("sst index", &f, NULL, NULL, SL_EXLSX,
               "row 3, column D: 'Workbook' stream: shared string 7 does not exist");
    free(f.p);
    /* A record whose length runs past the end of the stream. */
    c.n = 0;
    put16(&c, 0x0203), put16(&c, 60000), put(&c, "\0\0\0\0", 4);
    struct bytes wb = {0};
    recf(&wb, 0x0809, "hhhhww", 0x0600, 0x0005, 1, 0x7CC, 0u, 0u);
    put(&wb, c.p, c.n);
    struct stream st = {"Workbook", &wb};
    f = ole(&st, 1);
    want_error("record past the end", &f, NULL, NULL, SL_EXLSX, "runs past the end of the stream");
    free(f.p);
    /* Short cell records and a string longer than its record. */
    c.n = 0;
    recf(&c, 0x0203, "hhh", 0, 0, 0);
    f = xls1(8, NULL, &c);
    want_error("short NUMBER", &f, NULL, NULL, SL_EXLSX, "a NUMBER record is too short");
    free(f.p);
    c.n = 0;
    recf(&c, 0x0204, "hhhhb", 0, 0, 0, 500, 0);
    f = xls1(8, NULL, &c);
    want_error("LABEL past its record", &f, NULL, NULL, SL_EXLSX,
               "a string cell runs past its record");
    free(f.p);
    /* The SST declares 4 billion strings and holds one: no huge allocation. */
    struct bytes sst = {0};
    put32(&sst, 0xFFFFFFFFu), put32(&sst, 0xFFFFFFFFu);
    put16(&sst, 2), put(&sst, "\0ok", 3);
    rec(&g, 0x00FC, &sst);
    c.n = 0;
    recf(&c, 0x00FD, "hhhw", 0, 0, 0, 0u);
    f = xls1(8, &g, &c);
    want_rows("huge SST count", &f, NULL, "1:ok;");
    free(f.p);
    /* A DIMENSION record that declares 4 billion rows and 65535 columns:
     * never trusted, nothing sized from it. */
    c.n = 0;
    recf(&c, 0x0200, "wwhhh", 0u, 0xFFFFFFFFu, 0, 0xFFFF, 0);
    recf(&c, 0x0203, "hhhd", 1, 1, 0, 42.0);
    f = xls1(8, NULL, &c);
    want_rows("huge DIMENSION", &f, NULL, "2:|42;");
    free(f.p);
    /* Limits: one cell's text, all the text. */
    c.n = 0;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    recf(&c, 0x0204, "hhhs", 4, 1, 0, big);
    f = xls1(8, NULL, &c);
    struct sheetload_limits lim = {0};
    lim.max_cell_bytes = 1000;
    want_error("cell limit", &f, NULL, &lim, SL_ELIMIT, "row 5, column B: a cell's text is longer");
    free(f.p);
    lim.max_cell_bytes = 0;
    lim.max_sst_bytes = 1000;
    g.n = 0;
    sst.n = 0;
    put32(&sst, 1), put32(&sst, 1);
    put16(&sst, 1999), put(&sst, "\0", 1), put(&sst, big, 1999);
    rec(&g, 0x00FC, &sst);
    f = xls1(8, &g, &(struct bytes){0});
    want_error("sst limit", &f, NULL, &lim, SL_ELIMIT, "passes the memory limit of 1000 bytes");
    free(f.p);
    free(g.p), free(c.p), free(wb.p), free(sst.p);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A workbook big enough for regular sectors (not the mini stream). */
static struct bytes big_book(void)
{
    struct bytes c = {0};
    for (unsigned r = 0; r < 2000; r++)
        recf(&c, 0x0203, "hhhd", r, 0, 0, (double)r);
    struct bytes f = xls1(8, NULL, &c);
    free(c.p);
    return f;
}

static void container(void)
{
    struct bytes f = big_book();
    T_OK(f.n > 20000);
    struct result ok = run("big book", &f, NULL, NULL);
    T_EQ_INT(ok.rc, 0);
    /* Truncated: inside the header, and mid-stream. */
    size_t n = f.n;
    f.n = 300;
    want_error("truncated header", &f, NULL, NULL, SL_EXLSX, "truncated or corrupt");
    f.n = n / 2;
    struct result r = run("truncated half", &f, NULL, NULL);
    T_OK(r.rc == SL_EXLSX && (strstr(r.msg, "truncated") || strstr(r.msg, "corrupt")));
    f.n = n;
    /* Every FAT chain made a loop onto itself. */
    struct bytes g = {0};
    put(&g, f.p, f.n);
    unsigned shift = g.p[0x1E] | g.p[0x1F] << 8;
    size_t ss = (size_t)1 << shift;
    uint32_t fat0 = le32(g.p + 0x4C);
    T_OK((fat0 + 2) * ss <= g.n);
    unsigned char *fat = g.p + (fat0 + 1) * ss;
    int looped = 0;
    for (uint32_t i = 0; i < ss / 4; i++)
        if (le32(fat + 4 * i) < 0xFFFFFFFAu) {
            memcpy(fat + 4 * i, &i, 4);
            looped++;
        }
    T_OK(looped > 0);
    r = run("FAT loop", &g, NULL, NULL);
    T_OK(r.rc == SL_EXLSX);
    /* A huge declared stream size in the directory entry. */
    memcpy(g.p, f.p, f.n);
    uint32_t dir0 = le32(g.p + 0x30);
    unsigned char *dir = g.p + (dir0 + 1) * ss;
    int found = 0;
    for (size_t e = 0; e < ss / 128; e++)
        if (!memcmp(dir + 128 * e, "W\0o\0r\0k\0b\0o\0o\0k\0", 16)) {
            uint32_t huge = 0x7FFFFFF0u;
            memcpy(dir + 128 * e + 0x78, &huge, 4);
            found = 1;
        }
    T_OK(found);
    r = run("huge stream size", &g, NULL, NULL);
    T_OK(r.rc == SL_EXLSX || r.rc == SL_ELIMIT || r.rc == SL_EFORMAT); /* libgsf drops the entry */
    /* A huge number of FAT sectors in the header. */
    memcpy(g.p, f.p, f.n);
    uint32_t many = 0x7FFFFFFFu;
    memcpy(g.p + 0x2C, &many, 4);
    r = run("huge FAT count", &g, NULL, NULL);
    T_OK(r.rc == 0 || r.rc == SL_EXLSX);
    free(g.p);
    free(f.p);
}

int main(void)
{
    gsf_init();
    T_RUN(not_workbooks);
    T_RUN(values);
    T_RUN(sst_boundary);
    T_RUN(biff5);
    T_RUN(sheets);
    T_RUN(broken_records);
    T_RUN(container);
    return 0;
}
