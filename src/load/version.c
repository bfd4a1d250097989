/* version.c - sheetload_versions(): the libraries the import runs with, as
 * loaded at run time (which may differ from the headers it was built with):
 * the sinks', the readers', jansson and nettle. */
#include <jansson.h>
#include <nettle/version.h>
#include <sheetload.h>
#include <string.h>

#include "base/buf.h"
#include "read/reader.h"
#include "sink/sink.h"

size_t sheetload_versions(char *buf, size_t cap)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    sl_sink_versions(&b);
    sl_read_versions(&b);
    sl_buf_addf(&b, "jansson %s\n", jansson_version_str());
    sl_buf_addf(&b, "nettle %d.%d\n", nettle_version_major(), nettle_version_minor());
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
