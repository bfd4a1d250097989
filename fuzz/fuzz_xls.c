/* fuzz_xls.c - libFuzzer target: the bytes as an .xls file, opened from
 * memory by the xls reader (libgsf's OLE2 container, then the BIFF records),
 * every row of the first sheet read and every cell byte touched, then the
 * second sheet when there is one. Small limits, so no input can exhaust
 * memory. */
#include "base/err.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "read/xls.h"

/* Every cell byte is read into this, so ASan checks each one. */
static volatile unsigned fxls_sink;

static void fxls_read(const uint8_t *data, size_t size, const char *sheet)
{
    struct sl_reader_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.sheet = sheet;
    opts.limits.max_entry_bytes = 8u << 20;
    opts.limits.max_cell_bytes = 1u << 20;
    opts.limits.max_sst_bytes = 8u << 20;
    struct sl_error err;
    memset(&err, 0, sizeof err);
    struct sl_xls *x = NULL;
    if (sl_xls_open(&x, NULL, data, size, &opts, &err) != 0)
        return;
    struct sl_row row;
    for (size_t i = 0; i < sl_xls_sheet_count(x); i++)
        fxls_sink += (unsigned char)sl_xls_sheet_name(x, i)[0];
    long long last = 0;
    while (sl_xls_next(x, &row, &err) == 1) {
        if (row.num <= last || row.ncells == 0 || row.cells[row.ncells - 1].len == 0)
            __builtin_trap(); /* rows in order, the last cell has a value */
        last = row.num;
        for (size_t i = 0; i < row.ncells; i++)
            for (size_t j = 0; j <= row.cells[i].len; j++)
                fxls_sink += (unsigned char)row.cells[i].text[j]; /* NUL included */
    }
    (void)sl_xls_bytes_read(x);
    int more = sheet == NULL && sl_xls_sheet_count(x) > 1;
    sl_xls_close(x);
    if (more)
        fxls_read(data, size, "2");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fxls_read(data, size, NULL);
    return 0;
}
