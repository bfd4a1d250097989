/* reader.c - open a spreadsheet by its content and read it through one
 * interface (reader.h): zip → xlsx.c, OLE2 → xls.c, text → csv.c, anything
 * else refused.
 *
 * Detection looks at the first 4 KiB, never at the file name: a zip local
 * header (PK\3\4) or an empty zip (PK\5\6) goes to the xlsx reader, which
 * reports a broken or non-workbook archive itself; the OLE2 signature goes to
 * the xls reader, which tells a workbook (a 'Workbook' or 'Book' stream) from
 * other OLE2 files (a Word document, an encrypted .xlsx) by the streams the
 * file holds; PDF, ELF, gzip, BIFF2-4 and UTF-16 text get a message that says
 * what the file is; other bytes are binary when they hold a NUL or
 * are mostly not UTF-8 text. The rest is CSV, where a stray invalid byte is
 * reported by the CSV reader with its row and column.
 *
 * Standard input ("-") is streamed when it is CSV; a zip or an OLE2 file needs
 * seeking, so it is spooled to a temporary file first (removed as soon as it is opened). */
#include "read/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/err.h"
#include "read/csv.h"
#include "read/xls.h"
#include "read/xlsx.h"

#define SNIFF SHEETLOAD_SNIFF_BYTES

struct sl_reader {
    const struct sl_reader_ops *ops;
    enum sl_format fmt;
    struct sl_xlsx *x;
    struct sl_xls *b; /* BIFF */
    struct sl_csv *c;
    char *display;   /* the name used in errors */
    char *csv_sheet; /* CSV: the file's base name without extension */
};

static int xlsx_next(struct sl_reader *r, struct sl_row *row, struct sl_error *err)
{
    return sl_xlsx_next(r->x, row, err);
}

static int xls_next(struct sl_reader *r, struct sl_row *row, struct sl_error *err)
{
    return sl_xls_next(r->b, row, err);
}

static int csv_next(struct sl_reader *r, struct sl_row *row, struct sl_error *err)
{
    return sl_csv_next(r->c, row, err);
}

static void fmt_close(struct sl_reader *r)
{
    sl_xlsx_close(r->x);
    sl_xls_close(r->b);
    sl_csv_close(r->c);
    r->x = NULL;
    r->b = NULL;
    r->c = NULL;
}

static const struct sl_reader_ops xlsx_ops = {"xlsx", xlsx_next, fmt_close};
static const struct sl_reader_ops xls_ops = {"xls", xls_next, fmt_close};
static const struct sl_reader_ops csv_ops = {"csv", csv_next, fmt_close};

/* Reads up to cap bytes (fewer only at the end of input). */
static ssize_t read_full(int fd, char *p, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, p + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copies the prefix and the rest of fd into a new temp file; returns its
 * path (new) or NULL with err set. Bounded by limit bytes. */
static char *spool(int fd, const char *prefix, size_t n, uint64_t limit, struct sl_error *err)
{
    const char *dir = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/sheetload-stdin.XXXXXX", dir && *dir ? dir : "/tmp");
    int out = mkstemp(tmpl);
    char *buf = NULL, *path = NULL;
    uint64_t total = n;
    ssize_t k;
    if (out < 0) {
        sl_err_set(err, SL_EIO, "cannot create a temporary file in '%s' to hold the workbook: %s",
                   dir && *dir ? dir : "/tmp", strerror(errno));
        return NULL;
    }
    if (!(buf = sl_malloc(1 << 20)) || !(path = sl_strdup(tmpl))) {
        sl_err_set(err, SL_ENOMEM, "out of memory");
        goto fail;
    }
    if (write_all(out, prefix, n))
        goto write_fail;
    while ((k = read_full(fd, buf, 1 << 20)) > 0) {
        total += (uint64_t)k;
        if (total > limit) {
            sl_err_set(err, SL_ELIMIT,
                       "the workbook on standard input is larger than the limit "
                       "of %llu bytes",
                       (unsigned long long)limit);
            goto fail;
        }
        if (write_all(out, buf, (size_t)k))
            goto write_fail;
    }
    if (k < 0) {
        sl_err_set(err, SL_EIO, "cannot read: %s", strerror(errno));
        goto fail;
    }
    if (close(out)) {
        out = -1;
        goto write_fail;
    }
    sl_free(buf);
    return path;
write_fail:
    sl_err_set(err, SL_EIO, "cannot write the temporary file '%s': %s", tmpl, strerror(errno));
fail:
    if (out >= 0)
        close(out);
    unlink(tmpl);
    sl_free(buf);
    sl_free(path);
    return NULL;
}

static char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    return sl_strndup(b, n);
}

static int open_csv(struct sl_reader *r, int fd, const char *prefix, size_t n, uint64_t total,
                    const struct sl_reader_opts *opts, struct sl_error *err)
{
    const char *want = opts ? opts->sheet : NULL;
    if (want && strcmp(want, "1") && strcmp(want, r->csv_sheet)) {
        close(fd);
        return sl_err_set(err, SL_ENOTFOUND, "sheet '%s' not found; a CSV file has one sheet, '%s'",
                          want, r->csv_sheet);
    }
    r->fmt = SL_FORMAT_CSV;
    r->ops = &csv_ops;
    return sl_csv_open(&r->c, fd, prefix, n, total, opts, err);
}

/* The input's names, descriptor and first bytes: 0 with *fd open and
 * *n bytes in head (n > 0), st filled. */
static int open_input(struct sl_reader *r, const char *path, const struct sl_reader_opts *opts,
                      char *head, ssize_t *n, int *fd, struct stat *st, struct sl_error *err)
{
    int is_stdin = !strcmp(path, "-");
    r->display = sl_strdup(opts && opts->name ? opts->name : is_stdin ? "standard input" : path);
    r->csv_sheet = is_stdin ? sl_strdup("stdin") : base_name(path);
    if (!r->display || !r->csv_sheet)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    *fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return sl_err_set(err, errno == ENOENT ? SL_ENOTFOUND : SL_EIO, "cannot open: %s%s",
                          strerror(errno), errno == ENOENT ? "; check the path" : "");
    if (fstat(*fd, st) == 0 && S_ISDIR(st->st_mode))
        return sl_err_set(err, SL_EINVAL, "this is a directory; give a .xlsx, .xls or .csv file");
    *n = read_full(*fd, head, SNIFF);
    if (*n < 0)
        return sl_err_set(err, SL_EIO, "cannot read: %s", strerror(errno));
    if (*n == 0)
        return sl_err_set(err, SL_EFORMAT, "the file is empty; there is nothing to read");
    return 0;
}

/* An .xlsx or .xls workbook from fd (closed here): a file that is not a
 * regular one (standard input, a pipe) is spooled to a temporary file
 * first, *tmp its name (unlinked once open). */
static int open_book(struct sl_reader *r, int format, const char *path, int fd,
                     const struct stat *st, const char *head, size_t n, char **tmp,
                     const struct sl_reader_opts *opts, struct sl_error *err)
{
    const char *zpath = path;
    if (!strcmp(path, "-") || !S_ISREG(st->st_mode)) {
        struct sheetload_limits lim = opts ? opts->limits : (struct sheetload_limits){0};
        sl_limits_defaults(&lim);
        if (!(*tmp = spool(fd, head, n, lim.max_total_bytes, err))) {
            close(fd);
            return err && err->code ? err->code : SL_EIO;
        }
        zpath = *tmp;
    }
    close(fd);
    int rc;
    if (format == SL_FORMAT_XLS) {
        r->fmt = SL_FORMAT_XLS;
        r->ops = &xls_ops;
        rc = sl_xls_open(&r->b, zpath, NULL, 0, opts, err);
    } else {
        r->fmt = SL_FORMAT_XLSX;
        r->ops = &xlsx_ops;
        rc = sl_xlsx_open(&r->x, zpath, opts, err);
    }
    if (*tmp)
        unlink(*tmp); /* the file stays open; the name is not needed */
    return rc;
}

int sl_reader_open(struct sl_reader **out, const char *path, const struct sl_reader_opts *opts,
                   struct sl_error *err)
{
    int fd = -1, rc;
    ssize_t n = 0;
    char *head = NULL, *tmp = NULL;
    struct stat st = {0};
    struct sl_reader *r = sl_calloc(1, sizeof *r);
    *out = NULL;
    if (!r || !(head = sl_malloc(SNIFF))) {
        rc = sl_err_set(err, SL_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = open_input(r, path, opts, head, &n, &fd, &st, err)))
        goto fail;
    const char *why;
    const char *name = opts && opts->name ? opts->name : !strcmp(path, "-") ? NULL : path;
    int format = sl_sniff(head, (size_t)n, name, opts ? opts->encoding : NULL, &why);
    if (format == SL_FORMAT_UNKNOWN) {
        rc = sl_err_set(err, SL_EFORMAT, "this is %s", why);
        goto fail;
    }
    uint64_t total = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    if (format != SL_FORMAT_CSV)
        rc = open_book(r, format, path, fd, &st, head, (size_t)n, &tmp, opts, err);
    else
        rc = open_csv(r, fd, head, (size_t)n, total, opts, err);
    fd = -1; /* closed, or owned by the CSV reader even on failure */
    if (rc)
        goto fail;
    sl_free(head);
    sl_free(tmp);
    *out = r;
    return 0;
fail:
    if (err && !err->file[0])
        sl_strlcpy(err->file, r && r->display ? r->display : path, sizeof err->file);
    if (fd >= 0)
        close(fd);
    sl_free(head);
    sl_free(tmp);
    sl_reader_close(r);
    return rc;
}

int sl_reader_next(struct sl_reader *r, struct sl_row *row, struct sl_error *err)
{
    int rc = r->ops->next(r, row, err);
    if (rc < 0 && err && !err->file[0])
        sl_strlcpy(err->file, r->display, sizeof err->file);
    return rc;
}

void sl_reader_close(struct sl_reader *r)
{
    if (!r)
        return;
    if (r->ops)
        r->ops->close(r);
    sl_free(r->display);
    sl_free(r->csv_sheet);
    sl_free(r);
}

enum sl_format sl_reader_format(const struct sl_reader *r)
{
    return r->fmt;
}

size_t sl_reader_sheet_count(const struct sl_reader *r)
{
    if (r->fmt == SL_FORMAT_XLS)
        return sl_xls_sheet_count(r->b);
    return r->fmt == SL_FORMAT_XLSX ? sl_xlsx_sheet_count(r->x) : 1;
}

const char *sl_reader_sheet_name(const struct sl_reader *r, size_t i)
{
    if (r->fmt == SL_FORMAT_XLSX)
        return sl_xlsx_sheet_name(r->x, i);
    if (r->fmt == SL_FORMAT_XLS)
        return sl_xls_sheet_name(r->b, i);
    return i == 0 ? r->csv_sheet : NULL;
}

const char *sl_reader_current_sheet(const struct sl_reader *r)
{
    if (r->fmt == SL_FORMAT_XLSX)
        return sl_xlsx_sheet_name(r->x, sl_xlsx_current_sheet(r->x));
    if (r->fmt == SL_FORMAT_XLS)
        return sl_xls_sheet_name(r->b, sl_xls_current_sheet(r->b));
    return r->csv_sheet;
}

const char *sl_reader_encoding(const struct sl_reader *r)
{
    return r->fmt == SL_FORMAT_CSV ? sl_csv_encoding(r->c) : "";
}

uint64_t sl_reader_bytes_read(const struct sl_reader *r)
{
    if (r->fmt == SL_FORMAT_XLS)
        return sl_xls_bytes_read(r->b);
    return r->fmt == SL_FORMAT_XLSX ? sl_xlsx_bytes_read(r->x) : sl_csv_bytes_read(r->c);
}

uint64_t sl_reader_bytes_total(const struct sl_reader *r)
{
    if (r->fmt == SL_FORMAT_XLS)
        return sl_xls_bytes_total(r->b);
    return r->fmt == SL_FORMAT_XLSX ? sl_xlsx_bytes_total(r->x) : sl_csv_bytes_total(r->c);
}

/* ---- the public face (sheetload.h) ---------------------------------------- */

int sheetload_reader_open(struct sheetload_reader **out, const char *path,
                          const struct sheetload_read_opts *opts, struct sheetload_error *err)
{
    struct sl_reader_opts ro = {0};
    if (opts) {
        ro.sheet = opts->sheet;
        ro.delimiter = opts->delimiter;
        ro.encoding = opts->encoding;
        ro.limits = opts->limits;
    }
    return sl_reader_open(out, path, &ro, err);
}

int sheetload_reader_next(struct sheetload_reader *r, struct sheetload_row *row,
                          struct sheetload_error *err)
{
    return sl_reader_next(r, row, err);
}

size_t sheetload_reader_sheet_count(const struct sheetload_reader *r)
{
    return sl_reader_sheet_count(r);
}

const char *sheetload_reader_sheet_name(const struct sheetload_reader *r, size_t i)
{
    return sl_reader_sheet_name(r, i);
}

void sheetload_reader_close(struct sheetload_reader *r)
{
    sl_reader_close(r);
}
