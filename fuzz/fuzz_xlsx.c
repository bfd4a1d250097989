/* fuzz_xlsx.c - libFuzzer target: the whole file's bytes through the reader
 * (detection by content, then the xlsx reader for a zip), every row of the
 * first sheet read and every cell byte touched. The bytes go into a memfd
 * so libzip can seek; the limits are small so no input can exhaust memory.
 * Each input is read twice, in memory and with its shared strings spilled,
 * and the two must agree (fx_read). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "base/err.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "read/reader.h"

static int fx_write_memfd(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_xlsx", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return fd;
}

/* Reads the whole file with budget max_memory (0: the default, 256 MiB):
 * a digest of every row (its number, cells and bytes) and of the ending
 * (the reader's result code). Every cell byte is read, so ASan checks each
 * one. */
static uint64_t fx_read(const char *path, uint64_t max_memory, int *rc)
{
    struct sl_reader_opts opts = {0};
    opts.limits.max_entry_bytes = 8u << 20;
    opts.limits.max_total_bytes = 32u << 20;
    opts.limits.max_entries = 256;
    opts.limits.max_depth = 64;
    opts.limits.max_cell_bytes = 1u << 20;
    opts.limits.max_sst_bytes = 8u << 20;
    opts.limits.max_fields = 1024;
    opts.limits.max_memory = max_memory;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
#define FX_MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ULL)
    struct sl_error err = {0};
    struct sl_reader *r = NULL;
    *rc = sl_reader_open(&r, path, &opts, &err);
    if (*rc == 0) {
        struct sl_row row;
        for (size_t i = 0; i < sl_reader_sheet_count(r); i++)
            FX_MIX((unsigned char)sl_reader_sheet_name(r, i)[0]);
        while ((*rc = sl_reader_next(r, &row, &err)) == 1) {
            FX_MIX(row.num);
            FX_MIX(row.ncells);
            for (size_t i = 0; i < row.ncells; i++) {
                FX_MIX(row.cells[i].kind);
                FX_MIX(row.cells[i].len);
                for (size_t j = 0; j < row.cells[i].len; j++)
                    FX_MIX((unsigned char)row.cells[i].text[j]);
            }
        }
        (void)sl_reader_bytes_read(r);
        sl_reader_close(r);
    }
#undef FX_MIX
    return h;
}

/* Differential: the shared strings held in memory and the same table
 * spilled to a temporary file (a 1 MiB budget: every table spills, and
 * the strings read again go through the cache of copies, strcache.h) must
 * end the same way and, when the whole file reads, give the same rows.
 * (After an error the rows handed out before it may differ: the spill
 * publishes its strings a MiB at a time, so the sheet meets the table's
 * error sooner.) */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fx_write_memfd(data, size);
    if (fd < 0)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rc_mem, rc_spill;
    uint64_t a = fx_read(path, 0, &rc_mem);
    uint64_t b = fx_read(path, 1u << 20, &rc_spill);
    if (rc_mem != rc_spill || (rc_mem == 0 && a != b)) {
        fprintf(stderr, "in memory: rows %016llx, result %d; spilled: rows %016llx, result %d\n",
                (unsigned long long)a, rc_mem, (unsigned long long)b, rc_spill);
        abort();
    }
    close(fd);
    return 0;
}
