/* limits.c - the default limits for untrusted input (struct sheetload_limits).
 *
 * The defaults are generous for real workbooks (a 1,048,576-row sheet is
 * well under 4 GiB of XML) and tight enough to stop bombs: a deflate stream
 * cannot pass about 1032:1, so one repeated byte (the classic bomb) lands
 * just above the 1000:1 ratio, while the most repetitive real part we know
 * (ten million empty shared strings) compresses about 515:1. */
#include <sheetload.h>

#include "read/reader.h"

#define KIB 1024ULL
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

void sl_limits_defaults(struct sheetload_limits *l)
{
    if (!l->max_entry_bytes)
        l->max_entry_bytes = 4 * GIB;
    if (!l->max_total_bytes)
        l->max_total_bytes = 16 * GIB;
    if (!l->max_ratio)
        l->max_ratio = 1000;
    if (!l->max_entries)
        l->max_entries = 65536;
    if (!l->max_depth)
        l->max_depth = 256;
    if (!l->max_cell_bytes)
        l->max_cell_bytes = 64 * MIB;
    if (!l->max_sst_bytes)
        l->max_sst_bytes = 2 * GIB;
    if (!l->max_memory)
        l->max_memory = 256 * MIB;
}
