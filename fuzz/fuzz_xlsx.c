/* fuzz_xlsx.c - libFuzzer target: the whole file's bytes through the reader
 * (detection by content, then the xlsx reader for a zip), every row of the
 * first sheet read and every cell byte touched. The bytes go into a memfd
 * so libzip can seek; the limits are small so no input can exhaust memory. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "base/err.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* Every cell byte is read into this, so ASan checks each one. */
static volatile unsigned fx_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fx_write_memfd(data, size);
    if (fd < 0)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct sl_reader_opts opts = {0};
    opts.limits.max_entry_bytes = 8u << 20;
    opts.limits.max_total_bytes = 32u << 20;
    opts.limits.max_entries = 256;
    opts.limits.max_depth = 64;
    opts.limits.max_cell_bytes = 1u << 20;
    opts.limits.max_sst_bytes = 8u << 20;
    opts.limits.max_fields = 1024;
    struct sl_error err = {0};
    struct sl_reader *r = NULL;
    if (sl_reader_open(&r, path, &opts, &err) == 0) {
        struct sl_row row;
        for (size_t i = 0; i < sl_reader_sheet_count(r); i++)
            fx_sink += (unsigned char)sl_reader_sheet_name(r, i)[0];
        while (sl_reader_next(r, &row, &err) == 1)
            for (size_t i = 0; i < row.ncells; i++)
                for (size_t j = 0; j < row.cells[i].len; j++)
                    fx_sink += (unsigned char)row.cells[i].text[j];
        (void)sl_reader_bytes_read(r);
        sl_reader_close(r);
    }
    close(fd);
    return 0;
}
