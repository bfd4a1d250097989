/* cmd_gen.c - 'sheetload gen': write a deterministic business-directory
 * spreadsheet (.xlsx through libxlsxwriter, or .csv) with known bad rows.
 *
 * The rows come from gen_data.c; this file parses the options and writes
 * them. Output goes to a temporary file beside the target, renamed into
 * place only when complete, so a failed or interrupted run leaves nothing
 * half-written under the target name. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "cli/cli.h"
#include "cli/gen_data.h"
#include "base/alloc.h"
#include "base/csvw.h"

#define XLSX_MAX_DATA_ROWS 1048575LL /* Excel's 1,048,576 rows less the header */

enum { FMT_NONE, FMT_CSV, FMT_XLSX };

struct gen_opts {
    long long rows, bad;
    unsigned long long seed;
    int inline_strings;
    int text_columns; /* 0: the 9 columns; else 9 + (text_columns - 9) notes */
    int format;
    const char *out;
    const char *bad_list;
};

static void help(void)
{
    printf("Usage: sheetload gen --rows N -o FILE.xlsx|FILE.csv [OPTIONS]\n"
           "\n"
           "Writes a deterministic business-directory spreadsheet for tests and benchmarks:\n"
           "a header row (name,category,phone,email,address,city,country,website,description)\n"
           "and N data rows. The same seed gives the same rows in .xlsx and .csv.\n"
           "\n"
           "Options:\n"
           "  -n, --rows N           data rows, not counting the header (default 1000;\n"
           "                         at most 1048575 for .xlsx)\n"
           "  -b, --bad K            make K of the rows bad, spread evenly through the file\n"
           "                         (default 0). Kinds, in turn: missing_name, email_no_at,\n"
           "                         email_two_at, email_space, email_no_dot, website_space,\n"
           "                         blank (every cell empty: skipped, not an error)\n"
           "      --bad-list FILE    write one 'ROW,KIND' line per bad row (ROW is the\n"
           "                         1-based sheet row; the header is row 1), no header line\n"
           "  -s, --seed S           random seed (default 1)\n"
           "  -f, --format FMT       xlsx or csv (default: from the extension of FILE)\n"
           "      --inline-strings   xlsx: inline strings (libxlsxwriter's constant-memory\n"
           "                         mode) instead of a shared-strings table as Excel writes\n"
           "      --text-columns N   N text columns (10 to 16384): the 9 above, then\n"
           "                         note10..noteN, each cell a distinct text of 24\n"
           "                         characters (a shared-strings table as large as the\n"
           "                         sheet: the memory-budget benchmark's shape)\n"
           "  -o, --output FILE      the file to write ('-' = standard output, csv only)\n"
           "  -h, --help             show this help\n"
           "\n"
           "Memory: the default xlsx mode holds every cell until the file is written\n"
           "(libxlsxwriter's design: about 1.5 GB and 75 s for 1M rows, see\n"
           "docs/internals/gen.md);\n"
           "--inline-strings and csv write in constant memory.\n");
}

/* ---- CSV ----------------------------------------------------------------- */

struct obuf {
    FILE *f;
    char *data;
    size_t len, cap;
    int err;
};

static void oflush(struct obuf *b)
{
    if (b->len && fwrite(b->data, 1, b->len, b->f) != b->len)
        b->err = errno ? errno : EIO;
    b->len = 0;
}

static void oput(struct obuf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap)
        oflush(b);
    if (n > b->cap) {
        if (fwrite(s, 1, n, b->f) != n)
            b->err = errno ? errno : EIO;
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

/* A field as SPEC §7 writes it (base/csvw.h), straight into the buffer. */
static void put_field(struct obuf *b, const char *s, size_t n)
{
    size_t max = sl_csvw_max(n, 0);
    if (b->len + max > b->cap)
        oflush(b);
    if (max > b->cap) { /* longer than the whole buffer: through a buffer of its own */
        char *t = sl_malloc(max);
        if (!t) {
            b->err = ENOMEM;
            return;
        }
        oput(b, t, (size_t)(sl_csvw_put(t, s, n, 0) - t));
        sl_free(t);
        return;
    }
    b->len = (size_t)(sl_csvw_put(b->data + b->len, s, n, 0) - b->data);
}

static void put_record(struct obuf *b, const char *const *f, const size_t *len)
{
    for (int c = 0; c < SL_GEN_NCOLS; c++) {
        if (c)
            oput(b, ",", 1);
        put_field(b, f[c], len ? len[c] : strlen(f[c]));
    }
}

/* The text of note column c (0-based, >= SL_GEN_NCOLS) of data row i, or
 * its header (i < 0): 24 characters, distinct for every (row, column). */
static size_t note_text(unsigned long long seed, long long i, int c, char out[40])
{
    if (i < 0)
        return (size_t)snprintf(out, 40, "note%d", c + 1);
    uint64_t h = seed * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)i << 16 | (uint64_t)c);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)snprintf(out, 40, "%c%07lld-%04d-%010llx", 'a' + (int)(h % 26), i % 10000000,
                            c + 1, (unsigned long long)(h >> 24) & 0xffffffffffULL);
}

/* ---- progress ------------------------------------------------------------ */

struct progress {
    int on;
    long long total, next;
};

static void progress_init(struct progress *p, long long total)
{
    p->on = total >= 50000 && isatty(STDERR_FILENO);
    p->total = total;
    p->next = 0;
}

static void progress_at(struct progress *p, long long done)
{
    if (!p->on || done < p->next)
        return;
    fprintf(stderr, "\rsheetload gen: %lld/%lld rows (%d%%)", done, p->total,
            (int)(100 * done / (p->total ? p->total : 1)));
    p->next = done + p->total / 100 + 1;
}

static void progress_end(struct progress *p, const char *what)
{
    if (p->on)
        fprintf(stderr, "\rsheetload gen: %lld/%lld rows (100%%)%s\n", p->total, p->total, what);
}

/* ---- the row loop, shared by both writers -------------------------------- */

typedef int (*row_fn)(void *arg, long long sheet_row, const struct sl_gen_row *r);

static int each_row(const struct gen_opts *o, FILE *bad_list, row_fn fn, void *arg)
{
    struct sl_gen_plan plan;
    struct sl_gen_row row;
    struct progress prog;
    sl_gen_plan_init(&plan, o->rows, o->bad);
    progress_init(&prog, o->rows);
    long long k = 0;
    long long next_bad = plan.bad > 0 ? sl_gen_plan_index(&plan, 0) : -1;
    for (long long i = 0; i < o->rows; i++) {
        int kind = SL_GEN_GOOD;
        if (i == next_bad) {
            kind = sl_gen_plan_kind(&plan, k);
            if (bad_list)
                fprintf(bad_list, "%lld,%s\n", i + 2, sl_gen_kind_name(kind));
            k++;
            next_bad = k < plan.bad ? sl_gen_plan_index(&plan, k) : -1;
        }
        sl_gen_row(o->seed, i, kind, &row);
        int rc = fn(arg, i + 2, &row);
        if (rc)
            return rc;
        if ((i & 4095) == 0)
            progress_at(&prog, i);
    }
    progress_end(&prog, "");
    return 0;
}

struct crow {
    struct obuf *b;
    const struct gen_opts *o;
};

static void put_notes(struct obuf *b, const struct gen_opts *o, long long i)
{
    char t[40];
    for (int c = SL_GEN_NCOLS; c < o->text_columns; c++) {
        oput(b, ",", 1);
        put_field(b, t, note_text(o->seed, i, c, t));
    }
    oput(b, "\n", 1);
}

static int csv_row(void *arg, long long sheet_row, const struct sl_gen_row *r)
{
    struct crow *k = arg;
    put_record(k->b, r->field, r->len);
    put_notes(k->b, k->o, sheet_row - 2);
    return k->b->err;
}

static int write_csv(const struct gen_opts *o, FILE *f, FILE *bad_list)
{
    struct obuf b = {f, NULL, 0, 1 << 20, 0};
    b.data = sl_malloc(b.cap);
    if (!b.data)
        return ENOMEM;
    put_record(&b, sl_gen_header, NULL);
    put_notes(&b, o, -1);
    struct crow k = {&b, o};
    int rc = each_row(o, bad_list, csv_row, &k);
    if (!rc) {
        oflush(&b);
        rc = b.err;
    }
    sl_free(b.data);
    return rc;
}

/* ---- XLSX ---------------------------------------------------------------- */

struct xrow {
    lxw_worksheet *ws;
    lxw_error err;
    const struct gen_opts *o;
};

static int xlsx_row(void *arg, long long sheet_row, const struct sl_gen_row *r)
{
    struct xrow *x = arg;
    for (int c = 0; c < SL_GEN_NCOLS; c++) {
        if (!r->len[c])
            continue; /* an empty cell is no cell */
        lxw_error e = worksheet_write_string(x->ws, (lxw_row_t)(sheet_row - 1), (lxw_col_t)c,
                                             r->field[c], NULL);
        if (e) {
            x->err = e;
            return -1;
        }
    }
    char t[40];
    for (int c = SL_GEN_NCOLS; c < x->o->text_columns; c++) {
        note_text(x->o->seed, sheet_row - 2, c, t);
        lxw_error e =
            worksheet_write_string(x->ws, (lxw_row_t)(sheet_row - 1), (lxw_col_t)c, t, NULL);
        if (e) {
            x->err = e;
            return -1;
        }
    }
    return 0;
}

static int write_xlsx(const struct gen_opts *o, const char *path, FILE *bad_list, char *why,
                      size_t whylen)
{
    lxw_workbook_options wo = {0};
    wo.constant_memory = o->inline_strings ? LXW_TRUE : LXW_FALSE;
    lxw_workbook *wb = workbook_new_opt(path, &wo);
    if (!wb) {
        snprintf(why, whylen, "cannot create the workbook (%s)", strerror(errno));
        return -1;
    }
    /* A fixed creation time, so that the same options give the same parts. */
    lxw_doc_properties props = {0};
    props.title = "Business directory";
    props.author = "sheetload gen";
    props.created = 1704067200; /* 2024-01-01T00:00:00Z */
    workbook_set_properties(wb, &props);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Businesses");
    struct xrow x = {ws, LXW_NO_ERROR, o};
    int rc = -1;
    if (!ws) {
        snprintf(why, whylen, "cannot add a worksheet");
        goto fail;
    }
    for (int c = 0; c < SL_GEN_NCOLS; c++)
        if ((x.err = worksheet_write_string(ws, 0, (lxw_col_t)c, sl_gen_header[c], NULL)))
            break;
    char t[40];
    for (int c = SL_GEN_NCOLS; !x.err && c < o->text_columns; c++) {
        note_text(o->seed, -1, c, t);
        x.err = worksheet_write_string(ws, 0, (lxw_col_t)c, t, NULL);
    }
    if (!x.err)
        each_row(o, bad_list, xlsx_row, &x);
    if (x.err) {
        snprintf(why, whylen, "%s", lxw_strerror(x.err));
        goto fail;
    }
    if (o->rows >= 50000 && isatty(STDERR_FILENO))
        fprintf(stderr, "sheetload gen: writing the xlsx container...\n");
    lxw_error e = workbook_close(wb);
    wb = NULL;
    if (e) {
        snprintf(why, whylen, "%s", lxw_strerror(e));
        return -1;
    }
    rc = 0;
fail:
    if (wb) {
        /* workbook_close also frees; the partial file is removed by the caller. */
        workbook_close(wb);
    }
    return rc;
}

/* ---- the command --------------------------------------------------------- */

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcasecmp(s + n - m, suf);
}

static int parse_args(int argc, char **argv, struct gen_opts *o)
{
    enum { OPT_INLINE = 256, OPT_BADLIST, OPT_TEXTCOLS };
    static const struct option lo[] = {
        {"rows", required_argument, NULL, 'n'},
        {"bad", required_argument, NULL, 'b'},
        {"seed", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"inline-strings", no_argument, NULL, OPT_INLINE},
        {"bad-list", required_argument, NULL, OPT_BADLIST},
        {"help", no_argument, NULL, 'h'},
        {"text-columns", required_argument, NULL, OPT_TEXTCOLS},
        {NULL, 0, NULL, 0},
    };
    long long v;
    int c;
    o->rows = 1000;
    o->seed = 1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:b:s:f:o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (sl_cli_parse_long(optarg, 0, 1000000000000LL, &v))
                return sl_cli_usage_error("gen", "--rows needs a count of rows, not '%s'", optarg);
            o->rows = v;
            break;
        case 'b':
            if (sl_cli_parse_long(optarg, 0, 1000000000000LL, &v))
                return sl_cli_usage_error("gen", "--bad needs a count of rows, not '%s'", optarg);
            o->bad = v;
            break;
        case 's': {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(optarg, &end, 0);
            if (errno || !*optarg || *end || *optarg == '-')
                return sl_cli_usage_error("gen", "--seed needs a non-negative integer, not '%s'",
                                          optarg);
            o->seed = s;
            break;
        }
        case 'f':
            if (!strcasecmp(optarg, "csv"))
                o->format = FMT_CSV;
            else if (!strcasecmp(optarg, "xlsx"))
                o->format = FMT_XLSX;
            else
                return sl_cli_usage_error("gen", "--format must be 'xlsx' or 'csv', not '%s'",
                                          optarg);
            break;
        case 'o':
            o->out = optarg;
            break;
        case OPT_INLINE:
            o->inline_strings = 1;
            break;
        case OPT_BADLIST:
            o->bad_list = optarg;
            break;
        case OPT_TEXTCOLS:
            if (sl_cli_parse_long(optarg, SL_GEN_NCOLS + 1, 16384, &v))
                return sl_cli_usage_error("gen",
                                          "--text-columns needs a count from %d to 16384, "
                                          "not '%s'",
                                          SL_GEN_NCOLS + 1, optarg);
            o->text_columns = (int)v;
            break;
        case 'h':
            help();
            return -1;
        case ':':
            return sl_cli_usage_error("gen", "option '%s' needs a value", argv[optind - 1]);
        default:
            return sl_cli_usage_error("gen", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return sl_cli_usage_error("gen", "unexpected argument '%s'", argv[optind]);
    if (!o->out)
        return sl_cli_usage_error("gen", "no output file: give -o FILE.xlsx or -o FILE.csv");
    if (!o->format) {
        if (ends_with(o->out, ".xlsx"))
            o->format = FMT_XLSX;
        else if (ends_with(o->out, ".csv") || !strcmp(o->out, "-"))
            o->format = FMT_CSV;
        else
            return sl_cli_usage_error("gen",
                                      "cannot tell the format of '%s' from its name: "
                                      "use a .xlsx or .csv name, or --format",
                                      o->out);
    }
    if (o->bad > o->rows)
        return sl_cli_usage_error("gen", "--bad %lld is more than --rows %lld", o->bad, o->rows);
    if (o->format == FMT_XLSX && o->rows > XLSX_MAX_DATA_ROWS)
        return sl_cli_usage_error("gen",
                                  "an xlsx sheet holds at most %lld data rows, not %lld; "
                                  "write a .csv for more",
                                  XLSX_MAX_DATA_ROWS, o->rows);
    if (o->format == FMT_XLSX && !strcmp(o->out, "-"))
        return sl_cli_usage_error("gen",
                                  "xlsx cannot be written to standard output; give -o FILE.xlsx");
    if (o->inline_strings && o->format != FMT_XLSX)
        return sl_cli_usage_error("gen", "--inline-strings applies to xlsx only");
    return 0;
}

int sl_cmd_gen(int argc, char **argv)
{
    struct gen_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? SL_EXIT_OK : rc;

    int to_stdout = !strcmp(o.out, "-");
    size_t tl = strlen(o.out) + 32;
    char *tmp = sl_malloc(tl);
    FILE *bad = NULL, *f = NULL;
    char why[512] = "";
    int ok = 0;
    if (!tmp) {
        fprintf(stderr, "sheetload gen: out of memory\n");
        return SL_EXIT_FAIL;
    }
    snprintf(tmp, tl, "%s.tmp%ld", o.out, (long)getpid());
    if (o.bad_list && !(bad = fopen(o.bad_list, "w"))) {
        fprintf(stderr, "sheetload gen: cannot write '%s': %s\n", o.bad_list, strerror(errno));
        goto done;
    }
    if (o.format == FMT_CSV) {
        f = to_stdout ? stdout : fopen(tmp, "wb");
        if (!f) {
            fprintf(stderr, "sheetload gen: cannot write '%s': %s\n", o.out, strerror(errno));
            goto done;
        }
        errno = 0;
        int e = write_csv(&o, f, bad);
        if (!e && fflush(f))
            e = errno ? errno : EIO;
        if (!to_stdout && fclose(f) && !e)
            e = errno ? errno : EIO;
        f = NULL;
        if (e) {
            fprintf(stderr, "sheetload gen: cannot write '%s': %s\n", o.out, strerror(e));
            goto done;
        }
    } else if (!(f = fopen(tmp, "wb")) || fclose(f)) {
        /* libxlsxwriter creates the file only at the end: find out now. */
        f = NULL;
        fprintf(stderr, "sheetload gen: cannot write '%s': %s\n", o.out, strerror(errno));
        goto done;
    } else if ((f = NULL), write_xlsx(&o, tmp, bad, why, sizeof why)) {
        fprintf(stderr, "sheetload gen: cannot write '%s': %s\n", o.out, why);
        goto done;
    }
    if (bad) {
        int e = ferror(bad) | fclose(bad);
        bad = NULL;
        if (e) {
            fprintf(stderr, "sheetload gen: cannot write '%s': %s\n", o.bad_list, strerror(errno));
            goto done;
        }
    }
    if (!to_stdout && rename(tmp, o.out)) {
        fprintf(stderr, "sheetload gen: cannot write '%s': %s\n", o.out, strerror(errno));
        goto done;
    }
    ok = 1;
done:
    if (bad)
        fclose(bad);
    if (!ok && !to_stdout)
        unlink(tmp);
    sl_free(tmp);
    return ok ? SL_EXIT_OK : SL_EXIT_FAIL;
}
