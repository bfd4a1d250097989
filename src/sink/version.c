/* version.c - the versions of the database client libraries in use. */
#include <sqlite3.h>

#include "base/buf.h"
#include "sink/pq.h"
#include "sink/sink.h"

void sl_sink_versions(struct sl_buf *b)
{
    sl_pq_version(b); /* loads it (pq.c) */
    sl_buf_addf(b, "SQLite %s\n", sqlite3_libversion());
}
