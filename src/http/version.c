/* version.c - sheetload_versions(): every library this build runs with, as
 * loaded at run time (which may differ from the headers it was built with). */
#include <microhttpd.h>
#include <sheetload.h>
#include <string.h>

#include "base/buf.h"
#include "load/load.h"

size_t sheetload_versions(char *buf, size_t cap)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    sl_load_versions(&b);
    sl_buf_addf(&b, "libmicrohttpd %s\n", MHD_get_version());
    size_t need = b.err ? 0 : b.len;
    if (cap) {
        size_t n = need < cap ? need : cap - 1;
        if (n)
            memcpy(buf, b.data, n);
        buf[n] = '\0';
    }
    sl_buf_release(&b);
    return need;
}
