/* version.c - the versions of the database client libraries in use. */
#include <libpq-fe.h>
#include <sqlite3.h>

#include "base/buf.h"
#include "sink/sink.h"

void sl_sink_versions(struct sl_buf *b)
{
    int pq = PQlibVersion(); /* 150010 = 15.10; 90624 = 9.6.24 */
    if (pq >= 100000)
        sl_buf_addf(b, "libpq %d.%d\n", pq / 10000, pq % 10000);
    else
        sl_buf_addf(b, "libpq %d.%d.%d\n", pq / 10000, pq / 100 % 100, pq % 100);
    sl_buf_addf(b, "SQLite %s\n", sqlite3_libversion());
}
