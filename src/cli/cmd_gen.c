/* cmd_gen.c - 'sheetload gen': write a deterministic business-directory
 * spreadsheet (.xlsx or .csv) with known bad rows.
 *
 * The rows come from gen_data.c; this file parses the options and writes
 * them: CSV here, xlsx with inline strings through libxlsxwriter's
 * constant_memory mode here (the library is loaded then: gen_lxw.c), xlsx
 * with a shared-strings table streamed by gen_xlsx.c. Output goes to a
 * temporary file beside the target, renamed into place only when complete,
 * so a failed or interrupted run leaves nothing half-written under the
 * target name. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/gen_data.h"
#include "cli/gen_lxw.h"
#include "cli/gen_xlsx.h"
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
           "Memory: csv and --inline-strings write in constant memory; the default xlsx\n"
           "holds the distinct texts of the nine columns (about 150 MiB at 1M rows; the\n"
           "note columns cost nothing) and gathers the shared strings in a temporary\n"
           "file in $TMPDIR (see docs/internals/gen.md).\n");
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

static void put_notes(struct obuf *b, const struct gen_opts *o, long long i)
{
    char t[40];
    for (int c = SL_GEN_NCOLS; c < o->text_columns; c++) {
        oput(b, ",", 1);
        put_field(b, t, sl_gen_note(o->seed, i, c, t));
    }
    oput(b, "\n", 1);
}

static int write_csv(const struct gen_opts *o, FILE *f, FILE *bad_list)
{
    struct obuf b = {f, NULL, 0, 1 << 20, 0};
    struct sl_gen_iter it;
    b.data = sl_malloc(b.cap);
    if (!b.data)
        return ENOMEM;
    put_record(&b, sl_gen_header, NULL);
    put_notes(&b, o, -1);
    sl_gen_iter_init(&it, o->seed, o->rows, o->bad, bad_list);
    while (!b.err && sl_gen_iter_next(&it)) {
        put_record(&b, it.row.field, it.row.len);
        put_notes(&b, o, it.sheet_row - 2);
    }
    oflush(&b);
    sl_free(b.data);
    return b.err;
}

/* ---- XLSX with inline strings: libxlsxwriter's constant_memory mode ---- */

/* One row: its cells, an empty one being no cell; 0 or the error. */
static lxw_error xlsx_cells(lxw_worksheet *ws, const struct gen_opts *o, long long sheet_row,
                            const char *const *field, const size_t *len)
{
    char t[40];
    lxw_error e = LXW_NO_ERROR;
    for (int c = 0; !e && c < SL_GEN_NCOLS; c++)
        if (!len || len[c])
            e = sl_gen_lxw.worksheet_write_string(ws, (lxw_row_t)(sheet_row - 1), (lxw_col_t)c,
                                                  field[c], NULL);
    for (int c = SL_GEN_NCOLS; !e && c < o->text_columns; c++) {
        sl_gen_note(o->seed, sheet_row - 2, c, t);
        e = sl_gen_lxw.worksheet_write_string(ws, (lxw_row_t)(sheet_row - 1), (lxw_col_t)c, t,
                                              NULL);
    }
    return e;
}

static lxw_workbook *xlsx_open(const char *path)
{
    lxw_workbook_options wo = {0};
    const char *tmp = getenv("TMPDIR");
    wo.constant_memory = LXW_TRUE;
    wo.tmpdir = tmp && *tmp ? (char *)tmp : NULL;
    lxw_workbook *wb = sl_gen_lxw.workbook_new_opt(path, &wo);
    if (!wb)
        return NULL;
    /* A fixed creation time, so that the same options give the same parts. */
    lxw_doc_properties props = {0};
    props.title = "Business directory";
    props.author = "sheetload gen";
    props.created = 1704067200; /* 2024-01-01T00:00:00Z */
    sl_gen_lxw.workbook_set_properties(wb, &props);
    return wb;
}

static int write_xlsx_inline(const struct gen_opts *o, const char *path, FILE *bad_list, char *why,
                             size_t whylen)
{
    lxw_workbook *wb = xlsx_open(path);
    if (!wb) {
        snprintf(why, whylen, "cannot create the workbook (%s)", strerror(errno));
        return -1;
    }
    lxw_worksheet *ws = sl_gen_lxw.workbook_add_worksheet(wb, "Businesses");
    lxw_error e = ws ? xlsx_cells(ws, o, 1, sl_gen_header, NULL) : LXW_ERROR_MEMORY_MALLOC_FAILED;
    struct sl_gen_iter it;
    sl_gen_iter_init(&it, o->seed, o->rows, o->bad, bad_list);
    while (!e && sl_gen_iter_next(&it))
        e = xlsx_cells(ws, o, it.sheet_row, it.row.field, it.row.len);
    lxw_error ce =
        sl_gen_lxw.workbook_close(wb); /* also frees; a partial file is removed by the caller */
    if (!e)
        e = ce;
    if (e)
        snprintf(why, whylen, "%s", sl_gen_lxw.strerror(e));
    return e ? -1 : 0;
}

static int write_xlsx(const struct gen_opts *o, const char *path, FILE *bad_list, char *why,
                      size_t whylen)
{
    if (o->inline_strings)
        return write_xlsx_inline(o, path, bad_list, why, whylen);
    struct sl_gen_shape sh = {o->seed, o->rows, o->bad,
                              o->text_columns ? o->text_columns : SL_GEN_NCOLS};
    return sl_gen_xlsx_shared(&sh, path, bad_list, why, whylen);
}

/* ---- the command --------------------------------------------------------- */

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcasecmp(s + n - m, suf);
}

enum { OPT_INLINE = 256, OPT_BADLIST, OPT_TEXTCOLS };

static int parse_seed(const char *v, struct gen_opts *o)
{
    char *end;
    errno = 0;
    unsigned long long s = strtoull(v, &end, 0);
    if (errno || !*v || *end || *v == '-')
        return sl_cli_usage_error("gen", "--seed needs a non-negative integer, not '%s'", v);
    o->seed = s;
    return 0;
}

static int parse_format(const char *v, struct gen_opts *o)
{
    if (!strcasecmp(v, "csv"))
        o->format = FMT_CSV;
    else if (!strcasecmp(v, "xlsx"))
        o->format = FMT_XLSX;
    else
        return sl_cli_usage_error("gen", "--format must be 'xlsx' or 'csv', not '%s'", v);
    return 0;
}

/* One option c with value v into *o: 0, or the usage error. */
static int parse_opt(int c, const char *v, struct gen_opts *o)
{
    long long n;
    switch (c) {
    case 'n':
    case 'b':
        if (sl_cli_parse_long(v, 0, 1000000000000LL, &n))
            return sl_cli_usage_error("gen", "--%s needs a count of rows, not '%s'",
                                      c == 'n' ? "rows" : "bad", v);
        *(c == 'n' ? &o->rows : &o->bad) = n;
        return 0;
    case 's':
        return parse_seed(v, o);
    case 'f':
        return parse_format(v, o);
    case 'o':
        o->out = v;
        return 0;
    case OPT_INLINE:
        o->inline_strings = 1;
        return 0;
    case OPT_BADLIST:
        o->bad_list = v;
        return 0;
    case OPT_TEXTCOLS:
        if (sl_cli_parse_long(v, SL_GEN_NCOLS + 1, 16384, &n))
            return sl_cli_usage_error("gen",
                                      "--text-columns needs a count from %d to 16384, not '%s'",
                                      SL_GEN_NCOLS + 1, v);
        o->text_columns = (int)n;
        return 0;
    default:
        return SL_EXIT_USAGE;
    }
}

/* The format from the output's name when --format did not say. */
static int guess_format(struct gen_opts *o)
{
    if (o->format)
        return 0;
    if (ends_with(o->out, ".xlsx"))
        o->format = FMT_XLSX;
    else if (ends_with(o->out, ".csv") || !strcmp(o->out, "-"))
        o->format = FMT_CSV;
    else
        return sl_cli_usage_error("gen",
                                  "cannot tell the format of '%s' from its name: "
                                  "use a .xlsx or .csv name, or --format",
                                  o->out);
    return 0;
}

/* The options together: 0 or the usage error. */
static int check_opts(struct gen_opts *o)
{
    if (!o->out)
        return sl_cli_usage_error("gen", "no output file: give -o FILE.xlsx or -o FILE.csv");
    int rc = guess_format(o);
    if (rc)
        return rc;
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

/* 0, -1 after --help, or the usage error. */
static int parse_args(int argc, char **argv, struct gen_opts *o)
{
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
    int c, rc;
    o->rows = 1000;
    o->seed = 1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:b:s:f:o:h", lo, NULL)) != -1) {
        if (c == 'h') {
            help();
            return -1;
        }
        if (c == ':')
            return sl_cli_usage_error("gen", "option '%s' needs a value", argv[optind - 1]);
        if (c == '?')
            return sl_cli_usage_error("gen", "unknown option '%s'", argv[optind - 1]);
        if ((rc = parse_opt(c, optarg, o)))
            return rc;
    }
    if (optind < argc)
        return sl_cli_usage_error("gen", "unexpected argument '%s'", argv[optind]);
    return check_opts(o);
}

static int cannot_write(const char *name, const char *why)
{
    fprintf(stderr, "sheetload gen: cannot write '%s': %s\n", name, why);
    return -1;
}

/* The CSV to tmp, or to standard output for '-'; 0 or -1 after saying why. */
static int write_csv_file(const struct gen_opts *o, const char *tmp, FILE *bad)
{
    int to_stdout = !strcmp(o->out, "-");
    FILE *f = to_stdout ? stdout : fopen(tmp, "wb");
    if (!f)
        return cannot_write(o->out, strerror(errno));
    errno = 0;
    int e = write_csv(o, f, bad);
    if (!e && fflush(f))
        e = errno ? errno : EIO;
    if (!to_stdout && fclose(f) && !e)
        e = errno ? errno : EIO;
    return e ? cannot_write(o->out, strerror(e)) : 0;
}

/* The xlsx to tmp; 0 or -1 after saying why. */
static int write_xlsx_file(const struct gen_opts *o, const char *tmp, FILE *bad)
{
    char why[768] = "";
    if (o->inline_strings && sl_gen_lxw_load(why, sizeof why))
        return cannot_write(o->out, why);
    FILE *f = fopen(tmp, "wb"); /* the writers create the file only at the end: find out now */
    if (!f || fclose(f))
        return cannot_write(o->out, strerror(errno));
    return write_xlsx(o, tmp, bad, why, sizeof why) ? cannot_write(o->out, why) : 0;
}

/* Writes the file and the bad-row list, then renames tmp over the output;
 * 0 or -1 after saying why. */
static int write_all(const struct gen_opts *o, const char *tmp)
{
    FILE *bad = NULL;
    if (o->bad_list && !(bad = fopen(o->bad_list, "w")))
        return cannot_write(o->bad_list, strerror(errno));
    int rc = o->format == FMT_CSV ? write_csv_file(o, tmp, bad) : write_xlsx_file(o, tmp, bad);
    if (bad && (ferror(bad) | fclose(bad)) && !rc)
        rc = cannot_write(o->bad_list, strerror(errno ? errno : EIO));
    if (!rc && strcmp(o->out, "-") && rename(tmp, o->out))
        rc = cannot_write(o->out, strerror(errno));
    return rc;
}

int sl_cmd_gen(int argc, char **argv)
{
    struct gen_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? SL_EXIT_OK : rc;
    size_t tl = strlen(o.out) + 32;
    char *tmp = sl_malloc(tl);
    if (!tmp) {
        fprintf(stderr, "sheetload gen: out of memory\n");
        return SL_EXIT_FAIL;
    }
    snprintf(tmp, tl, "%s.tmp%ld", o.out, (long)getpid());
    rc = write_all(&o, tmp);
    if (rc && strcmp(o.out, "-"))
        unlink(tmp);
    sl_free(tmp);
    return rc ? SL_EXIT_FAIL : SL_EXIT_OK;
}
