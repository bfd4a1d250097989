/* version.c - the versions of the libraries the readers run with (libgsf
 * and GLib for .xls: loaded here to ask them, xls_gsf.c). */
#include <expat.h>
#include <string.h>
#include <zip.h>
#include <zlib.h>

#ifdef SL_HAVE_ISAL
#include <isa-l.h>
#endif

#include "base/buf.h"
#include "read/reader.h"
#include "read/xls_int.h"

void sl_read_versions(struct sl_buf *b)
{
    const char *expat = XML_ExpatVersion(); /* "expat_2.5.0" */
    if (!strncmp(expat, "expat_", 6))
        expat += 6;
    /* libzip 1.7 has no run-time query: the version of its headers. */
    sl_buf_addf(b, "libzip %s\n", LIBZIP_VERSION);
    sl_buf_addf(b, "zlib %s\n", zlibVersion());
    sl_buf_addf(b, "expat %s\n", expat);
    sl_xls_gsf_versions(b);
#ifdef SL_HAVE_ISAL
    /* ISA-L has no run-time query either. */
    sl_buf_addf(b, "ISA-L %d.%d.%d\n", ISAL_MAJOR_VERSION, ISAL_MINOR_VERSION, ISAL_PATCH_VERSION);
#endif
}
