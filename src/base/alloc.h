/* alloc.h - the allocator every layer uses, with a hook for tests.
 *
 * sl_malloc and friends call libc unless a test armed a failure: after
 * sl_alloc_fail_after(n), the (n+1)-th allocation from then on fails (as
 * SQLite's test_malloc does), which lets a test walk every allocation
 * failure of a reader. The counter is atomic; arming is for single-threaded
 * tests. */
#ifndef SL_BASE_ALLOC_H
#define SL_BASE_ALLOC_H

#include <stddef.h>

void *sl_malloc(size_t n);
void *sl_calloc(size_t n, size_t size);
void *sl_realloc(void *p, size_t n);
char *sl_strdup(const char *s);
char *sl_strndup(const char *s, size_t n);
void sl_free(void *p);
/* Asks for huge pages on the whole 2 MiB pages inside [p, p + n) of a large
 * table read at random: with 4 KiB pages nearly every read is a TLB miss
 * (dear in a virtual machine), and filling it takes 512 times fewer page
 * faults. Only a hint: untouched pages still cost nothing, and where it
 * fails nothing changes. */
void sl_want_huge_pages(void *p, size_t n);
/* Such a table of `cap` bytes is complete at `used`: gives back the pages
 * of the huge page it ends in that lie past it (a whole 2 MiB page was
 * faulted in for its last bytes). Nothing past used may be read or written
 * after; the pages below stay. */
void sl_huge_pages_trim(void *p, size_t used, size_t cap);
/* n >= 0: fail every allocation after the next n; n < 0: never fail. */
void sl_alloc_fail_after(long n);
/* How many allocations failed since the last arming. */
long sl_alloc_failures(void);

#endif
