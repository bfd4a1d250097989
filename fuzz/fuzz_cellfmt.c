/* fuzz_cellfmt.c - libFuzzer target: the cell-value formatting of
 * read/cellfmt.h (number parsing and printing, serial dates in both date
 * systems, ISO dates, format-code classification, _xHHHH_ decoding). The
 * first byte picks the function; outputs must stay within SL_CELLFMT_MAX. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "read/cellfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    char out[SL_CELLFMT_MAX + 16];
    memset(out, 0x5A, sizeof out);
    char *copy = sl_malloc(n + 1);
    if (!copy)
        return 0;
    memcpy(copy, s, n);
    copy[n] = '\0';
    double x;
    size_t len = 0;
    int nul = 0; /* the function promises a NUL-terminated result */
    switch (sel % 6) {
    case 0:
        if (sl_parse_double(s, n, &x) == 0) {
            len = sl_fmt_number(x, out);
            nul = 1;
            double back;
            /* What is printed reads back as the same number. */
            if (isfinite(x) && (sl_parse_double(out, len, &back) || back != x))
                __builtin_trap();
        }
        break;
    case 1:
        if (n >= sizeof(double)) {
            memcpy(&x, s, sizeof x);
            len = sl_fmt_number_padded(x, (int)(sel >> 3) % 20, out);
            nul = 1;
        }
        break;
    case 2:
        if (n >= sizeof(double)) {
            memcpy(&x, s, sizeof x);
            len = sl_fmt_serial(x, (int)(sel >> 3) % 4, (sel >> 5) & 1, out);
        }
        break;
    case 3:
        len = sl_fmt_iso(copy, n, (int)(sel >> 3) % 4, out);
        break;
    case 4: {
        int pad = 0;
        (void)sl_numfmt_classify(copy, &pad);
        (void)sl_numfmt_builtin((long)(sel >> 3) * 7);
        break;
    }
    default: {
        size_t m = sl_xesc_decode(copy, n);
        if (m > n)
            __builtin_trap();
        break;
    }
    }
    if (len >= SL_CELLFMT_MAX || (nul && out[len] != '\0'))
        __builtin_trap();
    for (size_t i = SL_CELLFMT_MAX; i < sizeof out; i++)
        if (out[i] != 0x5A)
            __builtin_trap(); /* wrote past the documented maximum */
    sl_free(copy);
    return 0;
}
