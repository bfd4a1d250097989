/* version.c - the libraries the loader runs with: the readers', the
 * sinks' and its own. */
#include <jansson.h>

#include "base/buf.h"
#include "load/load.h"
#include "read/reader.h"
#include "sink/sink.h"

void sl_load_versions(struct sl_buf *b)
{
    sl_sink_versions(b);
    sl_read_versions(b);
    sl_buf_addf(b, "jansson %s\n", jansson_version_str());
}
