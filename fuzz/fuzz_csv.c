/* fuzz_csv.c - libFuzzer target: the CSV reader. The first byte picks the
 * delimiter (detected, ',' ';' TAB or '|'), tight limits and the encoding
 * (UTF-8 or a BOM's, Windows-1252, UTF-16LE, Mac Roman), the second how
 * many bytes are handed over as the detection prefix; the rest comes from
 * a memfd through read(), so the prefix and refill paths both run. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "base/err.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "read/csv.h"

/* Every cell byte is read into this, so ASan checks each one. */
static volatile unsigned fc_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const char delims[] = {0, ',', ';', '\t', '|', 0, 0, 0};
    struct sl_reader_opts opts = {0};
    opts.delimiter = delims[data[0] & 7];
    if (data[0] & 8) {
        opts.limits.max_cell_bytes = 64;
        opts.limits.max_fields = 8;
    } else {
        opts.limits.max_cell_bytes = 1u << 20;
        opts.limits.max_fields = 4096;
    }
    static const char *const encs[] = {NULL, "CP1252", "UTF-16LE", "MACINTOSH"};
    opts.encoding = encs[(data[0] >> 4) & 3];
    size_t pre = data[1];
    data += 2;
    size -= 2;
    if (pre > size)
        pre = size;
    int fd = memfd_create("fuzz_csv", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    for (size_t off = pre; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return 0;
        }
        off += (size_t)w;
    }
    lseek(fd, 0, SEEK_SET);
    struct sl_error err = {0};
    struct sl_csv *c = NULL;
    if (sl_csv_open(&c, fd, data, pre, size, &opts, &err) == 0) { /* fd is owned now */
        struct sl_row row;
        long long last = 0;
        while (sl_csv_next(c, &row, &err) == 1) {
            if (row.num != last + 1 || row.ncells == 0)
                __builtin_trap(); /* records are numbered 1, 2, 3... and have a field */
            last = row.num;
            for (size_t i = 0; i < row.ncells; i++) {
                if (row.cells[i].text[row.cells[i].len] != '\0')
                    __builtin_trap();
                for (size_t j = 0; j < row.cells[i].len; j++)
                    fc_sink += (unsigned char)row.cells[i].text[j];
            }
        }
        if (!err.code && sl_csv_bytes_read(c) != size)
            __builtin_trap(); /* a clean end consumed every byte */
        sl_csv_close(c);
    }
    return 0;
}
