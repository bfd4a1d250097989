/* cmd_cat.c - 'sheetload cat': print one sheet as CSV, exactly as
 * ../shared/corpus/SPEC.md §7 says (R rows × C columns, where R and C are
 * the last row and column holding a value; quoting only for , " CR LF; LF
 * after every record; an empty sheet is 0 bytes).
 *
 * C is known only at the end of the sheet, so output is held in memory up
 * to HOLD_MAX bytes: a sheet that ends within it is exact. Past it, the
 * widest row seen so far fixes C, the held rows are written and the rest
 * streams; a later row wider than that is written with all its fields (no
 * value is ever dropped), so only its record is longer than the others.
 * Empty rows are counted, not held, and written only when a row with a
 * value follows them: trailing empty rows never appear. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/csvw.h"
#include "base/err.h"
#include "cli/cli.h"

#define HOLD_MAX (16u << 20)
#define OUT_CAP  (1u << 20)

/* The output: a reused buffer written in large chunks. */
struct out {
    FILE *f;
    char *buf;
    size_t len;
    int err; /* errno of the first failed write */
};

static void out_flush(struct out *o)
{
    if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->err = errno ? errno : EIO;
    o->len = 0;
}

static void out_put(struct out *o, const char *s, size_t n)
{
    if (o->len + n > OUT_CAP) {
        out_flush(o);
        if (n > OUT_CAP) {
            if (!o->err && fwrite(s, 1, n, o->f) != n)
                o->err = errno ? errno : EIO;
            return;
        }
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_commas(struct out *o, size_t n)
{
    static const char commas[64] =
        ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,";
    while (n > 0) {
        size_t k = n < sizeof commas ? n : sizeof commas;
        out_put(o, commas, k);
        n -= k;
    }
}

/* The most bytes the row's first w cells take as CSV fields (each doubled
 * and quoted, with its comma), or SIZE_MAX past any sane size. */
static size_t row_bound(const struct sheetload_row *row, size_t w)
{
    size_t b = 1;
    for (size_t i = 0; i < w; i++) {
        size_t n = row->cells[i].kind == SHEETLOAD_CELL_EMPTY ? 0 : row->cells[i].len;
        if (n > (SIZE_MAX / 4 - b) / 2)
            return SIZE_MAX;
        b += sl_csvw_max(n, 0) + 1;
    }
    return b;
}

/* Writes the row's first w cells as CSV fields (no line end) at d, which
 * has row_bound() bytes of room; returns the end. */
static char *row_put(char *d, const struct sheetload_row *row, size_t w)
{
    for (size_t i = 0; i < w; i++) {
        const struct sheetload_cell *c = &row->cells[i];
        size_t n = c->kind == SHEETLOAD_CELL_EMPTY ? 0 : c->len;
        if (i)
            *d++ = ',';
        d = sl_csvw_put(d, c->text, n, 0);
    }
    return d;
}

/* Appends the row's first w cells as CSV fields (no line end) to b, with
 * one grow for the row. */
static void row_text(struct sl_buf *b, const struct sheetload_row *row, size_t w)
{
    size_t need = row_bound(row, w);
    if (need == SIZE_MAX) {
        b->err = SL_ENOMEM;
        return;
    }
    if (sl_buf_grow(b, need))
        return; /* the sticky error is checked by the caller */
    char *d = row_put(b->data + b->len, row, w);
    b->len = (size_t)(d - b->data);
    b->data[b->len] = '\0';
}

/* One held row: empty rows before it, its width, its text length. */
struct held {
    uint64_t empties;
    uint32_t w;
    uint32_t len;
};

struct cat {
    struct out out;
    struct sl_buf hold; /* struct held + text, back to back */
    struct sl_buf line; /* the current row's text */
    size_t maxc;        /* C: the widest row with a value */
    int streaming;      /* C is fixed: rows go straight out */
    uint64_t empties;   /* empty rows waiting for a row with a value */
};

static void emit(struct cat *k, uint64_t empties, size_t w, const char *text, size_t len)
{
    size_t c = k->maxc;
    for (uint64_t e = 0; e < empties; e++) {
        out_commas(&k->out, c > 0 ? c - 1 : 0);
        out_put(&k->out, "\n", 1);
    }
    out_put(&k->out, text, len);
    if (w < c)
        out_commas(&k->out, c - w);
    out_put(&k->out, "\n", 1);
}

static void release_held(struct cat *k)
{
    size_t off = 0;
    while (off < k->hold.len) {
        struct held h;
        memcpy(&h, k->hold.data + off, sizeof h);
        off += sizeof h;
        emit(k, h.empties, h.w, k->hold.data + off, h.len);
        off += h.len;
    }
    sl_buf_release(&k->hold);
}

/* Takes a row with a value, w fields wide. 0 or SL_ENOMEM. */
static int take(struct cat *k, const struct sheetload_row *row, size_t w)
{
    if (k->streaming && k->empties == 0) { /* straight into the output buffer */
        size_t need = row_bound(row, w);
        if (need <= OUT_CAP / 2) {
            if (k->out.len + need > OUT_CAP)
                out_flush(&k->out);
            char *d = row_put(k->out.buf + k->out.len, row, w);
            k->out.len = (size_t)(d - k->out.buf);
            if (w < k->maxc)
                out_commas(&k->out, k->maxc - w);
            out_put(&k->out, "\n", 1);
            return 0;
        }
    }
    sl_buf_reset(&k->line);
    row_text(&k->line, row, w);
    if (k->line.err)
        return SL_ENOMEM;
    const char *text = k->line.data ? k->line.data : "";
    if (k->streaming) {
        emit(k, k->empties, w, text, k->line.len);
        k->empties = 0;
        return 0;
    }
    if (w > k->maxc)
        k->maxc = w;
    struct held h = {k->empties, (uint32_t)w, (uint32_t)k->line.len};
    k->empties = 0;
    if (k->line.len > UINT32_MAX || k->hold.len + sizeof h + k->line.len > HOLD_MAX) {
        /* The hold is full: C is what we have seen. */
        k->streaming = 1;
        release_held(k);
        emit(k, h.empties, w, text, k->line.len);
        return 0;
    }
    sl_buf_add(&k->hold, &h, sizeof h);
    sl_buf_add(&k->hold, text, k->line.len);
    return k->hold.err ? SL_ENOMEM : 0;
}

static void help(void)
{
    printf(
        "Usage: sheetload cat FILE [OPTIONS]\n"
        "\n"
        "Prints one sheet of FILE (.xlsx, .xls or .csv, recognised by content; '-' reads\n"
        "standard input) as CSV: UTF-8, ',' between fields, LF after every record, a field quoted\n"
        "only when it holds , \" CR or LF. Rows 1..R and columns A..C, where R and C are\n"
        "the last row and column holding a value; an empty sheet prints nothing.\n"
        "\n"
        "Options:\n"
        "  -s, --sheet NAME|N     the sheet by name or 1-based position (default: the\n"
        "                         first sheet in workbook order)\n"
        "  -l, --list-sheets      print the sheet names, one per line, and exit\n"
        "  -o, --output FILE      write to FILE instead of standard output\n"
        "  -d, --delimiter C      CSV input: the delimiter (',' ';' TAB as \\t, or any\n"
        "                         byte); default: detected from the first record\n"
        "  -e, --encoding NAME    CSV input: its text encoding (cp1252, macintosh,\n"
        "                         utf-16, ...; any iconv name); default: UTF-8, or what\n"
        "                         a byte-order mark says\n"
        "  -m, --max-memory SIZE  memory budget (256MiB default; KiB, MiB, GiB;\n"
        "                         'unlimited'): an .xlsx's shared strings past it\n"
        "                         spill to a file in $TMPDIR (else /tmp)\n"
        "                         [SHEETLOAD_MAX_MEMORY]\n"
        "  -h, --help             show this help\n"
        "\n"
        "Output is exact for any sheet whose CSV fits in 16 MiB. A larger sheet is\n"
        "streamed once 16 MiB is held: its column count C is fixed by the widest row of\n"
        "that first part (the header row, in practice), and a later row with values\n"
        "beyond column C is written with all its fields rather than lose them.\n"
        "\n"
        "Exit status: 0 done, 1 the file could not be read (one line on stderr names\n"
        "the file, sheet, row and column), 2 usage error.\n");
}

/* cat's options. */
struct cat_args {
    struct sheetload_read_opts ro;
    const char *path, *outpath;
    int list;
};

/* 0, -1 after --help, or SL_EXIT_USAGE. */
static int parse_args(int argc, char **argv, struct cat_args *a)
{
    static const struct option lo[] = {
        {"sheet", required_argument, NULL, 's'},      {"list-sheets", no_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'},     {"delimiter", required_argument, NULL, 'd'},
        {"encoding", required_argument, NULL, 'e'},   {"help", no_argument, NULL, 'h'},
        {"max-memory", required_argument, NULL, 'm'}, {NULL, 0, NULL, 0},
    };
    int c;
    memset(a, 0, sizeof *a);
    if (sl_cli_env_memory("cat", &a->ro.limits))
        return SL_EXIT_USAGE;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":s:lo:d:e:m:h", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            a->ro.sheet = optarg;
            break;
        case 'l':
            a->list = 1;
            break;
        case 'o':
            a->outpath = optarg;
            break;
        case 'e':
            a->ro.encoding = optarg;
            break;
        case 'm':
            if (sl_cli_opt_memory("cat", optarg, &a->ro.limits))
                return SL_EXIT_USAGE;
            break;
        case 'd':
            if (sl_cli_parse_delimiter(optarg, &a->ro.delimiter))
                return sl_cli_usage_error("cat",
                                          "--delimiter needs one character such as ';' "
                                          "or '\\t', not '%s'",
                                          optarg);
            break;
        case 'h':
            help();
            return -1;
        case ':':
            return sl_cli_usage_error("cat", "option '%s' needs a value", argv[optind - 1]);
        default:
            return sl_cli_usage_error("cat", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return sl_cli_usage_error("cat",
                                  "no input file: give FILE.xlsx, FILE.xls, FILE.csv or - for "
                                  "standard input");
    if (optind + 1 < argc)
        return sl_cli_usage_error("cat", "one input file only; unexpected '%s'", argv[optind + 1]);
    a->path = argv[optind];
    return 0;
}

/* Reads every row of the sheet into k's output. 0, a read error (err
 * filled) or SL_ENOMEM (said on stderr). */
static int cat_rows(struct cat *k, struct sheetload_reader *r, struct sl_error *err)
{
    struct sheetload_row row;
    long long last = 0;
    int n;
    while ((n = sheetload_reader_next(r, &row, err)) == 1) {
        size_t w = row.ncells;
        while (w > 0 &&
               (row.cells[w - 1].kind == SHEETLOAD_CELL_EMPTY || row.cells[w - 1].len == 0))
            w--;
        if (row.num > last + 1)
            k->empties += (uint64_t)(row.num - last - 1); /* rows the sheet leaves out */
        if (row.num > last)
            last = row.num;
        if (w == 0) {
            k->empties++;
            continue;
        }
        if (take(k, &row, w)) {
            fprintf(stderr, "sheetload cat: out of memory\n");
            return SL_ENOMEM;
        }
        if (k->out.err)
            break;
    }
    if (n < 0)
        return n;
    if (!k->streaming)
        release_held(k);
    out_flush(&k->out);
    if (!k->out.err && fflush(k->out.f))
        k->out.err = errno ? errno : EIO;
    return 0;
}

int sl_cmd_cat(int argc, char **argv)
{
    struct cat_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? SL_EXIT_OK : rc;
    struct sl_error err = {0};
    struct sheetload_reader *r = NULL;
    struct cat k = {0};
    int created = 0, regular = 0;
    char line[2048];
    rc = SL_EXIT_FAIL;
    sl_buf_init(&k.hold, 0);
    sl_buf_init(&k.line, 0);
    if (sheetload_reader_open(&r, a.path, &a.ro, &err))
        goto read_fail;
    if (a.list) {
        for (size_t i = 0; i < sheetload_reader_sheet_count(r); i++)
            printf("%s\n", sheetload_reader_sheet_name(r, i));
        rc = fflush(stdout) ? SL_EXIT_FAIL : SL_EXIT_OK;
        goto done;
    }
    k.out.f = stdout;
    if (a.outpath && strcmp(a.outpath, "-")) {
        if (!(k.out.f = fopen(a.outpath, "wb"))) {
            fprintf(stderr, "sheetload cat: cannot write '%s': %s\n", a.outpath, strerror(errno));
            goto done;
        }
        created = 1;
        /* Only a regular file is removed after a failure: -o /dev/null or a
         * FIFO must survive (as root, unlinking /dev/null breaks the system). */
        struct stat st;
        regular = fstat(fileno(k.out.f), &st) == 0 && S_ISREG(st.st_mode);
    }
    if (!(k.out.buf = sl_malloc(OUT_CAP))) {
        fprintf(stderr, "sheetload cat: out of memory\n");
        goto done;
    }
    int n = cat_rows(&k, r, &err);
    if (n == SL_ENOMEM && !err.code)
        goto done;
    if (n < 0)
        goto read_fail;
    if (k.out.err) {
        fprintf(stderr, "sheetload cat: cannot write '%s': %s\n",
                a.outpath ? a.outpath : "standard output", strerror(k.out.err));
        goto done;
    }
    rc = SL_EXIT_OK;
    goto done;
read_fail:
    sl_err_format(&err, line, sizeof line);
    fprintf(stderr, "sheetload cat: %s\n", line);
done:
    if (created) {
        if (fclose(k.out.f) && rc == SL_EXIT_OK) {
            fprintf(stderr, "sheetload cat: cannot write '%s': %s\n", a.outpath, strerror(errno));
            rc = SL_EXIT_FAIL;
        }
        if (rc != SL_EXIT_OK && regular)
            unlink(a.outpath);
    }
    sl_free(k.out.buf);
    sl_buf_release(&k.hold);
    sl_buf_release(&k.line);
    sheetload_reader_close(r);
    return rc;
}
