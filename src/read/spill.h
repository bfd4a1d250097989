/* spill.h - a temporary file for a shared-strings table past the memory
 * budget (limits.max_memory), shared by the xlsx and xls readers.
 *
 * A table that does not fit the budget less SL_SPILL_RESERVE is written to
 * a file with no name (O_TMPFILE; else mkstemp + unlink at once, and every
 * spill first sweeps such files of dead processes of ours) in the upload's
 * directory, $TMPDIR or /tmp, after a free-space check (fstatvfs). The
 * writer pwrite()s into it (sl_spill_write); the reader reads it through
 * one read-only MAP_SHARED mapping of the whole layout, reporting every
 * read to sl_spill_touch, which keeps at most `window` bytes of it
 * resident: it counts the 64 KiB regions of the file resident in the
 * mapping and, before they would pass the window, drops regions with
 * madvise(MADV_DONTNEED) by a clock (second chance): a region read since
 * the clock's hand last passed is kept, so the strings the sheet repeats
 * everywhere (categories, cities, names) stay while the ones read once
 * go. (A reader that keeps copies of what it reads again, as the xlsx
 * reader does in strcache.h, turns the clock off: second_chance = 0, first
 * in, first out.) One fault maps a whole page-cache folio around the page (on
 * Linux 6.18 ext4, measured: 1 MiB after 1 MiB writes, 64 KiB, the
 * fault-around, after small ones), so the file is written in pieces within
 * 64 KiB boundaries, mapped at a 64 KiB-aligned address, and read with
 * MADV_RANDOM (pages read again after eviction come one by one, not in
 * read-ahead folios): a region then costs at most its 64 KiB. The pages
 * stay in the page cache, so a string read again refaults without I/O, and
 * every pointer into the mapping stays valid. A write that fails (ENOSPC,
 * EDQUOT, EFBIG) is an error for people (sl_spill_error), never a SIGBUS:
 * the mapping is only read where the file was written.
 *
 * Threads: the writer and the reader may be two threads (the xlsx loader
 * and the sheet's side): sl_spill_write touches no field, sl_spill_touch
 * only the window's, which belong to the reader alone. */
#ifndef SL_READ_SPILL_H
#define SL_READ_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* What an import takes beside the table (the reader's blocks, the
 * pipeline's blocks in flight, a sink's page cache, the libraries):
 * measured in docs/internals/xlsx.md ("Where the MiB go"). */
#define SL_SPILL_RESERVE ((uint64_t)48 << 20)
/* The mapping's window at least (tiny budgets). */
#define SL_SPILL_WINDOW_MIN ((uint64_t)8 << 20)

struct sl_spill {
    int fd; /* -1: none */
    char *map;
    size_t maplen;
    char dir[256];
    uint64_t need; /* the free space asked for */
    /* The reader's window: one bit per region in each map. */
    uint64_t *res;           /* resident: read and not dropped since */
    uint64_t *ref;           /* read since the clock's hand last passed it */
    size_t nregions;         /* 64 KiB regions of the mapping (one more, for its end) */
    size_t hand;             /* the clock's next region */
    size_t resident, window; /* bytes */
    int second_chance;       /* 1 (the default): the clock; 0: first in, first out (the
                              * reader keeps what it reads again elsewhere) */
};

/* Whether a table that may take `need` bytes must spill under budget
 * (SHEETLOAD_MEMORY_UNBOUNDED: never); if so, *window is the mapping's
 * resident bytes it may keep (the budget less the reserve, at least 8 MiB). */
int sl_spill_wanted(uint64_t budget, uint64_t need, uint64_t *window);

/* Creates the file in dir (NULL or "": $TMPDIR, else /tmp), checks that
 * `need` bytes are free, maps maplen bytes of it. 0 or an error for people;
 * s->fd is -1 before. */
int sl_spill_open(struct sl_spill *s, const char *dir, uint64_t need, size_t maplen, size_t window,
                  struct sl_error *err);
/* Writes n bytes at offset at; 0 or an errno. */
int sl_spill_write(const struct sl_spill *s, const void *p, size_t n, uint64_t at);
/* The error for errno e of a write, in err; returns its code. */
int sl_spill_error(const struct sl_spill *s, int e, struct sl_error *err);
/* The reader read n bytes at p and the offset at off (both in the map). */
void sl_spill_touch(struct sl_spill *s, const void *off, const void *p, size_t n);
/* Whether the 64 KiB region of p is counted resident (for the tests). */
int sl_spill_resident(const struct sl_spill *s, const void *p);
/* Unmaps and closes (the file goes with its last descriptor). */
void sl_spill_close(struct sl_spill *s);

#endif
