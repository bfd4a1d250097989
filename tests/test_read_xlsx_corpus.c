/* test_read_xlsx_corpus.c - every workbook in ../shared/corpus/xlsx is read
 * by the streaming xlsx reader and rendered as SPEC §7 CSV, which must equal
 * its .expected.csv byte for byte; a workbook without one must read without
 * error. The folder is walked, so new corpus files need no change here. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "read/xlsx.h"
#include "test.h"

struct grid_row {
    long long num;
    size_t n;
    char **text;
    size_t *len;
};

/* Renders the rows (file order, increasing numbers) as SPEC §7 CSV. */
static void render(struct grid_row *rows, size_t nrows, struct sl_buf *out)
{
    size_t maxc = 0;
    long long maxr = 0;
    for (size_t i = 0; i < nrows; i++) {
        if (rows[i].n > maxc)
            maxc = rows[i].n;
        if (rows[i].num > maxr)
            maxr = rows[i].num;
    }
    size_t k = 0;
    for (long long r = 1; r <= maxr; r++) {
        struct grid_row *g = NULL;
        while (k < nrows && rows[k].num < r)
            k++;
        if (k < nrows && rows[k].num == r)
            g = &rows[k];
        for (size_t c = 0; c < maxc; c++) {
            if (c)
                sl_buf_addch(out, ',');
            if (!g || c >= g->n)
                continue;
            const char *t = g->text[c];
            size_t n = g->len[c];
            int quote = 0;
            for (size_t i = 0; i < n; i++)
                if (t[i] == ',' || t[i] == '"' || t[i] == '\r' || t[i] == '\n')
                    quote = 1;
            if (!quote) {
                sl_buf_add(out, t, n);
                continue;
            }
            sl_buf_addch(out, '"');
            for (size_t i = 0; i < n; i++) {
                if (t[i] == '"')
                    sl_buf_addch(out, '"');
                sl_buf_addch(out, t[i]);
            }
            sl_buf_addch(out, '"');
        }
        sl_buf_addch(out, '\n');
    }
}

/* Reads path's first sheet into CSV; returns 0 or the reader's code. */
int sl_test_xlsx_to_csv(const char *path, const char *sheet, struct sl_buf *out,
                        struct sl_error *err);
int sl_test_xlsx_to_csv(const char *path, const char *sheet, struct sl_buf *out,
                        struct sl_error *err)
{
    struct sl_reader_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.sheet = sheet;
    struct sl_xlsx *x = NULL;
    int rc = sl_xlsx_open(&x, path, &opts, err);
    if (rc)
        return rc;
    struct grid_row *rows = NULL;
    size_t nrows = 0, cap = 0;
    struct sl_row row;
    long long last = 0;
    while ((rc = sl_xlsx_next(x, &row, err)) == 1) {
        T_OK(row.num > last); /* the corpus has rows in order */
        last = row.num;
        T_OK(row.ncells > 0 && row.cells[row.ncells - 1].kind != SL_CELL_EMPTY);
        if (nrows == cap) {
            cap = cap ? cap * 2 : 64;
            rows = realloc(rows, cap * sizeof *rows);
            T_OK(rows);
        }
        struct grid_row *g = &rows[nrows++];
        g->num = row.num;
        g->n = row.ncells;
        g->text = calloc(row.ncells, sizeof *g->text);
        g->len = calloc(row.ncells, sizeof *g->len);
        for (size_t c = 0; c < row.ncells; c++) {
            T_OK(row.cells[c].text && row.cells[c].text[row.cells[c].len] == '\0');
            T_OK((row.cells[c].kind == SL_CELL_EMPTY) == (row.cells[c].len == 0));
            g->text[c] = malloc(row.cells[c].len + 1);
            memcpy(g->text[c], row.cells[c].text, row.cells[c].len + 1);
            g->len[c] = row.cells[c].len;
        }
    }
    if (rc == 0)
        render(rows, nrows, out);
    for (size_t i = 0; i < nrows; i++) {
        for (size_t c = 0; c < rows[i].n; c++)
            free(rows[i].text[c]);
        free(rows[i].text);
        free(rows[i].len);
    }
    free(rows);
    sl_xlsx_close(x);
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        sl_buf_add(&b, tmp, n);
    fclose(f);
    return sl_buf_detach(&b, len);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Makes the n-th allocation of a whole read fail, for every n: each run
 * must fail cleanly (ASan checks leaks and bad accesses) or give the right
 * output. */
static void alloc_failures(const char *path, const char *want, size_t wlen)
{
    for (long n = 0;; n++) {
        struct sl_buf out;
        sl_buf_init(&out, 0);
        struct sl_error err;
        memset(&err, 0, sizeof err);
        sl_alloc_fail_after(n);
        int rc = sl_test_xlsx_to_csv(path, NULL, &out, &err);
        long failed = sl_alloc_failures();
        sl_alloc_fail_after(-1);
        if (rc == 0 && !out.err &&
            (out.len != wlen || memcmp(out.data ? out.data : "", want, wlen)))
            T_FAIL("allocation %ld failed: wrong output without an error", n);
        if (rc != 0 && failed == 0)
            T_FAIL("error %d with no allocation failure: %s", rc, err.msg);
        sl_buf_release(&out);
        if (failed == 0) {
            printf("allocation failures: %ld points of failure in %s, all clean\n", n, path);
            return;
        }
    }
}

int main(void)
{
    const char *src = getenv("SL_SRC");
    char dir[4096];
    const char *corpus = getenv("SL_CORPUS");
    if (corpus)
        snprintf(dir, sizeof dir, "%s/xlsx", corpus);
    else
        snprintf(dir, sizeof dir, "%s/../shared/corpus/xlsx", src ? src : ".");
    DIR *d = opendir(dir);
    if (!d) {
        printf("SKIPPED: no corpus at %s\n", dir);
        return 77; /* ctest's SKIP_RETURN_CODE: reported as skipped, not passed */
    }
    char **names = NULL;
    size_t nn = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".xlsx")) {
            names = realloc(names, (nn + 1) * sizeof *names);
            names[nn++] = strdup(e->d_name);
        }
    }
    closedir(d);
    if (nn == 0) {
        fprintf(stderr, "FAIL: %s holds no .xlsx file\n", dir);
        return 1;
    }
    qsort(names, nn, sizeof *names, cmp_name);
    int pass = 0, fail = 0, noexp = 0;
    for (size_t i = 0; i < nn; i++) {
        char path[4352], exp_path[4352];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(exp_path, sizeof exp_path, "%s/%.*s.expected.csv", dir,
                 (int)(strlen(names[i]) - 5), names[i]);
        struct sl_buf out;
        sl_buf_init(&out, 0);
        struct sl_error err;
        memset(&err, 0, sizeof err);
        int rc = sl_test_xlsx_to_csv(path, NULL, &out, &err);
        size_t elen = 0;
        char *exp = slurp(exp_path, &elen);
        if (rc) {
            char line[2048];
            sl_err_format(&err, line, sizeof line);
            fprintf(stderr, "FAIL %s: error %d: %s\n", names[i], rc, line);
            fail++;
        } else if (!exp) {
            noexp++;
            pass++;
        } else if (elen != out.len || memcmp(exp, out.data ? out.data : "", elen)) {
            size_t k = 0;
            while (k < elen && k < out.len && exp[k] == out.data[k])
                k++;
            size_t ls = k;
            while (ls > 0 && exp[ls - 1] != '\n')
                ls--;
            fprintf(stderr,
                    "FAIL %s: differs at byte %zu (got %zu bytes, want %zu)\n  want: %.120s\n  "
                    "got:  %.120s\n",
                    names[i], k, out.len, elen, exp + ls, out.data ? out.data + ls : "");
            fail++;
        } else {
            pass++;
            if (!strcmp(names[i], "poi-sample.strict.xlsx") ||
                !strcmp(names[i], "sheetjs-LONumbers.xlsx"))
                alloc_failures(path, exp, elen);
        }
        free(exp);
        sl_buf_release(&out);
        free(names[i]);
    }
    free(names);
    printf("xlsx corpus: %d of %d files pass (%d without an expected CSV, read only)\n", pass,
           pass + fail, noexp);
    return fail ? 1 : 0;
}
