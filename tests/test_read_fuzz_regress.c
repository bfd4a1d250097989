/* test_read_fuzz_regress.c - replays the fuzz corpora in the normal builds
 * (no libFuzzer): every file of fuzz/regress/<target>/ (saved crashers) and
 * fuzz/seeds/<target>/ goes through that target's LLVMFuzzerTestOneInput,
 * plus the shared xlsx corpus (fuzz_xlsx) and tests/corpus/csv inputs
 * (fuzz_csv) when present, and every worksheet and shared-strings part of
 * the shared corpus through the differential fuzz_scan (expat against the
 * scanner, fed whole and in pieces of 1, 7 and 64 bytes). A crash, a sanitizer report or a trap in
 * a plus the shared xlsx corpus (fuzz_xlsx), tests/corpus/xls (fuzz_xls and fuzz_xlsx, which
 * detects it) and tests/corpus/csv inputs (fuzz_csv) when present. A crash, a sanitizer report or a
 * trap in a target's own checks fails the test (SQLite's fuzzcheck habit). */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LLVMFuzzerTestOneInput fuzz_xlsx_one
#include "../fuzz/fuzz_xlsx.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_xls_one
#include "../fuzz/fuzz_xls.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_csv_one
#include "../fuzz/fuzz_csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_cellfmt_one
#include "../fuzz/fuzz_cellfmt.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_scan_one
#include "../fuzz/fuzz_scan.c"
#undef LLVMFuzzerTestOneInput

#include <zip.h>

#include "test.h"

typedef int (*target_fn)(const uint8_t *, size_t);

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, k;
    unsigned char *p = malloc(cap);
    while (p && (k = fread(p + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            unsigned char *q = realloc(p, cap *= 2);
            if (!q) {
                free(p);
                p = NULL;
            }
            p = q;
        }
    }
    fclose(f);
    *len = n;
    return p;
}

/* Runs fn on every regular file in dir (one level; with sub = a name, on
 * dir/<each>/sub). pre = bytes put in front (the csv target's two option
 * bytes). Returns the number of inputs. */
static int replay(const char *dir, const char *sub, const char *suffix, target_fn fn,
                  const unsigned char *pre, size_t npre)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int count = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t nl = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;
        if (suffix && (nl < sl || strcmp(e->d_name + nl - sl, suffix)))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s%s%s", dir, e->d_name, sub ? "/" : "", sub ? sub : "");
        size_t n;
        unsigned char *data = slurp(path, &n);
        if (!data)
            continue;
        unsigned char *buf = malloc(n + npre + 1);
        T_OK(buf != NULL);
        if (npre)
            memcpy(buf, pre, npre);
        memcpy(buf + npre, data, n);
        fprintf(stderr, "  %s\n", path);
        fn(buf, n + npre);
        free(buf);
        free(data);
        count++;
    }
    closedir(d);
    return count;
}

/* Every sheet and shared-strings part of the xlsx files in dir through
 * fuzz_scan; the number of parts. */
static int replay_parts(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int count = 0;
    while ((e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 5 || strcmp(e->d_name + nl - 5, ".xlsx"))
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        zip_t *z = zip_open(path, ZIP_RDONLY, NULL);
        if (!z)
            continue;
        for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); i++) {
            const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
            int sst = name && strstr(name, "sharedStrings") != NULL;
            if (!name || (!sst && !strstr(name, "worksheets/sheet")) || strstr(name, ".rels"))
                continue;
            zip_stat_t st;
            if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) || st.size > (8u << 20))
                continue;
            unsigned char *buf = malloc(st.size + 1);
            zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
            if (buf && f && zip_fread(f, buf + 1, st.size) == (zip_int64_t)st.size) {
                static const unsigned steps[] = {0, 1, 7, 64};
                for (size_t k = 0; k < 4; k++) {
                    buf[0] = (unsigned char)(steps[k] << 1 | (unsigned)sst);
                    fuzz_scan_one(buf, st.size + 1);
                }
                count++;
            }
            if (f)
                zip_fclose(f);
            free(buf);
        }
        zip_close(z);
    }
    closedir(d);
    return count;
}

int main(void)
{
    const char *src = getenv("SL_SRC");
    char dir[4096];
    int total = 0;
    static const struct {
        const char *name;
        target_fn fn;
    } targets[] = {
        {"fuzz_xlsx", fuzz_xlsx_one}, {"fuzz_xls", fuzz_xls_one},
        {"fuzz_csv", fuzz_csv_one},   {"fuzz_cellfmt", fuzz_cellfmt_one},
        {"fuzz_scan", fuzz_scan_one},
    };
    if (!src)
        T_FAIL("SL_SRC is not set: run through ctest");
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        int n = 0;
        snprintf(dir, sizeof dir, "%s/fuzz/regress/%s", src, targets[t].name);
        n += replay(dir, NULL, NULL, targets[t].fn, NULL, 0);
        snprintf(dir, sizeof dir, "%s/fuzz/seeds/%s", src, targets[t].name);
        n += replay(dir, NULL, NULL, targets[t].fn, NULL, 0);
        fprintf(stderr, "%s: %d regress and seed inputs\n", targets[t].name, n);
        total += n;
    }
    /* The shared xlsx corpus through the whole-file target. */
    snprintf(dir, sizeof dir, "%s/../shared/corpus/xlsx", src);
    int nx = replay(dir, NULL, ".xlsx", fuzz_xlsx_one, NULL, 0);
    fprintf(stderr, "fuzz_xlsx: %d shared corpus files\n", nx);
    int np = replay_parts(dir);
    fprintf(stderr, "fuzz_scan: %d sheet and shared-strings parts of the shared corpus\n", np);
    /* The .xls corpus, and the same files through the whole-file target. */
    snprintf(dir, sizeof dir, "%s/tests/corpus/xls", src);
    int nl = replay(dir, NULL, ".xls", fuzz_xls_one, NULL, 0);
    nl += replay(dir, NULL, ".xls", fuzz_xlsx_one, NULL, 0);
    fprintf(stderr, "fuzz_xls: %d xls corpus runs\n", nl);
    /* The CSV corpus, detected and with ';' and tight limits. */
    static const unsigned char opt[][2] = {{0, 0}, {0, 7}, {2, 255}, {8, 3}};
    snprintf(dir, sizeof dir, "%s/tests/corpus/csv", src);
    int nc = 0;
    for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++)
        nc += replay(dir, "input.csv", NULL, fuzz_csv_one, opt[i], 2);
    fprintf(stderr, "fuzz_csv: %d csv corpus runs\n", nc);
    T_OK(total > 0); /* the seeds are committed: finding none is a broken checkout */
    T_OK(nc > 0);
    T_OK(nl > 0);
    return 0;
}
